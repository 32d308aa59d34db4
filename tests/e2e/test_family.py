"""A family in chat: a parent in Paris who reads French invites his daughter (in Tokyo, in English) with
/family; she accepts the link; he books and pays a lesson for her from /book; she gets the confirmation,
he gets a copy marked with her name, the tutor sees who booked for whom. A forged answer to the invite
and a name that is too long change nothing."""

from core.enums import ParticipantStatus, PaymentStatus, Role
from core.usecases.accounts import set_language
from testkit import FakeTelegram
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, booking_state, choose_time, person, tutor_with_slot

STALE = "This button is no longer active. Send /start to begin again."


async def test_a_parent_invites_his_daughter_and_books_and_pays_her_lesson(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    services = app.components.services
    await tutor_with_slot(app, 7401, "Paul Dirac")
    paul = telegram.user(7401, "Paul")
    await person(app, 7402, "Marc", "Europe/Paris", Role.STUDENT)
    await set_language(services.uow_factory(), services.clock, user_id=7402, language="fr")
    await person(app, 7403, "Lea", "Asia/Tokyo", Role.STUDENT)
    marc, lea, eve = telegram.user(7402, "Marc"), telegram.user(7403, "Lea"), telegram.user(7404, "Eve")
    await person(app, 7404, "Eve", "Europe/London", Role.STUDENT)

    await marc.send("/family")
    family = await marc.wait_for("Votre famille")
    assert "Aucun enfant lié pour l'instant." in family.text
    await marc.press("➕ Inviter un enfant qui a Telegram")
    await marc.wait_for("Le prénom de votre enfant")
    await marc.send("x" * 4096)
    await marc.wait_for("Tapez le prénom de votre enfant, 64 caractères au plus.")
    await marc.send("Léa")
    invite = await marc.wait_for("Envoyez ce lien à Léa.")
    payload = invite.text.rsplit("?start=", 1)[1].strip()
    assert payload.startswith("family_")

    # Eve forges an answer with a made-up token: refused, nothing linked.
    answer = await forge_press(telegram, eve, "fam:../../etc:1")
    assert (answer.text, answer.show_alert) == (STALE, True)
    answer = await forge_press(telegram, eve, "fam:madeuptoken:1")
    assert answer.text == "This invite is no longer valid: ask your parent for a new link."
    await lea.send(f"/start {payload}")
    ask = await lea.wait_for("Marc asks to link your account as their child's.")
    await lea.press("✅ Accept", message=ask)
    await lea.wait_for("✅ Linked.")
    await marc.send("/family")
    await marc.wait_for("👤 Léa · lié : vous recevez tous deux les messages")

    # Marc books Monday 16:00 (Paris) for Léa, and pays.
    await choose_time(
        marc,
        question="Quelle matière ?",
        subject_button="Physics (1)",
        tutor="Paul Dirac",
        day_button="•23",
        time_prefix="16:00–17:00",
    )
    await marc.wait_for(lambda m: "👤 Pour : moi" in m.button_labels)
    await marc.press("👤 Pour : moi")
    await marc.wait_for(lambda m: "👤 Pour : Léa" in m.button_labels)
    await marc.press("✅ Réserver")
    pay = await marc.wait_for(lambda m: any(label.startswith("💳 Payer") for label in m.button_labels))
    [checkout] = list(shop.stripe.sessions)
    await shop.stripe.pay(checkout, deliver=False)
    await marc.press("🔄 J'ai payé", message=pay)
    # The seat is Léa's: she gets the confirmation in English, Marc a copy about her, in French.
    confirmation = await lea.wait_for(lambda m: m.document is not None and "Paul Dirac" in m.text)
    # In her zone: Monday 16:00 in Paris is Tuesday 00:00 in Tokyo.
    assert "Tue 24 Mar 2026, 00:00 (Tokyo, UTC+9)" in confirmation.text
    await marc.wait_for(lambda m: m.text.startswith("👪 Concernant Léa :"))
    await paul.wait_for("👪 Booked for Lea by their parent Marc.")
    await paul.send("/sessions")
    await paul.wait_for("Lea (booked by Marc)")
    assert await booking_state(app, 7403) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert await booking_state(app, 7402) == []
    await marc.send("/mybookings")
    mine = await marc.wait_for("👤 Léa · Paul Dirac")
    # Léa's chat with her tutor stays theirs: Marc's list has no room button for it.
    assert not [label for label in mine.button_labels if label.startswith("📂")]
    await lea.send("/mybookings")
    hers = await lea.wait_for("Paul Dirac")
    assert [label for label in hers.button_labels if label.startswith("📂")]
    # Eve cannot cancel Léa's lesson with Marc's button.
    cancel = next(row[0] for row in mine.inline_keyboard if row[0]["text"].startswith("✖️"))
    answer = await forge_press(telegram, eve, str(cancel["callback_data"]))
    assert answer.text == "This booking does not exist."
