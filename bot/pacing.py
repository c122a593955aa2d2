"""The outbox's turns under Telegram's limits: the global rate, one chat's rate, and the pause
a 429 asks for. One process paces itself with aiolimiter; several processes sharing a Redis
(TERRAIN_REDIS_URL) take their turns from it, so together they stay under the limits that
Telegram counts per bot, not per process."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from aiolimiter import AsyncLimiter
from redis.asyncio import Redis

from bot.storage import REDIS_CONNECT_TIMEOUT_S

# Reserves the next send slot, on Redis's clock (so the processes' clocks don't matter): no
# earlier than now, the bot's next global slot, the end of a 429 pause, or the chat's next
# slot; then moves the global and the chat's next slots on. Returns the slot and the wait, ms.
# KEYS: global next slot, pause end, chat next slot. ARGV: global and chat intervals (ms).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = now
for i = 1, 3 do
  slot = math.max(slot, tonumber(redis.call('GET', KEYS[i]) or '0'))
end
local ttl = math.ceil(slot - now) + 60000
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', ttl)
redis.call('SET', KEYS[3], slot + tonumber(ARGV[2]), 'PX', ttl)
return {slot, slot - now}
"""

# Sends from several processes reach Telegram with a few ms of jitter each way: spaced this much
# wider than the exact rate, no second ever counts one too many (measured: a 429 in 40 sends
# without it).
SPACING = 1.02

# A send that wakes this much after its slot (the event loop was busy) would go out closer
# than the spacing to the ones after it, eating that margin: it leaves its slot empty and
# takes a new one; after LATE_TRIES such wakes it goes anyway (a process always that slow
# would otherwise never send; a 429, if it comes, pauses every process and is retried).
LATE_S = 0.010
LATE_TRIES = 3

# Moves the end of the pause to now + ARGV[1] ms, unless it already ends later.
PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = math.max(now + tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], until_, 'PX', math.ceil(until_ - now) + 1000)
return until_ - now
"""


class Pace(Protocol):
    late: int  # slots left empty because the send woke too late for them

    async def turn(self, chat_id: int, chat_interval_s: float) -> None:
        """Wait for this send's turn: globally, and in its chat."""

    async def pause(self, seconds: float) -> None:
        """A 429: no send before `seconds` from now."""

    async def close(self) -> None: ...


class LocalPace:
    """One process: evenly spaced sends (a bucket of one, so no one-second window ever holds
    more than the limit). A chat's rate and the 429 pause are kept by the outbox itself."""

    late = 0  # nothing booked ahead: a send that wakes late pushes the next ones back

    def __init__(self, per_second: float) -> None:
        self.limiter = AsyncLimiter(1, 1.0 / per_second)

    async def turn(self, chat_id: int, chat_interval_s: float) -> None:
        await self.limiter.acquire()

    async def pause(self, seconds: float) -> None:
        pass

    async def close(self) -> None:
        pass


class SharedPace:
    """Several processes: each send reserves its slot in Redis, then waits for it."""

    def __init__(
        self, redis: Redis, bot_id: int, per_second: float, late_s: float = LATE_S
    ) -> None:
        self.redis = redis
        self.late_s = late_s
        self.interval_ms = SPACING * 1000.0 / per_second
        self.prefix = f"terrain:{bot_id}:pace"
        self._reserve = redis.register_script(RESERVE)
        self._pause = redis.register_script(PAUSE)
        self.late = 0

    @classmethod
    def from_url(cls, url: str, bot_id: int, per_second: float) -> SharedPace:
        redis = Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S)
        return cls(redis, bot_id, per_second)

    async def reserve(self, chat_id: int, chat_interval_s: float) -> tuple[int, float]:
        """Reserve the next slot: when it is (ms on Redis's clock), and the seconds to wait."""
        keys = [f"{self.prefix}:next", f"{self.prefix}:pause", f"{self.prefix}:chat:{chat_id}"]
        args = [self.interval_ms, chat_interval_s * 1000]
        slot, wait = await self._reserve(keys=keys, args=args)
        return int(slot), int(wait) / 1000

    async def turn(self, chat_id: int, chat_interval_s: float) -> None:
        for _ in range(LATE_TRIES):
            _, wait = await self.reserve(chat_id, chat_interval_s)
            answered = time.monotonic()
            await asyncio.sleep(wait)
            if time.monotonic() - (answered + wait) <= self.late_s:
                return
            self.late += 1

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[f"{self.prefix}:pause"], args=[int(seconds * 1000)])

    async def close(self) -> None:
        await self.redis.aclose()


def pace_for(redis_url: str | None, bot_id: int, per_second: float) -> Pace:
    if redis_url is None:
        return LocalPace(per_second)
    return SharedPace.from_url(redis_url, bot_id, per_second)
