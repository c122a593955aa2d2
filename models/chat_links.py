"""Organizer chats: a group, supergroup or channel linked to a team or to the whole campaign,
which gets digests and a pinned live dashboard. Aggregates only (see reports/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class ChatLink(Base):
    __tablename__ = "chat_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_type: Mapped[str] = mapped_column(String(16))  # group, supergroup, channel
    title: Mapped[str | None] = mapped_column(String(128))
    # None: the whole campaign. A team's link goes with the team.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The pinned live dashboard, edited in place; the hash of its text spares no-op edits.
    live_message_id: Mapped[int | None] = mapped_column(Integer)
    live_hash: Mapped[str | None] = mapped_column(String(64))
    live_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
