"""/settings opens the settings dialog."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode

from bot.dialogs.states import SettingsMenu
from core.entities import User


async def open_settings(message: Message, dialog_manager: DialogManager, app_user: User | None) -> None:
    if app_user is None:
        await message.answer(_("I don't know you yet: send /start first."))
        return
    await dialog_manager.start(SettingsMenu.main, mode=StartMode.RESET_STACK)


def build_router() -> Router:
    router = Router(name="settings")
    router.message.register(open_settings, Command("settings"))
    return router
