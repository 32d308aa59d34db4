"""Packages and credits: a tutor's package bought through the fake Stripe (the real SDK over HTTP), its
credits written once when the payment is confirmed, spent by bookings and given back by cancellations."""

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from core.availability import SlotSpec
from core.entities import Slot
from core.enums import CreditReason, ParticipantStatus, PaymentStatus, PurchaseStatus, Role, SessionType
from core.errors import Forbidden, NotFound, ValidationError
from core.notifications import NotificationKind
from core.packages import PackageSpec
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.cancellations import cancel_booking, cancel_session
from core.usecases.packages import (
    define_package,
    expire_credits,
    my_balances,
    packages_on_sale,
    school_packages,
    tutor_packages,
    withdraw_package,
)
from core.usecases.payments import confirm_checkout, reconcile_payments
from core.usecases.purchases import buy_package, check_purchase
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person, tutor_and_students
from testkit.stripe import FakeStripe

RULES = BusinessRules(admin_ids=frozenset({99}))
TUTOR, ANN, BOB = 1, 2, 3
TEN_HOURS = PackageSpec(
    name="Ten hours", lessons=10, lesson_minutes=60, price_minor=54000, currency="EUR", validity_days=90
)
RETURN = "https://t.me/test_bot?start=package"


def link(participant_id: int) -> str:
    return f"https://t.me/test_bot?start=paid_{participant_id}"


async def slots(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, count: int, minutes: int = 60) -> list[Slot]:
    """Tutor 1 (€60 an hour) and students 2 and 3; `count` slots at 16:00 on the days from Monday 23 March."""
    first = await tutor_and_students(uow_factory, clock, 2, rate=6000, minutes=minutes)
    made = [first]
    for offset in range(1, count):
        day = date(2026, 3, 23) + timedelta(days=offset)
        spec = SlotSpec(day=day, start=time(16), minutes=minutes, session_type=SessionType.ONE_TO_ONE, capacity=1)
        made.append(await add_slot(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec))
    return made


async def bought(
    uow_factory: SqlUnitOfWorkFactory,
    clock: FixedClock,
    stripe: FakeStripe,
    gateway: StripeGateway,
    spec: PackageSpec = TEN_HOURS,
    user_id: int = ANN,
) -> int:
    """The student buys the tutor's package and pays; the purchase's id."""
    package = await define_package(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)
    started = await buy_package(uow_factory, clock, gateway, RETURN, user_id=user_id, package_id=package.id)
    await stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    paid = await check_purchase(uow_factory, clock, RULES, gateway, user_id=user_id, purchase_id=started.purchase.id)
    assert paid.status is PurchaseStatus.PAID
    return paid.id


async def test_a_package_is_bought_once_and_its_credits_written_once(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    package = await define_package(uow_factory(), clock, RULES, user_id=TUTOR, spec=TEN_HOURS)
    async with uow_factory() as uow:
        tutor = await uow.tutors.get_by_user(TUTOR)
    assert tutor is not None
    assert [p.name for p in await packages_on_sale(uow_factory(), tutor_id=tutor.id)] == ["Ten hours"]
    started = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=package.id)
    [session] = stripe.sessions.values()
    assert session["amount_total"] == 54000 and session["metadata"] == {"purchase_id": str(started.purchase.id)}
    assert [r.idempotency_key for r in stripe.requests if r.path == "/v1/checkout/sessions"] == [
        f"package-checkout-{started.purchase.id}"
    ]
    # Nothing to spend before the money arrives.
    assert await my_balances(uow_factory(), clock, user_id=ANN) == []
    event = await stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    checkout = await gateway.retrieve_checkout(started.purchase.checkout_session_id or "")
    # The webhook, its retry, and the student's own check: the credits are written once.
    outcomes = [
        (await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout, event_id=event["id"])).result,
        (await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout, event_id=event["id"])).result,
        (await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout)).result,
    ]
    assert outcomes == ["paid", "duplicate", "already"]
    await check_purchase(uow_factory, clock, RULES, gateway, user_id=ANN, purchase_id=started.purchase.id)
    [balance] = await my_balances(uow_factory(), clock, user_id=ANN)
    assert (balance.left, balance.purchase.expires_at) == (10, clock.now() + timedelta(days=90))
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 20)]
    assert [m.kind for m in messages if m is not None and m.recipient_id == ANN] == [NotificationKind.PACKAGE_BOUGHT]
    # Another student cannot look at it, and the tutor cannot buy their own package.
    with pytest.raises(NotFound):
        await check_purchase(uow_factory, clock, RULES, gateway, user_id=BOB, purchase_id=started.purchase.id)
    with pytest.raises(ValidationError) as refused:
        await buy_package(uow_factory, clock, gateway, RETURN, user_id=TUTOR, package_id=package.id)
    assert refused.value.code == "package.own"


async def test_booking_with_a_credit_and_getting_it_back(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    first, second, third = await slots(uow_factory, clock, 3)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    checkouts = len(stripe.sessions)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=first.id, credit_from=purchase
    )
    # Booked at once: no payment page, a zero payment marked as a credit, one credit fewer.
    assert booked.confirmed and booked.checkout_url is None and len(stripe.sessions) == checkouts
    assert (booked.payment.provider, booked.payment.amount_minor, booked.payment.status) == (
        "credit",
        0,
        PaymentStatus.PAID,
    )
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [9]
    # Her own cancellation, inside the tutor's notice: the credit comes back, no refund is asked of Stripe.
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=booked.participant.id)
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [10]
    assert not [r for r in stripe.requests if r.path == "/v1/refunds"]
    # The tutor cancels a session she booked with a credit: it comes back too.
    again = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=second.id, credit_from=purchase
    )
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=third.id, credit_from=purchase)
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [8]
    await cancel_session(
        uow_factory, clock, RULES, gateway, user_id=TUTOR, session_id=again.participant.session_id, reason="ill"
    )
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [9]
    async with uow_factory() as uow:
        told = [await uow.outbox.get(i) for i in range(1, 40)]
    [cancelled] = [m for m in told if m is not None and m.kind == NotificationKind.SESSION_CANCELLED]
    assert cancelled.recipient_id == ANN and cancelled.payload["credit_back"] is True
    assert cancelled.payload["refund_minor"] == 0
    async with uow_factory() as uow:
        moves = [
            (e.delta, e.reason)
            for e in [
                await uow.credits.spend_of(again.participant.id),
                await uow.credits.spend_of(booked.participant.id),
            ]
            if e is not None
        ]
        participant = await uow.participants.get(again.participant.id)
    assert moves == [(-1, CreditReason.SPEND), (-1, CreditReason.SPEND)]
    assert participant is not None and participant.status is ParticipantStatus.CANCELLED


async def test_a_credit_pays_only_for_what_the_package_covers(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [ninety] = await slots(uow_factory, clock, 1, minutes=90)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    with pytest.raises(ValidationError) as refused:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=ninety.id, credit_from=purchase)
    assert refused.value.code == "credit.other_length"
    # Bob cannot spend Ann's credits, and a purchase that does not exist is the same answer.
    for forged in (purchase, 4242):
        with pytest.raises(NotFound) as missing:
            await book_slot(
                uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=ninety.id, credit_from=forged
            )
        assert missing.value.code == "credit.not_found"
    # Nothing was taken by the refusals.
    async with uow_factory() as uow:
        slot = await uow.slots.get(ninety.id)
    assert slot is not None and slot.seats_taken == 0
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [10]
    # After the validity, the credits are gone from the balance and refused at booking.
    clock.advance(days=91)
    assert await my_balances(uow_factory(), clock, user_id=ANN) == []


async def test_any_length_up_to_the_package_and_the_last_credit(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    first, second = await slots(uow_factory, clock, 2, minutes=45)
    spec = PackageSpec(
        name="Flexible",
        lessons=1,
        lesson_minutes=60,
        any_length=True,
        price_minor=5000,
        currency="EUR",
        validity_days=30,
    )
    purchase = await bought(uow_factory, clock, stripe, gateway, spec)
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=first.id, credit_from=purchase)
    with pytest.raises(ValidationError) as refused:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=second.id, credit_from=purchase)
    assert refused.value.code == "credit.none_left"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"name": "  "}, "package.bad_name"),
        ({"name": "x" * 61}, "package.bad_name"),
        ({"name": "Ten\u202ehours"}, "package.bad_name"),
        ({"lessons": 0}, "package.bad_lessons"),
        ({"lessons": 101}, "package.bad_lessons"),
        ({"lesson_minutes": 10}, "package.bad_minutes"),
        ({"lesson_minutes": 62}, "package.bad_minutes"),
        ({"price_minor": 0}, "package.bad_price"),
        ({"validity_days": 0}, "package.bad_validity"),
        ({"currency": "XYZ"}, "currency.unsupported"),
    ],
)
async def test_a_package_that_makes_no_sense_is_refused(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, change: dict[str, object], code: str
) -> None:
    await slots(uow_factory, clock, 1)
    spec = replace(TEN_HOURS, **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as refused:
        await define_package(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)
    assert refused.value.code == code


async def test_only_an_admin_defines_a_school_package_and_approved_tutors_accept_it(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [slot] = await slots(uow_factory, clock, 1)
    with pytest.raises(Forbidden):
        await define_package(uow_factory(), clock, RULES, user_id=TUTOR, spec=TEN_HOURS, school=True)
    await add_person(uow_factory, clock, 99, role=Role.STUDENT)
    school = await define_package(uow_factory(), clock, RULES, user_id=99, spec=TEN_HOURS, school=True)
    async with uow_factory() as uow:
        tutor = await uow.tutors.get_by_user(TUTOR)
    assert tutor is not None
    assert [(p.name, p.tutor_id) for p in await packages_on_sale(uow_factory(), tutor_id=tutor.id)] == [
        ("Ten hours", None)
    ]
    started = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=school.id)
    await stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    await check_purchase(uow_factory, clock, RULES, gateway, user_id=ANN, purchase_id=started.purchase.id)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot.id, credit_from=started.purchase.id
    )
    assert booked.confirmed
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [9]
    # Only an admin lists and withdraws the school's packages; a tutor's attempt finds nothing.
    with pytest.raises(Forbidden):
        await school_packages(uow_factory(), RULES, user_id=TUTOR)
    assert [p.id for p in await school_packages(uow_factory(), RULES, user_id=99)] == [school.id]
    with pytest.raises(NotFound):
        await withdraw_package(uow_factory(), RULES, user_id=TUTOR, package_id=school.id)
    await withdraw_package(uow_factory(), RULES, user_id=99, package_id=school.id)
    assert await school_packages(uow_factory(), RULES, user_id=99) == []


async def test_only_its_tutor_withdraws_a_package_and_what_was_bought_stays_usable(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [slot] = await slots(uow_factory, clock, 1)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    [package] = await tutor_packages(uow_factory(), user_id=TUTOR)
    # A student (or another tutor) pressing a forged button finds nothing to withdraw.
    with pytest.raises(NotFound):
        await withdraw_package(uow_factory(), RULES, user_id=ANN, package_id=package.id)
    await withdraw_package(uow_factory(), RULES, user_id=TUTOR, package_id=package.id)
    assert await tutor_packages(uow_factory(), user_id=TUTOR) == []
    with pytest.raises(NotFound):
        await buy_package(uow_factory, clock, gateway, RETURN, user_id=BOB, package_id=package.id)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot.id, credit_from=purchase
    )
    assert booked.confirmed


async def test_lessons_left_when_a_package_expires_are_written_off_once_and_reported(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    [slot] = await slots(uow_factory, clock, 1)
    purchase = await bought(uow_factory, clock, stripe, gateway)
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot.id, credit_from=purchase)
    clock.advance(days=89)
    assert await expire_credits(uow_factory, clock) == 0
    clock.advance(days=1)
    assert await expire_credits(uow_factory, clock) == 1
    assert await expire_credits(uow_factory, clock) == 0
    async with uow_factory() as uow:
        left = await uow.credits.left(purchase)
        messages = [await uow.outbox.get(i) for i in range(1, 30)]
    assert left == 0
    expired = [m for m in messages if m is not None and m.kind == NotificationKind.PACKAGE_EXPIRED]
    assert [(m.recipient_id, m.payload["unused"]) for m in expired] == [(ANN, 9)]


async def test_a_second_tap_reuses_the_page_and_a_missed_webhook_is_caught_up(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    await slots(uow_factory, clock, 1)
    package = await define_package(uow_factory(), clock, RULES, user_id=TUTOR, spec=TEN_HOURS)
    first = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=package.id)
    again = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=package.id)
    assert again.purchase.id == first.purchase.id and again.checkout_url == first.checkout_url
    assert len(stripe.sessions) == 1
    # Bob's purchase: its page closes unpaid.
    bobs = await buy_package(uow_factory, clock, gateway, RETURN, user_id=BOB, package_id=package.id)
    # Ann pays; the webhook never arrives. The payments job asks Stripe and writes her credits.
    await stripe.pay(first.purchase.checkout_session_id or "", deliver=False)
    await stripe.expire(bobs.purchase.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 2
    assert [b.left for b in await my_balances(uow_factory(), clock, user_id=ANN)] == [10]
    async with uow_factory() as uow:
        lapsed = await uow.purchases.get(bobs.purchase.id)
    assert lapsed is not None and lapsed.status is PurchaseStatus.EXPIRED
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 0
    # Once her page is paid, another tap opens a new purchase.
    third = await buy_package(uow_factory, clock, gateway, RETURN, user_id=ANN, package_id=package.id)
    assert third.purchase.id != first.purchase.id
