"""Money back for unused credits: the student asks (the credits are set aside at once), the tutor or an
admin decides, an approved refund is paid through the fake Stripe (the real SDK over HTTP) once, retried
after a failure, and a declined one gives the credits back."""

import json

import pytest

from core.enums import CreditRefundStatus, Role
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import NotificationKind
from core.packages import Balance
from core.usecases.bookings import book_slot
from core.usecases.credit_refunds import (
    decide_credit_refund,
    list_stuck_credit_refunds,
    pay_credit_refund,
    quote_credit_refund,
    request_credit_refund,
    retry_credit_refunds,
)
from core.usecases.packages import define_package, expire_credits, my_balances
from core.usecases.payment_events import handle_payment_event
from core.usecases.purchases import buy_package, check_purchase
from integrations.stripe_gateway import StripeGateway, StripeWebhookVerifier
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person
from testkit.stripe import FakeStripe, sign
from tests.usecases.test_packages import ANN, BOB, RETURN, RULES, TEN_HOURS, TUTOR, bought, link, slots

ADMIN = 99


async def kinds_for(uow_factory: SqlUnitOfWorkFactory, recipient: int) -> list[NotificationKind]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 60)]
    return [NotificationKind(m.kind) for m in messages if m is not None and m.recipient_id == recipient]


def left(balances: list[Balance]) -> list[int]:
    return [b.left for b in balances]


async def test_unused_lessons_are_set_aside_then_given_back_or_refunded_pro_rata(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    first, second = await slots(uow_factory, clock, 2)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=first.id, credit_from=purchase)
    quote = await quote_credit_refund(uow_factory(), clock, user_id=ANN, purchase_id=purchase)
    # 9 of 10 lessons of €540.00 are left.
    assert (quote.credits, quote.amount_minor) == (9, 48600)
    # Someone else's purchase is not theirs to ask about.
    with pytest.raises(NotFound):
        await quote_credit_refund(uow_factory(), clock, user_id=BOB, purchase_id=purchase)
    asked = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    assert (asked.status, asked.credits, asked.amount_minor) == (CreditRefundStatus.REQUESTED, 9, 48600)
    # Set aside: nothing left to book with while the tutor decides, nor to ask for twice.
    assert await my_balances(uow_factory(), clock, user_id=ANN) == []
    with pytest.raises(ValidationError) as refused:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=second.id, credit_from=purchase)
    assert refused.value.code == "credit.none_left"
    with pytest.raises(Conflict):
        await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    assert NotificationKind.CREDIT_REFUND_REQUESTED in await kinds_for(uow_factory, TUTOR)
    # Neither the student nor another student may decide it.
    for intruder in (ANN, BOB):
        with pytest.raises(NotFound):
            await decide_credit_refund(
                uow_factory, clock, RULES, gateway, user_id=intruder, refund_id=asked.id, approve=True
            )
    declined = await decide_credit_refund(
        uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=False
    )
    assert declined.status is CreditRefundStatus.DECLINED
    assert left(await my_balances(uow_factory(), clock, user_id=ANN)) == [9]
    assert NotificationKind.CREDIT_REFUND_DECLINED in await kinds_for(uow_factory, ANN)
    with pytest.raises(Conflict):
        await decide_credit_refund(uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=True)

    again = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    approved = await decide_credit_refund(
        uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=again.id, approve=True
    )
    assert approved.status is CreditRefundStatus.REFUNDED
    [refund] = stripe.refunds.values()
    assert refund["amount"] == 48600
    assert [r.idempotency_key for r in stripe.requests if r.path == "/v1/refunds"] == [f"credit-refund-{again.id}"]
    assert NotificationKind.CREDIT_REFUNDED in await kinds_for(uow_factory, ANN)
    # A second press, or the retry job, sends nothing more; the lessons are gone for good.
    with pytest.raises(Conflict):
        await decide_credit_refund(uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=again.id, approve=True)
    assert await pay_credit_refund(uow_factory, clock, gateway, refund_id=again.id)
    assert await retry_credit_refunds(uow_factory, clock, gateway) == 0
    assert len(stripe.refunds) == 1
    assert await my_balances(uow_factory(), clock, user_id=ANN) == []
    with pytest.raises(ValidationError):
        await quote_credit_refund(uow_factory(), clock, user_id=ANN, purchase_id=purchase)


async def test_a_refund_stripe_fails_is_retried_later_under_the_same_key(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    asked = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    stripe.fail_next("/v1/refunds", status=500, times=10)
    waiting = await decide_credit_refund(
        uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=True
    )
    assert (waiting.status, waiting.attempts) == (CreditRefundStatus.REFUND_PENDING, 1)
    assert [r.id for r in await list_stuck_credit_refunds(uow_factory())] == [asked.id]
    assert NotificationKind.CREDIT_REFUNDED not in await kinds_for(uow_factory, ANN)
    stripe.clear_faults()
    # Not due yet: the backoff holds the next attempt.
    assert await retry_credit_refunds(uow_factory, clock, gateway) == 0
    clock.advance(minutes=5)
    assert await retry_credit_refunds(uow_factory, clock, gateway) == 1
    [refund] = stripe.refunds.values()
    assert refund["amount"] == 54000
    keys = {r.idempotency_key for r in stripe.requests if r.path == "/v1/refunds"}
    assert keys == {f"credit-refund-{asked.id}"}
    assert await list_stuck_credit_refunds(uow_factory()) == []
    assert (await kinds_for(uow_factory, ANN)).count(NotificationKind.CREDIT_REFUNDED) == 1


async def test_a_school_package_refund_is_for_an_admin_to_decide(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    await add_person(uow_factory, clock, ADMIN, role=Role.STUDENT)
    school = await define_package(uow_factory(), clock, RULES, user_id=ADMIN, spec=TEN_HOURS, school=True)
    started = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=school.id)
    await stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    await check_purchase(uow_factory, clock, RULES, gateway, user_id=ANN, purchase_id=started.purchase.id)
    asked = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=started.purchase.id)
    assert NotificationKind.CREDIT_REFUND_REQUESTED in await kinds_for(uow_factory, ADMIN)
    assert NotificationKind.CREDIT_REFUND_REQUESTED not in await kinds_for(uow_factory, TUTOR)
    with pytest.raises(NotFound):
        await decide_credit_refund(uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=True)
    done = await decide_credit_refund(
        uow_factory, clock, RULES, gateway, user_id=ADMIN, refund_id=asked.id, approve=True
    )
    assert done.status is CreditRefundStatus.REFUNDED and len(stripe.refunds) == 1


async def test_credits_given_back_after_the_package_expired_are_written_off_and_reported(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    asked = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    clock.advance(days=91)
    # The expiry job finds nothing to report: the lessons were set aside.
    assert await expire_credits(uow_factory, clock) == 1
    assert NotificationKind.PACKAGE_EXPIRED not in await kinds_for(uow_factory, ANN)
    with pytest.raises(ValidationError) as late:
        await quote_credit_refund(uow_factory(), clock, user_id=ANN, purchase_id=purchase)
    assert late.value.code == "credit_refund.expired"
    await decide_credit_refund(uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=False)
    async with uow_factory() as uow:
        assert await uow.credits.left(purchase) == 0
    assert NotificationKind.PACKAGE_EXPIRED in await kinds_for(uow_factory, ANN)


async def test_a_credit_refund_stripe_reports_failed_is_made_again_under_a_new_key(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    asked = await request_credit_refund(uow_factory(), clock, RULES, user_id=ANN, purchase_id=purchase)
    await decide_credit_refund(uow_factory, clock, RULES, gateway, user_id=TUTOR, refund_id=asked.id, approve=True)
    [first] = list(stripe.refunds)
    # The bank refuses the refund days later: Stripe says so, and the money must go back another way.
    event = await stripe.update_refund(first, "failed", deliver=False)
    payload = json.dumps(event).encode()
    verified = StripeWebhookVerifier(stripe.webhook_secret).verify(payload, sign(payload, stripe.webhook_secret))
    assert (await handle_payment_event(uow_factory, clock, RULES, gateway, verified)).result == "refund_retry"
    assert [r.id for r in await list_stuck_credit_refunds(uow_factory())] == [asked.id]
    assert await retry_credit_refunds(uow_factory, clock, gateway) == 1
    keys = [r.idempotency_key for r in stripe.requests if r.path == "/v1/refunds"]
    assert keys == [f"credit-refund-{asked.id}", f"credit-refund-{asked.id}-after-{first}"]
    assert (await handle_payment_event(uow_factory, clock, RULES, gateway, verified)).result == "duplicate"
    # The student was told once that the money is on its way.
    assert (await kinds_for(uow_factory, ANN)).count(NotificationKind.CREDIT_REFUNDED) == 1
