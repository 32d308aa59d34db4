"""Each entity with the table it is stored in: the one list of what goes where (see `storage.mapping`)."""

from collections.abc import Iterable

from core.courses import Course
from core.credit_refunds import CreditRefund
from core.entities import (
    Attendance,
    ChatMessage,
    Conversation,
    OutboxMessage,
    Participant,
    Payment,
    Reminder,
    SessionFile,
    Slot,
    TeachingSession,
    TutorProfile,
    User,
    VideoMute,
    WeeklyPattern,
)
from core.families import FamilyLink
from core.move_proposals import MoveProposal
from core.packages import CreditEntry, Package, PackagePurchase
from core.reviews import Review
from core.session_notes import NoteFile, SessionNote
from core.waitlist import WaitlistEntry
from storage.mapping import Codec, EntityTable
from storage.tables import (
    attendance,
    chat_messages,
    conversations,
    courses,
    credit_entries,
    credit_refunds,
    family_links,
    move_proposals,
    note_files,
    outbox,
    package_purchases,
    packages,
    participants,
    payments,
    reminders,
    reviews,
    session_files,
    session_notes,
    sessions,
    slots,
    tutor_profiles,
    users,
    video_mutes,
    waitlist_entries,
    weekly_patterns,
)

WEEKDAYS = range(7)


def encode_weekdays(weekdays: Iterable[int]) -> str:
    """The stored form of a set of weekdays: sorted and comma-separated, e.g. "0,2,4"."""
    days = sorted(set(weekdays))
    if not days:
        raise ValueError("a weekly pattern needs at least one weekday")
    invalid = [day for day in days if day not in WEEKDAYS]
    if invalid:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {invalid!r}")
    return ",".join(str(day) for day in days)


def decode_weekdays(stored: str) -> frozenset[int]:
    return frozenset(int(day) for day in stored.split(","))


# The Telegram user id is the key: given by Telegram, never generated here.
USERS = EntityTable(User, users, assigned_id=True)
# The subjects live in `tutor_subjects`, read and written by the tutor repository.
TUTORS = EntityTable(TutorProfile, tutor_profiles)
SLOTS = EntityTable(Slot, slots)
PATTERNS = EntityTable(
    WeeklyPattern, weekly_patterns, codecs={"weekdays": Codec(encode=encode_weekdays, decode=decode_weekdays)}
)
SESSIONS = EntityTable(TeachingSession, sessions)
PARTICIPANTS = EntityTable(Participant, participants)
PAYMENTS = EntityTable(Payment, payments)
ATTENDANCE = EntityTable(Attendance, attendance)
VIDEO_MUTES = EntityTable(VideoMute, video_mutes)
PACKAGES = EntityTable(Package, packages)
PURCHASES = EntityTable(PackagePurchase, package_purchases)
CREDIT_ENTRIES = EntityTable(CreditEntry, credit_entries)
CREDIT_REFUNDS = EntityTable(CreditRefund, credit_refunds)
COURSES = EntityTable(Course, courses)
FAMILY_LINKS = EntityTable(FamilyLink, family_links)
REVIEWS = EntityTable(Review, reviews)
SESSION_NOTES = EntityTable(SessionNote, session_notes)
NOTE_FILES = EntityTable(NoteFile, note_files)
WAITLIST = EntityTable(WaitlistEntry, waitlist_entries)
MOVE_PROPOSALS = EntityTable(MoveProposal, move_proposals)
FILES = EntityTable(SessionFile, session_files)
CONVERSATIONS = EntityTable(Conversation, conversations)
CHAT_MESSAGES = EntityTable(ChatMessage, chat_messages)
OUTBOX = EntityTable(OutboxMessage, outbox)
REMINDERS = EntityTable(Reminder, reminders)
