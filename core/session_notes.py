"""What the tutor writes after a lesson, per student (spec 004 `coachNotes`): what was covered, optional
homework with a due date, and files. Saving them sends the student (and their parents) a recap; the
homework's due date gets a reminder the day before."""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from core.errors import ValidationError
from core.text import clean_paragraphs, text_length
from core.timezones import local_day_bounds

NOTES_MAX_LENGTH = 1500
HOMEWORK_MAX_LENGTH = 1000
MAX_NOTE_FILES = 5
# The due dates offered: from tomorrow to this many days ahead (in the tutor's zone).
DUE_DAYS_OFFERED = 14
REMIND_BEFORE = timedelta(hours=24)


@dataclass(slots=True, kw_only=True)
class NoteFile:
    id: int = 0
    note_id: int = 0
    telegram_file_id: str
    telegram_file_unique_id: str
    file_name: str
    mime_type: str | None = None
    size_bytes: int
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class SessionNote:
    id: int = 0
    participant_id: int
    session_id: int
    tutor_id: int
    student_id: int
    notes: str
    homework: str | None = None
    homework_due_at: datetime | None = None
    # When the due-date reminder was queued (once per due date).
    reminded_at: datetime | None = None
    # 1 when first written; each save after that adds one (the recap then says "updated").
    version: int = 1
    created_at: datetime
    updated_at: datetime
    files: list[NoteFile] = field(default_factory=list)

    def file(self, file_id: int) -> NoteFile | None:
        return next((f for f in self.files if f.id == file_id), None)

    def rewritten(
        self, notes: str, homework: str | None, due_at: datetime | None, files: list[NoteFile], now: datetime
    ) -> "SessionNote":
        moved = due_at != self.homework_due_at
        return replace(
            self,
            notes=notes,
            homework=homework,
            homework_due_at=due_at,
            reminded_at=None if moved else self.reminded_at,
            version=self.version + 1,
            updated_at=now,
            files=files,
        )


def _cleaned(text: str, max_length: int, what: str) -> str:
    cleaned = clean_paragraphs(text)
    if cleaned is None:
        raise ValidationError(f"{what}.bad_text")
    if not cleaned:
        raise ValidationError(f"{what}.empty")
    if text_length(cleaned) > max_length:
        raise ValidationError(f"{what}.too_long", max=max_length)
    return cleaned


def clean_notes(text: str) -> str:
    return _cleaned(text, NOTES_MAX_LENGTH, "notes")


def clean_homework(text: str) -> str:
    return _cleaned(text, HOMEWORK_MAX_LENGTH, "homework")


def due_days(today: date) -> list[date]:
    """The days a tutor can choose for homework to be due, from tomorrow."""
    return [today + timedelta(days=n) for n in range(1, DUE_DAYS_OFFERED + 1)]


def due_instant(day: date, zone: str) -> datetime:
    """Due by the end of `day` in the tutor's zone: its last minute."""
    _start, next_day = local_day_bounds(day, zone)
    return next_day - timedelta(minutes=1)


def check_due(day: date, today: date) -> date:
    if day not in due_days(today):
        raise ValidationError("homework.bad_due", days=DUE_DAYS_OFFERED)
    return day
