"""Reminder fan-out: thousands of reminders fall due at once and go out through a fake Bot API that
enforces Telegram's flood limits (about 30 messages per second per bot, one per second per chat, 429
with `retry_after` beyond). Reports the achieved rate as a fraction of the limit, the number of 429s,
and checks that every reminder reached its chat exactly once.

    python -m bench.reminder_fanout [--reminders 10000] [--backend sqlite|postgres]

The application's own wiring is used (`build_components`: the reminders and outbox jobs, the Telegram
notifier, the send pacer); only the scheduler's timer is replaced by loops that start at once, so the
figures do not include up to 30 s of waiting for the first reminders run.
"""

import argparse
import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.settings import Settings
from app.wiring import build_components
from bench.common import insert_rows, print_table, scratch_database
from core.enums import ParticipantStatus, ReminderKind, ReminderStatus, Role, SessionStatus, SessionType, TutorStatus
from storage import tables
from storage.engine import create_engine
from testkit import FakeTelegram, FloodLimits

TOKEN = "123456:BENCH-token"
SEATS = 20
# Each student is in this many sessions, so every chat gets several messages and the per-chat limit
# matters as well as the global one.
SESSIONS_PER_STUDENT = 2
FIRST_STUDENT = 1_000_000


@dataclass(frozen=True, slots=True)
class FanoutResult:
    backend: str
    reminders: int
    chats: int
    limit_per_second: int
    pacer_rate: float
    queued_seconds: float
    delivery_seconds: float
    sent_per_second: float
    refusals_429: int
    delivered: int
    duplicates: int
    missing: int

    @property
    def fraction_of_limit(self) -> float:
        return self.sent_per_second / self.limit_per_second


async def seed(database_url: str, reminders: int, now: datetime) -> int:
    """Students, group sessions starting within the hour, and one due reminder per booking. Returns the
    number of chats."""
    students = max(1, reminders // SESSIONS_PER_STUDENT)
    sessions_count = max(1, (students * SESSIONS_PER_STUDENT + SEATS - 1) // SEATS)
    tutors = max(1, sessions_count // 10)
    engine = create_engine(database_url)
    stamp = {"created_at": now, "updated_at": now}
    try:
        async with engine.begin() as connection:
            user_rows: list[dict[str, Any]] = [
                {
                    "id": 500_000 + t,
                    "first_name": f"Tutor{t}",
                    "language": "en",
                    "timezone": "Europe/Paris",
                    "role": Role.TUTOR.value,
                    **stamp,
                }
                for t in range(tutors)
            ]
            user_rows += [
                {
                    "id": FIRST_STUDENT + s,
                    "first_name": f"Student{s}",
                    "language": "fr" if s % 3 == 0 else "en",
                    "timezone": "America/New_York" if s % 2 else "Asia/Tokyo",
                    "role": Role.STUDENT.value,
                    **stamp,
                }
                for s in range(students)
            ]
            await insert_rows(connection, tables.users, user_rows)
            await insert_rows(
                connection,
                tables.tutor_profiles,
                [
                    {
                        "id": t + 1,
                        "user_id": 500_000 + t,
                        "display_name": f"Tutor {t}",
                        "hourly_rate_minor": 4000,
                        "currency": "EUR",
                        "timezone": "Europe/Paris",
                        "buffer_minutes": 0,
                        "cancellation_notice_hours": 0,
                        "status": TutorStatus.APPROVED.value,
                        **stamp,
                    }
                    for t in range(tutors)
                ],
            )
            slot_rows: list[dict[str, Any]] = []
            session_rows: list[dict[str, Any]] = []
            for s in range(sessions_count):
                # Within the hour, so the 60-minute reminder of every booking is due now.
                starts = now + timedelta(minutes=20 + (s % 30))
                slot_rows.append(
                    {
                        "id": s + 1,
                        "tutor_id": s % tutors + 1,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=60),
                        "timezone": "Europe/Paris",
                        "session_type": SessionType.GROUP.value,
                        "capacity": SEATS,
                        "seats_taken": 0,
                        "pattern_id": None,
                        **stamp,
                    }
                )
                session_rows.append(
                    {
                        "id": s + 1,
                        "slot_id": s + 1,
                        "tutor_id": s % tutors + 1,
                        "status": SessionStatus.SCHEDULED.value,
                        **stamp,
                    }
                )
            participant_rows: list[dict[str, Any]] = []
            reminder_rows: list[dict[str, Any]] = []
            for booking in range(reminders):
                # Booking b puts student b % students into session b // SEATS: a student's bookings land in
                # sessions far apart, so no session has the same student twice.
                student = FIRST_STUDENT + booking % students
                session_id = booking // SEATS + 1
                slot_rows[session_id - 1]["seats_taken"] += 1
                participant_rows.append(
                    {
                        "id": booking + 1,
                        "session_id": session_id,
                        "user_id": student,
                        "status": ParticipantStatus.BOOKED.value,
                        "hold_expires_at": None,
                        "booked_at": now,
                        "cancelled_at": None,
                        "note": None,
                        "reminders_enabled": True,
                        **stamp,
                    }
                )
                reminder_rows.append(
                    {
                        "session_id": session_id,
                        "recipient_id": student,
                        "participant_id": booking + 1,
                        "kind": ReminderKind.REMINDER.value,
                        "offset_minutes": 60,
                        "due_at": slot_rows[session_id - 1]["starts_at"] - timedelta(minutes=60),
                        "status": ReminderStatus.PENDING.value,
                        "created_at": now,
                        "handled_at": None,
                    }
                )
            await insert_rows(connection, tables.slots, slot_rows)
            await insert_rows(connection, tables.sessions, session_rows)
            await insert_rows(connection, tables.participants, participant_rows)
            await insert_rows(connection, tables.reminders, reminder_rows)
    finally:
        await engine.dispose()
    return students


async def run(
    backend: str = "sqlite",
    reminders: int = 10_000,
    *,
    limits: FloodLimits | None = None,
    pacer_rate: float | None = None,
    give_up_after: float = 3600.0,
) -> FanoutResult:
    limits = limits or FloodLimits()
    async with (
        scratch_database(backend) as database_url,
        FakeTelegram(token=TOKEN, bot_username="bench_bot", flood_limits=limits) as telegram,
    ):
        chats = await seed(database_url, reminders, datetime.now(UTC))
        overrides: dict[str, Any] = {}
        if pacer_rate is not None:
            overrides["OUTBOX_RATE"] = pacer_rate
        settings = Settings(
            _env_file=None,
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=telegram.base_url,
            DATABASE_URL=database_url,
            **overrides,
        )
        parts = await build_components(settings)
        ctx, jobs = parts.job_context, parts.jobs
        outbox_every = jobs["outbox"].interval_seconds or 1.0
        try:
            started = time.perf_counter()
            queued_at: list[float] = []

            async def queue_reminders() -> None:
                await jobs["reminders"].run(ctx)
                queued_at.append(time.perf_counter())

            reminders_job = asyncio.create_task(queue_reminders())
            deadline = started + give_up_after
            while time.perf_counter() < deadline:
                await jobs["outbox"].run(ctx)
                if reminders_job.done() and _delivered(telegram) >= reminders:
                    break
                await asyncio.sleep(outbox_every)
            await reminders_job
        finally:
            await parts.close()
        sends = [r for r in telegram.calls("sendMessage") if r.status == 200]
        delivery_seconds = sends[-1].time - sends[0].time if len(sends) > 1 else 0.0
        per_chat = Counter(r.result["chat"]["id"] for r in sends)
        texts = Counter((r.result["chat"]["id"], r.result["text"]) for r in sends)
        duplicates = sum(n - 1 for n in texts.values() if n > 1)
        expected_per_chat = Counter(FIRST_STUDENT + b % chats for b in range(reminders))
        missing = sum(max(0, n - per_chat.get(chat, 0)) for chat, n in expected_per_chat.items())
        return FanoutResult(
            backend=backend,
            reminders=reminders,
            chats=chats,
            limit_per_second=limits.per_second,
            pacer_rate=settings.outbox_rate,
            queued_seconds=queued_at[0] - started,
            delivery_seconds=delivery_seconds,
            sent_per_second=(len(sends) - 1) / delivery_seconds if delivery_seconds else 0.0,
            refusals_429=telegram.flood.refusals if telegram.flood else 0,
            delivered=len(sends),
            duplicates=duplicates,
            missing=missing,
        )


def _delivered(telegram: FakeTelegram) -> int:
    return sum(1 for r in telegram.calls("sendMessage") if r.status == 200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=None, help="OUTBOX_RATE (default: the setting's default)")
    args = parser.parse_args()
    result = asyncio.run(run(args.backend, args.reminders, pacer_rate=args.rate))
    print_table(
        f"Reminder fan-out, {result.reminders:,} due reminders to {result.chats:,} chats ({result.backend})",
        ["figure", "value"],
        [
            ["Telegram limit (messages/s)", result.limit_per_second],
            ["OUTBOX_RATE (messages/s)", result.pacer_rate],
            ["reminders queued in the outbox after (s)", result.queued_seconds],
            ["first to last message (s)", result.delivery_seconds],
            ["achieved rate (messages/s)", result.sent_per_second],
            ["fraction of the limit", f"{result.fraction_of_limit:.2f}"],
            ["429 answers", result.refusals_429],
            ["delivered", result.delivered],
            ["delivered twice", result.duplicates],
            ["never delivered", result.missing],
        ],
    )


if __name__ == "__main__":
    main()
