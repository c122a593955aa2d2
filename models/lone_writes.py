"""Writes that are a transaction of their own and run on almost every update: a conversation's
new state after each answer. On SQLite they skip SQLAlchemy's Connection and go to the driver's
connection as one call (the statement compiled once, its values encoded by the columns' own
types; models/sqlite_driver.py runs it with its commit). Through the Connection the
conversation upsert cost 0.56 ms of the event loop's CPU alone, 0.76 ms among 40 writers: a
begin, an execute and a commit, each through a greenlet, and a compile every time (SQLAlchemy
gives an ON CONFLICT upsert no cache key); this way 0.21 and 0.39 ms, with aiosqlite's thread
still in the way. PostgreSQL keeps SQLAlchemy's path (its pool's error handling and
invalidation)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import Executable
from sqlalchemy.util.concurrency import greenlet_spawn

Prepared = tuple[str, tuple[str, ...], list[Callable[[Any], Any] | None]]


class LoneWrite:
    """One statement, run as a transaction of its own with the values given to `run`."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._prepared: dict[tuple[str, ...], Prepared] = {}

    def _prepare(self, dialect: Dialect, keys: tuple[str, ...]) -> Prepared:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(keys))
        names = tuple(compiled.positiontup or ())
        encoders = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        ]
        return str(compiled), names, encoders

    async def run(self, engine: AsyncEngine, values: Mapping[str, Any]) -> None:
        if engine.dialect.name != "sqlite":
            async with engine.begin() as connection:
                await connection.execute(self.statement, dict(values))
            return
        keys = tuple(values)
        if (prepared := self._prepared.get(keys)) is None:
            prepared = self._prepared[keys] = self._prepare(engine.dialect, keys)
        sql, names, encoders = prepared
        parameters = tuple(
            values[name] if encode is None else encode(values[name])
            for name, encode in zip(names, encoders, strict=True)
        )
        # One greenlet for the connection's checkout, the write and the check-in: through
        # AsyncConnection those were four (a conversation write each time: 71% of the
        # greenlets SQLAlchemy started over bench/updates_mix.py).
        await greenlet_spawn(_write_alone, engine.sync_engine, sql, parameters)


def _write_alone(engine: Engine, sql: str, parameters: tuple[Any, ...]) -> None:
    with engine.connect() as connection:
        connection.connection.dbapi_connection.write_alone(sql, parameters)  # type: ignore[union-attr]
