"""A session's room (spec 002 §5): the chat of a 1-to-1 session and the files of any session.

Who may do what: in a 1-to-1 session the student and the tutor chat and both share files; in a group
session there is no chat and only the tutor shares files. Everyone lists and downloads; the uploader or
the tutor deletes. The chat is open from the booking until the session ends.
"""

from dataclasses import dataclass

from core.clock import Clock
from core.entities import ChatMessage, Notification, SessionFile, Slot, TeachingSession, TutorProfile, User
from core.enums import ParticipantStatus, SessionType
from core.errors import Forbidden, NotFound, ValidationError
from core.files import check_file
from core.notifications import NotificationKind
from core.ports import UnitOfWork

CHAT_MAX_LENGTH = 3500
HISTORY_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Room:
    session: TeachingSession
    slot: Slot
    tutor: TutorProfile
    me: User
    is_tutor: bool
    # The other people in the room (the student for the tutor of a 1-to-1, the tutor for a student...).
    others: list[User]
    chat_open: bool

    @property
    def group(self) -> bool:
        return self.slot.session_type is SessionType.GROUP

    @property
    def may_upload(self) -> bool:
        return self.is_tutor or not self.group


@dataclass(frozen=True, slots=True, kw_only=True)
class Upload:
    telegram_file_id: str
    telegram_file_unique_id: str
    file_name: str
    mime_type: str | None
    size_bytes: int


async def _room(uow: UnitOfWork, user_id: int, session_id: int) -> Room:
    session = await uow.sessions.get(session_id)
    if session is None:
        raise NotFound("session.not_found")
    tutor = await uow.tutors.get(session.tutor_id)
    slot = await uow.slots.get(session.slot_id)
    assert tutor is not None and slot is not None
    booked = [p for p in await uow.participants.list_for_session(session_id) if p.status is ParticipantStatus.BOOKED]
    is_tutor = tutor.user_id == user_id
    # Someone who is neither the tutor nor a booked participant learns nothing about the session.
    if not is_tutor and all(p.user_id != user_id for p in booked):
        raise NotFound("session.not_found")
    people = {u.id: u for u in await uow.users.get_many([tutor.user_id, *(p.user_id for p in booked)])}
    me = people[user_id]
    others = [u for uid, u in people.items() if uid != user_id and (is_tutor or uid == tutor.user_id)]
    conversation = await uow.conversations.get_by_session(session_id)
    chat_open = conversation is not None and conversation.closed_at is None
    return Room(session, slot, tutor, me, is_tutor, others, chat_open)


async def open_room(uow: UnitOfWork, *, user_id: int, session_id: int) -> Room:
    async with uow:
        return await _room(uow, user_id, session_id)


async def send_chat_message(uow: UnitOfWork, clock: Clock, *, user_id: int, session_id: int, text: str) -> ChatMessage:
    """Store the message and relay it to the other side (through the outbox, like every message)."""
    text = text.strip()
    if not text:
        raise ValidationError("chat.empty")
    if len(text) > CHAT_MAX_LENGTH:
        raise ValidationError("chat.too_long", max=CHAT_MAX_LENGTH)
    now = clock.now()
    async with uow:
        room = await _room(uow, user_id, session_id)
        if room.group:
            raise ValidationError("chat.group")
        conversation = await uow.conversations.get_by_session(session_id)
        if conversation is None or conversation.closed_at is not None:
            raise ValidationError("chat.closed")
        message = await uow.chat_messages.add(
            ChatMessage(conversation_id=conversation.id, sender_id=user_id, content=text, created_at=now)
        )
        for other in room.others:
            await uow.outbox.add(
                Notification(
                    recipient_id=other.id,
                    kind=NotificationKind.CHAT_MESSAGE,
                    payload={"session_id": session_id, "sender_name": room.me.first_name, "text": text},
                    dedupe_key=f"chat:{message.id}:{other.id}",
                ),
                now,
            )
        await uow.commit()
    return message


async def chat_history(uow: UnitOfWork, *, user_id: int, session_id: int) -> list[tuple[ChatMessage, str]]:
    """The latest messages, oldest first, with the sender's name."""
    async with uow:
        room = await _room(uow, user_id, session_id)
        conversation = await uow.conversations.get_by_session(session_id)
        if room.group or conversation is None:
            return []
        messages = await uow.chat_messages.list_for_conversation(conversation.id, HISTORY_LIMIT)
    names = {room.me.id: room.me.first_name, **{u.id: u.first_name for u in room.others}}
    return [(m, names.get(m.sender_id, "?")) for m in messages]


async def share_file(uow: UnitOfWork, clock: Clock, *, user_id: int, session_id: int, upload: Upload) -> SessionFile:
    now = clock.now()
    async with uow:
        room = await _room(uow, user_id, session_id)
        if not room.may_upload:
            raise Forbidden("file.tutor_only")
        name = check_file(upload.file_name, upload.size_bytes)
        shared = await uow.files.add(
            SessionFile(
                session_id=session_id,
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
            await uow.outbox.add(
                Notification(
                    recipient_id=other.id,
                    kind=NotificationKind.FILE_SHARED,
                    payload={
                        "session_id": session_id,
                        "uploader_name": room.me.first_name,
                        "file_name": name,
                        "file_id": upload.telegram_file_id,
                        "tutor_name": room.tutor.display_name,
                    },
                    dedupe_key=f"file:{shared.id}:{other.id}",
                ),
                now,
            )
        await uow.commit()
    return shared


async def list_files(uow: UnitOfWork, *, user_id: int, session_id: int) -> tuple[Room, list[SessionFile]]:
    async with uow:
        room = await _room(uow, user_id, session_id)
        return room, await uow.files.list_for_session(session_id)


async def get_file(uow: UnitOfWork, *, user_id: int, session_id: int, file_id: int) -> SessionFile:
    async with uow:
        await _room(uow, user_id, session_id)
        shared = await uow.files.get(file_id)
    if shared is None or shared.session_id != session_id:
        raise NotFound("file.not_found")
    return shared


async def delete_file(uow: UnitOfWork, *, user_id: int, session_id: int, file_id: int) -> SessionFile:
    async with uow:
        room = await _room(uow, user_id, session_id)
        shared = await uow.files.get(file_id)
        if shared is None or shared.session_id != session_id:
            raise NotFound("file.not_found")
        if shared.uploader_id != user_id and not room.is_tutor:
            raise Forbidden("file.not_yours")
        await uow.files.delete(file_id)
        await uow.commit()
    return shared
