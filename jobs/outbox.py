"""Outbox delivery: sends queued notifications through the Notifier, in order per chat, once each."""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from core.clock import Clock
from core.delivery import Notifier, RetryLater, RetryPolicy, Undeliverable
from core.entities import OutboxMessage
from core.ports import UnitOfWorkFactory
from jobs.pacing import SendPacer

log = logging.getLogger(__name__)

# A claimed message is invisible to other workers for this long; a worker that died mid-send releases
# its messages when the lease runs out.
CLAIM_LEASE = timedelta(seconds=60)
# A claimed message whose turn to go out (paced, or after a long 429 pause) would come later than this
# is handed back instead: sent after its lease ran out, another worker could have sent it too.
SEND_WITHIN_SECONDS = CLAIM_LEASE.total_seconds() / 2


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    handed_back: int = 0
    rounds: int = 0
    errors: list[str] = field(default_factory=list)


async def deliver_outbox(
    uow_factory: UnitOfWorkFactory,
    notifier: Notifier,
    clock: Clock,
    *,
    policy: RetryPolicy | None = None,
    pacer: SendPacer | None = None,
    stopping: asyncio.Event | None = None,
    batch_size: int = 100,
    max_rounds: int = 50,
    concurrency: int = 16,
) -> DeliveryReport:
    """Deliver what is due now. Each round sends the head of every chat's queue, so a chat's next
    message only goes once the previous one is out; rounds repeat until nothing is due. The pacer keeps
    the sends within Telegram's flood limits; pass the same one to every run so its pace carries over.
    Once `stopping` is set, messages not sent yet are handed back (a paced backlog can take minutes, and
    shutting down must not wait for it)."""
    policy = policy or RetryPolicy()
    pacer = pacer or SendPacer()
    stopping = stopping or asyncio.Event()
    report = DeliveryReport()
    gate = asyncio.Semaphore(concurrency)
    while report.rounds < max_rounds and not stopping.is_set():
        if pacer.next_turn() > pacer.now() + SEND_WITHIN_SECONDS:
            # Paused by Telegram for longer than a lease: claim nothing until the pause is nearly over.
            break
        claimed = await _claim_batch(uow_factory, clock, batch_size)
        if not claimed:
            break
        report.rounds += 1
        send_by = pacer.now() + SEND_WITHIN_SECONDS

        async def one(message: OutboxMessage, send_by: float = send_by) -> None:
            async with gate:
                await _deliver_one(uow_factory, notifier, clock, policy, pacer, stopping, send_by, message, report)

        handed_back = report.handed_back
        await asyncio.gather(*(one(m) for m in claimed))
        if report.handed_back > handed_back:
            # Paused (or stopping): claiming more now would only hand them back too.
            break
    return report


async def _claim_batch(uow_factory: UnitOfWorkFactory, clock: Clock, limit: int) -> list[OutboxMessage]:
    now = clock.now()
    async with uow_factory() as uow:
        heads = await uow.outbox.due_heads(now, limit)
        claimed = [m for m in heads if await uow.outbox.claim(m.id, now, now + CLAIM_LEASE)]
        await uow.commit()
    return claimed


async def _deliver_one(
    uow_factory: UnitOfWorkFactory,
    notifier: Notifier,
    clock: Clock,
    policy: RetryPolicy,
    pacer: SendPacer,
    stopping: asyncio.Event,
    send_by: float,
    message: OutboxMessage,
    report: DeliveryReport,
) -> None:
    async with uow_factory() as uow:
        recipient = await uow.users.get(message.recipient_id)
    in_time = await pacer.wait_turn(message.recipient_id, deadline=send_by)
    if stopping.is_set() or not in_time:
        # Hand the message back at once: a restart, or the next run, takes it without waiting for the lease.
        reason = "not sent: stopping" if stopping.is_set() else "not sent: its turn came after the lease"
        async with uow_factory() as uow:
            await uow.outbox.reschedule(message.id, message.next_attempt_at, reason, count_attempt=False)
            await uow.commit()
        report.handed_back += 1
        return
    try:
        try:
            await notifier.deliver(message, recipient)
        except (RetryLater, Undeliverable):
            raise
        except Exception as exc:
            # A bug while rendering must not stall the chat's queue forever: count it as a failed try.
            log.exception("outbox %s: unexpected error", message.id)
            raise RetryLater(f"unexpected: {exc!r}") from exc
    except RetryLater as exc:
        now = clock.now()
        attempts = message.attempts + 1
        async with uow_factory() as uow:
            if exc.retry_after is not None:
                # Flood control is Telegram pacing us, not a failure of the message.
                pacer.back_off(exc.retry_after)
                await uow.outbox.reschedule(
                    message.id, now + timedelta(seconds=exc.retry_after), exc.reason, count_attempt=False
                )
                report.retried += 1
            elif attempts >= policy.max_attempts:
                await uow.outbox.mark_failed(message.id, now, exc.reason)
                report.failed += 1
            else:
                await uow.outbox.reschedule(
                    message.id, now + policy.delay_after(attempts), exc.reason, count_attempt=True
                )
                report.retried += 1
            await uow.commit()
        log.warning("outbox %s to %s: will retry (%s)", message.id, message.recipient_id, exc.reason)
    except Undeliverable as exc:
        async with uow_factory() as uow:
            await uow.outbox.mark_failed(message.id, clock.now(), str(exc))
            await uow.commit()
        report.failed += 1
        log.warning("outbox %s to %s: given up (%s)", message.id, message.recipient_id, exc)
    else:
        async with uow_factory() as uow:
            await uow.outbox.mark_sent(message.id, clock.now())
            await uow.commit()
        report.sent += 1
