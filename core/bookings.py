"""Booking rules (spec 002 §2 and §10, spec 003 errors): what a student may book, and at what price."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.availability import window_days
from core.entities import BookingView, SessionRoster, Slot, TeachingSession, TutorProfile
from core.enums import ACTIVE_PARTICIPANT_STATUSES, ParticipantStatus, SessionStatus, SessionType, TutorStatus
from core.errors import Conflict, ValidationError
from core.money import price_for
from core.refund_policy import RefundPolicy, RefundTier, decode_policy
from core.rules import BusinessRules
from core.text import text_length
from core.timezones import local_day_bounds, utc_to_local

NOTE_MAX_LENGTH = 500
# What a tutor tells the participants when cancelling a session.
REASON_MAX_LENGTH = 300
# Stripe closes a checkout page no sooner than 30 minutes after it opens; our own hold is usually
# shorter and is enforced by expiring the page ourselves when it lapses.
MIN_CHECKOUT_LIFETIME = timedelta(minutes=31)


def booking_price(tutor: TutorProfile, slot: Slot) -> int:
    """Spec 002: hourly rate × duration / 60, in the tutor's currency (minor units)."""
    return price_for(tutor.hourly_rate_minor, slot.duration_minutes)


def check_bookable(
    slot: Slot,
    tutor: TutorProfile,
    student_id: int,
    now: datetime,
    rules: BusinessRules,
    session: TeachingSession | None = None,
    *,
    held_for_student: bool = False,
) -> None:
    """A slot is booked only before it starts and while its session (if any) is still scheduled: nobody
    pays for a session that is live, over or cancelled. (A hold taken before the tutor started and paid
    during the session is booked, with a join button: see core.usecases.payments.)"""
    if tutor.user_id == student_id:
        raise ValidationError("booking.own_slot")
    if tutor.status is not TutorStatus.APPROVED or slot.removed_at is not None:
        raise Conflict("booking.taken")
    if session is not None and session.status is SessionStatus.CANCELLED:
        raise Conflict("booking.taken")
    if slot.starts_at <= now or (session is not None and session.status is not SessionStatus.SCHEDULED):
        raise ValidationError("booking.past")
    if slot.book_by is not None and now >= slot.book_by:
        # Later than the tutor's booking notice: the time is no longer offered.
        raise ValidationError("booking.notice", minutes=tutor.booking_notice_minutes, tutor=tutor.display_name)
    _first, last = window_days(now, slot.timezone, rules.booking_window_days)
    if utc_to_local(slot.starts_at, slot.timezone).date() > last:
        # The window closes at the end of the tutor's last day: an instant, shown in the reader's zone.
        raise ValidationError(
            "booking.beyond_window",
            until=local_day_bounds(last, slot.timezone)[1],
            zone="UTC",
            days=rules.booking_window_days,
        )
    # A seat held for the student (offered from the waitlist) is already counted as taken.
    if slot.seats_left <= 0 and not held_for_student:
        raise full_error(slot)


def full_error(slot: Slot) -> Conflict:
    """A full group says "Session full"; a 1-to-1 slot someone else took is "no longer available"."""
    return Conflict("booking.full" if slot.session_type is SessionType.GROUP else "booking.taken")


def start_opens(slot: Slot, rules: BusinessRules) -> datetime:
    """The tutor may start a session from `start_window_minutes` before its start until its end."""
    return slot.starts_at - timedelta(minutes=rules.start_window_minutes)


def refund_policy_of(tutor: TutorProfile) -> RefundPolicy:
    """The tutor's tiers; without any, a full refund until the notice (spec 000's "X hours before")."""
    if tutor.refund_policy:
        return decode_policy(tutor.refund_policy)
    return RefundPolicy((RefundTier(tutor.cancellation_notice_hours, 100),))


def book_by(starts_at: datetime, notice_minutes: int) -> datetime | None:
    """A slot's last instant to book, under the tutor's booking notice (None: until the start)."""
    return starts_at - timedelta(minutes=notice_minutes) if notice_minutes else None


def clean_note(text: str | None) -> str | None:
    """The student's note to the tutor, refused (never cut) when over NOTE_MAX_LENGTH."""
    return _clean_message(text, NOTE_MAX_LENGTH, "booking.note_too_long")


def clean_cancel_reason(text: str | None) -> str | None:
    """The tutor's reason, refused (never cut) when longer than the participants' message allows."""
    return _clean_message(text, REASON_MAX_LENGTH, "cancel.reason_too_long")


def _clean_message(text: str | None, limit: int, code: str) -> str | None:
    cleaned = "".join(ch for ch in (text or "") if ch.isprintable() or ch == "\n").strip()
    if text_length(cleaned) > limit:
        raise ValidationError(code, max=limit)
    return cleaned or None


def hold_expiry(now: datetime, rules: BusinessRules) -> datetime:
    return now + timedelta(minutes=rules.payment_hold_minutes)


def checkout_expiry(hold_until: datetime, now: datetime) -> datetime:
    return max(hold_until, now + MIN_CHECKOUT_LIFETIME)


class Phase(StrEnum):
    """Where a booking or a session stands for the lists that show it."""

    LIVE = "live"
    UPCOMING = "upcoming"
    # Over, cancelled, missed, lapsed: history.
    PAST = "past"


def session_phase(session: TeachingSession, slot: Slot, now: datetime) -> Phase:
    if session.status is SessionStatus.IN_PROGRESS:
        return Phase.LIVE
    if session.status is SessionStatus.SCHEDULED and slot.ends_at > now:
        return Phase.UPCOMING
    return Phase.PAST


@dataclass(frozen=True, slots=True)
class BookingActions:
    """What the student may do with one booking now: the buttons a list shows, and what core allows."""

    phase: Phase
    pay: bool
    join: bool
    room: bool
    cancel: bool
    # Moved to another time of the same tutor (while a cancellation would give everything back).
    reschedule: bool = False


def student_may_cancel(booking: BookingView, now: datetime) -> str | None:
    """None if the student may cancel the booking now, else the error code that says why not."""
    if booking.participant.status not in ACTIVE_PARTICIPANT_STATUSES:
        return "cancel.not_active"
    # Any time before the start: the tutor's policy says what comes back (core.refund_policy).
    if booking.slot.starts_at <= now or booking.session.status is not SessionStatus.SCHEDULED:
        return "cancel.started"
    return None


def reschedule_refusal(booking: BookingView, now: datetime) -> str | None:
    """None if the student may move the booking to another time now, else the error code that says why not."""
    if booking.participant.status is not ParticipantStatus.BOOKED:
        return "reschedule.not_booked"
    if booking.slot.starts_at <= now or booking.session.status is not SessionStatus.SCHEDULED:
        return "cancel.started"
    # Moving a lesson is cancelling it and booking another: only while the policy gives everything back.
    if refund_policy_of(booking.tutor).percent_at(booking.slot.starts_at, now) < 100:
        return "reschedule.too_late"
    return None


def booking_actions(booking: BookingView, now: datetime) -> BookingActions:
    participant, session = booking.participant, booking.session
    active = participant.status in ACTIVE_PARTICIPANT_STATUSES
    phase = session_phase(session, booking.slot, now) if active else Phase.PAST
    booked = participant.status is ParticipantStatus.BOOKED
    holding = (
        participant.status is ParticipantStatus.PENDING_PAYMENT
        and (participant.hold_expires_at is None or participant.hold_expires_at > now)
        and booking.payment is not None
        and booking.payment.checkout_url is not None
    )
    return BookingActions(
        phase=phase,
        pay=holding and phase is not Phase.PAST,
        join=booked and phase is Phase.LIVE,
        room=booked and phase is not Phase.PAST,
        cancel=student_may_cancel(booking, now) is None,
        reschedule=reschedule_refusal(booking, now) is None,
    )


@dataclass(frozen=True, slots=True)
class SessionActions:
    """What the tutor may do with one of their sessions now: the buttons /sessions shows."""

    phase: Phase
    start: bool
    join: bool
    room: bool
    cancel: bool
    # The lesson took place and someone attended: the tutor writes notes.
    notes: bool = False
    # An upcoming 1-to-1 lesson's student: the tutor may propose another time.
    propose_to: int | None = None


def session_actions(roster: SessionRoster, now: datetime, rules: BusinessRules) -> SessionActions:
    phase = session_phase(roster.session, roster.slot, now)
    upcoming = phase is Phase.UPCOMING
    return SessionActions(
        phase=phase,
        start=upcoming and start_opens(roster.slot, rules) <= now < roster.slot.ends_at,
        join=phase is Phase.LIVE,
        room=phase is not Phase.PAST and any(p.status is ParticipantStatus.BOOKED for p, _u in roster.participants),
        cancel=upcoming and roster.slot.starts_at > now,
        notes=roster.session.status is SessionStatus.COMPLETED
        and any(p.status is ParticipantStatus.BOOKED for p, _u in roster.participants),
        propose_to=next(
            (p.id for p, _u in roster.participants if p.status is ParticipantStatus.BOOKED),
            None,
        )
        if upcoming and roster.slot.starts_at > now and roster.slot.session_type is SessionType.ONE_TO_ONE
        else None,
    )
