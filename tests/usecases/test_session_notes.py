"""The tutor's notes after a lesson: written only by the lesson's tutor, for a student who attended, with
checked text, due date and files; the recap goes to the student and their parent; the notes can be read
only by those three; homework gets one reminder a day before it is due; /history lists it all."""

import asyncio
from datetime import date, timedelta

import pytest

from core.enums import FamilyLinkStatus
from core.errors import NotFound, ValidationError
from core.families import FamilyLink
from core.notifications import NotificationKind
from core.rules import BusinessRules
from core.timezones import utc_to_local
from core.usecases.history import my_history, student_history, tutor_students
from core.usecases.reviews import rate_session
from core.usecases.room import Upload
from core.usecases.session_notes import note_file, notes_session, read_note, remind_homework, write_notes
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import user
from tests.support.lessons import HeldLesson, held_lesson

RULES = BusinessRules()
PARENT = 3001


def pdf(name: str = "exercises.pdf", size: int = 1000) -> Upload:
    return Upload(
        telegram_file_id=f"file-{name}",
        telegram_file_unique_id=f"unique-{name}",
        file_name=name,
        mime_type="application/pdf",
        size_bytes=size,
    )


async def payloads(uow_factory: SqlUnitOfWorkFactory, kind: str) -> list[tuple[int, dict[str, object]]]:
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 120)]
    return [(m.recipient_id, m.payload) for m in messages if m is not None and m.kind == kind]


async def with_parent(uow_factory: SqlUnitOfWorkFactory, held: HeldLesson, child_id: int) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user(PARENT, first_name="Marc"))
        await uow.families.add(
            FamilyLink(
                parent_id=PARENT,
                child_id=child_id,
                child_name="Ann",
                status=FamilyLinkStatus.ACTIVE,
                created_at=held.clock.now(),
            )
        )
        await uow.commit()


def tomorrow_and(held: HeldLesson, days: int) -> date:
    return utc_to_local(held.clock.now(), held.world.slot.timezone).date() + timedelta(days=days)


async def test_the_tutor_writes_notes_and_the_student_and_parent_get_the_recap(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    held = await held_lesson(uow_factory, RULES, students=2, attended=[0])
    ann, bob = held.participants
    tutor = held.world.tutor_user.id
    await with_parent(uow_factory, held, ann.user_id)
    clock = held.clock
    found = await notes_session(uow_factory(), user_id=tutor, session_id=held.world.session.id)
    assert [p.id for p, _u, _n in found.students] == [ann.id]
    # Only the lesson's tutor writes them, and only for a student who attended.
    for stranger in (ann.user_id, 424242):
        with pytest.raises(NotFound):
            await notes_session(uow_factory(), user_id=stranger, session_id=held.world.session.id)
        with pytest.raises(NotFound):
            await write_notes(
                uow_factory(),
                clock,
                user_id=stranger,
                participant_id=ann.id,
                notes="x",
                homework=None,
                due_day=None,
                attachments=[],
            )
    refused = [
        dict(participant_id=bob.id, notes="Fractions"),
        dict(participant_id=ann.id, notes="  \n "),
        dict(participant_id=ann.id, notes="x" * 4096),
        dict(participant_id=ann.id, notes="Fractions", homework="Page 12", due_day=None),
        dict(participant_id=ann.id, notes="Fractions", homework="Page 12", due_day=tomorrow_and(held, 0)),
        dict(participant_id=ann.id, notes="Fractions", homework="Page 12", due_day=tomorrow_and(held, 15)),
        dict(participant_id=ann.id, notes="Fractions", attachments=[pdf(f"{n}.pdf") for n in range(6)]),
        dict(participant_id=ann.id, notes="Fractions", attachments=[pdf("virus.exe")]),
        dict(participant_id=ann.id, notes="Fractions", attachments=[pdf(size=30 * 1024 * 1024)]),
    ]
    for values in refused:
        arguments = {"homework": None, "due_day": None, "attachments": [], **values}
        with pytest.raises(ValidationError):
            await write_notes(uow_factory(), clock, user_id=tutor, **arguments)  # type: ignore[arg-type]
    assert await payloads(uow_factory, NotificationKind.SESSION_RECAP) == []
    due = tomorrow_and(held, 3)
    note = await write_notes(
        uow_factory(),
        clock,
        user_id=tutor,
        participant_id=ann.id,
        notes="Fractions: adding and simplifying.",
        homework="Page 12, exercises 1-4",
        due_day=due,
        attachments=[pdf()],
    )
    assert utc_to_local(note.homework_due_at or clock.now(), held.world.slot.timezone).date() == due
    recaps = await payloads(uow_factory, NotificationKind.SESSION_RECAP)
    assert [r for r, _p in recaps] == [ann.user_id, PARENT]
    assert recaps[0][1]["homework"] == "Page 12, exercises 1-4" and recaps[0][1]["file_names"] == ["exercises.pdf"]
    assert recaps[1][1]["for_child"] == "Ann" and recaps[0][1]["updated"] is False
    # Written again: the same note, a second recap saying it changed, the files replaced.
    again = await write_notes(
        uow_factory(),
        clock,
        user_id=tutor,
        participant_id=ann.id,
        notes="Fractions, and decimals.",
        homework=None,
        due_day=None,
        attachments=[],
    )
    assert (again.id, again.version, again.homework, again.files) == (note.id, 2, None, [])
    recaps = await payloads(uow_factory, NotificationKind.SESSION_RECAP)
    assert len(recaps) == 4 and recaps[-1][1]["updated"] is True
    # The tutor, Ann and her parent read it; nobody else, and no file of another note.
    for reader in (tutor, ann.user_id, PARENT):
        assert (
            await read_note(uow_factory(), user_id=reader, note_id=note.id)
        ).note.notes == "Fractions, and decimals."
    with pytest.raises(NotFound):
        await read_note(uow_factory(), user_id=bob.user_id, note_id=note.id)
    with pytest.raises(NotFound):
        await note_file(uow_factory(), user_id=ann.user_id, note_id=note.id, file_id=note.files[0].id)


async def test_homework_is_reminded_once_a_day_before_it_is_due(uow_factory: SqlUnitOfWorkFactory) -> None:
    held = await held_lesson(uow_factory, RULES, students=1, attended=[0])
    [ann] = held.participants
    clock = held.clock
    note = await write_notes(
        uow_factory(),
        clock,
        user_id=held.world.tutor_user.id,
        participant_id=ann.id,
        notes="Essay plan",
        homework="Write the introduction",
        due_day=tomorrow_and(held, 3),
        attachments=[pdf()],
    )
    assert note.homework_due_at is not None
    assert await remind_homework(uow_factory, clock) == 0
    clock.current = note.homework_due_at - timedelta(hours=23)
    # Two processes run the job at once: one reminder.
    assert sum(await asyncio.gather(remind_homework(uow_factory, clock), remind_homework(uow_factory, clock))) == 1
    assert await remind_homework(uow_factory, clock) == 0
    [(recipient, payload)] = await payloads(uow_factory, NotificationKind.HOMEWORK_DUE)
    assert recipient == ann.user_id and payload["homework"] == "Write the introduction"
    # The file is Ann's to fetch.
    fetched = await note_file(uow_factory(), user_id=ann.user_id, note_id=note.id, file_id=note.files[0].id)
    assert fetched.telegram_file_id == "file-exercises.pdf"
    # Past its due date, nothing more is sent.
    clock.current = note.homework_due_at + timedelta(minutes=1)
    assert await remind_homework(uow_factory, clock) == 0


async def test_history_lists_past_lessons_with_notes_and_ratings(uow_factory: SqlUnitOfWorkFactory) -> None:
    held = await held_lesson(uow_factory, RULES, students=2, attended=[0])
    ann, bob = held.participants
    tutor = held.world.tutor_user.id
    await with_parent(uow_factory, held, ann.user_id)
    await rate_session(uow_factory(), held.clock, RULES, user_id=ann.user_id, participant_id=ann.id, stars=4)
    await write_notes(
        uow_factory(),
        held.clock,
        user_id=tutor,
        participant_id=ann.id,
        notes="Verbs",
        homework=None,
        due_day=None,
        attachments=[],
    )
    entries, children = await my_history(uow_factory(), user_id=ann.user_id)
    [entry] = entries
    assert entry.note is not None and entry.review is not None and entry.review.stars == 4 and children == {}
    # Her parent sees it too, as hers; Bob sees his missed lesson, without notes.
    entries, children = await my_history(uow_factory(), user_id=PARENT)
    assert [e.booking.participant.id for e in entries] == [ann.id] and children == {ann.user_id: "Ann"}
    [missed] = (await my_history(uow_factory(), user_id=bob.user_id))[0]
    assert missed.note is None and missed.review is None
    students = await tutor_students(uow_factory(), user_id=tutor)
    assert sorted((s.student.id, s.lessons) for s in students) == [(ann.user_id, 1), (bob.user_id, 1)]
    student, lessons = await student_history(uow_factory(), user_id=tutor, student_id=ann.user_id)
    assert student.id == ann.user_id and [e.note is not None for e in lessons] == [True]
    # Someone the tutor never taught, or another person asking, is not found.
    with pytest.raises(NotFound):
        await student_history(uow_factory(), user_id=tutor, student_id=PARENT)
    with pytest.raises(NotFound):
        await student_history(uow_factory(), user_id=ann.user_id, student_id=bob.user_id)
    with pytest.raises(NotFound):
        await tutor_students(uow_factory(), user_id=ann.user_id)
