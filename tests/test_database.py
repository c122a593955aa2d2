"""Each database is set up for a bot: SQLite with WAL, foreign keys enforced and SQLite's
busy handler off (the driver waits for a locked file itself, tests/test_sqlite_writers.py);
PostgreSQL without JIT or parallel workers (models/database.py says why)."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from models.database import create_engine, upgrade
from tests.conftest import PG_URL


async def test_sqlite_connections_get_wal_foreign_keys_and_no_busy_handler(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            # It would sleep in the thread that runs the statement: often the event loop's.
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 0
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text(
                        "INSERT INTO consent_events (person_id, purpose, granted, notice_version,"
                        " text_hash, channel, at) VALUES (12345, 'news', 1, 'v', 'h', 'c',"
                        " '2026-01-01 00:00:00')"
                    )
                )
    finally:
        await engine.dispose()


async def test_postgresql_connections_run_without_jit_or_parallel_workers() -> None:
    if not PG_URL:
        pytest.skip("PostgreSQL run skipped: set TERRAIN_TEST_DATABASE_URL to run it")
    engine = create_engine(PG_URL)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("SHOW jit"))) == "off"
            assert (await connection.scalar(text("SHOW max_parallel_workers_per_gather"))) == "0"
    finally:
        await engine.dispose()


def test_migrations_run_twice_without_harm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    upgrade(url)
    upgrade(url)


async def test_every_model_change_has_its_migration(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models import metadata

    url = f"sqlite+aiosqlite:///{tmp_path / 't.db'}"
    upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []
