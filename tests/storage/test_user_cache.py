"""A process's cache of people: read once, forgotten when a unit of work commits a write of them."""

import asyncio
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Connection

from core.entities import User
from storage import user_cache
from storage.engine import create_engine
from storage.migrate import upgrade_to_head
from storage.uow import SqlUnitOfWorkFactory
from storage.user_cache import UserCache
from tests.storage.factories import user


async def _factory(tmp_path: Path) -> tuple[SqlUnitOfWorkFactory, UserCache, list[str]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cache.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    begun: list[str] = []

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(_connection: Connection) -> None:
        begun.append("begin")

    cache = UserCache()
    return SqlUnitOfWorkFactory(engine, cache), cache, begun


async def test_a_person_is_read_once_until_a_write_of_them_commits(tmp_path: Path) -> None:
    factory, cache, begun = await _factory(tmp_path)
    try:
        assert await cache.get(1) is None
        async with factory() as uow:
            await uow.users.add(user(1, language="en"))
            await uow.commit()
        # The add forgot the remembered "nobody".
        first = await cache.get(1)
        assert first is not None and first.language == "en"
        before = len(begun)
        again = await cache.get(1)
        assert again == first and len(begun) == before
        # A copy: changing it changes nothing remembered.
        again.language = "fr"
        assert (await cache.get(1)) == first

        # A write rolled back keeps what is remembered; a committed one is read again.
        async with factory() as uow:
            await uow.users.update(dataclasses.replace(first, language="fr"))
        assert (await cache.get(1)) == first
        async with factory() as uow:
            await uow.users.update(dataclasses.replace(first, language="fr"))
            await uow.commit()
        changed = await cache.get(1)
        assert changed is not None and changed.language == "fr"
    finally:
        await factory.engine.dispose()


async def test_a_read_that_a_write_overtook_is_not_remembered(tmp_path: Path) -> None:
    factory, cache, _begun = await _factory(tmp_path)
    try:
        async with factory() as uow:
            await uow.users.add(user(1, language="en"))
            await uow.commit()
        cache.forget([1])
        reading = asyncio.Event()
        original_get = cache._read

        async def slow_read(user_id: int) -> User | None:
            found = await original_get(user_id)
            reading.set()
            await asyncio.sleep(0.05)
            return found

        cache._read = slow_read  # type: ignore[method-assign]

        async def write() -> None:
            await reading.wait()
            async with factory() as uow:
                await uow.users.update(user(1, language="fr"))
                await uow.commit()

        stale, _none = await asyncio.gather(cache.get(1), write())
        assert stale is not None and stale.language == "en"
        cache._read = original_get  # type: ignore[method-assign]
        fresh = await cache.get(1)
        assert fresh is not None and fresh.language == "fr"
    finally:
        await factory.engine.dispose()


async def test_loaded_at_start_it_knows_who_does_not_exist_and_rereads_who_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory, cache, begun = await _factory(tmp_path)
    try:
        async with factory() as uow:
            await uow.users.add(user(1, language="en"))
            await uow.commit()
        loaded = UserCache()
        loaded.bind(factory)
        assert await loaded.load_all() == 1
        before = len(begun)
        assert (await loaded.get(1)) == (await cache.get(1))
        assert await loaded.get(2) is None
        assert len(begun) == before + 1  # the other cache's read of Ann; none for the loaded one
        # Written meanwhile (this factory reports to the other cache): a new person is read again.
        factory.user_cache = loaded
        async with factory() as uow:
            await uow.users.add(user(2, language="fr"))
            await uow.commit()
        bea = await loaded.get(2)
        assert bea is not None and bea.language == "fr"
        # Too many people to load: it reads as it goes.
        monkeypatch.setattr(user_cache, "LOAD_AT_START", 1)
        partial = UserCache()
        partial.bind(factory)
        assert await partial.load_all() == 2
        again = await partial.get(2)
        assert again is not None and again.language == "fr"
    finally:
        await factory.engine.dispose()
