"""/family for a parent: their children, an invite link for a child with Telegram (who accepts it), a
child without Telegram added by name, and removing a link. Typed names are checked by the core."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Cancel, Column, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.button_values import record_id
from bot.deeplinks import FamilyInvite, deep_link_url
from bot.dialogs.common import deps, parse_or_refuse, report, user_id_of
from bot.dialogs.states import Family
from bot.dialogs.widgets import Tr, pick, typed_answer
from core.enums import FamilyLinkStatus
from core.errors import DomainError
from core.families import clean_child_name, is_managed
from core.usecases.families import Child, add_managed_child, invite_child, my_children, remove_child


def _child_line(child: Child) -> str:
    if child.link.status is FamilyLinkStatus.INVITED:
        state = _("invited, has not accepted yet")
    elif child.user is not None and is_managed(child.user.id):
        state = _("without Telegram: you get every message")
    else:
        state = _("linked: you both get the messages")
    return f"👤 {child.name} · {state}"


async def _main_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    children = await my_children(uow_factory(), parent_id=user_id_of(dialog_manager))
    return {
        "lines": "\n".join(_child_line(c) for c in children) or _("No children linked yet."),
        "removable": [(str(c.link.id), c.name) for c in children],
    }


async def _removed(event: CallbackQuery, widget: Any, manager: DialogManager, link_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        await remove_child(uow_factory(), parent_id=user_id_of(manager), link_id=int(link_id))
    except DomainError as error:
        await report(event, error)
        return
    await event.answer(_("Removed. The bookings already made stay."))


async def _invite(event: Message | CallbackQuery, manager: DialogManager, name: str) -> None:
    uow_factory, clock = deps(manager)
    try:
        link = await invite_child(uow_factory(), clock, parent_id=user_id_of(manager), name=name)
    except DomainError as error:
        await report(event, error)
        return
    assert link.invite_token is not None
    username = manager.middleware_data.get("bot_username") or ""
    manager.dialog_data.update(name=link.child_name, link=deep_link_url(username, FamilyInvite(link.invite_token)))
    await manager.switch_to(Family.invited)


async def _add_managed(event: Message | CallbackQuery, manager: DialogManager, name: str) -> None:
    uow_factory, clock = deps(manager)
    try:
        await add_managed_child(uow_factory(), clock, parent_id=user_id_of(manager), name=name)
    except DomainError as error:
        await report(event, error)
        return
    await manager.switch_to(Family.main)


async def _invited_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"name": dialog_manager.dialog_data.get("name", ""), "link": dialog_manager.dialog_data.get("link", "")}


def build_family_dialog() -> Dialog:
    back = SwitchTo(Tr("◀️ Back"), id="family_back", state=Family.main)
    return Dialog(
        Window(
            Tr("👪 Your family. You can book and pay for your children's lessons, and get their messages."),
            Format("\n{lines}"),
            SwitchTo(Tr("➕ Invite a child who has Telegram"), id="to_invite", state=Family.invite_name),
            SwitchTo(Tr("➕ Add a child without Telegram"), id="to_managed", state=Family.managed_name),
            Column(pick("remove", "removable", _removed, parse=record_id, label="✖️ {item[1]}")),
            Cancel(Tr("Done")),
            state=Family.main,
            getter=_main_getter,
        ),
        Window(
            Tr("✍️ Your child's first name, as you call them?"),
            typed_answer(parse_or_refuse(lambda _m, text: clean_child_name(text), _invite)),
            back,
            state=Family.invite_name,
        ),
        Window(
            Tr("✍️ Your child's first name? You will book for them and get every message about their lessons."),
            typed_answer(parse_or_refuse(lambda _m, text: clean_child_name(text), _add_managed)),
            back,
            state=Family.managed_name,
        ),
        Window(
            Tr(
                "📨 Send this link to {name}. Once they open it in Telegram and accept, you can book for them:"
                "\n\n{link}"
            ),
            back,
            state=Family.invited,
            getter=_invited_getter,
        ),
    )
