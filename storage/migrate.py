"""Run the Alembic migrations from code (the bot at start-up, the tests), whatever the current directory."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed number: the PostgreSQL advisory lock every migrating process takes ("tutor" in ASCII).
MIGRATION_LOCK_KEY = 0x7475746F72


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the package's migrations; `url` overrides DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.attributes["url"] = url
    return config


async def upgrade_to_head(url: str) -> None:
    """Bring the database at `url` to the latest revision, in one transaction.

    Several bot processes starting together on one PostgreSQL database each migrate at start-up: the
    first takes a transaction-scoped advisory lock and migrates, the others wait for it and find nothing
    left to do. (On SQLite, `BEGIN IMMEDIATE` already serializes them.)"""
    config = alembic_config(url)
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            await connection.run_sync(_upgrade, config)
            await connection.run_sync(check_references)
    finally:
        await engine.dispose()


def check_references(connection: Connection) -> None:
    """On SQLite, where migrations run with foreign keys unenforced: fail (and roll back) if any row
    points at a row that does not exist."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left rows pointing at missing rows: {broken[:5]}")


async def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at; None for a database never migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def head_revision() -> str | None:
    """The latest revision among the package's migrations."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
