"""The test kit: fakes of the services the bot talks to (the Telegram Bot API, Stripe), clocks, and what
tests and benchmarks need to run the bot as a process. Served to `tests/` and `bench/`, never imported by
the application.

The fake Bot API:

    async with FakeTelegram(token="123456:TEST-token", bot_username="tutor_test_bot") as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        ann = fake.user(1001, first_name="Ann", language_code="en", username="ann")
        await ann.send("/start")
        welcome = await ann.wait_for("Welcome")
        await ann.press("Europe")

The implementation is split into telegram_server (HTTP + Bot API methods), telegram_users (simulated
people), telegram_chats (per-chat state), telegram_text (parse modes, keyboards) and telegram_models.
"""

from testkit.aiogram_runner import FastCloseAiohttpSession, make_bot, run_polling
from testkit.telegram_models import (
    BotMessage,
    CallbackAnswer,
    ChatActionRecord,
    ChatEvent,
    FloodLimits,
    MessageVersion,
    RequestRecord,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    WebhookState,
)
from testkit.telegram_server import FakeTelegram
from testkit.telegram_users import FakeUser, Typed

__all__ = [
    "BotMessage",
    "CallbackAnswer",
    "ChatActionRecord",
    "ChatEvent",
    "FakeTelegram",
    "FakeUser",
    "FastCloseAiohttpSession",
    "FloodLimits",
    "MessageVersion",
    "RequestRecord",
    "StoredFile",
    "Typed",
    "UploadedFile",
    "WebhookDelivery",
    "WebhookState",
    "make_bot",
    "run_polling",
]
