"""/settings: language, time zone, role, and the tutor profile for tutors."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Row, Start, SwitchTo
from aiogram_dialog.widgets.text import Multi

from bot.dialogs.common import deps, report, role_labels, save_zone, user_id_of
from bot.dialogs.states import SettingsMenu, TutorProfileForm
from bot.dialogs.widgets import Tr, choice_buttons
from bot.dialogs.zone_picker import zone_windows
from core.errors import DomainError
from core.languages import SUPPORTED_LANGUAGES
from core.usecases.accounts import get_user, set_language, set_role
from core.usecases.tutor_profiles import get_profile_of_user
from l10n.formatting import fmt_zone

# Each language is named in itself: someone who cannot read the current one must still find theirs.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    user = await get_user(uow_factory(), user_id_of(dialog_manager))
    role = user.role if user else None
    return {
        "language_name": LANGUAGE_NAMES.get(user.language or "", "") if user else "",
        "zone": fmt_zone(user.timezone, clock.now()) if user and user.timezone else _("not set"),
        "role_name": role_labels()[role.value] if role else _("not set"),
        "teaches": bool(role and role.teaches),
        "languages": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LANGUAGES],
        "roles": list(role_labels().items()),
    }


async def _language_chosen(event: Message | CallbackQuery, manager: DialogManager, code: str) -> None:
    uow_factory, clock = deps(manager)
    try:
        await set_language(uow_factory(), clock, user_id=user_id_of(manager), language=code)
    except DomainError as error:
        await report(event, error)
        return
    # The rest of this update is answered in the new language already.
    get_i18n().current_locale = code
    await manager.switch_to(SettingsMenu.main)


async def _zone_chosen(event: Message | CallbackQuery, manager: DialogManager, zone: str) -> None:
    if await save_zone(event, manager, zone):
        await manager.switch_to(SettingsMenu.main)


async def _role_chosen(event: Message | CallbackQuery, manager: DialogManager, value: str) -> None:
    uow_factory, clock = deps(manager)
    user_id = user_id_of(manager)
    try:
        user = await set_role(uow_factory(), clock, user_id=user_id, role=value)
    except DomainError as error:
        await report(event, error)
        return
    if user.role and user.role.teaches and await get_profile_of_user(uow_factory(), user_id) is None:
        await manager.start(TutorProfileForm.name, mode=StartMode.NORMAL)
        return
    await manager.switch_to(SettingsMenu.main)


async def _close(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    if event.message is not None and isinstance(event.message, Message):
        await event.message.edit_text(_("Settings saved. Send /settings to change them again."))
    await manager.done()


async def _profile_done(start_data: Any, result: Any, manager: DialogManager) -> None:
    await manager.switch_to(SettingsMenu.main)


def build_settings_dialog() -> Dialog:
    return Dialog(
        Window(
            Multi(
                Tr("⚙️ Settings"),
                Tr("🌐 Language: {language_name}\n🕒 Time zone: {zone}\n👤 Role: {role_name}"),
                sep="\n\n",
            ),
            Row(
                SwitchTo(Tr("🌐 Language"), id="to_language", state=SettingsMenu.language),
                SwitchTo(Tr("🕒 Time zone"), id="to_zone", state=SettingsMenu.timezone),
            ),
            Row(SwitchTo(Tr("👤 Role"), id="to_role", state=SettingsMenu.role)),
            Start(Tr("🧑‍🏫 Tutor profile"), id="to_profile", state=TutorProfileForm.name, when="teaches"),
            Button(Tr("✅ Done"), id="close", on_click=_close),
            state=SettingsMenu.main,
            getter=_getter,
        ),
        Window(
            Tr("🌐 Choose your language:"),
            choice_buttons("language", "languages", _language_chosen, width=1),
            SwitchTo(Tr("◀️ Back"), id="back_lang", state=SettingsMenu.main),
            state=SettingsMenu.language,
            getter=_getter,
        ),
        *zone_windows(
            SettingsMenu.timezone,
            SettingsMenu.timezone_city,
            intro=Tr("🕒 Your time zone now: {zone}."),
            on_zone=_zone_chosen,
            extra_keyboard=SwitchTo(Tr("◀️ Back"), id="back_zone", state=SettingsMenu.main),
            getter=_getter,
        ),
        Window(
            Tr("👤 How do you use Tutorbot? Now: {role_name}."),
            choice_buttons("role", "roles", _role_chosen, width=1),
            SwitchTo(Tr("◀️ Back"), id="back_role", state=SettingsMenu.main),
            state=SettingsMenu.role,
            getter=_getter,
        ),
        on_process_result=_profile_done,
    )
