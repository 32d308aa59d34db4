"""The test kit: fakes of the services the bot talks to (the Telegram Bot API, Stripe), clocks, and what
tests and benchmarks need to run the bot as a process. Served to `tests/` and `bench/`, never imported by
the application."""

from testkit.aiogram_runner import FastCloseAiohttpSession, make_bot, run_polling
from testkit.telegram import (
    BotMessage,
    CallbackAnswer,
    ChatActionRecord,
    ChatEvent,
    FakeTelegram,
    FakeUser,
    FloodLimits,
    MessageVersion,
    RequestRecord,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    WebhookState,
)

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
    "UploadedFile",
    "WebhookDelivery",
    "WebhookState",
    "make_bot",
    "run_polling",
]
