from datetime import datetime

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import ChatMessage, Conversation
from storage.repositories._common import require_new
from storage.tables import chat_messages, conversations


def _to_conversation(row: RowMapping) -> Conversation:
    return Conversation(
        id=row["id"],
        session_id=row["session_id"],
        participant_id=row["participant_id"],
        created_at=row["created_at"],
        closed_at=row["closed_at"],
    )


def _to_message(row: RowMapping) -> ChatMessage:
    return ChatMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        sender_id=row["sender_id"],
        content=row["content"],
        created_at=row["created_at"],
    )


class SqlConversationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get_by_participant(self, participant_id: int) -> Conversation | None:
        result = await self._conn.execute(select(conversations).where(conversations.c.participant_id == participant_id))
        row = result.mappings().first()
        return _to_conversation(row) if row is not None else None

    async def list_for_session(self, session_id: int) -> list[Conversation]:
        """Every participation's conversation in the session, the oldest first."""
        result = await self._conn.execute(
            select(conversations).where(conversations.c.session_id == session_id).order_by(conversations.c.id)
        )
        return [_to_conversation(row) for row in result.mappings()]

    async def add(self, conversation: Conversation) -> Conversation:
        """Insert the conversation; sets the new id on `conversation` and returns it."""
        require_new(conversation)
        result = await self._conn.execute(
            insert(conversations)
            .values(
                session_id=conversation.session_id,
                participant_id=conversation.participant_id,
                created_at=conversation.created_at,
                closed_at=conversation.closed_at,
            )
            .returning(conversations.c.id)
        )
        conversation.id = result.scalar_one()
        return conversation

    async def close(self, session_id: int, at: datetime, participant_id: int | None = None) -> None:
        """The chat ends with the session (or, given `participant_id`, with that participation): no message
        is relayed after `at`."""
        condition = [conversations.c.session_id == session_id, conversations.c.closed_at.is_(None)]
        if participant_id is not None:
            condition.append(conversations.c.participant_id == participant_id)
        await self._conn.execute(update(conversations).where(*condition).values(closed_at=at))


class SqlChatMessageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, message: ChatMessage) -> ChatMessage:
        """Insert the message; sets the new id on `message` and returns it."""
        require_new(message)
        result = await self._conn.execute(
            insert(chat_messages)
            .values(
                conversation_id=message.conversation_id,
                sender_id=message.sender_id,
                content=message.content,
                created_at=message.created_at,
            )
            .returning(chat_messages.c.id)
        )
        message.id = result.scalar_one()
        return message

    async def list_for_conversation(
        self, conversation_id: int, limit: int = 50, before_id: int | None = None
    ) -> list[ChatMessage]:
        """The latest `limit` messages (older than message `before_id` when given), oldest first."""
        query = select(chat_messages).where(chat_messages.c.conversation_id == conversation_id)
        if before_id is not None:
            query = query.where(chat_messages.c.id < before_id)
        result = await self._conn.execute(query.order_by(chat_messages.c.id.desc()).limit(limit))
        latest = [_to_message(row) for row in result.mappings()]
        latest.reverse()
        return latest
