"""A tutor's booking notice and cancellation policy, in core: times inside the notice are neither offered
nor bookable (a stale screen included) and come back when the tutor shortens it; a cancellation gives
back the tier's share of the money, and a lesson paid with a credit gets its credit back only in full."""

from datetime import timedelta

import pytest

from core.entities import Participant
from core.errors import ValidationError
from core.rules import BusinessRules
from core.usecases.bookings import book_slot
from core.usecases.browsing import list_tutors, tutor_offer
from core.usecases.cancellations import cancel_booking, quote_cancellation
from core.usecases.payments import reconcile_payments
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import add_tutor_profile, tutor_and_students
from testkit.stripe import FakeStripe
from tests.usecases.test_packages import bought
from tests.usecases.test_packages import slots as package_slots

RULES = BusinessRules()
TUTOR, ANN, BOB = 1, 2, 3


def _link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def _set_tutor(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, *, notice: int, policy: str | None = None
) -> None:
    await add_tutor_profile(
        uow_factory, clock, RULES, TUTOR, rate=6000, refund_policy=policy, booking_notice_minutes=notice
    )


async def test_times_inside_the_booking_notice_are_not_offered_nor_booked(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 2, rate=6000)
    await _set_tutor(uow_factory, clock, notice=120)
    gateway = InstantGateway()
    clock.current = slot.starts_at - timedelta(hours=2, minutes=1)
    offer = await tutor_offer(uow_factory(), clock, RULES, slot.tutor_id, session_type=None, days=None)
    assert [s.id for s in offer.slots] == [slot.id]
    # One minute later the time is inside the notice: not on the calendar, not on the list, not bookable.
    clock.advance(minutes=1)
    offer = await tutor_offer(uow_factory(), clock, RULES, slot.tutor_id, session_type=None, days=None)
    assert offer.slots == []
    [card] = (await list_tutors(uow_factory(), clock, RULES, subject=None)).cards
    assert card.next_free is None
    with pytest.raises(ValidationError, match=r"booking\.notice"):
        await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=slot.id)
    # The tutor takes bookings until the start again: the slot is back, everywhere.
    await _set_tutor(uow_factory, clock, notice=0)
    [card] = (await list_tutors(uow_factory(), clock, RULES, subject=None)).cards
    assert card.next_free == slot.starts_at
    booked = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=slot.id)
    assert booked.checkout_url is not None


async def test_a_new_tutor_takes_the_operators_default_notice(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    await tutor_and_students(uow_factory, clock, 1)
    rules = BusinessRules(booking_notice_minutes=90)
    profile_id = await add_tutor_profile(uow_factory, clock, rules, 2, rate=6000, booking_notice_minutes=None)
    async with uow_factory() as uow:
        saved = await uow.tutors.get(profile_id)
    assert saved is not None
    assert saved.booking_notice_minutes == 90


async def _paid(
    uow_factory: SqlUnitOfWorkFactory,
    clock: FixedClock,
    stripe: FakeStripe,
    gateway: StripeGateway,
    *,
    user_id: int,
    slot_id: int,
) -> Participant:
    result = await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=user_id, slot_id=slot_id)
    await stripe.pay(result.payment.checkout_session_id or "", deliver=False)
    clock.advance(minutes=2)
    assert await reconcile_payments(uow_factory, clock, RULES, gateway) == 1
    return result.participant


async def test_a_late_cancellation_gives_back_the_tiers_share_through_stripe(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 2, rate=6000, capacity=2)
    await _set_tutor(uow_factory, clock, notice=0, policy="24h 100%, 2h 50%")
    ann = await _paid(uow_factory, clock, stripe, gateway, user_id=ANN, slot_id=slot.id)
    bob = await _paid(uow_factory, clock, stripe, gateway, user_id=BOB, slot_id=slot.id)
    clock.current = slot.starts_at - timedelta(hours=3)
    quote = await quote_cancellation(uow_factory(), clock, user_id=ANN, participant_id=ann.id)
    assert (quote.percent, quote.refund_minor, quote.paid_minor) == (50, 3000, 6000)
    assert quote.next_drop == (slot.starts_at - timedelta(hours=2), 0)
    done = await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=ann.id)
    assert done.refund_minor == 3000
    assert [r["amount"] for r in stripe.refunds.values()] == [3000]
    async with uow_factory() as uow:
        payment = await uow.payments.get_by_participant(ann.id)
        stored = await uow.slots.get(slot.id)
    assert payment is not None and (payment.refund_minor, payment.refund_amount) == (3000, 3000)
    assert stored is not None and stored.seats_taken == 1
    # An hour before: the seat goes back, the money does not.
    clock.current = slot.starts_at - timedelta(hours=1)
    late = await cancel_booking(uow_factory, clock, RULES, gateway, user_id=BOB, participant_id=bob.id)
    assert (late.percent, late.refund_minor) == (0, 0) and len(stripe.refunds) == 1


async def test_a_credit_comes_back_only_while_the_refund_is_full(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    first, second = await package_slots(uow_factory, clock, 2)
    purchase_id = await bought(uow_factory, clock, stripe, gateway)
    await _set_tutor(uow_factory, clock, notice=0, policy="24h 100%, 2h 50%")
    seats = [
        (await book_slot(uow_factory, clock, RULES, gateway, _link, user_id=ANN, slot_id=s.id, credit_from=purchase_id))
        for s in (first, second)
    ]
    assert [(await balance(uow_factory, purchase_id))] == [8]
    # Two days before the first lesson: the credit comes back.
    clock.current = first.starts_at - timedelta(days=2)
    early = await cancel_booking(
        uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=seats[0].participant.id
    )
    assert early.credit_back and await balance(uow_factory, purchase_id) == 9
    # Three hours before the second: half a lesson cannot come back, so the credit stays spent; no money moves.
    clock.current = second.starts_at - timedelta(hours=3)
    quote = await quote_cancellation(uow_factory(), clock, user_id=ANN, participant_id=seats[1].participant.id)
    assert (quote.paid_with_credit, quote.credit_back, quote.percent) == (True, False, 50)
    late = await cancel_booking(uow_factory, clock, RULES, gateway, user_id=ANN, participant_id=seats[1].participant.id)
    assert not late.credit_back and late.refund_minor == 0
    assert await balance(uow_factory, purchase_id) == 9 and stripe.refunds == {}


async def balance(uow_factory: SqlUnitOfWorkFactory, purchase_id: int) -> int:
    async with uow_factory() as uow:
        return await uow.credits.left(purchase_id)
