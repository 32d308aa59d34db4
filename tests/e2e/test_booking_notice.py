"""A tutor's booking notice through the fake Bot API: two hours before the start, the time leaves the
tutor list and the calendar, and a screen opened before then refuses it with the tutor's rule, for a
student in Tokyo in the student's own time."""

from datetime import UTC, datetime, timedelta

from core.enums import Role
from testkit import FakeTelegram
from tests.e2e.shop import Shop, booking_state, open_calendar, person, tutor_with_slot

START = datetime(2026, 3, 23, 15, 0, tzinfo=UTC)  # Monday 16:00 in Paris, Tuesday 00:00 in Tokyo


async def test_times_inside_the_tutors_booking_notice_are_not_offered(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 8501, "Ada Lovelace", subject="Maths", booking_notice_minutes=120)
    await person(app, 8502, "Kenji", "Asia/Tokyo", Role.STUDENT)
    kenji = telegram.user(8502, "Kenji")
    # Two hours and five minutes before: offered, in Tokyo's time.
    shop.clock.current = START - timedelta(hours=2, minutes=5)
    calendar = await open_calendar(kenji, "Maths (1)", "Ada Lovelace")
    assert "•24" in calendar.button_labels
    await kenji.press("•24", message=calendar)
    day = await kenji.wait_for("Pick one:")
    [time_button] = [label for label in day.button_labels if label.startswith("00:00–01:00")]
    await kenji.press(time_button, message=day)
    await kenji.wait_for("Your booking")
    # Ten minutes later the notice has begun: the screen still open refuses to book, with the rule.
    shop.clock.current = START - timedelta(hours=1, minutes=55)
    await kenji.press("✅ Book")
    await kenji.wait_for("Ada Lovelace takes bookings up to 2 hours before the start: pick a later time.")
    assert await booking_state(app, 8502) == []
    # A new look: no free time left with Ada, on the list or on her calendar.
    await kenji.send("/book")
    await kenji.wait_for("Which subject?", new_only=True)
    await kenji.press("Maths (1)")
    tutors = await kenji.wait_for("Ada Lovelace")
    assert "no free time in the next 4 weeks" in tutors.text
