"""/availability opens the tutor's schedule."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode

from bot.dialogs.states import Availability
from core.entities import User
from core.services import Services
from core.usecases.tutor_profiles import get_profile_of_user


async def open_availability(
    message: Message,
    dialog_manager: DialogManager,
    app_user: User | None,
    services: Services,
) -> None:
    if app_user is None:
        await message.answer(_("I don't know you yet: send /start first."))
        return
    if await get_profile_of_user(services.uow_factory(), app_user.id) is None:
        await message.answer(_("Set up your tutor profile first: send /settings and choose the tutor role."))
        return
    await dialog_manager.start(Availability.week, data={}, mode=StartMode.RESET_STACK)


def build_router() -> Router:
    router = Router(name="availability")
    router.message.register(open_availability, Command("availability"))
    return router
