"""Helpers to run a real aiogram bot against the fake Telegram server inside a test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from testkit.telegram_server import FakeTelegram


class FastCloseAiohttpSession(AiohttpSession):
    """AiohttpSession that closes without aiogram's 250 ms grace sleep (meant for SSL; the fake is plain HTTP)."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
            await asyncio.sleep(0)


def make_bot(fake: FakeTelegram, *, default: DefaultBotProperties | None = None, **session_kwargs: Any) -> Bot:
    """A real aiogram Bot talking to the fake over HTTP."""
    session = FastCloseAiohttpSession(api=TelegramAPIServer.from_base(fake.base_url), **session_kwargs)
    return Bot(fake.token, session=session, default=default)


@contextlib.asynccontextmanager
async def run_polling(
    dp: Dispatcher,
    bot: Bot,
    fake: FakeTelegram,
    *,
    startup_timeout: float = 5.0,
    **polling_kwargs: Any,
) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``dp.start_polling(bot)`` as a task until the block exits, then stop it cleanly.

    Entering waits until the bot's first getUpdates reaches the fake. Exiting calls
    ``dp.stop_polling()`` (which also closes the bot session) and awaits the task, re-raising
    any error the polling task died with.
    """
    before = fake.count("getUpdates")
    polling_kwargs.setdefault("handle_signals", False)
    task: asyncio.Task[None] = asyncio.create_task(dp.start_polling(bot, **polling_kwargs))
    started = asyncio.create_task(fake.wait_for_request("getUpdates", count=before + 1, timeout=startup_timeout))
    try:
        await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            started.cancel()
            await task  # raises what start_polling died with
            raise AssertionError("polling stopped before its first getUpdates")
        await started  # raises AssertionError on timeout
        yield task
    finally:
        if not started.done():
            started.cancel()
        with contextlib.suppress(asyncio.CancelledError, AssertionError):
            await started
        if not task.done():
            try:
                await dp.stop_polling()
            except RuntimeError:  # polling not started yet
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
