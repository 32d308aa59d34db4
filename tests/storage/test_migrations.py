import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine
from storage.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from storage.schema_head import HEAD_REVISION
from storage.tables import ACTIVE_PARTICIPANT_INDEX, metadata

REPO_ROOT = Path(__file__).resolve().parents[2]


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_head_has_no_drift_from_tables(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


def _check_constraints(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        table: {str(check["name"]) for check in inspector.get_check_constraints(table)} for table in metadata.tables
    }


async def test_check_constraints_match_tables(engine: AsyncEngine) -> None:
    # Autogenerate does not compare CHECK constraints: compare their names here.
    expected = {
        table.name: {
            str(constraint.name) for constraint in table.constraints if isinstance(constraint, CheckConstraint)
        }
        for table in metadata.tables.values()
    }
    async with engine.connect() as connection:
        assert await connection.run_sync(_check_constraints) == expected


def _active_index(connection: Connection) -> tuple[bool, list[str], str]:
    indexes = inspect(connection).get_indexes("participants")
    (index,) = [i for i in indexes if i["name"] == ACTIVE_PARTICIPANT_INDEX.name]
    where = " ".join(str(clause) for clause in index.get("dialect_options", {}).values())
    return bool(index["unique"]), [str(name) for name in index["column_names"]], where.lower()


async def test_active_participant_index_is_partial_and_unique(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        unique, columns, where = await connection.run_sync(_active_index)
    assert unique
    assert columns == ["session_id", "user_id"]
    assert "pending_payment" in where
    assert "booked" in where


async def test_upgrade_is_idempotent(database_url: str) -> None:
    assert await current_revision(database_url) == head_revision()
    await upgrade_to_head(database_url)
    assert await current_revision(database_url) == head_revision()


async def test_upgrade_from_empty_does_not_depend_on_the_current_directory(
    unmigrated_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert await current_revision(unmigrated_database_url) is None
    await upgrade_to_head(unmigrated_database_url)
    assert await current_revision(unmigrated_database_url) == head_revision()


async def test_processes_starting_together_migrate_once_without_failing(unmigrated_database_url: str) -> None:
    # Each bot process migrates at start-up; several workers start at the same moment.
    await asyncio.gather(*(upgrade_to_head(unmigrated_database_url) for _ in range(3)))
    assert await current_revision(unmigrated_database_url) == head_revision()


def _downgrade_to_base(connection: Connection) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    return sorted(inspect(connection).get_table_names())


async def test_downgrade_removes_everything_and_upgrade_restores_it(database_url: str) -> None:
    engine = create_engine(database_url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            assert await connection.run_sync(_downgrade_to_base) == ["alembic_version"]
    finally:
        await engine.dispose()
    assert await current_revision(database_url) is None
    await upgrade_to_head(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_alembic_ini_points_at_the_package_migrations() -> None:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    script = ScriptDirectory.from_config(config)
    assert Path(script.dir).resolve() == (REPO_ROOT / "storage" / "migrations").resolve()
    assert script.get_current_head() == head_revision() == HEAD_REVISION == "0014"
