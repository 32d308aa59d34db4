"""The tutor's notes after a lesson (see `core.session_notes`): written per student of a session that took
place, sent as a recap in the transaction that saves them, read back by the tutor, the student and the
student's parents, and the homework's reminder sent once per due date."""

from dataclasses import dataclass
from datetime import date

from core.clock import Clock
from core.entities import BookingView, Participant, Slot, TeachingSession, TutorProfile, User
from core.enums import ParticipantStatus, SessionStatus
from core.errors import NotFound, ValidationError
from core.files import check_file
from core.notifications import HomeworkDue, SessionFacts, SessionRecap
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.session_notes import (
    MAX_NOTE_FILES,
    REMIND_BEFORE,
    NoteFile,
    SessionNote,
    check_due,
    clean_homework,
    clean_notes,
    due_instant,
)
from core.timezones import utc_to_local
from core.usecases.families import acts_for
from core.usecases.outbox import notify
from core.usecases.room import Upload


@dataclass(frozen=True, slots=True)
class NotesSession:
    """A lesson that took place, as its tutor writes notes on it: each student who attended, with the
    notes written so far."""

    session: TeachingSession
    slot: Slot
    tutor: TutorProfile
    students: list[tuple[Participant, User, SessionNote | None]]


async def _tutors_session(uow: UnitOfWork, user_id: int, session_id: int) -> tuple[TeachingSession, Slot, TutorProfile]:
    session = await uow.sessions.get(session_id)
    tutor = await uow.tutors.get(session.tutor_id) if session is not None else None
    # Another tutor's session is reported like a missing one.
    if session is None or tutor is None or tutor.user_id != user_id:
        raise NotFound("session.not_found")
    if session.status is not SessionStatus.COMPLETED:
        raise ValidationError("notes.not_held")
    slot = await uow.slots.get(session.slot_id)
    assert slot is not None
    return session, slot, tutor


async def notes_session(uow: UnitOfWork, *, user_id: int, session_id: int) -> NotesSession:
    async with uow:
        session, slot, tutor = await _tutors_session(uow, user_id, session_id)
        attended = [
            p for p in await uow.participants.list_for_session(session.id) if p.status is ParticipantStatus.BOOKED
        ]
        users = {u.id: u for u in await uow.users.get_many([p.user_id for p in attended])}
        notes = await uow.session_notes.for_participants([p.id for p in attended])
    students = [(p, users[p.user_id], notes.get(p.id)) for p in attended if p.user_id in users]
    return NotesSession(session, slot, tutor, students)


async def write_notes(
    uow: UnitOfWork,
    clock: Clock,
    *,
    user_id: int,
    participant_id: int,
    notes: str,
    homework: str | None,
    due_day: date | None,
    attachments: list[Upload],
) -> SessionNote:
    """Save the tutor's notes on one student's lesson (replacing earlier ones) and send the recap."""
    text = clean_notes(notes)
    task = clean_homework(homework) if homework is not None else None
    if len(attachments) > MAX_NOTE_FILES:
        raise ValidationError("notes.too_many_files", max=MAX_NOTE_FILES)
    now = clock.now()
    async with uow:
        participant = await uow.participants.get(participant_id)
        if participant is None:
            raise NotFound("session.not_found")
        session, slot, tutor = await _tutors_session(uow, user_id, participant.session_id)
        if participant.status is not ParticipantStatus.BOOKED:
            raise ValidationError("notes.not_attended")
        due_at = None
        if task is not None:
            if due_day is None:
                raise ValidationError("homework.bad_due")
            today = utc_to_local(now, slot.timezone).date()
            due_at = due_instant(check_due(due_day, today), slot.timezone)
        files = [
            NoteFile(
                telegram_file_id=a.telegram_file_id,
                telegram_file_unique_id=a.telegram_file_unique_id,
                file_name=check_file(a.file_name, a.size_bytes),
                mime_type=a.mime_type,
                size_bytes=a.size_bytes,
                created_at=now,
            )
            for a in attachments
        ]
        earlier = await uow.session_notes.for_participant(participant.id)
        if earlier is None:
            note = await uow.session_notes.add(
                SessionNote(
                    participant_id=participant.id,
                    session_id=session.id,
                    tutor_id=tutor.id,
                    student_id=participant.user_id,
                    notes=text,
                    homework=task,
                    homework_due_at=due_at,
                    created_at=now,
                    updated_at=now,
                    files=files,
                )
            )
        else:
            note = earlier.rewritten(text, task, due_at, files, now)
            await uow.session_notes.update(note)
        recap = recap_of(note, tutor, slot, sending=True)
        await notify(uow, participant.user_id, recap, f"recap:{note.id}:{note.version}", now)
        await uow.commit()
    return note


def recap_of(note: SessionNote, tutor: TutorProfile, slot: Slot, *, sending: bool = False) -> SessionRecap:
    """The recap of a note, as sent when it is saved (`sending`: saying so when it replaces one sent
    before) and as shown again from /history."""
    return SessionRecap(
        session=SessionFacts.of(tutor, slot, note.session_id),
        tutor_id=tutor.id,
        note_id=note.id,
        notes=note.notes,
        homework=note.homework,
        homework_due_at=note.homework_due_at,
        file_ids=tuple(f.id for f in note.files),
        file_names=tuple(f.file_name for f in note.files),
        updated=sending and note.version > 1,
    )


@dataclass(frozen=True, slots=True)
class NoteView:
    note: SessionNote
    booking: BookingView


async def read_note(uow: UnitOfWork, *, user_id: int, note_id: int) -> NoteView:
    """A note, for its tutor, its student or the student's parents; anyone else is told it does not exist."""
    async with uow:
        note = await uow.session_notes.get(note_id)
        booking = await uow.participants.get_booking(note.participant_id) if note is not None else None
        if note is None or booking is None:
            raise NotFound("notes.not_found")
        if booking.tutor.user_id != user_id and not await acts_for(uow, user_id, note.student_id):
            raise NotFound("notes.not_found")
    return NoteView(note, booking)


async def note_file(uow: UnitOfWork, *, user_id: int, note_id: int, file_id: int) -> NoteFile:
    view = await read_note(uow, user_id=user_id, note_id=note_id)
    found = view.note.file(file_id)
    if found is None:
        raise NotFound("notes.not_found")
    return found


async def remind_homework(uow_factory: UnitOfWorkFactory, clock: Clock, *, batch: int = 200) -> int:
    """The homework job: a reminder for each homework due within a day, once per due date (several
    processes may run it: each note is claimed by a conditional update)."""
    now = clock.now()
    sent = 0
    async with uow_factory() as uow:
        due = await uow.session_notes.homework_due(now, now + REMIND_BEFORE, batch)
        for note in due:
            if not await uow.session_notes.mark_reminded(note, now):
                continue
            booking = await uow.participants.get_booking(note.participant_id)
            if booking is None or note.homework is None or note.homework_due_at is None:
                continue
            reminder = HomeworkDue(
                session=SessionFacts.of(booking.tutor, booking.slot, booking.session.id),
                note_id=note.id,
                homework=note.homework,
                due_at=note.homework_due_at,
            )
            key = f"homework:{note.id}:{note.homework_due_at.isoformat()}"
            sent += await notify(uow, note.student_id, reminder, key, now)
        await uow.commit()
    return sent
