"""A student moves a lesson through the fake Bot API: "🔁 Reschedule" in /mybookings opens the tutor's
calendar, the time picked is confirmed with "🔁 Move my lesson here", and both sides get the calendar
file that updates the same entry (same UID, a later SEQUENCE); the old time is free again."""

from datetime import date, time

from core.availability import SlotSpec
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from testkit import FakeTelegram
from tests.e2e.shop import Shop, booking_state, open_slot, person, tutor_with_slot
from tests.e2e.test_calendar_files import entry, with_file


async def test_a_student_moves_a_lesson_and_both_calendars_follow(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    services = app.components.services
    first = await tutor_with_slot(app, 8701, "Paul Dirac", rate=0, subject="Physics")
    spec = SlotSpec(day=date(2026, 3, 25), start=time(10), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1)
    later = await add_slot(services.uow_factory(), services.clock, BusinessRules(), user_id=8701, spec=spec)
    await person(app, 8702, "Ann", "Asia/Tokyo", Role.STUDENT)
    ann, paul = telegram.user(8702, "Ann"), telegram.user(8701, "Paul")
    await open_slot(ann, "Physics (1)", "Paul Dirac", "•24", "00:00–01:00 · 1-to-1 · free of charge")
    await ann.press("✅ Book")
    booked = await ann.wait_for(with_file("Session booked!"))
    _method, before = entry(booked)
    await paul.wait_for(with_file("New booking"))

    await ann.send("/mybookings")
    listing = await ann.wait_for("Upcoming")
    await ann.press("🔁 Reschedule Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)", message=listing)
    calendar = await ann.wait_for("Pick a day")
    # The time Ann holds is not on offer; Wednesday's is (18:00 in Tokyo).
    await ann.press("•25", message=calendar)
    day = await ann.wait_for("Pick one:")
    await ann.press("18:00–19:00 · 1-to-1 · free of charge", message=day)
    confirm = await ann.wait_for("Your booking")
    assert "🔁 Move my lesson here" in confirm.button_labels and "✅ Book" not in confirm.button_labels
    await ann.press("🔁 Move my lesson here", message=confirm)
    await ann.wait_for("🔁 Done: your lesson is now on Wed 25 Mar 2026, 18:00 (Tokyo, UTC+9).")
    moved = await ann.wait_for(with_file("moved from Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9) to Wed 25 Mar 2026, 18:00"))
    _method, after = entry(moved)
    assert (after["uid"], after["sequence"]) == (before["uid"], 2) and after["start"] == later.starts_at
    tutor_side = await paul.wait_for(with_file("Ann moved their session from Mon 23 Mar 2026, 16:00 (Paris, UTC+1)"))
    assert entry(tutor_side)[1]["uid"] == before["uid"]
    assert await booking_state(app, 8702) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    async with services.uow_factory() as uow:
        old, new = await uow.slots.get(first.id), await uow.slots.get(later.id)
    assert old is not None and new is not None and (old.seats_taken, new.seats_taken) == (0, 1)


async def test_a_tutor_proposes_another_time_and_the_student_accepts(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    services = app.components.services
    await tutor_with_slot(app, 8711, "Emmy Noether", rate=0, subject="Algebra")
    spec = SlotSpec(day=date(2026, 3, 26), start=time(9), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1)
    thursday = await add_slot(services.uow_factory(), services.clock, BusinessRules(), user_id=8711, spec=spec)
    await person(app, 8712, "Bo", "Europe/Paris", Role.STUDENT)
    bo, emmy = telegram.user(8712, "Bo"), telegram.user(8711, "Emmy")
    await open_slot(bo, "Algebra (1)", "Emmy Noether", "•23", "16:00–17:00 · 1-to-1 · free of charge")
    await bo.press("✅ Book")
    await bo.wait_for(with_file("Session booked!"))
    await emmy.send("/sessions")
    sessions = await emmy.wait_for("Your upcoming sessions")
    await emmy.press("🔁 Propose another time: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=sessions)
    choices = await emmy.wait_for("Which time do you propose instead of")
    assert choices.button_labels == ["→ Thu 26 Mar 2026, 09:00 (Paris, UTC+1)"]
    await emmy.press("→ Thu 26 Mar 2026, 09:00 (Paris, UTC+1)", message=choices)
    await emmy.wait_for("✅ Proposed: the time is held until the student answers.")
    proposal = await bo.wait_for("Emmy Noether proposes to move your session of Mon 23 Mar 2026, 16:00")
    assert proposal.button_labels == ["✅ Accept the new time", "❌ Decline: cancel with a full refund"]
    await bo.press("✅ Accept the new time", message=proposal)
    await bo.wait_for("✅ Accepted: your lesson moves")
    moved = await bo.wait_for(with_file("to Thu 26 Mar 2026, 09:00 (Paris, UTC+1)"))
    assert entry(moved)[1]["sequence"] == 2
    async with services.uow_factory() as uow:
        new = await uow.slots.get(thursday.id)
    assert new is not None and new.seats_taken == 1
    assert await booking_state(app, 8712) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
