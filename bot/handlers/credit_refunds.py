"""Refunds of unused credits: the student's button in /mybookings (a quote, then the request), and the
approver's buttons on the request's notification. Every id in a button is checked in core against the
person pressing."""

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CreditRefundDecision, RefundCredits
from bot.handlers.refusals import refusals_answered
from bot.replies import close_with
from bot.texts.packages import refund_share
from core.services import Services
from core.usecases.credit_refunds import decide_credit_refund, quote_credit_refund, request_credit_refund


@refusals_answered
async def refund_pressed(query: CallbackQuery, callback_data: RefundCredits, services: Services) -> None:
    user_id = query.from_user.id
    if not callback_data.confirm:
        quote = await quote_credit_refund(
            services.uow_factory(), services.clock, user_id=user_id, purchase_id=callback_data.purchase_id
        )
        await query.answer()
        if not isinstance(query.message, Message):
            return
        purchase = quote.purchase
        share = refund_share(quote.credits, purchase.lessons, quote.amount_minor, purchase.currency)
        question = _(
            "Ask for a refund of {name}?\n{share}.\n\n"
            "The tutor (or the school, for its packages) decides. Until then these lessons cannot be booked; "
            "if the refund is declined, they come back to you."
        ).format(name=purchase.name, share=share)
        confirm = RefundCredits(purchase_id=purchase.id, confirm=True).pack()
        await query.message.answer(
            question,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=_("💸 Yes, ask for the refund"), callback_data=confirm)]]
            ),
        )
        return
    await request_credit_refund(
        services.uow_factory(), services.clock, services.rules, user_id=user_id, purchase_id=callback_data.purchase_id
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("✅ Refund asked for. You will get a message when it is decided."), reply_markup=None
        )


@refusals_answered
async def decision_pressed(query: CallbackQuery, callback_data: CreditRefundDecision, services: Services) -> None:
    await decide_credit_refund(
        services.uow_factory,
        services.clock,
        services.rules,
        services.gateway,
        user_id=query.from_user.id,
        refund_id=callback_data.refund_id,
        approve=callback_data.approve,
    )
    verdict = _("✅ Refund approved") if callback_data.approve else _("❌ Refund declined")
    await query.answer(verdict)
    await close_with(query, verdict)


def build_router() -> Router:
    router = Router(name="credit_refunds")
    router.callback_query.register(refund_pressed, RefundCredits.filter())
    router.callback_query.register(decision_pressed, CreditRefundDecision.filter())
    return router
