"""A tutor cancels a session: an optional reason, a confirmation that says who is refunded, done."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Row, SwitchTo
from aiogram_dialog.widgets.text import Format

from bot.dialogs.common import deps, kept_text, rules_of, services_of, user_id_of
from bot.dialogs.states import CancelSession
from bot.dialogs.widgets import Tr
from bot.texts.errors import error_text
from core.bookings import clean_cancel_reason
from core.errors import DomainError
from core.usecases.cancellations import cancel_session, preview_session_cancellation
from l10n.formatting import fmt_datetime, fmt_money


def _session_id(manager: DialogManager) -> int:
    data = manager.start_data if isinstance(manager.start_data, dict) else {}
    return int(data["session_id"])


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    locale = get_i18n().current_locale
    try:
        preview = await preview_session_cancellation(
            uow_factory(),
            clock,
            rules_of(dialog_manager),
            user_id=user_id_of(dialog_manager),
            session_id=_session_id(dialog_manager),
        )
    except DomainError as error:
        return {
            "when": "",
            "plan": error_text(error),
            "possible": False,
            "reason": "",
            "result": dialog_manager.dialog_data.get("result", ""),
        }
    paid = [amount for _participant, amount in preview.participants if amount]
    people = len(preview.participants)
    plan = ngettext(
        "{n} participant will be told, with your reason.",
        "{n} participants will be told, with your reason.",
        people,
    ).format(n=people)
    if paid:
        plan += "\n" + ngettext(
            "{n} payment is refunded in full ({total}).",
            "{n} payments are refunded in full ({total} in all).",
            len(paid),
        ).format(n=len(paid), total=fmt_money(sum(paid), preview.currency, locale))
    return {
        "when": fmt_datetime(preview.slot.starts_at, preview.slot.timezone, locale),
        "plan": plan,
        "possible": True,
        "reason": dialog_manager.dialog_data.get("reason") or _("no reason given"),
        "result": dialog_manager.dialog_data.get("result", ""),
    }


async def _confirmed(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    gateway = services_of(manager).gateway
    try:
        result = await cancel_session(
            uow_factory,
            clock,
            rules_of(manager),
            gateway,
            user_id=user_id_of(manager),
            session_id=_session_id(manager),
            reason=manager.dialog_data.get("reason"),
        )
    except DomainError as error:
        if isinstance(event.message, Message):
            await event.message.answer(error_text(error))
        manager.show_mode = ShowMode.SEND
        await manager.done()
        return
    count = len(result.participants)
    manager.dialog_data["result"] = ngettext(
        "✅ The session is cancelled; {n} participant is refunded and told.",
        "✅ The session is cancelled; {n} participants are refunded and told.",
        count,
    ).format(n=count)
    await manager.switch_to(CancelSession.done)


def build_cancel_session_dialog() -> Dialog:
    return Dialog(
        Window(
            Tr("✖️ Cancel the session of {when}?", when="possible"),
            Format("{plan}", when=lambda data, widget, manager: not data.get("possible")),
            Tr("Type the reason the participants will read, or skip it.", when="possible"),
            kept_text(clean_cancel_reason, "reason", CancelSession.confirm),
            SwitchTo(Tr("⏭ No reason"), id="skip_reason", state=CancelSession.confirm, when="possible"),
            Cancel(Tr("◀️ Keep the session"), id="keep"),
            state=CancelSession.reason,
            getter=_getter,
        ),
        Window(
            Tr("✖️ Cancel the session of {when}?\n\nReason: {reason}\n\n{plan}"),
            Row(
                Button(Tr("✅ Cancel and refund"), id="confirm_cancel", on_click=_confirmed, when="possible"),
                Cancel(Tr("◀️ Keep the session"), id="keep_confirm"),
            ),
            state=CancelSession.confirm,
            getter=_getter,
        ),
        Window(
            Format("{result}"),
            Cancel(Tr("👍 OK"), id="cancelled_ok"),
            state=CancelSession.done,
            getter=_getter,
        ),
    )
