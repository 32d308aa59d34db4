"""/settings: language, time zone and role; stale buttons after a restart."""

from pathlib import Path

from bot.app import TutorBot
from core.enums import Role
from core.usecases.accounts import get_user
from tests.e2e.conftest import AppFactory
from tests.fakes import FakeTelegram, FakeUser


async def onboard_student(user: FakeUser, zone: str = "Europe/London") -> None:
    await user.send("/start")
    await user.wait_for("Welcome")
    await user.send(zone)
    await user.wait_for("How will you use Tutorbot?")
    await user.press("🎓 I want to learn")
    await user.wait_for("You're all set")


async def test_language_zone_and_role_change_from_settings(app: TutorBot, telegram: FakeTelegram) -> None:
    ann = telegram.user(3001, "Ann")
    await onboard_student(ann)
    await ann.send("/settings")
    menu = await ann.wait_for("Settings")
    assert "Language: English" in menu.text and "Europe/London" in menu.text and "Role: 🎓 Student" in menu.text
    assert "🧑‍🏫 Tutor profile" not in menu.button_labels

    await ann.press("🕒 Time zone")
    await ann.wait_for("Your time zone now")
    await ann.press("Asia")
    await ann.wait_for("pick the city")
    await ann.press("Kolkata")
    menu = await ann.wait_for("Asia/Kolkata (UTC+5:30)")

    await ann.press("🌐 Language")
    await ann.wait_for("Choose your language")
    await ann.press("Français")
    menu = await ann.wait_for("Paramètres")
    assert "Langue : Français" in menu.text or "Langue: Français" in menu.text
    user = await get_user(app.components.uow_factory(), 3001)
    assert user is not None and (user.language, user.timezone) == ("fr", "Asia/Kolkata")
    # Everything after is in French, whatever the Telegram app's language.
    await ann.send("/help")
    await ann.wait_for("Voici ce que je peux faire")

    await ann.send("/settings")
    await ann.wait_for("Paramètres", new_only=True)
    await ann.press("👤 Rôle")
    await ann.press("🎓🧑‍🏫 Les deux")
    await ann.wait_for("votre profil de tuteur", new_only=False)
    user = await get_user(app.components.uow_factory(), 3001)
    assert user is not None and user.role is Role.BOTH


async def test_a_button_from_before_a_restart_is_refused_clearly(
    app_factory: AppFactory, telegram: FakeTelegram, tmp_path: Path
) -> None:
    database = tmp_path / "restart.db"
    bob = telegram.user(3002, "Bob")
    async with app_factory(database=database):
        await bob.send("/start")
        welcome = await bob.wait_for("Welcome")
    async with app_factory(database=database) as app:
        await bob.press("Europe", message=welcome)
        answer = await bob.wait_for_callback_answer()
        assert answer.text == "This menu has expired. Send /start to begin again."
        user = await get_user(app.components.uow_factory(), 3002)
        assert user is not None and user.timezone is None
        # /start picks up from what was saved.
        await bob.send("/start")
        await bob.wait_for("Welcome", new_only=True)


async def test_a_button_with_unknown_data_is_refused(app: TutorBot, telegram: FakeTelegram) -> None:
    from tests.e2e.helpers import forge_press

    eve = telegram.user(3003, "Eve")
    answer = await forge_press(telegram, eve, "review:not-a-number:1")
    assert answer.text == "This button is no longer active. Send /start to begin again."
