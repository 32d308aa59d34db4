"""The buttons on a waitlist's offer: book the seat held for the person (its booking screen, with every
way to pay), or let it go to the next one. Every id is checked in core against the person pressing."""

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory

from bot.callbacks import ClaimSeat, DeclineSeat, LeaveWaitlist
from bot.dialogs.booking import start_waitlist_booking
from bot.dialogs.common import pressed_chat_manager
from bot.handlers.refusals import refusals_answered
from bot.replies import close_with
from core.services import Services
from core.usecases.waitlist import leave_waitlist, offer_to_claim


@refusals_answered
async def claim_pressed(
    query: CallbackQuery, callback_data: ClaimSeat, services: Services, dialog_bg_factory: BgManagerFactory
) -> None:
    offer = await offer_to_claim(
        services.uow_factory(), services.clock, user_id=query.from_user.id, entry_id=callback_data.entry_id
    )
    await query.answer()
    manager = pressed_chat_manager(query, dialog_bg_factory)
    await start_waitlist_booking(manager, offer.slot.tutor_id, offer.slot.id, offer.entry.id)


async def _leave(query: CallbackQuery, services: Services, entry_id: int) -> None:
    await leave_waitlist(
        services.uow_factory(), services.clock, services.rules, user_id=query.from_user.id, entry_id=entry_id
    )


@refusals_answered
async def decline_pressed(query: CallbackQuery, callback_data: DeclineSeat, services: Services) -> None:
    await _leave(query, services, callback_data.entry_id)
    done = _("The seat goes to the next person waiting.")
    await query.answer(done)
    await close_with(query, done)


@refusals_answered
async def leave_pressed(query: CallbackQuery, callback_data: LeaveWaitlist, services: Services) -> None:
    await _leave(query, services, callback_data.entry_id)
    await query.answer(_("You are off this waitlist."), show_alert=True)


def build_router() -> Router:
    router = Router(name="waitlist")
    router.callback_query.register(claim_pressed, ClaimSeat.filter())
    router.callback_query.register(decline_pressed, DeclineSeat.filter())
    router.callback_query.register(leave_pressed, LeaveWaitlist.filter())
    return router
