"""End-to-end: the real tutorbot application, polling a fake Telegram Bot API over HTTP."""

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from app.settings import Settings
from app.wiring import TutorBot
from core.clock import Clock
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.postgres import create_database, drop_database
from testkit.processes import free_port
from testkit.stripe import FakeStripe
from tests.e2e.shop import NOW, Shop

TOKEN = "123456:TEST-token"
# Agora's published test credentials, and our webhook secret, for the live sessions.
APP_ID = "970CA35de60c44645bbae8a215061b33"
CERTIFICATE = "5CFd2fd1755d40ecb72977518be15d3b"
AGORA_SECRET = "agora-webhook-secret"
BOT_USERNAME = "tutorbot_test_bot"

AppFactory = Callable[..., contextlib.AbstractAsyncContextManager[TutorBot]]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME) as fake:
        yield fake
        fake.assert_no_unknown_methods()


def make_settings(telegram: FakeTelegram, database: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.base_url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "WEB_PORT": 0,
        "OUTBOX_POLL_SECONDS": 0.1,
        "ADMIN_IDS": "",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def app_factory(telegram: FakeTelegram, tmp_path: Path) -> AppFactory:
    """Start the application with setting overrides (env names); it stops when the block exits."""

    @contextlib.asynccontextmanager
    async def run(
        *, clock: Clock | None = None, database: Path | None = None, **overrides: Any
    ) -> AsyncIterator[TutorBot]:
        settings = make_settings(telegram, database or tmp_path / "bot.db", **overrides)
        app = TutorBot(settings, clock=clock)
        polls_before = telegram.count("getUpdates")
        await app.start()
        try:
            if not settings.webhook_mode:
                await telegram.wait_for_request("getUpdates", count=polls_before + 1)
            yield app
        finally:
            await app.stop()

    return run


@pytest.fixture
async def shop(app_factory: AppFactory) -> AsyncIterator[Shop]:
    clock = FixedClock(NOW)
    async with (
        FakeStripe(clock=lambda: clock.now().timestamp()) as stripe,
        app_factory(
            clock=clock,
            STRIPE_SECRET_KEY=stripe.api_key,
            STRIPE_API_BASE=stripe.base_url,
            STRIPE_WEBHOOK_SECRET=stripe.webhook_secret,
        ) as app,
    ):
        stripe.webhook_url = f"http://127.0.0.1:{app.web_port}/webhooks/stripe"
        yield Shop(app, stripe, clock)


def live_settings(stripe: FakeStripe, port: int) -> dict[str, Any]:
    """Stripe at the fake, Agora configured, the web server on `port` (join links point at it)."""
    return {
        "WEB_PORT": port,
        "STRIPE_SECRET_KEY": stripe.api_key,
        "STRIPE_API_BASE": stripe.base_url,
        "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
        "AGORA_APP_ID": APP_ID,
        "AGORA_APP_CERTIFICATE": CERTIFICATE,
        "AGORA_WEBHOOK_SECRET": AGORA_SECRET,
    }


@pytest.fixture
async def live(app_factory: AppFactory) -> AsyncIterator[Shop]:
    """The shop with Agora configured, on a port of its own (join links point at it)."""
    clock = FixedClock(NOW)
    port = free_port()
    async with (
        FakeStripe(clock=lambda: clock.now().timestamp()) as stripe,
        app_factory(clock=clock, **live_settings(stripe, port)) as app,
    ):
        stripe.webhook_url = f"http://127.0.0.1:{port}/webhooks/stripe"
        yield Shop(app, stripe, clock)


@pytest.fixture
async def app(app_factory: AppFactory) -> AsyncIterator[TutorBot]:
    async with app_factory() as running:
        yield running


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards (skipped without a server)."""
    server = os.environ.get("TUTORBOT_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("set TUTORBOT_TEST_POSTGRES_URL to run the PostgreSQL tests")
    url = await create_database(server, "tutorbot_e2e")
    try:
        yield url
    finally:
        await drop_database(server, url)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TUTORBOT_TEST_REDIS_URL")
    if not url:
        pytest.skip("set TUTORBOT_TEST_REDIS_URL to run the Redis tests")
    return url
