"""The tutors' notes on their students' lessons, with their files."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from core.session_notes import SessionNote
from storage.repositories._common import TableRepository
from storage.repositories._stored import NOTE_FILES, SESSION_NOTES
from storage.tables import note_files, session_notes


class SqlSessionNoteRepository(TableRepository[SessionNote]):
    stored = SESSION_NOTES

    async def add(self, note: SessionNote) -> SessionNote:
        await self._insert(note)
        await self._write_files(note)
        return note

    async def update(self, note: SessionNote) -> None:
        """Write the note and replace its files with the note's."""
        await self._update(note)
        await self._conn.execute(delete(note_files).where(note_files.c.note_id == note.id))
        await self._write_files(note)

    async def _write_files(self, note: SessionNote) -> None:
        for file in note.files:
            file.note_id = note.id
            values = NOTE_FILES.values(file)
            result = await self._conn.execute(insert(note_files).values(**values).returning(note_files.c.id))
            file.id = result.scalar_one()

    async def get(self, note_id: int) -> SessionNote | None:
        note = await self._first_by(session_notes.c.id, note_id)
        return (await self._with_files([note]))[0] if note is not None else None

    async def for_participant(self, participant_id: int) -> SessionNote | None:
        note = await self._first_by(session_notes.c.participant_id, participant_id)
        return (await self._with_files([note]))[0] if note is not None else None

    async def for_participants(self, participant_ids: Sequence[int]) -> dict[int, SessionNote]:
        """The notes of these participations, with their files: two queries whatever their number."""
        if not participant_ids:
            return {}
        found = await self._list(select(session_notes).where(session_notes.c.participant_id.in_(list(participant_ids))))
        return {note.participant_id: note for note in await self._with_files(found)}

    async def _with_files(self, notes: list[SessionNote]) -> list[SessionNote]:
        if not notes:
            return notes
        by_id = {note.id: note for note in notes}
        rows = await self._conn.execute(
            select(note_files).where(note_files.c.note_id.in_(list(by_id))).order_by(note_files.c.id)
        )
        for file in NOTE_FILES.all(rows):
            by_id[file.note_id].files.append(file)
        return notes

    async def homework_due(self, now: datetime, before: datetime, limit: int) -> list[SessionNote]:
        """Notes whose homework is due between now and `before` and whose reminder is not sent yet."""
        return await self._list(
            select(session_notes)
            .where(
                session_notes.c.reminded_at.is_(None),
                session_notes.c.homework_due_at > now,
                session_notes.c.homework_due_at <= before,
            )
            .order_by(session_notes.c.homework_due_at, session_notes.c.id)
            .limit(limit)
        )

    async def mark_reminded(self, note: SessionNote, now: datetime) -> bool:
        """Claim the reminder of this due date; False if another worker did, or the due date moved."""
        result = await self._conn.execute(
            update(session_notes)
            .where(
                session_notes.c.id == note.id,
                session_notes.c.reminded_at.is_(None),
                session_notes.c.homework_due_at == note.homework_due_at,
            )
            .values(reminded_at=now)
        )
        return result.rowcount == 1
