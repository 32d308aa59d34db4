"""Dates, times and money in the reader's locale; every time carries the zone it is read in."""

from datetime import datetime

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency

from core.money import to_decimal
from core.timezones import city_label, utc_offset_label, utc_to_local


def fmt_datetime(instant: datetime, zone: str, locale: str) -> str:
    """ "Mon 3 Mar 2026, 18:00 (Paris, UTC+1)": the zone is always shown with the time."""
    local = utc_to_local(instant, zone)
    text = format_datetime(local, "EEE d MMM y, HH:mm", locale=locale)
    return f"{text} ({city_label(zone)}, {utc_offset_label(instant, zone)})"


def fmt_date(instant: datetime, zone: str, locale: str) -> str:
    """ "3 March 2026": the day the instant falls on in the reader's zone."""
    return format_date(utc_to_local(instant, zone), "d MMMM y", locale=locale)


def fmt_time(instant: datetime, zone: str, locale: str) -> str:
    return format_time(utc_to_local(instant, zone), "HH:mm", locale=locale)


def fmt_time_zoned(instant: datetime, zone: str, locale: str) -> str:
    """ "16:15 (Paris, UTC+1)": a time of day with the zone it is read in."""
    return f"{fmt_time(instant, zone, locale)} ({city_label(zone)}, {utc_offset_label(instant, zone)})"


def fmt_money(amount_minor: int, currency: str, locale: str) -> str:
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)


def fmt_zone(zone: str, now: datetime) -> str:
    """ "Europe/Paris (UTC+1)"."""
    return f"{zone} ({utc_offset_label(now, zone)})"
