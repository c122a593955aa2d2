"""One polite, audited "no" for a command or button above someone's role. Each router
registers it after its role-filtered handlers: whatever those did not take is refused here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from handlers.context import Translate
from models.bookkeeping import audit
from models.clock import Clock
from models.database import Database
from models.people import Person, Role

# Who may do it, as the refusal says it.
MESSAGE_FOR = {Role.TEAM_LEAD: "refused.team_lead", Role.ORGANIZER: "refused.organizer"}
ADMINS_ONLY = "refused.admin"

Refusal = Callable[..., Awaitable[None]]


def refuse(needed: Role | None, name: str | None = None) -> Refusal:
    """A handler refusing anyone below `needed` (None: admins only). The audit event records
    the command's (or `name`'s) name and the actor's internal id, nothing personal."""
    key = MESSAGE_FOR.get(needed, ADMINS_ONLY) if needed else ADMINS_ONLY

    async def refused(
        event: Message | CallbackQuery,
        t: Translate,
        person: Person | None,
        db: Database,
        clock: Clock,
        command: CommandObject | None = None,
    ) -> None:
        what = name or (command.command if command else "button")
        await audit(
            db, "command.refused", clock.now(), actor_id=person.id if person else None, command=what
        )
        if isinstance(event, CallbackQuery):
            await event.answer(t(key), show_alert=True)
        else:
            await event.answer(t(key))

    return refused
