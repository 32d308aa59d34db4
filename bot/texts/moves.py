"""How a tutor's proposal to move a lesson reads, to the student and back to the tutor. Registered with
the other renderers."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import AnswerMove
from bot.texts.notifications import RenderContext, Rendered, renders
from core.notifications import MoveDeclined, MoveLapsed, MoveProposed
from l10n.formatting import fmt_money


@renders(MoveProposed)
def _proposed(p: MoveProposed, ctx: RenderContext) -> Rendered:
    text = _(
        "🔁 {tutor} proposes to move your session of {when} to {new}. Answer by {by}; without an answer it stays "
        "as it is."
    ).format(
        tutor=p.booking.session.tutor_name,
        when=ctx.at(p.booking.session.starts_at, p.booking.session),
        new=ctx.at(p.to_starts_at, p.booking.session),
        by=ctx.at(p.answer_by, p.booking.session),
    )
    accept = AnswerMove(proposal_id=p.proposal_id, accept=True).pack()
    decline = AnswerMove(proposal_id=p.proposal_id, accept=False).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("✅ Accept the new time"), callback_data=accept)],
            [InlineKeyboardButton(text=_("❌ Decline: cancel with a full refund"), callback_data=decline)],
        ]
    )
    return Rendered(text, keyboard)


@renders(MoveDeclined)
def _declined(p: MoveDeclined, ctx: RenderContext) -> Rendered:
    refund = fmt_money(p.refund_minor, p.booking.session.currency, get_i18n().current_locale)
    return Rendered(
        _("❌ {student} declined the new time: the session of {when} is cancelled, {refund} refunded.").format(
            student=p.student_name or "?", when=ctx.at(p.booking.session.starts_at, p.booking.session), refund=refund
        )
    )


@renders(MoveLapsed)
def _lapsed(p: MoveLapsed, ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "⌛ {student} did not answer your proposal to move the session of {when} to {new}: it stays as it was."
        ).format(
            student=p.student_name or "?",
            when=ctx.at(p.booking.session.starts_at, p.booking.session),
            new=ctx.at(p.to_starts_at, p.booking.session),
        )
    )
