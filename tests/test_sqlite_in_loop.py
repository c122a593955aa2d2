"""Where SQLite statements run (models/sqlite_driver.py): short ones in the event loop's own
thread, long ones and dashboards in aiosqlite's, and a file another connection holds is waited
for without stopping the loop. Each statement's thread is read from SQLite's trace callback,
which runs in the thread that runs the statement."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_database, create_engine, upgrade
from models.lone_writes import LoneWrite
from models.runtime import ConversationState
from models.sqlite_driver import LONG_STATEMENT_S, InLoopDBAPI, off_the_loop
from reports.dashboard import build_dashboard
from reports.figures import Period, Scope

# A statement that takes a while in SQLite alone (tens of milliseconds here).
SLOW = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000) "
    "SELECT count(*) FROM n"
)


class Traced:
    """Each statement SQLite ran, with the thread it ran in."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.ran: list[tuple[int, str]] = []
        event.listen(engine.sync_engine, "connect", self._trace)

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        raw: sqlite3.Connection = dbapi_connection._connection._conn
        raw.set_trace_callback(lambda sql: self.ran.append((threading.get_ident(), sql)))

    def threads(self, containing: str) -> set[int]:
        return {thread for thread, sql in self.ran if containing in sql}


@pytest.fixture
async def db_file(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'loop.db'}"
    await asyncio.to_thread(upgrade, url)
    return url


@pytest.fixture
async def engine(db_file: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_file, module=InLoopDBAPI(busy_timeout_s=0.5))
    yield engine
    await engine.dispose()


class Ticker:
    """Counts the event loop's turns while a block runs: none when the loop was held."""

    def __init__(self) -> None:
        self.ticks = 0

    async def __aenter__(self) -> Ticker:
        async def tick() -> None:
            while True:
                await asyncio.sleep(0.001)
                self.ticks += 1

        self._task = asyncio.create_task(tick())
        await asyncio.sleep(0.01)  # started
        self.ticks = 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()


async def test_short_statements_run_in_the_loops_own_thread(engine: AsyncEngine) -> None:
    traced = Traced(engine)
    async with engine.begin() as connection:
        await connection.execute(text("SELECT count(*) FROM people"))
        await connection.execute(
            text("INSERT INTO processed_updates (update_id, at) VALUES (1, 'x')")
        )
    assert traced.threads("FROM people") == {threading.get_ident()}
    assert traced.threads("INSERT INTO processed_updates") == {threading.get_ident()}
    assert traced.threads("COMMIT") == {threading.get_ident()}


async def test_a_statement_once_long_runs_off_the_loop_from_then_on(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="models.sqlite_driver")
    traced = Traced(engine)
    async with engine.connect() as connection:
        async with Ticker() as first:
            started = time.monotonic()
            assert await connection.scalar(text(SLOW)) == 400000
            took = time.monotonic() - started
        assert took > LONG_STATEMENT_S  # else this test shows nothing: make SLOW slower
        assert first.ticks == 0  # it held the loop
        async with Ticker() as second:
            assert await connection.scalar(text(SLOW)) == 400000
        assert second.ticks > 0  # the loop served others meanwhile
        await connection.execute(text("SELECT 'short'"))
    first_thread, *others = [thread for thread, sql in traced.ran if "RECURSIVE" in sql]
    assert first_thread == threading.get_ident()
    assert others and threading.get_ident() not in others
    assert traced.threads("SELECT 'short'") == {threading.get_ident()}  # short ones stay
    # Said once, without the statement's values (it has none here).
    said = [r.getMessage() for r in caplog.records if r.name == "models.sqlite_driver"]
    assert len(said) == 1 and said[0].endswith("off it from now on")


async def test_a_long_run_of_statements_lets_the_loop_serve_others(engine: AsyncEngine) -> None:
    """A broadcast writes one row per volunteer in one transaction: the loop still takes
    turns for everyone else in between."""
    insert_one = text("INSERT INTO processed_updates (update_id, at) VALUES (:n, 'x')")
    async with engine.begin() as connection:
        await connection.execute(insert_one, {"n": 0})  # connected, the write lock taken
        async with Ticker() as meanwhile:
            for n in range(1, 3000):
                await connection.execute(insert_one, {"n": n})
            during = meanwhile.ticks
    assert during > 0
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM processed_updates")) == 3000


async def test_statements_off_the_loop_run_in_aiosqlites_thread(engine: AsyncEngine) -> None:
    traced = Traced(engine)
    async with engine.connect() as connection:
        with off_the_loop():
            await connection.execute(text("SELECT count(*) FROM people"))
        await connection.execute(text("SELECT count(*) FROM missions"))
    assert threading.get_ident() not in traced.threads("FROM people")
    assert traced.threads("FROM missions") == {threading.get_ident()}


async def test_a_dashboards_queries_run_off_the_loop(db_file: str) -> None:
    engine = create_engine(db_file)
    traced = Traced(engine)
    try:
        now = datetime(2026, 12, 7, 12, tzinfo=UTC)
        await build_dashboard(create_database(engine), Scope(), Period(None, now), "Europe/Paris")
    finally:
        await engine.dispose()
    reads = traced.threads("FROM missions")
    assert reads and threading.get_ident() not in reads


async def _held_by_another_connection(db_file: str, seconds: float) -> None:
    """Another connection (as another process would) holds the write lock for `seconds`."""
    other = sqlite3.connect(db_file.removeprefix("sqlite+aiosqlite:///"), timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO processed_updates (update_id, at) VALUES (99, 'other')")
    await asyncio.sleep(seconds)
    other.commit()
    other.close()


async def test_a_file_another_connection_holds_is_waited_for_in_the_loop(
    engine: AsyncEngine, db_file: str
) -> None:
    holding = asyncio.create_task(_held_by_another_connection(db_file, 0.2))
    await asyncio.sleep(0.02)
    lone = LoneWrite(insert(ConversationState.__table__))
    row = {"key": "k", "user_id": 1, "state": "s", "data": {}, "updated_at": datetime.now(UTC)}
    async with Ticker() as waiting:
        started = time.monotonic()
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO processed_updates (update_id, at) VALUES (1, 'ours')")
            )
        await lone.run(engine, row)
        waited = time.monotonic() - started
    await holding
    assert waited >= 0.15
    assert waiting.ticks > 20  # the loop went on meanwhile
    async with engine.connect() as connection:
        found = await connection.execute(text("SELECT update_id FROM processed_updates"))
        assert sorted(found.scalars()) == [1, 99]
        assert await connection.scalar(text("SELECT count(*) FROM conversation_states")) == 1


async def test_many_rows_at_once_wait_for_the_file_too(engine: AsyncEngine, db_file: str) -> None:
    """An executemany (a zone import's thousand rows) waits as a single statement does."""
    holding = asyncio.create_task(_held_by_another_connection(db_file, 0.2))
    await asyncio.sleep(0.02)
    rows = [{"n": n} for n in range(1000, 2000)]
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO processed_updates (update_id, at) VALUES (:n, 'many')"), rows
        )
    await holding
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM processed_updates")) == 1001


async def test_a_file_held_too_long_is_reported_as_sqlite_would(
    engine: AsyncEngine, db_file: str
) -> None:
    holding = asyncio.create_task(_held_by_another_connection(db_file, 1.0))
    await asyncio.sleep(0.02)
    async with Ticker() as waiting:
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO processed_updates (update_id, at) VALUES (1, 'ours')")
                )
    assert waiting.ticks > 20
    await holding
    # Nothing of ours was written, and the next write goes through.
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO processed_updates (update_id, at) VALUES (2, 'ours')")
        )
        found = await connection.execute(text("SELECT update_id FROM processed_updates"))
        assert sorted(found.scalars()) == [2, 99]
