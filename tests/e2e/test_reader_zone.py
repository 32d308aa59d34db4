"""A student in Tokyo books a tutor in Paris: every screen and notification she receives shows times in
her zone and names it; the tutor's Paris time appears only where the specs ask for both zones, marked
"for Paul Dirac". Booking, paying, lists, the cancel prompt, reminders, the live session, a lapsed hold,
a tutor who is late and never starts."""

import re
from datetime import UTC, date, datetime, time, timedelta

from core.availability import SlotSpec
from core.enums import Role, SessionType
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from testkit import ChatEvent, FakeTelegram, FakeUser
from tests.e2e.shop import NOW, Shop, enrol, person, tutor_with_slot

KENJI = 9991
# Paris renderings of the instants in play (slot starts and ends, the hold's and the late notice's
# deadlines). Tokyo is 8 hours ahead, so none of them is also a Tokyo time of those instants.
PARIS_TIMES = {"16:00", "17:00", "10:00", "11:00", "10:15"}
CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def check_zone(events: list[ChatEvent]) -> list[str]:
    """What was wrong in the messages the student received: a Paris time outside the tutor's line, or
    times shown without naming her zone."""
    problems = []
    for event in events:
        message = event.message
        parts = [*message.text.split("\n"), *message.button_labels]
        for part in parts:
            if "for Paul Dirac" in part:
                continue
            if set(CLOCK.findall(part)) & PARIS_TIMES:
                problems.append(f"Paris time in {part!r}")
        if CLOCK.search(" ".join(parts)) and "Tokyo" not in message.text:
            problems.append(f"times without the zone in {message.text!r}")
    return problems


async def run_job(shop: Shop, name: str, at: datetime) -> None:
    shop.clock.current = at
    parts = shop.app.components
    await parts.jobs[name].run(parts.job_context)


async def test_a_student_in_another_zone_reads_every_time_in_hers(shop: Shop, telegram: FakeTelegram) -> None:
    app, stripe = shop.app, shop.stripe
    a = await tutor_with_slot(app, 9990, "Paul Dirac")  # Mon 23, 16:00 in Paris = Tue 24, 00:00 in Tokyo
    parts = app.components

    async def slot(day: date) -> int:
        spec = SlotSpec(day=day, start=time(10), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1)
        return (
            await add_slot(parts.services.uow_factory(), parts.services.clock, BusinessRules(), user_id=9990, spec=spec)
        ).id

    b, c = await slot(date(2026, 3, 24)), await slot(date(2026, 3, 25))  # 10:00 in Paris = 18:00 in Tokyo
    await person(app, KENJI, "Kenji", "Asia/Tokyo", Role.STUDENT)
    kenji: FakeUser = telegram.user(KENJI, "Kenji")
    paul = telegram.user(9990, "Paul")

    # Browsing and booking A through every screen, paying, the list and the cancel prompt.
    await kenji.send("/book")
    await kenji.wait_for("Which subject?")
    await kenji.press("Physics (1)")
    card = await kenji.wait_for("next free:")
    assert "(Tokyo, UTC+9)" in card.text
    await kenji.walk(
        ("🧑‍🏫 Paul Dirac", "times are shown in Asia/Tokyo"),
        ("•24", "Times in Asia/Tokyo"),
    )
    await kenji.press("00:00–01:00 · 1-to-1 · €60.00")
    summary = await kenji.wait_for("Your booking")
    assert "Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9) – 01:00" in summary.text
    assert "(Mon 23 Mar 2026, 16:00 (Paris, UTC+1) for Paul Dirac)" in summary.text
    await kenji.press("✅ Book")
    held = await kenji.wait_for("Your seat is held for")
    assert "held for 15 minutes, until 18:15 (Tokyo, UTC+9)." in held.text
    await stripe.pay(next(iter(stripe.sessions)))
    await kenji.wait_for("Session booked!")
    await kenji.send("/mybookings")
    listing = await kenji.wait_for("Upcoming")
    await kenji.press("✖️ Cancel Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)", message=listing)
    prompt = await kenji.wait_for("Cancel your session of")
    assert "Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)" in prompt.text

    # B: a hold that lapses. C: booked and paid, for the late tutor.
    await enrol(app, KENJI, b)
    await run_job(shop, "holds", NOW + timedelta(minutes=16))
    assert "Tue 24 Mar 2026, 18:00 (Tokyo, UTC+9)" in (await kenji.wait_for("was released")).text
    await enrol(app, KENJI, c)
    await stripe.pay(next(sid for sid, s in stripe.sessions.items() if s["status"] == "open"))
    await kenji.wait_for(lambda m: "Session booked!" in m.text and "Wed 25 Mar" in m.text)

    # A's reminders, the start, the fresh link, the end.
    start = a.starts_at
    await run_job(shop, "reminders", start - timedelta(hours=24))
    assert "Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)" in (await kenji.wait_for("Reminder:")).text
    await run_job(shop, "reminders", start - timedelta(hours=1))
    await kenji.wait_for("in 1 hour")
    await run_job(shop, "reminders", start - timedelta(minutes=10))
    await kenji.wait_for("The join button arrives")
    await paul.wait_for("starts in 10 minutes")
    await paul.press("▶️ Start the session")
    await kenji.wait_for("Paul Dirac started your session of Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)")
    await kenji.send("/mybookings")
    live = await kenji.wait_for("Live now")
    await kenji.press("🎥 Join: Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)", message=live)
    await kenji.wait_for("Your link to the session of Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)")
    shop.clock.current = start + timedelta(minutes=50)
    await paul.send("/sessions")
    await paul.wait_for("Live now")
    await paul.press("🔄 Who is here: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)")
    await paul.press("⏹ End the session")
    await kenji.wait_for("is over")

    # C: the tutor is late, then never starts.
    c_start = datetime(2026, 3, 25, 9, 0, tzinfo=UTC)
    await run_job(shop, "sessions", c_start + timedelta(minutes=5))
    late = await kenji.wait_for("should have started")
    assert "by 18:15" in late.text
    await run_job(shop, "sessions", c_start + timedelta(minutes=15))
    await kenji.wait_for("did not start your session of Wed 25 Mar 2026, 18:00 (Tokyo, UTC+9)")

    assert check_zone(kenji.events) == []
    assert len(kenji.events) >= 20  # every screen above was looked at
