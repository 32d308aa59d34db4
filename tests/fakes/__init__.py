"""Test doubles for external services (see tests.fakes.telegram for the fake Telegram Bot API)."""

from tests.fakes.aiogram_runner import FastCloseAiohttpSession, make_bot, run_polling
from tests.fakes.telegram import (
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
