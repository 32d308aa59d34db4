from datetime import timedelta

from sqlalchemy import select

from core.entities import Notification, OutboxMessage
from core.enums import OutboxStatus
from storage.tables import outbox
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import NOW, assert_round_trip

LEASE = timedelta(seconds=30)


def note(recipient_id: int, kind: str = "session_booked", dedupe_key: str | None = None) -> Notification:
    return Notification(
        recipient_id=recipient_id,
        kind=kind,
        payload={"session_id": 7, "title": "Algèbre ✓", "nested": {"list": [1, 2.5, None, True]}},
        dedupe_key=dedupe_key,
    )


async def queue(uow_factory: SqlUnitOfWorkFactory, *notifications: Notification) -> list[int]:
    """Queue the notifications in an empty outbox; the ids they got, in order."""
    async with uow_factory() as uow:
        for notification in notifications:
            assert await uow.outbox.add(notification, NOW)
        ids = await uow.connection.execute(select(outbox.c.id).order_by(outbox.c.id))
        await uow.commit()
    return list(ids.scalars())


async def test_add_and_get_round_trip(uow_factory: SqlUnitOfWorkFactory) -> None:
    (message_id,) = await queue(uow_factory, note(7_000_000_001, dedupe_key="booked:1"))
    async with uow_factory() as uow:
        got = await uow.outbox.get(message_id)
        assert await uow.outbox.get(404) is None
    assert got is not None
    assert_round_trip(
        got,
        OutboxMessage(
            id=message_id,
            recipient_id=7_000_000_001,
            kind="session_booked",
            payload={"session_id": 7, "title": "Algèbre ✓", "nested": {"list": [1, 2.5, None, True]}},
            dedupe_key="booked:1",
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=NOW,
            claimed_until=None,
            last_error=None,
            created_at=NOW,
            sent_at=None,
        ),
    )


async def test_a_duplicate_dedupe_key_writes_nothing(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.outbox.add(note(1, dedupe_key="k"), NOW)
        assert not await uow.outbox.add(note(2, kind="other", dedupe_key="k"), NOW)  # same transaction
        assert await uow.outbox.add(note(1), NOW)  # no key: never deduplicated
        assert await uow.outbox.add(note(1), NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.outbox.add(note(1, dedupe_key="k"), NOW)  # a later transaction
        assert await uow.outbox.count_pending() == 3
        heads = await uow.outbox.due_heads(NOW, 10)
    assert [(m.recipient_id, m.kind) for m in heads] == [(1, "session_booked")]


async def test_only_the_head_of_each_recipient_queue_is_due(uow_factory: SqlUnitOfWorkFactory) -> None:
    a1, b1, a2, c1, b2 = await queue(uow_factory, note(1), note(2), note(1), note(3), note(2))
    async with uow_factory() as uow:
        assert [m.id for m in await uow.outbox.due_heads(NOW, 10)] == [a1, b1, c1]
        assert [m.id for m in await uow.outbox.due_heads(NOW, 2)] == [a1, b1]

        # While a recipient's head is claimed, nothing of that recipient is due; other recipients are.
        assert await uow.outbox.claim(a1, NOW, NOW + LEASE)
        assert [m.id for m in await uow.outbox.due_heads(NOW, 10)] == [b1, c1]

        # Once sent, the next message of that recipient becomes its head.
        await uow.outbox.mark_sent(a1, NOW)
        assert [m.id for m in await uow.outbox.due_heads(NOW, 10)] == [b1, a2, c1]

        # A head rescheduled for later holds back the rest of its queue too.
        assert await uow.outbox.claim(b1, NOW, NOW + LEASE)
        await uow.outbox.reschedule(b1, NOW + timedelta(minutes=5), "429 Too Many Requests", count_attempt=False)
        assert [m.id for m in await uow.outbox.due_heads(NOW, 10)] == [a2, c1]
        assert b2 not in [m.id for m in await uow.outbox.due_heads(NOW + timedelta(minutes=5), 10)]
        assert [m.id for m in await uow.outbox.due_heads(NOW + timedelta(minutes=5), 10)] == [b1, a2, c1]

        # A failed head no longer blocks the queue.
        await uow.outbox.mark_failed(b1, NOW, "Forbidden: bot was blocked by the user")
        assert await uow.outbox.count_pending() == 3
        assert [m.id for m in await uow.outbox.due_heads(NOW, 10)] == [a2, c1, b2]


async def test_claim_is_exclusive_until_the_lease_expires(uow_factory: SqlUnitOfWorkFactory) -> None:
    (message_id,) = await queue(uow_factory, note(1))
    async with uow_factory() as uow:
        assert await uow.outbox.claim(message_id, NOW, NOW + LEASE)
        assert not await uow.outbox.claim(message_id, NOW + timedelta(seconds=10), NOW + timedelta(seconds=40))
        assert not await uow.outbox.claim(message_id, NOW + LEASE, NOW + 2 * LEASE)  # lease still holds at its end
        assert await uow.outbox.due_heads(NOW + LEASE, 10) == []

        # The worker died: after the lease, the message is due and can be claimed again.
        later = NOW + LEASE + timedelta(microseconds=1)
        assert [m.id for m in await uow.outbox.due_heads(later, 10)] == [message_id]
        assert await uow.outbox.claim(message_id, later, later + LEASE)
        got = await uow.outbox.get(message_id)
        assert got is not None and got.claimed_until == later + LEASE
        assert await uow.outbox.claim(404, NOW, NOW + LEASE) is False


async def test_sent_and_failed_messages_cannot_be_claimed(uow_factory: SqlUnitOfWorkFactory) -> None:
    sent, failed = await queue(uow_factory, note(1), note(2))
    async with uow_factory() as uow:
        await uow.outbox.mark_sent(sent, NOW)
        await uow.outbox.mark_failed(failed, NOW, "gone")
        assert not await uow.outbox.claim(sent, NOW, NOW + LEASE)
        assert not await uow.outbox.claim(failed, NOW, NOW + LEASE)
        assert await uow.outbox.count_pending() == 0
        assert await uow.outbox.due_heads(NOW + timedelta(days=1), 10) == []


async def test_mark_sent(uow_factory: SqlUnitOfWorkFactory) -> None:
    (message_id,) = await queue(uow_factory, note(1))
    sent_at = NOW + timedelta(seconds=3)
    async with uow_factory() as uow:
        assert await uow.outbox.claim(message_id, NOW, NOW + LEASE)
        await uow.outbox.mark_sent(message_id, sent_at)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.outbox.get(message_id)
    assert got is not None
    assert got.status is OutboxStatus.SENT
    assert got.sent_at == sent_at
    assert got.claimed_until is None
    assert got.attempts == 0


async def test_reschedule_counts_attempts_only_when_asked(uow_factory: SqlUnitOfWorkFactory) -> None:
    (message_id,) = await queue(uow_factory, note(1))
    retry_at = NOW + timedelta(minutes=1)
    async with uow_factory() as uow:
        assert await uow.outbox.claim(message_id, NOW, NOW + LEASE)
        await uow.outbox.reschedule(message_id, retry_at, "timeout", count_attempt=True)
        first = await uow.outbox.get(message_id)
        assert await uow.outbox.claim(message_id, retry_at, retry_at + LEASE)
        await uow.outbox.reschedule(message_id, retry_at + timedelta(minutes=1), "flood wait", count_attempt=False)
        await uow.commit()
    async with uow_factory() as uow:
        second = await uow.outbox.get(message_id)

    assert first is not None and second is not None
    assert (first.attempts, first.last_error, first.next_attempt_at) == (1, "timeout", retry_at)
    assert first.claimed_until is None
    assert first.status is OutboxStatus.PENDING
    assert (second.attempts, second.last_error) == (1, "flood wait")
    assert second.next_attempt_at == retry_at + timedelta(minutes=1)
    assert second.claimed_until is None


async def test_mark_failed(uow_factory: SqlUnitOfWorkFactory) -> None:
    (message_id,) = await queue(uow_factory, note(1))
    async with uow_factory() as uow:
        assert await uow.outbox.claim(message_id, NOW, NOW + LEASE)
        await uow.outbox.mark_failed(message_id, NOW, "Forbidden: bot was blocked by the user")
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.outbox.get(message_id)
        assert await uow.outbox.count_pending() == 0
    assert got is not None
    assert got.status is OutboxStatus.FAILED
    assert got.last_error == "Forbidden: bot was blocked by the user"
    assert got.claimed_until is None
    assert got.sent_at is None
