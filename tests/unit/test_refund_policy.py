"""Cancellation policies: typed the ways tutors type them, refused when they would give back more later,
and read at any instant before the start ("50% from 24 h to 2 h before, nothing after")."""

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ValidationError
from core.refund_policy import FULL_REFUND, RefundTier, decode_policy, parse_policy, share

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("24h 100%, 2h 50%", "24:100,2:50"),
        ("2h 50% et 24h 100%", "24:100,2:50"),
        ("48 100 / 24 50 then nothing", "48:100,24:50"),
        ("０h 100%", "0:100"),
        ("12 h : 75 %", "12:75"),
    ],
)
def test_typed_policies_are_read(typed: str, stored: str) -> None:
    assert parse_policy(typed).encode() == stored
    assert decode_policy(stored) == parse_policy(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "soon",
        "24h 50%, 2h 100%",
        "24h 100%, 24h 50%",
        "24h 0%",
        "24h 150%",
        "999h 100%",
        "100",
        "24h 100% x",
        "1h 90, 2h 80, 3h 70, 4h 60, 5h 50",
    ],
)
def test_policies_that_make_no_sense_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        parse_policy(typed)


def test_what_comes_back_at_each_moment() -> None:
    policy = parse_policy("24h 100%, 2h 50%")
    before = [
        (timedelta(days=3), 100),
        (timedelta(hours=24), 100),
        (timedelta(hours=23, minutes=59), 50),
        (timedelta(hours=2), 50),
        (timedelta(hours=1), 0),
        (timedelta(0), 0),
        (-timedelta(hours=1), 0),
    ]
    assert [policy.percent_at(START, START - ahead) for ahead, _p in before] == [p for _a, p in before]
    assert policy.next_drop(START, START - timedelta(days=3)) == (START - timedelta(hours=24), 50)
    assert policy.next_drop(START, START - timedelta(hours=3)) == (START - timedelta(hours=2), 0)
    assert policy.next_drop(START, START - timedelta(hours=1)) is None
    # A full refund until the start never drops before it.
    assert FULL_REFUND.percent_at(START, START - timedelta(seconds=1)) == 100
    assert FULL_REFUND.next_drop(START, START - timedelta(days=1)) is None
    assert FULL_REFUND.tiers == (RefundTier(0, 100),)


def test_a_share_is_rounded_down_to_the_minor_unit() -> None:
    assert share(6000, 50) == 3000
    assert share(999, 33) == 329
    assert share(0, 100) == 0
