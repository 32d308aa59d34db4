"""Refunds: a refund waits as REFUND_PENDING until Stripe confirms it, failures are retried with backoff
under the same idempotency key (a retry of a refund that went through changes nothing), and Stripe's
refund events reconcile our state."""

from dataclasses import replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.credit_refunds import refund_failed
from core.delivery import RetryPolicy
from core.entities import Payment
from core.enums import CreditRefundStatus, PaymentStatus
from core.payments import (
    STRIPE,
    PaymentEvent,
    PaymentGateway,
    PaymentKeyConflict,
    PaymentOutcome,
    PaymentRejected,
    PaymentUnavailable,
)
from core.ports import UnitOfWork, UnitOfWorkFactory

# Refunds that fail are tried again with this backoff, for days (about a week), then left to an operator,
# who sees them all along in `tutorbot refunds`.
REFUND_RETRY = RetryPolicy(first_delay=timedelta(seconds=30), max_delay=timedelta(hours=1), max_attempts=200)


def refund_key(payment: Payment) -> str:
    """Stable across retries of one attempt, so a retry of a refund that went through changes nothing;
    after Stripe reported a refund failed, derived from that refund so the next attempt is a new one."""
    if payment.refund_id:
        return f"refund-{payment.id}-after-{payment.refund_id}"
    return f"refund-{payment.id}"


async def refund_payment(
    uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, *, payment_id: int
) -> bool:
    """Refund a REFUND_PENDING payment (in full, or the share it owes back); True once refunded. A failure
    is recorded and retried later with backoff; the idempotency key makes a retry of a refund that did go
    through harmless."""
    async with uow_factory() as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.REFUND_PENDING:
        return payment is not None and payment.status is PaymentStatus.REFUNDED
    conflict = False
    if payment.payment_intent_id is None or payment.refund_amount == 0:
        refund_id: str | None = None
        error: str | None = None
    else:
        try:
            refund_id = await gateway.refund(
                payment_intent_id=payment.payment_intent_id,
                amount_minor=payment.refund_amount,
                currency=payment.currency,
                idempotency_key=refund_key(payment),
            )
            error = None
        except (PaymentUnavailable, PaymentRejected) as exc:
            refund_id, error = None, str(exc) or type(exc).__name__
            conflict = isinstance(exc, PaymentKeyConflict)
    now = clock.now()
    async with uow_factory() as uow:
        current = await uow.payments.get(payment_id)
        if current is None or current.status is not PaymentStatus.REFUND_PENDING:
            return current is not None and current.status is PaymentStatus.REFUNDED
        if error is None:
            await uow.payments.update(current.refunded(now, refund_id))
        else:
            # A key Stripe knows from another request fails the same way every time: given up at once, for
            # an operator (`tutorbot refunds`), instead of being retried for days.
            attempts = REFUND_RETRY.max_attempts if conflict else current.refund_attempts + 1
            await uow.payments.update(
                replace(
                    current,
                    refund_attempts=attempts,
                    next_refund_attempt_at=now + REFUND_RETRY.delay_after(attempts),
                    last_error=f"idempotency key conflict: {error}" if conflict else error,
                    updated_at=now,
                )
            )
        await uow.commit()
    return error is None


async def retry_refunds(uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, limit: int = 50) -> int:
    async with uow_factory() as uow:
        due = await uow.payments.list_refunds_due(clock.now(), limit, REFUND_RETRY.max_attempts)
    done = 0
    for payment in due:
        done += await refund_payment(uow_factory, clock, gateway, payment_id=payment.id)
    return done


async def reconcile_refund_event(uow_factory: UnitOfWorkFactory, clock: Clock, event: PaymentEvent) -> PaymentOutcome:
    """charge.refunded / refund.updated: Stripe says how a refund went. A refund we started and whose
    answer we missed becomes REFUNDED; a failed one goes back to the retry queue."""
    now = clock.now()
    async with uow_factory() as uow:
        if not await uow.webhook_events.record(STRIPE, event.id, event.type, now):
            return PaymentOutcome("duplicate")
        payment = await uow.payments.get_by_payment_intent(event.payment_intent_id) if event.payment_intent_id else None
        if payment is None:
            # Not a seat's payment: perhaps a refund of a package's unused credits.
            outcome = await _reconcile_credit_refund(uow, event, now)
            await uow.commit()
            return outcome
        status = event.refund_status or ("succeeded" if event.type == "charge.refunded" else None)
        if status == "succeeded" and payment.status is PaymentStatus.REFUND_PENDING:
            await uow.payments.update(payment.refunded(now, event.refund_id or payment.refund_id))
            outcome = PaymentOutcome("refunded", payment.id)
        elif status in ("failed", "canceled") and payment.status is PaymentStatus.REFUNDED:
            # The money did not go back after all: try again. refund_id keeps the failed refund, from
            # which the next attempt derives a new idempotency key (the old one would replay the failure).
            failed = f"refund {event.refund_id} {status}"
            await uow.payments.update(payment.refund_failed(now, event.refund_id or payment.refund_id, failed))
            outcome = PaymentOutcome("refund_retry", payment.id)
        else:
            outcome = PaymentOutcome("already", payment.id)
        await uow.commit()
    return outcome


async def _reconcile_credit_refund(uow: UnitOfWork, event: PaymentEvent, now: datetime) -> PaymentOutcome:
    refund = await uow.credit_refunds.by_refund_id(event.refund_id) if event.refund_id else None
    if refund is None:
        return PaymentOutcome("ignored")
    if event.refund_status in ("failed", "canceled") and refund.status is CreditRefundStatus.REFUNDED:
        failed = refund_failed(refund, event.refund_id, f"refund {event.refund_id} {event.refund_status}", now)
        await uow.credit_refunds.update_if(failed, CreditRefundStatus.REFUNDED)
        return PaymentOutcome("refund_retry")
    return PaymentOutcome("already")


async def list_stuck_refunds(uow: UnitOfWork, limit: int = 100) -> list[Payment]:
    async with uow:
        return await uow.payments.list_refunds_pending(limit)
