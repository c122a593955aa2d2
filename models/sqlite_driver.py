"""SQLite through aiosqlite, each statement run in the event loop's own thread unless it is
known to take long, and then in one trip to aiosqlite's thread.

SQLAlchemy's aiosqlite adapter makes four trips to aiosqlite's thread per statement (cursor,
execute, fetch, close), each a hand-off and a wake-up of the event loop: a `SELECT 1` cost
0.72 ms of the loop's CPU that way. Even one trip (the statement, its rows and the cursor's
closing as one function) costs more CPU than most of Terrain's statements take in SQLite
(tens of microseconds: a row by its key, an upsert), and a bot update runs a few. So they run
here, in the loop's thread. A statement that took longer than LONG_STATEMENT_S once, every
statement inside `off_the_loop()` (a dashboard's scans of a whole campaign, run side by side)
and a server-side cursor's (an export's rows) go to aiosqlite's thread, where SQLite lets go of
Python's lock while it works and the loop goes on serving everyone else. A commit that fills
the write-ahead log past SQLite's mark also copies it back into the file, in the loop: every
few megabytes written, a few milliseconds.

SQLite's own busy handler is off: it would sleep in the calling thread, here the loop's. A file
locked by another process (a `terrain` command) is waited for here instead, in the loop, up to
the same timeout, on a back-off of 1 to 50 ms.

Writers in this process queue in the event loop for the engine's one write lock. SQLite lets
one connection write at a time; its busy handler slept on a back-off of 1 to 100 ms, so the lock
often lay free while the others slept: over bench/updates_mix.py statements spent 67 s blocked
that way, and the loop sat idle for a third of the run."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util.concurrency import await_only

log = logging.getLogger(__name__)
Outcome = tuple[Any, list[Any] | None, int | None, int]
T = TypeVar("T")

# A statement that took more of the loop thread's CPU than this runs in aiosqlite's thread from
# then on. Terrain's point reads and writes take tens of microseconds; a leaderboard or a
# broadcast's audience over a national campaign takes tens of milliseconds, every user waiting
# meanwhile. CPU, not time: a read from a cold disk or a commit's wait for it is no reason.
LONG_STATEMENT_S = 0.005
# The statements remembered as long, at most (their texts come from the code, but a list of
# values renders one placeholder each, so texts vary with the list's length).
LONG_STATEMENTS_KEPT = 2_000
# Statements run in the loop's thread between two turns of the loop for everyone else.
TURN_EVERY = 32
# SQLite's "database is locked" (another connection writes), and its extended code for a
# file being recovered by another connection: both only mean "try again soon".
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_BUSY_RECOVERY}
_off_the_loop: ContextVar[bool] = ContextVar("sqlite_off_the_loop", default=False)


@contextmanager
def off_the_loop() -> Iterator[None]:
    """Statements run inside this block go to aiosqlite's thread: scans that may take long,
    and queries meant to run side by side."""
    token = _off_the_loop.set(True)
    try:
        yield
    finally:
        _off_the_loop.reset(token)


# Statements that make Python's sqlite3 open a transaction, and so take SQLite's write lock
# until the commit or rollback (a `WITH ... INSERT` is left to waiting for the file).
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
    """The statement, then its rows or its counts."""
    cursor = connection._conn.execute(operation, parameters or ())
    try:
        rows = cursor.fetchall() if cursor.description else None
        return cursor.description, rows, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _run_many(connection: aiosqlite.Connection, operation: str, rows: Any) -> Outcome:
    """The statement once for each row of values, then its counts."""
    cursor = connection._conn.executemany(operation, rows)
    try:
        return None, None, cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _run_alone(connection: aiosqlite.Connection, operation: str, parameters: Any) -> None:
    """One statement and its commit, or its rollback."""
    try:
        connection._conn.execute(operation, parameters).close()
        connection._conn.commit()
    except BaseException:
        connection._conn.rollback()
        raise


async def _at_once() -> None:
    pass


def _run_all(connection: aiosqlite.Connection, statements: tuple[str, ...], _: Any) -> None:
    for statement in statements:
        connection._conn.execute(statement).close()


class _Cursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            self._adapt_connection.before_statement(operation)
            outcome: Outcome = self._adapt_connection.run(_run, operation, parameters)
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
            outcome: Outcome = self._adapt_connection.run(_run_many, operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description, _, self.lastrowid, self.rowcount = outcome


class _Connection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("writing",)
    dbapi: InLoopDBAPI

    def __init__(self, dbapi: InLoopDBAPI, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self.writing = False  # holds the engine's write lock, until the commit or rollback

    def run(self, work: Callable[..., T], operation: Any, parameters: Any) -> T:
        """`work(connection, operation, parameters)`, waiting in the loop while another
        process holds the file, up to the busy timeout."""
        waited, pause = 0.0, 0.001
        while True:
            try:
                return self._run_once(work, operation, parameters)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode not in _BUSY or waited >= self.dbapi.busy_timeout_s:
                    raise
            self.dbapi.file_waits += 1
            self.await_(asyncio.sleep(pause))
            waited, pause = waited + pause, min(pause * 2, 0.05)

    def _run_once(self, work: Callable[..., T], operation: Any, parameters: Any) -> T:
        """In the loop's thread, or in aiosqlite's for a statement known to take long or run
        `off_the_loop`."""
        long = self.dbapi.long_statements
        if _off_the_loop.get() or operation in long:
            return self.await_(
                self._connection._execute(work, self._connection, operation, parameters)
            )
        started = time.thread_time()
        outcome = work(self._connection, operation, parameters)
        took = time.thread_time() - started
        if took > LONG_STATEMENT_S and len(long) < LONG_STATEMENTS_KEPT:
            long.add(operation)
            log.info("a statement took %.0f ms of the event loop: off it from now on", took * 1e3)
        # Every few statements the loop takes a turn, as the trips to the thread used to give
        # it after each: a long run of them (a broadcast's rows, one per volunteer) must not
        # hold every other user. Otherwise an await that returns at once, for SQLAlchemy's
        # AsyncConnection checks that a statement awaited something.
        self.dbapi.in_loop_runs += 1
        if self.dbapi.in_loop_runs % TURN_EVERY == 0:
            self.await_(asyncio.sleep(0))
        else:
            self.await_(_at_once())
        return outcome

    def before_statement(self, operation: str) -> None:
        """A statement that writes waits for the engine's write lock, unless this holds it."""
        if not self.writing and _writes(operation):
            self.await_(self.dbapi.write_lock.acquire())
            self.writing = True

    def settle(self, statements: list[str]) -> None:
        """Statements that return nothing (a new connection's PRAGMAs), in one go."""
        try:
            self.run(_run_all, tuple(statements), None)
        except Exception as error:
            self._handle_exception(error)

    def write_alone(self, operation: str, parameters: tuple[Any, ...]) -> None:
        """One write and its commit, the engine's write lock held meanwhile; for a caller that
        bypasses SQLAlchemy's Connection, in a greenlet of SQLAlchemy's as that would be
        (models/lone_writes.py). Its failure is SQLAlchemy's error, as if it had not."""
        try:
            self.await_(self.dbapi.write_lock.acquire())
            try:
                self.run(_run_alone, operation, parameters)
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
        self._end(self._here(sqlite3.Connection.commit))

    def rollback(self) -> None:
        self._end(self._here(sqlite3.Connection.rollback))

    def _here(self, end: Callable[[sqlite3.Connection], None]) -> Callable[[], None]:
        """A commit or rollback, in the loop's thread: it only ends a transaction (a busy
        file cannot stop it in WAL mode)."""

        def run() -> None:
            try:
                end(self._connection._conn)
            except Exception as error:
                self._handle_exception(error)

        return run

    def close(self) -> None:
        self._end(super().close, always=True)


class InLoopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module for `create_engine(..., module=...)`."""

    def __init__(self, busy_timeout_s: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.busy_timeout_s = busy_timeout_s
        self.write_lock = WriteLock(busy_timeout_s)
        self.long_statements: set[str] = set()
        self.in_loop_runs = 0
        # Pauses for a file another connection held: another process's (this one's writers
        # take turns in the loop before they reach the file).
        self.file_waits = 0

    def connect(self, *args: Any, **kwargs: Any) -> _Connection:
        # Used from the loop's thread and aiosqlite's, one at a time; SQLite's busy handler
        # off (`_Connection.run` waits instead).
        kwargs.update(check_same_thread=False, timeout=0)
        connection = self.aiosqlite.connect(*args, **kwargs)
        connection._thread.daemon = True  # as SQLAlchemy's adapter does
        return _Connection(self, await_only(connection))
