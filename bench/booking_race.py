"""Booking race: many students book at the same instant, on SQLite and on PostgreSQL.

Two scenarios, each on a fresh migrated database:

* `group`: every booker races for the seats of one group slot; exactly `seats` of them get one, the rest
  are refused with the clean "Session full" conflict (`booking.full`).
* `spread`: booker i goes for 1-to-1 slot i mod `slots` (500 bookers over 200 slots: two or three
  contenders per slot); every contested slot is sold exactly once, the other contenders get "no longer
  available" (`booking.taken`).

What is timed is `core.usecases.bookings.book_slot` on the paid path, end to end: the transaction that
holds the seat, the checkout from an in-process gateway that answers at once (no network), and the
transaction that stores the checkout on the payment. A booking therefore means a seat held pending
payment with its checkout page open. All attempts share one engine made by `storage.engine.create_engine`
exactly as the bot makes it, so they also queue for its connection pool; each attempt opens its own
units of work. Setting up users, tutors and slots is not timed.

Correctness is read back from the database afterwards: seats_taken per slot, the participants holding
a seat and their payments, and every outcome of every attempt.
"""

import argparse
import asyncio
import importlib.util
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any, Self

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from bench.common import BACKENDS, latency_summary, print_table, scratch_database
from core.availability import SlotSpec
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.errors import DomainError
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from storage.engine import create_engine
from storage.tables import ACTIVE_STATUS_VALUES, participants, payments, sessions, slots, users
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

# The harness the tests use: a clock that stays put and a gateway that opens checkouts in-process, so the
# race measures our code and the database, not Stripe.
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import add_person, add_tutor_profile

# A Monday morning; every slot lies in the following weeks, inside the booking window.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
ZONE = "Europe/Paris"
HOURLY_RATE_MINOR = 5000
SLOT_MINUTES = 60
# One tutor's 1-to-1 slots: every hour from 07:00 to 20:00 on the next 25 days (350 slots). More slots
# than that go to further tutors, so that any --slots fits in the 28-day window.
FIRST_HOUR = 7
HOURS_PER_DAY = 14
DAYS_PER_TUTOR = 25
SLOTS_PER_TUTOR = HOURS_PER_DAY * DAYS_PER_TUTOR
# Students' Telegram ids start here, well above the tutors'.
FIRST_STUDENT_ID = 1_000_000

GROUP = "group"
SPREAD = "spread"
BOOKED = "booked"
UNEXPECTED = "unexpected"


class _TimedUnitOfWork(SqlUnitOfWork):
    """Records how long opening took: everything before the first statement (on SQLite the wait for the
    write lock, on PostgreSQL the connection's pre-ping, and on both the wait for a pooled connection).
    That is the queueing part of an attempt's latency."""

    def __init__(self, engine: AsyncEngine, waits: list[float]) -> None:
        super().__init__(engine)
        self._waits = waits

    async def __aenter__(self) -> Self:
        started = time.perf_counter()
        opened = await super().__aenter__()
        self._waits.append(time.perf_counter() - started)
        return opened


class _TimedFactory(SqlUnitOfWorkFactory):
    """One per attempt, so that an attempt's waits add up over its units of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.waits: list[float] = []

    def __call__(self) -> SqlUnitOfWork:
        return _TimedUnitOfWork(self.engine, self.waits)


@dataclass(frozen=True, slots=True)
class Attempt:
    user_id: int
    slot_id: int
    # "booked", a domain error code, or "unexpected".
    outcome: str
    seconds: float
    waiting_seconds: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SlotFacts:
    """One slot as the database has it after the race."""

    slot_id: int
    capacity: int
    contenders: int
    seats_taken: int
    # Participants holding a seat (pending payment or booked), by user.
    holders: list[int]
    # Holders whose payment is pending with the checkout stored on it.
    checkouts_stored: int

    @property
    def expected(self) -> int:
        return min(self.capacity, self.contenders)


@dataclass(frozen=True, slots=True, kw_only=True)
class RaceResult:
    backend: str
    scenario: str
    bookers: int
    slots: int
    seats_per_slot: int
    # The engine's pool as the bot configures it, and the most connections checked out at once.
    pool: str
    peak_connections: int
    wall_seconds: float
    latency_ms: dict[str, float]
    # The attempts that got a seat, alone: they open a second unit of work after the checkout, and so
    # queue for a connection twice. Empty when nobody got one.
    booked_latency_ms: dict[str, float]
    # Time to get a connection and begin, summed over an attempt's units of work.
    waiting_ms: dict[str, float]
    booked: int
    refusals: dict[str, int]
    expected_refusal: str
    unexpected: list[str]
    checkouts_opened: int
    slot_facts: list[SlotFacts] = field(repr=False)
    problems: list[str]

    @property
    def attempts_per_second(self) -> float:
        return self.bookers / self.wall_seconds

    @property
    def bookings_per_second(self) -> float:
        return self.booked / self.wall_seconds

    @property
    def seats_sold(self) -> int:
        return sum(facts.seats_taken for facts in self.slot_facts)

    @property
    def expected_bookings(self) -> int:
        return sum(facts.expected for facts in self.slot_facts)

    @property
    def correct(self) -> bool:
        return not self.problems


async def _add_tutor(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, rules: BusinessRules, user_id: int) -> None:
    name = f"Tutor {user_id}"
    await add_person(uow_factory, clock, user_id, role=Role.TUTOR, zone=ZONE, first_name=name)
    await add_tutor_profile(uow_factory, clock, rules, user_id, rate=HOURLY_RATE_MINOR, zone=ZONE, display_name=name)


async def _add_students(engine: AsyncEngine, count: int, now: datetime) -> list[int]:
    # One multi-row INSERT: 500 registrations through the use cases would only slow the setup down, and
    # booking reads nothing of a student but the row.
    ids = list(range(FIRST_STUDENT_ID, FIRST_STUDENT_ID + count))
    rows = [
        {
            "id": user_id,
            "first_name": f"Student {user_id}",
            "username": None,
            "language": "en",
            "timezone": ZONE,
            "role": Role.STUDENT.value,
            "created_at": now,
            "updated_at": now,
        }
        for user_id in ids
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(users), rows)
    return ids


async def _add_slots(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, rules: BusinessRules, scenario: str, seats: int, count: int
) -> list[int]:
    first_day = clock.now().date() + timedelta(days=1)
    if scenario == GROUP:
        await _add_tutor(uow_factory, clock, rules, 1)
        return [await _slot(uow_factory, clock, rules, 1, first_day, 16, seats)]
    ids: list[int] = []
    for tutor_user_id in range(1, math.ceil(count / SLOTS_PER_TUTOR) + 1):
        await _add_tutor(uow_factory, clock, rules, tutor_user_id)
        for n in range(min(SLOTS_PER_TUTOR, count - len(ids))):
            day = first_day + timedelta(days=n // HOURS_PER_DAY)
            ids.append(await _slot(uow_factory, clock, rules, tutor_user_id, day, FIRST_HOUR + n % HOURS_PER_DAY, 1))
    return ids


async def _slot(
    uow_factory: SqlUnitOfWorkFactory,
    clock: FixedClock,
    rules: BusinessRules,
    tutor_user_id: int,
    day: date,
    hour: int,
    capacity: int,
) -> int:
    session_type = SessionType.GROUP if capacity > 1 else SessionType.ONE_TO_ONE
    spec = SlotSpec(day=day, start=clock_time(hour), minutes=SLOT_MINUTES, session_type=session_type, capacity=capacity)
    slot = await add_slot(uow_factory(), clock, rules, user_id=tutor_user_id, spec=spec)
    return slot.id


def _describe_pool(engine: AsyncEngine) -> str:
    pool = engine.sync_engine.pool
    if isinstance(pool, QueuePool):
        # The overflow limit has no public accessor; it is what decides how many bookers run at once.
        overflow = getattr(pool, "_max_overflow", "?")
        return f"{type(pool).__name__}(size={pool.size()}, max_overflow={overflow}, timeout={pool.timeout():g}s)"
    return type(pool).__name__


class _ConnectionGauge:
    """The most connections checked out of the pool at once during the race."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.current = 0
        self.peak = 0
        event.listen(engine.sync_engine, "checkout", self._checkout)
        event.listen(engine.sync_engine, "checkin", self._checkin)

    def _checkout(self, *_args: Any) -> None:
        self.current += 1
        self.peak = max(self.peak, self.current)

    def _checkin(self, *_args: Any) -> None:
        self.current -= 1


async def _warm_pool(engine: AsyncEngine) -> None:
    """Open the connections a running bot keeps in its pool, so the race does not time their creation."""
    pool = engine.sync_engine.pool
    size = pool.size() if isinstance(pool, QueuePool) else 1
    connections = [await engine.connect() for _ in range(size)]
    for connection in connections:
        await connection.close()


async def _attempt(
    engine: AsyncEngine,
    clock: FixedClock,
    rules: BusinessRules,
    gateway: InstantGateway,
    start: asyncio.Event,
    user_id: int,
    slot_id: int,
) -> Attempt:
    uow_factory = _TimedFactory(engine)
    await start.wait()
    started = time.perf_counter()
    outcome, error = BOOKED, None
    try:
        await book_slot(
            uow_factory,
            clock,
            rules,
            gateway,
            lambda participant_id: f"https://t.me/tutorbot?start=paid_{participant_id}",
            user_id=user_id,
            slot_id=slot_id,
        )
    except DomainError as refusal:
        outcome = refusal.code
    except Exception as exc:
        # Anything else would reach the student as "something went wrong": the race must have none.
        outcome, error = UNEXPECTED, f"{type(exc).__name__}: {exc}"
    return Attempt(user_id, slot_id, outcome, time.perf_counter() - started, sum(uow_factory.waits), error)


def _summary(seconds: Sequence[float]) -> dict[str, float]:
    return latency_summary(seconds) if seconds else {}


async def _slot_facts(engine: AsyncEngine, slot_ids: Sequence[int], contenders: Counter[int]) -> list[SlotFacts]:
    async with engine.connect() as connection:
        stored = {
            row.id: row
            for row in await connection.execute(
                select(slots.c.id, slots.c.capacity, slots.c.seats_taken).where(slots.c.id.in_(slot_ids))
            )
        }
        holders = list(
            await connection.execute(
                select(sessions.c.slot_id, participants.c.user_id, payments.c.status, payments.c.checkout_session_id)
                .join(participants, participants.c.session_id == sessions.c.id)
                .outerjoin(payments, payments.c.participant_id == participants.c.id)
                .where(sessions.c.slot_id.in_(slot_ids), participants.c.status.in_(ACTIVE_STATUS_VALUES))
                .order_by(participants.c.id)
            )
        )
    facts = []
    for slot_id in slot_ids:
        mine = [row for row in holders if row.slot_id == slot_id]
        facts.append(
            SlotFacts(
                slot_id=slot_id,
                capacity=stored[slot_id].capacity,
                contenders=contenders[slot_id],
                seats_taken=stored[slot_id].seats_taken,
                holders=[row.user_id for row in mine],
                checkouts_stored=sum(
                    1
                    for row in mine
                    if row.status == PaymentStatus.PENDING.value and row.checkout_session_id is not None
                ),
            )
        )
    return facts


async def _other_participants(engine: AsyncEngine) -> int:
    """Participant rows in any state other than a held seat: a race must leave none behind."""
    async with engine.connect() as connection:
        result = await connection.execute(
            select(participants.c.id).where(participants.c.status != ParticipantStatus.PENDING_PAYMENT.value)
        )
        return len(result.all())


def _problems(
    attempts: Sequence[Attempt], facts: Sequence[SlotFacts], expected_refusal: str, checkouts: int, stray_rows: int
) -> list[str]:
    problems = []
    booked_by_slot: dict[int, set[int]] = {}
    for attempt in attempts:
        if attempt.outcome == BOOKED:
            booked_by_slot.setdefault(attempt.slot_id, set()).add(attempt.user_id)
        elif attempt.outcome != expected_refusal:
            problems.append(f"user {attempt.user_id} on slot {attempt.slot_id}: {attempt.error or attempt.outcome}")
    for slot in facts:
        winners = booked_by_slot.get(slot.slot_id, set())
        if slot.seats_taken != slot.expected:
            problems.append(f"slot {slot.slot_id}: {slot.seats_taken} seats taken, expected {slot.expected}")
        if len(slot.holders) != slot.seats_taken or len(set(slot.holders)) != len(slot.holders):
            problems.append(f"slot {slot.slot_id}: seats_taken {slot.seats_taken} but holders {slot.holders}")
        if set(slot.holders) != winners:
            problems.append(f"slot {slot.slot_id}: holders {sorted(slot.holders)} but told booked {sorted(winners)}")
        if slot.checkouts_stored != len(slot.holders):
            problems.append(f"slot {slot.slot_id}: {slot.checkouts_stored} checkouts stored for {slot.holders}")
    booked = sum(len(users) for users in booked_by_slot.values())
    if checkouts != booked:
        problems.append(f"{checkouts} checkouts opened for {booked} bookings")
    if stray_rows:
        problems.append(f"{stray_rows} participant rows not holding a seat")
    return problems


async def _race(backend: str, scenario: str, bookers: int, seats: int, slot_count: int) -> RaceResult:
    clock = FixedClock(NOW)
    rules = BusinessRules(max_group_size=max(BusinessRules().max_group_size, seats))
    async with scratch_database(backend) as url:
        engine = create_engine(url)
        try:
            uow_factory = SqlUnitOfWorkFactory(engine)
            slot_ids = await _add_slots(uow_factory, clock, rules, scenario, seats, slot_count)
            students = await _add_students(engine, bookers, clock.now())
            targets = [(user_id, slot_ids[n % len(slot_ids)]) for n, user_id in enumerate(students)]
            capacity = seats if scenario == GROUP else 1
            expected_refusal = "booking.full" if capacity > 1 else "booking.taken"
            await _warm_pool(engine)
            gauge = _ConnectionGauge(engine)
            gateway = InstantGateway()
            start = asyncio.Event()
            tasks = [
                asyncio.create_task(_attempt(engine, clock, rules, gateway, start, user_id, slot_id))
                for user_id, slot_id in targets
            ]
            # Every task is parked on the event before the clock starts, so all attempts leave together.
            await asyncio.sleep(0)
            began = time.perf_counter()
            start.set()
            attempts = await asyncio.gather(*tasks)
            wall = time.perf_counter() - began
            facts = await _slot_facts(engine, slot_ids, Counter(slot_id for _, slot_id in targets))
            stray_rows = await _other_participants(engine)
            pool = _describe_pool(engine)
        finally:
            await engine.dispose()
    outcomes = Counter(attempt.outcome for attempt in attempts)
    booked = outcomes.pop(BOOKED, 0)
    unexpected = [attempt.error for attempt in attempts if attempt.error is not None]
    return RaceResult(
        backend=backend,
        scenario=scenario,
        bookers=bookers,
        slots=len(slot_ids),
        seats_per_slot=capacity,
        pool=pool,
        peak_connections=gauge.peak,
        wall_seconds=wall,
        latency_ms=latency_summary([attempt.seconds for attempt in attempts]),
        booked_latency_ms=_summary([attempt.seconds for attempt in attempts if attempt.outcome == BOOKED]),
        waiting_ms=latency_summary([attempt.waiting_seconds for attempt in attempts]),
        booked=booked,
        refusals={code: count for code, count in sorted(outcomes.items()) if code != UNEXPECTED},
        expected_refusal=expected_refusal,
        unexpected=unexpected,
        checkouts_opened=len(gateway.sessions),
        slot_facts=facts,
        problems=_problems(attempts, facts, expected_refusal, len(gateway.sessions), stray_rows),
    )


async def run(backend: str, bookers: int, seats: int, slots: int) -> list[RaceResult]:
    """Both scenarios on one backend, each on its own fresh database."""
    return [
        await _race(backend, GROUP, bookers, seats, 1),
        await _race(backend, SPREAD, bookers, seats, slots),
    ]


def report(results: Sequence[RaceResult]) -> None:
    print_table(
        "Booking race: throughput and latency per attempt",
        [
            "backend",
            "scenario",
            "bookers",
            "slots × seats",
            "booked",
            "wall s",
            "bookings/s",
            "attempts/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "booked p50 ms",
            "booked p99 ms",
            "wait p50 ms",
            "wait p99 ms",
            "peak conns",
        ],
        [
            [
                r.backend,
                r.scenario,
                r.bookers,
                f"{r.slots} × {r.seats_per_slot}",
                r.booked,
                r.wall_seconds,
                r.bookings_per_second,
                r.attempts_per_second,
                r.latency_ms["p50_ms"],
                r.latency_ms["p99_ms"],
                r.latency_ms["max_ms"],
                r.booked_latency_ms.get("p50_ms", "-"),
                r.booked_latency_ms.get("p99_ms", "-"),
                r.waiting_ms["p50_ms"],
                r.waiting_ms["p99_ms"],
                r.peak_connections,
            ]
            for r in results
        ],
    )
    print_table(
        "Booking race: correctness (read back from the database)",
        [
            "backend",
            "scenario",
            "seats sold / expected",
            "participants holding a seat",
            "checkouts opened",
            "refusals by code",
            "unexpected errors",
            "correct",
        ],
        [
            [
                r.backend,
                r.scenario,
                f"{r.seats_sold} / {r.expected_bookings}",
                sum(len(facts.holders) for facts in r.slot_facts),
                r.checkouts_opened,
                ", ".join(f"{code}: {count}" for code, count in r.refusals.items()) or "none",
                len(r.unexpected),
                "yes" if r.correct else "NO",
            ]
            for r in results
        ],
    )
    print(
        "\nMeasured: book_slot on the paid path (seat held, checkout opened by an in-process gateway, checkout"
        " stored); a booking is a seat held pending payment with its checkout open."
    )
    print("\nConnection pool (storage.engine.create_engine defaults):")
    for backend in dict.fromkeys(r.backend for r in results):
        print(f"- {backend}: {next(r.pool for r in results if r.backend == backend)}")
    print(
        "\n'wait' is the part of an attempt spent getting a pooled connection and beginning its transactions"
        " (on SQLite that includes waiting for the write lock); 'booked' columns are the attempts that got a seat."
    )
    for r in results:
        for problem in r.problems[:10]:
            print(f"PROBLEM {r.backend}/{r.scenario}: {problem}")


def _contenders_note(results: Sequence[RaceResult]) -> None:
    spread = next((r for r in results if r.scenario == SPREAD), None)
    if spread is not None:
        counts = Counter(facts.contenders for facts in spread.slot_facts)
        shares = ", ".join(f"{slots} slots with {n}" for n, slots in sorted(counts.items()))
        print(f"Contenders per slot in '{SPREAD}': {shares}.")


async def _main(arguments: argparse.Namespace) -> int:
    backends = BACKENDS if arguments.backend == "both" else (arguments.backend,)
    results: list[RaceResult] = []
    for backend in backends:
        results.extend(await run(backend, arguments.bookers, arguments.seats, arguments.slots))
    report(results)
    _contenders_note(results)
    return 0 if all(r.correct for r in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.booking_race", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="both")
    parser.add_argument("--bookers", type=int, default=500)
    parser.add_argument("--seats", type=int, default=20, help="seats of the group slot")
    parser.add_argument("--slots", type=int, default=200, help="1-to-1 slots the bookers spread over")
    parser.add_argument(
        "--event-loop",
        choices=("uvloop", "asyncio"),
        default="uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        help="the event loop to race on (default: the bot's, uvloop where installed)",
    )
    arguments = parser.parse_args(argv)
    if arguments.event_loop == "uvloop":
        import uvloop

        return uvloop.run(_main(arguments))
    return asyncio.run(_main(arguments))


if __name__ == "__main__":
    raise SystemExit(main())
