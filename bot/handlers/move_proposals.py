"""A tutor proposes another time for a student's lesson (from /sessions), and the student answers on the
proposal's message. Every id is checked in core against the person pressing."""

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AnswerMove, ProposeMove, ProposeTo
from bot.handlers.refusals import refusals_answered
from bot.replies import close_with
from core.entities import User
from core.services import Services
from core.usecases.move_proposals import answer_move, move_choices, propose_move
from l10n.formatting import fmt_datetime


@refusals_answered
async def propose_pressed(
    query: CallbackQuery, callback_data: ProposeMove, services: Services, app_user: User | None
) -> None:
    choices = await move_choices(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        participant_id=callback_data.participant_id,
    )
    if not choices.slots:
        await query.answer(
            _("You have no free time of the same length and price to offer: add one in /availability."),
            show_alert=True,
        )
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    zone = (app_user.timezone if app_user else None) or choices.booking.tutor.timezone
    locale = get_i18n().current_locale
    when = fmt_datetime(choices.booking.slot.starts_at, zone, locale)
    rows = [
        [
            InlineKeyboardButton(
                text="→ " + fmt_datetime(slot.starts_at, zone, locale),
                callback_data=ProposeTo(participant_id=callback_data.participant_id, slot_id=slot.id).pack(),
            )
        ]
        for slot in choices.slots
    ]
    await query.message.answer(
        _(
            "🔁 Which time do you propose instead of {when}? The student accepts it, or declines and is refunded "
            "in full."
        ).format(when=when),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


@refusals_answered
async def propose_to_pressed(query: CallbackQuery, callback_data: ProposeTo, services: Services) -> None:
    await propose_move(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        participant_id=callback_data.participant_id,
        slot_id=callback_data.slot_id,
    )
    done = _("✅ Proposed: the time is held until the student answers.")
    await query.answer(done)
    await close_with(query, done)


@refusals_answered
async def answer_pressed(query: CallbackQuery, callback_data: AnswerMove, services: Services) -> None:
    await answer_move(
        services.uow_factory,
        services.clock,
        services.rules,
        services.gateway,
        user_id=query.from_user.id,
        proposal_id=callback_data.proposal_id,
        accept=callback_data.accept,
    )
    if callback_data.accept:
        verdict = _("✅ Accepted: your lesson moves; the new calendar file is on its way.")
    else:
        verdict = _("❌ Declined: the lesson is cancelled and refunded in full.")
    await query.answer()
    await close_with(query, verdict)


def build_router() -> Router:
    router = Router(name="move_proposals")
    router.callback_query.register(propose_pressed, ProposeMove.filter())
    router.callback_query.register(propose_to_pressed, ProposeTo.filter())
    router.callback_query.register(answer_pressed, AnswerMove.filter())
    return router
