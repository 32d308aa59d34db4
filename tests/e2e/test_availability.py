"""A tutor builds the schedule by chatting: a weekly pattern, a one-off slot, copies, days off, deletes,
and every validation error on the way. The clock is pinned to Friday 20 March 2026, 10:00 in Paris, so
that the 4-week window contains the spring-forward night of 29 March."""

from datetime import UTC, datetime, timedelta

import pytest

from app.wiring import TutorBot
from core.entities import Slot
from core.enums import Role, SessionType
from core.rules import BusinessRules
from core.timezones import utc_to_local
from testkit import FakeTelegram, FakeUser, Typed
from testkit.clock import FixedClock
from testkit.people import add_person, add_tutor_profile
from tests.e2e.conftest import BOT_USERNAME, AppFactory
from tests.e2e.helpers import forge_press

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TUTOR = 6001


async def make_tutor(app: TutorBot, user_id: int = TUTOR, zone: str = "Europe/Paris") -> int:
    services = app.components.services
    await add_person(services.uow_factory, services.clock, user_id, role=Role.TUTOR, zone=zone, first_name="Paul")
    return await add_tutor_profile(
        services.uow_factory,
        services.clock,
        BusinessRules(),
        user_id,
        rate=6000,
        zone=zone,
        display_name="Paul Dirac",
        subject="Physics",
        buffer_minutes=15,
    )


async def slots_of(app: TutorBot, tutor_id: int) -> list[Slot]:
    async with app.components.services.uow_factory() as uow:
        return await uow.slots.list_for_tutor(tutor_id, NOW - timedelta(days=30), NOW + timedelta(days=60))


def local(slot: Slot) -> str:
    return utc_to_local(slot.starts_at, slot.timezone).strftime("%a %d %H:%M")


@pytest.fixture
async def tutor_app(app_factory: AppFactory) -> TutorBot:  # type: ignore[misc]
    async with app_factory(clock=FixedClock(NOW)) as app:
        yield app


async def open_week(paul: FakeUser) -> None:
    await paul.send("/availability")
    await paul.wait_for("Week of Monday 16 March 2026", new_only=True)


async def add_slot(paul: FakeUser, day: str, start: str) -> None:
    await paul.press("➕ Add a slot")
    await paul.wait_for("On which day?")
    await paul.press(day)
    await paul.wait_for("at what time does the slot start?")
    await paul.send(start)


async def paul_with_a_slot(app: TutorBot, telegram: FakeTelegram, day: str, start: str) -> tuple[int, FakeUser]:
    """Paul, a tutor in Paris, adds one 60-minute 1-to-1 slot from /availability; his profile id and him."""
    tutor_id = await make_tutor(app)
    paul = telegram.user(TUTOR, "Paul")
    await open_week(paul)
    await add_slot(paul, day, start)
    await length_and_kind(paul)
    await paul.wait_for("✅ Slot added")
    return tutor_id, paul


async def go(paul: FakeUser, label: str, expect: str) -> None:
    """Press a button and wait for the screen it leads to."""
    await paul.press(label)
    await paul.wait_for(expect)


async def length_and_kind(paul: FakeUser, length: str = "60 min", kind: str = "👤 1-to-1") -> None:
    await paul.wait_for("How long is the slot?")
    await paul.press(length)
    await paul.wait_for("1-to-1, or a group session?")
    await paul.press(kind)


async def test_a_tutor_builds_a_schedule(tutor_app: TutorBot, telegram: FakeTelegram) -> None:
    app = tutor_app
    tutor_id = await make_tutor(app)
    paul = telegram.user(TUTOR, "Paul")
    await open_week(paul)

    # A weekly pattern: Mondays and Wednesdays, 16:00-19:00, 60-minute 1-to-1 sessions, 15-minute break.
    await go(paul, "🔁 Weekly patterns", "No weekly pattern yet.")
    await go(paul, "➕ New weekly pattern", "On which days?")
    await paul.press("Next ▶️")
    assert (await paul.wait_for_callback_answer()).text == "Pick at least one day of the week."
    await paul.press("Mon")
    await paul.wait_for(lambda m: "✅ Mon" in m.button_labels)
    await paul.press("Wed")
    await paul.wait_for(lambda m: "✅ Wed" in m.button_labels)
    await paul.walk(
        ("Next ▶️", "Mon, Wed: from what time"),
        (Typed("16:00"), "From 16:00 until what time?"),
        (Typed("15:00"), "The end must be after the start."),
    )
    await paul.wait_for("until what time?", new_only=True)
    await paul.send("7pm")
    await paul.wait_for("How long is each session?")
    await go(paul, "60 min", "1-to-1, or a group session?")
    await paul.press("👤 1-to-1")
    confirm = await paul.wait_for("Every Mon, Wed, 16:00–19:00: 60-minute sessions, 1-to-1")
    assert "✅ Create the slots" in confirm.button_labels
    assert "This creates the slots of the next 4 weeks" in confirm.text
    await paul.press("✅ Create the slots")
    await paul.wait_for("✅ 16 slots created.")
    slots = await slots_of(app, tutor_id)
    assert len(slots) == 16
    assert {local(s)[-5:] for s in slots} == {"16:00", "17:15"}  # 17:15: the 15-minute break after 16:00-17:00
    # Wall-clock time is kept across the DST change of 29 March: 16:00 in Paris is 15:00 UTC, then 14:00 UTC.
    mondays = sorted(s.starts_at for s in slots if local(s).startswith("Mon") and local(s).endswith("16:00"))
    assert [m.strftime("%d %H:%M") for m in mondays] == ["23 15:00", "30 14:00", "06 14:00", "13 14:00"]

    # A one-off group slot on Saturday, with a refused seat count first.
    await go(paul, "◀️ Back", "Week of")
    await add_slot(paul, "Sat 21 Mar", "10:00")
    await length_and_kind(paul, "90 min", "👥 Group")
    await paul.wait_for("How many seats?")
    await paul.send("25")
    await paul.wait_for("A group session has 2 to 20 seats.")
    await paul.wait_for("How many seats?", new_only=True)
    await paul.send("lots")
    await paul.wait_for("“lots” is not a number of seats.")
    await paul.wait_for("How many seats?", new_only=True)
    await paul.press("5")
    await paul.wait_for("✅ Slot added: Saturday 21 March 2026, 10:00–11:30.")
    saturday = [s for s in await slots_of(app, tutor_id) if local(s) == "Sat 21 10:00"]
    assert len(saturday) == 1 and saturday[0].session_type is SessionType.GROUP and saturday[0].capacity == 5

    # Copy this week to the next: the Saturday slot is repeated on 28 March.
    await go(paul, "🗓 Week", "Week of Monday 16 March")
    await go(paul, "📋 Copy to next week", "✅ 1 slot created.")
    assert any(local(s) == "Sat 28 10:00" for s in await slots_of(app, tutor_id))

    # Delete one slot from the day view.
    await go(paul, "◀️ Back", "Week of Monday 16 March")
    await go(paul, "Later ▶️", "Week of Monday 23 March")
    await paul.press("Mon 23 Mar")
    day = await paul.wait_for("Monday 23 March 2026")
    assert "16:00–17:00 · 1-to-1 · free" in day.text
    await go(paul, "✏️ 16:00–17:00", "16:00–17:00 · 1-to-1 · free")
    await go(paul, "🗑 Delete", "The slot is deleted.")
    assert not any(local(s) == "Mon 23 16:00" for s in await slots_of(app, tutor_id))

    # The share link opens the tutor's page.
    await go(paul, "◀️ Back", "Monday 23 March 2026")
    await go(paul, "◀️ Week", "Week of")
    await paul.press("🔗 Share my page")
    shared = await paul.wait_for("Share this link")
    assert f"https://t.me/{BOT_USERNAME}?start=tutor_{tutor_id}" in shared.text


async def test_every_validation_error_is_explained_and_changes_nothing(
    tutor_app: TutorBot, telegram: FakeTelegram
) -> None:
    app = tutor_app
    tutor_id = await make_tutor(app)
    paul = telegram.user(TUTOR, "Paul")
    await open_week(paul)
    await add_slot(paul, "Mon 23 Mar", "16:00")
    await length_and_kind(paul)
    await paul.wait_for("✅ Slot added: Monday 23 March 2026, 16:00–17:00.")
    before = len(await slots_of(app, tutor_id))

    async def refused(day: str, start: str, expected: str) -> None:
        await paul.send("/availability")
        await paul.wait_for("Week of", new_only=True)
        await add_slot(paul, day, start)
        await length_and_kind(paul)
        await paul.wait_for(expected)
        # The start is asked again, below the explanation.
        await paul.wait_for("at what time does the slot start?", new_only=True)

    # Garbage time.
    await paul.send("/availability")
    await paul.wait_for("Week of", new_only=True)
    await add_slot(paul, "Tue 24 Mar", "soon")
    await paul.wait_for("“soon” is not a time.")
    await paul.wait_for("at what time does the slot start?", new_only=True)
    # Overlap, naming the conflicting slot (the 15-minute break counts).
    await paul.send("17:10")
    await length_and_kind(paul)
    await paul.wait_for("✅ Slot added: Tuesday 24 March 2026, 17:10–18:10.")
    await refused("Tue 24 Mar", "18:20", "This overlaps your slot of Tuesday 24 March, 17:10–18:10")
    # In the past: today at 08:00 (it is 10:00 in Paris).
    await refused("Fri 20 Mar", "08:00", "That time has already passed.")
    # A local time that does not exist: 02:30 on the night the clocks go forward.
    await refused("Sun 29 Mar", "02:30", "2026-03-29 02:30 does not exist in Europe/Paris")
    # An end before the start.
    await paul.send("/availability")
    await paul.wait_for("Week of", new_only=True)
    await add_slot(paul, "Thu 26 Mar", "14:00")
    await paul.wait_for("How long is the slot?")
    await go(paul, "⏰ Give an end time instead", "It starts at 14:00. At what time does it end?")
    await paul.send("13:00")
    await paul.wait_for("The end must be after the start.")
    # Beyond the window: copying the last week reports what it skipped and why.
    await paul.send("/availability")
    await paul.wait_for("Week of", new_only=True)
    for _ in range(3):
        await paul.press("Later ▶️")
        await paul.wait_for(lambda m: "Week of" in m.text)
    await paul.wait_for("Week of Monday 6 April")
    await go(paul, "Thu 9 Apr", "Thursday 9 April 2026")
    await go(paul, "➕ Add a slot", "at what time does the slot start?")
    await paul.send("09:00")
    await length_and_kind(paul, "45 min")
    await paul.wait_for("✅ Slot added: Thursday 9 April 2026, 09:00–09:45.")
    await go(paul, "◀️ Back", "Thursday 9 April 2026")
    await go(paul, "📋 Copy this day to…", "Copy the slots of")
    await paul.press("Tue 14 Apr")
    await paul.wait_for(lambda m: "✅ Tue 14 Apr" in m.button_labels)
    await paul.press("📋 Copy")
    await paul.wait_for("✅ 1 slot created.")
    assert len(await slots_of(app, tutor_id)) == before + 3


async def test_a_day_off_clears_the_day_and_keeps_patterns_off_it(tutor_app: TutorBot, telegram: FakeTelegram) -> None:
    app = tutor_app
    tutor_id, paul = await paul_with_a_slot(app, telegram, "Wed 25 Mar", "09:00")
    await go(paul, "◀️ Back", "Wednesday 25 March 2026")
    await paul.press("🚫 Day off")
    done = await paul.wait_for("is a day off now")
    assert "1 free slot removed." in done.text
    assert await slots_of(app, tutor_id) == []
    await go(paul, "◀️ Back", "day off")
    await go(paul, "◀️ Week", "Week of")
    # The add-slot day picker no longer offers the day off.
    await paul.press("➕ Add a slot")
    picker = await paul.wait_for("On which day?")
    assert "Wed 25 Mar" not in picker.button_labels and "Thu 26 Mar" in picker.button_labels
    assert await slots_of(app, tutor_id) == []


async def test_nobody_acts_on_another_tutors_slots(tutor_app: TutorBot, telegram: FakeTelegram) -> None:
    app = tutor_app
    tutor_id, paul = await paul_with_a_slot(app, telegram, "Mon 23 Mar", "16:00")
    await go(paul, "◀️ Back", "Monday 23 March 2026")
    await paul.press("✏️ 16:00–17:00")
    slot_screen = await paul.wait_for("16:00–17:00 · 1-to-1 · free")
    # Mallory replays Paul's Delete button: the dialog is Paul's, so it is refused and nothing changes.
    await make_tutor(app, user_id=6002)
    mallory = telegram.user(6002, "Mallory")
    answer = await forge_press(telegram, mallory, slot_screen.button("🗑 Delete")["callback_data"])
    assert answer.text == "This button is no longer active. Send /start to begin again."
    assert len(await slots_of(app, tutor_id)) == 1
    # A student without a tutor profile is told how to become one.
    sam = telegram.user(6003, "Sam")
    await sam.walk(
        ("/start", "Welcome"),
        ("/availability", "Set up your tutor profile first"),
    )


async def test_the_schedule_speaks_the_tutors_language(tutor_app: TutorBot, telegram: FakeTelegram) -> None:
    from core.usecases.accounts import set_language

    app = tutor_app
    await make_tutor(app)
    await set_language(
        app.components.services.uow_factory(), app.components.services.clock, user_id=TUTOR, language="fr"
    )
    paul = telegram.user(TUTOR, "Paul", language_code="en")
    await paul.send("/availability")
    week = await paul.wait_for("Semaine du lundi 16 mars 2026")
    assert "ven. 20 mars" in week.button_labels
    await paul.press("ven. 20 mars")
    day = await paul.wait_for("vendredi 20 mars 2026")
    assert "➕ Ajouter un créneau" in day.button_labels
    await paul.press("➕ Ajouter un créneau")
    await paul.wait_for("à quelle heure", new_only=False)
    await paul.send("tout à l'heure")
    await paul.wait_for("n'est pas un horaire")
    await paul.wait_for("à quelle heure", new_only=True)
    await paul.send("16h")  # the way French speakers write it
    await paul.wait_for("Quelle est la durée du créneau")


async def test_each_slot_step_refuses_its_own_bad_value_at_once(tutor_app: TutorBot, telegram: FakeTelegram) -> None:
    app = tutor_app
    tutor_id = await make_tutor(app)
    paul = telegram.user(TUTOR, "Paul")
    await open_week(paul)
    # A start off the 5-minute grid is refused where it is typed, and the start is asked again.
    await add_slot(paul, "Sat 21 Mar", "16:03")
    await paul.wait_for("Use times and lengths in steps of 5 minutes.")
    await paul.wait_for("at what time does the slot start?", new_only=True)
    await paul.send("x" * 4096)
    refused = await paul.wait_for("is not a time")
    assert len(refused.text or "") < 200
    await paul.send("16:00")
    # Lengths of 0 and 100,000 minutes and off the grid: refused at the length step.
    for typed, answer in [
        ("0", "A session lasts from 15 to 240 minutes."),
        ("9999", "A session lasts from 15 to 240 minutes."),
        ("62", "Use times and lengths in steps of 5 minutes."),
    ]:
        await paul.wait_for("How long is the slot?", new_only=True)
        await paul.send(typed)
        await paul.wait_for(answer)
    await paul.wait_for("How long is the slot?", new_only=True)
    await paul.walk(
        (Typed("60"), "1-to-1, or a group session?"),
        ("👥 Group", "How many seats?"),
        (Typed("1"), "A group session has 2 to 20 seats."),
    )
    await paul.wait_for("How many seats?", new_only=True)
    assert await slots_of(app, tutor_id) == []
    await paul.press("5")
    await paul.wait_for("✅ Slot added: Saturday 21 March 2026, 16:00–17:00.")


async def test_a_pattern_fills_the_window_the_setting_gives(app_factory: AppFactory, telegram: FakeTelegram) -> None:
    async with app_factory(clock=FixedClock(NOW), BOOKING_WINDOW_DAYS=10) as app:
        tutor_id = await make_tutor(app)
        paul = telegram.user(TUTOR, "Paul")
        await open_week(paul)
        await go(paul, "🔁 Weekly patterns", "No weekly pattern yet.")
        await go(paul, "➕ New weekly pattern", "On which days?")
        await paul.press("Mon")
        await paul.wait_for(lambda m: "✅ Mon" in m.button_labels)
        await go(paul, "Next ▶️", "Mon: from what time")
        await paul.walk(
            (Typed("16:00"), "From 16:00 until what time?"),
            (Typed("17:00"), "How long is each session?"),
        )
        await go(paul, "60 min", "1-to-1, or a group session?")
        await paul.press("👤 1-to-1")
        confirm = await paul.wait_for("Every Mon, 16:00–17:00")
        assert "This creates the slots of the next 10 days" in confirm.text
        await paul.press("✅ Create the slots")
        # Friday 20 March to Sunday 29 March holds one Monday.
        await paul.wait_for("✅ 1 slot created.")
        assert [local(slot) for slot in await slots_of(app, tutor_id)] == ["Mon 23 16:00"]
