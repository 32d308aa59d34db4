"""Packages in chat: a tutor puts one on sale with /packages (wrong answers explained at each step); a
student in another zone, speaking French, buys it from the booking screen through the fake Stripe, books
with a credit, sees the balance in /mybookings, cancels and gets the credit back; and a student in Tokyo who asks for the money of unused lessons back,
declined then approved by the tutor; a package that expires unused; and an admin's school package, on
sale to every tutor's students, and school course, given its tutor."""

from core.enums import ParticipantStatus, PaymentStatus, Role
from core.packages import PackageSpec
from core.rules import BusinessRules
from core.usecases.accounts import set_language
from core.usecases.bookings import book_slot
from core.usecases.packages import define_package
from core.usecases.purchases import buy_package, check_purchase
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.stripe import FakeStripe
from tests.e2e.conftest import AppFactory
from tests.e2e.helpers import forge_press
from tests.e2e.shop import NOW, Shop, booking_state, choose_time, person, tutor_with_slot


async def test_a_tutor_sells_a_package_and_a_student_books_with_its_credits(shop: Shop, telegram: FakeTelegram) -> None:
    app = shop.app
    await tutor_with_slot(app, 7101, "Paul Dirac")
    paul = telegram.user(7101, "Paul")
    await paul.send("/packages")
    listing = await paul.wait_for("Your lesson packages")
    assert "You have no packages on sale yet." in listing.text
    await paul.press("➕ New package")
    await paul.wait_for("step 1 of 6")
    await paul.send("x" * 4096)
    await paul.wait_for("Give the package a name of at most 60 characters")
    await paul.send("Ten hours")
    await paul.wait_for("Step 2 of 6")
    await paul.send("zero")
    await paul.wait_for("A package holds from 1 to 100 lessons.")
    await paul.press("10")
    await paul.wait_for("Step 3 of 6")
    await paul.send("61")
    await paul.wait_for("A lesson lasts from 15 to 240 minutes, in steps of 5.")
    await paul.press("60 min")
    await paul.wait_for("Step 4 of 6")
    await paul.send("-5")
    await paul.wait_for("Step 4 of 6", new_only=False)
    await paul.send("540")
    await paul.wait_for("Step 5 of 6")
    await paul.press("90 days")
    await paul.wait_for("Step 6 of 6")
    await paul.press("👤 1-to-1")
    summary = await paul.wait_for("Your new package:")
    assert "Ten hours: 10 lessons of 60 min (1-to-1) for €540.00, valid 90 days" in summary.text
    await paul.press("✅ Put it on sale")
    on_sale = await paul.wait_for("Ten hours: 10 lessons")
    assert "✖️ Ten hours" in on_sale.button_labels

    # Ann, in New York, reads French.
    await person(app, 7102, "Ann", "America/New_York", Role.STUDENT)
    services = app.components.services
    await set_language(services.uow_factory(), services.clock, user_id=7102, language="fr")
    ann = telegram.user(7102, "Ann")
    await choose_time(
        ann,
        question="Quelle matière ?",
        subject_button="Physics (1)",
        tutor="Paul Dirac",
        day_button="•23",
        time_prefix="11:00–12:00",
    )
    await ann.wait_for("📝")
    await ann.press("📦 Forfaits de cours")
    packages = await ann.wait_for("Forfaits de cours de Paul Dirac")
    assert "Ten hours : 10 cours de 60 min (individuel) pour 540,00\u00a0€, valable 90 jours" in packages.text
    await ann.press("📦 Ten hours · 540,00\u00a0€")
    pay = await ann.wait_for("Ten hours : payez 540,00\u00a0€")
    [checkout] = list(shop.stripe.sessions)
    assert pay.button("💳 Payer 540,00\u00a0€")["url"] == shop.stripe.sessions[checkout]["url"]
    await ann.press("🔄 J'ai payé")
    answer = await ann.wait_for_callback_answer()
    assert answer.text is not None and "pas encore arrivé" in answer.text
    await shop.stripe.pay(checkout, deliver=False)
    await ann.press("🔄 J'ai payé")
    confirm = await ann.wait_for(lambda m: "🎟 Utiliser 1 crédit (10 restants)" in m.button_labels)
    assert "📦 Forfaits de cours" not in confirm.button_labels
    await ann.wait_for("Ten hours est à vous : 10 cours à réserver")
    await ann.press("🎟 Utiliser 1 crédit (10 restants)")
    await ann.wait_for(lambda m: m.document is not None)
    assert await booking_state(app, 7102) == [(ParticipantStatus.BOOKED, PaymentStatus.PAID)]
    assert len(shop.stripe.sessions) == 1  # no payment page for the lesson itself
    await ann.send("/mybookings")
    mine = await ann.wait_for("Ten hours : 9 cours restants sur 10")
    assert "payé avec 1 crédit de forfait" in mine.text
    # She cancels in time: the credit comes back, Stripe is asked for nothing.
    cancel = next(label for label in mine.button_labels if label.startswith("✖️"))
    await ann.press(cancel, message=mine)
    question = await ann.wait_for("Le cours revient dans votre forfait.")
    await ann.press(next(label for label in question.button_labels if label.startswith("✅")))
    await ann.wait_for("✅ Annulé. Le cours est de retour dans votre forfait.")
    await ann.wait_for(lambda m: m.document is not None and "annul" in m.text.lower())
    await ann.send("/mybookings")
    await ann.wait_for("Ten hours : 10 cours restants sur 10")
    assert not shop.stripe.refunds


async def test_a_student_asks_for_the_money_of_unused_lessons_and_the_tutor_decides(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    services = app.components.services
    slot = await tutor_with_slot(app, 7201, "Paul Dirac")
    await person(app, 7202, "Kenji", "Asia/Tokyo", Role.STUDENT)
    paul, kenji, eve = telegram.user(7201, "Paul"), telegram.user(7202, "Kenji"), telegram.user(7203, "Eve")
    await person(app, 7203, "Eve", "Europe/London", Role.STUDENT)
    spec = PackageSpec(
        name="Ten hours", lessons=10, lesson_minutes=60, price_minor=54000, currency="EUR", validity_days=90
    )
    package = await define_package(services.uow_factory(), services.clock, BusinessRules(), user_id=7201, spec=spec)
    started = await buy_package(
        services.uow_factory,
        services.clock,
        app.components.gateway,
        "https://t.me/b",
        user_id=7202,
        package_id=package.id,
    )
    await shop.stripe.pay(started.purchase.checkout_session_id or "", deliver=False)
    purchase = await check_purchase(
        services.uow_factory,
        services.clock,
        BusinessRules(),
        app.components.gateway,
        user_id=7202,
        purchase_id=started.purchase.id,
    )
    await book_slot(
        services.uow_factory,
        services.clock,
        BusinessRules(),
        app.components.gateway,
        lambda p: f"https://t.me/b?start=paid_{p}",
        user_id=7202,
        slot_id=slot.id,
        credit_from=purchase.id,
    )
    await kenji.send("/mybookings")
    mine = await kenji.wait_for("Ten hours: 9 of 10 lessons left, valid until 18 June 2026")
    refund_data = mine.button("💸 Refund unused: Ten hours")["callback_data"]
    # Eve forges Kenji's button: told nothing about his package.
    answer = await forge_press(telegram, eve, refund_data)
    assert (answer.text, answer.show_alert) == ("This purchase does not exist.", True)
    await kenji.press("💸 Refund unused: Ten hours", message=mine)
    question = await kenji.wait_for("Ask for a refund of Ten hours?")
    assert "9 unused lessons of 10: €486.00." in question.text
    await kenji.press("💸 Yes, ask for the refund")
    await kenji.wait_for("✅ Refund asked for.")
    request = await paul.wait_for("💸 Kenji asks for a refund of Ten hours: 9 unused lessons of 10: €486.00.")
    # The lessons are set aside: nothing left to book with, and a second request is refused.
    await kenji.send("/mybookings")
    listing = await kenji.wait_for("Upcoming")
    assert "Ten hours" not in listing.text
    answer = await forge_press(telegram, kenji, refund_data)
    assert answer.text == "A refund of this package is already waiting for a decision."
    # Kenji cannot approve his own request.
    decide = request.button("✅ Refund")["callback_data"]
    answer = await forge_press(telegram, kenji, decide)
    assert answer.text == "This refund request does not exist."
    await paul.press("❌ Decline", message=request)
    await paul.wait_for("❌ Refund declined")
    await kenji.wait_for("Your refund of Ten hours was declined: its 9 lessons are yours to book again.")
    assert not shop.stripe.refunds
    # Asked again, approved: €486.00 goes back through Stripe, once.
    await kenji.send("/mybookings")
    mine = await kenji.wait_for("Ten hours: 9 of 10 lessons left")
    await kenji.press("💸 Refund unused: Ten hours", message=mine)
    await kenji.press("💸 Yes, ask for the refund", message=await kenji.wait_for("Ask for a refund of Ten hours?"))
    again = await paul.wait_for("💸 Kenji asks for a refund", new_only=True)
    await paul.press("✅ Refund", message=again)
    await paul.wait_for("✅ Refund approved")
    await kenji.wait_for(
        "↩️ Your refund of Ten hours is approved: €486.00 for 9 unused lessons is on its way back to you."
    )
    answer = await forge_press(telegram, paul, again.button("✅ Refund")["callback_data"])
    assert answer.text == "This refund request has already been decided."
    assert [r["amount"] for r in shop.stripe.refunds.values()] == [48600]


async def test_an_admin_puts_school_packages_and_courses_on_sale(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    clock = FixedClock(NOW)
    async with (
        FakeStripe(clock=lambda: clock.now().timestamp()) as stripe,
        app_factory(
            clock=clock,
            ADMIN_IDS="7501",
            STRIPE_SECRET_KEY=stripe.api_key,
            STRIPE_API_BASE=stripe.base_url,
            STRIPE_WEBHOOK_SECRET=stripe.webhook_secret,
        ) as app,
    ):
        await person(app, 7501, "Ada", "Europe/London", Role.STUDENT)
        ada = telegram.user(7501, "Ada")
        await ada.send("/packages")
        listing = await ada.wait_for("The school's lesson packages")
        assert "🏫 School packages" not in listing.button_labels
        await ada.press("➕ New package")
        await ada.wait_for("in which currency do students pay for it?")
        await ada.send("euros")
        await ada.wait_for("I can't take payments in “euros”.")
        await ada.press("EUR")
        await ada.wait_for("step 1 of 6")
        await ada.send("School ten")
        await ada.press("10", message=await ada.wait_for("Step 2 of 6"))
        await ada.press("60 min", message=await ada.wait_for("Step 3 of 6"))
        await ada.wait_for("Step 4 of 6")
        await ada.send("500")
        await ada.press("90 days", message=await ada.wait_for("Step 5 of 6"))
        await ada.press("👤 1-to-1", message=await ada.wait_for("Step 6 of 6"))
        await ada.wait_for("School ten: 10 lessons of 60 min (1-to-1) for €500.00, valid 90 days")
        await ada.press("✅ Put it on sale")
        await ada.wait_for(lambda m: "✖️ School ten" in m.button_labels)

        # A tutor's student sees the school's package on the booking screen.
        await tutor_with_slot(app, 7502, "Paul Dirac")
        await person(app, 7503, "Kim", "Asia/Seoul", Role.STUDENT)
        kim = telegram.user(7503, "Kim")
        await choose_time(
            kim,
            question="Which subject?",
            subject_button="Physics (1)",
            tutor="Paul Dirac",
            day_button="•24",
            time_prefix="00:00–01:00",
        )
        await kim.press("📦 Lesson packages", message=await kim.wait_for("📝"))
        offer = await kim.wait_for("Lesson packages of Paul Dirac")
        assert "School ten: 10 lessons of 60 min (1-to-1) for €500.00, valid 90 days" in offer.text

        # The school's course too: Ada types its subject, then gives it Paul as its tutor.
        await ada.send("/courses")
        await ada.wait_for("The school's courses.")
        await ada.press("➕ New course")
        await ada.press("EUR", message=await ada.wait_for("New school course: in which currency"))
        await ada.wait_for("type its subject")
        await ada.send("Physics, Chemistry")
        await ada.wait_for("A course has one subject: type just one, for example Maths.")
        await ada.send("Physics")
        await ada.wait_for("New Physics course, step 1 of 6")
        await ada.send("Optics")
        await ada.send("8")
        await ada.press("60 min", message=await ada.wait_for("Step 3 of 6"))
        await ada.wait_for("the price of enrolling")
        await ada.send("400")
        await ada.press("180 days", message=await ada.wait_for("Step 5 of 6"))
        await ada.press("👤 1-to-1", message=await ada.wait_for("Step 6 of 6"))
        await ada.wait_for("Your new Physics course:")
        await ada.press("✅ Open it for enrollment")
        courses = await ada.wait_for("🎓 Optics (Physics): 8 sessions of 60 min for €400.00")
        await ada.press("👥 Optics", message=courses)
        await ada.press("➕ Paul Dirac", message=await ada.wait_for("Who else teaches Optics?"))
        added = await ada.wait_for_callback_answer()
        assert added.text == "✅ Added: Optics has 1 tutor now."


async def test_a_package_past_its_validity_is_written_off_and_its_student_told(
    shop: Shop, telegram: FakeTelegram
) -> None:
    app = shop.app
    services = app.components.services
    await tutor_with_slot(app, 7601, "Paul Dirac")
    await person(app, 7602, "Ines", "America/Sao_Paulo", Role.STUDENT)
    await set_language(services.uow_factory(), services.clock, user_id=7602, language="fr")
    ines = telegram.user(7602, "Ines")
    spec = PackageSpec(name="Five", lessons=5, lesson_minutes=60, price_minor=25000, currency="EUR", validity_days=30)
    package = await define_package(services.uow_factory(), services.clock, BusinessRules(), user_id=7601, spec=spec)
    started = await buy_package(
        services.uow_factory,
        services.clock,
        app.components.gateway,
        "https://t.me/b",
        user_id=7602,
        package_id=package.id,
    )
    await shop.stripe.pay(started.purchase.checkout_session_id or "")
    await ines.wait_for("Five est à vous : 5 cours à réserver")
    await ines.send("/mybookings")
    await ines.wait_for("Five : 5 cours restants sur 5")
    shop.clock.advance(days=31)
    parts = app.components
    assert await parts.jobs["credits"].run(parts.job_context) == 1
    await ines.wait_for("⌛ Five a expiré avec 5 cours non réservés.")
    await ines.send("/mybookings")
    listing = await ines.wait_for("Vous n'avez encore aucune réservation.")
    assert "Five" not in listing.text
    # Run again: nothing more is written off or said.
    assert await parts.jobs["credits"].run(parts.job_context) == 0
