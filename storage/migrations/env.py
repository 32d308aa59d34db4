"""Alembic environment for the tutorbot schema (async engines, SQLite and PostgreSQL).

The database URL comes from, in order: `config.attributes["url"]` (set by `storage.migrate`), the
`sqlalchemy.url` option, the DATABASE_URL environment variable, and finally the local SQLite default.
When `storage.migrate` passes a connection in `config.attributes["connection"]`, migrations run on it.
"""

import asyncio
import os
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from storage.engine import create_engine
from storage.migrate import check_references
from storage.tables import metadata
from storage.types import UTCDateTime

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/tutorbot.db"

config = context.config

# Logging is configured from alembic.ini for the command line; `storage.migrate` leaves the app's logging alone.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = metadata


def database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    return str(url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render `UTCDateTime` as the plain timestamp type, so that migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables in future migrations.
        render_as_batch=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    # The engine emits BEGIN itself on SQLite too, so DDL is transactional on both databases.
    _configure(connection=connection, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    # SQLite rebuilds tables to alter them, which fails while foreign keys are enforced (storage.engine).
    engine = create_engine(database_url(), foreign_keys=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.run_sync(check_references)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
