"""Packages: a tutor (or an admin, for the school) defines them; the credits a paid purchase gives are
written to the ledger in the transaction that confirms the payment (buying: `core.usecases.purchases`)."""

import logging
from dataclasses import replace
from datetime import datetime

from core.clock import Clock
from core.entities import Slot
from core.enums import CreditReason, PurchaseStatus, TutorStatus
from core.errors import Forbidden, NotFound
from core.notifications import CourseEnrolled, Message, PackageBought, PackageExpired
from core.packages import Balance, CreditEntry, Package, PackageSpec, checked_spec, credit_refusal, offer_of
from core.payments import CheckoutSession
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.outbox import notify

log = logging.getLogger(__name__)


async def define_package(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, spec: PackageSpec, school: bool = False
) -> Package:
    """A tutor's package in their own currency, or (`school`, admins only) one every approved tutor
    accepts."""
    spec = checked_spec(spec)
    async with uow:
        if school:
            if not rules.is_admin(user_id):
                raise Forbidden("package.admin_only")
            tutor_id, currency = None, spec.currency
        else:
            tutor = await uow.tutors.get_by_user(user_id)
            if tutor is None:
                raise NotFound("tutor.no_profile")
            tutor_id, currency = tutor.id, tutor.currency
        package = await uow.packages.add(
            Package(
                **{**offer_of(spec), "currency": currency},
                tutor_id=tutor_id,
                created_by=user_id,
                created_at=clock.now(),
            )
        )
        await uow.commit()
    return package


async def packages_on_sale(uow: UnitOfWork, *, tutor_id: int) -> list[Package]:
    """What a student can buy for this tutor's lessons: the tutor's packages and the school's."""
    async with uow:
        tutor = await uow.tutors.get(tutor_id)
        if tutor is None or tutor.status is not TutorStatus.APPROVED:
            return []
        return [*await uow.packages.on_sale(tutor.id), *await uow.packages.on_sale(None)]


def purchase_of_checkout(checkout: CheckoutSession) -> int | None:
    """The purchase a checkout session pays for, from the metadata we gave it (None: not a package)."""
    value = checkout.metadata.get("purchase_id", "")
    return int(value) if value.isdigit() else None


async def apply_purchase_checkout(uow: UnitOfWork, checkout: CheckoutSession, now: datetime) -> str:
    """In the caller's transaction: a paid checkout makes the purchase paid and writes its credits, once.
    The outcome: "paid", "already", "pending", "expired" or "ignored" (not ours)."""
    purchase_id = purchase_of_checkout(checkout)
    purchase = await uow.purchases.get_by_checkout(checkout.id)
    if purchase is None and purchase_id is not None:
        purchase = await uow.purchases.get(purchase_id)
        if purchase is not None and purchase.checkout_session_id not in (None, checkout.id):
            return "ignored"
    if purchase is None:
        return "ignored"
    if purchase.status is PurchaseStatus.PAID:
        return "already"
    if not checkout.paid:
        if checkout.status == "expired" and purchase.status is PurchaseStatus.PENDING:
            await uow.purchases.update_if(
                replace(purchase, status=PurchaseStatus.EXPIRED, provider_status=checkout.status, updated_at=now),
                PurchaseStatus.PENDING,
            )
            return "expired"
        return "pending"
    # An expired checkout that was paid after all still gives the credits: the money arrived.
    paid = replace(purchase.pay(now), checkout_session_id=checkout.id, payment_intent_id=checkout.payment_intent_id)
    paid = replace(paid, provider_status=checkout.status)
    if not await uow.purchases.update_if(paid, purchase.status):
        return "already"
    await uow.credits.add(
        CreditEntry(purchase_id=paid.id, delta=paid.lessons, reason=CreditReason.PAID, key="paid", created_at=now)
    )
    assert paid.expires_at is not None
    bought: Message
    if paid.course_id is not None:
        bought = CourseEnrolled(
            course_id=paid.course_id, course_title=paid.name, sessions=paid.lessons, expires_at=paid.expires_at
        )
    else:
        bought = PackageBought(package_name=paid.name, lessons=paid.lessons, expires_at=paid.expires_at)
    await notify(uow, paid.user_id, bought, f"package-bought:{paid.id}", now)
    return "paid"


async def my_balances(uow: UnitOfWork, clock: Clock, *, user_id: int) -> list[Balance]:
    """The person's packages still usable: paid, not expired, with credits left."""
    now = clock.now()
    async with uow:
        balances = await uow.credits.balances(user_id)
    return [b for b in balances if b.left > 0 and b.purchase.expires_at is not None and b.purchase.expires_at > now]


async def usable_credit(uow: UnitOfWork, clock: Clock, *, user_id: int, slot: Slot) -> Balance | None:
    """The package a booking of this slot would spend a credit of (the soonest to expire), if any. A
    course's credits are spent only by booking for the course (`core.usecases.courses`)."""
    now = clock.now()
    async with uow:
        tutor = await uow.tutors.get(slot.tutor_id)
        balances = await uow.credits.balances(user_id)
    if tutor is None:
        return None
    return next(
        (
            b
            for b in balances
            if b.purchase.course_id is None and credit_refusal(b.purchase, b.left, tutor, slot, now) is None
        ),
        None,
    )


async def tutor_packages(uow: UnitOfWork, *, user_id: int) -> list[Package]:
    """The packages the tutor has on sale."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        if tutor is None:
            raise NotFound("tutor.no_profile")
        return await uow.packages.on_sale(tutor.id)


async def school_packages(uow: UnitOfWork, rules: BusinessRules, *, user_id: int) -> list[Package]:
    """The school's packages on sale, for an admin."""
    if not rules.is_admin(user_id):
        raise Forbidden("package.admin_only")
    async with uow:
        return await uow.packages.on_sale(None)


async def withdraw_package(uow: UnitOfWork, rules: BusinessRules, *, user_id: int, package_id: int) -> None:
    """The tutor (an admin, for the school's) stops selling a package; what was bought of it stays usable."""
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        package = await uow.packages.get(package_id)
        owner = package is not None and (
            (package.tutor_id is None and rules.is_admin(user_id))
            or (tutor is not None and package.tutor_id == tutor.id)
        )
        # Another tutor's package is reported exactly like a missing one.
        if package is None or not owner or not package.active:
            raise NotFound("package.not_found")
        await uow.packages.update(replace(package, active=False))
        await uow.commit()


async def expire_credits(uow_factory: UnitOfWorkFactory, clock: Clock, *, batch: int = 100) -> int:
    """Write off what is left of purchases past their validity (one EXPIRY row each, with the student
    told how many lessons went unused); how many purchases were settled."""
    now = clock.now()
    settled = 0
    async with uow_factory() as uow:
        for balance in await uow.credits.lapsed(now, batch):
            purchase = balance.purchase
            entry = CreditEntry(
                purchase_id=purchase.id,
                delta=-balance.left,
                reason=CreditReason.EXPIRY,
                key="expiry",
                created_at=now,
            )
            if not await uow.credits.add(entry):
                continue
            settled += 1
            if balance.left > 0:
                await notify(
                    uow,
                    purchase.user_id,
                    PackageExpired(package_name=purchase.name, unused=balance.left),
                    f"package-expired:{purchase.id}",
                    now,
                )
        await uow.commit()
    return settled
