"""Several bot processes on one database send each due reminder exactly once: each worker has its own
engine (its own connections), as separate processes would."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from core.usecases.reminders import send_due_reminders
from storage.engine import create_engine
from storage.tables import outbox
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import tutor_and_students

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
STUDENTS = 20


async def test_four_workers_send_every_due_reminder_once(database_url: str, uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(START - timedelta(days=3))
    slot = await tutor_and_students(uow_factory, clock, STUDENTS, capacity=STUDENTS)
    gateway = InstantGateway()
    for student in range(2, STUDENTS + 2):
        await book_slot(
            uow_factory, clock, BusinessRules(), gateway, lambda p: f"x{p}", user_id=student, slot_id=slot.id
        )
    # Everything is due: 24 h and 1 h reminders and the start alerts of 20 students, and the tutor's alert.
    clock.current = START - timedelta(minutes=5)
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        counts = await asyncio.gather(
            *(send_due_reminders(SqlUnitOfWorkFactory(engine), clock, BusinessRules()) for engine in engines)
        )
    finally:
        for engine in engines:
            await engine.dispose()
    expected = STUDENTS * 3 + 1
    assert sum(counts) == expected
    async with uow_factory() as uow:
        sent = (
            await uow.connection.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.kind.in_(["session.reminder", "session.starting", "session.start_alert"]))
            )
        ).scalar_one()
    assert sent == expected
