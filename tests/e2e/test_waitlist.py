"""The waitlist through the fake Bot API and the fake Stripe: a full time is marked on the calendar and
offers "Notify me"; when its student cancels, the first one waiting gets the seat held, books it from
the message and pays; nobody else can take or claim it meanwhile."""

from bot.callbacks import ClaimSeat
from core.enums import ParticipantStatus, PaymentStatus, Role
from core.rules import BusinessRules
from core.usecases.cancellations import cancel_booking
from testkit import FakeTelegram
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, booking_state, enrol, open_calendar, person, tutor_with_slot


async def test_a_freed_seat_goes_to_the_first_person_waiting(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    services = app.components.services
    slot = await tutor_with_slot(app, 8601, "Grace Hopper", subject="COBOL")
    for user_id, name in ((8602, "Ann"), (8603, "Bob"), (8604, "Cy")):
        await person(app, user_id, name, "Europe/Paris", Role.STUDENT)
    ann_seat = await enrol(app, 8602, slot.id)
    [checkout] = list(shop.stripe.sessions)
    await shop.stripe.pay(checkout)
    bob, cy = telegram.user(8603, "Bob"), telegram.user(8604, "Cy")
    await telegram.user(8602, "Ann").wait_for(lambda m: m.document is not None)
    # The only time is taken: the day is marked as full, and its time offers the waitlist.
    calendar = await open_calendar(bob, "COBOL (1)", "Grace Hopper")
    assert "◦23" in calendar.button_labels and "Days marked ◦ are full: their times have a waitlist." in calendar.text
    await bob.press("◦23", message=calendar)
    day = await bob.wait_for("Pick one:")
    assert day.button_labels[0] == "🔔 16:00–17:00 · 1-to-1 · full: notify me"
    await bob.press("🔔 16:00–17:00 · 1-to-1 · full: notify me", message=day)
    joined = await bob.wait_for_callback_answer()
    assert joined.text is not None and joined.text.startswith("🔔 You are on the waitlist.")
    # /mybookings lists the place, to leave it; Cy queues too, then leaves from there.
    await bob.send("/mybookings")
    places = await bob.wait_for("🔔 Your waitlists:")
    assert places.button_labels == ["✖️ Leave the waitlist: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)"]
    cy_day = await open_calendar(cy, "COBOL (1)", "Grace Hopper")
    await cy.press("◦23", message=cy_day)
    await cy.press("🔔 16:00–17:00 · 1-to-1 · full: notify me", message=await cy.wait_for("Pick one:"))
    await cy.wait_for_callback_answer()
    await cy.send("/mybookings")
    await cy.press(
        "✖️ Leave the waitlist: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=await cy.wait_for("🔔 Your waitlists:")
    )
    assert (await cy.wait_for_callback_answer()).text == "You are off this waitlist."
    # Ann cancels: the seat is held for Bob, who is told.
    await cancel_booking(
        services.uow_factory,
        services.clock,
        BusinessRules(),
        app.components.gateway,
        user_id=8602,
        participant_id=ann_seat,
    )
    offer = await bob.wait_for("🔔 A seat is free: Mon 23 Mar 2026, 16:00 (Paris, UTC+1) with Grace Hopper (€60.00).")
    assert offer.button_labels == ["✅ Book it", "No, thanks"]
    entry_id = int(offer.button("✅ Book it")["callback_data"].split(":")[1])
    # Cy cannot claim it, nor see the time as free.
    refused = await forge_press(telegram, cy, ClaimSeat(entry_id=entry_id).pack())
    assert refused.text == "You are not on this waitlist any more."
    cy_calendar = await open_calendar(cy, "COBOL (1)", "Grace Hopper")
    assert "•23" not in cy_calendar.button_labels
    # Bob books it from the message, and pays.
    await bob.press("✅ Book it", message=offer)
    await bob.wait_for("Your booking")
    await bob.press("✅ Book")
    await bob.wait_for("Your seat is held for")
    checkout = next(sid for sid, s in shop.stripe.sessions.items() if s["status"] == "open")
    await shop.stripe.pay(checkout)
    await bob.wait_for(lambda m: m.document is not None)
    assert await booking_state(app, 8603) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert await booking_state(app, 8604) == []
