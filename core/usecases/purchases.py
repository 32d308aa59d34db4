"""Buying a package: a pending purchase and its Stripe Checkout, confirmed by the webhook or by asking
Stripe when the student comes back (both through `confirm_checkout`, idempotent)."""

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.enums import PurchaseStatus, TutorStatus
from core.errors import NotFound, ValidationError
from core.packages import Package, PackagePurchase, offer_of
from core.payments import CheckoutRequest, PaymentGateway, PaymentRejected, PaymentUnavailable
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.payments import confirm_checkout

log = logging.getLogger(__name__)

# Stripe keeps a checkout open for at least 30 minutes; a package has no seat to hold, so an hour.
PURCHASE_CHECKOUT_MINUTES = 60


@dataclass(frozen=True, slots=True)
class PurchaseStarted:
    purchase: PackagePurchase
    checkout_url: str | None


async def buy_package(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    gateway: PaymentGateway,
    return_link: str,
    *,
    user_id: int,
    package_id: int,
) -> PurchaseStarted:
    """A pending purchase and its payment page; the credits come when the payment is confirmed."""
    now = clock.now()
    async with uow_factory() as uow:
        package = await uow.packages.get(package_id)
        if package is None or not package.active:
            raise NotFound("package.not_found")
        tutor = None
        if package.tutor_id is not None:
            tutor = await uow.tutors.get(package.tutor_id)
            if tutor is None or tutor.status is not TutorStatus.APPROVED:
                raise NotFound("package.not_found")
            if tutor.user_id == user_id:
                raise ValidationError("package.own")
        # A second tap on the same package, while its page is still open, gets that page again.
        opened_after = now - timedelta(minutes=PURCHASE_CHECKOUT_MINUTES - 5)
        waiting = await uow.purchases.waiting(user_id, package.id, opened_after)
        if waiting is not None:
            return PurchaseStarted(waiting, waiting.checkout_url)
        course = await uow.courses.by_package(package.id)
        purchase = _purchase_of(package, user_id, now)
        purchase.course_id = course.course.id if course is not None else None
        purchase = await uow.purchases.add(purchase)
        await uow.commit()
    seller = tutor.display_name if tutor is not None else None
    try:
        checkout = await gateway.create_checkout(
            CheckoutRequest(
                amount_minor=purchase.price_minor,
                currency=purchase.currency,
                description=f"{seller} · {purchase.name}" if seller else purchase.name,
                metadata={"purchase_id": str(purchase.id)},
                success_url=return_link,
                cancel_url=return_link,
                expires_at=now + timedelta(minutes=PURCHASE_CHECKOUT_MINUTES),
                idempotency_key=f"package-checkout-{purchase.id}",
            )
        )
    except (PaymentUnavailable, PaymentRejected) as error:
        log.warning("checkout for purchase %s failed: %s", purchase.id, error)
        async with uow_factory() as uow:
            await uow.purchases.update_if(
                replace(purchase, status=PurchaseStatus.EXPIRED, updated_at=now), purchase.status
            )
            await uow.commit()
        raise ValidationError("booking.payment_unavailable") from None
    async with uow_factory() as uow:
        stored = await uow.purchases.get(purchase.id)
        # A webhook may already have confirmed it.
        if stored is not None and stored.checkout_session_id is None:
            purchase = replace(
                stored, checkout_session_id=checkout.id, checkout_url=checkout.url, provider_status=checkout.status
            )
            await uow.purchases.update(purchase)
            await uow.commit()
    return PurchaseStarted(purchase, checkout.url)


def _purchase_of(package: Package, user_id: int, now: datetime) -> PackagePurchase:
    return PackagePurchase(
        **offer_of(package),
        package_id=package.id,
        user_id=user_id,
        paid_by=user_id,
        tutor_id=package.tutor_id,
        created_at=now,
        updated_at=now,
    )


async def my_purchase(uow: UnitOfWork, *, user_id: int, purchase_id: int) -> PackagePurchase:
    """A purchase its student or its payer may look at; anyone else's is reported as missing."""
    async with uow:
        purchase = await uow.purchases.get(purchase_id)
    if purchase is None or user_id not in (purchase.user_id, purchase.paid_by):
        raise NotFound("package.purchase_not_found")
    return purchase


async def check_purchase(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    purchase_id: int,
) -> PackagePurchase:
    """The student back from the payment page: ask Stripe now rather than wait for the webhook."""
    purchase = await my_purchase(uow_factory(), user_id=user_id, purchase_id=purchase_id)
    if purchase.status is PurchaseStatus.PENDING and purchase.checkout_session_id:
        try:
            checkout = await gateway.retrieve_checkout(purchase.checkout_session_id)
        except (PaymentUnavailable, PaymentRejected):
            return purchase
        await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)
        async with uow_factory() as uow:
            purchase = await uow.purchases.get(purchase_id) or purchase
    return purchase
