"""With REDIS_URL, dialog state lives in Redis: a dialog continues in another app instance."""

import os
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import AppFactory
from tests.fakes import FakeTelegram

REDIS_URL_ENV = "TUTORBOT_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        pytest.skip(f"set {REDIS_URL_ENV} to run the Redis tests")
    return url


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
