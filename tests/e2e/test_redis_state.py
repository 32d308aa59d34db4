"""With REDIS_URL, dialog state lives in Redis: a dialog continues in another app instance."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from app.settings import Settings
from app.wiring import build_fsm_storage
from bot import redis_state
from bot.redis_state import RetryingChatLock, build_redis_state
from storage.engine import create_engine
from testkit import FakeTelegram, Typed
from testkit.processes import free_port
from tests.e2e.conftest import TOKEN, AppFactory


async def test_a_dialog_hops_between_two_instances_through_redis(
    app_factory: AppFactory, telegram: FakeTelegram, tmp_path: Path, redis_url: str
) -> None:
    database = tmp_path / "shared.db"
    # A user id of its own per run: Redis outlives the test.
    user_id = 700_000 + uuid.uuid4().int % 100_000
    ann = telegram.user(user_id, "Ann")
    async with app_factory(database=database, REDIS_URL=redis_url):
        await ann.walk(
            ("/start", "Welcome"),
            (Typed("Europe/Madrid"), "How will you use Tutorbot?"),
            ("🧑‍🏫 I teach", "step 1 of"),
            (Typed("Ana Lopez"), "which subjects do you teach?"),
        )
    async with app_factory(database=database, REDIS_URL=redis_url):
        await ann.send("Spanish")
        await ann.wait_for("in which currency")


async def test_the_per_chat_lock_in_redis_is_retried_without_a_long_sleep(redis_url: str, tmp_path: Path) -> None:
    # redis-py retries a held lock every 100 ms by default: a person's next update, arriving while the
    # previous one still saves its dialog, waited that long for its answer.
    settings = Settings(_env_file=None, BOT_TOKEN=TOKEN, REDIS_URL=redis_url)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    storage, isolation = build_fsm_storage(settings, engine)
    try:
        assert isinstance(isolation, RetryingChatLock)
        key = StorageKey(bot_id=1, chat_id=2, user_id=uuid.uuid4().int % 10**9)
        assert isolation.make_lock(key).sleep <= 0.01
        async with isolation.lock(key):
            pass
    finally:
        await storage.close()
        await engine.dispose()


async def test_updates_of_one_chat_in_one_process_wait_without_polling_redis(redis_url: str) -> None:
    # Each waiting update polled Redis every 5 ms while the first held the lock: a burst of taps of one
    # person cost dozens of round trips. They now queue in the process; Redis sees each update once.
    storage, isolation = build_redis_state(redis_url, max_connections=4)
    key = StorageKey(bot_id=1, chat_id=3, user_id=uuid.uuid4().int % 10**9)
    commands: list[str] = []
    execute: Callable[..., Awaitable[object]] = storage.redis.execute_command

    async def counted(*args: object, **options: object) -> object:
        commands.append(str(args[0]))
        return await execute(*args, **options)

    storage.redis.execute_command = counted  # type: ignore[method-assign]
    inside: list[int] = []
    order: list[int] = []

    async def one_update(number: int) -> None:
        async with isolation.lock(key):
            inside.append(number)
            assert len(inside) == 1
            await asyncio.sleep(0.02)
            order.append(number)
            inside.remove(number)

    await _run_then_close(storage, [one_update(n) for n in range(5)])
    assert sorted(order) == list(range(5))
    # One SET to take the lock and one script to release it, per update.
    assert len(commands) == 10, commands
    assert len(isolation._local) == 0


async def test_more_people_at_once_than_redis_connections_all_get_the_lock(redis_url: str) -> None:
    # redis-py's default pool refuses past its cap ("Too many connections") and the update was dropped;
    # the bot's pool makes the extra updates wait for a connection instead.
    storage, isolation = build_redis_state(redis_url, max_connections=2)
    run = uuid.uuid4().int % 10**9
    entered: list[int] = []

    async def one_update(person: int) -> None:
        async with isolation.lock(StorageKey(bot_id=1, chat_id=person, user_id=run + person)):
            await storage.redis.get(f"tutorbot-test-{run}")
            await asyncio.sleep(0.01)
            entered.append(person)

    await _run_then_close(storage, [one_update(n) for n in range(40)])
    assert sorted(entered) == list(range(40))


async def test_an_unreachable_redis_is_retried_then_the_person_is_asked_to_try_again(
    app_factory: AppFactory, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(redis_state, "RETRY_SECONDS", 0.3)
    caplog.set_level(logging.WARNING)
    ann = telegram.user(700_001, "Ann", language_code="fr")
    # Nothing listens there: every attempt at the chat lock fails at once.
    async with app_factory(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        await ann.send("/start")
        await ann.wait_for("Je suis très occupé", timeout=10)
    assert any("retrying" in r.getMessage() for r in caplog.records)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def _run_then_close(storage: RedisStorage, updates: list[Coroutine[Any, Any, None]]) -> None:
    try:
        await asyncio.gather(*updates)
    finally:
        await storage.close()
