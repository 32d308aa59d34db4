"""Enumerations shared by the domain, storage and the bot.

Values are stable strings: they are stored in the database and travel in outbox payloads.
"""

from enum import StrEnum


class Role(StrEnum):
    STUDENT = "student"
    TUTOR = "tutor"
    BOTH = "both"

    @property
    def teaches(self) -> bool:
        return self in (Role.TUTOR, Role.BOTH)

    @property
    def learns(self) -> bool:
        return self in (Role.STUDENT, Role.BOTH)


class TutorStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SessionType(StrEnum):
    ONE_TO_ONE = "one_to_one"
    GROUP = "group"


class SessionStatus(StrEnum):
    """Spec 002 §4.1."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class ParticipantStatus(StrEnum):
    # A seat held while the student pays; it lapses at hold_expires_at.
    PENDING_PAYMENT = "pending_payment"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    # The session took place and the student never joined (no refund).
    NO_SHOW = "no_show"

    @property
    def holds_seat(self) -> bool:
        return self in ACTIVE_PARTICIPANT_STATUSES


ACTIVE_PARTICIPANT_STATUSES = frozenset({ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.BOOKED})


class PaymentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    EXPIRED = "expired"
    FAILED = "failed"


class PurchaseStatus(StrEnum):
    """A package purchase: waiting for its checkout, paid (its credits usable), or never paid."""

    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"


class CreditReason(StrEnum):
    """Why a purchase's credits moved (one ledger row each)."""

    PAID = "paid"  # +lessons: the checkout was paid
    SPEND = "spend"  # -1: a booking paid with a credit
    RETURN = "return"  # +1: that booking was cancelled in time, or the tutor cancelled or did not come
    EXPIRY = "expiry"  # -what was left: the validity ran out
    REFUND = "refund"  # -what was left: set aside for a refund the student asked for
    REFUND_DECLINED = "refund_declined"  # +what was set aside: that refund was declined


class CreditRefundStatus(StrEnum):
    """A student's request for the money of unused credits back: waiting for the tutor (or an admin),
    approved and being paid back, paid back, or declined."""

    REQUESTED = "requested"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    DECLINED = "declined"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Given up: a permanent refusal (the user blocked the bot) or too many failed attempts.
    FAILED = "failed"


class AttendanceSource(StrEnum):
    JOIN_PAGE = "join_page"
    AGORA_WEBHOOK = "agora_webhook"


class AttendanceEnd(StrEnum):
    """What closed a presence interval."""

    JOIN_PAGE = "join_page"  # the page's Leave button or its beacon when closed
    AGORA_WEBHOOK = "agora_webhook"  # Agora saw the person leave the channel
    HEARTBEAT_TIMEOUT = "heartbeat_timeout"  # the page stopped reporting (a closed laptop, a lost network)
    SESSION_END = "session_end"  # still in when the session ended


class ReminderKind(StrEnum):
    # Before the session, at the configured offsets (the student's reminders switch applies).
    REMINDER = "reminder"
    # Ten minutes before: "starting soon" to students, the Start button to the tutor.
    START_ALERT = "start_alert"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Due when the booking or the session no longer stood: nothing was sent.
    DROPPED = "dropped"


class FamilyLinkStatus(StrEnum):
    """A parent's link to a child: waiting for the child to accept the invite, in force, or ended."""

    INVITED = "invited"
    ACTIVE = "active"
    REMOVED = "removed"


class WaitlistStatus(StrEnum):
    """A place in the queue for a full session: waiting, offered a seat held for a while, then that seat
    booked, passed on when the hold ran out, or given up."""

    WAITING = "waiting"
    OFFERED = "offered"
    CLAIMED = "claimed"
    EXPIRED = "expired"
    LEFT = "left"

    @property
    def active(self) -> bool:
        return self in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class MoveProposalStatus(StrEnum):
    """A tutor's proposal to move a booking: waiting for the student, then accepted, declined (the lesson
    cancelled and refunded in full) or lapsed unanswered (the booking stays as it was)."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
