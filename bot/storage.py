"""Conversation state (aiogram FSM): kept in the database by default, so a restart loses no
conversation and an erasure can find and delete it; in Redis when TERRAIN_REDIS_URL is set, for
campaigns that run several replicas. Either way the storage can forget one user everywhere."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.read_ahead import CURRENT, Conversation
from models.clock import Clock
from models.database import Database
from models.runtime import ConversationState
from models.volunteers import drop_conversation, save_conversation

# A conversation abandoned half-way is deleted after this long without a change (the daily job
# in the database, a TTL in Redis).
CONVERSATIONS_KEPT = timedelta(days=2)
# How long `terrain run` waits for Redis before saying it cannot reach it.
REDIS_CONNECT_TIMEOUT_S = 5.0


def _key(key: StorageKey) -> str:
    parts = (key.bot_id, key.chat_id, key.user_id, key.thread_id, key.business_connection_id)
    return ":".join("" if part is None else str(part) for part in parts) + f":{key.destiny}"


class DatabaseStorage(BaseStorage):
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _read_ahead(self, key: StorageKey) -> Conversation | None | bool:
        """The conversation as the batch read it: (state, data), None when there was none,
        False when this key was not read ahead (only the current update's user's are)."""
        ahead = CURRENT.get()
        if ahead is None or key.user_id != ahead.user_id:
            return False
        return ahead.batch.conversations.get(_key(key))

    def _wrote(self, key: StorageKey, state: str | None, data: dict[str, Any]) -> None:
        """Keep the batch's reading true to what this update wrote."""
        ahead = CURRENT.get()
        if ahead is not None and key.user_id == ahead.user_id:
            found = ahead.batch.conversations
            if state is None and not data:
                found.pop(_key(key), None)
            else:
                found[_key(key)] = (state, copy.deepcopy(data))

    async def _write(self, key: StorageKey, **changes: Any) -> None:
        if (ahead := self._read_ahead(key)) is not False:
            # The row is known: one statement, no read first, and none when nothing changes
            # (a step that sets the state it is already in, then its data).
            state = changes.get("state", ahead[0] if ahead else None)
            data = changes.get("data", ahead[1] if ahead else {})
            if (state, data) == (ahead or (None, {})):
                return
            self._wrote(key, state, data)
            await save_conversation(self.db, _key(key), key.user_id, state, data, self.clock.now())
            return
        async with self.db.begin() as session:
            row = await session.get(ConversationState, _key(key))
            state = changes.get("state", row.state if row else None)
            data = changes.get("data", row.data if row else {})
            self._wrote(key, state, data)
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
        if (ahead := self._read_ahead(key)) is not False:
            return ahead[0] if ahead else None
        async with self.db() as session:
            row = await session.get(ConversationState, _key(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        if (ahead := self._read_ahead(key)) is not False:
            # A copy as deep as a fresh read: the handler may change what it got.
            return copy.deepcopy(ahead[1]) if ahead else {}
        async with self.db() as session:
            row = await session.get(ConversationState, _key(key))
            return dict(row.data) if row else {}

    async def forget_user(self, user_id: int) -> None:
        """Delete every conversation this user has in any chat. `models.rights.forget` already
        does so in the erasure's own transaction; this is the same for every storage."""
        async with self.db.begin() as session:
            await drop_conversation(session, user_id)

    async def check(self) -> None:
        pass

    async def close(self) -> None:
        pass


class TerrainRedisStorage(RedisStorage):
    """aiogram's Redis storage, keys `fsm:<bot id>:<chat id>[:<thread id>]:<user id>:<destiny>:
    <state|data|lock>`, plus what Terrain needs: forgetting a user, and a start-up check."""

    def __init__(self, redis: Redis, *, bot_id: int, **kwargs: Any) -> None:
        # The bot id in the keys: two campaigns (two bots) may share one Redis.
        self.keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        super().__init__(redis, key_builder=self.keys, **kwargs)
        self.bot_id = bot_id

    async def forget_user(self, user_id: int) -> None:
        """Delete this user's state and data in every chat of this bot. Lock keys are left: the
        update being handled may hold one (it is released or expires, and holds nothing)."""
        sep = self.keys.separator
        pattern = f"{self.keys.prefix}{sep}{self.bot_id}{sep}*{sep}{user_id}{sep}*"
        doomed = []
        async for raw in self.redis.scan_iter(match=pattern, count=500):
            key = raw.decode() if isinstance(raw, bytes) else raw
            parts = key.split(sep)
            # [..., user id, destiny, part]: the user id is always third from the end (the
            # pattern alone would also match a thread id equal to it).
            if parts[-3] == str(user_id) and parts[-1] in ("state", "data"):
                doomed.append(key)
        if doomed:
            await self.redis.delete(*doomed)

    async def check(self) -> None:
        """Fail now, with a RedisError, when Redis cannot be reached or refuses us."""
        await self.redis.ping()


ConversationStorage = DatabaseStorage | TerrainRedisStorage


async def check_redis(url: str) -> None:
    """Raise a RedisError when Redis at `url` cannot be reached or refuses us."""
    client = Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S)
    try:
        await client.ping()
    finally:
        await client.aclose()


def conversation_storage(
    redis_url: str | None, db: Database, clock: Clock, bot_id: int
) -> tuple[ConversationStorage, BaseEventIsolation]:
    """The storage and the event isolation for conversations: the database with one lock per
    chat in this process, or Redis with one Redis lock per chat, shared by every replica."""
    if redis_url is None:
        return DatabaseStorage(db, clock), OneAtATime()
    storage = TerrainRedisStorage.from_url(
        redis_url,
        connection_kwargs={"socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S},
        bot_id=bot_id,
        state_ttl=CONVERSATIONS_KEPT,
        data_ttl=CONVERSATIONS_KEPT,
    )
    return storage, storage.create_isolation()


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
