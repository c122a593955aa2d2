"""The data and the rules over it. Imports nothing from aiogram, handlers, reports or bot."""

from models.base import Base
from models.chat_links import ChatLink
from models.mission_totals import MissionTopic, MissionTotals
from models.missions import Assignment, Mission
from models.outbox import Broadcast, OutboxMessage
from models.people import AuditEvent, ConsentEvent, Person, Team
from models.recognition import Recognition
from models.reports import FieldReport, FieldReportMember, FieldReportVersion
from models.runtime import ConversationState, ProcessedUpdate
from models.zones import Zone

metadata = Base.metadata

__all__ = [
    "Assignment",
    "AuditEvent",
    "Broadcast",
    "ChatLink",
    "ConsentEvent",
    "ConversationState",
    "FieldReport",
    "FieldReportMember",
    "FieldReportVersion",
    "Mission",
    "MissionTopic",
    "MissionTotals",
    "OutboxMessage",
    "Person",
    "ProcessedUpdate",
    "Recognition",
    "Team",
    "Zone",
    "metadata",
]
