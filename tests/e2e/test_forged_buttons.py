"""Forged and stale buttons: impossible dates, ids too large for the database, unknown actions. Each is
answered "no longer active", nothing changes, nothing is logged as an error, and the dialog goes on."""

import logging

import pytest

from app.wiring import TutorBot
from core.enums import Role
from testkit import BotMessage, FakeTelegram, FakeUser
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, open_calendar, person, tutor_with_slot

STALE = "This button is no longer active. Send /start to begin again."
FRENCH_STALE = "Ce bouton n'est plus actif. Envoyez /start pour recommencer."
BAD_DAYS = ["2026-02-31", "9999-99-99", "../../etc/passwd", "2026-3-23", "99999999999999999999999", ""]
BAD_IDS = ["99999999999999999999999", "-1", "0", "1e9", "abc", "1 OR 1=1"]


def _button_data(message: BotMessage, label: str) -> str:
    for row in message.inline_keyboard:
        for button in row:
            if button.get("text") == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} on {message.buttons}")


def _with_value(callback_data: str, value: str) -> str:
    """The same dialog button, carrying another value (the part after the widget id)."""
    return callback_data.rsplit(":", 1)[0] + ":" + value


async def _stale_with_each(
    telegram: FakeTelegram,
    user: FakeUser,
    callback_data: str,
    values: list[str],
    *,
    on: BotMessage,
    stale: str = STALE,
) -> None:
    """The button on `on`, forged to carry each value in turn: each press is answered as a stale button."""
    for value in values:
        answer = await forge_press(telegram, user, _with_value(callback_data, value), on=on)
        assert (answer.text, answer.show_alert) == (stale, True), value


async def test_forged_days_and_ids_in_the_booking_dialog_are_stale_buttons(
    shop: Shop, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    app = shop.app
    await tutor_with_slot(app, 9701, "Marie Curie", rate=0, subject="Chemistry")
    await person(app, 9702, "Ann", "America/New_York", Role.STUDENT)
    ann = telegram.user(9702, "Ann")
    calendar = await open_calendar(ann, "Chemistry (1)", "Marie Curie")
    day_button = _button_data(calendar, "•23")
    await _stale_with_each(telegram, ann, day_button, BAD_DAYS, on=calendar)
    await ann.press("•23")
    day = await ann.wait_for("Pick one:")
    slot_button = next(
        str(b["callback_data"]) for row in day.inline_keyboard for b in row if "1-to-1" in str(b.get("text"))
    )
    await _stale_with_each(telegram, ann, slot_button, BAD_IDS, on=day)
    # The dialog is where it was: the real button still works.
    await ann.press("11:00–12:00 · 1-to-1 · free of charge")
    await ann.wait_for("Your booking")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_forged_buttons_on_notifications_and_in_the_tutors_week_are_stale_buttons(
    shop: Shop, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    app = shop.app
    await tutor_with_slot(app, 9711, "Emmy Noether", rate=0, subject="Algebra")
    emmy = telegram.user(9711, "Emmy")
    huge = "99999999999999999999999"
    for data in [
        f"room:{huge}:0:0",
        f"room:1:0:{huge}",
        "room:1:2:3:4:5",
        "live:1:explode",
        f"live:{huge}:start",
        f"cxb:{huge}:0",
        f"cxs:{huge}",
        "join:abc",
        "review:1:maybe",
        f"review:{huge}:1",
        "no-such-prefix:1",
    ]:
        answer = await forge_press(telegram, emmy, data)
        assert answer.text == STALE, data
    await emmy.send("/availability")
    week = await emmy.wait_for("Week of", new_only=True)
    await emmy.press("Later ▶️")
    week = await emmy.wait_for("Week of Monday 23 March")
    day_button = _button_data(week, "Mon 23 Mar")
    await _stale_with_each(telegram, emmy, day_button, BAD_DAYS, on=week)
    await emmy.press("Mon 23 Mar")
    await emmy.wait_for("Monday 23 March")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_forged_region_or_city_in_the_zone_picker_is_a_stale_button(
    app: TutorBot, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    ann = telegram.user(9721, "Ann", language_code="fr")
    await ann.send("/start")
    welcome = await ann.wait_for("Bienvenue")
    region = _button_data(welcome, "Europe")
    await _stale_with_each(telegram, ann, region, ["Atlantis", "Europe/../Mars", ""], on=welcome, stale=FRENCH_STALE)
    await ann.press("Europe")
    cities = await ann.wait_for(lambda m: "Paris" in m.button_labels)
    city = _button_data(cities, "Paris")
    await _stale_with_each(telegram, ann, city, ["999", "-1", "x"], on=cities, stale=FRENCH_STALE)
    await ann.press("Paris")
    await ann.wait_for("Europe/Paris")
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
