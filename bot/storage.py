"""Conversation state (aiogram FSM) kept in the database, so a restart loses no conversation
and an erasure can find and delete it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey

from models.clock import Clock
from models.database import Database
from models.runtime import ConversationState


def _key(key: StorageKey) -> str:
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id)
    return ":".join("" if part is None else str(part) for part in parts) + f":{key.destiny}"


class DatabaseStorage(BaseStorage):
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def _write(self, key: StorageKey, **changes: Any) -> None:
        async with self.db.begin() as session:
            row = await session.get(ConversationState, _key(key))
            state = changes.get("state", row.state if row else None)
            data = changes.get("data", row.data if row else {})
            if state is None and not data:
                # An ended conversation leaves nothing behind.
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                row = ConversationState(key=_key(key), user_id=key.user_id)
                session.add(row)
            row.state, row.data, row.updated_at = state, data, self.clock.now()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self.db() as session:
            row = await session.get(ConversationState, _key(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self.db() as session:
            row = await session.get(ConversationState, _key(key))
            return dict(row.data) if row else {}

    async def close(self) -> None:
        pass


class OneAtATime(BaseEventIsolation):
    """One person's updates in one chat are handled in the order they came, state read after
    the previous one is done: two quick taps or messages must not race. Everyone else's
    updates still run concurrently. Unlike aiogram's SimpleEventIsolation, idle locks go."""

    def __init__(self) -> None:
        self._locks: dict[StorageKey, asyncio.Lock] = {}
        self._users: dict[StorageKey, int] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def close(self) -> None:
        self._locks.clear()
        self._users.clear()
