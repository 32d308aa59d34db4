"""The language of each Telegram update: the stored choice of a known user, else their app's language."""

from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18nMiddleware

from core.entities import User
from core.languages import pick_language


class UserLocaleMiddleware(I18nMiddleware):
    """The stored choice of a known user, else their Telegram app's language, else the default.

    Runs after the middleware that loads `app_user` (the user's record, or None for a stranger).
    """

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        app_user: User | None = data.get("app_user")
        telegram_user: TelegramUser | None = data.get("event_from_user")
        return pick_language(
            app_user.language if app_user else None,
            telegram_user.language_code if telegram_user else None,
            self.i18n.default_locale,
        )
