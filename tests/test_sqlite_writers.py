"""SQLite writers take turns in the event loop (models/sqlite_driver.py), not by sleeping in
SQLite's busy handler or pausing for the file: none of them ever finds it held by another
(the driver counts such pauses)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, column, insert, table, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.database import create_engine, upgrade
from models.lone_writes import LoneWrite
from models.sqlite_driver import InLoopDBAPI
from models.volunteers import _conversation_upsert


def file_waits(engine: AsyncEngine) -> int:
    dbapi: InLoopDBAPI = engine.dialect.dbapi  # type: ignore[assignment]
    return dbapi.file_waits


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", module=InLoopDBAPI(busy_timeout_s=0.3)
    )
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE marks (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    await engine.dispose()


async def test_concurrent_write_transactions_wait_their_turn(engine: AsyncEngine) -> None:
    async def write(who: int) -> None:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO marks (who) VALUES (:w)"), {"w": who})
            await asyncio.sleep(0.01)  # the others try to write meanwhile
            await connection.execute(text("INSERT INTO marks (who) VALUES (:w)"), {"w": who})

    await asyncio.gather(*(write(n) for n in range(12)))
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM marks")) == 24
    assert file_waits(engine) == 0


async def test_reads_do_not_wait_for_a_writer(engine: AsyncEngine) -> None:
    async with engine.begin() as writer:
        await writer.execute(text("INSERT INTO marks (who) VALUES ('w')"))
        async with engine.connect() as reader:
            # Before the writer commits: WAL readers see the last committed state, at once.
            assert await asyncio.wait_for(reader.scalar(text("SELECT count(*) FROM marks")), 1) == 0


async def test_a_writer_held_too_long_is_reported_as_sqlite_would(engine: AsyncEngine) -> None:
    async with engine.connect() as holder:
        await holder.execute(text("INSERT INTO marks (who) VALUES ('holder')"))
        with pytest.raises(OperationalError, match="database is locked"):
            async with engine.begin() as other:
                await other.execute(text("INSERT INTO marks (who) VALUES ('other')"))
        await holder.rollback()
    # The rollback handed the turn on.
    async with engine.begin() as other:
        await other.execute(text("INSERT INTO marks (who) VALUES ('other')"))


async def test_a_failed_write_hands_the_turn_on(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO marks (id, who) VALUES (1, 'first')"))
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO marks (id, who) VALUES (1, 'again')"))
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO marks (id, who) VALUES (2, 'next')"))
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM marks")) == 2


async def test_commit_and_rollback_still_end_what_was_written(engine: AsyncEngine) -> None:
    # They skip the trip to SQLite only when no transaction is open.
    with pytest.raises(RuntimeError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO marks (who) VALUES ('undone')"))
            raise RuntimeError
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO marks (who) VALUES ('kept')"))
    async with engine.connect() as connection:
        await connection.scalar(text("SELECT count(*) FROM marks"))
        await connection.commit()  # read only: nothing to commit
        assert (await connection.execute(text("SELECT who FROM marks"))).scalars().all() == ["kept"]


MARKS = table("marks", column("id", Integer), column("who", String))


async def test_lone_writes_take_their_turn_among_transactions(engine: AsyncEngine) -> None:
    lone = LoneWrite(insert(MARKS))

    async def transaction(who: str) -> None:
        async with engine.begin() as connection:
            await connection.execute(insert(MARKS), {"who": who})
            await asyncio.sleep(0.01)  # the lone writes try meanwhile
            await connection.execute(insert(MARKS), {"who": who})

    await asyncio.gather(
        *(transaction(f"t{n}") for n in range(6)),
        *(lone.run(engine, {"who": f"lone{n}"}) for n in range(12)),
    )
    async with engine.connect() as connection:
        found = (await connection.execute(text("SELECT who FROM marks"))).scalars().all()
    assert len(found) == 24 and sum(who.startswith("lone") for who in found) == 12
    assert file_waits(engine) == 0


async def test_a_failed_lone_write_is_undone_reported_and_hands_the_turn_on(
    engine: AsyncEngine,
) -> None:
    lone = LoneWrite(insert(MARKS))
    await lone.run(engine, {"id": 1, "who": "first"})
    with pytest.raises(IntegrityError):  # SQLAlchemy's error, as through its Connection
        await lone.run(engine, {"id": 1, "who": "again"})
    await lone.run(engine, {"id": 2, "who": "next"})
    async with engine.connect() as connection:
        found = (await connection.execute(text("SELECT who FROM marks ORDER BY id"))).scalars()
        assert found.all() == ["first", "next"]


async def test_a_lone_write_behind_a_writer_held_too_long_fails_as_sqlite_would(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as holder:
        await holder.execute(text("INSERT INTO marks (who) VALUES ('holder')"))
        with pytest.raises(OperationalError, match="database is locked"):
            await LoneWrite(insert(MARKS)).run(engine, {"who": "lone"})
        await holder.rollback()


async def test_a_lone_write_stores_values_as_sqlalchemy_would(tmp_path: Path) -> None:
    """The conversation upsert, both ways: the stored text is the same (JSON, UTC times)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(url)
    at = datetime(2026, 12, 7, 15, 4, 5, 123456, tzinfo=timezone(timedelta(hours=1)))
    data = {"answers": {"doors": 40}, "note": "Déjà vu <b>", "q": 12}
    upsert = _conversation_upsert("sqlite")
    row = {"user_id": 7, "state": "Debrief:step", "data": data, "updated_at": at}
    stored = text("SELECT user_id, state, data, updated_at FROM conversation_states ORDER BY key")
    try:
        await LoneWrite(upsert).run(engine, {"key": "a-lone", **row})
        async with engine.begin() as connection:
            await connection.execute(upsert, {"key": "b-sqlalchemy", **row})
        async with engine.connect() as connection:
            lone, through_sqlalchemy = (await connection.execute(stored)).all()
    finally:
        await engine.dispose()
    assert lone == through_sqlalchemy
    assert lone.updated_at == "2026-12-07 14:04:05.123456"
