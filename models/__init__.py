"""The data and the rules over it. Imports nothing from aiogram, handlers, reports or bot."""

from models.base import Base
from models.people import AuditEvent, ConsentEvent, Person, Team
from models.runtime import ConversationState, ProcessedUpdate

metadata = Base.metadata

__all__ = [
    "AuditEvent",
    "ConsentEvent",
    "ConversationState",
    "Person",
    "ProcessedUpdate",
    "Team",
    "metadata",
]
