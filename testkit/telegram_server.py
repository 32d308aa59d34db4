"""A fake Telegram Bot API server speaking real HTTP, for end-to-end tests of an aiogram bot.

Point the bot at it with ``AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self

import aiohttp
from aiohttp import web

from testkit.telegram_chats import ChatState, MessageState
from testkit.telegram_models import (
    JSON,
    ApiError,
    CallbackAnswer,
    ChatActionRecord,
    ConnectionDrop,
    EventKind,
    Fault,
    FloodGate,
    FloodLimits,
    IdSource,
    RequestRecord,
    StoredFile,
    UploadedFile,
    WebhookDelivery,
    WebhookState,
    bad_request,
    canonical,
    strip_none,
)
from testkit.telegram_text import (
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    format_text,
    utf16_len,
    validate_reply_markup,
)

if TYPE_CHECKING:
    from testkit.telegram_users import FakeUser

log = logging.getLogger(__name__)

# Form fields Telegram treats as plain strings (everything else may be JSON-encoded by the client).
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "file_id",
        "description",
        "short_description",
        "name",
        "language_code",
        "action",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "query",
        "emoji",
        "title",
        "method",
        "document",
        "photo",
        "thumbnail",
        "certificate",
    }
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
# Update types Telegram leaves out unless listed explicitly in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Methods that put a new message in a chat, which is what Telegram's flood limits count.
_SENDING_METHODS = frozenset({"sendmessage", "senddocument"})
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class _DroppedConnection(Exception):
    pass


def _decode_field(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in _STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _update_chat(update: JSON) -> int | None:
    """The private chat an update comes from (None if it names none)."""
    message = update.get("message") or update.get("edited_message")
    if isinstance(message, dict):
        return _to_int((message.get("chat") or {}).get("id"))
    query = update.get("callback_query")
    if isinstance(query, dict):
        return _to_int((query.get("from") or {}).get("id"))
    return None


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def update_type(update: JSON) -> str:
    for key in update:
        if key != "update_id":
            return key
    return "unknown"


class Params:
    """Typed access to a method call's parameters (form fields are strings, JSON bodies are typed)."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, UploadedFile]) -> None:
        self.values = values
        self.uploads = uploads

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def as_str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def as_int(self, name: str, *, required: str | None = None) -> int | None:
        value = self.values.get(name)
        number = _to_int(value)
        if value is not None and number is None:
            raise bad_request(f"invalid {name} specified")
        if number is None and required:
            raise bad_request(required)
        return number

    def as_float(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def as_bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def as_json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def as_file(self, name: str) -> UploadedFile | str | None:
        value = self.values.get(name)
        if isinstance(value, UploadedFile | str) or value is None:
            return value
        return str(value)


MethodImpl = Callable[[Params], Awaitable[Any]]


class FakeTelegram:
    """In-process fake of the Telegram Bot API (see the package docstring for usage)."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        bot_username: str = "tutor_test_bot",
        *,
        bot_first_name: str = "Tutor Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delays: Sequence[float] = (0.05, 0.1, 0.2, 0.4, 0.8),
        webhook_timeout: float = 10.0,
        flood_limits: FloodLimits | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.host = host
        self.port = port
        self.webhook_retry_delays = tuple(webhook_retry_delays)
        self.webhook_timeout = webhook_timeout
        self.flood = FloodGate(flood_limits) if flood_limits is not None else None
        """With flood_limits, sends beyond them get 429 (self.flood.refusals counts them)."""

        self.requests: list[RequestRecord] = []
        self.unknown_methods: list[str] = []
        self.updates: list[JSON] = []
        """Every update injected, in order (including ones dropped by allowed_updates)."""
        self.dropped_updates: list[JSON] = []
        self.webhook = WebhookState()
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.failed_webhook_updates: list[JSON] = []
        self.chat_actions: list[ChatActionRecord] = []
        self.files: dict[str, StoredFile] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.allowed_updates: list[str] | None = None

        self._ids = IdSource()
        self._chats: dict[int, ChatState] = {}
        self._users: dict[int, FakeUser] = {}
        self._pending: list[JSON] = []
        self._undelivered: set[int] = set()
        self._open_queries: dict[str, int] = {}
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: list[Fault] = []
        self._drops: list[ConnectionDrop] = []
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closing = False
        # Waiters by the chat whose changes wake them (None: any change): a change in one chat wakes only
        # that chat's waiters, so a thousand people waiting for their answers cost one check each, not
        # a thousand.
        self._waiters: dict[int | None, set[asyncio.Future[None]]] = {}
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._last_webhook_note: str | None = None
        self._methods: dict[str, MethodImpl] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "deletemessage": self._delete_message,
            "deletemessages": self._delete_messages,
            "senddocument": self._send_document,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendchataction": self._send_chat_action,
            "setchatmenubutton": self._set_chat_menu_button,
            "getchatmenubutton": self._get_chat_menu_button,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
        }

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeTelegram is already started")
        self._closing = False
        self._waiters = {}
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._client = aiohttp.ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._closing = True
        await self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        await self._runner.cleanup()
        self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_user(self) -> JSON:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    # ------------------------------------------------------------------ test-facing API

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_premium: bool | None = None,
    ) -> FakeUser:
        """The simulated person with this id.

        Created on the first call (language_code defaults to "en"; pass "" for none); later calls
        return the same FakeUser and only change the profile fields that are passed.
        """
        from testkit.telegram_users import FakeUser

        chat = self.chat(user_id)
        profile = chat.user
        is_new = user_id not in self._users
        if is_new and language_code is None:
            language_code = "en"
        fields: dict[str, object] = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "is_premium": is_premium or None,
        }
        for key, value in fields.items():
            if value is None:
                continue
            if value == "" and key != "first_name":
                profile.pop(key, None)
            else:
                profile[key] = value
        if is_new:
            self._users[user_id] = FakeUser(self, chat)
        return self._users[user_id]

    def chat(self, chat_id: int) -> ChatState:
        """State of the private chat with this id, created if the fake has not seen it yet."""
        chat = self._chats.get(chat_id)
        if chat is None:
            placeholder: JSON = {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}"}
            chat = ChatState(chat_id=chat_id, user=placeholder, bot_user=self.bot_user)
            self._chats[chat_id] = chat
        return chat

    async def inject_update(self, update: JSON) -> int:
        """Queue a raw update (update_id is assigned when missing); returns its update_id."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._ids.update.next()
        else:
            self._ids.update.value = max(self._ids.update.value, int(update["update_id"]))
        update_id = int(update["update_id"])
        self.updates.append(update)
        kind = update_type(update)
        allowed = self.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in _OPT_IN_UPDATES):
            self.dropped_updates.append(update)
            return update_id
        self._pending.append(update)
        self._undelivered.add(update_id)
        await self._notify(_update_chat(update))
        return update_id

    def inject_fault(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Make the next `times` calls of `method` (optionally only for `chat_id`) fail with `status`."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
        self._faults.append(
            Fault(
                method=method.lower(),
                status=status,
                description=description,
                retry_after=retry_after,
                times=times,
                chat_id=chat_id,
            )
        )

    def drop_connection(self, method: str, times: int = 1, *, after_processing: bool = False) -> None:
        """Abort the TCP connection of the next `times` calls of `method`.

        With after_processing=True the call takes effect (e.g. the message is sent) but the bot never
        gets the answer, like a response lost on the network.
        """
        self._drops.append(ConnectionDrop(method=method.lower(), times=times, after_processing=after_processing))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._drops.clear()

    def calls(self, method: str, *, ok: bool | None = None) -> list[RequestRecord]:
        """Logged calls of a method (case-insensitive), optionally only successful / failed ones."""
        key = method.lower()
        return [r for r in self.requests if r.method.lower() == key and (ok is None or r.ok == ok)]

    def count(self, method: str, *, ok: bool | None = None) -> int:
        return len(self.calls(method, ok=ok))

    def assert_no_unknown_methods(self) -> None:
        assert not self.unknown_methods, f"the bot called methods the fake does not implement: {self.unknown_methods}"

    async def wait_for_request(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[RequestRecord], bool] | None = None,
    ) -> RequestRecord:
        """Wait until `method` has been called `count` times (matching `predicate`); returns that call."""

        def matching() -> list[RequestRecord]:
            return [r for r in self.calls(method) if predicate is None or predicate(r)]

        if not await self.wait_until(lambda: len(matching()) >= count, timeout):
            seen = [f"{r.method}->{r.status}" for r in self.requests[-20:]]
            raise AssertionError(f"{method} was called {len(matching())} time(s), expected {count}; last calls: {seen}")
        return matching()[count - 1]

    async def wait_for_delivery(self, timeout: float = 5.0) -> None:
        """Wait until every queued update has been handed to the bot (getUpdates or webhook 2xx)."""
        if not await self.wait_until(lambda: not self._undelivered, timeout):
            raise AssertionError(f"updates not delivered within {timeout}s: {sorted(self._undelivered)}")

    async def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Wait until no update is pending and the bot is long-polling again (or the webhook queue is empty).

        With ``start_polling(..., handle_as_tasks=False)`` aiogram only asks for more updates once it has
        finished handling the previous ones, so this is a real "the bot is done" barrier; with the
        default handle_as_tasks=True it only means the updates were fetched.
        """

        def idle() -> bool:
            return not self._pending and (self.webhook.active or self._waiting_polls > 0)

        if not await self.wait_until(idle, timeout):
            raise AssertionError(
                f"the bot is not idle after {timeout}s: {len(self._pending)} pending update(s), "
                f"{self._waiting_polls} waiting getUpdates, webhook={self.webhook.url or None}"
            )

    @property
    def pending_update_count(self) -> int:
        return len(self._pending)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set with setMyCommands for this scope (default scope if None) and language."""
        return [dict(c) for c in self._commands.get((self._scope_key(scope), language_code or ""), [])]

    def store_file(self, data: bytes, file_name: str, mime_type: str | None = None) -> StoredFile:
        number = self._ids.file.next()
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{number:04d}{secrets.token_urlsafe(6)}",
            file_name=file_name,
            mime_type=mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream",
            data=data,
            file_path=f"documents/file_{number}.{extension}",
        )
        self.files[stored.file_id] = stored
        return stored

    async def wait_until(self, predicate: Callable[[], bool], timeout: float, chat_id: int | None = None) -> bool:
        """Wait (woken by any state change, or only by changes in `chat_id`'s chat) until predicate() is
        true; False on timeout."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    waiter: asyncio.Future[None] = loop.create_future()
                    waiting = self._waiters.setdefault(chat_id, set())
                    waiting.add(waiter)
                    try:
                        await waiter
                    finally:
                        waiting.discard(waiter)
        except TimeoutError:
            return predicate()
        return True

    # ------------------------------------------------------------------ internals used by FakeUser

    def open_callback_query(self, chat_id: int) -> str:
        query_id = str(self._ids.callback.next())
        self._open_queries[query_id] = chat_id
        return query_id

    def failed_requests_since(self, since: float, chat_id: int | None = None) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if r.time >= since
            and r.status not in (None, 200)
            and (chat_id is None or r.chat_id is None or _to_int(r.chat_id) == chat_id)
        ]

    async def _notify(self, chat_id: int | None = None) -> None:
        """Wake the waiters of `chat_id`'s chat and those waiting for any change (everyone when None)."""
        keys = [None, chat_id] if chat_id is not None else list(self._waiters)
        for key in keys:
            for waiter in self._waiters.pop(key, ()):
                if not waiter.done():
                    waiter.set_result(None)

    # ------------------------------------------------------------------ HTTP layer

    @staticmethod
    def _error_response(error: ApiError) -> web.Response:
        return web.json_response(error.body(), status=error.status)

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return await self._handle_not_found(request)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return await self._handle_not_found(request)

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            record = RequestRecord(method=method, params={}, time=time.monotonic(), status=401)
            record.description = "Unauthorized"
            self.requests.append(record)
            return self._error_response(ApiError(401, "Unauthorized"))
        try:
            params, uploads = await self._read_params(request)
        except ValueError as exc:
            return self._error_response(bad_request(f"can't parse request: {exc}"))

        def abort() -> None:
            if request.transport is not None:
                request.transport.abort()

        try:
            status, body = await self._call(method, params, uploads, abort=abort)
        except _DroppedConnection:
            # The transport is gone; the handler is cancelled as soon as aiohttp notices.
            await asyncio.sleep(3600)
            raise
        return web.json_response(body, status=status)

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        values: dict[str, Any] = {key: _decode_field(key, value) for key, value in request.query.items()}
        uploads: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            text = await request.text()
            if text.strip():
                body = json.loads(text)
                if not isinstance(body, dict):
                    raise ValueError("JSON body must be an object")
                values.update(body)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = UploadedFile(
                        field_name=key,
                        filename=value.filename,
                        content_type=value.content_type,
                        data=value.file.read(),
                    )
                elif isinstance(value, bytes | bytearray):
                    values[key] = _decode_field(key, bytes(value).decode("utf-8"))
                else:
                    values[key] = _decode_field(key, value)
        return FakeTelegram._resolve_attachments(values, uploads)

    @staticmethod
    def _resolve_attachments(
        values: dict[str, Any], uploads: dict[str, UploadedFile]
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        for key, value in list(values.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                upload = uploads.get(value.removeprefix("attach://"))
                if upload is None:
                    raise ValueError(f"file {value} is missing")
                values[key] = upload
        for key, upload in uploads.items():
            values.setdefault(key, upload)
        return values, uploads

    async def _call(
        self,
        method: str,
        params: dict[str, Any],
        uploads: dict[str, UploadedFile],
        *,
        abort: Callable[[], None] | None = None,
        source: str = "http",
    ) -> tuple[int, JSON]:
        record = RequestRecord(method=method, params=params, time=time.monotonic())
        if source == "webhook-reply":
            record.source = "webhook-reply"
        self.requests.append(record)
        key = method.lower()
        chat_id = self._request_chat(key, params)
        try:
            await self._notify(chat_id)
            impl = self._methods.get(key)
            if impl is None:
                self.unknown_methods.append(method)
                raise ApiError(404, "Not Found")
            drop = self._take_drop(key, after_processing=False)
            if drop and abort is not None:
                record.error = "connection dropped before processing"
                abort()
                raise _DroppedConnection
            self._take_fault(key, params)
            if self.flood is not None and key in _SENDING_METHODS:
                retry_after = self.flood.admit(_to_int(params.get("chat_id")), time.monotonic())
                if retry_after is not None:
                    raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)
            result = await impl(Params(params, uploads))
            record.status, record.result = 200, result
            drop = self._take_drop(key, after_processing=True)
            if drop and abort is not None:
                record.error = "connection dropped after processing"
                abort()
                raise _DroppedConnection
            body: JSON = {"ok": True, "result": result}
            if key in {"setwebhook", "deletewebhook"} and isinstance(self._last_webhook_note, str):
                body["description"] = self._last_webhook_note
            return 200, body
        except ApiError as error:
            record.status, record.description = error.status, error.description
            return error.status, error.body()
        except asyncio.CancelledError:
            record.error = record.error or "cancelled: client disconnected"
            raise
        finally:
            await self._notify(chat_id)

    def _request_chat(self, key: str, params: dict[str, Any]) -> int | None:
        """The private chat a request acts on, when it names one (None: it may touch any)."""
        if key == "answercallbackquery":
            return self._open_queries.get(str(params.get("callback_query_id")))
        return _to_int(params.get("chat_id"))

    def _take_drop(self, key: str, *, after_processing: bool) -> ConnectionDrop | None:
        for drop in self._drops:
            if drop.method == key and drop.after_processing == after_processing:
                drop.times -= 1
                if drop.times <= 0:
                    self._drops.remove(drop)
                return drop
        return None

    def _take_fault(self, key: str, params: dict[str, Any]) -> None:
        for fault in self._faults:
            if fault.method != key:
                continue
            if fault.chat_id is not None and _to_int(params.get("chat_id")) != fault.chat_id:
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            raise ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    # ------------------------------------------------------------------ helpers for methods

    def _chat_for(self, params: Params, *, sending: bool = False) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        chat_id = _to_int(raw)
        if chat_id is None:
            username = str(raw).removeprefix("@")
            for chat in self._chats.values():
                if chat.user.get("username") == username:
                    chat_id = chat.chat_id
                    break
        if chat_id is None or chat_id <= 0:
            raise bad_request("chat not found")
        chat = self.chat(chat_id)
        if sending and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _editable(self, params: Params, *, what: str = "edit") -> tuple[ChatState, MessageState]:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat_for(params)
        message_id = params.as_int("message_id", required="message identifier is not specified")
        assert message_id is not None
        state = chat.bot_messages.get(message_id)
        if state is None or state.deleted:
            if message_id in chat.user_messages and message_id not in chat.deleted_user_messages:
                raise bad_request(f"message can't be {'edited' if what == 'edit' else 'deleted'}")
            raise bad_request(f"message to {what} not found")
        return chat, state

    def _reply_to(self, chat: ChatState, params: Params) -> JSON | None:
        reply: Any = params.as_json("reply_parameters")
        if not isinstance(reply, dict):
            reply = {"message_id": params.get("reply_to_message_id")} if params.has("reply_to_message_id") else None
        if not reply:
            return None
        message_id = _to_int(reply.get("message_id"))
        found = chat.find_message(message_id) if message_id is not None else None
        if found is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        found = dict(found)
        found.pop("reply_to_message", None)
        return found

    @staticmethod
    def _apply_reply_keyboard(chat: ChatState, markup: JSON | None) -> None:
        if not markup:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    @staticmethod
    def _inline_only(markup: JSON | None) -> JSON | None:
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    @staticmethod
    def _same_markup(a: JSON | None, b: JSON | None) -> bool:
        def norm(markup: JSON | None) -> str:
            if not markup or not markup.get("inline_keyboard"):
                return "null"
            return canonical(markup["inline_keyboard"])

        return norm(a) == norm(b)

    def _scope_key(self, scope: Any) -> str:
        if scope is None or scope == "":
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise bad_request("can't parse BotCommandScope")
        return canonical(scope)

    def _message_json(self, chat: ChatState, state: MessageState) -> JSON:
        return state.message_json(self.bot_user, chat.chat_json())

    # ------------------------------------------------------------------ Bot API methods

    async def _get_me(self, params: Params) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> Any:
        if self.webhook.active:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.as_int("offset")
        limit = min(100, max(1, params.as_int("limit") or 100))
        timeout = max(0.0, params.as_float("timeout") or 0.0)
        allowed = params.as_json("allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed] or None
        if offset is not None and offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._pending = [u for u in self._pending if int(u["update_id"]) >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        await self._notify()

        def ready() -> bool:
            return bool(self._pending) or generation != self._poll_generation or self.webhook.active or self._closing

        if timeout and not ready():
            self._waiting_polls += 1
            await self._notify()
            try:
                await self.wait_until(ready, timeout)
            finally:
                self._waiting_polls -= 1
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        if self.webhook.active:
            raise ApiError(409, "Conflict: terminated by setWebhook request")
        batch = self._pending[:limit]
        for update in batch:
            self._undelivered.discard(int(update["update_id"]))
        return batch

    async def _send_message(self, params: Params) -> Any:
        chat = self._chat_for(params, sending=True)
        text, entities = format_text(
            params.as_str("text"),
            params.as_str("parse_mode"),
            params.as_json("entities"),
            max_length=MAX_TEXT_LENGTH,
            empty_error="message text is empty",
            too_long_error="message is too long",
        )
        preview = params.as_json("link_preview_options")
        state = self._new_message(
            chat,
            params,
            text,
            entities,
            sent_from="text",
            link_preview_options=strip_none(preview) if isinstance(preview, dict) else None,
        )
        return self._post_to_chat(chat, state, "sent")

    def _new_message(
        self,
        chat: ChatState,
        params: Params,
        text: str | None,
        entities: list[JSON],
        *,
        sent_from: str,
        link_preview_options: JSON | None = None,
        document: StoredFile | None = None,
    ) -> MessageState:
        """The message a send method makes, from the text (or caption) it formatted and its common parameters."""
        # Checked before a message id is taken: a refused send uses none up.
        markup = validate_reply_markup(params.as_json("reply_markup"))
        reply_to = self._reply_to(chat, params)
        return MessageState(
            message_id=chat.new_message_id(),
            chat_id=chat.chat_id,
            date=int(time.time()),
            text=text,
            sent_text=params.as_str(sent_from),
            parse_mode=params.as_str("parse_mode"),
            entities=entities,
            reply_markup=markup,
            link_preview_options=link_preview_options,
            document=document,
            reply_to=reply_to,
            protect_content=params.as_bool("protect_content"),
        )

    def _post_to_chat(self, chat: ChatState, state: MessageState, kind: EventKind) -> Any:
        chat.bot_messages[state.message_id] = state
        self._apply_reply_keyboard(chat, state.reply_markup)
        chat.record(kind, state)
        return self._message_json(chat, state)

    async def _send_document(self, params: Params) -> Any:
        chat = self._chat_for(params, sending=True)
        document = params.as_file("document")
        stored: StoredFile | None
        if isinstance(document, UploadedFile):
            if not document.data:
                raise bad_request("file must be non-empty")
            stored = self.store_file(document.data, document.filename)
        elif not document:
            raise bad_request("there is no document in the request")
        elif document.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        else:
            stored = self.files.get(document)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
        caption, entities = format_text(
            params.as_str("caption"),
            params.as_str("parse_mode"),
            params.as_json("caption_entities"),
            max_length=MAX_CAPTION_LENGTH,
            empty_error=None,
            too_long_error="message caption is too long",
        )
        state = self._new_message(chat, params, caption, entities, sent_from="caption", document=stored)
        return self._post_to_chat(chat, state, "document")

    async def _edit_message_text(self, params: Params) -> Any:
        chat, state = self._editable(params)
        if state.document is not None:
            raise bad_request("there is no text in the message to edit")
        text, entities = format_text(
            params.as_str("text"),
            params.as_str("parse_mode"),
            params.as_json("entities"),
            max_length=MAX_TEXT_LENGTH,
            empty_error="message text is empty",
            too_long_error="MESSAGE_TOO_LONG",
        )
        preview = params.as_json("link_preview_options")
        kept_preview = strip_none(preview) if isinstance(preview, dict) else None
        return self._edited(chat, state, params, text, entities, edited_from="text", preview=kept_preview)

    async def _edit_message_caption(self, params: Params) -> Any:
        chat, state = self._editable(params)
        if state.document is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = format_text(
            params.as_str("caption"),
            params.as_str("parse_mode"),
            params.as_json("caption_entities"),
            max_length=MAX_CAPTION_LENGTH,
            empty_error=None,
            too_long_error="message caption is too long",
        )
        return self._edited(chat, state, params, caption, entities, edited_from="caption")

    def _edited(
        self,
        chat: ChatState,
        state: MessageState,
        params: Params,
        text: str | None,
        entities: list[JSON],
        *,
        edited_from: str,
        preview: JSON | Literal["unchanged"] | None = "unchanged",
    ) -> Any:
        """Apply an edit of the text (or caption) and keyboard; an edit that changes nothing is refused."""
        markup = self._inline_only(validate_reply_markup(params.as_json("reply_markup")))
        if (
            text == state.text
            and canonical(entities) == canonical(state.entities)
            and self._same_markup(markup, state.inline_markup)
        ):
            raise bad_request(_NOT_MODIFIED)
        state.text, state.entities, state.reply_markup = text, entities, markup
        state.sent_text, state.parse_mode = params.as_str(edited_from), params.as_str("parse_mode")
        if preview != "unchanged":
            state.link_preview_options = preview
        state.edit_date = int(time.time())
        chat.record("edited", state)
        return self._message_json(chat, state)

    async def _edit_message_reply_markup(self, params: Params) -> Any:
        chat, state = self._editable(params)
        markup = self._inline_only(validate_reply_markup(params.as_json("reply_markup")))
        if self._same_markup(markup, state.inline_markup):
            raise bad_request(_NOT_MODIFIED)
        state.reply_markup = markup
        chat.record("edited", state)
        return self._message_json(chat, state)

    async def _delete_message(self, params: Params) -> Any:
        chat, state = self._editable(params, what="delete")
        state.deleted = True
        chat.record("deleted", state)
        return True

    async def _delete_messages(self, params: Params) -> Any:
        chat = self._chat_for(params)
        ids = params.as_json("message_ids")
        if not isinstance(ids, list) or not ids:
            raise bad_request("message identifiers are not specified")
        for raw_id in ids:
            message_id = _to_int(raw_id)
            state = chat.bot_messages.get(message_id) if message_id is not None else None
            if state is not None and not state.deleted:
                state.deleted = True
                chat.record("deleted", state)
            elif message_id in chat.user_messages:
                chat.deleted_user_messages.add(message_id)
        return True

    async def _answer_callback_query(self, params: Params) -> Any:
        query_id = params.as_str("callback_query_id")
        if not query_id:
            raise bad_request("QUERY_ID_INVALID")
        text = params.as_str("text")
        # Refused before the query is used up: a shorter answer may still follow.
        if query_id in self._open_queries and text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        chat_id = self._open_queries.pop(query_id, None)
        if chat_id is None:
            raise bad_request(_QUERY_INVALID)
        answer = CallbackAnswer(
            callback_query_id=query_id,
            text=text,
            show_alert=params.as_bool("show_alert"),
            url=params.as_str("url"),
            cache_time=params.as_int("cache_time"),
        )
        chat = self.chat(chat_id)
        chat.open_queries.discard(query_id)
        chat.callback_answers.append(answer)
        return True

    async def _get_file(self, params: Params) -> Any:
        file_id = params.as_str("file_id")
        stored = self.files.get(file_id or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _set_my_commands(self, params: Params) -> Any:
        commands = params.as_json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        cleaned: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME_RE.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = str(command.get("description", ""))
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters long")
            cleaned.append({"command": command["command"], "description": description})
        key = (self._scope_key(params.as_json("scope")), params.as_str("language_code") or "")
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> Any:
        key = (self._scope_key(params.as_json("scope")), params.as_str("language_code") or "")
        return [dict(c) for c in self._commands.get(key, [])]

    async def _delete_my_commands(self, params: Params) -> Any:
        key = (self._scope_key(params.as_json("scope")), params.as_str("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _set_webhook(self, params: Params) -> Any:
        url = params.as_str("url") or ""
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.as_str("secret_token")
        if secret and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.as_json("allowed_updates")
        same = self.webhook.url == url
        if params.as_bool("drop_pending_updates"):
            self._drop_pending()
        self.webhook.url = url
        self.webhook.secret_token = secret or None
        self.webhook.max_connections = params.as_int("max_connections") or 40
        self.webhook.ip_address = params.as_str("ip_address")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed] or None
            self.webhook.allowed_updates = self.allowed_updates
        self._last_webhook_note = "Webhook is already set" if same else "Webhook was set"
        return True

    async def _delete_webhook(self, params: Params) -> Any:
        if params.as_bool("drop_pending_updates"):
            self._drop_pending()
        self._last_webhook_note = "Webhook was deleted" if self.webhook.active else "Webhook is already deleted"
        self.webhook = WebhookState()
        return True

    def _drop_pending(self) -> None:
        for update in self._pending:
            self._undelivered.discard(int(update["update_id"]))
        self._pending.clear()

    async def _get_webhook_info(self, params: Params) -> Any:
        info: JSON = {
            "url": self.webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook.active:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
            if self.webhook.allowed_updates:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    async def _send_chat_action(self, params: Params) -> Any:
        chat = self._chat_for(params, sending=True)
        action = params.as_str("action")
        if action not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append(ChatActionRecord(chat_id=chat.chat_id, action=action, time=time.monotonic()))
        return True

    async def _set_chat_menu_button(self, params: Params) -> Any:
        chat_id = params.as_int("chat_id")
        button = params.as_json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {"default", "commands", "web_app"}:
            raise bad_request("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = strip_none(button)
        return True

    async def _get_chat_menu_button(self, params: Params) -> Any:
        chat_id = params.as_int("chat_id")
        button = self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}
        if button.get("type") == "default":
            return {"type": "commands"}
        return button

    async def _get_chat(self, params: Params) -> Any:
        chat = self._chat_for(params)
        return {
            **chat.chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _get_chat_member(self, params: Params) -> Any:
        chat = self._chat_for(params)
        user_id = params.as_int("user_id", required="user_id is empty")
        if user_id == self.bot_id:
            return {"status": "member", "user": self.bot_user}
        if user_id != chat.chat_id:
            raise bad_request("PARTICIPANT_ID_INVALID")
        return {"status": "kicked" if chat.blocked else "member", "user": chat.user_json(), "until_date": 0}

    # ------------------------------------------------------------------ webhook delivery

    async def _webhook_loop(self) -> None:
        while not self._closing:
            await self.wait_until(lambda: self._closing or (self.webhook.active and bool(self._pending)), 3600)
            if self._closing:
                return
            update = self._pending[0]
            outcome = await self._deliver(update)
            if outcome == "retarget":
                continue
            if self._pending and self._pending[0] is update:
                self._pending.pop(0)
            self._undelivered.discard(int(update["update_id"]))
            if outcome == "failed":
                self.failed_webhook_updates.append(update)
            await self._notify(_update_chat(update))

    async def _deliver(self, update: JSON) -> str:
        """POST one update, retrying; returns "ok", "failed" (gave up) or "retarget" (webhook changed)."""
        url, secret = self.webhook.url, self.webhook.secret_token
        assert self._client is not None
        for attempt, delay in enumerate((0.0, *self.webhook_retry_delays), start=1):
            if delay:
                await asyncio.sleep(delay)
            if self.webhook.url != url or self.webhook.secret_token != secret:
                return "retarget"
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
            status: int | None = None
            error: str | None = None
            reply: tuple[dict[str, Any], dict[str, UploadedFile]] | None = None
            try:
                async with self._client.post(
                    url,
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
                ) as response:
                    status = response.status
                    if 200 <= status < 300:
                        reply = await self._read_webhook_reply(response)
                    else:
                        error = f"Wrong response from the webhook: {status} {response.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {type(exc).__name__}: {exc}"
            self.webhook_deliveries.append(
                WebhookDelivery(
                    update_id=int(update["update_id"]),
                    url=url,
                    attempt=attempt,
                    time=time.monotonic(),
                    status=status,
                    error=error,
                    secret_token_sent=secret,
                )
            )
            await self._notify(_update_chat(update))
            if error is None:
                if reply is not None and reply[0].get("method"):
                    values, uploads = reply
                    await self._call(str(values.pop("method")), values, uploads, source="webhook-reply")
                return "ok"
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = error
        return "failed"

    @staticmethod
    async def _read_webhook_reply(
        response: aiohttp.ClientResponse,
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]] | None:
        """Telegram executes a method returned in the webhook response body (JSON or multipart)."""
        values: dict[str, Any] = {}
        uploads: dict[str, UploadedFile] = {}
        try:
            if response.content_type == "application/json":
                body = await response.json()
                if isinstance(body, dict):
                    values.update(body)
            elif response.content_type == "multipart/form-data":
                reader = aiohttp.MultipartReader.from_response(response)
                while True:
                    part = await reader.next()
                    if part is None:
                        break
                    if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                        continue
                    data = await part.read()
                    if part.filename:
                        uploads[part.name] = UploadedFile(
                            field_name=part.name,
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type", "application/octet-stream"),
                            data=bytes(data),
                        )
                    else:
                        values[part.name] = _decode_field(part.name, bytes(data).decode("utf-8"))
            else:
                return None
            return FakeTelegram._resolve_attachments(values, uploads)
        except (ValueError, aiohttp.ClientError) as exc:
            log.warning("unreadable webhook reply: %s", exc)
            return None
