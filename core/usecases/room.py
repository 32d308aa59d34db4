"""A session's room (spec 002 §5): the chat of a 1-to-1 session and the files of any session.

A 1-to-1 room belongs to one participation: the tutor and that student. A student who books a slot
another student cancelled gets a room of their own and never sees the earlier messages or files; a
participant who cancels loses access at once; the tutor keeps each earlier student's room, read-only.
A group session has one room for the whole session, with no chat, where only the tutor shares files.

Who may do what: in a 1-to-1 both sides chat and share files; everyone lists and downloads; the uploader
or the tutor deletes. The chat is open from the booking until the session ends. Access is decided by an
active participation (or being the session's tutor), never by the session alone.
"""

from dataclasses import dataclass

from core.clock import Clock
from core.entities import (
    ChatMessage,
    Conversation,
    Participant,
    SessionFile,
    Slot,
    TeachingSession,
    TutorProfile,
    User,
)
from core.enums import ParticipantStatus, SessionType
from core.errors import Forbidden, NotFound, ValidationError
from core.files import check_file
from core.notifications import ChatMessageArrived, FileShared
from core.ports import UnitOfWork
from core.text import text_length
from core.usecases.outbox import notify

CHAT_MAX_LENGTH = 3500
HISTORY_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Room:
    session: TeachingSession
    slot: Slot
    tutor: TutorProfile
    me: User
    is_tutor: bool
    # The participation a 1-to-1 room belongs to; None for a group session's room.
    participation: Participant | None
    # The other people in the room (the student for the tutor of a 1-to-1, the tutor for a student...).
    others: list[User]
    conversation: Conversation | None
    # The tutor reading the room of a participation that ended (the student cancelled): nothing new goes in.
    read_only: bool

    @property
    def group(self) -> bool:
        return self.slot.session_type is SessionType.GROUP

    @property
    def chat_open(self) -> bool:
        return not self.read_only and self.conversation is not None and self.conversation.closed_at is None

    @property
    def may_upload(self) -> bool:
        return not self.read_only and (self.is_tutor or not self.group)

    @property
    def participant_id(self) -> int | None:
        return self.participation.id if self.participation is not None else None

    def may_delete(self, shared: SessionFile) -> bool:
        """The uploader or the tutor, while the room takes changes."""
        return not self.read_only and (shared.uploader_id == self.me.id or self.is_tutor)


@dataclass(frozen=True, slots=True)
class EarlierRoom:
    """A 1-to-1 participation of the session that ended, whose room the tutor may still read."""

    participation: Participant
    student: User


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    telegram_file_id: str
    telegram_file_unique_id: str
    file_name: str
    mime_type: str | None
    size_bytes: int


def _not_found() -> NotFound:
    # Someone who holds no part in the room learns nothing about it, not even that it exists.
    return NotFound("session.not_found")


async def _room(uow: UnitOfWork, user_id: int, session_id: int, participant_id: int | None) -> Room:
    return (await _room_and_participants(uow, user_id, session_id, participant_id))[0]


async def _room_and_participants(
    uow: UnitOfWork, user_id: int, session_id: int, participant_id: int | None
) -> tuple[Room, list[Participant]]:
    session = await uow.sessions.get(session_id)
    if session is None:
        raise _not_found()
    tutor = await uow.tutors.get(session.tutor_id)
    slot = await uow.slots.get(session.slot_id)
    assert tutor is not None and slot is not None
    participants = await uow.participants.list_for_session(session_id)
    if slot.session_type is SessionType.GROUP:
        room = await _group_room(uow, session, slot, tutor, participants, user_id)
    else:
        room = await _private_room(uow, session, slot, tutor, participants, user_id, participant_id)
    return room, participants


async def _group_room(
    uow: UnitOfWork,
    session: TeachingSession,
    slot: Slot,
    tutor: TutorProfile,
    participants: list[Participant],
    user_id: int,
) -> Room:
    """The group's one room: its tutor and its booked students; a student sees only the tutor as the other."""
    is_tutor = tutor.user_id == user_id
    booked = [p for p in participants if p.status is ParticipantStatus.BOOKED]
    if not is_tutor and all(p.user_id != user_id for p in booked):
        raise _not_found()
    people = {u.id: u for u in await uow.users.get_many([tutor.user_id, *(p.user_id for p in booked)])}
    others = [u for uid, u in people.items() if uid != user_id and (is_tutor or uid == tutor.user_id)]
    return Room(session, slot, tutor, people[user_id], is_tutor, None, others, None, read_only=False)


async def _private_room(
    uow: UnitOfWork,
    session: TeachingSession,
    slot: Slot,
    tutor: TutorProfile,
    participants: list[Participant],
    user_id: int,
    participant_id: int | None,
) -> Room:
    """A 1-to-1 participation's room. A student reaches only their own active participation; the tutor any
    that was ever booked (read-only once it ended)."""
    is_tutor = tutor.user_id == user_id
    participation = _participation_of(participants, user_id, is_tutor, participant_id)
    if participation is None:
        raise _not_found()
    active = participation.status is ParticipantStatus.BOOKED
    if is_tutor:
        if not active and participation.booked_at is None:  # a hold that was never paid had no room
            raise _not_found()
    elif participation.user_id != user_id or not active:
        raise _not_found()
    people = {u.id: u for u in await uow.users.get_many([tutor.user_id, participation.user_id])}
    other_id = participation.user_id if is_tutor else tutor.user_id
    others = [people[other_id]] if other_id in people else []
    conversation = await uow.conversations.get_by_participant(participation.id)
    return Room(
        session, slot, tutor, people[user_id], is_tutor, participation, others, conversation, read_only=not active
    )


def _participation_of(
    participants: list[Participant], user_id: int, is_tutor: bool, participant_id: int | None
) -> Participant | None:
    if participant_id is not None:
        return next((p for p in participants if p.id == participant_id), None)
    booked = [p for p in participants if p.status is ParticipantStatus.BOOKED]
    if is_tutor:
        return booked[-1] if booked else None
    return next((p for p in booked if p.user_id == user_id), None)


async def open_room(uow: UnitOfWork, *, user_id: int, session_id: int, participant_id: int | None = None) -> Room:
    async with uow:
        return await _room(uow, user_id, session_id, participant_id)


async def _earlier(uow: UnitOfWork, room: Room, participants: list[Participant]) -> list[EarlierRoom]:
    """For the tutor of a 1-to-1 session: the rooms of students who booked it before and left, newest
    first, without the one shown."""
    if not room.is_tutor or room.group:
        return []
    ended = [
        p
        for p in participants
        if p.booked_at is not None and p.status is not ParticipantStatus.BOOKED and p.id != room.participant_id
    ]
    users = {u.id: u for u in await uow.users.get_many([p.user_id for p in ended])}
    return [EarlierRoom(p, users[p.user_id]) for p in reversed(ended) if p.user_id in users]


async def _history(
    uow: UnitOfWork, room: Room, before_id: int | None = None
) -> tuple[list[tuple[ChatMessage, str]], bool]:
    """Up to HISTORY_LIMIT messages (older than `before_id` when given), oldest first, and whether
    there are older ones still."""
    if room.conversation is None:
        return [], False
    messages = await uow.chat_messages.list_for_conversation(room.conversation.id, HISTORY_LIMIT + 1, before_id)
    names = {room.me.id: room.me.first_name, **{u.id: u.first_name for u in room.others}}
    return [(m, names.get(m.sender_id, "?")) for m in messages[-HISTORY_LIMIT:]], len(messages) > HISTORY_LIMIT


@dataclass(frozen=True, slots=True)
class RoomOverview:
    """Everything a room's screen shows, read in one transaction."""

    room: Room
    files: list[SessionFile]
    history: list[tuple[ChatMessage, str]]
    earlier: list[EarlierRoom]
    # Messages older than the first of `history` exist.
    history_has_older: bool = False


async def room_overview(
    uow: UnitOfWork,
    *,
    user_id: int,
    session_id: int,
    participant_id: int | None = None,
    history_before: int | None = None,
) -> RoomOverview:
    """The room, its files, its latest messages (or those before message `history_before`) and the
    earlier participations' rooms."""
    async with uow:
        room, participants = await _room_and_participants(uow, user_id, session_id, participant_id)
        files = await uow.files.list_for_session(session_id, room.participant_id)
        history, older = await _history(uow, room, history_before)
        return RoomOverview(room, files, history, await _earlier(uow, room, participants), older)


async def send_chat_message(
    uow: UnitOfWork,
    clock: Clock,
    *,
    user_id: int,
    session_id: int,
    text: str,
    participant_id: int | None = None,
) -> ChatMessage:
    """Store the message and relay it to the other side (through the outbox, like every message)."""
    text = text.strip()
    if not text:
        raise ValidationError("chat.empty")
    # Counted as Telegram counts, so that the relayed message always fits.
    if text_length(text) > CHAT_MAX_LENGTH:
        raise ValidationError("chat.too_long", max=CHAT_MAX_LENGTH)
    now = clock.now()
    async with uow:
        room = await _room(uow, user_id, session_id, participant_id)
        if room.group:
            raise ValidationError("chat.group")
        if room.read_only:
            raise ValidationError("chat.left")
        if not room.chat_open:
            raise ValidationError("chat.closed")
        assert room.conversation is not None and room.participation is not None
        message = await uow.chat_messages.add(
            ChatMessage(conversation_id=room.conversation.id, sender_id=user_id, content=text, created_at=now)
        )
        for other in room.others:
            arrived = ChatMessageArrived(
                session_id=session_id, participant_id=room.participation.id, sender_name=room.me.first_name, text=text
            )
            await notify(uow, other.id, arrived, f"chat:{message.id}:{other.id}", now)
        await uow.commit()
    return message


async def chat_history(
    uow: UnitOfWork, *, user_id: int, session_id: int, participant_id: int | None = None
) -> list[tuple[ChatMessage, str]]:
    """The latest messages of the room, oldest first, with the sender's name."""
    async with uow:
        history, _older = await _history(uow, await _room(uow, user_id, session_id, participant_id))
        return history


async def share_file(
    uow: UnitOfWork,
    clock: Clock,
    *,
    user_id: int,
    session_id: int,
    upload: Upload,
    participant_id: int | None = None,
) -> SessionFile:
    now = clock.now()
    async with uow:
        room = await _room(uow, user_id, session_id, participant_id)
        if room.read_only:
            raise ValidationError("chat.left")
        if not room.may_upload:
            raise Forbidden("file.tutor_only")
        name = check_file(upload.file_name, upload.size_bytes)
        shared = await uow.files.add(
            SessionFile(
                session_id=session_id,
                participant_id=room.participant_id,
                uploader_id=user_id,
                telegram_file_id=upload.telegram_file_id,
                telegram_file_unique_id=upload.telegram_file_unique_id,
                file_name=name,
                mime_type=upload.mime_type,
                size_bytes=upload.size_bytes,
                created_at=now,
            )
        )
        recipients = room.others if room.is_tutor else [u for u in room.others if u.id == room.tutor.user_id]
        for other in recipients:
            told = FileShared(
                session_id=session_id,
                participant_id=room.participant_id,
                uploader_name=room.me.first_name,
                file_name=name,
                file_id=upload.telegram_file_id,
                tutor_name=room.tutor.display_name,
            )
            await notify(uow, other.id, told, f"file:{shared.id}:{other.id}", now)
        await uow.commit()
    return shared


async def _room_file(uow: UnitOfWork, room: Room, file_id: int) -> SessionFile:
    shared = await uow.files.get(file_id)
    # A file of another room of the same session (an earlier student's) is not this room's.
    if shared is None or shared.session_id != room.session.id or shared.participant_id != room.participant_id:
        raise NotFound("file.not_found")
    return shared


async def get_file(
    uow: UnitOfWork, *, user_id: int, session_id: int, file_id: int, participant_id: int | None = None
) -> SessionFile:
    async with uow:
        room = await _room(uow, user_id, session_id, participant_id)
        return await _room_file(uow, room, file_id)


async def delete_file(
    uow: UnitOfWork, *, user_id: int, session_id: int, file_id: int, participant_id: int | None = None
) -> SessionFile:
    async with uow:
        room = await _room(uow, user_id, session_id, participant_id)
        shared = await _room_file(uow, room, file_id)
        if room.read_only:
            raise ValidationError("chat.left")
        if not room.may_delete(shared):
            raise Forbidden("file.not_yours")
        await uow.files.delete(file_id)
        await uow.commit()
    return shared
