"""Middlewares: load the person behind each update before the locale is chosen."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser

from core.ports import UnitOfWorkFactory
from core.usecases.accounts import get_user


class AppUserMiddleware(BaseMiddleware):
    """Puts the sender's record (or None for someone who never sent /start) in `app_user`."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        sender: TelegramUser | None = data.get("event_from_user")
        data["app_user"] = await get_user(self.uow_factory(), sender.id) if sender else None
        return await handler(event, data)
