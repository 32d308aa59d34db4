"""Scratch PostgreSQL databases for tests and benchmarks: created with a random name on a server,
dropped afterwards."""

import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


async def create_database(server_url: str, prefix: str = "tutorbot_test") -> str:
    """Create an empty database on the server of `server_url`; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop the database of `database_url`, even with connections still open to it."""
    name = make_url(database_url).database
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
