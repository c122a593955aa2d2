"""What every handler is handed by the middlewares, and the checks they share."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from models.people import Person, Role
from models.report_flows import DEFAULT_TOPICS

Translate = Callable[..., str]


class Catalogs(Protocol):
    locales: tuple[str, ...]

    def translator(self, locale: str) -> Translate: ...


class Conversations(Protocol):
    """Where conversation state is kept (the database or Redis), as erasure needs it."""

    async def forget_user(self, user_id: int) -> None: ...


@dataclass(frozen=True)
class Campaign:
    """The campaign facts that appear in messages (the privacy notice above all)."""

    name: str
    controller_name: str
    controller_contact: str
    retention_days: int
    default_locale: str = "fr"
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    # Missions are typed and shown in this zone; stored in UTC.
    timezone: str = "Europe/Paris"
    # Topics a field report can tick (tag keys; labels in the catalogs).
    report_topics: tuple[str, ...] = DEFAULT_TOPICS

    def notice_fields(self) -> dict[str, Any]:
        return {
            "campaign": esc(self.name),
            "controller": esc(self.controller_name),
            "contact": esc(self.controller_contact),
            "retention_months": max(1, round(self.retention_days / 30.4)),
        }


def esc(text: str | None) -> str:
    """Escape user- or operator-provided text for parse_mode=HTML."""
    return html.escape(text or "", quote=False)


def rank_of(person: Person | None, is_admin: bool) -> int:
    if is_admin:
        return Role.ORGANIZER.rank + 1
    if person is None or not person.is_active:
        return -1
    return person.role_rank


class AtLeast(Filter):
    """Passes when the acting person's role, read from the database for this update, is
    at least `role` (admins from settings pass everything)."""

    def __init__(self, role: Role | None) -> None:
        # None means "admins only".
        self.needed = Role.ORGANIZER.rank + 1 if role is None else role.rank

    async def __call__(
        self, event: TelegramObject, person: Person | None = None, is_admin: bool = False
    ) -> bool:
        return rank_of(person, is_admin) >= self.needed


class Joined(Filter):
    """Passes for someone who has consented (a Person exists), whatever their role."""

    async def __call__(self, event: TelegramObject, person: Person | None = None) -> bool:
        return person is not None
