"""Storage tests run on SQLite and, when TUTORBOT_TEST_POSTGRES_URL is set, on PostgreSQL.

Both backends are brought to the head revision by the real Alembic migrations. SQLite: a fresh database
file per test. PostgreSQL: a freshly created database (random name) per test module, migrated once and
emptied before each test; it is dropped after the module.
"""

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.engine import create_engine
from storage.migrate import upgrade_to_head
from storage.tables import metadata
from storage.uow import SqlUnitOfWorkFactory
from testkit.postgres import create_database, drop_database

POSTGRES_URL_ENV = "TUTORBOT_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = "set TUTORBOT_TEST_POSTGRES_URL to run the PostgreSQL storage tests"

T = TypeVar("T")


def _postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    return url


def _run(make_coroutine: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on its own loop in another thread (for sync, wider-scoped fixtures)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        async def main() -> T:
            return await make_coroutine()

        try:
            results.append(asyncio.run(main()))
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


async def _empty_all_tables(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            # DELETE is much faster than TRUNCATE on tables this small.
            for table in reversed(metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def postgres_module_database() -> Iterator[str]:
    """A PostgreSQL database created and migrated for the current test module."""
    server_url = _postgres_server_url()
    database_url = _run(lambda: create_database(server_url))
    try:
        _run(lambda: upgrade_to_head(database_url))
        yield database_url
    finally:
        _run(lambda: drop_database(server_url, database_url))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        _postgres_server_url()
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database at the head revision."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'db' / 'tutorbot.db'}"
        await upgrade_to_head(url)
        return url
    url = str(request.getfixturevalue("postgres_module_database"))
    await _empty_all_tables(url)
    return url


@pytest.fixture
async def unmigrated_database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a database that was never migrated (created for the test)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'tutorbot.db'}"
        return
    server_url = _postgres_server_url()
    url = await create_database(server_url)
    try:
        yield url
    finally:
        await drop_database(server_url, url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)
