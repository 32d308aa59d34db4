"""With REDIS_URL, dialog state lives in Redis: a dialog continues in another app instance."""

import uuid
from pathlib import Path

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisEventIsolation

from bot.app import build_fsm_storage
from bot.config import Settings
from storage.engine import create_engine
from tests.e2e.conftest import TOKEN, AppFactory
from tests.fakes import FakeTelegram


async def test_a_dialog_hops_between_two_instances_through_redis(
    app_factory: AppFactory, telegram: FakeTelegram, tmp_path: Path, redis_url: str
) -> None:
    database = tmp_path / "shared.db"
    # A user id of its own per run: Redis outlives the test.
    user_id = 700_000 + uuid.uuid4().int % 100_000
    ann = telegram.user(user_id, "Ann")
    async with app_factory(database=database, REDIS_URL=redis_url):
        await ann.send("/start")
        await ann.wait_for("Welcome")
        await ann.send("Europe/Madrid")
        await ann.wait_for("How will you use Tutorbot?")
        await ann.press("🧑‍🏫 I teach")
        await ann.wait_for("step 1 of")
        await ann.send("Ana Lopez")
        await ann.wait_for("which subjects do you teach?")
    async with app_factory(database=database, REDIS_URL=redis_url):
        await ann.send("Spanish")
        await ann.wait_for("in which currency")


async def test_the_per_chat_lock_in_redis_is_retried_without_a_long_sleep(redis_url: str, tmp_path: Path) -> None:
    # redis-py retries a held lock every 100 ms by default: a person's next update, arriving while the
    # previous one still saves its dialog, waited that long for its answer.
    settings = Settings(_env_file=None, BOT_TOKEN=TOKEN, REDIS_URL=redis_url)  # type: ignore[call-arg]
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    storage, isolation = build_fsm_storage(settings, engine)
    try:
        assert isinstance(isolation, RedisEventIsolation)
        assert isolation.lock_kwargs["sleep"] <= 0.01
        async with isolation.lock(StorageKey(bot_id=1, chat_id=2, user_id=uuid.uuid4().int % 10**9)):
            pass
    finally:
        await storage.close()
        await engine.dispose()
