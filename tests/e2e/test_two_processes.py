"""The multi-process deployment: two `tutorbot run` processes on one PostgreSQL database and one Redis,
in webhook mode behind a round-robin load balancer. A person's dialog moves from one process to the
other at every update and still goes on as if one process served it; both processes run the jobs, and
every due reminder and every queued notification reaches its person exactly once."""

import asyncio
import contextlib
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.engine import create_engine
from storage.migrate import upgrade_to_head
from storage.uow import SqlUnitOfWorkFactory
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.load_balancer import RoundRobinBalancer
from testkit.people import TUTOR, tutor_and_students
from testkit.processes import child_env, free_port
from tests.e2e.conftest import TOKEN

STUDENTS = 4
SECRET = "two_process_secret"


async def book_a_group_starting_soon(database_url: str) -> None:
    """A free group session starting in about 50 minutes, booked two hours ago by every student: each
    has a 1-hour reminder already due, and a booking confirmation queued."""
    await upgrade_to_head(database_url)
    clock = FixedClock(datetime.now(UTC) - timedelta(hours=2))
    # A slot ends by midnight in its tutor's zone: late in the evening in Paris, the tutor is in Tokyo.
    for zone in ("Europe/Paris", "Asia/Tokyo"):
        soon = datetime.now(ZoneInfo(zone)) + timedelta(minutes=50)
        # Slots start on a 5-minute step.
        start = soon.replace(minute=soon.minute - soon.minute % 5, second=0, microsecond=0)
        if start.hour < 23:
            break
    engine = create_engine(database_url)
    try:
        uow_factory = SqlUnitOfWorkFactory(engine)
        await tutor_and_students(
            uow_factory,
            clock,
            STUDENTS,
            capacity=STUDENTS,
            day=start.date(),
            start=start.time(),
            zone=zone,
            booked=True,
        )
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def bot_processes(env: dict[str, str], ports: list[int]) -> AsyncIterator[None]:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "run",
            env=child_env(**env, WEB_PORT=str(port)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        yield
    finally:
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        outcomes = await asyncio.gather(*(asyncio.wait_for(p.communicate(), timeout=30) for p in processes))
        for process, (_, stderr) in zip(processes, outcomes, strict=True):
            assert process.returncode == 0, stderr.decode()[-3000:]
            assert b"Traceback" not in stderr, stderr.decode()[-3000:]


async def test_a_dialog_hops_between_two_processes_and_jobs_deliver_once(
    telegram: FakeTelegram, postgres_url: str, redis_url: str
) -> None:
    await book_a_group_starting_soon(postgres_url)
    ports = [free_port(), free_port()]
    async with RoundRobinBalancer([f"http://127.0.0.1:{port}" for port in ports]) as balancer:
        env = {
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": telegram.base_url,
            "DATABASE_URL": postgres_url,
            "REDIS_URL": redis_url,
            "WEBHOOK_URL": f"{balancer.base_url}/telegram/webhook",
            "WEBHOOK_SECRET": SECRET,
            "OUTBOX_POLL_SECONDS": "0.2",
            "ADMIN_IDS": "",
        }
        async with bot_processes(env, ports):
            await telegram.wait_for_request("setWebhook", count=2, timeout=90)
            # A user id of its own per run: Redis outlives the test.
            ann = telegram.user(800_000 + uuid.uuid4().int % 100_000, "Ann")
            await ann.send("/start")
            await ann.wait_for("Welcome to Tutorbot, Ann", timeout=15)
            await ann.press("Europe")
            await ann.wait_for("pick the city", timeout=15)
            await ann.press("Paris")
            await ann.wait_for("Your time zone: Europe/Paris", timeout=15)
            await ann.press("🎓 I want to learn")
            await ann.wait_for("You're all set, Ann", timeout=15)
            await ann.send("/book")
            await ann.wait_for("Which subject?", timeout=15)
            await ann.press("Maths (1)")
            tutors = await ann.wait_for("🧑‍🏫", timeout=15)
            assert "Tutor" in tutors.text
            # Every other update went to the other process.
            hops = balancer.backends_of(ann.id)
            assert hops in ([0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0]), hops
            assert all(f.status == 200 for f in balancer.forwarded)

            # Both processes ran the reminders and outbox jobs from the start.
            def everyone_served() -> bool:
                return all(
                    any("Reminder" in (m.text or "") for m in telegram.user(s).messages)
                    for s in range(TUTOR + 1, TUTOR + 1 + STUDENTS)
                )

            assert await telegram.wait_until(everyone_served, timeout=60)
            await asyncio.sleep(2)  # time for a second copy to show up, were there one
    for student in range(TUTOR + 1, TUTOR + 1 + STUDENTS):
        texts = [m.text or "" for m in telegram.user(student).messages]
        assert sum("⏰ Reminder" in t for t in texts) == 1, texts
        assert sum("Session booked!" in t for t in texts) == 1, texts
    tutor_texts = [m.text or "" for m in telegram.user(TUTOR).messages]
    assert len(tutor_texts) == len(set(tutor_texts)) == STUDENTS, tutor_texts
