"""One process at a time for a scheduled tick: a PostgreSQL advisory lock taken without
waiting, so when several bot processes share a database, a tick runs in one of them and the
others skip it. SQLite serves one process, which always holds it."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from models.database import Database

# Advisory lock keys are 64-bit integers: a fixed namespace, then the name's checksum.
NAMESPACE = 0x7E22A1  # "Terrain"


def lock_key(name: str) -> int:
    return (NAMESPACE << 32) | zlib.crc32(name.encode())


@asynccontextmanager
async def only_one(db: Database, name: str) -> AsyncIterator[bool]:
    """Yields True when this process holds the lock named `name` for the block's duration."""
    async with db() as session:
        if session.bind.dialect.name != "postgresql":
            yield True
            return
        key = lock_key(name)
        held = bool(await session.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                await session.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            await session.commit()
