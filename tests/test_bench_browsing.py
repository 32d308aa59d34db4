"""The browsing benchmark at a tiny size: the data it seeds is consistent, the screens it times show what was
seeded, and it explains the queries behind them. Timings are never asserted."""

import os

import pytest

from bench.browsing import OPERATIONS, run

# One weekday off in four whole weeks leaves 24 days of seven lessons.
SLOTS_PER_TUTOR = 24 * 7

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            not os.environ.get("TUTORBOT_TEST_POSTGRES_URL"),
            reason="set TUTORBOT_TEST_POSTGRES_URL to run the benchmark on PostgreSQL",
        ),
    ),
]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_browsing_benchmark_seeds_browses_and_explains(backend: str) -> None:
    result = await run(backend, tutors=5, bookings=50, samples=5)

    assert result.slots_seeded == 5 * SLOTS_PER_TUTOR
    assert result.bookings_seeded == 50
    assert result.rows["tutor_profiles"] == 5
    assert result.full_slots > 0
    assert result.seats_consistent

    checks = result.checks
    assert checks.tutor_list_right
    assert checks.calendars == 5
    assert checks.calendars_right == 5
    assert checks.calendars_with_free_days == 5
    assert checks.days == 5
    assert checks.days_right == 5
    assert checks.unbookable_offered == 0
    assert set(result.latencies) == {name for name, _label in OPERATIONS}

    names = {plan.name for plan in result.plans}
    assert {
        "list_tutors → SqlTutorRepository.list_by_next_free",
        "tutor_offer → SqlTutorRepository.get",
        "get_user → SqlUserRepository.get",
        "tutor_offer → SqlSlotRepository.list_on_sale",
    } <= names
    assert all(plan.plan and plan.statement for plan in result.plans)
    assert result.plans_use_indexes
    if backend == "sqlite":
        # PostgreSQL reads tables this small whole, rightly; SQLite looks the rows up whatever the size.
        (on_sale,) = [plan for plan in result.plans if plan.name.endswith("list_on_sale")]
        assert on_sale.uses_index
        assert "ix_slots_tutor_id_starts_at" in on_sale.plan
        assert on_sale.full_scans == ()
