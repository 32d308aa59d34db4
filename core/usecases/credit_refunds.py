"""Money back for unused credits: asked for by the student (or the parent who paid), decided by the
tutor whose package it is (an admin for the school's, or any package), paid through the gateway with
retries under one idempotency key. See `core.credit_refunds`."""

import logging
from dataclasses import dataclass, replace
from datetime import datetime

from core.clock import Clock
from core.credit_refunds import CreditRefund, given_back_key, pro_rata, set_aside_key, stripe_key
from core.enums import CreditReason, CreditRefundStatus, PurchaseStatus
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import CreditRefundDeclined, CreditRefunded, CreditRefundRequested, Message, PackageExpired
from core.packages import CreditEntry, PackagePurchase
from core.payments import PaymentGateway, PaymentKeyConflict, PaymentRejected, PaymentUnavailable
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.outbox import notify
from core.usecases.refunds import REFUND_RETRY

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefundQuote:
    purchase: PackagePurchase
    credits: int
    amount_minor: int


async def _refundable(uow: UnitOfWork, purchase: PackagePurchase | None, user_id: int, now: datetime) -> RefundQuote:
    """What asking now would refund, or why it cannot be asked for."""
    # Someone else's purchase is reported exactly like a missing one.
    if purchase is None or user_id not in (purchase.user_id, purchase.paid_by):
        raise NotFound("package.purchase_not_found")
    if purchase.status is not PurchaseStatus.PAID:
        raise ValidationError("credit.not_paid")
    if purchase.expires_at is None or purchase.expires_at <= now:
        raise ValidationError("credit_refund.expired")
    if await uow.credit_refunds.open_for(purchase.id) is not None:
        raise Conflict("credit_refund.open")
    left = await uow.credits.left(purchase.id)
    if left <= 0:
        raise ValidationError("credit.none_left")
    return RefundQuote(purchase, left, pro_rata(purchase, left))


async def quote_credit_refund(uow: UnitOfWork, clock: Clock, *, user_id: int, purchase_id: int) -> RefundQuote:
    async with uow:
        return await _refundable(uow, await uow.purchases.get(purchase_id), user_id, clock.now())


async def request_credit_refund(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, purchase_id: int
) -> CreditRefund:
    """Set the unused credits aside (they can no longer be booked) and ask the approvers."""
    now = clock.now()
    async with uow:
        # Locked: a booking spending a credit of it at the same moment waits, then sees none left.
        quote = await _refundable(uow, await uow.purchases.lock(purchase_id), user_id, now)
        purchase = quote.purchase
        refund = await uow.credit_refunds.add(
            CreditRefund(
                purchase_id=purchase.id,
                requested_by=user_id,
                credits=quote.credits,
                amount_minor=quote.amount_minor,
                currency=purchase.currency,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.credits.add(
            CreditEntry(
                purchase_id=purchase.id,
                delta=-refund.credits,
                reason=CreditReason.REFUND,
                key=set_aside_key(refund),
                created_at=now,
            )
        )
        student = await uow.users.get(purchase.user_id)
        message = CreditRefundRequested(
            refund_id=refund.id,
            student_name=student.first_name if student else "?",
            package_name=purchase.name,
            credits=refund.credits,
            lessons=purchase.lessons,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
        )
        for approver in await _approvers(uow, rules, purchase):
            await notify(uow, approver, message, f"credit-refund-requested:{refund.id}:{approver}", now)
        await uow.commit()
    return refund


async def _approvers(uow: UnitOfWork, rules: BusinessRules, purchase: PackagePurchase) -> list[int]:
    """The tutor whose package it is, or the admins for a school package."""
    if purchase.tutor_id is not None:
        tutor = await uow.tutors.get(purchase.tutor_id)
        if tutor is not None:
            return [tutor.user_id]
    return sorted(rules.admin_ids)


async def _may_decide(uow: UnitOfWork, rules: BusinessRules, user_id: int, purchase: PackagePurchase) -> bool:
    return rules.is_admin(user_id) or user_id in await _approvers(uow, rules, purchase)


async def decide_credit_refund(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    refund_id: int,
    approve: bool,
) -> CreditRefund:
    """Approve (the money is sent back now, or by the retry job) or decline (the credits come back)."""
    now = clock.now()
    async with uow_factory() as uow:
        refund = await uow.credit_refunds.get(refund_id)
        purchase = await uow.purchases.lock(refund.purchase_id) if refund is not None else None
        # Anyone but an approver sees exactly what a missing request would give.
        if refund is None or purchase is None or not await _may_decide(uow, rules, user_id, purchase):
            raise NotFound("credit_refund.not_found")
        if refund.status is not CreditRefundStatus.REQUESTED:
            raise Conflict("credit_refund.decided")
        decided = refund.approve(user_id, now) if approve else refund.decline(user_id, now)
        if not await uow.credit_refunds.update_if(decided, CreditRefundStatus.REQUESTED):
            raise Conflict("credit_refund.decided")
        if not approve:
            await uow.credits.add(
                CreditEntry(
                    purchase_id=purchase.id,
                    delta=refund.credits,
                    reason=CreditReason.REFUND_DECLINED,
                    key=given_back_key(refund),
                    created_at=now,
                )
            )
            declined = CreditRefundDeclined(package_name=purchase.name, credits=refund.credits)
            await _tell_student(uow, purchase, declined, f"credit-refund-declined:{refund.id}", now)
            if purchase.expires_at is not None and purchase.expires_at <= now:
                await _write_off_after_expiry(uow, purchase, refund, now)
        await uow.commit()
    if approve:
        await pay_credit_refund(uow_factory, clock, gateway, refund_id=refund_id)
        async with uow_factory() as uow:
            decided = await uow.credit_refunds.get(refund_id) or decided
    return decided


async def _write_off_after_expiry(
    uow: UnitOfWork, purchase: PackagePurchase, refund: CreditRefund, now: datetime
) -> None:
    """Credits given back after the package expired cannot be booked: written off and reported at once,
    as the expiry job would have done had they not been set aside."""
    await uow.credits.add(
        CreditEntry(
            purchase_id=purchase.id,
            delta=-refund.credits,
            reason=CreditReason.EXPIRY,
            key=f"expiry:{given_back_key(refund)}",
            created_at=now,
        )
    )
    expired = PackageExpired(package_name=purchase.name, unused=refund.credits)
    await _tell_student(uow, purchase, expired, f"package-expired:{purchase.id}:{refund.id}", now)


async def _tell_student(uow: UnitOfWork, purchase: PackagePurchase, message: Message, key: str, now: datetime) -> None:
    # The student, and the parent who paid when it is not the same person.
    for recipient in sorted({purchase.user_id, purchase.paid_by}):
        await notify(uow, recipient, message, f"{key}:{recipient}", now)


async def pay_credit_refund(
    uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, *, refund_id: int
) -> bool:
    """Send an approved refund's money back; True once refunded. A failure is recorded and retried with
    backoff (`retry_credit_refunds`); the idempotency key makes a retry of one that went through harmless."""
    async with uow_factory() as uow:
        refund = await uow.credit_refunds.get(refund_id)
        purchase = await uow.purchases.get(refund.purchase_id) if refund is not None else None
    if refund is None or purchase is None or refund.status is not CreditRefundStatus.REFUND_PENDING:
        return refund is not None and refund.status is CreditRefundStatus.REFUNDED
    refund_ref: str | None = None
    error: str | None = None
    conflict = False
    if purchase.payment_intent_id is not None and refund.amount_minor > 0:
        try:
            refund_ref = await gateway.refund(
                payment_intent_id=purchase.payment_intent_id,
                amount_minor=refund.amount_minor,
                currency=refund.currency,
                idempotency_key=stripe_key(refund),
            )
        except (PaymentUnavailable, PaymentRejected) as exc:
            error = str(exc) or type(exc).__name__
            conflict = isinstance(exc, PaymentKeyConflict)
    now = clock.now()
    async with uow_factory() as uow:
        current = await uow.credit_refunds.get(refund_id)
        if current is None or current.status is not CreditRefundStatus.REFUND_PENDING:
            return current is not None and current.status is CreditRefundStatus.REFUNDED
        if error is None:
            await uow.credit_refunds.update_if(current.refunded(refund_ref, now), CreditRefundStatus.REFUND_PENDING)
            refunded = CreditRefunded(
                package_name=purchase.name,
                credits=current.credits,
                amount_minor=current.amount_minor,
                currency=current.currency,
            )
            await _tell_student(uow, purchase, refunded, f"credit-refunded:{current.id}", now)
        else:
            log.warning("refund of credits %s failed: %s", refund_id, error)
            # A key the provider knows from another request fails the same way every time: left to an
            # operator at once rather than retried for days.
            attempts = REFUND_RETRY.max_attempts if conflict else current.attempts + 1
            retry = replace(
                current,
                attempts=attempts,
                next_attempt_at=now + REFUND_RETRY.delay_after(attempts),
                last_error=f"idempotency key conflict: {error}" if conflict else error,
                updated_at=now,
            )
            await uow.credit_refunds.update_if(retry, CreditRefundStatus.REFUND_PENDING)
        await uow.commit()
    return error is None


async def retry_credit_refunds(
    uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, limit: int = 50
) -> int:
    async with uow_factory() as uow:
        due = await uow.credit_refunds.due(clock.now(), limit, REFUND_RETRY.max_attempts)
    done = 0
    for refund in due:
        done += await pay_credit_refund(uow_factory, clock, gateway, refund_id=refund.id)
    return done


async def list_stuck_credit_refunds(uow: UnitOfWork, limit: int = 100) -> list[CreditRefund]:
    async with uow:
        return await uow.credit_refunds.unpaid(limit)
