"""Booking and payment use cases against the fake Stripe, through the real SDK over HTTP."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from core.availability import SlotSpec
from core.enums import ParticipantStatus, PaymentStatus, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot, cancel_hold
from core.usecases.payments import confirm_checkout, expire_holds, reconcile_payments
from core.usecases.refunds import retry_refunds
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import tutor_and_students
from testkit.stripe import FakeStripe
from tests.usecases.conftest import NOW

RULES = BusinessRules()
TUTOR, ANN, BOB = 1, 2, 3


def link(participant_id: int) -> str:
    return f"https://t.me/test_bot?start=paid_{participant_id}"


async def world(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, *, capacity: int = 1, rate: int = 6000) -> int:
    """Tutor 1 and students Ann (2) and Bob (3) in Paris; a 90-minute slot on Monday 23 March at 16:00."""
    slot = await tutor_and_students(uow_factory, clock, 2, rate=rate, capacity=capacity, minutes=90)
    return slot.id


async def state(
    uow_factory: SqlUnitOfWorkFactory, user_id: int
) -> list[tuple[ParticipantStatus, PaymentStatus | None]]:
    async with uow_factory() as uow:
        bookings = await uow.participants.list_bookings(user_id, NOW)
    return [(b.participant.status, b.payment.status if b.payment else None) for b in bookings]


async def seats(uow_factory: SqlUnitOfWorkFactory, slot_id: int) -> int:
    async with uow_factory() as uow:
        slot = await uow.slots.get(slot_id)
    assert slot is not None
    return slot.seats_taken


async def kinds_for(uow_factory: SqlUnitOfWorkFactory, user_id: int) -> list[str]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 50)]
    return [m.kind for m in messages if m is not None and m.recipient_id == user_id]


async def test_the_price_and_the_checkout(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    assert not result.confirmed and result.checkout_url
    assert result.payment.amount_minor == 9000  # 90 minutes at 60.00 an hour (spec 002)
    [session] = stripe.sessions.values()
    assert session["metadata"] == {"payment_id": str(result.payment.id), "participant_id": str(result.participant.id)}
    assert session["success_url"] == link(result.participant.id)
    # Stripe's page lives at least 30 minutes; our 15-minute hold is enforced by expiring it.
    assert session["expires_at"] == int((NOW + timedelta(minutes=31)).timestamp())
    assert [r.idempotency_key for r in stripe.requests if r.path == "/v1/checkout/sessions"] == [
        f"checkout-{result.payment.id}"
    ]
    assert await seats(uow_factory, slot_id) == 1


async def test_a_lapsed_hold_frees_the_seat_and_closes_the_page(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    clock.advance(minutes=14)
    assert await expire_holds(uow_factory, clock, RULES, gateway) == 0
    clock.advance(minutes=1)
    assert await expire_holds(uow_factory, clock, RULES, gateway) == 1
    assert await state(uow_factory, ANN) == [(ParticipantStatus.EXPIRED, PaymentStatus.EXPIRED)]
    assert await seats(uow_factory, slot_id) == 0
    assert stripe.sessions[result.payment.checkout_session_id or ""]["status"] == "expired"
    assert NotificationKind.HOLD_EXPIRED in await kinds_for(uow_factory, ANN)
    # Someone else can book the seat now.
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slot_id)


async def test_a_late_payment_books_the_seat_when_it_is_still_free(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    session_id = result.payment.checkout_session_id or ""
    stripe.fail_next("/v1/checkout/sessions/", status=500, times=5)  # closing the page fails
    clock.advance(minutes=16)
    await expire_holds(uow_factory, clock, RULES, gateway)
    stripe.clear_faults()
    event = await stripe.pay(session_id, deliver=False)
    checkout = await gateway.retrieve_checkout(session_id)
    outcome = await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout, event_id=event["id"])
    assert outcome.result == "booked_late"
    assert await state(uow_factory, ANN) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert await seats(uow_factory, slot_id) == 1


async def test_a_late_payment_is_refunded_exactly_once_when_the_seat_is_gone(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    first = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    session_id = first.payment.checkout_session_id or ""
    stripe.fail_next("/v1/checkout/sessions/", status=500, times=5)
    clock.advance(minutes=16)
    await expire_holds(uow_factory, clock, RULES, gateway)
    stripe.clear_faults()
    await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slot_id)
    event = await stripe.pay(session_id, deliver=False)
    checkout = await gateway.retrieve_checkout(session_id)
    # Stripe fails the first refund attempt: the refund waits and is retried, and happens once.
    stripe.fail_next("/v1/refunds", status=500)
    outcome = await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout, event_id=event["id"])
    assert outcome.result == "refund"
    assert await state(uow_factory, ANN) == [(ParticipantStatus.EXPIRED, PaymentStatus.REFUND_PENDING)]
    assert NotificationKind.LATE_PAYMENT_REFUNDED in await kinds_for(uow_factory, ANN)
    clock.advance(minutes=5)
    assert await retry_refunds(uow_factory, clock, gateway) == 1
    assert await retry_refunds(uow_factory, clock, gateway) == 0
    assert await state(uow_factory, ANN) == [(ParticipantStatus.EXPIRED, PaymentStatus.REFUNDED)]
    assert len(stripe.refunds) == 1
    # The same event again, and the same session again: nothing more.
    again = await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout, event_id=event["id"])
    assert again.result == "duplicate"
    assert (await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout)).result == "already"
    assert len(stripe.refunds) == 1
    assert await seats(uow_factory, slot_id) == 1


async def test_a_missed_webhook_is_caught_by_asking_stripe(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    await stripe.pay(result.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    assert await state(uow_factory, ANN) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert await kinds_for(uow_factory, ANN) == [NotificationKind.BOOKING_CONFIRMED]
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 0


async def test_stripe_unreachable_means_no_booking_and_no_held_seat(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    stripe.fail_next("/v1/checkout/sessions", status=503)
    with pytest.raises(ValidationError) as caught:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    assert caught.value.code == "booking.payment_unavailable"
    assert await seats(uow_factory, slot_id) == 0
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.FAILED)]
    # Trying again works.
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    assert result.checkout_url


async def test_releasing_a_hold_and_the_limits(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock, capacity=5)
    with pytest.raises(ValidationError) as own:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=TUTOR, slot_id=slot_id)
    assert own.value.code == "booking.own_slot"
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    with pytest.raises(Conflict) as twice:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    assert twice.value.code == "booking.already_booked"
    with pytest.raises(NotFound):  # someone else's booking is reported like a missing one
        await cancel_hold(uow_factory, clock, RULES, gateway, user_id=BOB, participant_id=result.participant.id)
    await cancel_hold(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=result.participant.id)
    assert await seats(uow_factory, slot_id) == 0
    assert stripe.sessions[result.payment.checkout_session_id or ""]["status"] == "expired"
    # At most three unpaid holds at once.
    slots = [slot_id]
    for hour in (9, 11, 13):
        extra = await add_slot(
            uow_factory(),
            clock,
            RULES,
            user_id=TUTOR,
            spec=SlotSpec(
                day=date(2026, 3, 24), start=time(hour), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1
            ),
        )
        slots.append(extra.id)
    for slot in slots[:3]:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slot)
    with pytest.raises(ValidationError) as many:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slots[3])
    assert (many.value.code, many.value.params) == ("booking.too_many_holds", {"max": 3})


async def test_past_slots_and_slots_beyond_the_window_cannot_be_booked(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    clock.current = datetime(2026, 3, 23, 15, 0, 1, tzinfo=UTC)  # the slot started one second ago
    with pytest.raises(ValidationError) as past:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    assert past.value.code == "booking.past"
    # A slot made while the window reached further is out of reach once the window is shorter.
    shorter = BusinessRules(booking_window_days=3)
    clock.current = NOW
    with pytest.raises(ValidationError) as beyond:
        await book_slot(uow_factory, clock, shorter, gateway, link, user_id=ANN, slot_id=slot_id)
    # The window closes at the end of the tutor's Sunday 22 March in Paris: an instant, which every reader
    # sees in their own zone.
    assert beyond.value.code == "booking.beyond_window"
    assert beyond.value.params["until"] == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    with pytest.raises(Conflict) as gone:
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id + 100)
    assert gone.value.code == "booking.taken"
    assert await state(uow_factory, ANN) == []


async def test_a_refund_stripe_reports_failed_is_made_again_once(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    from core.usecases.cancellations import cancel_booking
    from core.usecases.payment_events import handle_payment_event
    from core.usecases.refunds import list_stuck_refunds
    from integrations.stripe_gateway import StripeWebhookVerifier
    from testkit.stripe import sign

    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    await stripe.pay(result.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=result.participant.id)
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    [first_refund] = list(stripe.refunds)
    # Days later the bank refuses the refund: Stripe says so, and the money must go back another way.
    event = await stripe.update_refund(first_refund, "failed", deliver=False)
    import json

    payload = json.dumps(event).encode()
    verified = StripeWebhookVerifier(stripe.webhook_secret).verify(payload, sign(payload, stripe.webhook_secret))
    outcome = await handle_payment_event(uow_factory, clock, RULES, gateway, verified)
    assert outcome.result == "refund_retry"
    assert [p.id for p in await list_stuck_refunds(uow_factory())] == [result.payment.id]
    assert await retry_refunds(uow_factory, clock, gateway) == 1
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert len(stripe.refunds) == 2
    keys = [r.idempotency_key for r in stripe.requests if r.path == "/v1/refunds"]
    assert keys == [f"refund-{result.payment.id}", f"refund-{result.payment.id}-after-{first_refund}"]
    # The same failure event again does nothing more.
    assert (await handle_payment_event(uow_factory, clock, RULES, gateway, verified)).result == "duplicate"


async def test_a_payment_for_a_hold_the_student_released_is_refunded(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot_id = await world(uow_factory, clock)
    result = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    await stripe.pay(result.payment.checkout_session_id or "", deliver=False)
    # The student paid in another tab, then pressed "Release the seat" here.
    await cancel_hold(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=result.participant.id)
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert len(stripe.refunds) == 1
    assert await seats(uow_factory, slot_id) == 0
