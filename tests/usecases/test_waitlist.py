"""Waitlists: only a full time has one; a freed seat is held for the first person waiting (nobody else
can take it), who books it through the usual payment or lets it go; a hold that runs out passes the seat
to the next one; nobody pays for a seat they did not book."""

import pytest

from core.enums import ParticipantStatus, WaitlistStatus
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from core.usecases.cancellations import cancel_booking, cancel_session
from core.usecases.payments import reconcile_payments
from core.usecases.waitlist import expire_offers, join_waitlist, leave_waitlist, offer_to_claim
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import tutor_and_students
from testkit.stripe import FakeStripe

RULES = BusinessRules(waitlist_hold_minutes=30)
ANN, BOB, CY, DEE = 2, 3, 4, 5


def _link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def _kinds(uow_factory: SqlUnitOfWorkFactory, recipient: int) -> list[str]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 60)]
    return [m.kind for m in messages if m is not None and m.recipient_id == recipient]


async def _seats(uow_factory: SqlUnitOfWorkFactory, slot_id: int) -> int:
    async with uow_factory() as uow:
        slot = await uow.slots.get(slot_id)
    assert slot is not None
    return slot.seats_taken


async def test_a_freed_seat_is_held_for_the_first_waiting_then_passed_on(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 4, rate=6000)
    # Nobody queues for a time with a seat free.
    with pytest.raises(ValidationError, match=r"waitlist\.seat_free"):
        await join_waitlist(uow_factory(), clock, user_id=BOB, slot_id=slot.id)
    ann = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=slot.id)
    await stripe.pay(ann.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    # Full: Bob then Cy queue (twice is once); Ann, who holds the seat, does not.
    bob = await join_waitlist(uow_factory(), clock, user_id=BOB, slot_id=slot.id)
    assert (await join_waitlist(uow_factory(), clock, user_id=BOB, slot_id=slot.id)).id == bob.id
    clock.advance(seconds=1)
    cy = await join_waitlist(uow_factory(), clock, user_id=CY, slot_id=slot.id)
    with pytest.raises(Conflict, match=r"booking\.already_booked"):
        await join_waitlist(uow_factory(), clock, user_id=ANN, slot_id=slot.id)

    # Ann cancels: her seat is held for Bob; Dee cannot take it, Cy cannot claim it.
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=ann.participant.id)
    assert await _seats(uow_factory, slot.id) == 1
    assert NotificationKind.WAITLIST_OFFER in await _kinds(uow_factory, BOB)
    with pytest.raises(Conflict):
        await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=DEE, slot_id=slot.id)
    with pytest.raises(NotFound):
        await offer_to_claim(uow_factory(), clock, user_id=CY, entry_id=bob.id)
    with pytest.raises(Conflict, match=r"waitlist\.offer_over"):
        await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=CY, slot_id=slot.id, waitlist_entry_id=cy.id)
    # Bob lets the hold run out: the seat goes to Cy, who is told; Bob is told he missed it.
    clock.advance(minutes=31)
    assert await expire_offers(uow_factory, clock, RULES) == 1
    assert NotificationKind.WAITLIST_MISSED in await _kinds(uow_factory, BOB)
    assert NotificationKind.WAITLIST_OFFER in await _kinds(uow_factory, CY)
    assert await _seats(uow_factory, slot.id) == 1
    assert await expire_offers(uow_factory, clock, RULES) == 0
    # Cy books the held seat and pays: booked, the queue entry done.
    claimed = await book_slot(
        uow_factory, clock, RULES, gateway, _link, user_id=CY, slot_id=slot.id, waitlist_entry_id=cy.id
    )
    await stripe.pay(claimed.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    async with uow_factory() as uow:
        entry = await uow.waitlist.get(cy.id)
        booked = await uow.participants.get(claimed.participant.id)
    assert entry is not None and entry.status is WaitlistStatus.CLAIMED
    assert booked is not None and booked.status is ParticipantStatus.BOOKED
    assert await _seats(uow_factory, slot.id) == 1
    # Only those who booked ever had a payment page: Ann and Cy.
    assert len(stripe.sessions) == 2


async def test_a_declined_seat_goes_back_on_sale_when_nobody_else_waits(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: StripeGateway, stripe: FakeStripe
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 4, rate=0)
    ann = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=slot.id)
    bob = await join_waitlist(uow_factory(), clock, user_id=BOB, slot_id=slot.id)
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=ann.participant.id)
    with pytest.raises(NotFound):
        await leave_waitlist(uow_factory(), clock, RULES, user_id=CY, entry_id=bob.id)
    await leave_waitlist(uow_factory(), clock, RULES, user_id=BOB, entry_id=bob.id)
    assert await _seats(uow_factory, slot.id) == 0
    dee = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=DEE, slot_id=slot.id)
    assert dee.confirmed


async def test_a_cancelled_session_ends_its_queue(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: StripeGateway, stripe: FakeStripe
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 4, rate=0)
    await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=slot.id)
    bob = await join_waitlist(uow_factory(), clock, user_id=BOB, slot_id=slot.id)
    async with uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None
    await cancel_session(uow_factory, clock, RULES, gateway, user_id=1, session_id=session.id, reason=None)
    # The job finds the seat free and the session gone: Bob's place ends, nothing is offered, once.
    assert await expire_offers(uow_factory, clock, RULES) == 0
    async with uow_factory() as uow:
        entry = await uow.waitlist.get(bob.id)
        assert await uow.waitlist.slots_with_free_seats(10) == []
    assert entry is not None and entry.status is WaitlistStatus.EXPIRED
    assert NotificationKind.WAITLIST_OFFER not in await _kinds(uow_factory, BOB)
