"""SQLite through aiosqlite in one trip to its thread per statement.

SQLAlchemy's aiosqlite adapter makes four (cursor, execute, fetch, close), each a hand-off to
aiosqlite's thread and a wake-up of the event loop: a `SELECT 1` cost 0.72 ms of the loop's
CPU that way, most of what a short statement costs, and a bot update runs a few. Here the
statement, its rows and the cursor's closing are one function run in that thread, queued as
SQLAlchemy's own adapter already does for the isolation level (aiosqlite's `_execute`).

Writers also queue here, in the event loop, for the engine's one write lock. SQLite lets one
connection write at a time, and a connection that finds the file locked sleeps in its thread
on a back-off of 1 to 100 ms, so the lock often lies free while the others sleep: over
bench/updates_mix.py statements spent 67 s blocked that way, and the loop sat idle for a
third of the run. SQLite's own lock and busy timeout stay the rule (another process, a write
this does not recognise); this only saves the sleeping."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util.concurrency import await_only

Outcome = tuple[Any, list[Any] | None, int | None, int]

# Statements that make Python's sqlite3 open a transaction, and so take SQLite's write lock
# until the commit or rollback (a `WITH ... INSERT` is left to SQLite's busy timeout).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _writes(operation: str) -> bool:
    return operation.lstrip()[:7].upper().startswith(_WRITES)


class WriteLock:
    """One writer at a time, per event loop (tests run engines on several loops)."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if (lock := self._locks.get(loop)) is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def acquire(self) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                await self._lock().acquire()
        except TimeoutError:
            # What SQLite itself says when its busy timeout runs out.
            raise sqlite3.OperationalError("database is locked") from None

    def release(self) -> None:
        lock = self._lock()
        if lock.locked():  # not when a connection is closed from another loop than its own
            lock.release()


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any) -> Outcome:
    """In aiosqlite's thread: the statement, then its rows or its counts."""
    cursor = connection._conn.execute(operation, parameters or ())
    try:
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _run_alone(connection: aiosqlite.Connection, operation: str, parameters: Any) -> None:
    """In aiosqlite's thread: one statement and its commit, or its rollback."""
    try:
        connection._conn.execute(operation, parameters).close()
        connection._conn.commit()
    except BaseException:
        connection._conn.rollback()
        raise


def _run_all(connection: aiosqlite.Connection, statements: list[str]) -> None:
    for statement in statements:
        connection._conn.execute(statement).close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            self._adapt_connection.before_statement(operation)
            outcome: Outcome = self.await_(
                self._connection._execute(_run, self._connection, operation, parameters)
            )
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description, rows, lastrowid, rowcount = outcome
        if self.description:
            self.lastrowid = self.rowcount = -1
            self._rows = deque(rows or ())
        else:
            self.lastrowid, self.rowcount = lastrowid, rowcount

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            self._adapt_connection.before_statement(operation)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        return super().executemany(operation, seq_of_parameters)


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("writing",)
    dbapi: OneTripDBAPI

    def __init__(self, dbapi: OneTripDBAPI, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self.writing = False  # holds the engine's write lock, until the commit or rollback

    def before_statement(self, operation: str) -> None:
        """A statement that writes waits for the engine's write lock, unless this holds it."""
        if not self.writing and _writes(operation):
            self.await_(self.dbapi.write_lock.acquire())
            self.writing = True

    def settle(self, statements: list[str]) -> None:
        """Statements that return nothing (a new connection's PRAGMAs), in one trip."""
        try:
            self.await_(self._connection._execute(_run_all, self._connection, statements))
        except Exception as error:
            self._handle_exception(error)

    async def write_alone(self, operation: str, parameters: tuple[Any, ...]) -> None:
        """One write in a transaction of its own, in one trip to the thread, the engine's
        write lock held meanwhile; for a caller that bypasses SQLAlchemy's Connection
        (models/lone_writes.py). Its failure is SQLAlchemy's error, as if it had not."""
        try:
            await self.dbapi.write_lock.acquire()
            try:
                await self._connection._execute(_run_alone, self._connection, operation, parameters)
            finally:
                self.dbapi.write_lock.release()
        except sqlite3.Error as error:
            raise DBAPIError.instance(operation, parameters, error, sqlite3.Error) from error

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        return super().cursor(server_side) if server_side else _Cursor(self)

    def _in_transaction(self) -> bool:
        try:
            return self._connection._conn.in_transaction
        except (ValueError, sqlite3.ProgrammingError):  # closed: let aiosqlite say so
            return True

    def _end(self, end: Callable[[], None], *, always: bool = False) -> None:
        """`end` (the adapter's commit, rollback or close), then the write lock handed on.
        Outside a transaction sqlite3's commit and rollback do nothing, yet each is a trip
        to the thread: the pool's rollback of every connection given back, and the commit of
        a session that only read, 2,548 of them over bench/updates_mix.py (2.5 per update)."""
        try:
            if always or self._in_transaction():
                end()
        finally:
            if self.writing:
                self.writing = False
                self.dbapi.write_lock.release()

    def commit(self) -> None:
        self._end(super().commit)

    def rollback(self) -> None:
        self._end(super().rollback)

    def close(self) -> None:
        self._end(super().close, always=True)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module for `create_engine(..., module=...)`."""

    def __init__(self, busy_timeout_s: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.write_lock = WriteLock(busy_timeout_s)

    def connect(self, *args: Any, **kwargs: Any) -> _Connection:
        connection = self.aiosqlite.connect(*args, **kwargs)
        connection._thread.daemon = True  # as SQLAlchemy's adapter does
        return _Connection(self, await_only(connection))
