"""Payments: confirmation of a checkout by webhook or by asking Stripe, holds that lapse, and late payments
(booked if the seat is still free, refunded otherwise). Calls to Stripe happen outside transactions and
carry idempotency keys derived from our ids."""

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.entities import Participant, Payment
from core.enums import ParticipantStatus, PaymentStatus, SessionStatus
from core.notifications import BookingFacts, HoldExpired, LatePaymentRefunded
from core.payments import STRIPE, CheckoutSession, PaymentGateway, PaymentOutcome, PaymentRejected, PaymentUnavailable
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.booked_seat import booked_effects
from core.usecases.outbox import notify
from core.usecases.packages import apply_purchase_checkout, purchase_of_checkout
from core.usecases.refunds import refund_payment
from core.usecases.waitlist import pass_on_seats

log = logging.getLogger(__name__)


async def confirm_checkout(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    checkout: CheckoutSession,
    event_id: str | None = None,
) -> PaymentOutcome:
    """Apply what the provider says about a checkout session; idempotent, and harmless out of order."""
    now = clock.now()
    outcome: PaymentOutcome
    async with uow_factory() as uow:
        if event_id is not None and not await uow.webhook_events.record(STRIPE, event_id, "checkout", now):
            return PaymentOutcome("duplicate")
        if purchase_of_checkout(checkout) is not None:
            # A package, not a seat: its credits are written here, in the same transaction.
            purchased = await apply_purchase_checkout(uow, checkout, now)
            await uow.commit()
            return PaymentOutcome(purchased)
        payment = await _payment_of(uow, checkout)
        if payment is None:
            await uow.commit()
            return PaymentOutcome("ignored")
        if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED):
            await uow.commit()
            return PaymentOutcome("already", payment.id)
        payment = replace(payment, checkout_session_id=checkout.id, provider_status=checkout.status, updated_at=now)
        if not checkout.paid:
            await uow.payments.update(payment)
            await uow.commit()
            return PaymentOutcome("expired" if checkout.status == "expired" else "pending", payment.id)
        payment = replace(payment, payment_intent_id=checkout.payment_intent_id)
        outcome = await _apply_payment(uow, rules, payment, now)
        await uow.commit()
    if outcome.result == "refund":
        await refund_payment(uow_factory, clock, gateway, payment_id=payment.id)
    return outcome


async def _payment_of(uow: UnitOfWork, checkout: CheckoutSession) -> Payment | None:
    payment = await uow.payments.get_by_checkout(checkout.id)
    if payment is None and checkout.metadata.get("payment_id", "").isdigit():
        payment = await uow.payments.get(int(checkout.metadata["payment_id"]))
        # The metadata must agree with what we created: anything else is not ours to act on.
        if payment is not None and payment.checkout_session_id not in (None, checkout.id):
            return None
    return payment


async def _apply_payment(uow: UnitOfWork, rules: BusinessRules, payment: Payment, now: datetime) -> PaymentOutcome:
    participant = await uow.participants.get(payment.participant_id)
    assert participant is not None
    session = await uow.sessions.get(participant.session_id)
    assert session is not None
    slot = await uow.slots.get(session.slot_id)
    tutor = await uow.tutors.get(session.tutor_id)
    assert slot is not None and tutor is not None
    paid = payment.pay(now)
    # A hold taken before the tutor started may be paid during the session: it is booked, and its
    # confirmation carries a join button. A session that is over or cancelled takes no one any more.
    still_open = session.status in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS) and slot.ends_at > now
    if still_open and participant.status is ParticipantStatus.PENDING_PAYMENT:
        booked = participant.book(now)
        if await uow.participants.update_if(booked, ParticipantStatus.PENDING_PAYMENT):
            await uow.payments.update(paid)
            live = session.status is SessionStatus.IN_PROGRESS
            await booked_effects(uow, rules, tutor, slot, booked, paid, now, late=False, live=live)
            return PaymentOutcome("booked", payment.id)
    if participant.status is ParticipantStatus.PENDING_PAYMENT:
        # Paid for a session that ended or was cancelled while the student was on the payment page.
        lapsed = participant.expire(now)
        if await uow.participants.update_if(lapsed, ParticipantStatus.PENDING_PAYMENT):
            await uow.slots.release_seat(slot.id)
        participant = lapsed
    # The money came after the hold lapsed or was let go.
    await uow.users.lock(participant.user_id)
    clashes = [p for p in await uow.participants.overlapping(participant.user_id, slot.starts_at, slot.ends_at)]
    # A hold that lapsed gets its seat back if one is free and the session has not started; one the
    # student let go (or that failed) is refunded: they said they did not want it.
    can_book = (
        participant.status is ParticipantStatus.EXPIRED
        and session.status is SessionStatus.SCHEDULED
        and slot.starts_at > now
        and not clashes
        and await uow.slots.take_seat(slot.id)
    )
    if can_book and await uow.participants.update_if(booked := participant.book(now), participant.status):
        await uow.payments.update(paid)
        fresh_slot = await uow.slots.get(slot.id)
        await booked_effects(uow, rules, tutor, fresh_slot or slot, booked, paid, now, late=True)
        return PaymentOutcome("booked_late", payment.id)
    if can_book:
        await uow.slots.release_seat(slot.id)
    refunding = paid.refund_pending(now)
    await uow.payments.update(refunding)
    await notify(
        uow,
        participant.user_id,
        LatePaymentRefunded(
            booking=BookingFacts.of(tutor, slot, participant, refunding), session_closed=not still_open
        ),
        f"late-refund:{payment.id}",
        now,
    )
    return PaymentOutcome("refund", payment.id)


async def expire_holds(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, limit: int = 100
) -> int:
    """Release the seats whose payment did not come in time, and close their checkout pages."""
    now = clock.now()
    async with uow_factory() as uow:
        lapsed = await uow.participants.list_lapsed_holds(now, limit)
    released = 0
    for participant in lapsed:
        checkout_id = await _expire_one(uow_factory, rules, participant, now)
        if checkout_id is False:
            continue
        released += 1
        if isinstance(checkout_id, str):
            await close_checkout(uow_factory, clock, rules, gateway, checkout_id)
    return released


async def _expire_one(
    uow_factory: UnitOfWorkFactory, rules: BusinessRules, participant: Participant, now: datetime
) -> str | bool | None:
    async with uow_factory() as uow:
        expired = participant.expire(now)
        # Conditional: a payment confirmed a moment ago wins over the expiry.
        if not await uow.participants.update_if(expired, ParticipantStatus.PENDING_PAYMENT):
            return False
        session = await uow.sessions.get(participant.session_id)
        assert session is not None
        await uow.slots.release_seat(session.slot_id)
        await pass_on_seats(uow, rules, session.slot_id, now)
        payment = await uow.payments.get_by_participant(participant.id)
        if payment is not None and payment.status is PaymentStatus.PENDING:
            payment = payment.expire(now)
            await uow.payments.update(payment)
        slot = await uow.slots.get(session.slot_id)
        tutor = await uow.tutors.get(session.tutor_id)
        if slot is not None and tutor is not None and payment is not None:
            await notify(
                uow,
                participant.user_id,
                HoldExpired(booking=BookingFacts.of(tutor, slot, expired, payment)),
                f"hold-expired:{participant.id}",
                now,
            )
        await uow.commit()
    return payment.checkout_session_id if payment is not None else None


async def close_checkout(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, checkout_id: str
) -> None:
    try:
        checkout = await gateway.expire_checkout(checkout_id)
    except (PaymentUnavailable, PaymentRejected) as error:
        # The reconciliation job asks again later; a payment that slips through is handled as late.
        log.warning("could not expire checkout %s: %s", checkout_id, error)
        return
    await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)


async def reconcile_payments(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    grace: timedelta = timedelta(minutes=1),
    limit: int = 50,
) -> int:
    """The fallback for missed webhooks (and deployments without a public URL): ask the provider about
    every checkout still open on our side."""
    now = clock.now()
    async with uow_factory() as uow:
        payments = await uow.payments.list_open_checkouts(now - grace, limit)
    applied = 0
    for payment in payments:
        assert payment.checkout_session_id is not None
        try:
            checkout = await gateway.retrieve_checkout(payment.checkout_session_id)
        except (PaymentUnavailable, PaymentRejected) as error:
            log.warning("could not retrieve checkout %s: %s", payment.checkout_session_id, error)
            continue
        if checkout.status == "open" and payment.status is PaymentStatus.EXPIRED:
            await close_checkout(uow_factory, clock, rules, gateway, checkout.id)
            continue
        outcome = await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)
        applied += outcome.result in ("booked", "booked_late", "refund", "expired")
    return applied + await _reconcile_purchases(uow_factory, clock, rules, gateway, now - grace, limit)


async def _reconcile_purchases(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    created_before: datetime,
    limit: int,
) -> int:
    """The same fallback for packages: a purchase whose webhook never came still gets its credits."""
    async with uow_factory() as uow:
        purchases = await uow.purchases.open_checkouts(created_before, limit)
    applied = 0
    for purchase in purchases:
        assert purchase.checkout_session_id is not None
        try:
            checkout = await gateway.retrieve_checkout(purchase.checkout_session_id)
        except (PaymentUnavailable, PaymentRejected) as error:
            log.warning("could not retrieve checkout %s: %s", purchase.checkout_session_id, error)
            continue
        outcome = await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)
        applied += outcome.result in ("paid", "expired")
    return applied
