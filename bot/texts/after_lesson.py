"""How the messages after a lesson read: the question how it went, the tutor's recap and the homework
reminder, and what admins are told about reviews. Registered with the other renderers."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.callbacks import BookTutor, GetNoteFile, HideReview, RateLesson, ShowNote
from bot.telegram_limits import shorten
from bot.texts.notifications import RenderContext, Rendered, renders
from core.notifications import HomeworkDue, RateSession, ReviewReported, SessionRecap, TutorFlagged
from core.reviews import STARS
from l10n.formatting import fmt_datetime

FILE_LABEL_LENGTH = 40
QUOTE_LENGTH = 1000


def stars_text(stars: int) -> str:
    return "★" * stars + "☆" * (len(STARS) - stars)


def stars_row(participant_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(text=f"{n} ⭐", callback_data=RateLesson(participant_id=participant_id, stars=n).pack())
        for n in STARS
    ]


@renders(RateSession)
def _rate(p: RateSession, ctx: RenderContext) -> Rendered:
    text = _("⭐ How was your session of {when} with {tutor}? Your stars help other students choose.").format(
        when=ctx.at(p.session.starts_at, p.session), tutor=p.session.tutor_name
    )
    skip = RateLesson(participant_id=p.participant_id, stars=0).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[stars_row(p.participant_id), [InlineKeyboardButton(text=_("Skip"), callback_data=skip)]]
    )
    return Rendered(text, keyboard)


def recap_text(p: SessionRecap, zone: str | None) -> str:
    """The recap, as sent and as /history shows it again."""
    locale = get_i18n().current_locale
    when = fmt_datetime(p.session.starts_at, zone or p.session.tutor_zone, locale)
    if p.updated:
        head = _("📝 {tutor} updated the notes on your session of {when}:")
    else:
        head = _("📝 Notes from {tutor} on your session of {when}:")
    parts = [head.format(tutor=p.session.tutor_name, when=when), p.notes]
    if p.homework is not None and p.homework_due_at is not None:
        due = fmt_datetime(p.homework_due_at, zone or p.session.tutor_zone, locale)
        parts.append(_("📚 Homework, due {due}:").format(due=due) + "\n" + p.homework)
    if p.file_ids:
        count = len(p.file_ids)
        parts.append(ngettext("📎 {n} file, below.", "📎 {n} files, below.", count).format(n=count))
    return "\n\n".join(parts)


def recap_keyboard(p: SessionRecap, *, book_next: bool = True) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=f"📎 {shorten(name, FILE_LABEL_LENGTH)}",
                callback_data=GetNoteFile(note_id=p.note_id, file_id=file_id).pack(),
            )
        ]
        for file_id, name in zip(p.file_ids, p.file_names, strict=True)
    ]
    if book_next:
        book = BookTutor(tutor_id=p.tutor_id).pack()
        rows.append([InlineKeyboardButton(text=_("📅 Book the next session"), callback_data=book)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


@renders(SessionRecap)
def _recap(p: SessionRecap, ctx: RenderContext) -> Rendered:
    return Rendered(recap_text(p, ctx.zone), recap_keyboard(p))


@renders(HomeworkDue)
def _homework_due(p: HomeworkDue, ctx: RenderContext) -> Rendered:
    due = ctx.at(p.due_at, p.session)
    text = _("📚 Homework from your session of {when} with {tutor} is due {due}:").format(
        when=ctx.at(p.session.starts_at, p.session), tutor=p.session.tutor_name, due=due
    )
    notes = ShowNote(note_id=p.note_id).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📝 See the notes"), callback_data=notes)]]
    )
    return Rendered(f"{text}\n{p.homework}", keyboard)


def _hide_keyboard(review_id: int) -> InlineKeyboardMarkup:
    hide = HideReview(review_id=review_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("🙈 Hide the review"), callback_data=hide)]]
    )


@renders(ReviewReported)
def _reported(p: ReviewReported, ctx: RenderContext) -> Rendered:
    text = _(
        "🚩 {tutor} reported a review ({stars}): «{comment}»\n\n"
        "Its comment is no longer shown to students. Hiding the review also takes it out of the tutor's average."
    ).format(tutor=p.tutor_name, stars=stars_text(p.stars), comment=shorten(p.comment, QUOTE_LENGTH))
    return Rendered(text, _hide_keyboard(p.review_id))


@renders(TutorFlagged)
def _flagged(p: TutorFlagged, ctx: RenderContext) -> Rendered:
    text = ngettext(
        "⚠️ {tutor} has had {n} low rating in the last {days} days. The latest: {stars}",
        "⚠️ {tutor} has had {n} low ratings in the last {days} days. The latest: {stars}",
        p.low_reviews,
    ).format(tutor=p.tutor_name, n=p.low_reviews, days=p.days, stars=stars_text(p.stars))
    if p.comment:
        text += f"\n«{shorten(p.comment, QUOTE_LENGTH)}»"
    return Rendered(text, _hide_keyboard(p.review_id))
