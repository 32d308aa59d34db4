"""Per-chat state kept by the fake server: the bot's messages, their edits and an ordered event log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from testkit.telegram_models import (
    JSON,
    BotMessage,
    CallbackAnswer,
    ChatEvent,
    EventKind,
    MessageVersion,
    StoredFile,
)


@dataclass
class MessageState:
    """Mutable state of one bot message."""

    message_id: int
    chat_id: int
    date: int
    text: str | None
    sent_text: str | None
    parse_mode: str | None
    entities: list[JSON]
    reply_markup: JSON | None
    document: StoredFile | None = None
    edit_date: int | None = None
    deleted: bool = False
    history: list[MessageVersion] = field(default_factory=list)
    link_preview_options: JSON | None = None
    reply_to: JSON | None = None
    protect_content: bool = False

    @property
    def inline_markup(self) -> JSON | None:
        """What Telegram reports as Message.reply_markup: only a non-empty inline keyboard."""
        if self.reply_markup and self.reply_markup.get("inline_keyboard"):
            return {"inline_keyboard": self.reply_markup["inline_keyboard"]}
        return None

    def version(self, seq: int) -> MessageVersion:
        return MessageVersion(seq=seq, text=self.text, entities=tuple(self.entities), reply_markup=self.reply_markup)

    def message_json(self, bot_user: JSON, chat: JSON) -> JSON:
        message: JSON = {
            "message_id": self.message_id,
            "from": bot_user,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.reply_to is not None:
            message["reply_to_message"] = self.reply_to
        if self.document is not None:
            message["document"] = self.document.document_json()
            if self.text is not None:
                message["caption"] = self.text
                if self.entities:
                    message["caption_entities"] = list(self.entities)
        elif self.text is not None:
            message["text"] = self.text
            if self.entities:
                message["entities"] = list(self.entities)
            if self.link_preview_options:
                message["link_preview_options"] = self.link_preview_options
        if self.protect_content:
            message["has_protected_content"] = True
        inline = self.inline_markup
        if inline is not None:
            message["reply_markup"] = inline
        return message

    def snapshot(self, seq: int, bot_user: JSON, chat: JSON) -> BotMessage:
        return BotMessage(
            message_id=self.message_id,
            chat_id=self.chat_id,
            seq=seq,
            date=self.date,
            text=self.text or "",
            sent_text=self.sent_text,
            parse_mode=self.parse_mode,
            entities=tuple(self.entities),
            reply_markup=self.reply_markup,
            document=self.document,
            caption=self.text if self.document is not None else None,
            edit_date=self.edit_date,
            deleted=self.deleted,
            history=tuple(self.history),
            raw=self.message_json(bot_user, chat),
            link_preview_options=self.link_preview_options,
            reply_to_message_id=self.reply_to["message_id"] if self.reply_to else None,
        )


@dataclass
class ChatState:
    """A private chat between the bot and one user (chat id == user id)."""

    chat_id: int
    user: JSON
    bot_user: JSON
    next_message_id: int = 1
    seq: int = 0
    bot_messages: dict[int, MessageState] = field(default_factory=dict)
    user_messages: dict[int, JSON] = field(default_factory=dict)
    deleted_user_messages: set[int] = field(default_factory=set)
    events: list[ChatEvent] = field(default_factory=list)
    reply_keyboard: JSON | None = None
    blocked: bool = False
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    open_queries: set[str] = field(default_factory=set)
    menu_button: JSON | None = None

    def chat_json(self) -> JSON:
        chat: JSON = {"id": self.chat_id, "type": "private"}
        for key in ("first_name", "last_name", "username"):
            if self.user.get(key):
                chat[key] = self.user[key]
        return chat

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def record(self, kind: EventKind, state: MessageState) -> ChatEvent:
        self.seq += 1
        if kind != "deleted":
            state.history.append(state.version(self.seq))
        event = ChatEvent(
            seq=self.seq,
            kind=kind,
            message_id=state.message_id,
            time=time.monotonic(),
            message=state.snapshot(self.seq, self.bot_user, self.chat_json()),
        )
        self.events.append(event)
        return event

    def find_message(self, message_id: int) -> JSON | None:
        """Any live message of the chat (bot's or user's) as a Message object."""
        state = self.bot_messages.get(message_id)
        if state is not None and not state.deleted:
            return state.message_json(self.bot_user, self.chat_json())
        if message_id in self.user_messages and message_id not in self.deleted_user_messages:
            return self.user_messages[message_id]
        return None

    def current(self, message_id: int) -> BotMessage:
        state = self.bot_messages[message_id]
        return state.snapshot(self.seq, self.bot_user, self.chat_json())

    def messages(self) -> list[BotMessage]:
        return [self.current(message_id) for message_id in sorted(self.bot_messages)]

    def user_json(self) -> Any:
        return dict(self.user)
