"""/start: first contact, resuming onboarding, and deep links."""

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode

from bot.deeplinks import parse_start_payload
from bot.dialogs.states import Onboarding, TutorProfileForm
from bot.handlers.help import help_text
from bot.handlers.tutor_page import open_deep_link
from core.services import Services
from core.usecases.accounts import register_user
from core.usecases.tutor_profiles import get_profile_of_user


async def start(
    message: Message,
    command: CommandObject,
    dialog_manager: DialogManager,
    services: Services,
) -> None:
    sender = message.from_user
    if sender is None:
        return
    user = await register_user(
        services.uow_factory(),
        services.clock,
        user_id=sender.id,
        first_name=sender.first_name,
        username=sender.username,
        telegram_language=sender.language_code,
        default_language=get_i18n().default_locale,
    )
    if user.language:
        get_i18n().current_locale = user.language
    link = parse_start_payload(command.args)
    start_data = {"deep_link": command.args} if link else {}
    if user.timezone is None:
        await dialog_manager.start(Onboarding.timezone, data=start_data, mode=StartMode.RESET_STACK)
    elif user.role is None:
        await dialog_manager.start(Onboarding.role, data=start_data, mode=StartMode.RESET_STACK)
    elif user.role.teaches and await get_profile_of_user(services.uow_factory(), user.id) is None:
        await dialog_manager.start(TutorProfileForm.name, data=start_data, mode=StartMode.RESET_STACK)
    else:
        await dialog_manager.reset_stack()
        if link is None:
            await message.answer(
                _("👋 Welcome back, {first_name}!").format(first_name=user.first_name) + "\n\n" + help_text(user)
            )
        else:
            await open_deep_link(message, link, dialog_manager, services)


def build_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router
