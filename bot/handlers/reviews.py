"""Ratings: the stars on the question after a lesson (then the comment), a tutor's /reviews with the
button that reports a comment, and an admin's button that hides a review. Every id in a button is checked
in core against the person pressing."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory

from bot.callbacks import CommentReview, HideReview, RateLesson, ReportReview
from bot.dialogs.common import pressed_chat_manager
from bot.dialogs.review_comment import start_comment
from bot.handlers.refusals import refusals_answered
from bot.replies import close_with
from bot.telegram_limits import shorten
from bot.texts.after_lesson import stars_row, stars_text
from bot.texts.errors import error_text
from bot.texts.reviews import rating_label
from core.entities import User
from core.errors import DomainError
from core.reviews import MIN_REVIEWS_SHOWN
from core.services import Services
from core.usecases.reviews import (
    Rated,
    TutorReviews,
    hide_review,
    my_reviews,
    rate_session,
    report_review,
    review_to_comment,
)
from l10n.formatting import fmt_date

# A tutor's list quotes each comment up to this length: ten of them fit one message.
QUOTE_IN_LIST = 300


def _rated_text(question: str, rated: Rated, zone: str) -> str:
    until = fmt_date(rated.editable_until, zone, get_i18n().current_locale)
    lines = [
        question,
        _("Your rating: {stars}. You can change it until {date}.").format(
            stars=stars_text(rated.review.stars), date=until
        ),
    ]
    if rated.review.low:
        lines.append(_("😔 Sorry it did not go well. Tell us what went wrong: the school follows it up."))
    return "\n\n".join(lines)


def _rated_keyboard(rated: Rated) -> InlineKeyboardMarkup:
    comment = CommentReview(review_id=rated.review.id).pack()
    if rated.review.low:
        label = _("✍️ Tell us what went wrong")
    elif rated.review.comment:
        label = _("✍️ Change your comment")
    else:
        label = _("✍️ Add a comment")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            stars_row(rated.review.participant_id),
            [InlineKeyboardButton(text=label, callback_data=comment)],
        ]
    )


@refusals_answered
async def rate_pressed(
    query: CallbackQuery, callback_data: RateLesson, services: Services, app_user: User | None
) -> None:
    message = query.message if isinstance(query.message, Message) else None
    # The question as it was sent (a parent's copy starts with the child's name), without what a tap added.
    question = (message.text or "").split("\n\n")[0] if message else ""
    if callback_data.stars == 0:
        await query.answer()
        if message is not None:
            await message.edit_text(f"{question}\n\n" + _("Skipped. Thank you all the same."), reply_markup=None)
        return
    rated = await rate_session(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        participant_id=callback_data.participant_id,
        stars=callback_data.stars,
    )
    await query.answer(_("Thank you!"))
    if message is not None:
        zone = (app_user.timezone if app_user else None) or rated.tutor.timezone
        await message.edit_text(_rated_text(question, rated, zone), reply_markup=_rated_keyboard(rated))


@refusals_answered
async def comment_pressed(
    query: CallbackQuery, callback_data: CommentReview, services: Services, dialog_bg_factory: BgManagerFactory
) -> None:
    review = await review_to_comment(
        services.uow_factory(), services.clock, user_id=query.from_user.id, review_id=callback_data.review_id
    )
    await query.answer()
    manager = pressed_chat_manager(query, dialog_bg_factory)
    await start_comment(manager, review.id, low=review.low)


def reviews_screen(reviews: TutorReviews, zone: str, locale: str) -> tuple[str, InlineKeyboardMarkup | None]:
    """A tutor's figures and latest reviews, each comment with its report button."""
    rating = reviews.rating
    if rating.count == 0:
        return _("⭐ No reviews yet. Students who attend your lessons are asked to rate them."), None
    if rating.shown:
        head = _("⭐ Your reviews: {figures}. Students see them on your page.").format(figures=rating_label(rating))
    else:
        head = ngettext(
            "⭐ You have {n} review. Students see your average from {min} reviews.",
            "⭐ You have {n} reviews. Students see your average from {min} reviews.",
            rating.count,
        ).format(n=rating.count, min=MIN_REVIEWS_SHOWN)
    lines = [head]
    rows = []
    for number, review in enumerate(reviews.reviews, start=1):
        day = fmt_date(review.updated_at, zone, locale)
        # Numbered: the report buttons name the review by its number (two can share a day and stars).
        line = f"{number}. {day}: {stars_text(review.stars)}"
        if review.comment:
            line += f"\n«{shorten(review.comment, QUOTE_IN_LIST)}»"
            if review.reported_at is not None:
                line += "\n" + _("🚩 Reported: students no longer see this comment.")
            else:
                report = ReportReview(review_id=review.id).pack()
                label = _("🚩 Report comment {number}").format(number=number)
                rows.append([InlineKeyboardButton(text=label, callback_data=report)])
        lines.append(line)
    return "\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def show_reviews(message: Message, app_user: User | None, services: Services) -> None:
    if app_user is None or not app_user.onboarded:
        await message.answer(_("Send /start to set up your time zone and tell me whether you learn or teach."))
        return
    try:
        reviews = await my_reviews(services.uow_factory(), user_id=app_user.id)
    except DomainError as error:
        await message.answer(error_text(error))
        return
    text, keyboard = reviews_screen(reviews, app_user.timezone or reviews.tutor.timezone, get_i18n().current_locale)
    await message.answer(text, reply_markup=keyboard)


@refusals_answered
async def report_pressed(query: CallbackQuery, callback_data: ReportReview, services: Services) -> None:
    await report_review(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        review_id=callback_data.review_id,
    )
    await query.answer(_("🚩 Reported: students no longer see this comment, and the school is told."), show_alert=True)


@refusals_answered
async def hide_pressed(query: CallbackQuery, callback_data: HideReview, services: Services) -> None:
    hidden = await hide_review(
        services.uow_factory(),
        services.clock,
        services.rules,
        user_id=query.from_user.id,
        review_id=callback_data.review_id,
    )
    verdict = _("🙈 Review hidden.") if hidden else _("This review was already hidden.")
    await query.answer(verdict)
    await close_with(query, verdict)


def build_router() -> Router:
    router = Router(name="reviews")
    router.message.register(show_reviews, Command("reviews"))
    router.callback_query.register(rate_pressed, RateLesson.filter())
    router.callback_query.register(comment_pressed, CommentReview.filter())
    router.callback_query.register(report_pressed, ReportReview.filter())
    router.callback_query.register(hide_pressed, HideReview.filter())
    return router
