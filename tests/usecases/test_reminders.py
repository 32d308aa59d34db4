"""Reminders on a pinned clock: what is stored at booking, what is sent when, and what never is."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.enums import ReminderKind, ReminderStatus
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from core.usecases.cancellations import cancel_booking
from core.usecases.reminders import daily_cleanup, send_due_reminders
from storage.engine import create_engine
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import TUTOR, tutor_and_students

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
RULES = BusinessRules()
ANN = 2


def link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def stored(uow_factory: SqlUnitOfWorkFactory, session_id: int) -> list[tuple[int, ReminderKind, int]]:
    async with uow_factory() as uow:
        rows = await uow.reminders.list_for_session(session_id)
    return [(r.recipient_id, r.kind, r.offset_minutes) for r in rows]


async def sent_kinds(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[int, str]]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 100)]
    return [(m.recipient_id, m.kind) for m in messages if m and m.kind.startswith("session.")]


@pytest.mark.parametrize(
    ("booked_before", "expected"),
    [
        # Three days ahead: 24 h and 1 h before, and the start alerts.
        (
            timedelta(days=3),
            [
                (ANN, ReminderKind.REMINDER, 1440),
                (ANN, ReminderKind.REMINDER, 60),
                (ANN, ReminderKind.START_ALERT, 10),
                (TUTOR, ReminderKind.START_ALERT, 10),
            ],
        ),
        # Two hours ahead: the 24-hour reminder would come right after booking, so it is not stored.
        (
            timedelta(hours=2),
            [
                (ANN, ReminderKind.REMINDER, 60),
                (ANN, ReminderKind.START_ALERT, 10),
                (TUTOR, ReminderKind.START_ALERT, 10),
            ],
        ),
        # Thirty minutes ahead: only the start alerts.
        (timedelta(minutes=30), [(ANN, ReminderKind.START_ALERT, 10), (TUTOR, ReminderKind.START_ALERT, 10)]),
    ],
)
async def test_what_is_stored_depends_on_how_early_the_booking_is(
    uow_factory: SqlUnitOfWorkFactory, booked_before: timedelta, expected: list[tuple[int, ReminderKind, int]]
) -> None:
    clock = FixedClock(START - booked_before)
    slot = await tutor_and_students(uow_factory, clock, 1)
    result = await book_slot(uow_factory, clock, RULES, InstantGateway(), link, user_id=ANN, slot_id=slot.id)
    assert sorted(await stored(uow_factory, result.participant.session_id)) == sorted(expected)


async def test_reminders_go_out_when_due_once_and_not_after_a_cancellation(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(START - timedelta(days=3))
    slot = await tutor_and_students(uow_factory, clock, 2, capacity=2)
    gateway = InstantGateway()
    ann = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=2, slot_id=slot.id)
    bob = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=3, slot_id=slot.id, reminders=False)
    assert await send_due_reminders(uow_factory, clock, RULES) == 0
    clock.current = START - timedelta(hours=24)
    assert await send_due_reminders(uow_factory, clock, RULES) == 1  # Ann only: Bob switched reminders off
    assert await send_due_reminders(uow_factory, clock, RULES) == 0
    # Ann cancels: her 1-hour reminder and start alert are never sent; Bob still gets his start alert.
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=2, participant_id=ann.participant.id)
    clock.current = START - timedelta(minutes=10)
    assert await send_due_reminders(uow_factory, clock, RULES) == 2  # Bob's "starting soon" and the tutor's alert
    assert sorted(await sent_kinds(uow_factory)) == sorted(
        [(2, NotificationKind.REMINDER), (3, NotificationKind.SESSION_STARTING), (TUTOR, NotificationKind.START_ALERT)]
    )
    async with uow_factory() as uow:
        rows = await uow.reminders.list_for_session(ann.participant.session_id)
    assert {(r.recipient_id, r.offset_minutes): r.status for r in rows}[(2, 60)] is ReminderStatus.DROPPED
    del bob


async def test_a_restart_between_booking_and_sending_loses_nothing(
    tmp_path: Path, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = FixedClock(START - timedelta(days=2))
    slot = await tutor_and_students(uow_factory, clock, 1)
    await book_slot(uow_factory, clock, RULES, InstantGateway(), link, user_id=ANN, slot_id=slot.id)
    # A new process: a new engine on the same database file.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    try:
        fresh = SqlUnitOfWorkFactory(engine)
        clock.current = START - timedelta(minutes=59)
        assert await send_due_reminders(fresh, clock, RULES) == 2  # the 24 h one and the 1 h one, both due now
    finally:
        await engine.dispose()


async def test_a_backlog_larger_than_a_batch_goes_out_in_one_run(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(START - timedelta(days=3))
    slot = await tutor_and_students(uow_factory, clock, 5, capacity=5)
    gateway = InstantGateway()
    for student in range(2, 7):
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=student, slot_id=slot.id)
    clock.current = START - timedelta(minutes=5)
    # 5 students x (24 h, 1 h, starting soon) + the tutor's alert, in batches of 4.
    assert await send_due_reminders(uow_factory, clock, RULES, limit=4) == 16
    assert await send_due_reminders(uow_factory, clock, RULES, limit=4) == 0


async def test_the_daily_cleanup_keeps_booked_history(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(START - timedelta(days=1))
    booked = await tutor_and_students(uow_factory, clock, 1)
    await book_slot(uow_factory, clock, RULES, InstantGateway(), link, user_id=ANN, slot_id=booked.id)
    from core.availability import SlotSpec
    from core.enums import SessionType
    from core.usecases.availability import add_slot

    free = await add_slot(
        uow_factory(),
        clock,
        RULES,
        user_id=TUTOR,
        spec=SlotSpec(
            day=booked.starts_at.date(),
            start=datetime(2000, 1, 1, 9).time(),
            minutes=60,
            session_type=SessionType.ONE_TO_ONE,
            capacity=1,
        ),
    )
    clock.current = START + timedelta(days=1)
    result = await daily_cleanup(uow_factory, clock, RULES)
    assert result["deleted"] == 1
    async with uow_factory() as uow:
        assert await uow.slots.get(free.id) is None
        assert await uow.slots.get(booked.id) is not None
