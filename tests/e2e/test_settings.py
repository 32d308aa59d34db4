"""/settings: language, time zone and role; stale buttons after a restart."""

from pathlib import Path

from app.wiring import TutorBot
from core.enums import Role
from core.usecases.accounts import get_user
from core.usecases.tutor_profiles import get_profile_of_user
from testkit import FakeTelegram, Typed
from tests.e2e.conftest import AppFactory
from tests.e2e.shop import finish_profile_in_euros, onboard_student


async def test_language_zone_and_role_change_from_settings(app: TutorBot, telegram: FakeTelegram) -> None:
    ann = telegram.user(3001, "Ann")
    await onboard_student(ann)
    await ann.send("/settings")
    menu = await ann.wait_for("Settings")
    assert "Language: English" in menu.text and "Europe/London" in menu.text and "Role: 🎓 Student" in menu.text
    assert "🧑‍🏫 Tutor profile" not in menu.button_labels

    await ann.walk(
        ("🕒 Time zone", "Your time zone now"),
        ("Asia", "pick the city"),
    )
    await ann.press("Kolkata")
    menu = await ann.wait_for("Asia/Kolkata (UTC+5:30)")

    await ann.press("🌐 Language")
    await ann.wait_for("Choose your language")
    await ann.press("Français")
    menu = await ann.wait_for("Paramètres")
    assert "Langue : Français" in menu.text or "Langue: Français" in menu.text
    user = await get_user(app.components.services.uow_factory(), 3001)
    assert user is not None and (user.language, user.timezone) == ("fr", "Asia/Kolkata")
    # Everything after is in French, whatever the Telegram app's language.
    await ann.send("/help")
    await ann.wait_for("Voici ce que je peux faire")

    await ann.walk(
        ("/settings", "Paramètres"),
        ("👤 Rôle", "Comment utilisez-vous Tutorbot"),
        ("🎓🧑‍🏫 Les deux", "Votre profil de tuteur : étape 1"),
    )
    user = await get_user(app.components.services.uow_factory(), 3001)
    assert user is not None and user.role is Role.BOTH


async def test_a_restart_in_the_middle_of_a_dialog_resumes_it(
    app_factory: AppFactory, telegram: FakeTelegram, tmp_path: Path
) -> None:
    database = tmp_path / "restart.db"
    tia = telegram.user(3002, "Tia")
    async with app_factory(database=database):
        await tia.walk(
            ("/start", "Welcome"),
            (Typed("Europe/Rome"), "How will you use Tutorbot?"),
            ("🧑‍🏫 I teach", "step 1 of"),
            (Typed("Tia Rossi"), "which subjects do you teach?"),
        )
    async with app_factory(database=database) as app:
        # The dialog goes on where it was, with the answers given before the restart.
        await tia.walk(
            (Typed("Latin, Greek"), "in which currency"),
        )
        summary = await finish_profile_in_euros(tia, "30", "15 min", "Any time")
        assert "Name: Tia Rossi" in summary.text and "Subjects: Latin, Greek" in summary.text
        assert "Europe/Rome" in summary.text
        await tia.press("✅ Save")
        await tia.wait_for("Your tutor profile is saved")
        profile = await get_profile_of_user(app.components.services.uow_factory(), 3002)
        assert profile is not None and profile.display_name == "Tia Rossi"


async def test_a_button_of_a_finished_dialog_is_refused_clearly(app: TutorBot, telegram: FakeTelegram) -> None:
    bob = telegram.user(3004, "Bob")
    await bob.send("/start")
    welcome = await bob.wait_for("Welcome")
    await bob.walk(
        (Typed("Europe/Oslo"), "How will you use Tutorbot?"),
        ("🎓 I want to learn", "You're all set"),
    )
    # The region buttons of the first screen, replayed from the message as it was first sent.
    from tests.e2e.helpers import forge_press

    answer = await forge_press(telegram, bob, welcome.button("Europe")["callback_data"])
    assert answer.text == "This button is no longer active. Send /start to begin again."
    user = await get_user(app.components.services.uow_factory(), 3004)
    assert user is not None and user.timezone == "Europe/Oslo"


async def test_a_button_with_unknown_data_is_refused(app: TutorBot, telegram: FakeTelegram) -> None:
    from tests.e2e.helpers import forge_press

    eve = telegram.user(3003, "Eve")
    answer = await forge_press(telegram, eve, "review:not-a-number:1")
    assert answer.text == "This button is no longer active. Send /start to begin again."
