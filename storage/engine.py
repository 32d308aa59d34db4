"""Engine creation for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

import asyncio
import contextlib
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_PRAGMAS = (
    # First: switching a new file to WAL needs the lock another connection may be holding.
    "PRAGMA busy_timeout=30000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


def create_engine(
    url: str, *, echo: bool = False, pool_size: int = 5, max_overflow: int = 10, foreign_keys: bool = True
) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://` or `postgresql+asyncpg://` URLs.

    On SQLite every transaction starts with `BEGIN IMMEDIATE`: it takes the write lock up front, so
    concurrent read-then-write transactions wait for each other (up to the busy timeout) instead of
    failing with "database is locked" when the reader tries to become a writer.

    On PostgreSQL a process holds up to `pool_size + max_overflow` connections; several processes must
    stay under the server's `max_connections` together.

    `foreign_keys=False` is for migrations on SQLite only: rebuilding a table that others reference (how
    SQLite alters a table) fails while foreign keys are enforced, and the pragma cannot change inside a
    transaction. The migration checks every reference itself before it commits.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_directory(parsed)
        engine = create_async_engine(parsed, echo=echo)
        _install_sqlite_listeners(engine, foreign_keys=foreign_keys)
        return engine
    engine = create_async_engine(parsed, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
    _install_postgres_liveness_check(engine)
    return engine


def _install_postgres_liveness_check(engine: AsyncEngine) -> None:
    """Discard a pooled connection the server has closed, before it is handed out.

    SQLAlchemy's `pool_pre_ping` sends a query (three round trips with asyncpg) on every checkout, about a
    tenth of the CPU of a booking. A server that restarts or terminates a backend closes its socket, which
    asyncpg notices as it happens; looking at that costs nothing. A connection that is cut without the
    socket closing (a network partition) fails its first statement instead, and SQLAlchemy then drops every
    connection of the pool that was open before.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            # The pool throws this connection away and checks out another (or opens a new one).
            raise DisconnectionError("the server closed this connection")


def _ensure_sqlite_directory(url: URL) -> None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)


# Switching a new database file to WAL takes an exclusive lock that SQLite's busy timeout does not wait
# for: processes starting together on a fresh file can see "database is locked". Once the file is in WAL
# mode (it stays so), the pragma needs no lock, so only a first start ever retries.
_PRAGMA_TRIES = 50
_PRAGMA_RETRY_SECONDS = 0.05


def _execute_pragma(cursor: Any, pragma: str) -> None:
    for attempt in range(_PRAGMA_TRIES):
        try:
            cursor.execute(pragma)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == _PRAGMA_TRIES - 1:
                raise
            time.sleep(_PRAGMA_RETRY_SECONDS)


def _install_sqlite_listeners(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    pragmas = SQLITE_PRAGMAS if foreign_keys else tuple(p for p in SQLITE_PRAGMAS if "foreign_keys" not in p)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
        # Stop the driver from issuing its own (deferred) BEGIN; the "begin" listener below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in pragmas:
                _execute_pragma(cursor, pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _Turns:
    """The queue of transactions of one SQLite engine within this process."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.loop = asyncio.get_running_loop()
        self.holder: asyncio.Task[Any] | None = None


_sqlite_turns: "weakref.WeakKeyDictionary[Engine, _Turns]" = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def transaction_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """On SQLite, wait for this engine's other transactions in the process to end before starting one.

    SQLite has one writer at a time and every transaction here takes the write lock (`BEGIN IMMEDIATE`).
    Left to SQLite, a waiting transaction polls with sleeps of up to 100 ms, so under load (a reminder
    fan-out next to people using the bot) most time went to sleeping; a FIFO queue in the process hands
    the lock over at once. Other processes on the same file still wait through SQLite's busy timeout.
    Elsewhere this does nothing.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    loop = asyncio.get_running_loop()
    turns = _sqlite_turns.get(engine.sync_engine)
    if turns is None or turns.loop is not loop:
        turns = _sqlite_turns[engine.sync_engine] = _Turns()
    task = asyncio.current_task()
    if turns.holder is not None and turns.holder is task:
        # Waiting here would wait for ourselves forever.
        raise RuntimeError("a transaction was opened inside another one on the same SQLite database")
    async with turns.lock:
        turns.holder = task
        try:
            yield
        finally:
            turns.holder = None
