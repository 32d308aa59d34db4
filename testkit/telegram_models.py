"""Value objects shared by the fake Telegram Bot API server and its simulated users."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

JSON = dict[str, Any]

EventKind = Literal["sent", "document", "edited", "deleted"]
MessageMatcher = str | Callable[["BotMessage"], bool]


class ApiError(Exception):
    """Raised inside a method implementation; turned into Telegram's error JSON."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        payload: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return payload


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as received."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """A file the fake server knows: uploaded by the bot or by a simulated user."""

    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str

    @property
    def file_size(self) -> int:
        return len(self.data)

    @property
    def name(self) -> str:
        return self.file_name

    def document_json(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_size": self.file_size,
        }


@dataclass
class RequestRecord:
    """One HTTP call of a Bot API method (also method calls returned in a webhook reply)."""

    method: str
    params: dict[str, Any]
    time: float
    status: int | None = None
    description: str | None = None
    result: Any = None
    error: str | None = None
    source: Literal["http", "webhook-reply"] = "http"

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class Fault:
    method: str
    status: int
    description: str
    retry_after: int | None
    times: int
    chat_id: int | None


@dataclass
class ConnectionDrop:
    method: str
    times: int
    after_processing: bool


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the bot's webhook."""

    update_id: int
    url: str
    attempt: int
    time: float
    status: int | None
    error: str | None = None
    secret_token_sent: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class CallbackAnswer:
    """Payload of an answerCallbackQuery call."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class ChatActionRecord:
    chat_id: int
    action: str
    time: float


@dataclass(frozen=True)
class MessageVersion:
    """Content of a bot message at one point of its life (initial send or an edit)."""

    seq: int
    text: str | None
    entities: tuple[JSON, ...]
    reply_markup: JSON | None


def _labels(markup: JSON | None) -> list[list[str]]:
    if not markup:
        return []
    rows: Any = markup.get("inline_keyboard")
    if rows is None:
        rows = markup.get("keyboard")
    if not isinstance(rows, list):
        return []
    result: list[list[str]] = []
    for row in rows:
        labels: list[str] = []
        for button in row if isinstance(row, list) else []:
            if isinstance(button, str):
                labels.append(button)
            elif isinstance(button, Mapping):
                labels.append(str(button.get("text", "")))
        result.append(labels)
    return result


@dataclass(frozen=True)
class BotMessage:
    """Snapshot of a message the bot has in a chat, as the user sees it at one moment."""

    message_id: int
    chat_id: int
    seq: int
    date: int
    text: str
    """The text the person reads: the message's text, or a document's caption ("" when it has neither)."""
    sent_text: str | None
    """Text (or caption) exactly as the bot sent it, before parse_mode was applied."""
    parse_mode: str | None
    entities: tuple[JSON, ...]
    reply_markup: JSON | None
    """Raw reply_markup as sent: inline keyboard, reply keyboard, ReplyKeyboardRemove or ForceReply."""
    document: StoredFile | None
    caption: str | None
    edit_date: int | None
    deleted: bool
    history: tuple[MessageVersion, ...]
    """Every version of the message, oldest first; the last one is the current content."""
    raw: JSON
    """The Message object as Telegram would return it now."""
    link_preview_options: JSON | None = None
    reply_to_message_id: int | None = None

    @property
    def buttons(self) -> list[list[str]]:
        """Labels of the keyboard attached to the message (inline or reply keyboard), by rows."""
        return _labels(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        return [label for row in self.buttons for label in row]

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        if self.reply_markup and isinstance(self.reply_markup.get("inline_keyboard"), list):
            return [list(row) for row in self.reply_markup["inline_keyboard"]]
        return []

    def button(self, label: str) -> JSON:
        """The raw inline button with exactly this label (AssertionError if absent)."""
        for row in self.inline_keyboard:
            for button in row:
                if button.get("text") == label:
                    return dict(button)
        raise AssertionError(f"message {self.message_id} has no inline button {label!r}; it has {self.buttons}")

    @property
    def edited(self) -> bool:
        return self.edit_date is not None

    @property
    def edit_count(self) -> int:
        return len(self.history) - 1

    def matches(self, matcher: MessageMatcher) -> bool:
        """Substring of the text/caption, or a predicate (one that raises counts as no match)."""
        if isinstance(matcher, str):
            return matcher in self.text
        try:
            return bool(matcher(self))
        except (AttributeError, TypeError, KeyError, IndexError, ValueError):
            return False

    def describe(self) -> str:
        parts = [f"message {self.message_id}"]
        if self.deleted:
            parts.append("(deleted)")
        if self.document is not None:
            parts.append(f"document {self.document.file_name!r} ({self.document.file_size} bytes)")
        parts.append(repr(self.text))
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        return " ".join(parts)


@dataclass(frozen=True)
class ChatEvent:
    """One entry of a chat's log of what the bot did there."""

    seq: int
    kind: EventKind
    message_id: int
    time: float
    message: BotMessage
    """Snapshot of the message right after this event."""

    def describe(self) -> str:
        return f"#{self.seq} {self.kind}: {self.message.describe()}"


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)


def strip_none(value: Any) -> Any:
    """Drop keys whose value is None, recursively (aiogram never sends them; Telegram ignores them)."""
    if isinstance(value, Mapping):
        return {key: strip_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [strip_none(item) for item in value]
    return value


def canonical(value: Any) -> str:
    return json.dumps(strip_none(value), sort_keys=True, ensure_ascii=False)


@dataclass
class _Counter:
    value: int = 0

    def next(self) -> int:
        self.value += 1
        return self.value


@dataclass
class IdSource:
    """Monotonic id generators used by the fake."""

    update: _Counter = field(default_factory=lambda: _Counter(700_000_000))
    callback: _Counter = field(default_factory=lambda: _Counter(4_000_000_000_000_000))
    file: _Counter = field(default_factory=_Counter)


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's flood control for sending methods: at most `per_second` messages in any one-second
    window across all chats, and `per_chat` per `chat_window` seconds in one chat; beyond, 429 with
    `retry_after` (whole seconds, as Telegram gives it)."""

    per_second: int = 30
    per_chat: int = 1
    chat_window: float = 1.0


class FloodGate:
    """Sliding-window bookkeeping of accepted sends, by time."""

    def __init__(self, limits: FloodLimits) -> None:
        self.limits = limits
        self.refusals = 0
        self._recent: list[float] = []
        self._by_chat: dict[int, list[float]] = {}

    def admit(self, chat_id: int | None, now: float) -> int | None:
        """Record a send at `now` and return None, or return the retry_after of a refusal."""
        self._recent = [t for t in self._recent if t > now - 1.0]
        waits: list[float] = []
        if len(self._recent) >= self.limits.per_second:
            waits.append(self._recent[-self.limits.per_second] + 1.0 - now)
        chat_sends: list[float] = []
        if chat_id is not None:
            window = self.limits.chat_window
            chat_sends = [t for t in self._by_chat.get(chat_id, []) if t > now - window]
            self._by_chat[chat_id] = chat_sends
            if len(chat_sends) >= self.limits.per_chat:
                waits.append(chat_sends[-self.limits.per_chat] + window - now)
        if waits:
            self.refusals += 1
            return max(1, math.ceil(max(waits)))
        self._recent.append(now)
        if chat_id is not None:
            chat_sends.append(now)
        return None
