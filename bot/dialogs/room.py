"""A session's room: the 1-to-1 chat (everything typed in chat mode goes to the other side), its
history, and the room's files (share, download, delete). A 1-to-1 room is one participation's: the
dialog stays on the participation it opened with, and the tutor can read earlier students' rooms."""

from typing import Any

from aiogram.types import CallbackQuery, ContentType, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import Dialog, DialogManager, ShowMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, Row, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.button_values import record_id
from bot.dialogs.common import deps, report, user_id_of
from bot.dialogs.states import Room
from bot.dialogs.widgets import Tr, pick
from bot.telegram_limits import shorten
from bot.texts.bookings import status_word
from bot.texts.errors import error_text
from bot.uploads import upload_of
from core.entities import ChatMessage
from core.errors import DomainError
from core.text import text_length
from core.usecases.room import (
    delete_file,
    get_file,
    open_room,
    room_overview,
    send_chat_message,
    share_file,
)
from l10n.formatting import fmt_datetime, fmt_time


def _start(manager: DialogManager) -> dict[str, Any]:
    return manager.start_data if isinstance(manager.start_data, dict) else {}


def _session_id(manager: DialogManager) -> int:
    return int(_start(manager)["session_id"])


def _participant_id(manager: DialogManager) -> int | None:
    """The participation shown: one the tutor picked among earlier students, else the one the room
    opened with (pinned at the start, so a cancellation meanwhile does not swap the student)."""
    chosen = (
        manager.dialog_data.get("participant_id")
        or manager.dialog_data.get("pinned")
        or _start(manager).get("participant_id")
    )
    return int(chosen) if chosen else None


def _where(manager: DialogManager) -> dict[str, Any]:
    return {
        "user_id": user_id_of(manager),
        "session_id": _session_id(manager),
        "participant_id": _participant_id(manager),
    }


# A screen holds 4,096 characters and 100 buttons: the history shows a page of whole messages that fit
# (older ones a button away), and the file list the latest files.
HISTORY_PAGE_BUDGET = 3900
FILES_SHOWN = 40


def _history_page(history: list[tuple[ChatMessage, str]], zone: str, locale: str) -> tuple[str, int | None]:
    """The newest messages of `history` that fit one screen, and the id of the oldest one shown."""
    lines: list[str] = []
    used = 0
    oldest: int | None = None
    for message, name in reversed(history):
        line = f"[{fmt_time(message.created_at, zone, locale)}] {name}: {message.content}"
        # The core keeps a message shorter than a page, so the newest one always fits whole.
        if lines and used + text_length(line) + 1 > HISTORY_PAGE_BUDGET:
            break
        lines.append(shorten(line, HISTORY_PAGE_BUDGET))
        used += text_length(line) + 1
        oldest = message.id
    return "\n".join(reversed(lines)) or _("No message yet."), oldest


def _history_cursor(manager: DialogManager) -> int | None:
    pages: list[int] = manager.dialog_data.get("history_pages") or []
    return pages[-1] if pages and manager.current_context().state == Room.history else None


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    locale = get_i18n().current_locale
    overview = await room_overview(
        uow_factory(), **_where(dialog_manager), history_before=_history_cursor(dialog_manager)
    )
    room, earlier = overview.room, overview.earlier
    files = overview.files[-FILES_SHOWN:]
    zone = room.me.timezone or room.slot.timezone
    history, oldest = _history_page(overview.history, zone, locale)
    dialog_manager.dialog_data["history_oldest"] = oldest
    shown_all = oldest is None or overview.history[0][0].id == oldest
    student = room.others[0].first_name if room.is_tutor and room.others and not room.group else ""
    return {
        "title": _("Session with {tutor}").format(tutor=room.tutor.display_name),
        "when": fmt_datetime(room.slot.starts_at, zone, locale),
        "others": ", ".join(u.first_name for u in room.others) or "—",
        "chat": not room.group and room.chat_open,
        "one_to_one": not room.group,
        "group_note": room.group,
        "read_only": room.read_only,
        "student": student,
        "status": status_word(room.participation.status) if room.participation else "",
        "may_upload": room.may_upload,
        "file_count": len(overview.files),
        "files": [(str(f.id), f"📄 {f.file_name}") for f in files],
        "deletable": [(str(f.id), f"🗑 {f.file_name}") for f in files if room.may_delete(f)],
        "history": history,
        "history_older": oldest is not None and (overview.history_has_older or not shown_all),
        "history_newer": bool(dialog_manager.dialog_data.get("history_pages")),
        "earlier": [
            (str(e.participation.id), f"📜 {e.student.first_name} · {status_word(e.participation.status)}")
            for e in earlier[:FILES_SHOWN]
        ],
        "has_earlier": bool(earlier) and not room.read_only,
        "earlier_count": len(earlier),
        "viewing_earlier": room.read_only and bool(dialog_manager.dialog_data.get("participant_id")),
        "last": dialog_manager.dialog_data.get("last", ""),
    }


async def _use_the_buttons(message: Message, widget: Any, manager: DialogManager) -> None:
    await message.answer(_("Use the buttons of the room: 💬 Chat to write, 📎 Files to share a file."))


def _room_inputs() -> list[MessageInput]:
    """A file sent on the room's screens is shared (or refused with the reason, e.g. a group student's);
    anything else gets a pointer to the buttons, never silence."""
    return [
        MessageInput(_uploaded, content_types=[ContentType.DOCUMENT, ContentType.PHOTO]),
        MessageInput(_use_the_buttons),
    ]


async def _newest(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["history_pages"] = []


async def _older(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    oldest = manager.dialog_data.get("history_oldest")
    if oldest:
        manager.dialog_data["history_pages"] = [*(manager.dialog_data.get("history_pages") or []), int(oldest)]


async def _newer(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["history_pages"] = (manager.dialog_data.get("history_pages") or [])[:-1]


async def _chat_typed(message: Message, widget: Any, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    try:
        await send_chat_message(uow_factory(), clock, text=message.text or "", **_where(manager))
    except DomainError as error:
        await report(message, error)
        return
    manager.dialog_data["last"] = _("✓ Sent.")


async def _not_text(message: Message, widget: Any, manager: DialogManager) -> None:
    await message.answer(_("Only text goes through the chat; share files with 📎 Files."))


async def _download(event: CallbackQuery, widget: Any, manager: DialogManager, file_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        shared = await get_file(uow_factory(), file_id=int(file_id), **_where(manager))
    except DomainError as error:
        await report(event, error)
        return
    if isinstance(event.message, Message):
        await event.message.answer_document(shared.telegram_file_id, caption=shared.file_name)
    manager.show_mode = ShowMode.SEND


async def _delete(event: CallbackQuery, widget: Any, manager: DialogManager, file_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        shared = await delete_file(uow_factory(), file_id=int(file_id), **_where(manager))
    except DomainError as error:
        await report(event, error)
        return
    await event.answer(_("🗑 {name} is deleted.").format(name=shared.file_name))


async def _uploaded(message: Message, widget: Any, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    upload = upload_of(message)
    if upload is None:
        await message.answer(_("Send the file as a document, or a photo."))
        return
    try:
        shared = await share_file(uow_factory(), clock, upload=upload, **_where(manager))
    except DomainError as error:
        await message.answer(error_text(error))
        return
    await message.answer(_("📎 {name} is shared with the session.").format(name=shared.file_name))
    await manager.switch_to(Room.files)


async def _earlier_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, participant_id: str) -> None:
    uow_factory, _clock = deps(manager)
    try:
        number = int(participant_id)
        await open_room(
            uow_factory(), user_id=user_id_of(manager), session_id=_session_id(manager), participant_id=number
        )
    except DomainError as error:
        await report(event, error)
        return
    manager.dialog_data["participant_id"] = number
    await manager.switch_to(Room.main)


async def _back_to_current(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data.pop("participant_id", None)


async def _on_start(start_data: Any, manager: DialogManager) -> None:
    uow_factory, _clock = deps(manager)
    # Checked before anything is shown: someone else's session does not open.
    room = await open_room(uow_factory(), **_where(manager))
    if room.participant_id is not None:
        manager.dialog_data["pinned"] = room.participant_id


def build_room_dialog() -> Dialog:
    return Dialog(
        Window(
            Multi(
                Format("📂 {title}"),
                Format("🗓 {when}"),
                Tr("With: {others}"),
                Tr("Group sessions have no chat; the tutor shares files here.", when="group_note"),
                Tr(
                    "📜 {student}'s booking is over ({status}): you can read this room, nothing new goes in.",
                    when="read_only",
                ),
                sep="\n",
            ),
            SwitchTo(Tr("💬 Chat"), id="to_chat", state=Room.chat, when="chat"),
            SwitchTo(Tr("📜 Chat history"), id="to_history", state=Room.history, when="one_to_one", on_click=_newest),
            SwitchTo(Tr("📎 Files ({file_count})"), id="to_files", state=Room.files),
            SwitchTo(
                Tr("🗂 Earlier students ({earlier_count})"), id="to_earlier", state=Room.earlier, when="has_earlier"
            ),
            Button(Tr("◀️ Current student"), id="to_current", on_click=_back_to_current, when="viewing_earlier"),
            Cancel(Tr("✖️ Close"), id="close_room"),
            *_room_inputs(),
            state=Room.main,
            getter=_getter,
        ),
        Window(
            Tr("🗂 Students who booked this session before and left: their rooms, read-only."),
            Column(pick("earlier", "earlier", _earlier_chosen, parse=record_id)),
            SwitchTo(Tr("◀️ Back"), id="earlier_back", state=Room.main),
            state=Room.earlier,
            getter=_getter,
        ),
        Window(
            Multi(
                Tr("💬 Chat with {others}: everything you type here is sent to them."),
                Format("{last}"),
                sep="\n\n",
            ),
            MessageInput(_chat_typed, content_types=ContentType.TEXT),
            MessageInput(_not_text),
            Row(
                SwitchTo(Tr("📜 History"), id="chat_history", state=Room.history, on_click=_newest),
                SwitchTo(Tr("◀️ Leave the chat"), id="chat_leave", state=Room.main),
            ),
            state=Room.chat,
            getter=_getter,
        ),
        Window(
            Multi(Tr("📜 Chat history"), Format("{history}"), sep="\n\n"),
            Row(
                Button(Tr("◀️ Older"), id="history_older", on_click=_older, when="history_older"),
                Button(Tr("Newer ▶️"), id="history_newer", on_click=_newer, when="history_newer"),
            ),
            SwitchTo(Tr("💬 Chat"), id="history_chat", state=Room.chat, when="chat"),
            SwitchTo(Tr("◀️ Back"), id="history_back", state=Room.main),
            state=Room.history,
            getter=_getter,
        ),
        Window(
            Tr("📎 Files: tap one to get it."),
            Column(pick("file", "files", _download, parse=record_id)),
            Column(pick("delete_file", "deletable", _delete, parse=record_id)),
            SwitchTo(Tr("⬆️ Share a file"), id="to_upload", state=Room.upload, when="may_upload"),
            SwitchTo(Tr("◀️ Back"), id="files_back", state=Room.main),
            *_room_inputs(),
            state=Room.files,
            getter=_getter,
        ),
        Window(
            Tr("⬆️ Send the file (PDF, slides, documents, images; up to 20 MB)."),
            MessageInput(_uploaded, content_types=[ContentType.DOCUMENT, ContentType.PHOTO]),
            MessageInput(_not_text),
            SwitchTo(Tr("◀️ Back"), id="upload_back", state=Room.files),
            state=Room.upload,
        ),
        on_start=_on_start,
    )
