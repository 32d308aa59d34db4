from datetime import datetime

from sqlalchemy import select, update

from core.entities import ChatMessage, Conversation
from storage.repositories._common import TableRepository
from storage.repositories._stored import CHAT_MESSAGES, CONVERSATIONS
from storage.tables import chat_messages, conversations, session_files


class SqlConversationRepository(TableRepository[Conversation]):
    stored = CONVERSATIONS

    async def get_by_participant(self, participant_id: int) -> Conversation | None:
        return await self._first_by(conversations.c.participant_id, participant_id)

    async def list_for_session(self, session_id: int) -> list[Conversation]:
        """Every participation's conversation in the session, the oldest first."""
        return await self._list(
            select(conversations).where(conversations.c.session_id == session_id).order_by(conversations.c.id)
        )

    async def move(self, participant_id: int, session_id: int) -> None:
        """The participation moved to another session (a rescheduled 1-to-1): its chat and files go along."""
        await self._conn.execute(
            update(conversations).where(conversations.c.participant_id == participant_id).values(session_id=session_id)
        )
        await self._conn.execute(
            update(session_files).where(session_files.c.participant_id == participant_id).values(session_id=session_id)
        )

    async def add(self, conversation: Conversation) -> Conversation:
        """Insert the conversation; sets the new id on `conversation` and returns it."""
        return await self._insert(conversation)

    async def close(self, session_id: int, at: datetime, participant_id: int | None = None) -> None:
        """The chat ends with the session (or, given `participant_id`, with that participation): no message
        is relayed after `at`."""
        condition = [conversations.c.session_id == session_id, conversations.c.closed_at.is_(None)]
        if participant_id is not None:
            condition.append(conversations.c.participant_id == participant_id)
        await self._conn.execute(update(conversations).where(*condition).values(closed_at=at))


class SqlChatMessageRepository(TableRepository[ChatMessage]):
    stored = CHAT_MESSAGES

    async def add(self, message: ChatMessage) -> ChatMessage:
        """Insert the message; sets the new id on `message` and returns it."""
        return await self._insert(message)

    async def list_for_conversation(
        self, conversation_id: int, limit: int = 50, before_id: int | None = None
    ) -> list[ChatMessage]:
        """The latest `limit` messages (older than message `before_id` when given), oldest first."""
        query = select(chat_messages).where(chat_messages.c.conversation_id == conversation_id)
        if before_id is not None:
            query = query.where(chat_messages.c.id < before_id)
        latest = await self._list(query.order_by(chat_messages.c.id.desc()).limit(limit))
        latest.reverse()
        return latest
