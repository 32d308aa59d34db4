"""Checks for the values buttons carry: anyone can forge a button's data, so each value is checked for
its kind and range before any handler reads it.

A value that fails is a `StaleButton`: the person is told the button is no longer active, nothing runs.
Each check returns the value as the handlers read it (the same text), so a checked value can always be
converted (`int(...)`, `date.fromisoformat(...)`) without an error.
"""

import re
from collections.abc import Callable, Iterable
from datetime import date

# Ids are 64-bit integers in the database; a larger value would fail there (an overflow, not an answer).
# 2**53 keeps them exact in JavaScript too (the web pages).
MAX_RECORD_ID = 2**53 - 1
# Dates a button can name: far wider than any booking window, narrow enough for every date library.
FIRST_YEAR, LAST_YEAR = 2000, 2200

_DIGITS = re.compile(r"[0-9]{1,16}")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StaleButton(Exception):
    """A button's value is not one this bot could have sent: forged, or from an older version."""


def record_id(value: str) -> str:
    """The id of a stored record: digits, from 1 to MAX_RECORD_ID."""
    if not _DIGITS.fullmatch(value) or not 1 <= int(value) <= MAX_RECORD_ID:
        raise StaleButton(f"not a record id: {value[:64]!r}")
    return value


def list_index(value: str) -> str:
    """A position in a list shown on the screen: digits, from 0."""
    if not _DIGITS.fullmatch(value) or int(value) > MAX_RECORD_ID:
        raise StaleButton(f"not a list index: {value[:64]!r}")
    return value


def calendar_day(value: str) -> str:
    """A day as YYYY-MM-DD that exists in the calendar, between FIRST_YEAR and LAST_YEAR."""
    if not _ISO_DAY.fullmatch(value):
        raise StaleButton(f"not a day: {value[:64]!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise StaleButton(f"no such day: {value!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise StaleButton(f"day out of range: {value!r}")
    return value


def one_of(choices: Iterable[str]) -> Callable[[str], str]:
    """A check that accepts exactly the given values."""
    allowed = frozenset(choices)

    def check(value: str) -> str:
        if value not in allowed:
            raise StaleButton(f"not an offered choice: {value[:64]!r}")
        return value

    return check


# A day of the week, 0 (Monday) to 6.
weekday = one_of(str(n) for n in range(7))


def any_label(value: str) -> str:
    """For buttons that only show something: their value is never used."""
    return value
