"""Booking rules (spec 002 §2 and §10, spec 003 errors): what a student may book, and at what price."""

from datetime import datetime, timedelta

from core.availability import window_days
from core.entities import Slot, TutorProfile
from core.enums import SessionType, TutorStatus
from core.errors import Conflict, ValidationError
from core.money import price_for
from core.rules import BusinessRules
from core.timezones import utc_to_local

NOTE_MAX_LENGTH = 500
# Stripe closes a checkout page no sooner than 30 minutes after it opens; our own hold is usually
# shorter and is enforced by expiring the page ourselves when it lapses.
MIN_CHECKOUT_LIFETIME = timedelta(minutes=31)


def booking_price(tutor: TutorProfile, slot: Slot) -> int:
    """Spec 002: hourly rate × duration / 60, in the tutor's currency (minor units)."""
    return price_for(tutor.hourly_rate_minor, slot.duration_minutes)


def check_bookable(slot: Slot, tutor: TutorProfile, student_id: int, now: datetime, rules: BusinessRules) -> None:
    if tutor.user_id == student_id:
        raise ValidationError("booking.own_slot")
    if tutor.status is not TutorStatus.APPROVED:
        raise Conflict("booking.taken")
    if slot.starts_at <= now:
        raise ValidationError("booking.past")
    _first, last = window_days(now, slot.timezone, rules.booking_window_days)
    if utc_to_local(slot.starts_at, slot.timezone).date() > last:
        raise ValidationError("booking.beyond_window", last_day=last)
    if slot.seats_left <= 0:
        raise full_error(slot)


def full_error(slot: Slot) -> Conflict:
    """A full group says "Session full"; a 1-to-1 slot someone else took is "no longer available"."""
    return Conflict("booking.full" if slot.session_type is SessionType.GROUP else "booking.taken")


def cancellation_deadline(slot: Slot, tutor: TutorProfile) -> datetime:
    """Spec 002: any time before the start; a tutor may ask for notice (spec 000's "X hours before")."""
    return slot.starts_at - timedelta(hours=tutor.cancellation_notice_hours)


def clean_note(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = "".join(ch for ch in text if ch.isprintable() or ch == "\n").strip()
    if len(cleaned) > NOTE_MAX_LENGTH:
        raise ValidationError("booking.note_too_long", max=NOTE_MAX_LENGTH)
    return cleaned or None


def hold_expiry(now: datetime, rules: BusinessRules) -> datetime:
    return now + timedelta(minutes=rules.payment_hold_minutes)


def checkout_expiry(hold_until: datetime, now: datetime) -> datetime:
    return max(hold_until, now + MIN_CHECKOUT_LIFETIME)
