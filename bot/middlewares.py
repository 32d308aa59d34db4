"""Middlewares: load the person behind each update before the locale is chosen."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from core.entities import User

# The next step of aiogram's middleware chain.
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AppUserMiddleware(BaseMiddleware):
    """Puts the sender's record (or None for someone who never sent /start) in `app_user`, read with
    `read_user` (`core.usecases.accounts.get_user`, or a process's cache of it)."""

    def __init__(self, read_user: Callable[[int], Awaitable[User | None]]) -> None:
        self.read_user = read_user

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        data["app_user"] = await self.read_user(sender.id) if sender else None
        return await handler(event, data)


class InFlightUpdates(BaseMiddleware):
    """Counts updates being handled, so that shutdown lets them finish before closing what they use."""

    def __init__(self) -> None:
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._active += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def wait_idle(self, grace: float) -> bool:
        """True once no update is being handled; False if some still are after `grace` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            return False
        return True
