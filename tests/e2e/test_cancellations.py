"""Cancellations and refunds, end to end: what students and tutors see, and what Stripe is asked."""

from datetime import timedelta

from bot.callbacks import CancelBooking, CancelSessionStart
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionStatus
from testkit import FakeTelegram, FakeUser
from tests.e2e.helpers import eventually, forge_press, settle_background_dialog
from tests.e2e.shop import Shop, booking_state, grace_and_a_group, open_slot, person, tutor_with_slot


async def book_and_pay(shop: Shop, student: FakeUser, subject: str, tutor: str, slot_label: str) -> int:
    """Book through the dialog, pay at the fake Stripe; returns the participant id."""
    await open_slot(student, subject, tutor, "•23", slot_label)
    await student.press("✅ Book")
    await student.wait_for("Your seat is held for")
    session_id = next(sid for sid, session in shop.stripe.sessions.items() if session["status"] == "open")
    participant_id = int(shop.stripe.sessions[session_id]["metadata"]["participant_id"])
    await shop.stripe.pay(session_id)
    await student.wait_for(lambda m: m.document is not None)
    return participant_id


async def test_a_student_cancels_and_is_refunded_in_full(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 8001, "Paul Dirac")
    await person(app, 8002, "Ann", "Europe/Paris", Role.STUDENT)
    ann, paul = telegram.user(8002, "Ann"), telegram.user(8001, "Paul")
    await book_and_pay(shop, ann, "Physics (1)", "Paul Dirac", "16:00–17:00 · 1-to-1 · €60.00")

    await ann.send("/mybookings")
    listing = await ann.wait_for("Upcoming")
    await ann.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    question = await ann.wait_for("Cancel your session of")
    assert "with Paul Dirac? You will get €60.00 back." in question.text
    await ann.press("✅ Yes, cancel")
    await ann.wait_for("✅ Cancelled. €60.00 is on its way back to you.")
    await paul.wait_for("Ann cancelled their booking of Mon 23 Mar 2026, 16:00")
    assert await booking_state(app, 8002) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    [refund] = shop.stripe.refunds.values()
    assert refund["amount"] == 6000 and refund["status"] == "succeeded"
    async with app.components.services.uow_factory() as uow:
        stored = await uow.slots.get(slot.id)
    assert stored is not None and stored.seats_taken == 0  # bookable again
    # Pressing the confirmation again changes nothing and refunds nothing.
    assert "✅ Yes, cancel" not in ann.last.button_labels
    assert len(shop.stripe.refunds) == 1


async def test_a_tutor_cancels_a_group_of_three_with_a_reason(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot, grace, students = await grace_and_a_group(app, telegram, 8101, rate=3000, students=3)
    for student in students:
        await book_and_pay(shop, student, "COBOL (1)", "Grace Hopper", "16:00–17:00 · group of 3")

    await grace.send("/sessions")
    sessions = await grace.wait_for("Your upcoming sessions")
    assert "👥 S0, S1, S2" in sessions.text
    await grace.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)")
    await grace.wait_for("Type the reason")
    await settle_background_dialog()
    await grace.send("y" * 301)
    await grace.wait_for("The reason can have at most 300 characters.")
    await grace.send("I am ill, sorry")
    confirm = await grace.wait_for("Reason: I am ill, sorry")
    assert (
        "3 participants will be told" in confirm.text
        and "3 payments are refunded in full (€90.00 in all)" in confirm.text
    )
    await grace.press("✅ Cancel and refund")
    await grace.wait_for("The session is cancelled; 3 participants are refunded and told.")
    for student in students:
        told = await student.wait_for("Grace Hopper cancelled your session of Mon 23 Mar 2026, 16:00")
        assert "Reason: I am ill, sorry" in told.text and "€30.00 is on its way back" in told.text
    assert len(shop.stripe.refunds) == 3
    for index in range(3):
        assert await booking_state(app, 8110 + index) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
        stored = await uow.slots.get(slot.id)
        open_now = await uow.slots.list_open(slot.tutor_id, slot.starts_at - timedelta(hours=1), slot.ends_at)
    assert (
        session is not None and session.status is SessionStatus.CANCELLED and session.cancel_reason == "I am ill, sorry"
    )
    assert stored is not None and stored.seats_taken == 0
    assert open_now == []  # a cancelled session's slot is not offered again


async def test_a_tiered_policy_refunds_what_it_says_and_a_late_cancellation_nothing(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    await tutor_with_slot(app, 8201, "Ada Lovelace", subject="Maths", refund_policy="24:100,2:50")
    await person(app, 8202, "Bob", "Europe/Paris", Role.STUDENT)
    bob, ada = telegram.user(8202, "Bob"), telegram.user(8201, "Ada")
    await book_and_pay(shop, bob, "Maths (1)", "Ada Lovelace", "16:00–17:00 · 1-to-1 · €60.00")
    # Three days ahead: all of it, and the moment that changes.
    await bob.send("/mybookings")
    listing = await bob.wait_for("Upcoming")
    await bob.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    early = await bob.wait_for("Cancel your session of")
    assert "You will get €60.00 back.\n(After Sun 22 Mar 2026, 16:00 (Paris, UTC+1), 50% would come back.)" in (
        early.text
    )
    # 23 hours before the start: half, said exactly, then refunded through Stripe once.
    shop.clock.current = shop.clock.current.replace(day=22, hour=16)
    await bob.send("/mybookings")
    listing = await bob.wait_for("Upcoming")
    await bob.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    half = await bob.wait_for("Cancel your session of")
    assert "You will get €30.00 of €60.00 back (50%), under Ada Lovelace's policy." in half.text
    assert "(After Mon 23 Mar 2026, 14:00 (Paris, UTC+1), 0% would come back.)" in half.text
    await bob.press("✅ Yes, cancel", message=half)
    await bob.wait_for("✅ Cancelled. €30.00 is on its way back to you.")
    await ada.wait_for("cancelled")
    await eventually(lambda: _refunded(shop, 1))
    [refund] = shop.stripe.refunds.values()
    assert refund["amount"] == 3000
    assert await booking_state(app, 8202) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    await bob.send("/mybookings")
    after = await bob.wait_for("Past and cancelled")
    assert "❌ cancelled · €30.00 refunded" in after.text
    # The refunds job finds nothing more to pay.
    assert await app.components.jobs["refunds"].run(app.components.job_context) == 0
    assert len(shop.stripe.refunds) == 1

    # Another student, one hour before the start: the seat goes, nothing comes back, nothing is refunded.
    shop.clock.current = shop.clock.current.replace(day=20, hour=9)
    await person(app, 8203, "Cy", "Europe/Paris", Role.STUDENT)
    cy = telegram.user(8203, "Cy")
    await book_and_pay(shop, cy, "Maths (1)", "Ada Lovelace", "16:00–17:00 · 1-to-1 · €60.00")
    shop.clock.current = shop.clock.current.replace(day=23, hour=14)
    await cy.send("/mybookings")
    listing = await cy.wait_for("Upcoming")
    await cy.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    late = await cy.wait_for("Cancel your session of")
    assert "Nothing comes back: under Ada Lovelace's policy it is too late for a refund." in late.text
    await cy.press("✅ Yes, cancel", message=late)
    await cy.wait_for("✅ Cancelled.")
    assert await booking_state(app, 8203) == [(ParticipantStatus.CANCELLED, PaymentStatus.PAID)]
    assert len(shop.stripe.refunds) == 1


async def _refunded(shop: Shop, count: int) -> bool:
    return len(shop.stripe.refunds) == count


async def test_a_notice_without_tiers_refunds_in_full_until_it_then_nothing(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 8211, "Alan Turing", subject="Logic", notice_hours=24)
    await person(app, 8212, "Dee", "Europe/Paris", Role.STUDENT)
    dee = telegram.user(8212, "Dee")
    await book_and_pay(shop, dee, "Logic (1)", "Alan Turing", "16:00–17:00 · 1-to-1 · €60.00")
    shop.clock.current = shop.clock.current.replace(day=22, hour=16)  # Sunday 17:00 in Paris: 23 h before
    await dee.send("/mybookings")
    listing = await dee.wait_for("Upcoming")
    await dee.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    question = await dee.wait_for("Cancel your session of")
    assert "Nothing comes back: under Alan Turing's policy it is too late for a refund." in question.text
    assert await booking_state(app, 8212) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert shop.stripe.refunds == {}


async def test_a_failing_refund_is_retried_until_it_succeeds_exactly_once(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 8301, "Emmy Noether", subject="Algebra")
    await person(app, 8302, "Cleo", "Europe/Paris", Role.STUDENT)
    cleo = telegram.user(8302, "Cleo")
    await book_and_pay(shop, cleo, "Algebra (1)", "Emmy Noether", "16:00–17:00 · 1-to-1 · €60.00")
    # Stripe answers 500 once, then takes the refund but the answer is lost on the way back; no webhook
    # comes meanwhile (they are switched off), so only the retries can find out.
    webhook_url, shop.stripe.webhook_url = shop.stripe.webhook_url, None
    shop.stripe.fail_next("/v1/refunds", status=500)
    await cleo.send("/mybookings")
    listing = await cleo.wait_for("Upcoming")
    await cleo.press("✖️ Cancel Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    await cleo.wait_for("You will get €60.00 back")
    await cleo.press("✅ Yes, cancel")
    await cleo.wait_for("on its way back to you")
    assert await booking_state(app, 8302) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUND_PENDING)]
    assert shop.stripe.refunds == {}
    shop.stripe.drop_next("/v1/refunds", after_processing=True)
    shop.clock.advance(minutes=5)
    parts = app.components
    await parts.jobs["refunds"].run(parts.job_context)
    assert len(shop.stripe.refunds) == 1
    assert await booking_state(app, 8302) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUND_PENDING)]
    shop.clock.advance(hours=1)
    await parts.jobs["refunds"].run(parts.job_context)
    assert await booking_state(app, 8302) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert len(shop.stripe.refunds) == 1  # the same idempotency key: Stripe replayed the first refund
    # Stripe's charge.refunded event, delivered ten times, changes nothing.
    shop.stripe.webhook_url = webhook_url
    [refunded] = shop.stripe.events_of_type("charge.refunded")
    assert await shop.stripe.deliver(refunded, times=10) == [200] * 10
    assert await booking_state(app, 8302) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
    assert len(shop.stripe.refunds) == 1


async def test_forged_cancel_buttons_are_refused(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    slot = await tutor_with_slot(app, 8401, "Alan Turing", subject="Logic")
    await person(app, 8402, "Dan", "Europe/Paris", Role.STUDENT)
    await person(app, 8403, "Mallory", "Europe/Paris", Role.STUDENT)
    dan, mallory = telegram.user(8402, "Dan"), telegram.user(8403, "Mallory")
    participant_id = await book_and_pay(shop, dan, "Logic (1)", "Alan Turing", "16:00–17:00 · 1-to-1 · €60.00")
    answer = await forge_press(telegram, mallory, CancelBooking(participant_id=participant_id, confirm=True).pack())
    assert answer.text == "This booking does not exist."
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None
    answer = await forge_press(telegram, mallory, CancelSessionStart(session_id=session.id).pack())
    assert answer.text == "This session does not exist."
    assert await booking_state(app, 8402) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert shop.stripe.refunds == {}


async def test_a_booked_slot_cannot_be_deleted_but_its_session_can_be_cancelled(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    await tutor_with_slot(app, 8501, "Lise Meitner", subject="Physics")
    await person(app, 8502, "Eva", "Europe/Paris", Role.STUDENT)
    eva, lise = telegram.user(8502, "Eva"), telegram.user(8501, "Lise")
    await book_and_pay(shop, eva, "Physics (1)", "Lise Meitner", "16:00–17:00 · 1-to-1 · €60.00")
    await lise.walk(
        ("/availability", "Week of"),
        ("Later ▶️", "Week of Monday 23 March"),
        ("Mon 23 Mar", "16:00–17:00 · 1-to-1 · booked"),
        ("✏️ 16:00–17:00", "1-to-1 · booked"),
    )
    await lise.press("🗑 Delete")
    refused = await lise.wait_for("This slot has 1 booking")
    assert "✖️ Cancel this session" in refused.button_labels
    await lise.walk(
        ("✖️ Cancel this session", "Type the reason"),
        ("⏭ No reason", "Reason: no reason given"),
        ("✅ Cancel and refund", "The session is cancelled; 1 participant is refunded and told."),
    )
    told = await eva.wait_for("Lise Meitner cancelled your session")
    assert "Reason:" not in told.text and "€60.00 is on its way back" in told.text

    async def refunded() -> bool:
        return await booking_state(app, 8502) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]

    await eventually(refunded)
