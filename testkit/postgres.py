"""Scratch PostgreSQL databases for tests and benchmarks: created with a random name on a server,
dropped afterwards; and a wait for a transaction blocked on a lock."""

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


async def _run_as_admin(server_url: str, statement: str) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


async def create_database(server_url: str, prefix: str = "tutorbot_test") -> str:
    """Create an empty database on the server of `server_url`; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    await _run_as_admin(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, even with connections still open to it."""
    name = make_url(database_url).database
    await _run_as_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def wait_until_a_backend_waits_for_a_lock(engine: AsyncEngine, what: str) -> None:
    """Poll PostgreSQL's activity view until another connection to this database is blocked on a lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with engine.connect() as connection:
        for _ in range(500):
            if (await connection.execute(query)).scalar_one() > 0:
                return
            await connection.rollback()
            await asyncio.sleep(0.02)
    raise AssertionError(f"no transaction ever waited for the {what} lock")
