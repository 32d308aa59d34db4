"""Domain entities (spec 002 §7), as plain dataclasses.

Every datetime is an aware UTC instant. Money is an integer amount in the currency's minor unit plus its
ISO 4217 code. Identifiers are assigned by storage; a new entity carries `id=0` until it is added.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any, TypeVar

from core.enums import (
    AttendanceEnd,
    AttendanceSource,
    OutboxStatus,
    ParticipantStatus,
    PaymentStatus,
    ReminderKind,
    ReminderStatus,
    Role,
    SessionStatus,
    SessionType,
    TutorStatus,
)


class IllegalTransition(ValueError):
    """A use case tried a move its entity's status does not allow: a bug to fix, never the person's input
    (the use cases check the state first and refuse with a domain error)."""


_Changing = TypeVar("_Changing", "TeachingSession", "Participant", "Payment", "TutorProfile")


def _moved(entity: _Changing, moves: Mapping[str, frozenset[Any]], move: str, to: Any, **changes: Any) -> _Changing:
    """`entity` after `move` (a key of its table of moves: the statuses it is legal from)."""
    if entity.status not in moves[move]:
        raise IllegalTransition(f"{type(entity).__name__} {entity.id}: {move} from {entity.status}")
    return replace(entity, status=to, **changes)


@dataclass(slots=True, kw_only=True)
class User:
    # The Telegram user id; in a private chat it is also the chat id the bot writes to.
    id: int
    first_name: str
    username: str | None = None
    # A supported language code ("en", "fr"); None until known.
    language: str | None = None
    # IANA zone name; None until the user picked one during onboarding.
    timezone: str | None = None
    role: Role | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def onboarded(self) -> bool:
        return self.timezone is not None and self.role is not None


@dataclass(slots=True, kw_only=True)
class TutorProfile:
    id: int = 0
    user_id: int
    display_name: str
    subjects: list[str] = field(default_factory=list)
    hourly_rate_minor: int
    currency: str
    timezone: str
    buffer_minutes: int = 15
    # 0 means "any time before the start" (spec 002 §3.1). With no `refund_policy`, the policy is a full
    # refund until this notice, nothing after.
    cancellation_notice_hours: int = 0
    # The tiers of what comes back when a student cancels ("24:100,2:50", core.refund_policy).
    refund_policy: str | None = None
    # How long before a start a session can still be booked; later times are not offered.
    booking_notice_minutes: int = 0
    status: TutorStatus = TutorStatus.PENDING
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def approve(self, admin_id: int | None, now: datetime) -> "TutorProfile":
        """Approved by `admin_id`; None when no admins are configured and every tutor is approved at once."""
        return _moved(
            self, TUTOR_MOVES, "approve", TutorStatus.APPROVED, reviewed_by=admin_id, reviewed_at=now, updated_at=now
        )

    def reject(self, admin_id: int, now: datetime) -> "TutorProfile":
        return _moved(
            self, TUTOR_MOVES, "reject", TutorStatus.REJECTED, reviewed_by=admin_id, reviewed_at=now, updated_at=now
        )

    def resubmit(self, now: datetime) -> "TutorProfile":
        """A rejected tutor changed the profile: it waits for a review again."""
        return _moved(self, TUTOR_MOVES, "resubmit", TutorStatus.PENDING, updated_at=now)


# Spec 002 §3.1: an admin approves or rejects a new tutor once; a rejected tutor may change the profile
# and ask again.
TUTOR_MOVES: Mapping[str, frozenset[TutorStatus]] = {
    "approve": frozenset({TutorStatus.PENDING}),
    "reject": frozenset({TutorStatus.PENDING}),
    "resubmit": frozenset({TutorStatus.REJECTED}),
}


@dataclass(slots=True, kw_only=True)
class Slot:
    id: int = 0
    tutor_id: int
    starts_at: datetime
    ends_at: datetime
    # The tutor's zone when the slot was made: the wall-clock time the tutor meant.
    timezone: str
    session_type: SessionType
    capacity: int
    seats_taken: int = 0
    # The weekly pattern that generated the slot, if any.
    pattern_id: int | None = None
    # The tutor deleted the slot while it held history: gone from every schedule, kept for its bookings.
    removed_at: datetime | None = None
    # The last instant it can be booked (its tutor's booking notice before the start); None: until the start.
    book_by: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken


@dataclass(slots=True, kw_only=True)
class WeeklyPattern:
    """Recurring availability, e.g. "Mon and Wed, 16:00-19:00, 60-minute 1-to-1", in wall-clock time of
    `timezone`: it stays 16:00 for the tutor across DST changes."""

    id: int = 0
    tutor_id: int
    # 0 = Monday ... 6 = Sunday, as date.weekday().
    weekdays: frozenset[int]
    window_start: time
    window_end: time
    session_minutes: int
    session_type: SessionType
    capacity: int
    timezone: str
    # The last local day already turned into slots; the daily job continues from the day after.
    expanded_until: date | None = None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DayOff:
    """A day the tutor does not teach: no slot is created on it, by hand, copy or pattern."""

    tutor_id: int
    day: date


@dataclass(slots=True, kw_only=True)
class TeachingSession:
    id: int = 0
    slot_id: int
    tutor_id: int
    status: SessionStatus = SessionStatus.SCHEDULED
    channel_name: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancel_reason: str | None = None
    created_at: datetime
    updated_at: datetime

    def start(self, now: datetime, channel: str) -> "TeachingSession":
        return _moved(
            self,
            SESSION_MOVES,
            "start",
            SessionStatus.IN_PROGRESS,
            started_at=now,
            channel_name=channel,
            updated_at=now,
        )

    def complete(self, now: datetime) -> "TeachingSession":
        return _moved(self, SESSION_MOVES, "complete", SessionStatus.COMPLETED, completed_at=now, updated_at=now)

    def cancel(self, now: datetime, reason: str | None) -> "TeachingSession":
        return _moved(self, SESSION_MOVES, "cancel", SessionStatus.CANCELLED, cancel_reason=reason, updated_at=now)

    def tutor_no_show(self, now: datetime) -> "TeachingSession":
        return _moved(self, SESSION_MOVES, "tutor_no_show", SessionStatus.NO_SHOW, updated_at=now)


# Spec 002 §4.1: a session is started, then completed; or cancelled, or its tutor never came. Each move,
# and the statuses it is legal from.
SESSION_MOVES: Mapping[str, frozenset[SessionStatus]] = {
    "start": frozenset({SessionStatus.SCHEDULED}),
    "complete": frozenset({SessionStatus.IN_PROGRESS}),
    "cancel": frozenset({SessionStatus.SCHEDULED}),
    "tutor_no_show": frozenset({SessionStatus.SCHEDULED}),
}


@dataclass(slots=True, kw_only=True)
class Participant:
    id: int = 0
    session_id: int
    user_id: int
    status: ParticipantStatus = ParticipantStatus.PENDING_PAYMENT
    hold_expires_at: datetime | None = None
    booked_at: datetime | None = None
    cancelled_at: datetime | None = None
    note: str | None = None
    reminders_enabled: bool = True
    # A parent who booked for the student (their child); None when the student booked themselves.
    booked_by: int | None = None
    # Times the booking was moved to another slot (its calendar entry's revision).
    moves: int = 0
    created_at: datetime
    updated_at: datetime

    def book(self, now: datetime) -> "Participant":
        return _moved(self, PARTICIPANT_MOVES, "book", ParticipantStatus.BOOKED, booked_at=now, updated_at=now)

    def cancel(self, now: datetime) -> "Participant":
        return _moved(self, PARTICIPANT_MOVES, "cancel", ParticipantStatus.CANCELLED, cancelled_at=now, updated_at=now)

    def expire(self, now: datetime) -> "Participant":
        return _moved(self, PARTICIPANT_MOVES, "expire", ParticipantStatus.EXPIRED, updated_at=now)

    def absent(self, now: datetime) -> "Participant":
        return _moved(self, PARTICIPANT_MOVES, "absent", ParticipantStatus.NO_SHOW, updated_at=now)


PARTICIPANT_MOVES: Mapping[str, frozenset[ParticipantStatus]] = {
    # A payment that comes after the hold lapsed books the seat if it is still free.
    "book": frozenset({ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.EXPIRED}),
    "cancel": frozenset({ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.BOOKED}),
    "expire": frozenset({ParticipantStatus.PENDING_PAYMENT}),
    "absent": frozenset({ParticipantStatus.BOOKED}),
}


@dataclass(slots=True, kw_only=True)
class Payment:
    id: int = 0
    participant_id: int
    amount_minor: int
    currency: str
    status: PaymentStatus = PaymentStatus.PENDING
    provider: str = "stripe"
    checkout_session_id: str | None = None
    checkout_url: str | None = None
    # The checkout session's status as the provider last reported it: "open", "complete", "expired".
    provider_status: str | None = None
    payment_intent_id: str | None = None
    refund_id: str | None = None
    # What is owed back when less than the whole amount (a cancellation policy's share); None: all of it.
    refund_minor: int | None = None
    refund_attempts: int = 0
    next_refund_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime

    def pay(self, now: datetime) -> "Payment":
        return _moved(self, PAYMENT_MOVES, "pay", PaymentStatus.PAID, updated_at=now)

    def expire(self, now: datetime) -> "Payment":
        return _moved(self, PAYMENT_MOVES, "expire", PaymentStatus.EXPIRED, updated_at=now)

    def fail(self, now: datetime, error: str) -> "Payment":
        return _moved(self, PAYMENT_MOVES, "fail", PaymentStatus.FAILED, last_error=error, updated_at=now)

    def refund_pending(self, now: datetime, amount_minor: int | None = None) -> "Payment":
        """Owed back (in full, or `amount_minor` of it): the refunds job tries now, then with backoff."""
        return _moved(
            self,
            PAYMENT_MOVES,
            "refund_pending",
            PaymentStatus.REFUND_PENDING,
            refund_minor=None if amount_minor is None or amount_minor >= self.amount_minor else amount_minor,
            next_refund_attempt_at=now,
            updated_at=now,
        )

    @property
    def refund_amount(self) -> int:
        """What a refund of this payment gives back."""
        return self.amount_minor if self.refund_minor is None else self.refund_minor

    def refunded(self, now: datetime, refund_id: str | None) -> "Payment":
        return _moved(
            self,
            PAYMENT_MOVES,
            "refunded",
            PaymentStatus.REFUNDED,
            refund_id=refund_id,
            last_error=None,
            updated_at=now,
        )

    def refund_failed(self, now: datetime, refund_id: str | None, error: str) -> "Payment":
        """Stripe reports a refund it had accepted failed: owed again, under a new idempotency key
        (derived from the failed refund's id)."""
        return _moved(
            self,
            PAYMENT_MOVES,
            "refund_failed",
            PaymentStatus.REFUND_PENDING,
            refund_id=refund_id,
            refund_attempts=self.refund_attempts + 1,
            next_refund_attempt_at=now,
            last_error=error,
            updated_at=now,
        )


PAYMENT_MOVES: Mapping[str, frozenset[PaymentStatus]] = {
    # Money that arrives after the page was closed or the checkout failed is still money: it is booked or
    # refunded.
    "pay": frozenset({PaymentStatus.PENDING, PaymentStatus.EXPIRED, PaymentStatus.FAILED}),
    "expire": frozenset({PaymentStatus.PENDING}),
    "fail": frozenset({PaymentStatus.PENDING}),
    "refund_pending": frozenset({PaymentStatus.PAID}),
    "refunded": frozenset({PaymentStatus.REFUND_PENDING}),
    # Stripe reports that a refund it had accepted failed.
    "refund_failed": frozenset({PaymentStatus.REFUNDED}),
}


@dataclass(slots=True, kw_only=True)
class Attendance:
    """One presence interval of a person in a session; a person may have several."""

    id: int = 0
    session_id: int
    user_id: int
    joined_at: datetime
    left_at: datetime | None = None
    # Who reported the join first; the other source, once it reports the same person in too.
    source: AttendanceSource = AttendanceSource.JOIN_PAGE
    confirmed_by: AttendanceSource | None = None
    # The page's last heartbeat; None for an interval only Agora's webhook knows of.
    last_seen_at: datetime | None = None
    closed_by: AttendanceEnd | None = None


@dataclass(slots=True, kw_only=True)
class VideoMute:
    """The tutor muted a student's microphone in the video (the student may speak again by unmuting)."""

    id: int = 0
    session_id: int
    user_id: int
    muted_by: int
    muted_at: datetime


@dataclass(slots=True, kw_only=True)
class SessionFile:
    id: int = 0
    session_id: int
    # The participation a 1-to-1 file belongs to; None for a group session's files.
    participant_id: int | None = None
    uploader_id: int
    # Files stay on Telegram's servers; we keep the id that lets the bot send them again.
    telegram_file_id: str
    telegram_file_unique_id: str
    file_name: str
    mime_type: str | None = None
    size_bytes: int = 0
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class Conversation:
    """The chat of a 1-to-1 session (spec 002 §5.2), between the tutor and one participation's student."""

    id: int = 0
    session_id: int
    participant_id: int
    created_at: datetime
    closed_at: datetime | None = None


@dataclass(slots=True, kw_only=True)
class ChatMessage:
    id: int = 0
    conversation_id: int
    sender_id: int
    content: str
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class Notification:
    """A message for one user, written to the outbox in the same transaction as the change it reports.

    `kind` names what happened; `payload` is the JSON form of that kind's message type
    (`core.notifications`), from which the bot renders the text in the recipient's language at delivery
    time. `dedupe_key` makes writing the same notification twice a no-op.
    """

    recipient_id: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None


@dataclass(slots=True, kw_only=True)
class OutboxMessage:
    id: int
    recipient_id: int
    kind: str
    payload: dict[str, Any]
    dedupe_key: str | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    claimed_until: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class BookingView:
    """One of a student's bookings with everything a list or a message about it shows."""

    participant: Participant
    payment: Payment | None
    slot: Slot
    session: TeachingSession
    tutor: TutorProfile


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRoster:
    """A session with its slot and the people holding a seat, for the tutor's list."""

    session: TeachingSession
    slot: Slot
    participants: list[tuple[Participant, User]]
    # The first names of the parents who booked for a participant, by the parent's user id.
    bookers: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Reminder:
    id: int = 0
    session_id: int
    recipient_id: int
    # The student's participation; None for the tutor's start alert.
    participant_id: int | None
    kind: ReminderKind
    offset_minutes: int
    due_at: datetime
    status: ReminderStatus = ReminderStatus.PENDING
    created_at: datetime
    handled_at: datetime | None = None
