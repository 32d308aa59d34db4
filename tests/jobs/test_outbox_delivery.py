"""Outbox delivery: per-chat order, retries with backoff, flood control, permanent refusals, and never
sending a message twice, with two delivery workers racing."""

import asyncio
from datetime import timedelta

import pytest

from core.delivery import RetryLater, RetryPolicy, Undeliverable
from core.entities import Notification, OutboxMessage, User
from core.enums import OutboxStatus
from jobs.outbox import deliver_outbox
from storage.uow import SqlUnitOfWorkFactory
from tests.support.clock import FixedClock


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
    report = await deliver_outbox(uow_factory, notifier, clock)
    assert report.sent == 5
    assert [t for r, t in notifier.delivered if r == 1] == ["a1", "a2", "a3"]
    assert [t for r, t in notifier.delivered if r == 2] == ["b1", "b2"]
    # Nothing left: a second run sends nothing again.
    again = await deliver_outbox(uow_factory, notifier, clock)
    assert again.sent == 0
    assert len(notifier.delivered) == 5


async def test_a_failing_message_holds_back_its_chat_only_and_is_retried_with_backoff(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (1, "a2"), (2, "b1"))
    notifier = ScriptedNotifier({"a1": [RetryLater("HTTP 502"), RetryLater("network down")]})
    policy = RetryPolicy(first_delay=timedelta(seconds=2))

    await deliver_outbox(uow_factory, notifier, clock, policy=policy)
    assert notifier.delivered == [(2, "b1")]  # a2 waits behind a1

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, policy=policy)
    assert notifier.attempts.count("a1") == 1  # not due yet: 2 s backoff

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, policy=policy)
    assert notifier.attempts.count("a1") == 2  # second failure: now 4 s

    clock.advance(seconds=3)
    await deliver_outbox(uow_factory, notifier, clock, policy=policy)
    assert notifier.attempts.count("a1") == 2

    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock, policy=policy)
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
    await deliver_outbox(uow_factory, notifier, clock)
    clock.advance(seconds=6)
    await deliver_outbox(uow_factory, notifier, clock)
    assert notifier.delivered == []
    clock.advance(seconds=1)
    await deliver_outbox(uow_factory, notifier, clock)
    assert notifier.delivered == [(1, "a1")]
    async with uow_factory() as uow:
        message = await uow.outbox.get(1)
    assert message is not None
    assert message.attempts == 0


async def test_a_permanent_refusal_is_given_up_and_the_chat_moves_on(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"), (1, "a2"))
    notifier = ScriptedNotifier({"a1": [Undeliverable("Forbidden: bot was blocked by the user")]})
    report = await deliver_outbox(uow_factory, notifier, clock)
    assert report.failed == 1
    assert notifier.delivered == [(1, "a2")]
    assert await statuses(uow_factory, range(1, 3)) == [OutboxStatus.FAILED, OutboxStatus.SENT]


async def test_too_many_failures_give_up(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    notifier = ScriptedNotifier({"a1": [RetryLater("502")] * 3})
    policy = RetryPolicy(first_delay=timedelta(seconds=1), max_attempts=3)
    for _ in range(3):
        await deliver_outbox(uow_factory, notifier, clock, policy=policy)
        clock.advance(minutes=1)
    assert await statuses(uow_factory, range(1, 2)) == [OutboxStatus.FAILED]
    assert notifier.attempts == ["a1"] * 3


async def test_a_bug_in_rendering_counts_as_a_failed_try_instead_of_stalling(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    notifier = ScriptedNotifier({"a1": [KeyError("missing")]})
    report = await deliver_outbox(uow_factory, notifier, clock)
    assert report.retried == 1
    clock.advance(minutes=1)
    await deliver_outbox(uow_factory, notifier, clock)
    assert notifier.delivered == [(1, "a1")]


async def test_a_crashed_worker_releases_its_claim_when_the_lease_ends(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, (1, "a1"))
    async with uow_factory() as uow:
        assert await uow.outbox.claim(1, clock.now(), clock.now() + timedelta(seconds=60))
        await uow.commit()
    notifier = ScriptedNotifier()
    await deliver_outbox(uow_factory, notifier, clock)
    assert notifier.delivered == []  # another worker holds it
    clock.advance(seconds=61)
    await deliver_outbox(uow_factory, notifier, clock)
    assert notifier.delivered == [(1, "a1")]


@pytest.mark.parametrize("workers", [2, 4])
async def test_concurrent_workers_send_every_message_exactly_once(
    uow_factory: SqlUnitOfWorkFactory, workers: int
) -> None:
    clock = FixedClock()
    await queue(uow_factory, clock, *[(chat, f"m{chat}-{n}") for chat in range(1, 11) for n in range(5)])
    notifier = ScriptedNotifier(delay=0.001)
    await asyncio.gather(*(deliver_outbox(uow_factory, notifier, clock) for _ in range(workers)))
    texts = [t for _, t in notifier.delivered]
    assert sorted(texts) == sorted(f"m{chat}-{n}" for chat in range(1, 11) for n in range(5))
    assert len(texts) == len(set(texts))
    for chat in range(1, 11):
        assert [t for r, t in notifier.delivered if r == chat] == [f"m{chat}-{n}" for n in range(5)]
