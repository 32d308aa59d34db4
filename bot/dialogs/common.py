"""What the dialogs share: access to the injected world, and localized answers to bad input."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BaseDialogManager, BgManagerFactory, DialogManager
from aiogram_dialog.widgets.input import MessageInput

from bot.dialogs.widgets import typed_answer
from bot.replies import tell
from bot.texts.errors import error_text
from core.clock import Clock
from core.errors import DomainError
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from core.services import Services
from core.usecases.accounts import set_timezone


def pressed_chat_manager(query: CallbackQuery, factory: BgManagerFactory) -> BaseDialogManager:
    """A dialog manager for the chat of a button on a plain message (a notification), outside any dialog:
    the dialog it starts takes over that chat."""
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return factory.bg(bot=query.bot, user_id=query.from_user.id, chat_id=chat_id)  # type: ignore[arg-type]


def services_of(manager: DialogManager) -> Services:
    """The application's services, handed to the dispatcher once at the composition root."""
    services: Services = manager.middleware_data["services"]
    return services


def deps(manager: DialogManager) -> tuple[UnitOfWorkFactory, Clock]:
    services = services_of(manager)
    return services.uow_factory, services.clock


def rules_of(manager: DialogManager) -> BusinessRules:
    return services_of(manager).rules


def user_id_of(manager: DialogManager) -> int:
    user = manager.middleware_data["event_from_user"]
    return int(user.id)


async def report(event: Message | CallbackQuery, error: DomainError) -> None:
    """Tell the person what was wrong; the dialog stays where it was."""
    await tell(event, error_text(error))


Parsed = TypeVar("Parsed")
Event = Message | CallbackQuery


def parse_or_refuse(
    parse: Callable[[DialogManager, str], Parsed], then: Callable[[Event, DialogManager, Parsed], Awaitable[None]]
) -> Callable[[Event, DialogManager, str], Awaitable[None]]:
    """A step's answer, typed or picked: `parse` the text, then `then` with the value. A value `parse`
    refuses (a DomainError) is explained to the person and changes nothing; the step waits for another."""

    async def answer(event: Event, manager: DialogManager, text: str) -> None:
        try:
            value = parse(manager, text)
        except DomainError as error:
            await report(event, error)
            return
        await then(event, manager, value)

    return answer


def kept_text(clean: Callable[[str | None], str | None], key: str, then: State) -> MessageInput:
    """A free text (a note, a reason) that `clean` accepts, kept in `dialog_data[key]` ("" for none);
    then the dialog goes to `then`."""

    async def keep(event: Event, manager: DialogManager, text: str | None) -> None:
        manager.dialog_data[key] = text or ""
        await manager.switch_to(then)

    return typed_answer(parse_or_refuse(lambda _manager, text: clean(text), keep))


async def save_zone(event: Message | CallbackQuery, manager: DialogManager, zone: str) -> bool:
    """Store the person's time zone; False (and the reason told) if it was refused."""
    uow_factory, clock = deps(manager)
    try:
        await set_timezone(uow_factory(), clock, user_id=user_id_of(manager), zone=zone)
    except DomainError as error:
        await report(event, error)
        return False
    return True


def role_labels() -> dict[str, str]:
    return {"student": _("🎓 Student"), "tutor": _("🧑‍🏫 Tutor"), "both": _("🎓🧑‍🏫 Both")}
