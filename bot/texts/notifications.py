"""How each outbox notification reads, rendered in the recipient's locale and zone at delivery time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.callbacks import CancelBooking, JoinSession, LiveSession, OpenRoom, TutorReview
from bot.texts.bookings import google_calendar_link, summary_from_payload
from bot.texts.slots import type_label
from core.calendar import CalendarEvent, CalendarFiles, booking_uid, tutor_uid
from core.entities import User
from core.enums import SessionType
from core.notifications import NotificationKind
from l10n.formatting import fmt_datetime, fmt_money, fmt_time


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


Renderer = Callable[[dict[str, Any], RenderContext], Rendered]


def _locale() -> str:
    return get_i18n().current_locale


def _review_requested(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    handle = f" (@{p['username']})" if p.get("username") else ""
    text = _(
        "🆕 A new tutor waits for your review.\n\n"
        "Name: {name}{handle}\nSubjects: {subjects}\nRate: {rate} per hour\nTime zone: {zone}"
    ).format(
        name=p["display_name"],
        handle=handle,
        subjects=", ".join(p["subjects"]),
        rate=fmt_money(int(p["hourly_rate_minor"]), str(p["currency"]), _locale()),
        zone=p["timezone"],
    )
    approve = TutorReview(tutor_id=p["tutor_id"], approve=True).pack()
    reject = TutorReview(tutor_id=p["tutor_id"], approve=False).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Approve"), callback_data=approve),
                InlineKeyboardButton(text=_("❌ Reject"), callback_data=reject),
            ]
        ]
    )
    return Rendered(text, keyboard)


def _approved(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(_("🎉 Your tutor profile is approved: students can now find you."))


def _rejected(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        _("Your tutor profile was not approved. You can change it with /settings and it will be reviewed again.")
    )


def _when(p: dict[str, Any], ctx: RenderContext) -> str:
    return fmt_datetime(datetime.fromisoformat(p["starts_at"]), ctx.zone or str(p["tutor_zone"]), _locale())


def _calendar_file(
    p: dict[str, Any], ctx: RenderContext, *, uid: str, title: str, cancelled: bool
) -> tuple[str, bytes]:
    event = CalendarEvent(
        uid=uid,
        start=datetime.fromisoformat(p["starts_at"]),
        end=datetime.fromisoformat(p["ends_at"]),
        summary=title,
        description=", ".join(p.get("subjects") or []),
        stamp=ctx.now,
        organizer_name=str(p["tutor_name"]),
        organizer_uri=f"tg://user?id={int(p.get('tutor_user_id') or 0)}",
        url=ctx.bot_url,
        cancelled=cancelled,
    )
    return ("tutorbot-cancelled.ics" if cancelled else "tutorbot-session.ics"), ctx.calendar.ics(event)


def _student_title(p: dict[str, Any]) -> str:
    return _("Lesson with {tutor}").format(tutor=p["tutor_name"])


def _tutor_title(p: dict[str, Any]) -> str:
    if SessionType(p["session_type"]) is SessionType.GROUP:
        capacity = int(p["capacity"])
        return ngettext("Group lesson ({n} seat)", "Group lesson ({n} seats)", capacity).format(n=capacity)
    return _("Lesson with {student}").format(student=p.get("student_name") or "?")


def _student_file(p: dict[str, Any], ctx: RenderContext, *, cancelled: bool) -> tuple[str, bytes]:
    return _calendar_file(
        p, ctx, uid=booking_uid(int(p["participant_id"])), title=_student_title(p), cancelled=cancelled
    )


def _tutor_file(p: dict[str, Any], ctx: RenderContext, *, cancelled: bool) -> tuple[str, bytes]:
    uid = tutor_uid(str(p["session_type"]), int(p["session_id"]), int(p.get("participant_id") or 0))
    return _calendar_file(p, ctx, uid=uid, title=_tutor_title(p), cancelled=cancelled)


def _booking_confirmed(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    zone = ctx.zone or str(p["tutor_zone"])
    lines = [_("✅ Session booked!"), summary_from_payload(p, zone)]
    if p.get("late"):
        lines.append(_("Your payment arrived after the hold had lapsed, but the seat was still free."))
    rows = []
    if p.get("live"):
        # Paid while the session runs: the way in comes with the confirmation.
        lines.append(_("The session has started: join it with the button below."))
        join = JoinSession(session_id=int(p["session_id"])).pack()
        rows.append([InlineKeyboardButton(text=_("🎥 Join"), callback_data=join)])
    lines.append(
        _("Add it to your calendar with the attached file or the button below. /mybookings lists your sessions.")
    )
    starts_at, ends_at = datetime.fromisoformat(p["starts_at"]), datetime.fromisoformat(p["ends_at"])
    google = google_calendar_link(_student_title(p), starts_at, ends_at, ", ".join(p.get("subjects") or []))
    rows.append([InlineKeyboardButton(text=_("📅 Add to Google Calendar"), url=google)])
    keyboard = InlineKeyboardMarkup(inline_keyboard=rows)
    return Rendered("\n\n".join(lines), keyboard, _student_file(p, ctx, cancelled=False))


def _booking_received(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    zone = ctx.zone or str(p["tutor_zone"])
    seats = ""
    if SessionType(p["session_type"]) is SessionType.GROUP:
        capacity = int(p["capacity"])
        seats = " · " + ngettext("{taken}/{capacity} seat taken", "{taken}/{capacity} seats taken", capacity).format(
            taken=p["seats_taken"], capacity=capacity
        )
    lines = [
        _("🆕 New booking: {student} booked your session of {when}.").format(
            student=p.get("student_name") or "?",
            when=fmt_datetime(datetime.fromisoformat(p["starts_at"]), zone, _locale()),
        ),
        "⏱ "
        + _("{n} min").format(n=p["minutes"])
        + " · "
        + type_label(SessionType(p["session_type"]), int(p["capacity"]))
        + seats,
    ]
    if p.get("note"):
        lines.append("💬 " + _("Note from the student: {note}").format(note=p["note"]))
    lines.append(_("/sessions lists your upcoming sessions; the attached file adds it to your calendar."))
    return Rendered("\n".join(lines), document=_tutor_file(p, ctx, cancelled=False))


def _hold_expired(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "⌛ Your seat for {when} with {tutor} was released: the payment did not arrive in time. "
            "You can book again with /book."
        ).format(when=_when(p, ctx), tutor=p["tutor_name"])
    )


def _late_refund(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    values = {
        "when": _when(p, ctx),
        "tutor": p["tutor_name"],
        "amount": fmt_money(int(p["amount_minor"]), str(p["currency"]), _locale()),
    }
    if p.get("session_closed"):
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


def _cancelled_by_student(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    text = _("❌ {student} cancelled their booking of {when}. The seat is open again.").format(
        student=p.get("student_name") or "?", when=_when(p, ctx)
    )
    if SessionType(p["session_type"]) is SessionType.GROUP:
        # The group's entry stays in the tutor's calendar: the session still takes place.
        return Rendered(text)
    return Rendered(
        text + "\n" + _("The attached file removes it from your calendar."),
        document=_tutor_file(p, ctx, cancelled=True),
    )


def _booking_cancelled(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "🗓 Your session of {when} with {tutor} is cancelled: the attached file removes it from your calendar."
        ).format(when=_when(p, ctx), tutor=p["tutor_name"]),
        document=_student_file(p, ctx, cancelled=True),
    )


def _session_cancelled(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    lines = [_("❌ {tutor} cancelled your session of {when}.").format(tutor=p["tutor_name"], when=_when(p, ctx))]
    if p.get("reason"):
        lines.append(_("Reason: {reason}").format(reason=p["reason"]))
    refund = int(p.get("refund_minor") or 0)
    if refund:
        lines.append(
            _("You are refunded in full: {amount} is on its way back to you.").format(
                amount=fmt_money(refund, str(p["currency"]), _locale())
            )
        )
    lines.append(_("/book finds another time."))
    if not p.get("was_booked"):
        return Rendered("\n".join(lines))
    return Rendered("\n".join(lines), document=_student_file(p, ctx, cancelled=True))


def _session_cancelled_for_tutor(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        _("🗓 Your session of {when} is cancelled: the attached file removes it from your calendar.").format(
            when=_when(p, ctx)
        ),
        document=_tutor_file(p, ctx, cancelled=True),
    )


def _session_started(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    text = _(
        "🎥 {tutor} started your session of {when}. Join with the button below; the same link works again if "
        "your connection drops."
    ).format(tutor=p["tutor_name"], when=_when(p, ctx))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("🎥 Join"), url=p["join_url"])]])
    return Rendered(text, keyboard)


def _session_ended(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    names = ", ".join(p.get("attended") or []) or _("nobody")
    lasted = int(p.get("lasted", 0))
    lines = [
        ngettext(
            "✅ The session of {when} with {tutor} is over. It lasted {n} minute.",
            "✅ The session of {when} with {tutor} is over. It lasted {n} minutes.",
            lasted,
        ).format(when=_when(p, ctx), tutor=p["tutor_name"], n=lasted),
        _("Attended: {names}").format(names=names),
    ]
    if p.get("absent") and p.get("role", "student") == "student":
        lines.append(_("🚫 You did not join the video, so you are marked absent (the session is not refunded)."))
    return Rendered("\n".join(lines))


def _tutor_late(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    deadline = fmt_time(datetime.fromisoformat(p["deadline"]), ctx.zone or str(p["tutor_zone"]), _locale())
    return Rendered(
        _(
            "⏳ Your session of {when} should have started, and {tutor} has not started it yet. If it has not "
            "started by {deadline}, you will be refunded in full."
        ).format(when=_when(p, ctx), tutor=p["tutor_name"], deadline=deadline)
    )


def _tutor_no_show(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    refund = int(p.get("refund_minor") or 0)
    text = _("❌ {tutor} did not start your session of {when}.").format(tutor=p["tutor_name"], when=_when(p, ctx))
    if refund:
        text += " " + _("You are refunded in full: {amount} is on its way back to you.").format(
            amount=fmt_money(refund, str(p["currency"]), _locale())
        )
    text += "\n" + _("/book finds another time.")
    if not p.get("participant_id"):
        return Rendered(text)
    return Rendered(text, document=_student_file(p, ctx, cancelled=True))


def _tutor_no_show_notice(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    refunds = int(p.get("refunds") or 0)
    lines = [_("❌ You did not start your session of {when}: it counts as a no-show.").format(when=_when(p, ctx))]
    if refunds:
        lines.append(
            ngettext(
                "{n} student is refunded in full ({amount}).",
                "{n} students are refunded in full ({amount} in all).",
                refunds,
            ).format(n=refunds, amount=fmt_money(int(p.get("refund_minor") or 0), str(p["currency"]), _locale()))
        )
    if not p.get("participant_id"):
        return Rendered("\n".join(lines))
    lines.append(_("The attached file removes it from your calendar."))
    return Rendered("\n".join(lines), document=_tutor_file(p, ctx, cancelled=True))


def _chat_message(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    # The reply goes to the room of this participation, even if the slot was booked by someone else since.
    reply = OpenRoom(
        session_id=int(p["session_id"]), chat=True, participant_id=int(p.get("participant_id") or 0)
    ).pack()
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("💬 Reply"), callback_data=reply)]])
    return Rendered(f"💬 {p['sender_name']}: {p['text']}", keyboard)


def _file_shared(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    room = OpenRoom(session_id=int(p["session_id"]), participant_id=int(p.get("participant_id") or 0)).pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("📎 All files"), callback_data=room)]]
    )
    text = _("📎 {who} shared {name} for the session with {tutor}.").format(
        who=p["uploader_name"], name=p["file_name"], tutor=p["tutor_name"]
    )
    return Rendered(text, keyboard, document_id=str(p["file_id"]))


def _before(minutes: int) -> str:
    if minutes % 1440 == 0:
        return ngettext("in {n} day", "in {n} days", minutes // 1440).format(n=minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("in {n} hour", "in {n} hours", minutes // 60).format(n=minutes // 60)
    return ngettext("in {n} minute", "in {n} minutes", minutes).format(n=minutes)


def _reminder(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    text = _("⏰ Reminder: your session with {tutor} starts {when_relative}, {when}.").format(
        tutor=p["tutor_name"], when_relative=_before(int(p["minutes_before"])), when=_when(p, ctx)
    )
    keyboard = None
    if p.get("cancellable") and p.get("participant_id"):
        cancel = CancelBooking(participant_id=int(p["participant_id"])).pack()
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=_("✖️ Cancel"), callback_data=cancel)]]
        )
    return Rendered(text, keyboard)


def _starting(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    return Rendered(
        _(
            "⏰ Your session with {tutor} starts {when_relative}. The join button arrives when {tutor} starts it."
        ).format(tutor=p["tutor_name"], when_relative=_before(int(p["minutes_before"])))
    )


def _start_alert(p: dict[str, Any], ctx: RenderContext) -> Rendered:
    start = LiveSession(session_id=int(p["session_id"]), action="start").pack()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_("▶️ Start the session"), callback_data=start)]]
    )
    return Rendered(
        _("⏰ Your session of {when} starts {when_relative}.").format(
            when=_when(p, ctx), when_relative=_before(int(p["minutes_before"]))
        ),
        keyboard,
    )


RENDERERS: dict[str, Renderer] = {
    NotificationKind.TUTOR_REVIEW_REQUESTED: _review_requested,
    NotificationKind.TUTOR_APPROVED: _approved,
    NotificationKind.TUTOR_REJECTED: _rejected,
    NotificationKind.BOOKING_CONFIRMED: _booking_confirmed,
    NotificationKind.BOOKING_RECEIVED: _booking_received,
    NotificationKind.HOLD_EXPIRED: _hold_expired,
    NotificationKind.LATE_PAYMENT_REFUNDED: _late_refund,
    NotificationKind.BOOKING_CANCELLED_BY_STUDENT: _cancelled_by_student,
    NotificationKind.BOOKING_CANCELLED: _booking_cancelled,
    NotificationKind.SESSION_CANCELLED: _session_cancelled,
    NotificationKind.SESSION_CANCELLED_FOR_TUTOR: _session_cancelled_for_tutor,
    NotificationKind.SESSION_STARTED: _session_started,
    NotificationKind.SESSION_ENDED: _session_ended,
    NotificationKind.TUTOR_LATE: _tutor_late,
    NotificationKind.TUTOR_NO_SHOW: _tutor_no_show,
    NotificationKind.TUTOR_NO_SHOW_NOTICE: _tutor_no_show_notice,
    NotificationKind.CHAT_MESSAGE: _chat_message,
    NotificationKind.FILE_SHARED: _file_shared,
    NotificationKind.REMINDER: _reminder,
    NotificationKind.SESSION_STARTING: _starting,
    NotificationKind.START_ALERT: _start_alert,
}


# After these, the screen the person has open may be out of date (a pay screen whose payment came in).
REFRESHING_KINDS = frozenset(
    {NotificationKind.BOOKING_CONFIRMED, NotificationKind.HOLD_EXPIRED, NotificationKind.LATE_PAYMENT_REFUNDED}
)
