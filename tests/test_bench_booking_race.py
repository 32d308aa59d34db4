"""The booking race benchmark at a tiny size: what it reports about correctness holds on each backend.
Nothing about timing is asserted."""

import os

import pytest

from bench.booking_race import GROUP, SPREAD, run

POSTGRES_URL_ENV = "TUTORBOT_TEST_POSTGRES_URL"
POSTGRES_SKIP_REASON = "set TUTORBOT_TEST_POSTGRES_URL to run the booking race on PostgreSQL"

BOOKERS = 20
SEATS = 5
SLOTS = 8


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not os.environ.get(POSTGRES_URL_ENV):
        pytest.skip(POSTGRES_SKIP_REASON)
    return str(request.param)


async def test_exactly_the_capacity_is_sold_and_everyone_else_is_refused_cleanly(backend: str) -> None:
    group, spread = await run(backend, bookers=BOOKERS, seats=SEATS, slots=SLOTS)

    assert (group.scenario, spread.scenario) == (GROUP, SPREAD)
    for result in (group, spread):
        assert result.backend == backend
        assert result.unexpected == []
        assert result.problems == []
        assert result.correct

    assert group.booked == group.seats_sold == group.checkouts_opened == SEATS
    assert group.refusals == {"booking.full": BOOKERS - SEATS}
    [slot] = group.slot_facts
    assert (slot.capacity, slot.seats_taken, len(slot.holders)) == (SEATS, SEATS, SEATS)

    assert spread.booked == spread.seats_sold == spread.checkouts_opened == SLOTS
    assert spread.refusals == {"booking.taken": BOOKERS - SLOTS}
    assert [(facts.seats_taken, len(facts.holders)) for facts in spread.slot_facts] == [(1, 1)] * SLOTS
    # 20 bookers over 8 slots: every slot is contested, by two or three.
    assert {facts.contenders for facts in spread.slot_facts} == {2, 3}
