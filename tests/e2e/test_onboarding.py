"""A person's first minutes with the bot, as they meet it in Telegram."""

from app.wiring import TutorBot
from core.enums import Role
from core.usecases.accounts import get_user
from testkit import FakeTelegram, Typed
from testkit.people import add_tutor_profile


async def stored_user(app: TutorBot, user_id: int):  # type: ignore[no-untyped-def]
    return await get_user(app.components.services.uow_factory(), user_id)


async def test_a_student_picks_a_zone_by_region_and_city(app: TutorBot, telegram: FakeTelegram) -> None:
    ann = telegram.user(1001, "Ann", language_code="en")
    await ann.send("/start")
    welcome = await ann.wait_for("Welcome to Tutorbot, Ann")
    assert "Europe" in welcome.button_labels and "📍 Share my location" in welcome.button_labels
    await ann.walk(
        ("Europe", "pick the city"),
        ("Paris", "Your time zone: Europe/Paris"),
        ("🎓 I want to learn", "You're all set, Ann"),
    )
    user = await stored_user(app, 1001)
    assert user is not None
    assert (user.timezone, user.role, user.language) == ("Europe/Paris", Role.STUDENT, "en")


async def test_a_typed_zone_name_is_accepted_in_any_case_and_garbage_is_explained(
    app: TutorBot, telegram: FakeTelegram
) -> None:
    bob = telegram.user(1002, "Bob")
    await bob.walk(
        ("/start", "Welcome"),
        (Typed("Mars/Olympus_Mons"), "I don't know the time zone “Mars/Olympus_Mons”"),
    )
    user = await stored_user(app, 1002)
    assert user is not None and user.timezone is None
    await bob.send("america/new york")
    await bob.wait_for("Your time zone: America/New_York")


async def test_a_shared_location_gives_the_zone(app: TutorBot, telegram: FakeTelegram) -> None:
    chloe = telegram.user(1003, "Chloé")
    await chloe.walk(
        ("/start", "Welcome"),
        ("📍 Share my location", "Tap the button below"),
    )
    assert chloe.reply_keyboard_buttons == [["📍 Send my location"]]
    await chloe.tap("📍 Send my location", location=(-31.55, 159.08))  # Lord Howe Island
    await chloe.wait_for("Found it: Australia/Lord_Howe")
    await chloe.wait_for("Your time zone: Australia/Lord_Howe")
    assert chloe.reply_keyboard is None
    # The open sea has no zone: a clear answer, nothing saved.
    dan = telegram.user(1004, "Dan")
    await dan.send("/start")
    await dan.wait_for("Welcome")
    await dan.share_location(0.0, -30.0)
    await dan.wait_for("I couldn't find a time zone for that place")
    user = await stored_user(app, 1004)
    assert user is not None and user.timezone is None


async def test_french_speakers_are_greeted_in_french(app: TutorBot, telegram: FakeTelegram) -> None:
    zoe = telegram.user(1005, "Zoé", language_code="fr")
    await zoe.send("/start")
    welcome = await zoe.wait_for("Bienvenue")
    assert "Europe" in welcome.button_labels
    await zoe.send("n'importe quoi")
    await zoe.wait_for("Je ne connais pas le fuseau horaire")


async def test_start_resumes_at_the_first_missing_step(app: TutorBot, telegram: FakeTelegram) -> None:
    eve = telegram.user(1006, "Eve")
    await eve.walk(
        ("/start", "Welcome"),
        (Typed("Asia/Kolkata"), "How will you use Tutorbot?"),
    )
    await eve.send("/start")
    resumed = await eve.wait_for("How will you use Tutorbot?", new_only=True)
    assert "🎓 I want to learn" in resumed.button_labels
    await eve.walk(
        ("🎓🧑‍🏫 Both", "Your tutor profile: step 1"),
        ("/start", "Your tutor profile: step 1"),
    )


async def test_unknown_text_and_commands_get_a_helpful_answer(app: TutorBot, telegram: FakeTelegram) -> None:
    fay = telegram.user(1007, "Fay")
    await fay.walk(
        (Typed("hello?"), "Sorry, I didn't understand that"),
        ("/settings", "send /start first"),
        ("/frobnicate", "Sorry, I didn't understand that"),
        ("/help", "Send /start"),
    )


async def test_command_menus_are_registered_per_language(app: TutorBot, telegram: FakeTelegram) -> None:
    calls = telegram.calls("setMyCommands", ok=True)
    languages = {call.params.get("language_code") for call in calls}
    assert languages == {None, "en", "fr"}
    french = next(call for call in calls if call.params.get("language_code") == "fr")
    commands = [c["command"] for c in french.params["commands"]]
    assert commands == [
        "start",
        "help",
        "book",
        "mybookings",
        "availability",
        "sessions",
        "packages",
        "courses",
        "family",
        "history",
        "reviews",
        "settings",
    ]
    assert "Langue" in french.params["commands"][-1]["description"]


async def test_a_tutor_link_opens_the_tutor_page_after_onboarding(app: TutorBot, telegram: FakeTelegram) -> None:
    tutor = telegram.user(1010, "Tess")
    await tutor.send("/start")
    await tutor.wait_for("Welcome")
    services = app.components.services
    profile_id = await add_tutor_profile(
        services.uow_factory,
        services.clock,
        services.rules,
        1010,
        rate=2500,
        zone="Europe/London",
        display_name="Tess Tutor",
        currency="GBP",
        buffer_minutes=15,
    )
    link = f"tutor_{profile_id}"

    sam = telegram.user(1011, "Sam", language_code="fr")
    await sam.send_start(link)
    await sam.wait_for("Bienvenue")
    await sam.send("Europe/Paris")
    await sam.wait_for("Comment allez-vous utiliser Tutorbot")
    await sam.press("🎓 Je veux apprendre")
    page = await sam.wait_for("Tess Tutor")
    # The tutor's booking calendar, in the reader's locale and zone.
    assert "Maths" in page.text and "25,00\xa0£GB" in page.text and "Europe/Paris" in page.text

    await sam.send_start(link)
    again = await sam.wait_for("Tess Tutor", new_only=True)
    assert "Europe/Paris" in again.text
    await sam.send_start("tutor_999999")
    await sam.wait_for("Ce tuteur n'existe pas", new_only=True)
