"""The bare aiogram bot the dispatch benchmark compares tutorbot with: one handler that echoes text,
long polling, nothing else. Reads BOT_TOKEN and TELEGRAM_API_URL like tutorbot does.

    BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:8081 python -m bench.echo_bot
"""

import asyncio
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def echo(message: Message) -> None:
    await message.answer(message.text or "")


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dp = Dispatcher()
    dp.message.register(echo, F.text)
    await dp.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main())
