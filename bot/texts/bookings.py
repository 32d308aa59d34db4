"""How a booking reads: the summary shown before booking, in confirmations and in lists. Times are
shown in the reader's zone, and in the tutor's too when they differ."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.texts.slots import type_label
from core.entities import BookingView
from core.enums import ParticipantStatus, PaymentStatus, SessionStatus
from core.notifications import BookingFacts, SessionFacts
from l10n.formatting import fmt_datetime, fmt_money, fmt_time, fmt_time_zoned


def _locale() -> str:
    return get_i18n().current_locale


def hourly_rate(amount_minor: int, currency: str) -> str:
    """ "€60.00 per hour", or "free of charge"."""
    if amount_minor == 0:
        return _("free of charge")
    return _("{amount} per hour").format(amount=fmt_money(amount_minor, currency, _locale()))


def when_line(starts_at: datetime, ends_at: datetime, reader_zone: str, tutor_zone: str, tutor_name: str) -> str:
    """ "🗓 Mon 23 Mar 2026, 18:00 (Paris, UTC+1) – 19:00", plus the tutor's own time when it differs."""
    locale = _locale()
    line = f"🗓 {fmt_datetime(starts_at, reader_zone, locale)} – {fmt_time(ends_at, reader_zone, locale)}"
    if reader_zone != tutor_zone:
        line += "\n   " + _("({time} for {tutor})").format(
            time=fmt_datetime(starts_at, tutor_zone, locale), tutor=tutor_name
        )
    return line


def summary(session: SessionFacts, reader_zone: str, amount_minor: int, *, credit: bool = False) -> str:
    """Who, when (in the reader's zone), how long and what kind, and the price of one seat."""
    if credit:
        price = _("paid with 1 package credit")
    else:
        price = _("free of charge") if amount_minor == 0 else fmt_money(amount_minor, session.currency, _locale())
    return "\n".join(
        [
            f"🧑‍🏫 {session.tutor_name}",
            when_line(session.starts_at, session.ends_at, reader_zone, session.tutor_zone, session.tutor_name),
            "⏱ " + _("{n} min").format(n=session.minutes) + " · " + type_label(session.session_type, session.capacity),
            "💶 " + price,
        ]
    )


def summary_of(booking: BookingFacts, reader_zone: str) -> str:
    return summary(booking.session, reader_zone, booking.amount_minor, credit=booking.paid_with_credit)


def status_label(booking: BookingView, now: datetime, reader_zone: str) -> str:
    """Where a booking stands, following its session: live, done, cancelled by the tutor, no-show."""
    participant, payment, session = booking.participant, booking.payment, booking.session
    refund = ""
    if payment is not None and payment.status is PaymentStatus.REFUND_PENDING:
        refund = " · " + _("refund on its way")
    elif payment is not None and payment.status is PaymentStatus.REFUNDED and payment.refund_minor is not None:
        # Part of it, under the tutor's policy.
        refund = " · " + _("{amount} refunded").format(
            amount=fmt_money(payment.refund_minor, payment.currency, _locale())
        )
    elif payment is not None and payment.status is PaymentStatus.REFUNDED and payment.amount_minor:
        refund = " · " + _("refunded")
    if session.status is SessionStatus.CANCELLED and participant.status is not ParticipantStatus.EXPIRED:
        return _("❌ cancelled by the tutor") + refund
    if session.status is SessionStatus.NO_SHOW and participant.status is not ParticipantStatus.EXPIRED:
        return _("❌ the tutor did not start it") + refund
    if participant.status is ParticipantStatus.BOOKED:
        if session.status is SessionStatus.IN_PROGRESS:
            return _("🎥 live now")
        if session.status is SessionStatus.COMPLETED or booking.slot.ends_at <= now:
            return _("✔️ done")
        return _("✅ booked")
    if participant.status is ParticipantStatus.PENDING_PAYMENT:
        until = participant.hold_expires_at or now
        return _("⏳ awaiting payment until {time}").format(time=fmt_time_zoned(until, reader_zone, _locale()))
    if participant.status is ParticipantStatus.EXPIRED:
        return _("⌛ hold expired")
    if participant.status is ParticipantStatus.NO_SHOW:
        return _("🚫 missed")
    return _("❌ cancelled") + refund


def status_word(status: ParticipantStatus) -> str:
    """One word for where a participation stands, as lists and rooms show it."""
    return {
        ParticipantStatus.PENDING_PAYMENT: _("awaiting payment"),
        ParticipantStatus.BOOKED: _("booked"),
        ParticipantStatus.CANCELLED: _("cancelled"),
        ParticipantStatus.EXPIRED: _("hold expired"),
        ParticipantStatus.NO_SHOW: _("missed"),
    }[status]


def google_calendar_link(title: str, starts_at: datetime, ends_at: datetime, details: str) -> str:
    def stamp(instant: datetime) -> str:
        return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = urlencode(
        {"action": "TEMPLATE", "text": title, "dates": f"{stamp(starts_at)}/{stamp(ends_at)}", "details": details}
    )
    return f"https://calendar.google.com/calendar/render?{query}"
