"""How each outbox notification reads, rendered in the recipient's locale and zone at delivery time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.callbacks import (
    BookCourse,
    CancelBooking,
    CreditRefundDecision,
    JoinSession,
    LiveSession,
    OpenRoom,
    ScheduleLater,
    TutorReview,
    WriteNotes,
)
from bot.texts.bookings import google_calendar_link, summary_of
from bot.texts.packages import refund_share
from bot.texts.slots import type_label
from core.calendar import CalendarEvent, CalendarFiles, booking_uid, tutor_uid
from core.entities import User
from core.enums import SessionType
from core.notifications import (
    BookingCancelled,
    BookingConfirmed,
    BookingFacts,
    BookingMoved,
    BookingMovedForTutor,
    BookingReceived,
    CancelledByStudent,
    ChatMessageArrived,
    CourseEnrolled,
    CourseScheduleReminder,
    CreditRefundDeclined,
    CreditRefunded,
    CreditRefundRequested,
    FileShared,
    HoldExpired,
    LatePaymentRefunded,
    Message,
    NotificationKind,
    PackageBought,
    PackageExpired,
    SessionCancelled,
    SessionCancelledForTutor,
    SessionEnded,
    SessionFacts,
    SessionReminder,
    SessionStarted,
    SessionStarting,
    StartAlert,
    TutorApproved,
    TutorLate,
    TutorNoShow,
    TutorNoShowNotice,
    TutorRejected,
    TutorReviewRequested,
)
from l10n.formatting import fmt_date, fmt_datetime, fmt_money, fmt_time


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    # (file name, content): sent as a document with the text as its caption.
    document: tuple[str, bytes] | None = None
    # A file Telegram already has (shared in a session): sent again by its id, with the text as caption.
    document_id: str | None = None


@dataclass(frozen=True, slots=True)
class RenderContext:
    recipient: User | None
    calendar: CalendarFiles
    # When the message is rendered (a calendar file's DTSTAMP), and the bot's address (its URL/LOCATION).
    now: datetime
    bot_url: str

    @property
    def zone(self) -> str | None:
        return self.recipient.timezone if self.recipient else None

    def at(self, instant: datetime, session: SessionFacts) -> str:
        """An instant about a session, in the reader's zone (the tutor's, for a reader without one)."""
        return fmt_datetime(instant, self.zone or session.tutor_zone, get_i18n().current_locale)


M = TypeVar("M", bound=Message)
Renderer = Callable[[M, RenderContext], Rendered]

# Each message type's renderer, registered by `renders`, which makes mypy check that the renderer takes
# that type: a field renamed in core fails the type check, not a delivery.
RENDERERS: dict[NotificationKind, Callable[[Any, RenderContext], Rendered]] = {}


def renders(message_type: type[M]) -> Callable[[Renderer[M]], Renderer[M]]:
    def register(renderer: Renderer[M]) -> Renderer[M]:
        RENDERERS[message_type.kind] = renderer
        return renderer

    return register


def render(message: Message, context: RenderContext) -> Rendered:
    return RENDERERS[message.kind](message, context)


def _locale() -> str:
    return get_i18n().current_locale


@renders(TutorReviewRequested)
def _review_requested(p: TutorReviewRequested, ctx: RenderContext) -> Rendered:
    handle = f" (@{p.username})" if p.username else ""
    text = _(
        "🆕 A new tutor waits for your review.\n\n"
        "Name: {name}{handle}\nSubjects: {subjects}\nRate: {rate} per hour\nTime zone: {zone}"
    ).format(
        name=p.display_name,
        handle=handle,
        subjects=", ".join(p.subjects),
        rate=fmt_money(p.hourly_rate_minor, p.currency, _locale()),
        zone=p.timezone,
    )
    approve = TutorReview(tutor_id=p.tutor_id, approve=True).pack()
    reject = TutorReview(tutor_id=p.tutor_id, approve=False).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Approve"), callback_data=approve),
                InlineKeyboardButton(text=_("❌ Reject"), callback_data=reject),
            ]
        ]
    )
    return Rendered(text, keyboard)


@renders(TutorApproved)
def _approved(p: TutorApproved, ctx: RenderContext) -> Rendered:
    return Rendered(_("🎉 Your tutor profile is approved: students can now find you."))


@renders(TutorRejected)
def _rejected(p: TutorRejected, ctx: RenderContext) -> Rendered:
    return Rendered(
        _("Your tutor profile was not approved. You can change it with /settings and it will be reviewed again.")
    )


def _when(s: SessionFacts, ctx: RenderContext) -> str:
    return ctx.at(s.starts_at, s)


def _calendar_file(
    s: SessionFacts,
    ctx: RenderContext,
    *,
    uid: str,
    title: str,
    subjects: tuple[str, ...],
    cancelled: bool,
    revision: int = 0,
) -> tuple[str, bytes]:
    event = CalendarEvent(
        uid=uid,
        start=s.starts_at,
        end=s.ends_at,
        summary=title,
        description=", ".join(subjects),
        stamp=ctx.now,
        organizer_name=s.tutor_name,
        organizer_uri=f"tg://user?id={s.tutor_user_id}",
        url=ctx.bot_url,
        cancelled=cancelled,
        revision=revision,
    )
    return ("tutorbot-cancelled.ics" if cancelled else "tutorbot-session.ics"), ctx.calendar.ics(event)


def _student_title(s: SessionFacts) -> str:
    return _("Lesson with {tutor}").format(tutor=s.tutor_name)


def _tutor_title(s: SessionFacts, student_name: str) -> str:
    if s.session_type is SessionType.GROUP:
        return ngettext("Group lesson ({n} seat)", "Group lesson ({n} seats)", s.capacity).format(n=s.capacity)
    return _("Lesson with {student}").format(student=student_name or "?")


def _student_file(
    s: SessionFacts,
    participant_id: int,
    ctx: RenderContext,
    *,
    cancelled: bool,
    subjects: tuple[str, ...] = (),
    revision: int = 0,
) -> tuple[str, bytes]:
    uid = booking_uid(participant_id)
    title = _student_title(s)
    return _calendar_file(s, ctx, uid=uid, title=title, subjects=subjects, cancelled=cancelled, revision=revision)


def _tutor_file(
    s: SessionFacts,
    participant_id: int | None,
    student_name: str,
    ctx: RenderContext,
    *,
    cancelled: bool,
    subjects: tuple[str, ...] = (),
    revision: int = 0,
) -> tuple[str, bytes]:
    uid = tutor_uid(s.session_type.value, s.session_id, participant_id or 0)
    title = _tutor_title(s, student_name)
    # A group's entry is the session's own: a student's moves do not revise it.
    revision = revision if s.session_type is SessionType.ONE_TO_ONE else 0
    return _calendar_file(s, ctx, uid=uid, title=title, subjects=subjects, cancelled=cancelled, revision=revision)


def _booking_file(b: BookingFacts, ctx: RenderContext, *, cancelled: bool) -> tuple[str, bytes]:
    return _student_file(b.session, b.participant_id, ctx, cancelled=cancelled, subjects=b.subjects, revision=b.moves)


def _booking_tutor_file(
    b: BookingFacts, student_name: str, ctx: RenderContext, *, cancelled: bool
) -> tuple[str, bytes]:
    return _tutor_file(
        b.session, b.participant_id, student_name, ctx, cancelled=cancelled, subjects=b.subjects, revision=b.moves
    )


@renders(BookingConfirmed)
def _booking_confirmed(p: BookingConfirmed, ctx: RenderContext) -> Rendered:
    s = p.booking.session
    lines = [_("✅ Session booked!"), summary_of(p.booking, ctx.zone or s.tutor_zone)]
    if p.late:
        lines.append(_("Your payment arrived after the hold had lapsed, but the seat was still free."))
    rows = []
    if p.live:
        # Paid while the session runs: the way in comes with the confirmation.
        lines.append(_("The session has started: join it with the button below."))
        join = JoinSession(session_id=s.session_id).pack()
        rows.append([InlineKeyboardButton(text=_("🎥 Join"), callback_data=join)])
    lines.append(
        _("Add it to your calendar with the attached file or the button below. /mybookings lists your sessions.")
    )
    google = google_calendar_link(_student_title(s), s.starts_at, s.ends_at, ", ".join(p.booking.subjects))
    rows.append([InlineKeyboardButton(text=_("📅 Add to Google Calendar"), url=google)])
    keyboard = InlineKeyboardMarkup(inline_keyboard=rows)
    return Rendered("\n\n".join(lines), keyboard, _booking_file(p.booking, ctx, cancelled=False))


@renders(BookingReceived)
def _booking_received(p: BookingReceived, ctx: RenderContext) -> Rendered:
    s = p.booking.session
    seats = ""
    if s.session_type is SessionType.GROUP:
        seats = " · " + ngettext("{taken}/{capacity} seat taken", "{taken}/{capacity} seats taken", s.capacity).format(
            taken=p.booking.seats_taken, capacity=s.capacity
        )
    lines = [
        _("🆕 New booking: {student} booked your session of {when}.").format(
            student=p.student_name or "?", when=_when(s, ctx)
        ),
        "⏱ " + _("{n} min").format(n=s.minutes) + " · " + type_label(s.session_type, s.capacity) + seats,
    ]
    if p.booked_by_name:
        lines.append(
            "👪 "
            + _("Booked for {student} by their parent {parent}.").format(
                student=p.student_name or "?", parent=p.booked_by_name
            )
        )
    if p.note:
        lines.append("💬 " + _("Note from the student: {note}").format(note=p.note))
    lines.append(_("/sessions lists your upcoming sessions; the attached file adds it to your calendar."))
    return Rendered("\n".join(lines), document=_booking_tutor_file(p.booking, p.student_name, ctx, cancelled=False))


@renders(PackageBought)
def _package_bought(p: PackageBought, ctx: RenderContext) -> Rendered:
    until = fmt_date(p.expires_at, ctx.zone or "UTC", _locale())
    return Rendered(
        ngettext(
            "✅ {name} is yours: {n} lesson to book by {date}. /book offers it when you book.",
            "✅ {name} is yours: {n} lessons to book by {date}. /book offers them when you book.",
            p.lessons,
        ).format(name=p.package_name, n=p.lessons, date=until)
    )


@renders(PackageExpired)
def _package_expired(p: PackageExpired, ctx: RenderContext) -> Rendered:
    return Rendered(
        ngettext(
            "⌛ {name} has expired with {n} lesson not booked. Ask your tutor if you would like another package.",
            "⌛ {name} has expired with {n} lessons not booked. Ask your tutor if you would like another package.",
            p.unused,
        ).format(name=p.package_name, n=p.unused)
    )


@renders(CourseEnrolled)
def _course_enrolled(p: CourseEnrolled, ctx: RenderContext) -> Rendered:
    until = fmt_date(p.expires_at, ctx.zone or "UTC", _locale())
    text = ngettext(
        "🎓 You are enrolled in {name}: {n} session to book by {date}. Book it now, or later: until you do, "
        "I will remind you.",
        "🎓 You are enrolled in {name}: {n} sessions to book by {date}. Book the first one now, or later: until "
        "you do, I will remind you.",
        p.sessions,
    ).format(name=p.course_title, n=p.sessions, date=until)
    book = BookCourse(course_id=p.course_id).pack()
    later = ScheduleLater(course_id=p.course_id).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("📅 Book a session now"), callback_data=book)],
            [InlineKeyboardButton(text=_("⏳ Schedule later"), callback_data=later)],
        ]
    )
    return Rendered(text, keyboard)


@renders(CourseScheduleReminder)
def _course_reminder(p: CourseScheduleReminder, ctx: RenderContext) -> Rendered:
    until = fmt_date(p.expires_at, ctx.zone or "UTC", _locale())
    text = ngettext(
        "⏳ {name}: {left} of {n} session is still to book, by {date}. Shall we find a time?",
        "⏳ {name}: {left} of {n} sessions are still to book, by {date}. Shall we find a time?",
        p.sessions,
    ).format(name=p.course_title, left=p.left, n=p.sessions, date=until)
    book = BookCourse(course_id=p.course_id).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📅 Book a session"), callback_data=book)]]
    )
    return Rendered(text, keyboard)


@renders(CreditRefundRequested)
def _credit_refund_requested(p: CreditRefundRequested, ctx: RenderContext) -> Rendered:
    share = refund_share(p.credits, p.lessons, p.amount_minor, p.currency)
    text = _("💸 {student} asks for a refund of {name}: {share}.").format(
        student=p.student_name, name=p.package_name, share=share
    )
    approve = CreditRefundDecision(refund_id=p.refund_id, approve=True).pack()
    decline = CreditRefundDecision(refund_id=p.refund_id, approve=False).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Refund"), callback_data=approve),
                InlineKeyboardButton(text=_("❌ Decline"), callback_data=decline),
            ]
        ]
    )
    return Rendered(text, keyboard)


@renders(CreditRefundDeclined)
def _credit_refund_declined(p: CreditRefundDeclined, ctx: RenderContext) -> Rendered:
    return Rendered(
        ngettext(
            "Your refund of {name} was declined: its {n} lesson is yours to book again.",
            "Your refund of {name} was declined: its {n} lessons are yours to book again.",
            p.credits,
        ).format(name=p.package_name, n=p.credits)
    )


@renders(CreditRefunded)
def _credit_refunded(p: CreditRefunded, ctx: RenderContext) -> Rendered:
    return Rendered(
        ngettext(
            "↩️ Your refund of {name} is approved: {amount} for {n} unused lesson is on its way back to you.",
            "↩️ Your refund of {name} is approved: {amount} for {n} unused lessons is on its way back to you.",
            p.credits,
        ).format(name=p.package_name, n=p.credits, amount=fmt_money(p.amount_minor, p.currency, _locale()))
    )


@renders(HoldExpired)
def _hold_expired(p: HoldExpired, ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "⌛ Your seat for {when} with {tutor} was released: the payment did not arrive in time. "
            "You can book again with /book."
        ).format(when=_when(p.booking.session, ctx), tutor=p.booking.session.tutor_name)
    )


@renders(LatePaymentRefunded)
def _late_refund(p: LatePaymentRefunded, ctx: RenderContext) -> Rendered:
    s = p.booking.session
    values = {
        "when": _when(s, ctx),
        "tutor": s.tutor_name,
        "amount": fmt_money(p.booking.amount_minor, s.currency, _locale()),
    }
    if p.session_closed:
        return Rendered(
            _(
                "↩️ Your payment for {when} with {tutor} arrived after the session had ended or was cancelled. "
                "You will get {amount} back."
            ).format(**values)
        )
    return Rendered(
        _(
            "↩️ Your payment for {when} with {tutor} arrived after the hold had lapsed, and the seat was taken "
            "meanwhile. You will get {amount} back."
        ).format(**values)
    )


@renders(CancelledByStudent)
def _cancelled_by_student(p: CancelledByStudent, ctx: RenderContext) -> Rendered:
    text = _("❌ {student} cancelled their booking of {when}. The seat is open again.").format(
        student=p.student_name or "?", when=_when(p.booking.session, ctx)
    )
    if p.booking.session.session_type is SessionType.GROUP:
        # The group's entry stays in the tutor's calendar: the session still takes place.
        return Rendered(text)
    return Rendered(
        text + "\n" + _("The attached file removes it from your calendar."),
        document=_booking_tutor_file(p.booking, p.student_name, ctx, cancelled=True),
    )


@renders(BookingCancelled)
def _booking_cancelled(p: BookingCancelled, ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "🗓 Your session of {when} with {tutor} is cancelled: the attached file removes it from your calendar."
        ).format(when=_when(p.booking.session, ctx), tutor=p.booking.session.tutor_name),
        document=_booking_file(p.booking, ctx, cancelled=True),
    )


@renders(SessionCancelled)
def _session_cancelled(p: SessionCancelled, ctx: RenderContext) -> Rendered:
    s = p.booking.session
    lines = [_("❌ {tutor} cancelled your session of {when}.").format(tutor=s.tutor_name, when=_when(s, ctx))]
    if p.reason:
        lines.append(_("Reason: {reason}").format(reason=p.reason))
    if p.refund_minor:
        lines.append(
            _("You are refunded in full: {amount} is on its way back to you.").format(
                amount=fmt_money(p.refund_minor, s.currency, _locale())
            )
        )
    if p.credit_back:
        lines.append(_("The lesson is back in your package."))
    lines.append(_("/book finds another time."))
    if not p.was_booked:
        return Rendered("\n".join(lines))
    return Rendered("\n".join(lines), document=_booking_file(p.booking, ctx, cancelled=True))


@renders(SessionCancelledForTutor)
def _session_cancelled_for_tutor(p: SessionCancelledForTutor, ctx: RenderContext) -> Rendered:
    return Rendered(
        _("🗓 Your session of {when} is cancelled: the attached file removes it from your calendar.").format(
            when=_when(p.booking.session, ctx)
        ),
        document=_booking_tutor_file(p.booking, p.student_name, ctx, cancelled=True),
    )


@renders(SessionStarted)
def _session_started(p: SessionStarted, ctx: RenderContext) -> Rendered:
    text = _(
        "🎥 {tutor} started your session of {when}. Join with the button below; the same link works again if "
        "your connection drops."
    ).format(tutor=p.session.tutor_name, when=_when(p.session, ctx))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("🎥 Join"), url=p.join_url)]])
    return Rendered(text, keyboard)


@renders(SessionEnded)
def _session_ended(p: SessionEnded, ctx: RenderContext) -> Rendered:
    names = ", ".join(p.attended) or _("nobody")
    lasted = p.lasted
    lines = [
        ngettext(
            "✅ The session of {when} with {tutor} is over. It lasted {n} minute.",
            "✅ The session of {when} with {tutor} is over. It lasted {n} minutes.",
            lasted,
        ).format(when=_when(p.session, ctx), tutor=p.session.tutor_name, n=lasted),
        _("Attended: {names}").format(names=names),
    ]
    if p.absent and p.role == "student":
        lines.append(_("🚫 You did not join the video, so you are marked absent (the session is not refunded)."))
    if p.role == "tutor" and p.attended:
        lines.append(_("📝 Write your notes for the students: what you covered, and homework if any."))
        notes = WriteNotes(session_id=p.session.session_id).pack()
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=_("📝 Write notes"), callback_data=notes)]]
        )
        return Rendered("\n".join(lines), keyboard)
    return Rendered("\n".join(lines))


@renders(TutorLate)
def _tutor_late(p: TutorLate, ctx: RenderContext) -> Rendered:
    deadline = fmt_time(p.deadline, ctx.zone or p.session.tutor_zone, _locale())
    return Rendered(
        _(
            "⏳ Your session of {when} should have started, and {tutor} has not started it yet. If it has not "
            "started by {deadline}, you will be refunded in full."
        ).format(when=_when(p.session, ctx), tutor=p.session.tutor_name, deadline=deadline)
    )


@renders(TutorNoShow)
def _tutor_no_show(p: TutorNoShow, ctx: RenderContext) -> Rendered:
    s = p.session
    text = _("❌ {tutor} did not start your session of {when}.").format(tutor=s.tutor_name, when=_when(s, ctx))
    if p.refund_minor:
        text += " " + _("You are refunded in full: {amount} is on its way back to you.").format(
            amount=fmt_money(p.refund_minor, s.currency, _locale())
        )
    if p.credit_back:
        text += " " + _("The lesson is back in your package.")
    text += "\n" + _("/book finds another time.")
    if not p.participant_id:
        return Rendered(text)
    return Rendered(text, document=_student_file(s, p.participant_id, ctx, cancelled=True))


@renders(TutorNoShowNotice)
def _tutor_no_show_notice(p: TutorNoShowNotice, ctx: RenderContext) -> Rendered:
    s, refunds = p.session, p.refunds
    lines = [_("❌ You did not start your session of {when}: it counts as a no-show.").format(when=_when(s, ctx))]
    if refunds:
        lines.append(
            ngettext(
                "{n} student is refunded in full ({amount}).",
                "{n} students are refunded in full ({amount} in all).",
                refunds,
            ).format(n=refunds, amount=fmt_money(p.refund_minor, s.currency, _locale()))
        )
    if not p.participant_id:
        return Rendered("\n".join(lines))
    lines.append(_("The attached file removes it from your calendar."))
    return Rendered("\n".join(lines), document=_tutor_file(s, p.participant_id, p.student_name, ctx, cancelled=True))


@renders(ChatMessageArrived)
def _chat_message(p: ChatMessageArrived, ctx: RenderContext) -> Rendered:
    # The reply goes to the room of this participation, even if the slot was booked by someone else since.
    reply = OpenRoom(session_id=p.session_id, chat=True, participant_id=p.participant_id or 0).pack()
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("💬 Reply"), callback_data=reply)]])
    return Rendered(f"💬 {p.sender_name}: {p.text}", keyboard)


@renders(FileShared)
def _file_shared(p: FileShared, ctx: RenderContext) -> Rendered:
    room = OpenRoom(session_id=p.session_id, participant_id=p.participant_id or 0).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📎 All files"), callback_data=room)]]
    )
    text = _("📎 {who} shared {name} for the session with {tutor}.").format(
        who=p.uploader_name, name=p.file_name, tutor=p.tutor_name
    )
    return Rendered(text, keyboard, document_id=p.file_id)


def _before(minutes: int) -> str:
    if minutes % 1440 == 0:
        return ngettext("in {n} day", "in {n} days", minutes // 1440).format(n=minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("in {n} hour", "in {n} hours", minutes // 60).format(n=minutes // 60)
    return ngettext("in {n} minute", "in {n} minutes", minutes).format(n=minutes)


@renders(SessionReminder)
def _reminder(p: SessionReminder, ctx: RenderContext) -> Rendered:
    text = _("⏰ Reminder: your session with {tutor} starts {when_relative}, {when}.").format(
        tutor=p.session.tutor_name, when_relative=_before(p.minutes_before), when=_when(p.session, ctx)
    )
    keyboard = None
    if p.cancellable and p.participant_id:
        cancel = CancelBooking(participant_id=p.participant_id).pack()
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=cancel)]]
        )
    return Rendered(text, keyboard)


@renders(SessionStarting)
def _starting(p: SessionStarting, ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "⏰ Your session with {tutor} starts {when_relative}. The join button arrives when {tutor} starts it."
        ).format(tutor=p.session.tutor_name, when_relative=_before(p.minutes_before))
    )


@renders(StartAlert)
def _start_alert(p: StartAlert, ctx: RenderContext) -> Rendered:
    start = LiveSession(session_id=p.session.session_id, action="start").pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("▶️ Start the session"), callback_data=start)]]
    )
    return Rendered(
        _("⏰ Your session of {when} starts {when_relative}.").format(
            when=_when(p.session, ctx), when_relative=_before(p.minutes_before)
        ),
        keyboard,
    )


# After these, the screen the person has open may be out of date (a pay screen whose payment came in).
REFRESHING_KINDS = frozenset(
    {NotificationKind.BOOKING_CONFIRMED, NotificationKind.HOLD_EXPIRED, NotificationKind.LATE_PAYMENT_REFUNDED}
)


@renders(BookingMoved)
def _booking_moved(p: BookingMoved, ctx: RenderContext) -> Rendered:
    text = _(
        "🔁 Your session with {tutor} moved from {was} to {when}. The attached file updates your calendar."
    ).format(
        tutor=p.booking.session.tutor_name,
        was=ctx.at(p.was_starts_at, p.booking.session),
        when=_when(p.booking.session, ctx),
    )
    return Rendered(text, document=_booking_file(p.booking, ctx, cancelled=False))


@renders(BookingMovedForTutor)
def _booking_moved_for_tutor(p: BookingMovedForTutor, ctx: RenderContext) -> Rendered:
    text = _("🔁 {student} moved their session from {was} to {when}.").format(
        student=p.student_name or "?",
        was=ctx.at(p.was_starts_at, p.booking.session),
        when=_when(p.booking.session, ctx),
    )
    return Rendered(text, document=_booking_tutor_file(p.booking, p.student_name, ctx, cancelled=False))


# The messages after a lesson live in their own module; importing it registers their renderers.
from bot.texts import after_lesson, moves, waitlist  # noqa: E402, F401
