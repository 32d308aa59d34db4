"""The tutor's notes after a lesson, per student: what was covered, optional homework with a due date,
files, then a preview and "Save and send". Core checks every value again when saving, and sends the
recap in the same transaction."""

from dataclasses import asdict, replace
from datetime import date
from typing import Any

from aiogram.types import CallbackQuery, ContentType, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BaseDialogManager, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, Group, SwitchTo
from aiogram_dialog.widgets.text import Format
from babel.dates import format_date

from bot.button_values import calendar_day, record_id
from bot.dialogs.common import deps, parse_or_refuse, report, user_id_of
from bot.dialogs.states import SessionNotes
from bot.dialogs.widgets import Tr, TrN, pick, typed_answer
from bot.telegram_limits import shorten
from bot.texts.errors import error_text
from bot.uploads import upload_of
from core.errors import DomainError, ValidationError
from core.files import check_file
from core.session_notes import MAX_NOTE_FILES, clean_homework, clean_notes, due_days
from core.timezones import utc_to_local
from core.usecases.room import Upload
from core.usecases.session_notes import NotesSession, notes_session, write_notes
from l10n.formatting import fmt_datetime

# The notes sent before, quoted when the tutor writes them again.
EARLIER_QUOTE = 600


def _locale() -> str:
    return get_i18n().current_locale


async def start_notes(manager: BaseDialogManager, found: NotesSession) -> None:
    """The notes of a lesson that took place: straight to the one student of a 1-to-1, else a choice."""
    data: dict[str, Any] = {"session_id": found.session.id, "zone": found.slot.timezone}
    if len(found.students) == 1:
        participant, user, _note = found.students[0]
        data.update(participant_id=participant.id, name=user.first_name)
        await manager.start(SessionNotes.notes, data=data, mode=StartMode.RESET_STACK)
    else:
        await manager.start(SessionNotes.student, data=data, mode=StartMode.RESET_STACK)


def _start(manager: DialogManager) -> dict[str, Any]:
    data = manager.start_data
    assert isinstance(data, dict)
    return data


def _student(manager: DialogManager) -> tuple[int, str]:
    """The participation being written about, and the student's name."""
    chosen = manager.dialog_data.get("participant_id") or _start(manager).get("participant_id") or 0
    name = manager.dialog_data.get("name") or _start(manager).get("name") or ""
    return int(chosen), str(name)


async def _students_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    found = await notes_session(
        uow_factory(), user_id=user_id_of(dialog_manager), session_id=_start(dialog_manager)["session_id"]
    )
    zone = found.tutor.timezone or found.slot.timezone
    return {
        "when": fmt_datetime(found.slot.starts_at, zone, _locale()),
        "students": [(str(p.id), ("✅ " if note else "") + user.first_name) for p, user, note in found.students],
    }


async def _student_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, participant_id: str) -> None:
    uow_factory, _clock = deps(manager)
    found = await notes_session(uow_factory(), user_id=user_id_of(manager), session_id=_start(manager)["session_id"])
    chosen = next(((p, u) for p, u, _n in found.students if p.id == int(participant_id)), None)
    if chosen is None:
        await report(event, ValidationError("notes.not_attended"))
        return
    manager.dialog_data.clear()
    manager.dialog_data.update(participant_id=chosen[0].id, name=chosen[1].first_name)
    await manager.switch_to(SessionNotes.notes)


async def _notes_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    participant_id, name = _student(dialog_manager)
    found = await notes_session(
        uow_factory(), user_id=user_id_of(dialog_manager), session_id=_start(dialog_manager)["session_id"]
    )
    earlier = next((note for p, _u, note in found.students if p.id == participant_id), None)
    return {
        "name": name,
        "earlier": shorten(earlier.notes, EARLIER_QUOTE) if earlier else "",
        "has_earlier": earlier is not None,
    }


async def _name_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {"name": _student(dialog_manager)[1]}


async def _keep(event: Message | CallbackQuery, manager: DialogManager, value: tuple[str, str]) -> None:
    key, text = value
    manager.dialog_data[key] = text
    await manager.switch_to(SessionNotes.homework if key == "notes" else SessionNotes.due)


def _typed(key: str, clean: Any) -> MessageInput:
    return typed_answer(parse_or_refuse(lambda _m, text: (key, clean(text)), _keep))


async def _no_homework(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("homework", None)
    manager.dialog_data.pop("due", None)
    await manager.switch_to(SessionNotes.files)


async def _due_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    zone = str(_start(dialog_manager)["zone"])
    today = utc_to_local(deps(dialog_manager)[1].now(), zone).date()
    return {"days": [(d.isoformat(), format_date(d, "EEE d MMM", locale=_locale())) for d in due_days(today)]}


async def _due_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, iso: str) -> None:
    manager.dialog_data["due"] = iso
    await manager.switch_to(SessionNotes.files)


async def _files_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    files = dialog_manager.dialog_data.get("files", [])
    return {
        "name": _student(dialog_manager)[1],
        "count": len(files),
        "max": MAX_NOTE_FILES,
        "file_lines": "\n".join(f"📎 {f['file_name']}" for f in files),
        "has_files": bool(files),
    }


async def _uploaded(message: Message, widget: Any, manager: DialogManager) -> None:
    upload = upload_of(message)
    if upload is None:
        await message.answer(_("Send the file as a document, or a photo."))
        return
    files: list[dict[str, Any]] = manager.dialog_data.setdefault("files", [])
    try:
        if len(files) >= MAX_NOTE_FILES:
            raise ValidationError("notes.too_many_files", max=MAX_NOTE_FILES)
        name = check_file(upload.file_name, upload.size_bytes)
    except DomainError as error:
        await message.answer(error_text(error))
        return
    files.append(asdict(replace(upload, file_name=name)))


async def _clear_files(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    manager.dialog_data["files"] = []


async def _confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    zone = str(_start(dialog_manager)["zone"])
    homework = data.get("homework")
    due = ""
    if homework and data.get("due"):
        due = format_date(date.fromisoformat(data["due"]), "EEEE d MMMM", locale=_locale())
    return {
        "name": _student(dialog_manager)[1],
        "notes": data.get("notes", ""),
        "homework": homework or "",
        "due": due,
        "zone": zone,
        "has_homework": bool(homework),
        "count": len(data.get("files", [])),
    }


async def _save(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    data = manager.dialog_data
    participant_id, name = _student(manager)
    due = data.get("due")
    try:
        await write_notes(
            uow_factory(),
            clock,
            user_id=user_id_of(manager),
            participant_id=participant_id,
            notes=str(data.get("notes", "")),
            homework=data.get("homework"),
            due_day=date.fromisoformat(due) if due and data.get("homework") else None,
            attachments=[Upload(**f) for f in data.get("files", [])],
        )
    except DomainError as error:
        await report(event, error)
        return
    await event.answer(_("✅ Sent to {name}.").format(name=name))
    if "participant_id" in _start(manager):
        await manager.done()
        return
    manager.dialog_data.clear()
    await manager.switch_to(SessionNotes.student)


def build_session_notes_dialog() -> Dialog:
    return Dialog(
        Window(
            Tr("📝 Notes on the session of {when}: pick a student (✅: notes sent)."),
            Column(pick("note_student", "students", _student_chosen, parse=record_id)),
            Cancel(Tr("Done")),
            state=SessionNotes.student,
            getter=_students_getter,
        ),
        Window(
            Tr("✍️ What did you cover with {name}? Type your notes: they go to {name} (and their parents)."),
            Tr("Sent before (type the new version):\n{earlier}", when="has_earlier"),
            _typed("notes", clean_notes),
            Cancel(Tr("Cancel")),
            state=SessionNotes.notes,
            getter=_notes_getter,
        ),
        Window(
            Tr("📚 Homework for {name}? Type it, or tap No homework."),
            _typed("homework", clean_homework),
            Button(Tr("No homework"), id="no_homework", on_click=_no_homework),
            Cancel(Tr("Cancel")),
            state=SessionNotes.homework,
            getter=_name_getter,
        ),
        Window(
            Tr("📅 When is the homework due? (Due by the end of that day in your time zone.)"),
            Group(pick("due_day", "days", _due_chosen, parse=calendar_day), width=4),
            SwitchTo(Tr("◀️ Back"), id="due_back", state=SessionNotes.homework),
            state=SessionNotes.due,
            getter=_due_getter,
        ),
        Window(
            TrN(
                "📎 Send files for {name} as documents or photos (at most {max}), then tap Continue. {count} file "
                "attached.",
                "📎 Send files for {name} as documents or photos (at most {max}), then tap Continue. {count} files "
                "attached.",
                count_key="count",
            ),
            Format("{file_lines}", when="has_files"),
            MessageInput(_uploaded, content_types=[ContentType.DOCUMENT, ContentType.PHOTO]),
            SwitchTo(Tr("Continue ▶️"), id="files_done", state=SessionNotes.confirm),
            Button(Tr("🗑 Remove the files"), id="files_clear", on_click=_clear_files, when="has_files"),
            state=SessionNotes.files,
            getter=_files_getter,
        ),
        Window(
            Tr("👀 What {name} will get:"),
            Format("{notes}"),
            Tr("📚 Homework, due {due} (end of the day, {zone}):\n{homework}", when="has_homework"),
            TrN("📎 {count} file.", "📎 {count} files.", count_key="count", when="count"),
            Button(Tr("✅ Save and send to {name}"), id="notes_save", on_click=_save),
            SwitchTo(Tr("✏️ Start again"), id="notes_again", state=SessionNotes.notes),
            Cancel(Tr("Cancel")),
            state=SessionNotes.confirm,
            getter=_confirm_getter,
        ),
    )
