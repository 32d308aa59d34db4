"""/family opens a parent's family dialog; a child who opens a parent's invite link is asked to accept
it, and their answer is checked in core (a stale or someone else's invite is refused)."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, StartMode

from bot.callbacks import FamilyAnswer
from bot.deeplinks import FamilyInvite
from bot.dialogs.states import Family
from bot.handlers.refusals import refusals_answered
from bot.texts.errors import error_text
from core.entities import User
from core.errors import DomainError
from core.services import Services
from core.usecases.families import accept_invite, decline_invite, invite_of


async def family_command(message: Message, dialog_manager: DialogManager, app_user: User | None) -> None:
    if app_user is None or not app_user.onboarded:
        await message.answer(_("Send /start first to set your time zone."))
        return
    await dialog_manager.start(Family.main, mode=StartMode.RESET_STACK)


async def open_family_invite(message: Message, link: FamilyInvite, services: Services) -> None:
    try:
        _invite, parent = await invite_of(services.uow_factory(), user_id=message.chat.id, token=link.token)
    except DomainError as error:
        await message.answer(error_text(error))
        return
    accept = FamilyAnswer(token=link.token, accept=True).pack()
    decline = FamilyAnswer(token=link.token, accept=False).pack()
    await message.answer(
        _(
            "👪 {parent} asks to link your account as their child's. They will be able to book and pay for your "
            "lessons, and will get your confirmations, reminders and session summaries too."
        ).format(parent=parent.first_name),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=_("✅ Accept"), callback_data=accept),
                    InlineKeyboardButton(text=_("❌ Decline"), callback_data=decline),
                ]
            ]
        ),
    )


@refusals_answered
async def family_answered(query: CallbackQuery, callback_data: FamilyAnswer, services: Services) -> None:
    if callback_data.accept:
        await accept_invite(
            services.uow_factory(), services.clock, user_id=query.from_user.id, token=callback_data.token
        )
        done = _("✅ Linked. Your parent can now book your lessons with you.")
    else:
        await decline_invite(services.uow_factory(), user_id=query.from_user.id, token=callback_data.token)
        done = _("Declined. Nothing was linked.")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(done, reply_markup=None)


def build_router() -> Router:
    router = Router(name="family")
    router.message.register(family_command, Command("family"))
    router.callback_query.register(family_answered, FamilyAnswer.filter())
    return router
