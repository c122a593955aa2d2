"""Reading ahead for a batch of updates: what each update's middlewares would otherwise ask
the database one by one (its update-id claim, the acting person, the conversation state),
asked for the whole batch in one transaction.

Only each person's first update in the batch is read ahead, and none of those whose earlier
updates are still running: with the conversations in the database one person's updates in a
chat are handled in the order they came (bot/storage.py `OneAtATime`), so nothing of theirs
can change what was read before that first one runs. A person with updates in two chats is
read one by one: those run side by side. Their later updates (a phone with bad signal sends
a few at once), and every update fed without a batch, are read one by one as before
(bot/middlewares.py), after the earlier ones are done."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update

from models import volunteers
from models.bookkeeping import claim_updates
from models.clock import Clock
from models.database import Database
from models.people import Person

Conversation = tuple[str | None, dict[str, Any]]


@dataclass
class ReadAhead:
    """What was read for a batch: keyed by update id, Telegram user id and storage key."""

    covered: dict[int, int] = field(default_factory=dict)  # update id -> its user's id
    claimed: set[int] = field(default_factory=set)
    people: dict[int, Person] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)

    def person(self, user_id: int) -> Person | None:
        return self.people.get(user_id)


@dataclass(frozen=True)
class Current:
    """The batch's reading, for the update this task is handling and its user."""

    batch: ReadAhead
    update_id: int
    user_id: int

    def first_delivery(self) -> bool:
        """Whether this update was claimed by the batch; true once only."""
        if self.update_id not in self.batch.claimed:
            return False
        self.batch.claimed.discard(self.update_id)
        return True


# Set around the handling of an update that was read ahead (each update runs in its own
# task), for the middlewares and the conversation storage, which sees only a key.
CURRENT: ContextVar[Current | None] = ContextVar("read_ahead", default=None)


@contextmanager
def handling(batch: ReadAhead | None, update: Update) -> Iterator[None]:
    """While `update` is handled: what was read ahead for it, if it was."""
    user_id = batch.covered.get(update.update_id) if batch is not None else None
    if batch is None or user_id is None:
        yield
        return
    token = CURRENT.set(Current(batch, update.update_id, user_id))
    try:
        yield
    finally:
        CURRENT.reset(token)


def user_id_of(update: Update) -> int | None:
    user = UserContextMiddleware.resolve_event_context(update).user
    return user.id if user is not None else None


async def read_ahead(
    db: Database,
    clock: Clock,
    updates: Sequence[Update],
    busy: Collection[int] = (),
    *,
    conversations: bool = True,
) -> ReadAhead:
    """Claim the batch's updates (those read ahead), and read their people and, when the
    conversations are kept in the database, their conversations. `busy`: users whose earlier
    updates are still being handled."""
    users = []
    places: dict[int | None, set[tuple[Any, ...]]] = {}
    for update in updates:
        context = UserContextMiddleware.resolve_event_context(update)
        users.append((update.update_id, context.user_id))
        place = (context.chat_id, context.thread_id, context.business_connection_id)
        places.setdefault(context.user_id, set()).add(place)
    # In order are only one person's updates in one chat: in two chats they run side by side.
    seen = set(busy) | {user for user, found in places.items() if len(found) > 1}
    if not conversations:
        # Redis's lock keeps no order among a chat's waiting updates, so a later one could run
        # first: there only people with a single update in the batch are read ahead.
        seen |= {user for user, count in Counter(user for _, user in users).items() if count > 1}
    batch = ReadAhead()
    for update_id, user in users:
        if user is not None and user not in seen:
            batch.covered[update_id] = user
        seen.add(user)
    if not batch.covered:
        return batch
    once = list(batch.covered.values())
    async with db.begin() as session:
        batch.claimed = await claim_updates(session, list(batch.covered), clock.now())
        for person in await volunteers.people_by_telegram_ids(session, once):
            batch.people[person.telegram_id] = person
        if conversations:
            for key, state, data in await volunteers.conversations_of(session, once):
                batch.conversations[key] = (state, dict(data or {}))
    return batch
