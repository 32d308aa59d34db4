"""First contact: the time zone, then the role. Each answer is saved at once, so /start later resumes
at the first missing step."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Column, Row, SwitchTo
from aiogram_dialog.widgets.text import Multi

from bot.deeplinks import CoursePage, FamilyInvite, TutorPage, parse_start_payload
from bot.dialogs.common import deps, report, save_zone, services_of, user_id_of
from bot.dialogs.states import Onboarding, TutorProfileForm
from bot.dialogs.widgets import Tr
from bot.dialogs.zone_picker import zone_windows
from bot.handlers.family import open_family_invite
from bot.handlers.tutor_page import open_course_page, open_tutor_page
from core.enums import Role
from core.errors import DomainError
from core.usecases.accounts import get_user, set_role
from l10n.formatting import fmt_zone


async def _names(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    user = await get_user(uow_factory(), user_id_of(dialog_manager))
    zone = user.timezone if user and user.timezone else None
    return {
        "first_name": user.first_name if user else "",
        "zone": fmt_zone(zone, clock.now()) if zone else "",
    }


async def _zone_chosen(event: Message | CallbackQuery, manager: DialogManager, zone: str) -> None:
    if await save_zone(event, manager, zone):
        await manager.switch_to(Onboarding.role)


async def _role_chosen(event: CallbackQuery, button: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    role = Role(str(button.widget_id).removeprefix("role_"))
    try:
        await set_role(uow_factory(), clock, user_id=user_id_of(manager), role=role)
    except DomainError as error:
        await report(event, error)
        return
    if role.teaches:
        await manager.start(TutorProfileForm.name, data=manager.start_data, mode=StartMode.RESET_STACK)
        return
    # Someone who came through a tutor's link lands on that tutor's booking page once set up.
    link = parse_start_payload(_start_value(manager, "deep_link"))
    if isinstance(link, TutorPage) and isinstance(event.message, Message):
        await open_tutor_page(event.message, link, manager, services_of(manager))
        return
    if isinstance(link, CoursePage | FamilyInvite) and isinstance(event.message, Message):
        await manager.switch_to(Onboarding.done)
        if isinstance(link, CoursePage):
            await open_course_page(event.message, link, services_of(manager))
        else:
            await open_family_invite(event.message, link, services_of(manager))
        return
    await manager.switch_to(Onboarding.done)


def _start_value(manager: DialogManager, key: str) -> str | None:
    data = manager.start_data
    value = data.get(key) if isinstance(data, dict) else None
    return str(value) if value is not None else None


def build_onboarding_dialog() -> Dialog:
    return Dialog(
        *zone_windows(
            Onboarding.timezone,
            Onboarding.timezone_city,
            intro=Multi(
                Tr("👋 Welcome to Tutorbot, {first_name}!"),
                Tr("Here tutors share their free times and students book and pay for live lessons."),
                Tr("First, your time zone: every lesson time I show you will be in it."),
                sep="\n\n",
            ),
            on_zone=_zone_chosen,
            getter=_names,
        ),
        Window(
            Multi(
                Tr("🕒 Your time zone: {zone}."),
                Tr("How will you use Tutorbot?"),
                sep="\n\n",
            ),
            Column(
                Button(Tr("🎓 I want to learn"), id="role_student", on_click=_role_chosen),
                Button(Tr("🧑‍🏫 I teach"), id="role_tutor", on_click=_role_chosen),
                Button(Tr("🎓🧑‍🏫 Both"), id="role_both", on_click=_role_chosen),
            ),
            Row(SwitchTo(Tr("🕒 Change time zone"), id="back_zone", state=Onboarding.timezone)),
            state=Onboarding.role,
            getter=_names,
        ),
        Window(
            Multi(
                Tr("✅ You're all set, {first_name}!"),
                Tr("Send /help to see what you can do, and /settings to change your language, time zone or role."),
                sep="\n\n",
            ),
            state=Onboarding.done,
            getter=_names,
        ),
    )
