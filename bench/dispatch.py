"""Dispatch: how many updates per second the bot handles and how long each takes, for a scripted booking
conversation, next to a bare aiogram echo bot on the same harness in the same run.

    python -m bench.dispatch [--users 100] [--solo 10] [--backend sqlite|postgres] [--redis URL]
                             [--webhook] [--processes N]   # behind a balancer; N > 1: PostgreSQL, Redis
    BENCH_PROFILE_DIR=profiles python -m bench.dispatch   # also profile both bot processes

Each bot runs as its own process (`tutorbot run`, `python -m bench.echo_bot`) with long polling against
the fake Bot API in this process, so the harness does not share the bot's CPU. A student's conversation
is six updates: /book, a subject, a tutor, a day, a time, "Book" (a free group session, so no payment
provider is involved). The echo users send six texts each. Latency is from the update being queued at
the fake Bot API to the bot's answer arriving there (long-poll pickup included, the same for both).
Two loads: `--solo` people one after another, then `--users` people at once.

Every step must be answered: a step answered with the bot's generic error ("Something went wrong",
"very busy") counts as an error, a step never answered as a dropped update, and the ERROR lines the bot
processes log are counted; all three must be 0.

    python -m bench.dispatch --backend postgres --redis redis://127.0.0.1:6379/15 --processes 2 --users 1000
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import latency_summary, print_table, scratch_database
from core.availability import SlotSpec
from core.enums import Role, SessionType
from core.rules import BusinessRules
from core.usecases.accounts import register_user, set_role, set_timezone
from core.usecases.availability import add_slot
from core.usecases.tutor_profiles import ProfileDraft, save_tutor_profile
from integrations.system_clock import SystemClock
from storage.engine import create_engine
from storage.uow import SqlUnitOfWorkFactory
from testkit import FakeTelegram, FakeUser
from testkit.load_balancer import RoundRobinBalancer
from testkit.processes import child_env, free_port

TOKEN = "123456:BENCH-token"
SEATS = 20
# Five tutors (so every subject and tutor button is on the first page), each with group slots at
# 08:00, 09:00, ... two days ahead, as many as the people need.
TUTORS = 5
FIRST_HOUR = 8
STEPS = 6
ZONE = "Europe/Paris"
FIRST_STUDENT = 10_000
FIRST_TUTOR = 100


# What the bot answers when it could not handle an update (bot/handlers/errors.py, bot/chat_state.py).
GENERIC_ERRORS = ("Something went wrong", "I am very busy")


@dataclass(frozen=True, slots=True)
class LoadResult:
    bot: str
    load: str
    people: int
    updates: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]
    failures: int
    # Steps answered with a generic error, steps never answered, ERROR lines in the bots' logs.
    errored: int = 0
    dropped: int = 0
    error_lines: int = 0
    # Database transactions and statements of the updates of the load (tutorbot only; the jobs' apart).
    transactions: int | None = None
    statements: int | None = None
    background_transactions: int | None = None
    # One person's conversation, step by step: (step, transactions, statements) of each update.
    steps: tuple[tuple[str, int, int], ...] = ()

    def per_update(self, count: int | None) -> str:
        return "" if count is None else f"{count / self.updates:.1f}"

    @property
    def updates_per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds * 1000 / self.updates


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BotLog:
    """What the bot processes write to stderr, read as it comes (a full pipe would stall them)."""

    def __init__(self) -> None:
        self.error_lines = 0
        self.tail: list[str] = []
        # The latest `bench-counts` line of each process (bench.counted_bot), by pid.
        self.counts: dict[int, dict[str, int]] = {}

    async def follow(self, stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            line = raw.decode(errors="replace").rstrip()
            if line.startswith("bench-counts "):
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                self.counts[int(fields.pop("pid"))] = {name: int(value) for name, value in fields.items()}
                continue
            if " ERROR " in line or " CRITICAL " in line:
                self.error_lines += 1
            self.tail = [*self.tail[-40:], line]

    async def database_work(self, pids: list[int]) -> dict[str, int]:
        """Transactions and statements of these bot processes so far, summed (asked with SIGUSR1)."""
        asked = {pid: self.counts.get(pid) for pid in pids}
        for pid in pids:
            os.kill(pid, signal.SIGUSR1)
        for _ in range(500):
            if all(self.counts.get(pid) is not asked[pid] for pid in pids):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("a bot process did not report its database work")
        names = ("transactions", "statements", "background_transactions", "background_statements")
        return {name: sum(self.counts[pid][name] for pid in pids) for name in names}


@contextlib.asynccontextmanager
async def bot_process(
    telegram: FakeTelegram,
    module: str,
    args: list[str],
    env: dict[str, str],
    *,
    ready: str | None = "getUpdates",
    log: BotLog | None = None,
) -> AsyncIterator[int]:
    """Start a bot as a child process and wait for its first call of `ready` (its first long poll by
    default); SIGTERM on exit. Yields its pid; its stderr goes to `log`."""
    log = log or BotLog()
    calls = telegram.count(ready) if ready else 0
    profile = os.environ.get("BENCH_PROFILE_DIR")
    # With BENCH_PROFILE_DIR set, each bot process writes a cProfile file there when it stops.
    profiler = ["-m", "cProfile", "-o", str(Path(profile) / f"{module}.prof")] if profile else []
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *profiler,
        "-m",
        module,
        *args,
        env=child_env(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url, **env),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    reader = asyncio.create_task(log.follow(process.stderr))
    try:
        if ready:
            await telegram.wait_for_request(ready, count=calls + 1, timeout=120)
        yield process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout=60)
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader
        if process.returncode not in (0, -signal.SIGTERM):
            print("\n".join(log.tail), file=sys.stderr)


def hours_needed(people: int) -> int:
    return max(1, -(-people // (TUTORS * SEATS)))


def seat_of(person: int, hours: int) -> tuple[int, int]:
    """The tutor and the hour (index) a person books: at most SEATS people per slot."""
    return person % TUTORS, (person // TUTORS) % hours


async def seed(database_url: str, hours: int, students: int, first_student: int = FIRST_STUDENT) -> date:
    """Free group slots (SEATS seats each, two days ahead, Paris) and registered students."""
    if FIRST_HOUR + hours > 23:
        raise ValueError(f"at most {(23 - FIRST_HOUR) * TUTORS * SEATS} people")
    tutors = TUTORS
    clock = SystemClock()
    rules = BusinessRules()
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    engine = create_engine(database_url)
    uow = SqlUnitOfWorkFactory(engine)
    try:
        people = [(FIRST_TUTOR + t, f"Tutor{t}", Role.TUTOR) for t in range(tutors)]
        people += [(first_student + s, f"Student{s}", Role.STUDENT) for s in range(students)]
        for user_id, name, role in people:
            await register_user(
                uow(),
                clock,
                user_id=user_id,
                first_name=name,
                username=None,
                telegram_language="en",
                default_language="en",
            )
            await set_timezone(uow(), clock, user_id=user_id, zone=ZONE)
            await set_role(uow(), clock, user_id=user_id, role=role)
        for t in range(tutors):
            await save_tutor_profile(
                uow(),
                clock,
                rules,
                user_id=FIRST_TUTOR + t,
                draft=ProfileDraft(
                    display_name=f"Tutor Number{t}",
                    subjects=[f"Subject{t}"],
                    hourly_rate_minor=0,
                    currency="EUR",
                    timezone=ZONE,
                    buffer_minutes=0,
                    cancellation_notice_hours=0,
                ),
            )
            for hour in range(hours):
                await add_slot(
                    uow(),
                    clock,
                    rules,
                    user_id=FIRST_TUTOR + t,
                    spec=SlotSpec(
                        day=day,
                        start=clock_time(FIRST_HOUR + hour),
                        minutes=60,
                        session_type=SessionType.GROUP,
                        capacity=SEATS,
                    ),
                )
    finally:
        await engine.dispose()
    return day


Step = Callable[[FakeUser], Awaitable[None]]


def booking_steps(tutor: int, hour: int, day: date) -> list[tuple[Step, str]]:
    """The conversation: each action and a text its answer contains."""
    name = f"Tutor Number{tutor}"
    start = FIRST_HOUR + hour

    def send(text: str) -> Step:
        async def act(user: FakeUser) -> None:
            await user.send(text)

        return act

    def press(label: str) -> Step:
        async def act(user: FakeUser) -> None:
            await user.press(label)

        return act

    return [
        (send("/book"), "Which subject?"),
        (press(f"Subject{tutor} ("), name),
        (press(f"🧑‍🏫 {name}"), "Pick a day"),
        (press(f"•{day.day}"), "Pick one:"),
        (press(f"{start:02d}:00–{start + 1:02d}:00"), "Your booking"),
        (press("✅ Book"), "Session booked!"),
    ]


def echo_steps(person: int) -> list[tuple[Step, str]]:
    steps: list[tuple[Step, str]] = []
    for n in range(STEPS):
        text = f"echo {person}-{n}"

        async def act(user: FakeUser, text: str = text) -> None:
            await user.send(text)

        steps.append((act, text))
    return steps


@dataclass
class Outcomes:
    errored: int = 0
    dropped: int = 0


async def converse(
    user: FakeUser, steps: list[tuple[Step, str]], latencies: list[float], outcomes: Outcomes, answer_within: float
) -> bool:
    for act, answer in steps:
        started = time.perf_counter()
        await act(user)

        def answered(message: Any, answer: str = answer) -> bool:
            text = message.text or ""
            return answer in text or any(error in text for error in GENERIC_ERRORS)

        try:
            got = await user.wait_for(answered, timeout=answer_within)
        except AssertionError:
            outcomes.dropped += 1
            return False
        if answer not in (got.text or ""):
            outcomes.errored += 1
            return False
        latencies.append(time.perf_counter() - started)
    return True


async def run_load(
    telegram: FakeTelegram,
    pids: list[int],
    bot: str,
    load: str,
    conversations: list[tuple[FakeUser, list[tuple[Step, str]]]],
    *,
    at_once: bool,
    log: BotLog | None = None,
    answer_within: float = 120,
) -> LoadResult:
    latencies: list[float] = []
    counts = Outcomes()
    errors_before = log.error_lines if log else 0
    work_before = await log.database_work(pids) if log else None
    cpu_before = sum(_cpu_seconds(pid) for pid in pids)
    started = time.perf_counter()
    if at_once:
        outcomes = await asyncio.gather(
            *(converse(user, steps, latencies, counts, answer_within) for user, steps in conversations)
        )
    else:
        outcomes = [await converse(user, steps, latencies, counts, answer_within) for user, steps in conversations]
    seconds = time.perf_counter() - started
    cpu_seconds = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
    work = await log.database_work(pids) if log else None
    return LoadResult(
        bot=bot,
        load=load,
        people=len(conversations),
        updates=len(latencies),
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        latencies=latencies,
        failures=outcomes.count(False),
        errored=counts.errored,
        dropped=counts.dropped,
        error_lines=(log.error_lines if log else 0) - errors_before,
        transactions=work["transactions"] - work_before["transactions"] if work and work_before else None,
        statements=work["statements"] - work_before["statements"] if work and work_before else None,
        background_transactions=(
            work["background_transactions"] - work_before["background_transactions"] if work and work_before else None
        ),
    )


STEP_NAMES = ("/book", "subject", "tutor", "day", "time", "Book")


async def step_by_step(
    pids: list[int], bot: str, user: FakeUser, steps: list[tuple[Step, str]], log: BotLog
) -> LoadResult:
    """One person's conversation, with the database work of each update apart (asked between the steps)."""
    latencies: list[float] = []
    measured: list[tuple[str, int, int]] = []
    cpu_before = sum(_cpu_seconds(pid) for pid in pids)
    started = time.perf_counter()
    for name, (act, answer) in zip(STEP_NAMES, steps, strict=True):
        before = await log.database_work(pids)
        if not await converse(user, [(act, answer)], latencies, Outcomes(), 60):
            raise AssertionError(f"step {name!r} was not answered with {answer!r}")
        # The answer is sent before the update ends (the dialog is saved last): wait until nothing changes.
        after = await log.database_work(pids)
        while True:
            await asyncio.sleep(0.05)
            settled = await log.database_work(pids)
            if settled == after:
                break
            after = settled
        work = {key: after[key] - before[key] for key in ("transactions", "statements")}
        measured.append((name, work["transactions"], work["statements"]))
    return LoadResult(
        bot=bot,
        load="step by step",
        people=1,
        updates=len(latencies),
        seconds=time.perf_counter() - started,
        cpu_seconds=sum(_cpu_seconds(pid) for pid in pids) - cpu_before,
        latencies=latencies,
        failures=0,
        transactions=sum(t for _name, t, _s in measured),
        statements=sum(s for _name, _t, s in measured),
        steps=tuple(measured),
    )


async def run(
    backend: str = "sqlite",
    users: int = 100,
    solo: int = 10,
    redis_url: str | None = None,
    processes: int = 1,
    webhook: bool = False,
    bot_env: dict[str, str] | None = None,
    answer_within: float = 120,
) -> list[LoadResult]:
    """With `redis_url`, the bot keeps dialog state in Redis. With `webhook` (implied by `processes` > 1),
    `processes` `tutorbot run` processes share the work in webhook mode behind a round-robin balancer, as
    in the README's multi-process deployment; CPU is then summed over them. `bot_env`: more settings for
    the bot processes; `answer_within`: how long a step may wait for its answer before it counts as dropped."""
    webhook = webhook or processes > 1
    if processes > 1 and (backend != "postgres" or not redis_url):
        raise ValueError("several processes need PostgreSQL and Redis")
    results: list[LoadResult] = []
    # One more person books step by step, with each update's database work apart.
    people = solo + users + 1
    hours = hours_needed(people)
    # Redis outlives a run: people of their own each time, so no dialog of an earlier run is found.
    first_student = FIRST_STUDENT + (secrets.randbelow(10_000) * 100_000 if redis_url else 0)
    async with FakeTelegram(token=TOKEN, bot_username="bench_bot") as telegram:
        with tempfile.TemporaryDirectory(prefix="tutorbot-dispatch-") as folder:
            echo_users = [telegram.user(FIRST_STUDENT + 50_000 + p, f"Echo{p}") for p in range(people)]
            async with bot_process(telegram, "bench.echo_bot", [], {}) as pid:
                conversations = [(u, echo_steps(p)) for p, u in enumerate(echo_users)]
                results.append(
                    await run_load(
                        telegram, [pid], "aiogram echo", "one at a time", conversations[:solo], at_once=False
                    )
                )
                results.append(
                    await run_load(
                        telegram, [pid], "aiogram echo", f"{users} at once", conversations[solo:-1], at_once=True
                    )
                )
            async with scratch_database(backend) as database_url, contextlib.AsyncExitStack() as stack:
                day = await seed(database_url, hours, people, first_student)
                env = {
                    **({"REDIS_URL": redis_url} if redis_url else {}),
                    "DATABASE_URL": database_url,
                    "LOG_LEVEL": "WARNING",
                    "ADMIN_IDS": "",
                    "HOME": folder,
                    **(bot_env or {}),
                }
                log = BotLog()
                if webhook:
                    label = f"tutorbot booking, webhook, {processes} process{'es' if processes > 1 else ''}"
                    pids = await _behind_a_balancer(stack, telegram, env, processes, log)
                else:
                    label = "tutorbot booking"
                    pids = [
                        await stack.enter_async_context(
                            bot_process(telegram, "bench.counted_bot", ["run"], _port(env), log=log)
                        )
                    ]
                students = [telegram.user(first_student + p, f"Student{p}") for p in range(people)]
                conversations = [(u, booking_steps(*seat_of(p, hours), day)) for p, u in enumerate(students)]
                results.append(await step_by_step(pids, label, *conversations[-1], log))
                for load, chosen, at_once in [
                    ("one at a time", conversations[:solo], False),
                    (f"{users} at once", conversations[solo:-1], True),
                ]:
                    results.append(
                        await run_load(
                            telegram, pids, label, load, chosen, at_once=at_once, log=log, answer_within=answer_within
                        )
                    )
    return results


def _port(env: dict[str, str]) -> dict[str, str]:
    return {**env, "WEB_PORT": str(free_port())}


async def _behind_a_balancer(
    stack: contextlib.AsyncExitStack, telegram: FakeTelegram, env: dict[str, str], processes: int, log: BotLog
) -> list[int]:
    ports = [free_port() for _ in range(processes)]
    balancer = await stack.enter_async_context(RoundRobinBalancer([f"http://127.0.0.1:{port}" for port in ports]))
    webhook = {"WEBHOOK_URL": f"{balancer.base_url}/telegram/webhook", "WEBHOOK_SECRET": "bench_secret"}
    # Started one after another: each is ready once it has registered the (same) webhook.
    return [
        await stack.enter_async_context(
            bot_process(
                telegram,
                "bench.counted_bot",
                ["run"],
                {**env, **webhook, "WEB_PORT": str(port)},
                ready="setWebhook",
                log=log,
            )
        )
        for port in ports
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--solo", type=int, default=10)
    parser.add_argument("--redis", metavar="URL", help="keep dialog state in this Redis (REDIS_URL)")
    parser.add_argument("--processes", type=int, default=1, help="bot processes behind a webhook balancer")
    parser.add_argument("--webhook", action="store_true", help="webhook mode behind a balancer (implied by N > 1)")
    parser.add_argument("--redis-connections", type=int, help="REDIS_MAX_CONNECTIONS of each bot process")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a step may wait for its answer")
    parser.add_argument(
        "--event-loop", choices=("auto", "uvloop", "asyncio"), help="EVENT_LOOP of the bot processes (default: auto)"
    )
    args = parser.parse_args()
    bot_env = {"REDIS_MAX_CONNECTIONS": str(args.redis_connections)} if args.redis_connections else {}
    if args.event_loop:
        bot_env["EVENT_LOOP"] = args.event_loop
    results = asyncio.run(
        run(
            args.backend,
            args.users,
            args.solo,
            args.redis,
            args.processes,
            args.webhook,
            bot_env=bot_env,
            answer_within=args.timeout,
        )
    )
    rows = []
    for r in results:
        if r.steps:
            continue
        figures = latency_summary(r.latencies)
        rows.append(
            [
                r.bot,
                r.load,
                r.updates,
                r.updates_per_second,
                figures["p50_ms"],
                figures["p99_ms"],
                r.cpu_ms_per_update,
                r.per_update(r.transactions),
                r.per_update(r.statements),
                r.failures,
                r.errored,
                r.dropped,
                r.error_lines,
            ]
        )
    print_table(
        f"Dispatch ({args.backend}{' + Redis' if args.redis else ''}): six updates per person",
        [
            "bot",
            "load",
            "updates",
            "updates/s",
            "p50 ms",
            "p99 ms",
            "bot CPU ms/update",
            "transactions/update",
            "statements/update",
            "failed conversations",
            "error answers",
            "dropped updates",
            "ERROR log lines",
        ],
        rows,
    )
    for r in results:
        if r.steps:
            print_table(
                f"Database work of each update of one booking conversation ({r.bot})",
                ["step", "transactions", "statements"],
                [list(step) for step in r.steps],
            )
    by_key = {(r.bot == "aiogram echo", r.load): r for r in results}
    ratio_rows = []
    for load in ("one at a time", f"{args.users} at once"):
        echo, booking = by_key[(True, load)], by_key[(False, load)]
        ratio_rows.append(
            [
                load,
                f"{booking.updates_per_second / echo.updates_per_second:.2f}",
                f"{latency_summary(booking.latencies)['p50_ms'] / latency_summary(echo.latencies)['p50_ms']:.1f}",
                f"{booking.cpu_ms_per_update / echo.cpu_ms_per_update:.1f}",
            ]
        )
    print_table(
        "tutorbot booking / aiogram echo", ["load", "throughput ratio", "p50 ratio", "CPU per update ratio"], ratio_rows
    )


if __name__ == "__main__":
    main()
