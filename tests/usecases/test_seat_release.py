"""Freeing seats, the one operation behind every cancellation path: a paid seat is refunded in full, an
unpaid hold's payment page is closed, a participation already gone is left alone."""

import pytest

from core.enums import ParticipantStatus, PaymentStatus
from core.usecases.bookings import book_slot
from core.usecases.payments import confirm_checkout
from core.usecases.seat_release import free_seats
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.stripe import FakeStripe
from tests.usecases.test_bookings import ANN, BOB, RULES, TUTOR, link, seats, state, world


@pytest.mark.parametrize("release_seats", [True, False])
async def test_a_paid_seat_is_refunded_and_an_unpaid_hold_closed_once(
    uow_factory: SqlUnitOfWorkFactory,
    clock: FixedClock,
    stripe: FakeStripe,
    gateway: StripeGateway,
    release_seats: bool,
) -> None:
    slot_id = await world(uow_factory, clock, capacity=3)
    paid = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=ANN, slot_id=slot_id)
    held = await book_slot(uow_factory, clock, RULES, gateway, link, user_id=BOB, slot_id=slot_id)
    ann_checkout, bob_checkout = paid.payment.checkout_session_id or "", held.payment.checkout_session_id or ""
    await stripe.pay(ann_checkout, deliver=False)
    checkout = await gateway.retrieve_checkout(ann_checkout)
    await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=checkout)
    async with uow_factory() as uow:
        participants = await uow.participants.list_for_session(paid.participant.session_id)
        freed = await free_seats(uow, participants, clock.now(), release_seats=release_seats, slot_id=slot_id)
        await uow.commit()
    assert [(s.was.user_id, s.cancelled.status, s.refund_minor) for s in freed.seats] == [
        (ANN, ParticipantStatus.CANCELLED, 9000),
        (BOB, ParticipantStatus.CANCELLED, 0),
    ]
    assert (freed.refunds, freed.checkouts) == ([paid.payment.id], [bob_checkout])
    assert await seats(uow_factory, slot_id) == (0 if release_seats else 2)
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUND_PENDING)]
    await freed.settle(uow_factory, clock, RULES, gateway)
    assert await state(uow_factory, ANN) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert await state(uow_factory, BOB) == [(ParticipantStatus.CANCELLED, PaymentStatus.EXPIRED)]
    assert [r["amount"] for r in stripe.refunds.values()] == [9000]
    assert stripe.sessions[bob_checkout]["status"] == "expired"
    # Freeing them again finds nothing to do: no second refund, no seat given back twice.
    async with uow_factory() as uow:
        participants = await uow.participants.list_for_session(paid.participant.session_id)
        again = await free_seats(uow, participants, clock.now(), release_seats=release_seats, slot_id=slot_id)
        await uow.commit()
    assert again.seats == [] and len(stripe.refunds) == 1
    assert TUTOR not in {s.was.user_id for s in freed.seats}
