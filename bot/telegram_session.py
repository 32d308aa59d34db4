"""The HTTP session to the Bot API, with the answer types kept alive.

aiogram parses every answer as `Response[<the method's result type>]`, a pydantic generic that pydantic
caches only weakly. Between two garbage collections nothing else refers to it, so a collection drops it
and the next call builds the class again: about 2.5 ms of CPU each time, measured at over a tenth of the
bot's CPU under load (`bench/dispatch.py`). Holding one reference per result type makes it a dictionary
lookup.

Every request also passes `TelegramLimits`, so nothing leaves the bot that Telegram would refuse as too long.
"""

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from bot.telegram_limits import TelegramLimits


class BotApiSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_types: dict[Any, Any] = {}
        self.middleware(TelegramLimits())

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
