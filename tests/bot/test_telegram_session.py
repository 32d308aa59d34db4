"""The Bot API session keeps aiogram's answer types alive across garbage collections."""

import gc
import weakref

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import Message

from bot.telegram_session import BotApiSession
from testkit import FakeTelegram


async def test_the_answer_type_of_a_method_survives_a_garbage_collection() -> None:
    async with FakeTelegram() as telegram:
        session = BotApiSession(api=TelegramAPIServer.from_base(telegram.base_url))
        bot = Bot(telegram.token, session=session)
        try:
            sent = await bot.send_message(1001, "hello")
            assert sent.text == "hello"
            answer_type = weakref.ref(Response[Message])
            gc.collect()
            # Without the session's reference pydantic's weak cache lets it go, and the next answer of
            # sendMessage would build the class again.
            assert answer_type() is not None
        finally:
            await session.close()
