"""Ports: what the use cases need from the outside world, as protocols.

Repositories never commit: a use case opens a unit of work, calls repositories, and commits once.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Protocol, Self

from core.courses import Course, CourseView
from core.credit_refunds import CreditRefund
from core.entities import (
    Attendance,
    BookingView,
    ChatMessage,
    Conversation,
    DayOff,
    Notification,
    OutboxMessage,
    Participant,
    Payment,
    Reminder,
    SessionFile,
    SessionRoster,
    Slot,
    TeachingSession,
    TutorProfile,
    User,
    VideoMute,
    WeeklyPattern,
)
from core.enums import (
    AttendanceEnd,
    AttendanceSource,
    CreditRefundStatus,
    FamilyLinkStatus,
    MoveProposalStatus,
    ParticipantStatus,
    PurchaseStatus,
    ReminderStatus,
    SessionStatus,
    TutorStatus,
    WaitlistStatus,
)
from core.families import FamilyLink
from core.move_proposals import MoveProposal
from core.packages import Balance, CreditEntry, Package, PackagePurchase
from core.reviews import Rating, Review
from core.session_notes import SessionNote
from core.waitlist import WaitlistEntry


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def get_many(self, user_ids: Sequence[int]) -> list[User]: ...
    async def add(self, user: User) -> bool:
        """Insert the user; False (nothing written) if a user with that id exists already."""
        ...

    async def update(self, user: User) -> None: ...

    async def lock(self, user_id: int) -> User | None:
        """Serialize one person's bookings until the transaction ends (row lock on PostgreSQL); the person
        as locked (None if there is no such person)."""
        ...


class TutorRepository(Protocol):
    async def get(self, tutor_id: int) -> TutorProfile | None: ...
    async def get_by_user(self, user_id: int) -> TutorProfile | None: ...
    async def add(self, profile: TutorProfile) -> TutorProfile:
        """Insert the profile (with its subjects) and return it with its new id."""
        ...

    async def update(self, profile: TutorProfile) -> None:
        """Write every field of the profile, subjects included."""
        ...

    async def set_status_if(
        self, tutor_id: int, expected: TutorStatus, new: TutorStatus, reviewed_by: int, at: datetime
    ) -> bool:
        """Move the status from `expected` to `new`; False (and no change) if it was not `expected`."""
        ...

    async def lock(self, tutor_id: int) -> None:
        """Serialize changes to one tutor's schedule until the transaction ends (a row lock on PostgreSQL;
        SQLite's write transactions are serialized already)."""
        ...

    async def list_subjects(self) -> list[tuple[str, int]]:
        """Subjects taught by approved tutors: (name as first written, number of tutors), by name."""
        ...

    async def refresh_listing(self, now: datetime) -> None:
        """Bring the tutor list's next free times up to `now` (those whose slot has started since)."""
        ...

    async def list_by_next_free(
        self, subject: str | None, *, now: datetime, before: datetime, offset: int, limit: int
    ) -> tuple[list[tuple[TutorProfile, datetime | None]], int]:
        """A page of the approved tutors (teaching `subject`, any case, when given), each with the start of
        their first open slot in (now, before) if any: with free time first, soonest first, then the others,
        ties by name; and the number of those tutors. After `refresh_listing(now)`."""
        ...


class SlotRepository(Protocol):
    async def get(self, slot_id: int) -> Slot | None: ...
    async def add(self, slot: Slot) -> Slot: ...

    async def set_book_by(self, tutor_id: int, notice_minutes: int, now: datetime) -> None:
        """The tutor's booking notice changed: every slot still ahead gets its last instant to book again."""
        ...

    async def list_for_tutor(
        self, tutor_id: int, start: datetime, end: datetime, *, blocking_only: bool = False
    ) -> list[Slot]:
        """Slots of the tutor that overlap [start, end), ordered by start, never removed ones; with
        `blocking_only`, not those of a cancelled session either (their time is free again)."""
        ...

    async def remove(self, slot_id: int, at: datetime) -> bool:
        """Take a slot that holds history off every schedule (no seat may be taken); False otherwise."""
        ...

    async def update(self, slot: Slot) -> bool:
        """Write starts_at, ends_at, session_type and capacity, only while nobody holds a seat (seats_taken
        = 0) or the change keeps every booked seat (same times and type, capacity >= seats_taken);
        False, with nothing written, when a booking arrived in between."""
        ...

    async def delete_unbooked(self, slot_id: int) -> bool:
        """Delete the slot if no seat is taken; False (nothing deleted) otherwise."""
        ...

    async def delete_unbooked_of_pattern(self, pattern_id: int, starting_from: datetime) -> int:
        """Delete the pattern's slots starting at or after `starting_from` that have no booking; the count."""
        ...

    async def delete_past_unbooked(self, before: datetime) -> int:
        """Delete slots that ended before the instant and never had a session; the count."""
        ...

    async def take_seat(self, slot_id: int) -> bool:
        """`seats_taken + 1` only while a seat is left (a conditional update); False when full."""
        ...

    async def release_seat(self, slot_id: int) -> None:
        """`seats_taken - 1`, never below zero."""
        ...

    async def list_on_sale(self, tutor_id: int, start: datetime, end: datetime) -> list[Slot]:
        """Like `list_open`, full slots included (their waitlist is open)."""
        ...

    async def list_open(self, tutor_id: int, start: datetime, end: datetime) -> list[Slot]:
        """The tutor's slots starting in [start, end) with a seat left, still bookable at `start` (before their
        `book_by`), not removed, and no session that is anything but scheduled (cancelled, live, over), by
        start."""
        ...


class PatternRepository(Protocol):
    async def get(self, pattern_id: int) -> WeeklyPattern | None: ...
    async def add(self, pattern: WeeklyPattern) -> WeeklyPattern: ...
    async def list_for_tutor(self, tutor_id: int) -> list[WeeklyPattern]:
        """Ordered by id."""
        ...

    async def list_expandable(self, through: date) -> list[WeeklyPattern]:
        """Patterns whose expanded_until is before `through` (or unset), ordered by id."""
        ...

    async def set_expanded_until(self, pattern_id: int, day: date) -> None: ...
    async def delete(self, pattern_id: int) -> bool: ...


class DayOffRepository(Protocol):
    async def add(self, day_off: DayOff) -> bool:
        """False (nothing written) if that day was already off."""
        ...

    async def remove(self, tutor_id: int, day: date) -> bool: ...
    async def list_for_tutor(self, tutor_id: int, first: date, last: date) -> set[date]:
        """The tutor's days off between first and last, inclusive."""
        ...


class SessionRepository(Protocol):
    async def get(self, session_id: int) -> TeachingSession | None: ...
    async def get_by_slot(self, slot_id: int) -> TeachingSession | None: ...
    async def add(self, session: TeachingSession) -> TeachingSession: ...
    async def update(self, session: TeachingSession) -> None: ...

    async def get_or_create(self, slot: Slot, now: datetime) -> TeachingSession:
        """The slot's session, created SCHEDULED if it has none; safe when two bookers race (one row)."""
        ...

    async def update_if(self, session: TeachingSession, expected: SessionStatus) -> bool:
        """Write the session only if its stored status is still `expected`; False otherwise."""
        ...

    async def list_due(
        self, status: SessionStatus, *, starts_before: datetime | None = None, ends_before: datetime | None = None
    ) -> list[TeachingSession]:
        """Sessions in `status` whose slot starts (or ends) before the instant, oldest first; scheduled
        sessions only when someone holds a seat in them."""
        ...

    async def statuses_for_slots(self, slot_ids: Sequence[int]) -> dict[int, SessionStatus]:
        """The status of each slot's session, for the slots that have one."""
        ...

    async def list_rosters(self, tutor_id: int, start: datetime, end: datetime) -> list[SessionRoster]:
        """The tutor's sessions whose slot starts in [start, end), by start, each with the participants
        holding a seat (pending payment or booked) and their users."""
        ...


class ParticipantRepository(Protocol):
    async def get(self, participant_id: int) -> Participant | None: ...
    async def add(self, participant: Participant) -> Participant:
        """Raises Conflict("booking.already_booked") when the user already holds a seat in the session."""
        ...

    async def update(self, participant: Participant) -> None: ...
    async def list_for_session(self, session_id: int) -> list[Participant]: ...

    async def update_if(self, participant: Participant, expected: ParticipantStatus) -> bool:
        """Write the participant only if its stored status is still `expected`; False otherwise."""
        ...

    async def count_holds(self, user_id: int, now: datetime) -> int:
        """The user's seats held pending payment whose hold has not lapsed."""
        ...

    async def overlapping(self, user_id: int, start: datetime, end: datetime) -> list[Participant]:
        """The user's participations holding a seat (pending or booked) whose slot overlaps [start, end)."""
        ...

    async def list_lapsed_holds(self, now: datetime, limit: int) -> list[Participant]:
        """Pending-payment participations whose hold_expires_at <= now, oldest first."""
        ...

    async def list_bookings(self, user_id: int, since: datetime) -> list[BookingView]:
        """The user's participations (any status) in sessions whose slot ends after `since`, by start."""
        ...

    async def get_booking(self, participant_id: int) -> BookingView | None: ...

    async def past_bookings(self, user_ids: Sequence[int], tutor_id: int | None, limit: int) -> list[BookingView]:
        """The users' participations in lessons that took place (with the tutor, when given), attended or
        missed, the latest first."""
        ...

    async def tutor_students(self, tutor_id: int, limit: int) -> list[tuple[int, int, datetime]]:
        """(student id, lessons held, start of the last one) per student of the tutor's past lessons, the
        most recent first."""
        ...


class PaymentRepository(Protocol):
    async def get(self, payment_id: int) -> Payment | None: ...
    async def get_by_participant(self, participant_id: int) -> Payment | None: ...
    async def add(self, payment: Payment) -> Payment: ...
    async def update(self, payment: Payment) -> None: ...
    async def get_by_checkout(self, checkout_session_id: str) -> Payment | None: ...
    async def get_by_payment_intent(self, payment_intent_id: str) -> Payment | None: ...

    async def list_refunds_pending(self, limit: int) -> list[Payment]:
        """Every REFUND_PENDING payment, the longest-waiting first (for operators)."""
        ...

    async def list_open_checkouts(self, created_before: datetime, limit: int) -> list[Payment]:
        """Payments with a checkout session the provider last reported "open", created before the
        instant, oldest first: the ones to ask the provider about when a webhook may have been missed."""
        ...

    async def list_refunds_due(self, now: datetime, limit: int, max_attempts: int) -> list[Payment]:
        """REFUND_PENDING payments whose next_refund_attempt_at is unset or <= now, tried fewer than
        `max_attempts` times, oldest first."""
        ...


class AttendanceRepository(Protocol):
    async def add(self, attendance: Attendance) -> Attendance: ...
    async def list_for_session(self, session_id: int) -> list[Attendance]: ...
    async def open_interval(self, session_id: int, user_id: int) -> Attendance | None: ...

    async def seen(
        self, attendance_id: int, *, last_seen_at: datetime | None, confirmed_by: AttendanceSource | None
    ) -> None:
        """Record a heartbeat (when given) and the second source (when given) on an open interval."""
        ...

    async def close_open(
        self, session_id: int, at: datetime, closed_by: AttendanceEnd, user_id: int | None = None
    ) -> int:
        """Set the leave time of open intervals (of one person, or everyone); how many were closed."""
        ...

    async def close_quiet(self, seen_before: datetime) -> int:
        """Close, at its last heartbeat, every open interval whose page last reported before `seen_before`."""
        ...


class VideoMuteRepository(Protocol):
    async def add(self, mute: VideoMute) -> VideoMute: ...
    async def count_for(self, session_id: int, user_id: int) -> int:
        """How many times the person was muted in the session."""
        ...


class SessionFileRepository(Protocol):
    async def add(self, file: SessionFile) -> SessionFile: ...
    async def list_for_session(self, session_id: int, participant_id: int | None) -> list[SessionFile]:
        """The files of one participation of the session, or (None) a group session's files."""
        ...

    async def get(self, file_id: int) -> SessionFile | None: ...
    async def delete(self, file_id: int) -> bool: ...


class ConversationRepository(Protocol):
    async def get_by_participant(self, participant_id: int) -> Conversation | None: ...

    async def move(self, participant_id: int, session_id: int) -> None:
        """The participation moved to another session: its chat and files go along."""
        ...

    async def list_for_session(self, session_id: int) -> list[Conversation]:
        """Every participation's conversation in the session, the oldest first."""
        ...

    async def add(self, conversation: Conversation) -> Conversation: ...

    async def close(self, session_id: int, at: datetime, participant_id: int | None = None) -> None:
        """The chat ends with the session (or with one participation): no message is relayed after `at`."""
        ...


class ChatMessageRepository(Protocol):
    async def add(self, message: ChatMessage) -> ChatMessage: ...
    async def list_for_conversation(
        self, conversation_id: int, limit: int = 50, before_id: int | None = None
    ) -> list[ChatMessage]:
        """The latest `limit` messages, oldest first."""
        ...


class OutboxRepository(Protocol):
    async def add(self, notification: Notification, now: datetime) -> bool:
        """Queue a notification; False (nothing written) if its dedupe_key was already queued."""
        ...

    async def due_heads(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """For each recipient, its oldest pending message, if that one is due and not claimed.

        Only the head of each recipient's queue is returned so that one chat's messages go out in order.
        """
        ...

    async def claim(self, message_id: int, now: datetime, until: datetime) -> bool:
        """Lease a pending message for delivery; False if another worker holds it or it is no longer pending."""
        ...

    async def mark_sent(self, message_id: int, now: datetime) -> None: ...

    async def reschedule(self, message_id: int, next_attempt_at: datetime, error: str, count_attempt: bool) -> None:
        """Release the lease and try again later."""
        ...

    async def mark_failed(self, message_id: int, now: datetime, error: str) -> None: ...
    async def get(self, message_id: int) -> OutboxMessage | None: ...
    async def count_pending(self) -> int: ...


class ReminderRepository(Protocol):
    async def add(self, reminder: Reminder) -> bool:
        """Store a reminder; False (nothing written) if the same one is stored already."""
        ...

    async def list_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Pending reminders due at or before `now`, the earliest first."""
        ...

    async def settle(self, reminder_id: int, status: ReminderStatus, now: datetime) -> bool:
        """Move a PENDING reminder to `status`; False if it was no longer pending (another worker took it)."""
        ...

    async def list_for_session(self, session_id: int) -> list[Reminder]: ...


class WebhookEventRepository(Protocol):
    async def record(self, provider: str, event_id: str, event_type: str, now: datetime) -> bool:
        """Remember an incoming event; False if it was recorded before (process each event once)."""
        ...


class PackageRepository(Protocol):
    async def add(self, package: Package) -> Package: ...
    async def get(self, package_id: int) -> Package | None: ...
    async def update(self, package: Package) -> None: ...

    async def on_sale(self, tutor_id: int | None) -> list[Package]:
        """The active packages of a tutor (None: the school's), cheapest first."""
        ...


class PurchaseRepository(Protocol):
    async def add(self, purchase: PackagePurchase) -> PackagePurchase: ...
    async def get(self, purchase_id: int) -> PackagePurchase | None: ...
    async def get_by_checkout(self, checkout_session_id: str) -> PackagePurchase | None: ...
    async def update(self, purchase: PackagePurchase) -> None: ...

    async def update_if(self, purchase: PackagePurchase, expected: PurchaseStatus) -> bool:
        """Write the purchase only if its status is still `expected`."""
        ...

    async def lock(self, purchase_id: int) -> PackagePurchase | None:
        """Serialize the spending of one purchase's credits until the transaction ends."""
        ...

    async def open_checkouts(self, created_before: datetime, limit: int) -> list[PackagePurchase]:
        """Purchases still waiting for their checkout, oldest first."""
        ...

    async def waiting(self, user_id: int, package_id: int, created_after: datetime) -> PackagePurchase | None:
        """The person's purchase of this package waiting for payment on a page opened after `created_after`."""
        ...


class CreditLedger(Protocol):
    async def add(self, entry: CreditEntry) -> bool:
        """Write the move; False (nothing written) when the purchase already has a move with its key."""
        ...

    async def left(self, purchase_id: int) -> int: ...

    async def balances(self, user_id: int) -> list[Balance]:
        """The person's paid purchases with what is left of each, the soonest to expire first."""
        ...

    async def spend_of(self, participant_id: int) -> CreditEntry | None:
        """The credit a booking was paid with, if it was."""
        ...

    async def lapsed(self, now: datetime, limit: int) -> list[Balance]:
        """Paid purchases past their validity whose leftover credits were not written off yet."""
        ...


class CreditRefundRepository(Protocol):
    async def add(self, refund: CreditRefund) -> CreditRefund: ...
    async def get(self, refund_id: int) -> CreditRefund | None: ...

    async def update_if(self, refund: CreditRefund, expected: CreditRefundStatus) -> bool:
        """Write the request only if its status is still `expected`."""
        ...

    async def by_refund_id(self, refund_id: str) -> CreditRefund | None: ...

    async def open_for(self, purchase_id: int) -> CreditRefund | None:
        """The purchase's request still waiting for a decision or for its money, if any."""
        ...

    async def due(self, now: datetime, limit: int, max_attempts: int) -> list[CreditRefund]:
        """Approved refunds whose next attempt is due, oldest first."""
        ...

    async def unpaid(self, limit: int) -> list[CreditRefund]:
        """Every approved refund whose money has not gone back yet, the longest-waiting first."""
        ...


class CourseRepository(Protocol):
    async def add(self, course: Course, tutor_ids: Sequence[int]) -> Course: ...
    async def get(self, course_id: int) -> CourseView | None: ...
    async def by_package(self, package_id: int) -> CourseView | None: ...
    async def tutor_ids(self, course_id: int) -> tuple[int, ...]: ...

    async def add_tutor(self, course_id: int, tutor_id: int) -> bool:
        """Add a tutor who teaches the course; False if they already do."""
        ...

    async def on_sale(self, tutor_id: int | None = None) -> list[CourseView]:
        """Courses whose package is active, by title; only those `tutor_id` teaches when given."""
        ...

    async def unscheduled(self, course_id: int | None, now: datetime, limit: int) -> list[Balance]:
        """Paid, unexpired enrollments with sessions left and none booked ahead, longest-waiting first."""
        ...


class FamilyRepository(Protocol):
    async def add(self, link: FamilyLink) -> FamilyLink: ...
    async def get(self, link_id: int) -> FamilyLink | None: ...
    async def by_token(self, token: str) -> FamilyLink | None: ...

    async def update_if(self, link: FamilyLink, expected: FamilyLinkStatus) -> bool:
        """Write the link only if its status is still `expected`."""
        ...

    async def of_parent(self, parent_id: int) -> list[FamilyLink]:
        """The parent's children, linked or invited, in the order they were added."""
        ...

    async def parents_of(self, child_id: int) -> list[FamilyLink]:
        """The links in force from the child's parents."""
        ...

    async def link(self, parent_id: int, child_id: int) -> FamilyLink | None:
        """The link in force between this parent and this child, if any."""
        ...


class ReviewRepository(Protocol):
    async def add_if_absent(self, review: Review) -> Review | None:
        """Insert the participation's review; None (nothing written) if it has one already."""
        ...

    async def get(self, review_id: int) -> Review | None: ...
    async def for_participant(self, participant_id: int) -> Review | None: ...
    async def for_participants(self, participant_ids: Sequence[int]) -> dict[int, Review]: ...
    async def update(self, review: Review) -> None: ...

    async def hide(self, review_id: int, admin_id: int, now: datetime) -> bool:
        """Hide the review, once; False if it was hidden already."""
        ...

    async def ratings(self, tutor_ids: Sequence[int]) -> dict[int, Rating]:
        """Each tutor's count and average of the reviews that count (not hidden)."""
        ...

    async def latest(self, tutor_id: int, limit: int, *, public_comments: bool = False) -> list[Review]:
        """The tutor's latest reviews that count; with `public_comments`, only those with a comment others
        may read."""
        ...

    async def low_since(self, tutor_id: int, since: datetime) -> int:
        """How many of the tutor's counted reviews given or changed since `since` are low."""
        ...


class SessionNoteRepository(Protocol):
    async def add(self, note: SessionNote) -> SessionNote: ...

    async def update(self, note: SessionNote) -> None:
        """Write the note and replace its files with the note's."""
        ...

    async def get(self, note_id: int) -> SessionNote | None: ...
    async def for_participant(self, participant_id: int) -> SessionNote | None: ...
    async def for_participants(self, participant_ids: Sequence[int]) -> dict[int, SessionNote]: ...

    async def homework_due(self, now: datetime, before: datetime, limit: int) -> list[SessionNote]:
        """Notes whose homework is due in (now, before] and whose reminder is not sent yet."""
        ...

    async def mark_reminded(self, note: SessionNote, now: datetime) -> bool:
        """Claim the reminder of the note's due date; False if taken, or the due date moved."""
        ...


class WaitlistRepository(Protocol):
    async def add(self, entry: WaitlistEntry) -> WaitlistEntry: ...
    async def get(self, entry_id: int) -> WaitlistEntry | None: ...

    async def update_if(self, entry: WaitlistEntry, expected: WaitlistStatus) -> bool:
        """Write the entry only if its status is still `expected`."""
        ...

    async def active_for(self, slot_id: int, user_id: int) -> WaitlistEntry | None: ...
    async def count_active(self, user_id: int) -> int: ...

    async def next_waiting(self, slot_id: int) -> WaitlistEntry | None:
        """The first in the slot's queue still waiting."""
        ...

    async def lapsed_offers(self, now: datetime, limit: int) -> list[WaitlistEntry]: ...

    async def slots_with_free_seats(self, limit: int) -> list[int]:
        """Slots with someone waiting and a seat free."""
        ...

    async def end_waiting(self, slot_id: int, now: datetime) -> None:
        """The slot is no longer on sale: nobody waits for it any more."""
        ...

    async def of_user(self, user_id: int) -> list[WaitlistEntry]: ...


class MoveProposalRepository(Protocol):
    async def add(self, proposal: MoveProposal) -> MoveProposal: ...
    async def get(self, proposal_id: int) -> MoveProposal | None: ...

    async def update_if(self, proposal: MoveProposal, expected: MoveProposalStatus) -> bool:
        """Write the proposal only if its status is still `expected` (an answer and the expiry at once)."""
        ...

    async def open_for(self, participant_id: int) -> MoveProposal | None: ...
    async def lapsed(self, now: datetime, limit: int) -> list[MoveProposal]: ...


class UnitOfWork(Protocol):
    users: UserRepository
    tutors: TutorRepository
    slots: SlotRepository
    patterns: PatternRepository
    days_off: DayOffRepository
    sessions: SessionRepository
    participants: ParticipantRepository
    payments: PaymentRepository
    attendance: AttendanceRepository
    video_mutes: VideoMuteRepository
    files: SessionFileRepository
    conversations: ConversationRepository
    chat_messages: ChatMessageRepository
    outbox: OutboxRepository
    reminders: ReminderRepository
    webhook_events: WebhookEventRepository
    packages: PackageRepository
    purchases: PurchaseRepository
    credits: CreditLedger
    credit_refunds: CreditRefundRepository
    courses: CourseRepository
    families: FamilyRepository
    reviews: ReviewRepository
    session_notes: SessionNoteRepository
    waitlist: WaitlistRepository
    move_proposals: MoveProposalRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *_exc_info: object) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class ZoneLocator(Protocol):
    def zone_at(self, latitude: float, longitude: float) -> str | None:
        """The IANA zone at a point on Earth, or None (open sea, invalid point)."""
        ...
