"""Buttons on plain messages: opening a session's room, and cancelling (a student's booking, with a
confirmation that says what comes back, or the start of a tutor's session cancellation). The ids in the
buttons are checked against the person pressing."""

from typing import Any

from aiogram import Router
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory, StartMode

from bot.callbacks import CancelBooking, CancelSessionStart, OpenRoom
from bot.dialogs.common import pressed_chat_manager
from bot.dialogs.states import CancelSession, Room
from bot.handlers.refusals import refusals_answered
from bot.texts.errors import error_text
from bot.texts.policies import cancel_question
from core.entities import User
from core.enums import ParticipantStatus
from core.errors import DomainError
from core.services import Services
from core.usecases.cancellations import cancel_booking, preview_session_cancellation, quote_cancellation
from core.usecases.room import open_room
from l10n.formatting import fmt_datetime, fmt_money


async def booking_cancel_pressed(
    query: CallbackQuery,
    callback_data: CancelBooking,
    app_user: User | None,
    services: Services,
) -> None:
    locale = get_i18n().current_locale
    # The student reads every time in their own zone (the tutor's zone is for the tutor).
    zone = app_user.timezone if app_user and app_user.timezone else None
    try:
        if not callback_data.confirm:
            quote = await quote_cancellation(
                services.uow_factory(),
                services.clock,
                user_id=query.from_user.id,
                participant_id=callback_data.participant_id,
            )
        else:
            quote = await cancel_booking(
                services.uow_factory,
                services.clock,
                services.rules,
                services.gateway,
                user_id=query.from_user.id,
                participant_id=callback_data.participant_id,
            )
    except DomainError as error:
        await query.answer(error_text(error, zone), show_alert=True)
        return
    booking = quote.booking
    when = fmt_datetime(booking.slot.starts_at, zone or booking.slot.timezone, locale)
    back = fmt_money(quote.refund_minor, quote.currency, locale)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if not callback_data.confirm:
        if booking.participant.status is ParticipantStatus.PENDING_PAYMENT:
            question = _("Release your seat for {when} with {tutor}? Nothing was charged.").format(
                when=when, tutor=booking.tutor.display_name
            )
        else:
            question = cancel_question(quote, when, zone or booking.slot.timezone)
        confirm = CancelBooking(participant_id=booking.participant.id, confirm=True).pack()
        await query.message.answer(
            question,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=_("✅ Yes, cancel"), callback_data=confirm)]]
            ),
        )
        return
    if quote.refund_minor:
        done = _("✅ Cancelled. {amount} is on its way back to you.").format(amount=back)
    elif quote.credit_back:
        done = _("✅ Cancelled. The lesson is back in your package.")
    else:
        done = _("✅ Cancelled.")
    await query.message.edit_text(done, reply_markup=None)


@refusals_answered
async def session_cancel_pressed(
    query: CallbackQuery,
    callback_data: CancelSessionStart,
    dialog_bg_factory: BgManagerFactory,
    services: Services,
) -> None:
    await preview_session_cancellation(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        session_id=callback_data.session_id,
    )
    await _start_dialog(query, dialog_bg_factory, CancelSession.reason, {"session_id": callback_data.session_id})


@refusals_answered
async def room_pressed(
    query: CallbackQuery,
    callback_data: OpenRoom,
    dialog_bg_factory: BgManagerFactory,
    services: Services,
) -> None:
    participant_id = callback_data.participant_id or None
    room = await open_room(
        services.uow_factory(),
        user_id=query.from_user.id,
        session_id=callback_data.session_id,
        participant_id=participant_id,
    )
    state = Room.chat if callback_data.chat and room.chat_open else Room.main
    await _start_dialog(
        query, dialog_bg_factory, state, {"session_id": callback_data.session_id, "participant_id": room.participant_id}
    )


async def _start_dialog(
    query: CallbackQuery, dialog_bg_factory: BgManagerFactory, state: State, data: dict[str, Any]
) -> None:
    await query.answer()
    manager = pressed_chat_manager(query, dialog_bg_factory)
    await manager.start(state, data=data, mode=StartMode.RESET_STACK)


def build_router() -> Router:
    router = Router(name="cancellations")
    router.callback_query.register(booking_cancel_pressed, CancelBooking.filter())
    router.callback_query.register(session_cancel_pressed, CancelSessionStart.filter())
    router.callback_query.register(room_pressed, OpenRoom.filter())
    return router
