"""/availability opens the tutor's schedule; /packages their lesson packages."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode

from bot.dialogs.states import Availability, Packages
from core.entities import User
from core.services import Services
from core.usecases.tutor_profiles import get_profile_of_user


async def _is_tutor(message: Message, app_user: User | None, services: Services) -> bool:
    """True for a tutor with a profile; anyone else is told what to do first."""
    if app_user is None:
        await message.answer(_("I don't know you yet: send /start first."))
        return False
    if await get_profile_of_user(services.uow_factory(), app_user.id) is None:
        await message.answer(_("Set up your tutor profile first: send /settings and choose the tutor role."))
        return False
    return True


async def open_availability(
    message: Message,
    dialog_manager: DialogManager,
    app_user: User | None,
    services: Services,
) -> None:
    if await _is_tutor(message, app_user, services):
        await dialog_manager.start(Availability.week, data={}, mode=StartMode.RESET_STACK)


async def open_packages(
    message: Message,
    dialog_manager: DialogManager,
    app_user: User | None,
    services: Services,
) -> None:
    # An admin who does not teach manages the school's packages.
    admin = app_user is not None and services.rules.is_admin(app_user.id)
    if admin and app_user and await get_profile_of_user(services.uow_factory(), app_user.id) is None:
        await dialog_manager.start(Packages.listing, data={"school": True}, mode=StartMode.RESET_STACK)
    elif await _is_tutor(message, app_user, services):
        await dialog_manager.start(Packages.listing, mode=StartMode.RESET_STACK)


def build_router() -> Router:
    router = Router(name="availability")
    router.message.register(open_availability, Command("availability"))
    router.message.register(open_packages, Command("packages"))
    return router
