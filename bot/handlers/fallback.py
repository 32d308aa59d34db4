"""Anything no other handler took: a helpful answer, never silence."""

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.help import help_text
from core.entities import User


async def not_understood(message: Message, app_user: User | None) -> None:
    await message.answer(_("Sorry, I didn't understand that.") + "\n\n" + help_text(app_user))


async def stale_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active. Send /start to begin again."), show_alert=True)


def build_router() -> Router:
    router = Router(name="fallback")
    router.message.register(not_understood)
    router.callback_query.register(stale_button)
    return router
