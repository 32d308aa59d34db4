"""Credits on SQLite and on PostgreSQL: a student with three credits books eight lessons at once and
exactly three are booked (the others refused cleanly, the ledger never below zero); balances and the
write-off of lapsed packages are computed in SQL."""

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from core.availability import SlotSpec
from core.enums import CreditReason, ParticipantStatus, SessionType
from core.errors import ValidationError
from core.packages import PackageSpec
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from core.usecases.bookings import book_slot
from core.usecases.packages import define_package, expire_credits
from core.usecases.payments import confirm_checkout
from core.usecases.purchases import buy_package
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from testkit.people import tutor_and_students

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
RULES = BusinessRules()
TUTOR, ANN = 1, 2
CREDITS, LESSONS = 3, 8


def paid_link(participant_id: int) -> str:
    return f"https://t.me/b?start=paid_{participant_id}"


async def three_credits(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: InstantGateway
) -> tuple[list[int], int]:
    """Tutor 1 with eight daily 60-minute slots from Monday 23 March, and Ann's paid purchase of three
    60-minute lessons, valid 30 days; the slot ids and the purchase id."""
    first = await tutor_and_students(uow_factory, clock, 1, rate=6000)
    slot_ids = [first.id]
    for offset in range(1, LESSONS):
        spec = SlotSpec(
            day=date(2026, 3, 23) + timedelta(days=offset),
            start=time(16),
            minutes=60,
            session_type=SessionType.ONE_TO_ONE,
            capacity=1,
        )
        slot_ids.append((await add_slot(uow_factory(), clock, RULES, user_id=TUTOR, spec=spec)).id)
    package = await define_package(
        uow_factory(),
        clock,
        RULES,
        user_id=TUTOR,
        spec=PackageSpec(
            name="Three", lessons=CREDITS, lesson_minutes=60, price_minor=15000, currency="EUR", validity_days=30
        ),
    )
    started = await buy_package(uow_factory, clock, gateway, "https://t.me/b", user_id=ANN, package_id=package.id)
    checkout = gateway.sessions[started.purchase.checkout_session_id or ""]
    paid = replace(checkout, status="complete", payment_status="paid", payment_intent_id="pi_1")
    assert (await confirm_checkout(uow_factory, clock, RULES, gateway, checkout=paid)).result == "paid"
    return slot_ids, started.purchase.id


async def test_eight_bookings_at_once_spend_exactly_three_credits(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    gateway = InstantGateway()
    slot_ids, purchase_id = await three_credits(uow_factory, clock, gateway)

    async def attempt(slot_id: int) -> str:
        try:
            await book_slot(
                uow_factory,
                clock,
                RULES,
                gateway,
                paid_link,
                user_id=ANN,
                slot_id=slot_id,
                credit_from=purchase_id,
            )
        except ValidationError as refused:
            return refused.code
        return "booked"

    outcomes = await asyncio.gather(*(attempt(slot_id) for slot_id in slot_ids))
    assert outcomes.count("booked") == CREDITS
    assert outcomes.count("credit.none_left") == LESSONS - CREDITS
    async with uow_factory() as uow:
        left = await uow.credits.left(purchase_id)
        bookings = await uow.participants.list_bookings(ANN, NOW)
        spends = [await uow.credits.spend_of(b.participant.id) for b in bookings]
    assert left == 0
    assert [b.participant.status for b in bookings] == [ParticipantStatus.BOOKED] * CREDITS
    assert [s.reason for s in spends if s is not None] == [CreditReason.SPEND] * CREDITS
    # No checkout was opened for any of them: only the package's own.
    assert len(gateway.sessions) == 1


async def test_balances_and_the_write_off_of_a_lapsed_package(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    gateway = InstantGateway()
    slot_ids, purchase_id = await three_credits(uow_factory, clock, gateway)
    await book_slot(
        uow_factory, clock, RULES, gateway, paid_link, user_id=ANN, slot_id=slot_ids[0], credit_from=purchase_id
    )
    async with uow_factory() as uow:
        assert [(b.purchase.id, b.left, b.used) for b in await uow.credits.balances(ANN)] == [(purchase_id, 2, 1)]
        assert await uow.credits.lapsed(NOW + timedelta(days=29), 10) == []
    clock.advance(days=30)
    assert await expire_credits(uow_factory, clock) == 1
    assert await expire_credits(uow_factory, clock) == 0
    async with uow_factory() as uow:
        assert await uow.credits.left(purchase_id) == 0
        assert await uow.credits.lapsed(clock.now(), 10) == []
