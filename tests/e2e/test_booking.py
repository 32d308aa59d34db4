"""Students book and pay by chatting, against the fake Bot API and the fake Stripe over HTTP. The clock
is pinned to Friday 20 March 2026, 09:00 UTC."""

from datetime import date, time

from core.availability import SlotSpec
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.rules import BusinessRules
from core.usecases.availability import add_slot
from testkit import FakeTelegram
from testkit.clock import FixedClock
from tests.e2e.conftest import AppFactory
from tests.e2e.helpers import forge_press
from tests.e2e.shop import NOW, Shop, booking_state, hold_a_seat, open_calendar, open_slot, person, tutor_with_slot


async def test_a_student_books_and_pays_a_one_to_one_slot(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 7001, "Paul Dirac")
    await person(app, 7002, "Ann", "America/New_York", Role.STUDENT)
    ann = telegram.user(7002, "Ann")
    paul = telegram.user(7001, "Paul")

    await ann.send("/book")
    subjects = await ann.wait_for("Which subject?")
    assert subjects.button_labels == ["Physics (1)", "🧑‍🏫 All tutors"]
    await ann.press("Physics (1)")
    tutors = await ann.wait_for("Paul Dirac")
    assert "€60.00 per hour" in tutors.text and "next free: Mon 23 Mar 2026, 11:00 (New York, UTC-4)" in tutors.text
    await ann.press("🧑‍🏫 Paul Dirac")
    calendar = await ann.wait_for("Pick a day")
    # Days are the student's: 16:00 in Paris is 11:00 in New York, still Monday 23.
    assert "•23" in calendar.button_labels and "America/New_York" in calendar.text
    await ann.press("21")
    assert (await ann.wait_for_callback_answer()).text == "No free time on that day."
    await ann.press("•23")
    day = await ann.wait_for("Pick one:")
    assert day.button_labels[0] == "11:00–12:00 · 1-to-1 · €60.00"
    await ann.press("11:00–12:00 · 1-to-1 · €60.00")
    summary = await ann.wait_for("Your booking")
    assert "Mon 23 Mar 2026, 11:00 (New York, UTC-4) – 12:00" in summary.text
    assert "(Mon 23 Mar 2026, 16:00 (Paris, UTC+1) for Paul Dirac)" in summary.text
    assert "€60.00" in summary.text and "🔔 Reminders: on" in summary.button_labels
    await ann.press("✍️ Add a note to the tutor")
    await ann.wait_for("Type your note")
    # A note over the limit is refused with the limit, not cut; the step waits for a shorter one.
    await ann.send("x" * 501)
    await ann.wait_for("The note can have at most 500 characters.")
    await ann.send("Quantum spin, please")
    await ann.wait_for("Note to the tutor: Quantum spin, please")
    await ann.press("✅ Book")
    pay = await ann.wait_for("Your seat is held for")
    pay_url = pay.button("💳 Pay €60.00")["url"]
    [session_id] = [sid for sid in shop.stripe.sessions]
    assert pay_url == shop.stripe.sessions[session_id]["url"]
    created = shop.stripe.sessions[session_id]
    assert (created["amount_total"], created["currency"]) == (6000, "eur")
    assert await booking_state(app, 7002) == [(ParticipantStatus.PENDING_PAYMENT, PaymentStatus.PENDING)]

    await shop.stripe.pay(session_id)
    confirmation = await ann.wait_for("Session booked!", timeout=10)
    # The pay screen follows: no Pay or Release button on a booking that is paid.
    paid_screen = await ann.wait_for(
        lambda m: m.message_id == pay.message_id and "Paid: your session is booked" in m.text
    )
    assert paid_screen.button_labels == []
    assert confirmation.document is not None and confirmation.document.file_name == "tutorbot-session.ics"
    ics = confirmation.document.data.decode()
    assert "DTSTART:20260323T150000Z" in ics and "UID:booking-" in ics
    assert "Add to Google Calendar" in confirmation.button_labels[0]
    received = await paul.wait_for("New booking: Ann booked your session")
    assert "Mon 23 Mar 2026, 16:00 (Paris, UTC+1)" in received.text and "Quantum spin, please" in received.text
    assert await booking_state(app, 7002) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    async with app.components.services.uow_factory() as uow:
        stored = await uow.slots.get(slot.id)
        session = await uow.sessions.get_by_slot(slot.id)
        assert stored is not None and stored.seats_taken == 1
        assert session is not None and await uow.conversations.list_for_session(session.id) != []

    # The webhook replayed: nothing happens twice.
    ann.mark()
    await shop.stripe.deliver(shop.stripe.events_of_type("checkout.session.completed")[0], times=3)
    await ann.expect_no_message(within=0.5)

    await ann.send("/mybookings")
    listing = await ann.wait_for("Upcoming")
    assert "Paul Dirac" in listing.text and "✅ booked" in listing.text
    await paul.send("/sessions")
    sessions = await paul.wait_for("Your upcoming sessions")
    assert "👥 Ann" in sessions.text


async def test_three_students_fill_a_group_and_the_fourth_hears_it_is_full(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(
        app, 7101, "Grace Hopper", rate=0, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
    )
    students = []
    for index in range(4):
        user_id = 7110 + index
        await person(app, user_id, f"S{index}", "Europe/Paris", Role.STUDENT)
        students.append(telegram.user(user_id, f"S{index}"))
    # The fourth opens the slot first and waits on the summary.
    late = students[3]
    await open_slot(
        late, "COBOL (1)", "Grace Hopper", "•23", "16:00–17:00 · group of 3 · 3 seats left · free of charge"
    )
    for student in students[:3]:
        await open_slot(student, "COBOL (1)", "Grace Hopper", "•23", "16:00–17:00 · group of 3")
        await student.press("✅ Book")
        await student.wait_for("Session booked!")
    await late.press("✅ Book")
    await late.wait_for("Session full.")
    # Back on the day, the full session is no longer offered: only its waitlist is.
    day = await late.wait_for("Pick one:", new_only=True)
    assert day.button_labels == ["🔔 16:00–17:00 · group of 3 · full: notify me", "◀️ Calendar"]
    assert await booking_state(app, 7113) == []


async def test_a_student_cannot_book_two_sessions_at_once(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 7201, "Ada Lovelace", rate=0, subject="Maths")
    await tutor_with_slot(app, 7202, "Alan Turing", rate=0, start=time(16, 30), subject="Logic")
    await person(app, 7203, "Bob", "Europe/Paris", Role.STUDENT)
    bob = telegram.user(7203, "Bob")
    await open_slot(bob, "Maths (1)", "Ada Lovelace", "•23", "16:00–17:00 · 1-to-1 · free of charge")
    await bob.press("✅ Book")
    await bob.wait_for("Session booked!")
    await open_slot(bob, "Logic (1)", "Alan Turing", "•23", "16:30–17:30 · 1-to-1 · free of charge")
    await bob.press("✅ Book")
    await bob.wait_for("You have another session at this time.")
    assert await booking_state(app, 7203) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    # A tutor cannot book their own slot either.
    await add_slot(
        app.components.services.uow_factory(),
        app.components.services.clock,
        BusinessRules(),
        user_id=7201,
        spec=SlotSpec(
            day=date(2026, 3, 24), start=time(9), minutes=60, session_type=SessionType.ONE_TO_ONE, capacity=1
        ),
    )
    ada = telegram.user(7201, "Ada")
    await open_slot(ada, "Maths (1)", "Ada Lovelace", "•24", "09:00–10:00 · 1-to-1 · free of charge")
    await ada.press("✅ Book")
    await ada.wait_for("You cannot book your own slot.")


async def test_stripe_webhooks_need_a_valid_signature_and_unknown_events_are_ignored(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    cleo, session_id = await hold_a_seat(shop, telegram, 7301, "Emmy Noether", "Algebra", "Cleo")
    event = await shop.stripe.pay(session_id, deliver=False)
    # Forged, tampered or unsigned: refused, and nothing changes.
    assert await shop.stripe.deliver(event, tamper=True) == [400]
    assert await shop.stripe.deliver(event, signature="") == [400]
    assert await shop.stripe.deliver(event, signature="t=1,v1=deadbeef") == [400]
    assert await booking_state(app, 7302) == [(ParticipantStatus.PENDING_PAYMENT, PaymentStatus.PENDING)]
    # An event type the bot does not use is acknowledged.
    unknown = {**event, "id": "evt_unknown_1", "type": "customer.created"}
    assert await shop.stripe.deliver(unknown) == [200]
    # The genuine one, delivered ten times: booked once, one confirmation.
    assert await shop.stripe.deliver(event, times=10) == [200] * 10
    await cleo.wait_for("Session booked!")
    await cleo.wait_for("Paid: your session is booked")
    cleo.mark()
    await cleo.expect_no_message(within=0.5)
    assert await booking_state(app, 7302) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]


async def test_the_return_link_from_the_payment_page_checks_the_payment(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    dora, session_id = await hold_a_seat(shop, telegram, 7401, "Rosalind Franklin", "Chemistry", "Dora")
    participant_id = int(shop.stripe.sessions[session_id]["metadata"]["participant_id"])
    await dora.send_start(f"paid_{participant_id}")
    await dora.wait_for("The payment has not arrived yet")
    # Paid, but the webhook never comes (no public URL): the return link asks Stripe itself.
    await shop.stripe.pay(session_id, deliver=False)
    await dora.send_start(f"paid_{participant_id}")
    await dora.wait_for("Payment received: your session is booked.")
    await dora.wait_for("Session booked!")
    # Someone else's booking number tells them nothing.
    eve = telegram.user(7403, "Eve")
    await person(app, 7403, "Eve", "Europe/Paris", Role.STUDENT)
    await eve.send_start(f"paid_{participant_id}")
    await eve.wait_for("This booking does not exist.")


async def test_booking_speaks_french(shop: Shop, telegram: FakeTelegram) -> None:
    from core.usecases.accounts import set_language

    app = shop.app
    await tutor_with_slot(app, 7501, "Marie Curie", rate=0, subject="Chimie")
    await person(app, 7502, "Zoé", "Europe/Paris", Role.STUDENT)
    await set_language(
        app.components.services.uow_factory(), app.components.services.clock, user_id=7502, language="fr"
    )
    zoe = telegram.user(7502, "Zoé", language_code="fr")
    await zoe.walk(
        ("/book", "Quelle matière ?"),
        ("Chimie (1)", "Marie Curie"),
    )
    await zoe.press("🧑‍🏫 Marie Curie")
    calendar = await zoe.wait_for("Europe/Paris")
    assert calendar.button_labels[:7] == ["L", "M", "M", "J", "V", "S", "D"]
    await zoe.press("•23")
    day = await zoe.wait_for("lundi 23 mars")
    assert day.button_labels[0] == "16:00–17:00 · individuel · gratuit"
    await zoe.press(day.button_labels[0])
    summary = await zoe.wait_for("Votre réservation")
    assert "lun. 23 mars 2026, 16:00 (Paris, UTC+1)" in summary.text
    await zoe.press("✅ Réserver")
    confirmation = await zoe.wait_for(lambda m: m.document is not None)
    assert confirmation.text.startswith("✅ Séance réservée !")
    assert "Ajouter à Google Agenda" in confirmation.button_labels[0]


async def test_many_tutors_and_subjects_are_shown_a_page_at_a_time(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    # Ten tutors of one subject, soonest first (each starts an hour later), and eleven subjects in all.
    for n in range(10):
        await tutor_with_slot(app, 7600 + n, f"Tutor {n:02d}", subject="Chess", start=time(8 + n))
    await tutor_with_slot(app, 7650, "Solo Teacher", subject="Zoology")
    for n in range(9):
        await tutor_with_slot(app, 7660 + n, f"Other {n}", subject=f"Art {n}")
    await person(app, 7690, "Ann", "Europe/Paris", Role.STUDENT)
    ann = telegram.user(7690, "Ann")
    await ann.send("/book")
    subjects = await ann.wait_for("Which subject?")
    assert "Page 1 of 2" in subjects.text
    assert subjects.button_labels[:2] == ["Art 0 (1)", "Art 1 (1)"] and "Next ▶️" in subjects.button_labels
    assert "Zoology (1)" not in subjects.button_labels
    await ann.press("Next ▶️")
    second = await ann.wait_for("Page 2 of 2")
    assert "Zoology (1)" in second.button_labels and "◀️ Previous" in second.button_labels
    await ann.press("◀️ Previous")
    first = await ann.wait_for("Page 1 of 2")
    # A forged page button: not a number is a stale button and changes nothing; a page past the end shows
    # the last one.
    forged = next(str(b["callback_data"]) for row in first.inline_keyboard for b in row if b["text"] == "Next ▶️")
    for value in ("abc", "-1", "1e3", ""):
        answer = await forge_press(telegram, ann, forged.rsplit(":", 1)[0] + ":" + value, on=first)
        assert answer.text == "This button is no longer active. Send /start to begin again.", value
    assert "Page 1 of 2" in ann.last.text
    await forge_press(telegram, ann, forged.rsplit(":", 1)[0] + ":99", on=first)
    last = await ann.wait_for("Page 2 of 2")
    assert "Zoology (1)" in last.button_labels and "Next ▶️" not in last.button_labels
    await ann.press("◀️ Previous")
    first = await ann.wait_for("Page 1 of 2")
    await ann.press("Chess (10)", message=first)
    tutors = await ann.wait_for("Page 1 of 2")
    assert [b for b in tutors.button_labels if b.startswith("🧑‍🏫")] == [f"🧑‍🏫 Tutor {n:02d}" for n in range(8)]
    assert "Tutor 09" not in tutors.text and len(tutors.text) < 4096
    # The tutor list is paged in the database: a page past the end shows its last page there too.
    forged = next(str(b["callback_data"]) for row in tutors.inline_keyboard for b in row if b["text"] == "Next ▶️")
    await forge_press(telegram, ann, forged.rsplit(":", 1)[0] + ":99", on=tutors)
    last_tutors = await ann.wait_for("Page 2 of 2")
    assert [b for b in last_tutors.button_labels if b.startswith("🧑‍🏫")] == ["🧑‍🏫 Tutor 08", "🧑‍🏫 Tutor 09"]
    await ann.press("◀️ Previous")
    await ann.wait_for("Page 1 of 2")
    await ann.press("Next ▶️")
    rest = await ann.wait_for("Page 2 of 2")
    assert [b for b in rest.button_labels if b.startswith("🧑‍🏫")] == ["🧑‍🏫 Tutor 08", "🧑‍🏫 Tutor 09"]
    assert "Next ▶️" not in rest.button_labels
    await ann.press("🧑‍🏫 Tutor 09")
    calendar = await ann.wait_for("Pick a day")
    assert "Tutor 09" in calendar.text


async def test_the_empty_filter_line_names_the_range_chosen(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 7901, "Paul Dirac", day=date(2026, 4, 2))  # 13 days ahead
    await person(app, 7902, "Ann", "Europe/Paris", Role.STUDENT)
    ann = telegram.user(7902, "Ann")
    calendar = await open_calendar(ann, "Physics (1)", "Paul Dirac")
    assert "No free time" not in calendar.text
    await ann.press("📆 4 weeks")
    week = await ann.wait_for(lambda m: "📆 This week" in m.button_labels)
    assert "No free time with these filters in the next 7 days." in week.text
    await ann.press("📆 This week")
    two_weeks = await ann.wait_for(lambda m: "📆 2 weeks" in m.button_labels)
    assert "No free time" not in two_weeks.text and "•2" in two_weeks.button_labels


async def test_the_calendar_and_its_texts_follow_the_booking_window_setting(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    async with app_factory(clock=FixedClock(NOW), BOOKING_WINDOW_DAYS=10) as app:
        await tutor_with_slot(app, 7911, "Lise Meitner", rate=0, day=date(2026, 3, 23))
        await tutor_with_slot(app, 7912, "Max Born", rate=0, day=date(2026, 4, 1))  # beyond 10 days
        await person(app, 7913, "Ann", "Europe/Paris", Role.STUDENT)
        ann = telegram.user(7913, "Ann")
        await ann.send("/book")
        subjects = await ann.wait_for(lambda m: "Physics (2)" in m.button_labels)
        await ann.press("Physics (2)", message=subjects)
        tutors = await ann.wait_for(lambda m: "🧑‍🏫 Max Born" in m.button_labels)
        assert "no free time in the next 10 days" in tutors.text and "4 weeks" not in tutors.text
        await ann.press("🧑‍🏫 Lise Meitner", message=tutors)
        calendar = await ann.wait_for(lambda m: "📆 10 days" in m.button_labels)
        # Today (20 March) and the nine days after it, no more.
        days = [label for label in calendar.button_labels if label.lstrip("•").isdigit()]
        assert days[0] == "20" and days[-1] == "29" and len(days) == 10
        await ann.press("📆 10 days", message=calendar)
        week = await ann.wait_for(lambda m: "📆 This week" in m.button_labels)
        await ann.press("📆 This week", message=week)
        # A 10-day window offers no two-week view: the filter comes back to the whole window.
        again = await ann.wait_for(lambda m: "📆 10 days" in m.button_labels)
        assert "📆 2 weeks" not in again.button_labels


async def test_a_subject_tap_opens_the_subject_shown_even_if_the_list_changed_meanwhile(
    shop: Shop, telegram: FakeTelegram
) -> None:
    await person(shop.app, 7802, "Ann", "Europe/Paris", Role.STUDENT)
    await tutor_with_slot(shop.app, 7801, "Emmy Noether", subject="Maths")
    ann = telegram.user(7802, "Ann")
    await ann.walk(("/book", "Which subject?"))
    assert ann.last.button_labels[0] == "Maths (1)"
    # Another tutor arrives with a subject sorted first: the buttons already shown keep their meaning.
    await tutor_with_slot(shop.app, 7803, "Ada Lovelace", subject="Algebra")
    tutors = await ann.walk(("Maths (1)", "📚 Maths"))
    assert "Emmy Noether" in tutors.text and "Ada Lovelace" not in tutors.text
