"""Simulated Telegram users: what end-to-end tests use to act as a person talking to the bot."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from testkit.telegram_chats import ChatState
from testkit.telegram_models import (
    JSON,
    BotMessage,
    CallbackAnswer,
    ChatEvent,
    MessageMatcher,
    StoredFile,
)
from testkit.telegram_text import command_entities

if TYPE_CHECKING:
    from testkit.telegram_server import FakeTelegram

_VISIBLE_KINDS = ("sent", "document", "edited")


@dataclass(frozen=True, slots=True)
class Typed:
    """A step of `FakeUser.walk` that types `text` rather than pressing a button."""

    text: str


class FakeUser:
    """A person in a private chat with the bot (chat id == user id).

    Every action (send, press, upload, ...) sets a mark: `wait_for` and `received_since_last_action`
    only look at what the bot did after the latest action.
    """

    def __init__(self, fake: FakeTelegram, chat: ChatState) -> None:
        self._fake = fake
        self._chat = chat
        self._mark = 0
        self._mark_time = time.monotonic()
        self._seen = 0
        self._last_action = "(no action yet)"
        self._last_query_id: str | None = None

    # ------------------------------------------------------------------ identity

    @property
    def id(self) -> int:
        return self._chat.chat_id

    @property
    def chat_id(self) -> int:
        return self._chat.chat_id

    @property
    def first_name(self) -> str:
        return str(self._chat.user["first_name"])

    @property
    def username(self) -> str | None:
        value = self._chat.user.get("username")
        return None if value is None else str(value)

    @property
    def language_code(self) -> str | None:
        value = self._chat.user.get("language_code")
        return None if value is None else str(value)

    def user_json(self) -> JSON:
        """The User object Telegram puts in `from` of this person's updates."""
        return dict(self._chat.user)

    def __repr__(self) -> str:
        return f"FakeUser({self.id}, {self.first_name!r})"

    # ------------------------------------------------------------------ state

    @property
    def events(self) -> list[ChatEvent]:
        """Everything the bot did in this chat (sent/document/edited/deleted), in order."""
        return list(self._chat.events)

    @property
    def messages(self) -> list[BotMessage]:
        """Current state of every bot message in the chat (edits applied, deletions flagged), in order."""
        return self._chat.messages()

    @property
    def last(self) -> BotMessage:
        """The latest bot message that is not deleted (AssertionError if there is none)."""
        for message in reversed(self.messages):
            if not message.deleted:
                return message
        raise AssertionError(f"{self} has no message from the bot")

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self._chat.callback_answers)

    @property
    def reply_keyboard(self) -> JSON | None:
        """The reply keyboard currently shown (raw ReplyKeyboardMarkup), None after ReplyKeyboardRemove."""
        return self._chat.reply_keyboard

    @property
    def reply_keyboard_buttons(self) -> list[list[str]]:
        keyboard = self._chat.reply_keyboard
        if not keyboard:
            return []
        return [
            [button if isinstance(button, str) else str(button.get("text", "")) for button in row]
            for row in keyboard.get("keyboard", [])
        ]

    @property
    def blocked(self) -> bool:
        return self._chat.blocked

    @property
    def cursor(self) -> int:
        """Sequence number of the latest event in the chat."""
        return self._chat.seq

    def received_since_last_action(self) -> list[ChatEvent]:
        return [event for event in self._chat.events if event.seq > self._mark]

    def mark(self) -> int:
        """Start a new "since" window without acting (e.g. before triggering a background job)."""
        self._mark = self._chat.seq
        self._seen = self._mark
        self._mark_time = time.monotonic()
        return self._mark

    # ------------------------------------------------------------------ actions

    def _base_message(self) -> JSON:
        return {
            "message_id": self._chat.new_message_id(),
            "from": self.user_json(),
            "chat": self._chat.chat_json(),
            "date": int(time.time()),
        }

    async def _send_message(self, message: JSON, action: str) -> JSON:
        self.mark()
        self._last_action = action
        self._chat.user_messages[int(message["message_id"])] = message
        await self._fake.inject_update({"message": message})
        return message

    async def send(self, text: str, *, reply_to: BotMessage | int | None = None) -> JSON:
        """Send a text message (bot_command entities are added for /commands). Returns the Message."""
        message = self._base_message()
        message["text"] = text
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = self._chat.find_message(reply_id)
            if replied is None:
                raise AssertionError(f"{self} cannot reply to message {reply_id}: it does not exist")
            replied = dict(replied)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        return await self._send_message(message, f"send {text!r}")

    async def send_start(self, payload: str | None = None) -> JSON:
        """/start, or a deep link /start <payload> (t.me/<bot>?start=<payload>)."""
        return await self.send(f"/start {payload}" if payload else "/start")

    async def upload(
        self,
        file_name: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> StoredFile:
        """Send a document; the file is downloadable by the bot through getFile and the file route."""
        stored = self._fake.store_file(data, file_name, mime_type)
        message = self._base_message()
        message["document"] = stored.document_json()
        if caption:
            message["caption"] = caption
        await self._send_message(message, f"upload {file_name!r}")
        return stored

    async def share_location(
        self, latitude: float, longitude: float, *, horizontal_accuracy: float | None = None
    ) -> JSON:
        message = self._base_message()
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        message["location"] = location
        return await self._send_message(message, f"share location {latitude},{longitude}")

    async def share_contact(self, phone_number: str) -> JSON:
        """Share own contact (what a request_contact reply button does)."""
        message = self._base_message()
        message["contact"] = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.id,
        }
        return await self._send_message(message, f"share contact {phone_number}")

    async def tap(self, label: str, *, location: tuple[float, float] | None = None) -> JSON:
        """Press a button of the reply keyboard currently shown (sends its text, location or contact)."""
        keyboard = self._chat.reply_keyboard
        for row in keyboard.get("keyboard", []) if keyboard else []:
            for button in row:
                text = button if isinstance(button, str) else button.get("text")
                if text != label:
                    continue
                if isinstance(button, dict) and button.get("request_location"):
                    if location is None:
                        raise AssertionError(f"reply button {label!r} requests a location: pass location=(lat, lon)")
                    return await self.share_location(*location)
                if isinstance(button, dict) and button.get("request_contact"):
                    return await self.share_contact("+10000000000")
                return await self.send(label)
        raise AssertionError(f"{self} has no reply keyboard button {label!r}; keyboard: {self.reply_keyboard_buttons}")

    async def press(self, label: str, *, message: BotMessage | int | None = None) -> str:
        """Press an inline button and inject the callback_query; returns the callback query id.

        Looks for exactly `label` (else a unique button containing it) on the most recent live bot
        message that has it, or on `message` when given.
        """
        candidates = self._candidates(message)
        target: tuple[BotMessage, JSON] | None = None
        for exact in (True, False):
            for candidate in candidates:
                buttons = [
                    button
                    for row in candidate.inline_keyboard
                    for button in row
                    if (button.get("text") == label if exact else label in str(button.get("text", "")))
                ]
                if len(buttons) > 1 and not exact:
                    labels = [b.get("text") for b in buttons]
                    raise AssertionError(f"{label!r} is ambiguous on message {candidate.message_id}: {labels}")
                if buttons:
                    target = (candidate, buttons[0])
                    break
            if target is not None:
                break
        if target is None:
            visible = "; ".join(f"message {m.message_id}: {m.buttons}" for m in candidates if m.inline_keyboard)
            raise AssertionError(f"{self} sees no inline button {label!r}; visible buttons: {visible or 'none'}")
        bot_message, button = target
        if button.get("callback_data") is None:
            kinds = [key for key in button if key != "text"]
            raise AssertionError(f"button {label!r} is not a callback button ({kinds}): {button}")
        self.mark()
        self._last_action = f"press {button.get('text')!r} on message {bot_message.message_id}"
        query_id = self._fake.open_callback_query(self.chat_id)
        self._chat.open_queries.add(query_id)
        self._last_query_id = query_id
        current = self._chat.current(bot_message.message_id)
        await self._fake.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user_json(),
                    "message": current.raw,
                    "chat_instance": str(-7_000_000_000_000_000_000 + self.chat_id),
                    "data": button["callback_data"],
                }
            }
        )
        return query_id

    def _candidates(self, message: BotMessage | int | None) -> list[BotMessage]:
        if message is not None:
            message_id = message if isinstance(message, int) else message.message_id
            if message_id not in self._chat.bot_messages:
                raise AssertionError(f"{self} has no bot message {message_id}")
            current = self._chat.current(message_id)
            if current.deleted:
                raise AssertionError(f"message {message_id} was deleted: {current.describe()}")
            return [current]
        return [m for m in reversed(self.messages) if not m.deleted]

    async def block(self) -> None:
        """Block the bot: sends my_chat_member (kicked); later sends get 403 Forbidden."""
        await self._set_member_status("kicked")

    async def unblock(self) -> None:
        await self._set_member_status("member")

    async def _set_member_status(self, status: str) -> None:
        old = "member" if status == "kicked" else "kicked"
        self._chat.blocked = status == "kicked"
        self.mark()
        self._last_action = "block the bot" if status == "kicked" else "unblock the bot"
        member: JSON = {"user": self._fake.bot_user, "status": status}
        old_member: JSON = {"user": self._fake.bot_user, "status": old}
        for item in (member, old_member):
            if item["status"] == "kicked":
                item["until_date"] = 0
        await self._fake.inject_update(
            {
                "my_chat_member": {
                    "chat": self._chat.chat_json(),
                    "from": self.user_json(),
                    "date": int(time.time()),
                    "old_chat_member": old_member,
                    "new_chat_member": member,
                }
            }
        )

    # ------------------------------------------------------------------ waiting and assertions

    def _describe_since(self, since: int) -> str:
        lines = [event.describe() for event in self._chat.events if event.seq > since]
        failures = self._fake.failed_requests_since(self._mark_time, self.chat_id)
        text = "\n  ".join(lines) if lines else "(nothing)"
        if failures:
            failed = "\n  ".join(f"{r.method} -> {r.status} {r.description or r.error}" for r in failures)
            text += f"\nFailed bot requests since then:\n  {failed}"
        if self._fake.unknown_methods:
            text += f"\nUnknown methods called by the bot: {self._fake.unknown_methods}"
        return text

    async def wait_for(
        self,
        match: MessageMatcher,
        *,
        timeout: float = 5.0,
        after: BotMessage | int | None = None,
        new_only: bool = False,
    ) -> BotMessage:
        """Wait for a bot message or edit (after the last action, or after `after`) whose text contains
        `match` (or for which `match(message)` is true); returns a snapshot of it.

        new_only=True ignores edits (e.g. an old message whose keyboard was just removed)."""
        since = self._mark if after is None else (after if isinstance(after, int) else after.seq)
        kinds = ("sent", "document") if new_only else _VISIBLE_KINDS

        def find() -> ChatEvent | None:
            for event in self._chat.events:
                if event.seq > since and event.kind in kinds and event.message.matches(match):
                    return event
            return None

        found: list[ChatEvent] = []

        def ready() -> bool:
            event = find()
            if event is not None:
                found.append(event)
            return event is not None

        if not await self._fake.wait_until(ready, timeout, chat_id=self.chat_id):
            wanted = repr(match) if isinstance(match, str) else getattr(match, "__name__", "predicate")
            raise AssertionError(
                f"{self} did not receive a bot message matching {wanted} within {timeout}s "
                f"after {self._last_action}. Received since then:\n  {self._describe_since(since)}"
            )
        event = found[-1]
        self._seen = max(self._seen, event.seq)
        return event.message

    async def walk(self, *steps: tuple[str | Typed, MessageMatcher]) -> BotMessage:
        """Take each step and wait for the answer it brings: a label is a button pressed, a label starting
        with "/" a command sent (answered by a new message), `Typed(text)` an answer typed. Returns the
        last answer."""
        screen: BotMessage | None = None
        for action, expect in steps:
            command = isinstance(action, str) and action.startswith("/")
            if isinstance(action, Typed):
                await self.send(action.text)
            elif command:
                await self.send(action)
            else:
                await self.press(action)
            screen = await self.wait_for(expect, new_only=command)
        assert screen is not None, "walk() needs at least one step"
        return screen

    async def wait_for_callback_answer(self, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answers the callback query of the last press."""
        query_id = self._last_query_id
        if query_id is None:
            raise AssertionError(f"{self} has not pressed any button")

        def answer() -> CallbackAnswer | None:
            for item in self._chat.callback_answers:
                if item.callback_query_id == query_id:
                    return item
            return None

        if not await self._fake.wait_until(lambda: answer() is not None, timeout, chat_id=self.chat_id):
            raise AssertionError(
                f"the bot did not answer the callback query of {self._last_action} within {timeout}s. "
                f"Since then:\n  {self._describe_since(self._mark)}"
            )
        result = answer()
        assert result is not None
        return result

    async def expect_no_message(self, within: float = 0.5, *, since: BotMessage | int | None = None) -> None:
        """Assert the bot sends, edits or deletes nothing new in this chat during `within` seconds.

        "New" means after the later of the last action and the newest message returned by `wait_for`
        (or after `since`, a BotMessage or an event sequence number).
        """
        baseline = self._seen if since is None else (since if isinstance(since, int) else since.seq)
        await self._fake.wait_until(lambda: self._chat.seq > baseline, within, chat_id=self.chat_id)
        if self._chat.seq > baseline:
            raise AssertionError(
                f"{self} expected no new message after {self._last_action}, got:\n  {self._describe_since(baseline)}"
            )

    def downloaded(self, message: BotMessage | None = None) -> bytes:
        """Bytes of the document in `message` (default: the latest bot message)."""
        target = message or self.last
        if target.document is None:
            raise AssertionError(f"{target.describe()} has no document")
        return target.document.data
