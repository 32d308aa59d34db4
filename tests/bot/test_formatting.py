"""Dates, times and money are formatted in the reader's locale, and a time always carries its zone."""

from datetime import UTC, datetime

import pytest

from l10n.formatting import fmt_datetime, fmt_money, fmt_time, fmt_zone

SUMMER = datetime(2026, 7, 6, 16, 0, tzinfo=UTC)
WINTER = datetime(2026, 1, 5, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "zone", "locale", "expected"),
    [
        (SUMMER, "Europe/Paris", "en", "Mon 6 Jul 2026, 18:00 (Paris, UTC+2)"),
        (WINTER, "Europe/Paris", "en", "Mon 5 Jan 2026, 17:00 (Paris, UTC+1)"),
        (SUMMER, "Europe/Paris", "fr", "lun. 6 juil. 2026, 18:00 (Paris, UTC+2)"),
        (SUMMER, "Asia/Kolkata", "en", "Mon 6 Jul 2026, 21:30 (Kolkata, UTC+5:30)"),
        (SUMMER, "America/New_York", "en", "Mon 6 Jul 2026, 12:00 (New York, UTC-4)"),
        # Late in the evening in the west is already the next day in the east.
        (
            datetime(2026, 7, 6, 23, 30, tzinfo=UTC),
            "Pacific/Auckland",
            "en",
            "Tue 7 Jul 2026, 11:30 (Auckland, UTC+12)",
        ),
    ],
)
def test_datetimes_show_the_local_time_and_zone(instant: datetime, zone: str, locale: str, expected: str) -> None:
    assert fmt_datetime(instant, zone, locale) == expected


def test_times_and_zones() -> None:
    assert fmt_time(SUMMER, "Australia/Lord_Howe", "en") == "02:30"  # UTC+10:30 in the southern winter
    assert fmt_zone("Australia/Lord_Howe", WINTER) == "Australia/Lord_Howe (UTC+11)"
    assert fmt_zone("Australia/Lord_Howe", SUMMER) == "Australia/Lord_Howe (UTC+10:30)"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (3000, "USD", "en", "$30.00"),
        (4550, "EUR", "en", "€45.50"),
        (4550, "EUR", "fr", "45,50\xa0€"),
        (3750, "JPY", "en", "¥3,750"),
        (123456, "CHF", "fr", "1\u202f234,56\xa0CHF"),
        (0, "GBP", "en", "£0.00"),
    ],
)
def test_money_in_the_readers_locale(amount: int, currency: str, locale: str, expected: str) -> None:
    assert fmt_money(amount, currency, locale) == expected


def test_the_booking_window_refusal_names_the_last_moment_in_the_readers_zone() -> None:
    from bot.texts.errors import error_text
    from core.errors import ValidationError
    from l10n.catalogs import build_i18n

    # The window ends with the tutor's Sunday 22 March in Paris, 23:00 UTC: Pago Pago is still at noon.
    refusal = ValidationError(
        "booking.beyond_window", until=datetime(2026, 3, 22, 23, 0, tzinfo=UTC), zone="UTC", days=28
    )
    i18n = build_i18n("en")
    with i18n.use_locale("en"), i18n.context():
        text = error_text(refusal, "Pacific/Pago_Pago")
    assert text == "You can book sessions that start before Sun 22 Mar 2026, 12:00 (Pago Pago, UTC-11), 4 weeks ahead."
    # The window is a setting: the refusal says the one in force.
    shorter = ValidationError(
        "booking.beyond_window", until=datetime(2026, 3, 4, 23, 0, tzinfo=UTC), zone="UTC", days=10
    )
    with i18n.use_locale("en"), i18n.context():
        assert error_text(shorter, "UTC").endswith(", 10 days ahead.")
