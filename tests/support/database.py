"""A migrated SQLite database for tests of use cases and jobs."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.engine import create_engine
from storage.migrate import upgrade_to_head
from storage.uow import SqlUnitOfWorkFactory


@pytest.fixture
async def sqlite_uow_factory(tmp_path: Path) -> AsyncIterator[SqlUnitOfWorkFactory]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(sqlite_uow_factory: SqlUnitOfWorkFactory) -> SqlUnitOfWorkFactory:
    """Use cases and jobs run on SQLite; tests/storage overrides this with both databases."""
    return sqlite_uow_factory
