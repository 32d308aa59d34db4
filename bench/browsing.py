"""Browsing: how long a student waits for a tutor's 4-week calendar and for one day's list of free times,
with 1,000 tutors, 4 weeks of slots each and 50,000 bookings, on SQLite and PostgreSQL; and whether the
queries behind those screens use indexes.

What is timed is what the booking dialog runs (`bot.dialogs.booking`): its calendar and day getters, called
with a stand-in for aiogram-dialog's manager. So the figures hold the use cases (`tutor_offer`: the tutor
and the open slots in one transaction; `get_user`), their queries, the calendar's date maths and the texts
and button labels (gettext, Babel); building the Telegram keyboard from them and sending it are not
included. "Tap on a day" adds the check the dialog makes before it opens a day (`has_free_time`, on the
offer the day screen then reuses within the same update). The screen before the calendar, the list of
all tutors with their next free time, is timed too, as the use case `list_tutors` (its getter would only
add formatting one line per tutor).

The data is written with bulk inserts straight into the tables, shaped the way `add_slot`, `book_slot`,
`confirm_checkout`, `cancel_booking` and `cancel_session` leave them: users, tutor profiles and subjects,
slots (1-to-1 and groups, some full), the sessions of booked slots (some cancelled by the tutor),
participants (paid, holds still running, cancelled) and their payments, with `seats_taken` equal to the
seats held. Reminders, outbox messages and chats are not written: browsing never reads them.

    python -m bench.browsing [--backend sqlite|postgres|both] [--tutors 1000] [--bookings 50000] [--samples 300]
"""

import argparse
import asyncio
import gc
import random
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from types import FrameType, SimpleNamespace
from typing import Any, cast

from aiogram_dialog import DialogManager
from greenlet import getcurrent  # type: ignore[import-untyped]
from sqlalchemy import Table, event, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.common import BACKENDS, insert_rows, latency_summary, print_table, scratch_database
from bot.dialogs import booking
from bot.dialogs.booking import TUTORS_PER_PAGE
from core.availability import window_days
from core.entities import OutboxMessage, User
from core.enums import (
    ACTIVE_PARTICIPANT_STATUSES,
    ParticipantStatus,
    PaymentStatus,
    Role,
    SessionStatus,
    SessionType,
    TutorStatus,
)
from core.join_links import JoinLinks, JoinLinkSigner
from core.money import price_for
from core.rules import BusinessRules
from core.services import Services
from core.timezones import local_to_utc, utc_to_local
from core.usecases.browsing import TutorPage, list_tutors
from integrations.payments_off import PaymentsNotConfigured
from l10n.catalogs import build_i18n
from storage.engine import create_engine
from storage.repositories.tutors import subject_key
from storage.tables import (
    metadata,
    participants,
    payments,
    sessions,
    slots,
    tutor_listing,
    tutor_profiles,
    tutor_subjects,
    users,
)
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock

# A Monday morning. The window holds the US change to summer time (8 March) and the European one (29 March),
# so slots on both sides of a DST change are browsed.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ZONES = (
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
SUBJECTS = (
    "Mathematics",
    "Physics",
    "Chemistry",
    "Biology",
    "English",
    "French",
    "Spanish",
    "German",
    "History",
    "Computer science",
    "Music",
    "Economics",
)
CURRENCIES = ("EUR", "USD", "GBP")
LANGUAGES = ("en", "fr")
# Seven 45-minute lessons a day on the hour (a 15-minute buffer between them), six days a week: 168 slots per
# tutor in the 4-week window. The 13:00 and 16:00 lessons are groups.
LESSON_STARTS = tuple(wall_time(hour) for hour in (9, 10, 11, 13, 14, 15, 16))
GROUP_STARTS = frozenset({wall_time(13), wall_time(16)})
LESSON_MINUTES = 45
BUFFER_MINUTES = 15
GROUP_SEATS = (3, 8)
# A group gets every seat sold this often; the others get some.
FULL_GROUP_SHARE = 0.3
# Among future bookings: holds whose payment is still running, and bookings the student cancelled.
PENDING_SHARE = 0.04
STUDENT_CANCELLED_SHARE = 0.10
# Future sessions the tutor cancelled (everyone refunded, the slot no longer offered).
TUTOR_CANCELLED_SHARE = 0.02
TUTOR_USER_BASE = 1_000_000_000
STUDENT_USER_BASE = 2_000_000_000
# Rows per INSERT (one executemany each): a few thousand keeps the driver's buffers small.
CHUNK = 2_000
# A full scan of a table this big in a browsing query is a finding; smaller ones (the tutors) are cheap.
BIG_TABLE_ROWS = 10_000
# Tables a screen must read whole: the tutor list counts the tutors it lists ("Page 1 of 1,250"), one
# narrow row each; its pages themselves come from the indexes.
READ_WHOLE_BY_DESIGN = frozenset({"tutor_listing"})
WARMUP_ROUNDS = 10

OPERATIONS = (
    ("tutors", "tutor list, first page (list_tutors)"),
    ("tutors_page", "tutor list, a random page (list_tutors)"),
    ("calendar", "4-week calendar (calendar getter)"),
    ("day", "day's slot list (day getter)"),
    ("tap", "tap on a day (check + day getter)"),
    ("open_slots", "the tutor and open slots alone (tutor_offer, 4 weeks)"),
)
# Timed only when the calendar showed a free day to open.
DAY_OPERATIONS = frozenset({"day", "tap"})


@dataclass(frozen=True, slots=True)
class QueryPlan:
    backend: str
    # "use case → repository method" that issued the statement.
    name: str
    statement: str
    plan: str
    # An index or the primary key serves at least one lookup.
    uses_index: bool
    # Tables read whole, with their number of rows.
    full_scans: tuple[tuple[str, int], ...]

    @property
    def scans_big_table(self) -> bool:
        return any(rows >= BIG_TABLE_ROWS and table not in READ_WHOLE_BY_DESIGN for table, rows in self.full_scans)


@dataclass(slots=True)
class BrowseChecks:
    """What the timed browses showed, checked against the seed (in memory, not through the database)."""

    calendars: int = 0
    # The calendar marked exactly the days on which the seed left a bookable slot (in the student's zone).
    calendars_right: int = 0
    calendars_with_free_days: int = 0
    days: int = 0
    # The day list offered exactly the seeded slots of that day still open (not full, not cancelled).
    days_right: int = 0
    # Offered slots that are full or whose session the tutor cancelled: must stay 0.
    unbookable_offered: int = 0
    # The tutor list had every tutor, each with the start of their first bookable slot as seeded.
    tutor_list_right: bool = False


@dataclass(slots=True)
class BrowsingResult:
    backend: str
    tutors: int
    samples: int
    seed_seconds: float
    analyze_seconds: float
    # Rows per seeded table, counted in the database.
    rows: dict[str, int]
    slots_seeded: int
    bookings_seeded: int
    full_slots: int
    cancelled_sessions: int
    # Every slot's seats_taken equals the seats its participants hold (checked in SQL after seeding).
    seats_consistent: bool
    # The first tutor list after seeding, which computes every tutor's next free time (as after the migration).
    first_list_seconds: float = 0.0
    # Operation (see OPERATIONS) -> latency_summary.
    latencies: dict[str, dict[str, float]] = field(default_factory=dict)
    checks: BrowseChecks = field(default_factory=BrowseChecks)
    plans: list[QueryPlan] = field(default_factory=list)

    @property
    def plans_use_indexes(self) -> bool:
        """No query reads a table of BIG_TABLE_ROWS rows or more whole: those are reached through indexes.
        (Small tables may be scanned: the tutor list reads every tutor, and PostgreSQL rightly reads a table
        of a few pages whole rather than through an index.)"""
        return bool(self.plans) and not any(plan.scans_big_table for plan in self.plans)


# --- seeding -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _SeedSlot:
    id: int
    tutor_id: int
    starts_at: datetime
    ends_at: datetime
    zone: str
    session_type: SessionType
    capacity: int
    seats_taken: int = 0
    cancelled: bool = False

    @property
    def bookable(self) -> bool:
        return self.seats_taken < self.capacity and not self.cancelled


@dataclass(slots=True)
class _World:
    tutor_ids: list[int]
    student_ids: list[int]
    student_zones: dict[int, str]
    slots_by_tutor: dict[int, list[_SeedSlot]]
    rows: dict[str, list[dict[str, Any]]]
    full_slots: int
    cancelled_sessions: int
    tutor_names: dict[int, str]


def _stamp(rng: random.Random, before: datetime, days: int) -> datetime:
    return before - timedelta(seconds=rng.randrange(3600, days * 86_400))


def _people(rng: random.Random, tutors: int, students: int) -> tuple[list[dict[str, Any]], dict[int, str]]:
    joined = NOW - timedelta(days=90)
    rows = []
    for index in range(tutors):
        rows.append(
            {
                "id": TUTOR_USER_BASE + index,
                "first_name": f"Tutor {index}",
                "username": f"tutor{index}",
                "language": rng.choice(LANGUAGES),
                "timezone": ZONES[index % len(ZONES)],
                "role": Role.TUTOR.value,
                "created_at": joined,
                "updated_at": joined,
            }
        )
    zones = {}
    for index in range(students):
        user_id = STUDENT_USER_BASE + index
        zones[user_id] = rng.choice(ZONES)
        created = _stamp(rng, NOW, 60)
        rows.append(
            {
                "id": user_id,
                "first_name": f"Student {index}",
                "username": None,
                "language": rng.choice(LANGUAGES),
                "timezone": zones[user_id],
                "role": Role.STUDENT.value,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows, zones


def _tutors(rng: random.Random, count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    joined = NOW - timedelta(days=90)
    profiles, subject_rows = [], []
    for index in range(count):
        tutor_id = index + 1
        profiles.append(
            {
                "id": tutor_id,
                "user_id": TUTOR_USER_BASE + index,
                "display_name": f"Tutor {index:04d}",
                "hourly_rate_minor": rng.randrange(1_500, 6_001, 500),
                "currency": rng.choice(CURRENCIES),
                "timezone": ZONES[index % len(ZONES)],
                "buffer_minutes": BUFFER_MINUTES,
                "cancellation_notice_hours": rng.choice((0, 12, 24)),
                "status": TutorStatus.APPROVED.value,
                "reviewed_by": None,
                "reviewed_at": joined,
                "created_at": joined,
                "updated_at": joined,
            }
        )
        for position, name in enumerate(rng.sample(SUBJECTS, rng.randint(1, 3))):
            subject_rows.append(
                {"tutor_id": tutor_id, "position": position, "name": name, "name_key": subject_key(name)}
            )
    return profiles, subject_rows


def _tutor_slots(rng: random.Random, tutor_id: int, zone: str, next_id: int) -> list[_SeedSlot]:
    """The tutor's 4-week window, one weekday off, made the way `add_slot` resolves a local time."""
    first, last = window_days(NOW, zone, BusinessRules().booking_window_days)
    day_off = tutor_id % 7
    made: list[_SeedSlot] = []
    day = first
    while day <= last:
        if day.weekday() != day_off:
            for start in LESSON_STARTS:
                local_start = datetime.combine(day, start)
                is_group = start in GROUP_STARTS
                made.append(
                    _SeedSlot(
                        id=next_id + len(made),
                        tutor_id=tutor_id,
                        starts_at=local_to_utc(local_start, zone).instant,
                        ends_at=local_to_utc(local_start + timedelta(minutes=LESSON_MINUTES), zone).instant,
                        zone=zone,
                        session_type=SessionType.GROUP if is_group else SessionType.ONE_TO_ONE,
                        capacity=rng.randint(*GROUP_SEATS) if is_group else 1,
                    )
                )
        day += timedelta(days=1)
    return made


def _session_status(slot: _SeedSlot) -> SessionStatus:
    if slot.ends_at <= NOW:
        return SessionStatus.COMPLETED
    if slot.starts_at <= NOW:
        return SessionStatus.IN_PROGRESS
    return SessionStatus.SCHEDULED


def _payment_row(participant: dict[str, Any], amount: int, currency: str, status: PaymentStatus) -> dict[str, Any]:
    """Every seeded booking went through a Stripe checkout (no free lessons)."""
    participant_id = participant["id"]
    paid = status in (PaymentStatus.PAID, PaymentStatus.REFUNDED)
    return {
        "id": participant_id,
        "participant_id": participant_id,
        "amount_minor": amount,
        "currency": currency,
        "status": status.value,
        "provider": "stripe",
        "checkout_session_id": f"cs_bench_{participant_id}",
        "checkout_url": f"https://checkout.example/cs_bench_{participant_id}",
        "provider_status": "complete" if paid else ("open" if status is PaymentStatus.PENDING else "expired"),
        "payment_intent_id": f"pi_bench_{participant_id}" if paid else None,
        "refund_id": f"re_bench_{participant_id}" if status is PaymentStatus.REFUNDED else None,
        "refund_attempts": 1 if status is PaymentStatus.REFUNDED else 0,
        "next_refund_attempt_at": None,
        "last_error": None,
        "created_at": participant["created_at"],
        "updated_at": participant["updated_at"],
    }


def _book(
    rng: random.Random,
    slot: _SeedSlot,
    students: list[int],
    count: int,
    profile: dict[str, Any],
    session_id: int,
    next_participant: int,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` bookings of distinct students in the slot's session, as `book_slot` and then the payment
    webhook, `cancel_booking` or nothing yet (a hold still running) leave them; updates `seats_taken`."""
    amount = price_for(profile["hourly_rate_minor"], LESSON_MINUTES)
    future = slot.starts_at > NOW
    participant_rows, payment_rows = [], []
    for offset, user_id in enumerate(rng.sample(students, count)):
        booked_at = min(_stamp(rng, slot.starts_at, 14), NOW - timedelta(minutes=30))
        roll = rng.random()
        row: dict[str, Any] = {
            "id": next_participant + offset,
            "session_id": session_id,
            "user_id": user_id,
            "hold_expires_at": booked_at + timedelta(minutes=BusinessRules().payment_hold_minutes),
            "booked_at": booked_at,
            "cancelled_at": None,
            "note": "Exam practice, please" if roll < 0.2 else None,
            "reminders_enabled": roll > 0.1,
            "created_at": booked_at,
            "updated_at": booked_at,
        }
        if future and roll < PENDING_SHARE:
            row |= {"status": ParticipantStatus.PENDING_PAYMENT, "booked_at": None}
            row["created_at"] = row["updated_at"] = NOW - timedelta(minutes=5)
            row["hold_expires_at"] = NOW + timedelta(minutes=10)
            payment = PaymentStatus.PENDING
        elif future and roll < PENDING_SHARE + STUDENT_CANCELLED_SHARE:
            cancelled_at = booked_at + (NOW - booked_at) / 2
            row |= {"status": ParticipantStatus.CANCELLED, "cancelled_at": cancelled_at, "updated_at": cancelled_at}
            payment = PaymentStatus.REFUNDED
        else:
            row["status"] = ParticipantStatus.BOOKED
            payment = PaymentStatus.PAID
        if row["status"] in ACTIVE_PARTICIPANT_STATUSES:
            slot.seats_taken += 1
        participant_rows.append(row)
        payment_rows.append(_payment_row(row, amount, profile["currency"], payment))
    return participant_rows, payment_rows


def _cancel_by_tutor(
    slot: _SeedSlot, participant_rows: list[dict[str, Any]], payment_rows: list[dict[str, Any]]
) -> None:
    """What `cancel_session` does: every seat released, paid ones refunded, running checkouts expired."""
    cancelled_at = NOW - timedelta(hours=2)
    for index, participant in enumerate(participant_rows):
        if participant["status"] not in ACTIVE_PARTICIPANT_STATUSES:
            continue
        outcome = PaymentStatus.REFUNDED if participant["status"] is ParticipantStatus.BOOKED else PaymentStatus.EXPIRED
        participant |= {"status": ParticipantStatus.CANCELLED, "cancelled_at": cancelled_at, "updated_at": cancelled_at}
        payment = payment_rows[index]
        payment_rows[index] = _payment_row(participant, payment["amount_minor"], payment["currency"], outcome)
    slot.seats_taken = 0
    slot.cancelled = True


def _seats_to_sell(rng: random.Random, slot: _SeedSlot) -> int:
    if slot.session_type is SessionType.ONE_TO_ONE:
        return 1
    if rng.random() < FULL_GROUP_SHARE:
        return slot.capacity
    return rng.randint(1, slot.capacity - 1)


def _session_row(session_id: int, slot: _SeedSlot, status: SessionStatus, created: datetime) -> dict[str, Any]:
    started = slot.starts_at if status in (SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED) else None
    return {
        "id": session_id,
        "slot_id": slot.id,
        "tutor_id": slot.tutor_id,
        "status": status.value,
        "channel_name": f"session-{session_id}" if started else None,
        "started_at": started,
        "completed_at": slot.ends_at if status is SessionStatus.COMPLETED else None,
        "cancel_reason": "Unwell, sorry" if status is SessionStatus.CANCELLED else None,
        "created_at": created,
        "updated_at": NOW - timedelta(hours=2) if status is SessionStatus.CANCELLED else created,
    }


def _build_world(tutors: int, bookings: int, seed: int) -> _World:
    rng = random.Random(seed)
    student_count = max(20, bookings // 2)
    user_rows, student_zones = _people(rng, tutors, student_count)
    profiles, subject_rows = _tutors(rng, tutors)
    by_id = {profile["id"]: profile for profile in profiles}
    slots_by_tutor: dict[int, list[_SeedSlot]] = {}
    every_slot: list[_SeedSlot] = []
    for profile in profiles:
        made = _tutor_slots(rng, profile["id"], profile["timezone"], len(every_slot) + 1)
        slots_by_tutor[profile["id"]] = made
        every_slot.extend(made)
    students = list(student_zones)
    session_rows: list[dict[str, Any]] = []
    participant_rows: list[dict[str, Any]] = []
    payment_rows: list[dict[str, Any]] = []
    remaining = bookings
    for slot in rng.sample(every_slot, len(every_slot)):
        if remaining == 0:
            break
        count = min(_seats_to_sell(rng, slot), remaining, len(students))
        remaining -= count
        session_id = len(session_rows) + 1
        booked, paid = _book(rng, slot, students, count, by_id[slot.tutor_id], session_id, len(participant_rows) + 1)
        status = _session_status(slot)
        if status is SessionStatus.SCHEDULED and rng.random() < TUTOR_CANCELLED_SHARE:
            _cancel_by_tutor(slot, booked, paid)
            status = SessionStatus.CANCELLED
        session_rows.append(_session_row(session_id, slot, status, min(row["created_at"] for row in booked)))
        participant_rows.extend(booked)
        payment_rows.extend(paid)
    if remaining:
        raise ValueError(f"only {bookings - remaining} of {bookings} bookings fit in {len(every_slot)} slots")
    created = NOW - timedelta(days=30)
    slot_rows = [
        {
            "id": slot.id,
            "tutor_id": slot.tutor_id,
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "timezone": slot.zone,
            "session_type": slot.session_type.value,
            "capacity": slot.capacity,
            "seats_taken": slot.seats_taken,
            "pattern_id": None,
            "created_at": created,
            "updated_at": created,
        }
        for slot in every_slot
    ]
    for row in participant_rows:
        row["status"] = ParticipantStatus(row["status"]).value
    return _World(
        tutor_ids=list(by_id),
        student_ids=students,
        student_zones=student_zones,
        slots_by_tutor=slots_by_tutor,
        # In foreign-key order.
        rows={
            users.name: user_rows,
            tutor_profiles.name: profiles,
            tutor_subjects.name: subject_rows,
            # As the migration leaves them: stale, so the first list computes every tutor's next free time.
            tutor_listing.name: [
                {
                    "tutor_id": p["id"],
                    "listed": True,
                    "name_key": p["display_name"].casefold(),
                    "next_open_at": p["created_at"],
                    "computed_after": p["created_at"],
                }
                for p in profiles
            ],
            slots.name: slot_rows,
            sessions.name: session_rows,
            participants.name: participant_rows,
            payments.name: payment_rows,
        },
        full_slots=sum(1 for slot in every_slot if slot.seats_taken == slot.capacity),
        cancelled_sessions=sum(1 for slot in every_slot if slot.cancelled),
        tutor_names={p["id"]: p["display_name"] for p in profiles},
    )


async def _insert_all(engine: AsyncEngine, world: _World) -> None:
    async with engine.begin() as connection:
        for name, rows in world.rows.items():
            await insert_rows(connection, metadata.tables[name], rows, CHUNK)
        if connection.dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them, as if the rows had been inserted one by one.
            for name, rows in world.rows.items():
                if rows and "id" in rows[0] and metadata.tables[name].c.id.autoincrement is True:
                    await connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
                    )


async def _analyze(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def _row_counts(engine: AsyncEngine, tables: Sequence[Table]) -> dict[str, int]:
    async with engine.connect() as connection:
        return {
            table.name: int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
            for table in tables
        }


async def _seats_consistent(engine: AsyncEngine) -> bool:
    held = (
        select(func.count())
        .select_from(participants.join(sessions, sessions.c.id == participants.c.session_id))
        .where(
            sessions.c.slot_id == slots.c.id,
            participants.c.status.in_([status.value for status in ACTIVE_PARTICIPANT_STATUSES]),
        )
        .scalar_subquery()
    )
    async with engine.connect() as connection:
        wrong = (await connection.execute(select(func.count()).where(slots.c.seats_taken != held))).scalar_one()
    return wrong == 0


# --- the dialog's screens ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Manager:
    """The part of aiogram-dialog's DialogManager the booking getters read."""

    middleware_data: dict[str, Any]
    dialog_data: dict[str, Any]


class _NoMessages:
    """Browsing sends nothing: the screens read, they never queue a message."""

    async def deliver(self, message: OutboxMessage, recipient: User | None) -> None:
        raise AssertionError("browsing does not deliver messages")


class _Screens:
    def __init__(self, engine: AsyncEngine) -> None:
        self._uow_factory = SqlUnitOfWorkFactory(engine)
        self._clock = FixedClock(NOW)
        self._rules = BusinessRules()
        services = Services(
            uow_factory=self._uow_factory,
            clock=self._clock,
            rules=self._rules,
            gateway=PaymentsNotConfigured(),
            join_links=JoinLinks(JoinLinkSigner(b"browsing-benchmark-secret"), "http://127.0.0.1"),
            notifier=_NoMessages(),
        )
        self._middleware: dict[str, Any] = {"services": services}

    def manager(self, tutor_id: int, student_id: int, day: date | None = None) -> DialogManager:
        data: dict[str, Any] = {"tutor_id": tutor_id}
        if day is not None:
            data["day"] = day.isoformat()
        middleware = self._middleware | {"event_from_user": SimpleNamespace(id=student_id)}
        return cast(DialogManager, _Manager(middleware_data=middleware, dialog_data=data))

    async def calendar(self, tutor_id: int, student_id: int) -> dict[str, Any]:
        return await booking.calendar_screen(self.manager(tutor_id, student_id))

    async def day(self, tutor_id: int, student_id: int, day: date) -> dict[str, Any]:
        return await booking.day_screen(self.manager(tutor_id, student_id, day))

    async def tap(self, tutor_id: int, student_id: int, day: date) -> dict[str, Any]:
        """The day tap's check (is anything free that day?) followed by the day screen, as one tap costs."""
        manager = self.manager(tutor_id, student_id, day)
        if not await booking.has_free_time(manager, day):
            raise AssertionError(f"tutor {tutor_id} has nothing free on {day}")
        return await booking.day_screen(manager)

    async def tutors(self, page: int = 0) -> TutorPage:
        """What the tutors screen lists with no subject chosen (its getter also formats every line)."""
        return await list_tutors(
            self._uow_factory(), self._clock, self._rules, subject=None, page=page, per_page=TUTORS_PER_PAGE
        )

    async def open_slots(self, tutor_id: int, student_id: int) -> int:
        return len(await booking.offered_slots(self.manager(tutor_id, student_id)))


def _free_days(labels: list[tuple[str, str]]) -> set[date]:
    return {date.fromisoformat(iso) for iso, label in labels if label.startswith("•")}


def _expected_open(world: _World, tutor_id: int) -> list[_SeedSlot]:
    """What the seed leaves bookable: from now to the end of the tutor's 4-week window, a seat left."""
    _first, last = window_days(NOW, world.slots_by_tutor[tutor_id][0].zone, BusinessRules().booking_window_days)
    return [
        slot
        for slot in world.slots_by_tutor[tutor_id]
        if slot.bookable and slot.starts_at >= NOW and utc_to_local(slot.starts_at, slot.zone).date() <= last
    ]


def _expected_calendar(world: _World, tutor_id: int, zone: str) -> set[date]:
    today = utc_to_local(NOW, zone).date()
    last = today + timedelta(days=BusinessRules().booking_window_days - 1)
    days = {utc_to_local(slot.starts_at, zone).date() for slot in _expected_open(world, tutor_id)}
    return {day for day in days if today <= day <= last}


async def _tutor_list_right(world: _World, screens: "_Screens") -> bool:
    """Every page, in order, is the seeded tutors sorted by their first free time, then by name."""
    horizon = NOW + timedelta(days=BusinessRules().booking_window_days + 1)
    names = world.tutor_names
    expected = [
        (tutor_id, min((s.starts_at for s in made if s.bookable and NOW < s.starts_at < horizon), default=None))
        for tutor_id, made in world.slots_by_tutor.items()
    ]
    expected.sort(key=lambda pair: (pair[1] is None, pair[1] or NOW, names[pair[0]].casefold(), pair[0]))
    first = await screens.tutors()
    listed = [(card.tutor.id, card.next_free) for card in first.cards]
    for page in range(1, first.pages):
        listed += [(card.tutor.id, card.next_free) for card in (await screens.tutors(page)).cards]
    return listed == expected


def _unbookable_ids(world: _World, tutor_id: int) -> set[int]:
    return {slot.id for slot in world.slots_by_tutor[tutor_id] if not slot.bookable}


# --- query plans ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Captured:
    name: str
    statement: str
    parameters: Any


def _caller() -> str:
    """ "use case → repository method" that issued the statement being executed.

    SQLAlchemy's async layer runs the driver call in a child greenlet, whose stack stops there; the async
    code that made the call is the stack of the parent greenlet, suspended meanwhile.
    """
    parent = getcurrent().parent
    frame: FrameType | None = parent.gr_frame if parent is not None else None
    use_case = repository = ""
    # Innermost first: the last frame seen of each kind is the outermost, the one the dialog called.
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("core.usecases"):
            use_case = frame.f_code.co_qualname
        elif module.startswith("storage.repositories"):
            repository = frame.f_code.co_qualname
        frame = frame.f_back
    return f"{use_case} → {repository}" if use_case else repository or "?"


_SQLITE_INDEX = re.compile(r"^SEARCH (\w+) USING (?:(?:COVERING )?INDEX|INTEGER PRIMARY KEY|PRIMARY KEY)")
_SQLITE_SCAN = re.compile(r"^SCAN (\w+)")
_POSTGRES_INDEX = re.compile(r"(?:Index Scan|Index Only Scan) using \w+ on (\w+)|Bitmap Index Scan on (\w+)")
_POSTGRES_SCAN = re.compile(r"Seq Scan on (\w+)")


def _judge(backend: str, plan_lines: list[str], counts: dict[str, int]) -> tuple[bool, tuple[tuple[str, int], ...]]:
    index_pattern, scan_pattern = (
        (_SQLITE_INDEX, _SQLITE_SCAN) if backend == "sqlite" else (_POSTGRES_INDEX, _POSTGRES_SCAN)
    )
    indexed = any(index_pattern.search(line.strip()) for line in plan_lines)
    scans = []
    for line in plan_lines:
        match = scan_pattern.search(line.strip())
        # SQLite names a table by its alias in the query, if any; those count as small.
        if match and match.group(1) != "CONSTANT":
            scans.append((match.group(1), counts.get(match.group(1), 0)))
    return indexed, tuple(scans)


async def _explain(
    engine: AsyncEngine, backend: str, captured: list[_Captured], counts: dict[str, int]
) -> list[QueryPlan]:
    plans = []
    async with engine.connect() as connection:
        for query in captured:
            for label, lines in await _plan_variants(connection, backend, query):
                uses_index, scans = _judge(backend, lines, counts)
                plans.append(
                    QueryPlan(
                        backend=backend,
                        name=query.name + label,
                        statement=query.statement,
                        plan="\n".join(lines),
                        uses_index=uses_index,
                        full_scans=scans,
                    )
                )
    return plans


async def _plan_variants(connection: AsyncConnection, backend: str, query: _Captured) -> list[tuple[str, list[str]]]:
    if backend == "sqlite":
        result = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + query.statement, query.parameters)
        depth = {0: -1}
        lines = []
        # Rows are (id, parent, unused, detail); children are indented under their parent.
        for row in result:
            node, parent, _unused, detail = tuple(row)
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return [("", lines)]
    result = await connection.exec_driver_sql("EXPLAIN (COSTS OFF) " + query.statement, query.parameters)
    variants = [("", [str(row[0]) for row in result])]
    # asyncpg prepares every statement, and PostgreSQL may switch a prepared statement to a generic plan (one
    # for any parameter values) after five runs: that plan must use the indexes too. EXPLAIN EXECUTE takes
    # no bind parameters, hence literals (untyped, so each takes the type of its parameter).
    if not query.parameters:
        # Nothing to bind: the one plan is the generic one.
        await connection.rollback()
        return variants
    literals = ", ".join(_literal(value) for value in query.parameters)
    await connection.exec_driver_sql(f"PREPARE bench_plan AS {query.statement}")
    await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    result = await connection.exec_driver_sql(f"EXPLAIN (COSTS OFF) EXECUTE bench_plan({literals})")
    variants.append((" [generic plan]", [str(row[0]) for row in result]))
    await connection.exec_driver_sql("DEALLOCATE bench_plan")
    await connection.rollback()
    return variants


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    return "'" + str(value).replace("'", "''") + "'"


async def _capture(engine: AsyncEngine, action: Callable[[], Awaitable[object]]) -> list[_Captured]:
    captured: list[_Captured] = []

    def record(
        _conn: Connection, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            captured.append(_Captured(_caller(), statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await action()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    return captured


# --- the run -------------------------------------------------------------------------------------------


async def _timed(action: Awaitable[Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = await action
    return time.perf_counter() - started, value


async def _browse(
    screens: _Screens, world: _World, rng: random.Random, checks: BrowseChecks, timings: dict[str, list[float]]
) -> None:
    """One student browses: the list of tutors, one tutor's calendar, then a day with free time."""
    elapsed, first = await _timed(screens.tutors())
    timings["tutors"].append(elapsed)
    elapsed, _page = await _timed(screens.tutors(rng.randrange(first.pages)))
    timings["tutors_page"].append(elapsed)
    tutor_id = rng.choice(world.tutor_ids)
    student_id = rng.choice(world.student_ids)
    zone = world.student_zones[student_id]
    elapsed, calendar = await _timed(screens.calendar(tutor_id, student_id))
    timings["calendar"].append(elapsed)
    free = _free_days(calendar["days"])
    checks.calendars += 1
    checks.calendars_right += free == _expected_calendar(world, tutor_id, zone) and calendar["has_free"] == bool(free)
    checks.calendars_with_free_days += bool(free)
    elapsed, _count = await _timed(screens.open_slots(tutor_id, student_id))
    timings["open_slots"].append(elapsed)
    if not free:
        return
    day = rng.choice(sorted(free))
    elapsed, listing = await _timed(screens.day(tutor_id, student_id, day))
    timings["day"].append(elapsed)
    elapsed, _again = await _timed(screens.tap(tutor_id, student_id, day))
    timings["tap"].append(elapsed)
    offered = {int(slot_id) for slot_id, _label in listing["slots"]}
    expected = {slot.id for slot in _expected_open(world, tutor_id) if utc_to_local(slot.starts_at, zone).date() == day}
    checks.days += 1
    checks.days_right += bool(offered) and offered == expected
    checks.unbookable_offered += len(offered & _unbookable_ids(world, tutor_id))


def _distinct(captured: list[_Captured]) -> list[_Captured]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for query in captured:
        if (query.name, query.statement) not in seen:
            seen.add((query.name, query.statement))
            unique.append(query)
    return unique


async def run(
    backend: str, tutors: int = 1_000, bookings: int = 50_000, samples: int = 300, seed: int = 1
) -> BrowsingResult:
    """Seed a scratch database of `backend`, time `samples` browses and explain the queries they make."""
    world = _build_world(tutors, bookings, seed)
    i18n = build_i18n("en")
    async with scratch_database(backend) as url:
        engine = create_engine(url)
        try:
            seed_seconds, _none = await _timed(_insert_all(engine, world))
            analyze_seconds, _none = await _timed(_analyze(engine))
            counts = await _row_counts(engine, [metadata.tables[name] for name in world.rows])
            world.rows.clear()
            result = BrowsingResult(
                backend=backend,
                tutors=tutors,
                samples=samples,
                seed_seconds=seed_seconds,
                analyze_seconds=analyze_seconds,
                rows=counts,
                slots_seeded=counts[slots.name],
                bookings_seeded=counts[participants.name],
                full_slots=world.full_slots,
                cancelled_sessions=world.cancelled_sessions,
                seats_consistent=await _seats_consistent(engine),
            )
            screens = _Screens(engine)
            with i18n.context(), i18n.use_locale("en"):
                result.first_list_seconds, _page = await _timed(screens.tutors())
            rng = random.Random(seed + 1)
            timings: dict[str, list[float]] = defaultdict(list)
            # The seed kept for the checks is hundreds of thousands of objects: left to the collector, each
            # full collection would walk them all (a pause of ~150 ms every ~80 tutor lists), which the bot's
            # own process, without them, never has.
            gc.collect()
            gc.freeze()
            with i18n.context(), i18n.use_locale("en"):
                # Untimed: the pool's connections, the statement caches and the zone files get loaded.
                for _round in range(WARMUP_ROUNDS):
                    await _browse(screens, world, rng, BrowseChecks(), defaultdict(list))
                for _sample in range(samples):
                    await _browse(screens, world, rng, result.checks, timings)
                result.checks.tutor_list_right = await _tutor_list_right(world, screens)
                captured = await _capture(
                    engine, lambda: _browse(screens, world, rng, BrowseChecks(), defaultdict(list))
                )
            result.latencies = {name: latency_summary(values) for name, values in timings.items() if values}
            result.plans = await _explain(engine, backend, _distinct(captured), counts)
        finally:
            gc.unfreeze()
            await engine.dispose()
    return result


# --- report --------------------------------------------------------------------------------------------


def report(results: Sequence[BrowsingResult]) -> None:
    print_table(
        "Browsing: seeded data",
        [
            "backend",
            "tutors",
            "students",
            "slots",
            "full slots",
            "sessions",
            "cancelled by tutor",
            "bookings",
            "seats consistent",
            "insert s",
            "ANALYZE s",
            "first list s",
        ],
        [
            [
                r.backend,
                r.tutors,
                r.rows[users.name] - r.tutors,
                r.slots_seeded,
                r.full_slots,
                r.rows[sessions.name],
                r.cancelled_sessions,
                r.bookings_seeded,
                "yes" if r.seats_consistent else "NO",
                r.seed_seconds,
                r.analyze_seconds,
                r.first_list_seconds,
            ]
            for r in results
        ],
    )
    labels = dict(OPERATIONS)
    print_table(
        "Browsing: latency (ms)",
        ["backend", "operation", "samples", "p50", "p99", "mean", "max"],
        [
            [r.backend, labels[name], r.checks.days if name in DAY_OPERATIONS else r.samples, *_figures(s)]
            for r in results
            for name, _label in OPERATIONS
            if (s := r.latencies.get(name))
        ],
    )
    print_table(
        "Browsing: correctness",
        [
            "backend",
            "tutor list right",
            "calendars right",
            "with free days",
            "day lists right",
            "full/cancelled offered",
        ],
        [
            [
                r.backend,
                "yes" if r.checks.tutor_list_right else "NO",
                f"{r.checks.calendars_right}/{r.checks.calendars}",
                r.checks.calendars_with_free_days,
                f"{r.checks.days_right}/{r.checks.days}",
                r.checks.unbookable_offered,
            ]
            for r in results
        ],
    )
    print_table(
        "Browsing: query plans",
        ["backend", "query", "uses index", "reads whole", "plan"],
        [
            [p.backend, p.name, "yes" if p.uses_index else "no", _scans(p), _one_line(p.plan)]
            for r in results
            for p in r.plans
        ],
    )


def _figures(summary: dict[str, float]) -> list[float]:
    return [summary["p50_ms"], summary["p99_ms"], summary["mean_ms"], summary["max_ms"]]


def _scans(plan: QueryPlan) -> str:
    return ", ".join(f"{table} ({rows:,} rows)" for table, rows in plan.full_scans) or "-"


# The tutor list's thousand ids, as PostgreSQL prints them in a plan.
_LONG_ARRAY = re.compile(r"'\{[^}]{40,}\}'|ARRAY\[[^\]]{40,}\]")


def _one_line(plan: str) -> str:
    text = " / ".join(line.strip() for line in plan.splitlines() if line.strip())
    return _LONG_ARRAY.sub(lambda match: "ARRAY[…]" if match.group().startswith("ARRAY") else "'{…}'", text)


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.browsing",
        description="p50/p99 of the tutor list, a tutor's 4-week calendar and a day's free times, and query plans.",
    )
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--tutors", type=int, default=1_000)
    parser.add_argument("--bookings", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    results = []
    for backend in backends:
        print(
            f"{backend}: seeding {args.tutors:,} tutors and {args.bookings:,} bookings, then {args.samples} browses…",
            flush=True,
        )
        results.append(await run(backend, args.tutors, args.bookings, args.samples, args.seed))
    report(results)


if __name__ == "__main__":
    asyncio.run(main())
