"""Slots whose session was cancelled, and 1-to-1 slots whose only student cancelled, as the tutor's
schedule shows them: the first reads as cancelled, blocks nothing and can be deleted; the second is free
again and can be edited or deleted. Neither is offered to students while it should not be."""

from datetime import time

from core.enums import Role, SessionStatus
from testkit import BotMessage, FakeTelegram, FakeUser, Typed
from tests.e2e.shop import (
    NOW,
    Shop,
    open_calendar,
    open_slot,
    person,
    student_cancels_booking,
    tutor_cancels_session,
    tutor_with_slot,
)
from tests.e2e.test_availability import add_slot, go, length_and_kind


async def _week_of_23(paul: FakeUser) -> BotMessage:
    await paul.send("/availability")
    await paul.wait_for("Week of Monday 16 March 2026", new_only=True)
    await paul.press("Later ▶️")
    return await paul.wait_for("Week of Monday 23 March")


async def _book_free(student: FakeUser, label: str) -> None:
    await open_slot(student, "Physics (1)", "Paul Dirac", "•23", label)
    await student.press("✅ Book")
    await student.wait_for("Session booked!")


async def test_a_cancelled_sessions_slot_reads_as_cancelled_frees_its_time_and_can_be_deleted(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 9951, "Paul Dirac", rate=0)
    await person(app, 9952, "Ann", "Europe/Paris", Role.STUDENT)
    paul, ann = telegram.user(9951, "Paul"), telegram.user(9952, "Ann")
    await _book_free(ann, "16:00–17:00 · 1-to-1 · free of charge")
    await tutor_cancels_session(paul, "Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", "Sick")

    week = await _week_of_23(paul)
    assert "16:00–17:00 · 1-to-1 · ❌ session cancelled" in week.text and "· free" not in week.text
    # Its time is free: a new slot over it is accepted.
    await add_slot(paul, "Mon 23 Mar", "16:30")
    await length_and_kind(paul)
    await paul.wait_for("✅ Slot added: Monday 23 March 2026, 16:30–17:30.")
    async with app.components.services.uow_factory() as uow:
        slots = await uow.slots.list_for_tutor(slot.tutor_id, NOW, NOW.replace(day=30))
        statuses = await uow.sessions.statuses_for_slots([s.id for s in slots])
    assert len(slots) == 2 and statuses == {slot.id: SessionStatus.CANCELLED}
    # Students are offered the new slot only.
    await person(app, 9953, "Bob", "Europe/Paris", Role.STUDENT)
    bob = telegram.user(9953, "Bob")
    await open_calendar(bob, "Physics (1)", "Paul Dirac")
    await bob.press("•23")
    day = await bob.wait_for("Pick one:")
    assert [label for label in day.button_labels if "1-to-1" in label] == ["16:30–17:30 · 1-to-1 · free of charge"]

    # The cancelled one is deleted from its slot screen, which offers no edit.
    await go(paul, "◀️ Back", "Monday 23 March 2026")
    await paul.press("✏️ 16:00–17:00")
    screen = await paul.wait_for("Its session was cancelled")
    assert "🕒 Change time" not in screen.button_labels and "🗑 Delete" in screen.button_labels
    await go(paul, "🗑 Delete", "The slot is deleted.")
    await paul.press("◀️ Back")
    day_view = await paul.wait_for("Monday 23 March 2026")
    assert "16:00–17:00" not in day_view.text and "16:30–17:30 · 1-to-1 · free" in day_view.text
    # The booking's history stays: Ann still sees it, as cancelled by the tutor.
    await ann.send("/mybookings")
    assert "❌ cancelled by the tutor" in (await ann.wait_for("Past and cancelled")).text


async def test_a_one_to_one_slot_whose_student_cancelled_is_free_to_edit_or_delete(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    await tutor_with_slot(app, 9961, "Paul Dirac", rate=0, start=time(10))
    await person(app, 9962, "Cleo", "Europe/Paris", Role.STUDENT)
    paul, cleo = telegram.user(9961, "Paul"), telegram.user(9962, "Cleo")
    await _book_free(cleo, "10:00–11:00 · 1-to-1 · free of charge")
    await student_cancels_booking(cleo, "Mon 23 Mar 2026, 10:00 (Paris, UTC+1)")

    assert "10:00–11:00 · 1-to-1 · free" in (await _week_of_23(paul)).text
    # Nobody holds a seat: no late notice or no-show for it later, and it can be moved...
    await go(paul, "Mon 23 Mar", "Monday 23 March 2026")
    await go(paul, "✏️ 10:00–11:00", "10:00–11:00 · 1-to-1 · free")
    await paul.walk(
        ("🕒 Change time", "New start time for this slot?"),
        (Typed("12:00"), "✅ Slot changed: Monday 23 March 2026, 12:00–13:00."),
    )
    # ...and deleted.
    await go(paul, "◀️ Back", "Monday 23 March 2026")
    await go(paul, "✏️ 12:00–13:00", "12:00–13:00 · 1-to-1 · free")
    await go(paul, "🗑 Delete", "The slot is deleted.")
    async with app.components.services.uow_factory() as uow:
        tutor = await uow.tutors.get_by_user(9961)
        assert tutor is not None
        assert await uow.slots.list_for_tutor(tutor.id, NOW, NOW.replace(day=30)) == []
        assert await uow.sessions.list_due(SessionStatus.SCHEDULED, starts_before=NOW.replace(day=30)) == []
