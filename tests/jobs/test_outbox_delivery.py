"""Outbox delivery: per-chat order, retries with backoff, flood control, permanent refusals, and never
sending a message twice, with two delivery workers racing."""

import asyncio
from datetime import timedelta

import pytest

from core.delivery import RetryLater, RetryPolicy, Undeliverable
from core.entities import Notification, OutboxMessage, User
from core.enums import OutboxStatus
from jobs.outbox import deliver_outbox
from jobs.pacing import SendPacer
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock


def unpaced() -> SendPacer:
    """These tests are about order and retries, not pacing (tests/jobs/test_pacing.py)."""
    return SendPacer(rate=1_000_000, chat_interval=0)


class SpyPacer(SendPacer):
    def __init__(self) -> None:
        super().__init__(rate=1_000_000, chat_interval=0)
        self.turns: list[int] = []
        self.back_offs: list[float] = []

    async def wait_turn(self, chat_id: int, *, deadline: float | None = None) -> bool:
        self.turns.append(chat_id)
        return await super().wait_turn(chat_id, deadline=deadline)

    def back_off(self, seconds: float) -> None:
        self.back_offs.append(seconds)
        super().back_off(seconds)


class ScriptedNotifier:
    """Records deliveries; `script` lists, per message text, the outcomes of successive attempts."""

    def __init__(self, script: dict[str, list[Exception]] | None = None, delay: float = 0.0) -> None:
        self.script = script or {}
        self.delivered: list[tuple[int, str]] = []
        self.attempts: list[str] = []
        self.delay = delay

    async def deliver(self, message: OutboxMessage, recipient: User | None) -> None:
        text = str(message.payload["text"])
        self.attempts.append(text)
        if self.delay:
            await asyncio.sleep(self.delay)
        outcomes = self.script.get(text)
        if outcomes:
            raise outcomes.pop(0)
        self.delivered.append((message.recipient_id, text))


async def queue(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, *items: tuple[int, str]) -> None:
    async with uow_factory() as uow:
        for recipient, text in items:
            await uow.outbox.add(Notification(recipient_id=recipient, kind="test", payload={"text": text}), clock.now())
        await uow.commit()


async def statuses(uow_factory: SqlUnitOfWorkFactory, ids: range) -> list[OutboxStatus]:
    async with uow_factory() as uow:
        return [m.status for i in ids if (m := await uow.outbox.get(i)) is not None]


async def test_each_chat_gets_its_messages_in_order(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (2, "b1"), (1, "a2"), (1, "a3"), (2, "b2"))
    notifier = ScriptedNotifier()
    report = await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert report.sent == 5
    assert [t for r, t in notifier.delivered if r == 1] == ["a1", "a2", "a3"]
    assert [t for r, t in notifier.delivered if r == 2] == ["b1", "b2"]
    # Nothing left: a second run sends nothing again.
    again = await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert again.sent == 0
    assert len(notifier.delivered) == 5


async def test_a_failing_message_holds_back_its_chat_only_and_is_retried_with_backoff(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (1, "a2"), (2, "b1"))
    notifier = ScriptedNotifier({"a1": [RetryLater("HTTP 502"), RetryLater("network down")]})
    policy = RetryPolicy(first_delay=timedelta(seconds=2))

    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
    assert notifier.delivered == [(2, "b1")]  # a2 waits behind a1

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
    assert notifier.attempts.count("a1") == 1  # not due yet: 2 s backoff

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
    assert notifier.attempts.count("a1") == 2  # second failure: now 4 s

    clock.advance(seconds=3)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
    assert notifier.attempts.count("a1") == 2

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
    assert notifier.delivered == [(2, "b1"), (1, "a1"), (1, "a2")]
    async with uow_factory() as uow:
        first = await uow.outbox.get(1)
    assert first is not None
    assert first.status is OutboxStatus.SENT
    assert first.attempts == 2


async def test_flood_control_waits_retry_after_without_counting_a_failure(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    notifier = ScriptedNotifier({"a1": [RetryLater("flood control", retry_after=7)]})
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    clock.advance(seconds=6)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert notifier.delivered == []
    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert notifier.delivered == [(1, "a1")]
    async with uow_factory() as uow:
        message = await uow.outbox.get(1)
    assert message is not None
    assert message.attempts == 0


async def test_a_permanent_refusal_is_given_up_and_the_chat_moves_on(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (1, "a2"))
    notifier = ScriptedNotifier({"a1": [Undeliverable("Forbidden: bot was blocked by the user")]})
    report = await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert report.failed == 1
    assert notifier.delivered == [(1, "a2")]
    assert await statuses(uow_factory, range(1, 3)) == [OutboxStatus.FAILED, OutboxStatus.SENT]


async def test_too_many_failures_give_up(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    notifier = ScriptedNotifier({"a1": [RetryLater("502")] * 3})
    policy = RetryPolicy(first_delay=timedelta(seconds=1), max_attempts=3)
    for _ in range(3):
        await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced(), policy=policy)
        clock.advance(minutes=1)
    assert await statuses(uow_factory, range(1, 2)) == [OutboxStatus.FAILED]
    assert notifier.attempts == ["a1"] * 3


async def test_a_bug_in_rendering_counts_as_a_failed_try_instead_of_stalling(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    notifier = ScriptedNotifier({"a1": [KeyError("missing")]})
    report = await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert report.retried == 1
    clock.advance(minutes=1)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert notifier.delivered == [(1, "a1")]


async def test_a_crashed_worker_releases_its_claim_when_the_lease_ends(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    async with uow_factory() as uow:
        assert await uow.outbox.claim(1, clock.now(), clock.now() + timedelta(seconds=60))
        await uow.commit()
    notifier = ScriptedNotifier()
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert notifier.delivered == []  # another worker holds it
    clock.advance(seconds=61)
    await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert notifier.delivered == [(1, "a1")]


@pytest.mark.parametrize("workers", [2, 4])
async def test_concurrent_workers_send_every_message_exactly_once(
    uow_factory: SqlUnitOfWorkFactory, workers: int
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, *[(chat, f"m{chat}-{n}") for chat in range(1, 11) for n in range(5)])
    notifier = ScriptedNotifier(delay=0.001)
    await asyncio.gather(*(deliver_outbox(uow_factory, notifier, clock, pacer=unpaced()) for _ in range(workers)))
    texts = [t for _, t in notifier.delivered]
    assert sorted(texts) == sorted(f"m{chat}-{n}" for chat in range(1, 11) for n in range(5))
    assert len(texts) == len(set(texts))
    for chat in range(1, 11):
        assert [t for r, t in notifier.delivered if r == chat] == [f"m{chat}-{n}" for n in range(5)]


async def test_every_send_waits_for_its_turn_and_flood_control_pauses_the_pacer(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (2, "b1"), (1, "a2"))
    notifier = ScriptedNotifier({"b1": [RetryLater("flood control", retry_after=0.2)]})
    pacer = SpyPacer()
    report = await deliver_outbox(uow_factory, notifier, clock, pacer=pacer)
    assert sorted(pacer.turns) == [1, 1, 2]
    assert pacer.back_offs == [0.2]
    assert report.sent == 2 and report.retried == 1


async def test_shutting_down_hands_unsent_messages_back_for_the_next_run(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (2, "b1"), (3, "c1"))
    stopping = asyncio.Event()

    class StopsAfterOne(ScriptedNotifier):
        async def deliver(self, message: OutboxMessage, recipient: User | None) -> None:
            await super().deliver(message, recipient)
            stopping.set()

    notifier = StopsAfterOne()
    report = await deliver_outbox(
        uow_factory, notifier, clock, pacer=SendPacer(rate=1_000_000, chat_interval=0), stopping=stopping, concurrency=1
    )
    assert report.sent == 1 and len(notifier.delivered) == 1
    # Nothing stays leased: the next run (a restart) sends the rest at once.
    rest = await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())
    assert rest.sent == 2
    assert sorted(t for _, t in notifier.delivered) == ["a1", "b1", "c1"]


async def test_messages_whose_turn_would_come_after_their_lease_are_handed_back_unsent(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (2, "b1"), (3, "c1"))
    # Telegram asks for a long pause on the first send: sending the others after it, their lease would
    # have run out and another worker could have sent them too.
    notifier = ScriptedNotifier({"a1": [RetryLater("flood control", retry_after=3600)]})
    pacer = unpaced()
    report = await deliver_outbox(uow_factory, notifier, clock, pacer=pacer, concurrency=1)
    assert (report.sent, report.retried, report.handed_back) == (0, 1, 2)
    assert notifier.attempts == ["a1"]
    async with uow_factory() as uow:
        others = [await uow.outbox.get(i) for i in (2, 3)]
    assert all(m is not None and m.claimed_until is None and m.attempts == 0 for m in others)
    # While the pause lasts this process claims nothing; another worker sends them at once.
    again = await deliver_outbox(uow_factory, notifier, clock, pacer=pacer)
    assert (again.sent, again.handed_back, again.rounds) == (0, 0, 0)
    assert (await deliver_outbox(uow_factory, notifier, clock, pacer=unpaced())).sent == 2
    assert sorted(t for _, t in notifier.delivered) == ["b1", "c1"]
