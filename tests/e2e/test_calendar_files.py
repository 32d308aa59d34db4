"""Calendar files as calendars read them (parsed with icalendar): both sides get one for a booking, and
every cancellation sends one with METHOD:CANCEL, the same UID and a higher SEQUENCE, so the entry leaves
the person's calendar."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar

from core.enums import Role, SessionType
from testkit import BotMessage, FakeTelegram, FakeUser
from tests.e2e.conftest import BOT_USERNAME
from tests.e2e.shop import NOW, Shop, open_slot, person, tutor_cancels_session, tutor_with_slot

BOT_URL = f"https://t.me/{BOT_USERNAME}"


def entry(message: BotMessage) -> tuple[str, dict[str, Any]]:
    """The METHOD of the attached file and its one event's properties."""
    assert message.document is not None
    calendar = Calendar.from_ical(message.document.data)
    [event] = calendar.walk("VEVENT")
    organizer = event["ORGANIZER"]
    # icalendar types a property as the union of every value type: these are the date-time ones.
    stamp, start = event.decoded("DTSTAMP"), event.decoded("DTSTART")
    return str(calendar["METHOD"]), {
        "uid": str(event["UID"]),
        "sequence": int(str(event["SEQUENCE"])),
        "status": str(event["STATUS"]),
        "stamp": stamp,
        "start": start,
        "url": str(event["URL"]),
        "location": str(event["LOCATION"]),
        "organizer": str(organizer.params["CN"]),
    }


def with_file(text: str) -> Callable[[BotMessage], bool]:
    def match(message: BotMessage) -> bool:
        return message.document is not None and text in message.text

    return match


async def book(student: FakeUser, subject: str, tutor: str, label: str) -> BotMessage:
    await open_slot(student, subject, tutor, "•23", label)
    await student.press("✅ Book")
    return await student.wait_for(with_file("Session booked!"))


async def test_a_one_to_one_booking_and_its_cancellation(shop: Shop, telegram: FakeTelegram) -> None:
    app, clock = shop.app, shop.clock
    await tutor_with_slot(app, 9971, "Paul Dirac", rate=0)
    await person(app, 9972, "Ann", "America/New_York", Role.STUDENT)
    paul, ann = telegram.user(9971, "Paul"), telegram.user(9972, "Ann")
    method, booked = entry(await book(ann, "Physics (1)", "Paul Dirac", "11:00–12:00 · 1-to-1 · free of charge"))
    assert method == "PUBLISH"
    assert str(booked["uid"]).startswith("booking-") and booked["sequence"] == 0 and booked["status"] == "CONFIRMED"
    assert booked["start"] == datetime(2026, 3, 23, 15, 0, tzinfo=UTC) and booked["stamp"] == NOW
    assert booked["url"] == booked["location"] == BOT_URL and booked["organizer"] == "Paul Dirac"
    tutor_method, tutors = entry(await paul.wait_for(with_file("New booking: Ann booked your session")))
    assert tutor_method == "PUBLISH" and tutors["uid"] == booked["uid"] and tutors["sequence"] == 0

    clock.advance(hours=2)
    await ann.send("/mybookings")
    listing = await ann.wait_for("Upcoming")
    await ann.press("✖️ Cancel Mon 23 Mar 2026, 11:00 (New York, UTC-4)", message=listing)
    await ann.wait_for("Cancel your session of")
    await ann.press("✅ Yes, cancel")
    cancel_method, cancelled = entry(await ann.wait_for(with_file("is cancelled")))
    assert cancel_method == "CANCEL" and cancelled["uid"] == booked["uid"]
    assert cancelled["sequence"] > booked["sequence"] and cancelled["status"] == "CANCELLED"
    assert cancelled["stamp"] == NOW + timedelta(hours=2)
    tutor_cancel_method, tutor_cancelled = entry(await paul.wait_for(with_file("Ann cancelled their booking")))
    assert tutor_cancel_method == "CANCEL" and tutor_cancelled["uid"] == tutors["uid"]
    assert tutor_cancelled["sequence"] > tutors["sequence"]


async def test_a_group_session_is_one_entry_for_the_tutor_until_it_is_cancelled(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    await tutor_with_slot(
        app, 9981, "Grace Hopper", rate=0, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
    )
    grace = telegram.user(9981, "Grace")
    students, their_uids, tutor_uids = [], [], set()
    for index, seats in ((0, "3 seats left"), (1, "2 seats left")):
        await person(app, 9982 + index, f"S{index}", "Europe/Paris", Role.STUDENT)
        student = telegram.user(9982 + index, f"S{index}")
        confirmation = await book(
            student, "COBOL (1)", "Grace Hopper", f"16:00–17:00 · group of 3 · {seats} · free of charge"
        )
        their_uids.append(entry(confirmation)[1]["uid"])
        _method, tutors = entry(await grace.wait_for(with_file(f"S{index} booked your session")))
        tutor_uids.add(tutors["uid"])
        students.append(student)
    # One entry for the tutor (the session's), one per student (their booking's).
    assert len(tutor_uids) == 1 and str(next(iter(tutor_uids))).startswith("session-")
    assert len(set(their_uids)) == 2 and not tutor_uids & set(their_uids)

    await tutor_cancels_session(grace, "Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", "Snow")
    for student, uid in zip(students, their_uids, strict=True):
        method, cancelled = entry(await student.wait_for(with_file("Grace Hopper cancelled your session")))
        assert (method, cancelled["uid"], cancelled["sequence"]) == ("CANCEL", uid, 1)
    method, tutor_cancelled = entry(await grace.wait_for(with_file("is cancelled: the attached file removes it")))
    assert (method, tutor_cancelled["uid"], tutor_cancelled["sequence"]) == ("CANCEL", next(iter(tutor_uids)), 1)
