"""Courses in chat: a tutor opens one with /courses (wrong answers explained), shares its link; a student
in Tokyo who reads French opens it, enrolls through the fake Stripe, chooses "Schedule later", is reminded
three days on, and books session 1 of 8 from the reminder; someone not enrolled is told to enroll first.
The course's creator adds a second tutor who teaches it."""

from datetime import time

from core.enums import ParticipantStatus, PaymentStatus, Role
from core.usecases.accounts import set_language
from core.usecases.courses import remind_unscheduled
from testkit import FakeTelegram
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, booking_state, person, tutor_with_slot


async def test_a_student_enrolls_schedules_later_and_books_from_the_reminder(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    services = app.components.services
    await tutor_with_slot(app, 7301, "Paul Dirac")
    paul = telegram.user(7301, "Paul")
    await paul.send("/courses")
    listing = await paul.wait_for("Your courses")
    assert "You have no courses yet." in listing.text
    await paul.press("➕ New course")
    await paul.wait_for("which of your subjects is it for?")
    await paul.press("Physics")
    await paul.wait_for("New Physics course, step 1 of 6")
    await paul.send("x" * 4096)
    await paul.wait_for("Give the package a name of at most 60 characters")
    await paul.send("Mechanics")
    await paul.wait_for("how many sessions does the course have?")
    await paul.send("8")
    await paul.wait_for("Step 3 of 6")
    await paul.press("60 min")
    await paul.wait_for("the price of enrolling")
    await paul.send("four hundred")
    await paul.wait_for("the price of enrolling", new_only=False)
    await paul.send("400")
    await paul.wait_for("Step 5 of 6")
    await paul.press("180 days")
    await paul.wait_for("Step 6 of 6")
    await paul.press("👤 1-to-1")
    summary = await paul.wait_for("Your new Physics course:")
    assert "Mechanics: 8 lessons of 60 min (1-to-1) for €400.00, valid 180 days" in summary.text
    await paul.press("✅ Open it for enrollment")
    courses = await paul.wait_for("🎓 Mechanics (Physics): 8 sessions of 60 min for €400.00")
    link = next(line.split("🔗 ")[1] for line in courses.text.splitlines() if "🔗" in line)
    # Emmy teaches Physics too: Paul adds her to the course.
    await tutor_with_slot(app, 7305, "Emmy Noether", start=time(18))
    await paul.press("👥 Mechanics", message=courses)
    candidates = await paul.wait_for("Who else teaches Mechanics?")
    assert candidates.button_labels[:1] == ["➕ Emmy Noether"]
    await paul.press("➕ Emmy Noether")
    added = await paul.wait_for_callback_answer()
    assert added.text == "✅ Added: Mechanics has 2 tutors now."
    await paul.wait_for("Taught by Paul Dirac, Emmy Noether")
    payload = link.split("?start=")[1]
    assert payload.startswith("course_")

    # Kenji, in Tokyo, reads French and comes through the link.
    await person(app, 7302, "Kenji", "Asia/Tokyo", Role.STUDENT)
    await set_language(services.uow_factory(), services.clock, user_id=7302, language="fr")
    kenji = telegram.user(7302, "Kenji")
    await kenji.send(f"/start {payload}")
    card = await kenji.wait_for("Mechanics (Physics)")
    assert "Donné par Paul Dirac" in card.text
    await kenji.press("✅ S'inscrire · 400,00\u00a0€")
    pay = await kenji.wait_for("payez 400,00\u00a0€ pour vous inscrire")
    [checkout] = list(shop.stripe.sessions)
    assert pay.button("💳 Payer 400,00\u00a0€")["url"] == shop.stripe.sessions[checkout]["url"]
    await kenji.press("🔄 J'ai payé")
    answer = await kenji.wait_for_callback_answer()
    assert answer.text is not None and "pas encore arrivé" in answer.text
    await shop.stripe.pay(checkout, deliver=False)
    await kenji.press("🔄 J'ai payé")
    await kenji.wait_for("✅ Vous êtes inscrit à Mechanics.")
    await kenji.wait_for("Vous êtes inscrit à Mechanics : 8 séances à réserver")
    await kenji.press("⏳ Planifier plus tard")
    await kenji.wait_for("je vous le rappellerai tous les 3 jours")
    await paul.send("/courses")
    waiting = await paul.wait_for("Enrolled, no session booked: Kenji (8 left)")
    assert "Mechanics" in waiting.text

    # Eve, not enrolled, forges the booking button on her own card of the course: she is told to enroll.
    await person(app, 7303, "Eve", "Europe/London", Role.STUDENT)
    eve = telegram.user(7303, "Eve")
    await eve.send(f"/start {payload}")
    her_card = await eve.wait_for("Mechanics (Physics)")
    assert her_card.button_labels == ["✅ Enroll · €400.00"]
    await forge_press(telegram, eve, f"bkc:{payload.removeprefix('course_')}", on=her_card)
    refused = await eve.wait_for("You must be enrolled to book.")
    assert "✅ Enroll now" in refused.button_labels

    # Three days on, Kenji is reminded, and books from the reminder.
    shop.clock.advance(days=2)
    assert await remind_unscheduled(services.uow_factory, services.clock) == 0
    shop.clock.advance(days=1)
    assert await remind_unscheduled(services.uow_factory, services.clock) == 1
    reminder = await kenji.wait_for("Mechanics : 8 séances sur 8 restent à réserver")
    await kenji.press("📅 Réserver une séance", message=reminder)
    tutors = await kenji.wait_for("Mechanics · Physics")
    assert [label for label in tutors.button_labels if label.startswith("🧑‍🏫")] == [
        "🧑‍🏫 Paul Dirac",
        "🧑‍🏫 Emmy Noether",
    ]
    await kenji.press("🧑‍🏫 Paul Dirac")
    await kenji.wait_for(lambda m: "•24" in m.button_labels)
    await kenji.press("•24")
    # Monday 16:00 in Paris is 00:00 on Tuesday in Tokyo: the calendar shows it on the 24th.
    day = await kenji.wait_for(lambda m: any(label.startswith("00:00–01:00") for label in m.button_labels))
    await kenji.press(next(label for label in day.button_labels if label.startswith("00:00–01:00")))
    confirm = await kenji.wait_for(lambda m: "🎓 Réserver la séance 1 sur 8" in m.button_labels)
    assert "✅ Réserver" not in confirm.button_labels  # nothing to pay: the session is the course's
    await kenji.press("🎓 Réserver la séance 1 sur 8")
    await kenji.wait_for(lambda m: m.document is not None)
    assert await booking_state(app, 7302) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert len(shop.stripe.sessions) == 1
    await kenji.send("/courses")
    await kenji.wait_for("Mechanics : séance 2 sur 8 ensuite, 7 restantes à réserver")
