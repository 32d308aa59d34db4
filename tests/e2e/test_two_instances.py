"""Two bot instances on one PostgreSQL database run the same jobs at the same time: every due reminder
reaches its person exactly once through the (fake) Bot API."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.app import build_components
from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from storage.migrate import upgrade_to_head
from tests.e2e.conftest import make_settings
from tests.fakes import FakeTelegram
from tests.support.clock import FixedClock
from tests.support.payments import InstantGateway
from tests.support.people import tutor_and_students

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
STUDENTS = 12


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    server = os.environ.get("TUTORBOT_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("set TUTORBOT_TEST_POSTGRES_URL to run the PostgreSQL tests")
    name = f"tutorbot_two_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_two_instances_send_each_due_reminder_once(
    telegram: FakeTelegram, postgres_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(START - timedelta(days=3))
    await upgrade_to_head(postgres_url)
    settings = make_settings(telegram, tmp_path / "unused.db", DATABASE_URL=postgres_url)
    instances = [await build_components(settings, clock=clock) for _ in range(2)]
    try:
        first = instances[0]
        slot = await tutor_and_students(first.uow_factory, clock, STUDENTS, capacity=STUDENTS)
        for student in range(2, STUDENTS + 2):
            await book_slot(
                first.uow_factory,
                clock,
                BusinessRules(),
                InstantGateway(),
                lambda p: f"x{p}",
                user_id=student,
                slot_id=slot.id,
            )
        clock.current = START - timedelta(minutes=5)
        for job in ("reminders", "outbox"):
            await asyncio.gather(*(parts.jobs[job].run(parts.job_context) for parts in instances))
        # The booking messages were sent by the outbox round too; count only the reminders.
        for student in range(2, STUDENTS + 2):
            texts = [m.text for m in telegram.user(student).messages]
            assert sum(t.startswith("⏰ Reminder") for t in texts) == 2, texts  # 24 h and 1 h
            assert sum("join button arrives" in t for t in texts) == 1, texts
        tutor_alerts = [m for m in telegram.user(1).messages if m.text.startswith("⏰ Your session of")]
        assert len(tutor_alerts) == 1 and tutor_alerts[0].button_labels == ["▶️ Start the session"]
    finally:
        for parts in instances:
            await parts.close()
