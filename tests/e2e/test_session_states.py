"""Sessions that started, ended or were cancelled, as students and tutors meet them: nothing is sold once
a session is live or over, a lost join link is replaced from the lists, lists follow the session's
status, and the refused join page says what to do in the reader's language."""

from datetime import timedelta

import aiohttp

from bot.callbacks import JoinSession, LiveSession
from core.enums import ParticipantStatus, PaymentStatus, Role, SessionType
from core.usecases.accounts import set_language
from testkit import FakeTelegram
from tests.e2e.helpers import forge_press
from tests.e2e.shop import Shop, booking_state, enrol, open_slot, person, tutor_cancels_session, tutor_with_slot
from tests.e2e.test_live import START

GROUP = "16:00–17:00 · group of 3 · 1 seat left · €30.00"


async def test_a_started_session_is_not_sold_and_its_links_can_be_found_again(
    live: Shop,
    telegram: FakeTelegram,
) -> None:
    app, clock, stripe = live.app, live.clock, live.stripe
    slot = await tutor_with_slot(
        app, 9601, "Grace Hopper", rate=3000, session_type=SessionType.GROUP, capacity=3, subject="COBOL"
    )
    grace = telegram.user(9601, "Grace")
    for user_id, name in ((9602, "Ann"), (9603, "Bob"), (9604, "Cleo"), (9605, "Dan")):
        await person(app, user_id, name, "Europe/Paris", Role.STUDENT)
    ann, bob, cleo, dan = (
        telegram.user(i, n) for i, n in ((9602, "Ann"), (9603, "Bob"), (9604, "Cleo"), (9605, "Dan"))
    )
    # Ann has paid; Bob holds a seat and is on the payment page when the tutor starts.
    await enrol(app, 9602, slot.id)
    await stripe.pay(next(iter(stripe.sessions)))
    await ann.wait_for("Session booked!")
    await enrol(app, 9603, slot.id)
    bob_checkout = next(sid for sid, s in stripe.sessions.items() if s["status"] == "open")
    # Cleo looks at the last free seat before the start.
    clock.current = START - timedelta(minutes=8)
    await open_slot(cleo, "COBOL (1)", "Grace Hopper", "•23", GROUP)

    await grace.walk(
        ("/sessions", "Your upcoming sessions"),
        ("▶️ Start Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", "🎥 Live: Mon 23 Mar 2026, 16:00"),
    )
    await ann.wait_for("Grace Hopper started your session")

    # Nobody pays for a session that is under way: Cleo's screen is refused, Dan is not offered it.
    await cleo.press("✅ Book")
    await cleo.wait_for("This session has already started. Select another time.")
    assert await booking_state(app, 9604) == []
    await dan.send("/book")
    await dan.wait_for("Which subject?")
    await dan.press("COBOL (1)")
    tutors = await dan.wait_for("Grace Hopper")
    assert "no free time in the next 4 weeks" in tutors.text

    # Bob's payment comes in during the session: booked, and the way in comes with the confirmation.
    await stripe.pay(bob_checkout)
    booked = await bob.wait_for("Session booked!")
    assert "The session has started" in booked.text and "🎥 Join" in booked.button_labels
    await bob.press("🎥 Join", message=booked)
    link = await bob.wait_for("Your link to the session of Mon 23 Mar 2026, 16:00")
    async with aiohttp.ClientSession() as client, client.get(link.button("🎥 Join")["url"]) as page:
        assert page.status == 200

    # Ann lost her link: /mybookings lists the session as live with a Join button.
    await ann.send("/mybookings")
    listing = await ann.wait_for("Live now")
    assert "🎥 live now" in listing.text
    assert not any(label.startswith("✖️ Cancel") for label in listing.button_labels)
    await ann.press("🎥 Join: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", message=listing)
    fresh = await ann.wait_for("Your link to the session")
    fresh_url = fresh.button("🎥 Join")["url"]
    async with aiohttp.ClientSession() as client:
        async with client.get(fresh_url) as page:
            assert page.status == 200
        async with client.post(fresh_url + "/presence", data="joined") as joined:
            assert joined.status == 200
    # The tutor's list has one too; a stranger's forged press learns nothing.
    await grace.send("/sessions")
    sessions = await grace.wait_for("Live now")
    assert "🎥 Join: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)" in sessions.button_labels
    assert not any(label.startswith("✖️ Cancel") for label in sessions.button_labels)
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None
    refused = await forge_press(telegram, dan, JoinSession(session_id=session.id).pack())
    assert refused.text == "This session does not exist."

    # Ended: Bob never joined and is told so; the lists move the session to the past.
    clock.current = START + timedelta(minutes=55)
    await forge_press(telegram, grace, LiveSession(session_id=session.id, action="end").pack())
    absent = await bob.wait_for("is over")
    assert "You did not join the video, so you are marked absent" in absent.text
    ann_summary = await ann.wait_for("is over")
    assert "marked absent" not in ann_summary.text
    await ann.send("/mybookings")
    after = await ann.wait_for("Past and cancelled")
    assert "Upcoming" not in after.text and "✔️ done" in after.text and after.button_labels == []
    await grace.send("/sessions")
    ended = await grace.wait_for("Ended or cancelled")
    # The only button left on a lesson that took place is the tutor's notes.
    assert "✔️ done" in ended.text and ended.button_labels == ["📝 Notes: Mon 23 Mar 2026, 16:00 (Paris, UTC+1)"]
    late = await forge_press(telegram, ann, JoinSession(session_id=session.id).pack())
    assert late.text == "This session is not live."


async def test_a_cancelled_session_leaves_the_upcoming_lists(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 9701, "Ada Lovelace", rate=0, subject="Maths")
    await person(app, 9702, "Eve", "Asia/Tokyo", Role.STUDENT)
    ada, eve = telegram.user(9701, "Ada"), telegram.user(9702, "Eve")
    await open_slot(eve, "Maths (1)", "Ada Lovelace", "•24", "00:00–01:00 · 1-to-1 · free of charge")
    await eve.press("✅ Book")
    await eve.wait_for("Session booked!")
    await tutor_cancels_session(ada, "Mon 23 Mar 2026, 16:00 (Paris, UTC+1)", "Ill")
    await eve.wait_for("Ada Lovelace cancelled your session")

    await eve.send("/mybookings")
    listing = await eve.wait_for("Past and cancelled")
    assert "Upcoming" not in listing.text and "❌ cancelled by the tutor" in listing.text
    assert listing.button_labels == []
    await ada.send("/sessions")
    tutor_list = await ada.wait_for("Ended or cancelled")
    assert "❌ cancelled" in tutor_list.text and tutor_list.button_labels == []


async def test_a_refused_join_page_says_what_to_do_in_the_readers_language(
    live: Shop,
    telegram: FakeTelegram,
) -> None:
    app, clock = live.app, live.clock
    slot = await tutor_with_slot(app, 9801, "Paul Dirac", rate=0)
    await person(app, 9802, "Zoé", "Europe/Paris", Role.STUDENT)
    await set_language(app.components.services.uow_factory(), clock, user_id=9802, language="fr")
    await enrol(app, 9802, slot.id)
    async with app.components.services.uow_factory() as uow:
        session = await uow.sessions.get_by_slot(slot.id)
    assert session is not None
    links = app.components.services.join_links
    early = links.url(session.id, 9802, START + timedelta(hours=2))
    base = app.settings.base_url
    async with aiohttp.ClientSession() as client:
        # Her link before the tutor started: French, and what to wait for.
        async with client.get(early) as page:
            assert page.status == 403
            text = await page.text()
        assert 'lang="fr"' in text and "pas encore commencé" in text
        # A link nobody signed, from an English browser and a French one.
        async with client.get(f"{base}/join/1.2.3.forged", headers={"Accept-Language": "en-GB,en;q=0.8"}) as page:
            assert "This link cannot be used" in await page.text()
            assert "🎥 Join in /mybookings" in await page.text()
        async with client.get(f"{base}/join/1.2.3.forged", headers={"Accept-Language": "fr-FR,fr;q=0.9"}) as page:
            assert 'lang="fr"' in await page.text()
        # Her link after it expired: still her language, and how to get a new one.
        clock.current = START + timedelta(hours=3)
        async with client.get(early) as page:
            text = await page.text()
        assert 'lang="fr"' in text and "/mybookings" in text


async def test_a_tutor_who_never_starts_is_told_what_it_cost(live: Shop, telegram: FakeTelegram) -> None:
    app, clock = live.app, live.clock
    slot = await tutor_with_slot(app, 9901, "Paul Dirac", rate=6000)
    await person(app, 9902, "Dora", "Europe/Paris", Role.STUDENT)
    paul, dora = telegram.user(9901, "Paul"), telegram.user(9902, "Dora")
    await enrol(app, 9902, slot.id)
    await live.stripe.pay(next(iter(live.stripe.sessions)))
    await dora.wait_for("Session booked!")
    clock.current = START + timedelta(minutes=15)
    await app.components.jobs["sessions"].run(app.components.job_context)
    notice = await paul.wait_for("You did not start your session of Mon 23 Mar 2026, 16:00")
    assert "counts as a no-show" in notice.text and "1 student is refunded in full (€60.00)." in notice.text
    assert notice.document is not None and notice.document.file_name == "tutorbot-cancelled.ics"
    told = await dora.wait_for("Paul Dirac did not start your session")
    assert told.document is not None and told.document.file_name == "tutorbot-cancelled.ics"
    assert await booking_state(app, 9902) == [(ParticipantStatus.CANCELLED, PaymentStatus.REFUNDED)]
