"""/history and the tutor's notes: a student's past lessons (and their children's) with notes, homework and
files; a tutor's students, then one student's lessons; the buttons on the recap (a file, "Book the next
session") and on the tutor's summary ("Write notes"). Every id in a button is checked in core against the
person pressing."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory

from bot.callbacks import BookTutor, GetNoteFile, ShowNote, StudentHistory, WriteNotes
from bot.dialogs.booking import start_booking
from bot.dialogs.common import pressed_chat_manager
from bot.dialogs.session_notes import start_notes
from bot.handlers.refusals import refusals_answered
from bot.telegram_limits import TEXT_LIMIT, utf16_length
from bot.texts.after_lesson import recap_keyboard, recap_text, stars_text
from bot.texts.errors import error_text
from core.entities import User
from core.enums import ParticipantStatus
from core.errors import DomainError
from core.services import Services
from core.usecases.browsing import bookable_tutor
from core.usecases.history import HistoryEntry, my_history, student_history, tutor_students
from core.usecases.session_notes import note_file, notes_session, read_note, recap_of
from l10n.formatting import fmt_date, fmt_datetime

# Room left in a message for the line that counts what did not fit.
_MORE_ROOM = 100


def _entry(entry: HistoryEntry, zone: str, locale: str, *, tutor_view: bool, children: dict[int, str]) -> str:
    booking = entry.booking
    when = fmt_datetime(booking.slot.starts_at, zone, locale)
    child = children.get(booking.participant.user_id)
    who = "" if tutor_view else f" · {booking.tutor.display_name}" + (f" · 👤 {child}" if child else "")
    attended = booking.participant.status is ParticipantStatus.BOOKED
    facts = [_("✅ attended") if attended else _("🚫 missed")]
    if entry.review is not None:
        facts.append(stars_text(entry.review.stars))
    if entry.note is not None:
        facts.append(_("📝 notes"))
        if entry.note.homework_due_at is not None:
            due = fmt_date(entry.note.homework_due_at, zone, locale)
            facts.append(_("📚 homework due {date}").format(date=due))
    return f"🗓 {when}{who}\n   " + " · ".join(facts)


def history_screen(
    head: str,
    entries: list[HistoryEntry],
    zone: str,
    locale: str,
    *,
    tutor_view: bool,
    children: dict[int, str] | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The lessons, the latest first, while they fit one message; a button for each one's notes (and, for
    the tutor, to write those not written yet)."""
    lines, rows = [head], []
    used = utf16_length(head)
    shown = 0
    for entry in entries:
        line = _entry(entry, zone, locale, tutor_view=tutor_view, children=children or {})
        if used + utf16_length(line) + 2 > TEXT_LIMIT - _MORE_ROOM:
            break
        lines.append(line)
        used += utf16_length(line) + 2
        shown += 1
        day = fmt_date(entry.booking.slot.starts_at, zone, locale)
        if entry.note is not None:
            label = _("📝 Notes of {day}").format(day=day)
            rows.append([InlineKeyboardButton(text=label, callback_data=ShowNote(note_id=entry.note.id).pack())])
        elif tutor_view and entry.booking.participant.status is ParticipantStatus.BOOKED:
            label = _("✍️ Write the notes of {day}").format(day=day)
            write = WriteNotes(session_id=entry.booking.session.id).pack()
            rows.append([InlineKeyboardButton(text=label, callback_data=write)])
    if len(entries) > shown:
        hidden = len(entries) - shown
        lines.append(ngettext("… and {n} earlier lesson.", "… and {n} earlier lessons.", hidden).format(n=hidden))
    return "\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def students_screen(students: list[tuple[User, int, str]]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not students:
        return _("🧑‍🏫 None of your lessons has taken place yet: your students will be listed here."), None
    lines = [_("🧑‍🏫 Your students, the most recent first:")]
    rows = []
    for student, lessons, last in students:
        lines.append(
            ngettext(
                "👤 {name}: {n} session, last on {date}", "👤 {name}: {n} sessions, last on {date}", lessons
            ).format(name=student.first_name, n=lessons, date=last)
        )
        press = StudentHistory(student_id=student.id).pack()
        rows.append([InlineKeyboardButton(text=f"👤 {student.first_name}", callback_data=press)])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


async def show_history(message: Message, app_user: User | None, services: Services) -> None:
    if app_user is None or not app_user.onboarded or app_user.role is None:
        await message.answer(_("Send /start to set up your time zone and tell me whether you learn or teach."))
        return
    locale = get_i18n().current_locale
    zone = app_user.timezone or "UTC"
    if app_user.role.teaches:
        try:
            summaries = await tutor_students(services.uow_factory(), user_id=app_user.id)
        except DomainError as error:
            await message.answer(error_text(error))
        else:
            listed = [(s.student, s.lessons, fmt_date(s.last_at, zone, locale)) for s in summaries]
            text, keyboard = students_screen(listed)
            await message.answer(text, reply_markup=keyboard)
    if app_user.role.learns:
        entries, children = await my_history(services.uow_factory(), user_id=app_user.id)
        if not entries:
            await message.answer(_("📚 No past lessons yet. /book finds a tutor."))
            return
        head = _("📚 Your past lessons, the latest first:")
        text, keyboard = history_screen(head, entries, zone, locale, tutor_view=False, children=children)
        await message.answer(text, reply_markup=keyboard)


@refusals_answered
async def student_pressed(
    query: CallbackQuery, callback_data: StudentHistory, services: Services, app_user: User | None
) -> None:
    student, entries = await student_history(
        services.uow_factory(), user_id=query.from_user.id, student_id=callback_data.student_id
    )
    await query.answer()
    if isinstance(query.message, Message):
        zone = (app_user.timezone if app_user else None) or "UTC"
        head = _("👤 Your lessons with {name}, the latest first:").format(name=student.first_name)
        text, keyboard = history_screen(head, entries, zone, get_i18n().current_locale, tutor_view=True)
        await query.message.answer(text, reply_markup=keyboard)


@refusals_answered
async def note_pressed(
    query: CallbackQuery, callback_data: ShowNote, services: Services, app_user: User | None
) -> None:
    view = await read_note(services.uow_factory(), user_id=query.from_user.id, note_id=callback_data.note_id)
    await query.answer()
    if isinstance(query.message, Message):
        recap = recap_of(view.note, view.booking.tutor, view.booking.slot)
        zone = app_user.timezone if app_user else None
        # The tutor reads their own notes: no button to book themselves.
        keyboard = recap_keyboard(recap, book_next=view.booking.tutor.user_id != query.from_user.id)
        await query.message.answer(recap_text(recap, zone), reply_markup=keyboard)


@refusals_answered
async def file_pressed(query: CallbackQuery, callback_data: GetNoteFile, services: Services) -> None:
    found = await note_file(
        services.uow_factory(), user_id=query.from_user.id, note_id=callback_data.note_id, file_id=callback_data.file_id
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_document(found.telegram_file_id, caption=found.file_name)


@refusals_answered
async def write_notes_pressed(
    query: CallbackQuery, callback_data: WriteNotes, services: Services, dialog_bg_factory: BgManagerFactory
) -> None:
    found = await notes_session(services.uow_factory(), user_id=query.from_user.id, session_id=callback_data.session_id)
    if not found.students:
        await query.answer(_("Nobody attended this lesson: there is nobody to write notes for."), show_alert=True)
        return
    await query.answer()
    await start_notes(pressed_chat_manager(query, dialog_bg_factory), found)


@refusals_answered
async def book_tutor_pressed(
    query: CallbackQuery, callback_data: BookTutor, services: Services, dialog_bg_factory: BgManagerFactory
) -> None:
    await bookable_tutor(services.uow_factory(), tutor_id=callback_data.tutor_id)
    await query.answer()
    await start_booking(pressed_chat_manager(query, dialog_bg_factory), callback_data.tutor_id)


def build_router() -> Router:
    router = Router(name="history")
    router.message.register(show_history, Command("history"))
    router.callback_query.register(student_pressed, StudentHistory.filter())
    router.callback_query.register(note_pressed, ShowNote.filter())
    router.callback_query.register(file_pressed, GetNoteFile.filter())
    router.callback_query.register(write_notes_pressed, WriteNotes.filter())
    router.callback_query.register(book_tutor_pressed, BookTutor.filter())
    return router
