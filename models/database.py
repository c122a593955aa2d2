"""Engines, sessions and migrations, for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)

from models.sqlite_driver import InLoopDBAPI

MIGRATIONS = Path(__file__).with_name("migrations")
# How long a SQLite statement waits for the file while another connection writes to it.
SQLITE_BUSY_TIMEOUT_MS = 5000

Database = async_sessionmaker


class DatabaseUrlError(ValueError):
    """The database URL can't be used; the message says why, in one line."""


def parse_database_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise DatabaseUrlError(
            f"TERRAIN_DATABASE_URL is malformed ({exc}); expected e.g. "
            "'sqlite+aiosqlite:///./data/terrain.db' or 'postgresql+asyncpg://user@host/db'."
        ) from exc
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise DatabaseUrlError(
            f"TERRAIN_DATABASE_URL uses driver {parsed.drivername!r}; Terrain speaks "
            "'sqlite+aiosqlite' and 'postgresql+asyncpg'."
        )
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.settle(
        [
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ]
    )


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "postgresql":
        # jit: PostgreSQL compiles a query it thinks costly to machine code first: 250-300 ms,
        # more than most of Terrain's queries take (a leaderboard: 350 ms, or 650 ms with it).
        # Parallel workers: two more processes for one big scan triple its CPU for a small
        # gain alone, and lose it when queries run side by side, as a digest's parts and many
        # users' do (2 cores, 1M reports, medians of interleaved runs: weekly digest 378 ->
        # 309 ms, a team's /report 204 -> 144 ms without them).
        settings = {"jit": "off", "max_parallel_workers_per_gather": "0"}
        kwargs.setdefault("connect_args", {"server_settings": settings})
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("module", InLoopDBAPI(SQLITE_BUSY_TIMEOUT_MS / 1000))
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_database(engine: AsyncEngine) -> Database:
    return async_sessionmaker(engine, expire_on_commit=False)


def reading(db: Database) -> AsyncConnection:
    """A connection for queries of columns, not objects (figures, counts): SQLAlchemy Core
    without an ORM session costs about half as much per statement (a one-row select: 117-133
    against 192-233 us of CPU)."""
    engine: AsyncEngine = db.kw["bind"]
    return engine.connect()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`. Safe to call from inside a running event loop."""
    parse_database_url(url)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            command.upgrade(alembic_config(url), revision)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
    else:
        # Alembic's async env runs its own loop; it can't share the caller's.
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    if failure:
        raise failure[0]
