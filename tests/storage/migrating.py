"""Helpers for tests of a migration on a database that already holds data: stop at a revision, write rows
the way that revision's schema takes them."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import alembic_config, upgrade_to_head


def upgrade_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def insert(connection: Connection, table: str, **values: object) -> None:
    """One row, in plain SQL (the tables' current definitions may not match the revision's)."""
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


@asynccontextmanager
async def migrated_from(url: str, revision: str, seed: Callable[[Connection], None]) -> AsyncIterator[AsyncEngine]:
    """An engine on a database taken to `revision`, given `seed`'s rows, then upgraded to head."""
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to, revision)
            await connection.run_sync(seed)
        await upgrade_to_head(url)
        yield engine
    finally:
        await engine.dispose()
