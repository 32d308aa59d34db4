"""Kinds of outbox notifications and what each carries. The kinds' values are stored in the outbox: never
rename one."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from core.entities import Participant, Payment, Slot, TutorProfile
from core.enums import SessionType
from core.json_records import RecordUnreadable, from_json, to_json
from core.payments import CREDIT


class NotificationKind(StrEnum):
    """What happened, and so how the message reads; each kind's fields are its message type below."""

    # To each admin: a tutor profile waits for review.
    TUTOR_REVIEW_REQUESTED = "tutor.review_requested"
    # To the tutor: the review's outcome.
    TUTOR_APPROVED = "tutor.approved"
    TUTOR_REJECTED = "tutor.rejected"
    # To the student: "Session booked!" with both time zones and the calendar file.
    BOOKING_CONFIRMED = "booking.confirmed"
    # To the tutor: a new participant.
    BOOKING_RECEIVED = "booking.received"
    # To the student: the seat held for payment was released.
    HOLD_EXPIRED = "booking.hold_expired"
    # To the student: a late payment could not get a seat and is refunded.
    LATE_PAYMENT_REFUNDED = "booking.late_payment_refunded"
    # To the tutor: a student cancelled.
    BOOKING_CANCELLED_BY_STUDENT = "booking.cancelled_by_student"
    # To the student who cancelled a booked session: the calendar file that removes it.
    BOOKING_CANCELLED = "booking.cancelled"
    # To each participant: the tutor cancelled the session.
    SESSION_CANCELLED = "session.cancelled"
    # To the tutor: the calendar file that removes a cancelled session.
    SESSION_CANCELLED_FOR_TUTOR = "session.cancelled_for_tutor"
    # To each booked participant: the tutor started, with the join link.
    SESSION_STARTED = "session.started"
    # To the tutor and each booked participant: the session ended.
    SESSION_ENDED = "session.ended"
    # To each booked participant: start time passed, the tutor has not started.
    TUTOR_LATE = "session.tutor_late"
    # To each booked participant: the tutor never started; refunded.
    TUTOR_NO_SHOW = "session.tutor_no_show"
    # To the tutor who never started: what it means and what it cost.
    TUTOR_NO_SHOW_NOTICE = "session.tutor_no_show_notice"
    # To the other side of a 1-to-1 chat.
    CHAT_MESSAGE = "session.chat_message"
    # To the others of a session.
    FILE_SHARED = "session.file_shared"
    # To a student, before the session.
    REMINDER = "session.reminder"
    # To a student, ten minutes before (spec 002 session:starting).
    SESSION_STARTING = "session.starting"
    # To the tutor, ten minutes before: the Start button.
    START_ALERT = "session.start_alert"
    # To the student: a package was paid, its credits are there.
    PACKAGE_BOUGHT = "package.bought"
    # To the student: a package's validity ran out with lessons left.
    PACKAGE_EXPIRED = "package.expired"
    # To the tutor (or each admin, for a school package): a student asks for unused credits' money back.
    CREDIT_REFUND_REQUESTED = "package.refund_requested"
    # To the student: that request was declined, the credits are back.
    CREDIT_REFUND_DECLINED = "package.refund_declined"
    # To the student: the money of the unused credits is on its way.
    CREDIT_REFUNDED = "package.refunded"
    # To the student: the enrollment is paid, sessions can be booked (or scheduled later).
    COURSE_ENROLLED = "course.enrolled"
    # To a student enrolled who has booked nothing ahead: a reminder to schedule ("Schedule later").
    COURSE_SCHEDULE_REMINDER = "course.schedule_reminder"
    # To each student who attended: "How was your session with Anna?" with the stars.
    RATE_SESSION = "review.rate_session"
    # To each admin: a tutor reported a review's comment.
    REVIEW_REPORTED = "review.reported"
    # To each admin: a tutor's low ratings keep coming.
    TUTOR_FLAGGED = "review.tutor_flagged"
    # To the student: the tutor's notes on the lesson, with homework and files.
    SESSION_RECAP = "notes.recap"
    # To the student: homework is due within a day.
    HOMEWORK_DUE = "notes.homework_due"
    # To the student (and the tutor): the booking moved to another time.
    BOOKING_MOVED = "booking.moved"
    BOOKING_MOVED_FOR_TUTOR = "booking.moved_for_tutor"
    # To the student: the tutor proposes another time, to accept or decline (a full refund).
    MOVE_PROPOSED = "booking.move_proposed"
    # To the tutor: the student declined the proposed time (the lesson is cancelled and refunded), or did
    # not answer in time (the lesson stays).
    MOVE_DECLINED = "booking.move_declined"
    MOVE_LAPSED = "booking.move_lapsed"
    # To the first person waiting: a seat is free and held for them, with a Book button.
    WAITLIST_OFFER = "waitlist.offer"
    # To the person offered a seat: the hold ran out and the seat went to the next one.
    WAITLIST_MISSED = "waitlist.missed"


# -- what each kind carries ----------------------------------------------------------------------------------
# Core builds these; the bot renders them in the reader's language and zone when it delivers. They are
# stored as flat JSON objects (core.json_records): a field is never renamed, only added with a default.


@dataclass(frozen=True, kw_only=True)
class SessionFacts:
    """What every message about a session needs, frozen when it is written."""

    session_id: int
    tutor_name: str
    tutor_user_id: int
    # The zone the tutor meant the time in; a reader without a zone sees the time there.
    tutor_zone: str
    starts_at: datetime
    ends_at: datetime
    minutes: int
    session_type: SessionType
    capacity: int
    currency: str

    @classmethod
    def of(cls, tutor: TutorProfile, slot: Slot, session_id: int, currency: str | None = None) -> "SessionFacts":
        return cls(
            session_id=session_id,
            tutor_name=tutor.display_name,
            tutor_user_id=tutor.user_id,
            tutor_zone=slot.timezone,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            minutes=slot.duration_minutes,
            session_type=slot.session_type,
            capacity=slot.capacity,
            currency=currency or tutor.currency,
        )


@dataclass(frozen=True, kw_only=True)
class BookingFacts:
    """What every message about one booking needs: its session, its seat and its price."""

    session: SessionFacts
    participant_id: int
    subjects: tuple[str, ...] = ()
    seats_taken: int
    amount_minor: int
    hold_expires_at: datetime | None = None
    checkout_url: str | None = None
    # The seat was paid with a package's credit (amount_minor is then 0).
    paid_with_credit: bool = False
    # Times the booking moved (its calendar entry's revision).
    moves: int = 0

    @classmethod
    def of(cls, tutor: TutorProfile, slot: Slot, participant: Participant, payment: Payment) -> "BookingFacts":
        return cls(
            session=SessionFacts.of(tutor, slot, participant.session_id, payment.currency),
            participant_id=participant.id,
            subjects=tuple(tutor.subjects),
            seats_taken=slot.seats_taken,
            amount_minor=payment.amount_minor,
            hold_expires_at=participant.hold_expires_at,
            checkout_url=payment.checkout_url,
            paid_with_credit=payment.provider == CREDIT,
            moves=participant.moves,
        )


@dataclass(frozen=True, kw_only=True)
class Message:
    kind: ClassVar[NotificationKind]


@dataclass(frozen=True, kw_only=True)
class TutorReviewRequested(Message):
    kind = NotificationKind.TUTOR_REVIEW_REQUESTED
    tutor_id: int
    user_id: int
    username: str | None = None
    display_name: str
    subjects: tuple[str, ...] = ()
    hourly_rate_minor: int
    currency: str
    timezone: str


@dataclass(frozen=True, kw_only=True)
class TutorApproved(Message):
    kind = NotificationKind.TUTOR_APPROVED
    tutor_id: int


@dataclass(frozen=True, kw_only=True)
class TutorRejected(Message):
    kind = NotificationKind.TUTOR_REJECTED
    tutor_id: int


@dataclass(frozen=True, kw_only=True)
class BookingConfirmed(Message):
    kind = NotificationKind.BOOKING_CONFIRMED
    booking: BookingFacts
    # The payment came after the hold lapsed, and the seat was still free.
    late: bool = False
    # Paid while the session runs: the way in comes with the confirmation.
    live: bool = False


@dataclass(frozen=True, kw_only=True)
class BookingReceived(Message):
    kind = NotificationKind.BOOKING_RECEIVED
    booking: BookingFacts
    student_name: str = ""
    note: str | None = None
    # The parent who booked for the student, when it was not the student.
    booked_by_name: str = ""


@dataclass(frozen=True, kw_only=True)
class PackageBought(Message):
    kind = NotificationKind.PACKAGE_BOUGHT
    package_name: str
    lessons: int
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class PackageExpired(Message):
    kind = NotificationKind.PACKAGE_EXPIRED
    package_name: str
    unused: int


@dataclass(frozen=True, kw_only=True)
class CreditRefundRequested(Message):
    kind = NotificationKind.CREDIT_REFUND_REQUESTED
    refund_id: int
    student_name: str
    package_name: str
    credits: int
    lessons: int
    amount_minor: int
    currency: str


@dataclass(frozen=True, kw_only=True)
class CreditRefundDeclined(Message):
    kind = NotificationKind.CREDIT_REFUND_DECLINED
    package_name: str
    credits: int


@dataclass(frozen=True, kw_only=True)
class CreditRefunded(Message):
    kind = NotificationKind.CREDIT_REFUNDED
    package_name: str
    credits: int
    amount_minor: int
    currency: str


@dataclass(frozen=True, kw_only=True)
class CourseEnrolled(Message):
    kind = NotificationKind.COURSE_ENROLLED
    course_id: int
    course_title: str
    sessions: int
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class CourseScheduleReminder(Message):
    kind = NotificationKind.COURSE_SCHEDULE_REMINDER
    course_id: int
    course_title: str
    # Sessions still to book, of how many.
    left: int
    sessions: int
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class HoldExpired(Message):
    kind = NotificationKind.HOLD_EXPIRED
    booking: BookingFacts


@dataclass(frozen=True, kw_only=True)
class LatePaymentRefunded(Message):
    kind = NotificationKind.LATE_PAYMENT_REFUNDED
    booking: BookingFacts
    # The session had ended or was cancelled (rather than its seat taken meanwhile).
    session_closed: bool = False


@dataclass(frozen=True, kw_only=True)
class CancelledByStudent(Message):
    kind = NotificationKind.BOOKING_CANCELLED_BY_STUDENT
    booking: BookingFacts
    student_name: str = ""


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(Message):
    kind = NotificationKind.BOOKING_CANCELLED
    booking: BookingFacts


@dataclass(frozen=True, kw_only=True)
class SessionCancelled(Message):
    kind = NotificationKind.SESSION_CANCELLED
    booking: BookingFacts
    reason: str | None = None
    refund_minor: int = 0
    # Only a booked seat was ever sent a calendar entry to remove.
    was_booked: bool = False
    # The seat was paid with a package's credit, which went back to the package.
    credit_back: bool = False


@dataclass(frozen=True, kw_only=True)
class SessionCancelledForTutor(Message):
    kind = NotificationKind.SESSION_CANCELLED_FOR_TUTOR
    # The booked participant of a 1-to-1, or any booked participant of a group.
    booking: BookingFacts
    student_name: str = ""
    participants: int = 0
    refund_minor: int = 0


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Message):
    kind = NotificationKind.SESSION_STARTED
    session: SessionFacts
    join_url: str


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Message):
    kind = NotificationKind.SESSION_ENDED
    session: SessionFacts
    lasted: int = 0
    # The first names of the students who joined the video.
    attended: tuple[str, ...] = ()
    # The reader did not join.
    absent: bool = False
    role: Literal["tutor", "student"] = "student"


@dataclass(frozen=True, kw_only=True)
class TutorLate(Message):
    kind = NotificationKind.TUTOR_LATE
    session: SessionFacts
    # Not started by then, the session is a tutor no-show.
    deadline: datetime


@dataclass(frozen=True, kw_only=True)
class TutorNoShow(Message):
    kind = NotificationKind.TUTOR_NO_SHOW
    session: SessionFacts
    participant_id: int | None = None
    refund_minor: int = 0
    credit_back: bool = False


@dataclass(frozen=True, kw_only=True)
class TutorNoShowNotice(Message):
    kind = NotificationKind.TUTOR_NO_SHOW_NOTICE
    session: SessionFacts
    # The last booked participant (whose calendar entry the tutor got); None when nobody had booked.
    participant_id: int | None = None
    student_name: str = ""
    refunds: int = 0
    refund_minor: int = 0


@dataclass(frozen=True, kw_only=True)
class ChatMessageArrived(Message):
    kind = NotificationKind.CHAT_MESSAGE
    session_id: int
    # The participation whose room the reply goes to, even if the slot was booked by someone else since.
    participant_id: int | None = None
    sender_name: str
    text: str


@dataclass(frozen=True, kw_only=True)
class FileShared(Message):
    kind = NotificationKind.FILE_SHARED
    session_id: int
    participant_id: int | None = None
    uploader_name: str
    file_name: str
    # Telegram's id of the file: sent again by it.
    file_id: str
    tutor_name: str


@dataclass(frozen=True, kw_only=True)
class SessionReminder(Message):
    kind = NotificationKind.REMINDER
    session: SessionFacts
    minutes_before: int
    participant_id: int | None = None
    # Still inside the tutor's cancellation notice when written.
    cancellable: bool = False


@dataclass(frozen=True, kw_only=True)
class SessionStarting(Message):
    kind = NotificationKind.SESSION_STARTING
    session: SessionFacts
    minutes_before: int


@dataclass(frozen=True, kw_only=True)
class StartAlert(Message):
    kind = NotificationKind.START_ALERT
    session: SessionFacts
    minutes_before: int


@dataclass(frozen=True, kw_only=True)
class RateSession(Message):
    kind = NotificationKind.RATE_SESSION
    session: SessionFacts
    participant_id: int


@dataclass(frozen=True, kw_only=True)
class ReviewReported(Message):
    kind = NotificationKind.REVIEW_REPORTED
    review_id: int
    tutor_name: str
    stars: int
    comment: str


@dataclass(frozen=True, kw_only=True)
class TutorFlagged(Message):
    kind = NotificationKind.TUTOR_FLAGGED
    tutor_name: str
    review_id: int
    # Low ratings within `days` days, this one included.
    low_reviews: int
    days: int
    stars: int
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class SessionRecap(Message):
    kind = NotificationKind.SESSION_RECAP
    session: SessionFacts
    tutor_id: int
    note_id: int
    notes: str
    homework: str | None = None
    homework_due_at: datetime | None = None
    # The note's files, as buttons: their ids and names.
    file_ids: tuple[int, ...] = ()
    file_names: tuple[str, ...] = ()
    # The tutor changed notes sent before.
    updated: bool = False


@dataclass(frozen=True, kw_only=True)
class HomeworkDue(Message):
    kind = NotificationKind.HOMEWORK_DUE
    session: SessionFacts
    note_id: int
    homework: str
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class BookingMoved(Message):
    kind = NotificationKind.BOOKING_MOVED
    booking: BookingFacts
    was_starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class BookingMovedForTutor(Message):
    kind = NotificationKind.BOOKING_MOVED_FOR_TUTOR
    booking: BookingFacts
    was_starts_at: datetime
    student_name: str = ""


@dataclass(frozen=True, kw_only=True)
class MoveProposed(Message):
    kind = NotificationKind.MOVE_PROPOSED
    booking: BookingFacts
    proposal_id: int
    to_starts_at: datetime
    answer_by: datetime


@dataclass(frozen=True, kw_only=True)
class MoveDeclined(Message):
    kind = NotificationKind.MOVE_DECLINED
    booking: BookingFacts
    student_name: str = ""
    refund_minor: int = 0


@dataclass(frozen=True, kw_only=True)
class MoveLapsed(Message):
    kind = NotificationKind.MOVE_LAPSED
    booking: BookingFacts
    student_name: str = ""
    to_starts_at: datetime


@dataclass(frozen=True, kw_only=True)
class WaitlistOffer(Message):
    kind = NotificationKind.WAITLIST_OFFER
    session: SessionFacts
    entry_id: int
    hold_until: datetime
    amount_minor: int = 0


@dataclass(frozen=True, kw_only=True)
class WaitlistMissed(Message):
    kind = NotificationKind.WAITLIST_MISSED
    session: SessionFacts


MESSAGE_TYPES: dict[NotificationKind, type[Message]] = {
    message.kind: message
    for message in (
        TutorReviewRequested,
        TutorApproved,
        TutorRejected,
        BookingConfirmed,
        BookingReceived,
        HoldExpired,
        LatePaymentRefunded,
        CancelledByStudent,
        BookingCancelled,
        SessionCancelled,
        SessionCancelledForTutor,
        SessionStarted,
        SessionEnded,
        TutorLate,
        TutorNoShow,
        TutorNoShowNotice,
        ChatMessageArrived,
        FileShared,
        SessionReminder,
        SessionStarting,
        StartAlert,
        PackageBought,
        PackageExpired,
        CreditRefundRequested,
        CreditRefundDeclined,
        CreditRefunded,
        CourseEnrolled,
        CourseScheduleReminder,
        RateSession,
        ReviewReported,
        TutorFlagged,
        SessionRecap,
        HomeworkDue,
        WaitlistOffer,
        WaitlistMissed,
        BookingMoved,
        BookingMovedForTutor,
        MoveProposed,
        MoveDeclined,
        MoveLapsed,
    )
}


def payload_of(message: Message) -> dict[str, Any]:
    """The JSON object the outbox stores for a message."""
    return to_json(message)


def message_of(kind: str, payload: dict[str, Any]) -> Message:
    """The message an outbox row holds. Raises `RecordUnreadable` for a kind or payload this version cannot
    read."""
    try:
        message_type = MESSAGE_TYPES[NotificationKind(kind)]
    except ValueError:
        raise RecordUnreadable(f"unknown notification kind {kind!r}") from None
    return from_json(message_type, payload)


# What a parent linked to a child also receives, about the child's lessons and packages (spec 004: the
# parent is notified): not the child's chat with the tutor, nor anything about teaching. (A refund of
# credits already tells the person who paid.)
FAMILY_KINDS = frozenset(
    {
        NotificationKind.BOOKING_CONFIRMED,
        NotificationKind.HOLD_EXPIRED,
        NotificationKind.LATE_PAYMENT_REFUNDED,
        NotificationKind.BOOKING_CANCELLED,
        NotificationKind.SESSION_CANCELLED,
        NotificationKind.SESSION_ENDED,
        NotificationKind.TUTOR_LATE,
        NotificationKind.TUTOR_NO_SHOW,
        NotificationKind.REMINDER,
        NotificationKind.SESSION_STARTING,
        NotificationKind.PACKAGE_BOUGHT,
        NotificationKind.PACKAGE_EXPIRED,
        NotificationKind.COURSE_ENROLLED,
        NotificationKind.COURSE_SCHEDULE_REMINDER,
        NotificationKind.SESSION_RECAP,
        NotificationKind.HOMEWORK_DUE,
        NotificationKind.BOOKING_MOVED,
        NotificationKind.MOVE_PROPOSED,
    }
)

# What a parent also receives for a child without Telegram only: the session's join link, and the
# question how it went (a linked child answers it themselves).
MANAGED_CHILD_KINDS = frozenset({NotificationKind.SESSION_STARTED, NotificationKind.RATE_SESSION})
