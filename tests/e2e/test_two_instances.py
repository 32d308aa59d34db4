"""Two bot instances on one PostgreSQL database run the same jobs at the same time: every due reminder
reaches its person exactly once through the (fake) Bot API."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.wiring import build_components
from storage.migrate import upgrade_to_head
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.people import tutor_and_students
from tests.e2e.conftest import make_settings

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)
STUDENTS = 12


async def test_two_instances_send_each_due_reminder_once(
    telegram: FakeTelegram, postgres_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(START - timedelta(days=3))
    await upgrade_to_head(postgres_url)
    settings = make_settings(telegram, tmp_path / "unused.db", DATABASE_URL=postgres_url)
    instances = [await build_components(settings, clock=clock) for _ in range(2)]
    try:
        first = instances[0]
        await tutor_and_students(first.services.uow_factory, clock, STUDENTS, capacity=STUDENTS, booked=True)
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
