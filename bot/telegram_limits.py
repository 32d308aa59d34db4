"""Telegram's size limits, enforced in one place: where every request leaves the bot.

Telegram refuses a message over 4,096 characters, a caption over 1,024, a callback answer over 200 and
callback data over 64 bytes, and the person then sees nothing. Screens and notifications are written to
fit (the tests render each with its largest values); this middleware is the guarantee behind them: a text
that would still be too long is shortened with an ellipsis instead of being refused. Callback data cannot
be shortened without breaking the button, so a button that carries too much is a programming error,
raised here rather than sent.

Lengths are counted in UTF-16 code units, as Telegram counts them (an emoji counts two). The bot sends
plain text only (no parse mode); a text with a parse mode is left to Telegram.
"""

from typing import Any

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardMarkup

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
BUTTON_TEXT_BYTES = 64
CALLBACK_DATA_BYTES = 64
ELLIPSIS = "…"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` if it has at most `limit` UTF-16 units, else its start and an ellipsis, within `limit`."""
    if utf16_length(text) <= limit:
        return text
    used, kept = 0, []
    budget = limit - utf16_length(ELLIPSIS)
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > budget:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def shorten_bytes(text: str, limit: int) -> str:
    """`text` within `limit` UTF-8 bytes (a button's label), cut at a character with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len(ELLIPSIS.encode())
    kept = text.encode()[:budget].decode(errors="ignore")
    return kept.rstrip() + ELLIPSIS


class ButtonDataTooLong(ValueError):
    """A button's callback data is over Telegram's 64 bytes: the button could never work."""


def _plain(method: TelegramMethod[Any]) -> bool:
    mode = getattr(method, "parse_mode", None)
    return mode is None or isinstance(mode, Default)


def _fit_keyboard(markup: Any) -> None:
    if not isinstance(markup, InlineKeyboardMarkup):
        return
    for row in markup.inline_keyboard:
        for button in row:
            button.text = shorten_bytes(button.text, BUTTON_TEXT_BYTES)
            data = button.callback_data
            if data is not None and len(data.encode()) > CALLBACK_DATA_BYTES:
                raise ButtonDataTooLong(f"callback data of {len(data.encode())} bytes: {data[:80]!r}")


def fit_to_limits(method: TelegramMethod[Any]) -> None:
    """Shorten, in place, whatever part of an outgoing request Telegram would refuse as too long."""
    if isinstance(method, AnswerCallbackQuery):
        if method.text:
            method.text = shorten(method.text, CALLBACK_ANSWER_LIMIT)
        return
    if isinstance(method, SendMessage | EditMessageText) and method.text and _plain(method):
        method.text = shorten(method.text, TEXT_LIMIT)
    caption = getattr(method, "caption", None)
    if isinstance(caption, str) and _plain(method):
        setattr(method, "caption", shorten(caption, CAPTION_LIMIT))  # noqa: B010
    _fit_keyboard(getattr(method, "reply_markup", None))


class TelegramLimits(BaseRequestMiddleware):
    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        fit_to_limits(method)
        return await make_request(bot, method)
