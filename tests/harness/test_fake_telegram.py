"""Tests of the fake Telegram Bot API, driven by a small real aiogram bot over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import textwrap
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from testkit import FakeTelegram, FloodLimits, make_bot, run_polling

REGIONS = ("Europe", "Asia")


def region_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=name, callback_data=f"region:{name}") for name in REGIONS],
            [InlineKeyboardButton(text="Help site", url="https://example.com/help")],
        ]
    )


def build_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(f"Welcome, <b>{message.chat.first_name}</b>! payload={command.args}")

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        await message.answer("Pick a region", reply_markup=region_keyboard())

    @router.message(Command("where"))
    async def where(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Send location", request_location=True)]],
            resize_keyboard=True,
        )
        await message.answer("Where are you?", reply_markup=keyboard)

    @router.message(Command("broken"))
    async def broken(message: Message) -> None:
        with contextlib.suppress(TelegramBadRequest):
            await message.answer("a <br> b")

    @router.callback_query(F.data.startswith("region:"))
    async def region(callback: CallbackQuery) -> None:
        name = (callback.data or "").split(":", 1)[1]
        assert isinstance(callback.message, Message)
        try:
            await callback.message.edit_text(f"Region: {name}", reply_markup=region_keyboard())
        except TelegramBadRequest as error:
            assert "message is not modified" in error.message
            await callback.answer(f"Already {name}")
            return
        await callback.answer(f"Saved {name}", show_alert=name == "Asia")

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document)
        assert data is not None
        content = data.read()
        await bot.send_chat_action(message.chat.id, "upload_document")
        await message.answer_document(
            BufferedInputFile(content[::-1], filename=f"reversed_{message.document.file_name}"),
            caption=f"got {len(content)} bytes of {message.document.mime_type}",
        )

    @router.message(F.location)
    async def location(message: Message) -> None:
        assert message.location is not None
        await message.answer(
            f"lat={message.location.latitude:.4f} lon={message.location.longitude:.4f}",
            reply_markup=ReplyKeyboardRemove(),
        )

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}", parse_mode=None)

    dp = Dispatcher()
    dp.include_router(router)

    @dp.startup()
    async def register_commands(bot: Bot) -> None:
        await bot.set_my_commands([BotCommand(command="start", description="Start")])
        await bot.set_my_commands(
            [BotCommand(command="start", description="Начать"), BotCommand(command="menu", description="Меню")],
            language_code="ru",
        )
        await bot.set_my_commands(
            [BotCommand(command="menu", description="Menu")], scope=BotCommandScopeAllPrivateChats()
        )

    return dp


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """A real aiogram Bot pointed at the fake, not polling."""
    instance = make_bot(fake, default=None)
    try:
        yield instance
    finally:
        await instance.session.close()


@pytest.fixture
async def running(fake: FakeTelegram) -> AsyncIterator[FakeTelegram]:
    """The test bot polling the fake (HTML parse mode by default, like the real bot)."""
    from aiogram.client.default import DefaultBotProperties

    polling_bot = make_bot(fake, default=DefaultBotProperties(parse_mode="HTML"))
    async with run_polling(build_dispatcher(), polling_bot, fake):
        yield fake
    fake.assert_no_unknown_methods()


# --------------------------------------------------------------------------- conversations


async def test_echo_round_trip(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann", language_code="en", username="ann")
    sent = await ann.send("hello there")
    reply = await ann.wait_for("echo: hello there")
    assert reply.message_id > sent["message_id"]
    assert reply.raw["from"]["is_bot"] is True
    assert reply.raw["chat"] == {"id": 1001, "type": "private", "first_name": "Ann", "username": "ann"}
    assert ann.last.text == "echo: hello there"
    update = running.updates[-1]
    assert update["message"]["from"] == {
        "id": 1001,
        "is_bot": False,
        "first_name": "Ann",
        "username": "ann",
        "language_code": "en",
    }
    await ann.expect_no_message(within=0.05)


async def test_deep_link_start_and_html_is_rendered_like_telegram(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann")
    await ann.send_start("tutor_5")
    assert running.updates[-1]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    welcome = await ann.wait_for("Welcome")
    assert welcome.text == "Welcome, Ann! payload=tutor_5"
    assert welcome.sent_text == "Welcome, <b>Ann</b>! payload=tutor_5"
    assert welcome.entities == ({"offset": 9, "length": 3, "type": "bold"},)


async def test_press_button_edits_message_and_answers_callback(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann")
    await ann.send("/menu")
    menu = await ann.wait_for("Pick a region")
    assert menu.buttons == [["Europe", "Asia"], ["Help site"]]

    await ann.press("Europe")
    edited = await ann.wait_for("Region: Europe")
    assert edited.message_id == menu.message_id
    assert [version.text for version in edited.history] == ["Pick a region", "Region: Europe"]
    answer = await ann.wait_for_callback_answer()
    assert (answer.text, answer.show_alert) == ("Saved Europe", False)

    # Same text and keyboard again: Telegram answers 400 "message is not modified".
    await ann.press("Europe")
    assert (await ann.wait_for_callback_answer()).text == "Already Europe"
    failed = running.calls("editMessageText", ok=False)
    assert failed[-1].status == 400
    assert failed[-1].description is not None
    assert failed[-1].description.startswith("Bad Request: message is not modified")

    await ann.press("Asi", message=edited)  # unique substring fallback
    assert (await ann.wait_for_callback_answer()).show_alert is True
    assert len(ann.messages) == 1 and ann.messages[0].edit_count == 2

    with pytest.raises(AssertionError, match="not a callback button"):
        await ann.press("Help site")
    with pytest.raises(
        AssertionError, match=r"visible buttons: message \d+: \[\['Europe', 'Asia'\], \['Help site'\]\]"
    ):
        await ann.press("Africa")


async def test_upload_document_and_get_it_back(running: FakeTelegram, bot: Bot) -> None:
    ann = running.user(1001, first_name="Ann")
    uploaded = await ann.upload("notes.pdf", b"%PDF-1.4 lesson notes", mime_type="application/pdf")
    reply = await ann.wait_for(lambda message: message.document is not None)
    assert reply.document is not None
    assert reply.document.file_name == "reversed_notes.pdf"
    assert reply.document.data == b"%PDF-1.4 lesson notes"[::-1]
    assert reply.document.mime_type == "application/pdf"
    assert reply.caption == "got 21 bytes of application/pdf"
    assert reply.raw["document"]["file_size"] == 21
    assert running.calls("getFile")[-1].params["file_id"] == uploaded.file_id
    assert [action.action for action in running.chat_actions] == ["upload_document"]
    assert [event.kind for event in ann.received_since_last_action()] == ["document"]

    # Re-sending by file_id reuses the stored file; unknown ids fail like Telegram.
    again = await bot.send_document(ann.id, reply.document.file_id, caption="again")
    assert again.document is not None and again.document.file_id == reply.document.file_id
    assert ann.last.document == reply.document
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(ann.id, "no-such-file-id")
    downloaded = await bot.download(uploaded.file_id)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4 lesson notes"


async def test_share_location_and_reply_keyboards(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann")
    await ann.send("/where")
    await ann.wait_for("Where are you?")
    assert ann.reply_keyboard_buttons == [["Send location"]]
    assert ann.last.raw.get("reply_markup") is None  # Telegram only echoes inline keyboards

    await ann.tap("Send location", location=(48.8566, 2.3522))
    assert running.updates[-1]["message"]["location"] == {"latitude": 48.8566, "longitude": 2.3522}
    await ann.wait_for("lat=48.8566 lon=2.3522")
    assert ann.reply_keyboard is None


async def test_set_my_commands_per_language_and_scope(running: FakeTelegram, bot: Bot) -> None:
    assert running.commands() == [{"command": "start", "description": "Start"}]
    assert [c["command"] for c in running.commands(language_code="ru")] == ["start", "menu"]
    assert running.commands({"type": "all_private_chats"}) == [{"command": "menu", "description": "Menu"}]
    fetched = await bot.get_my_commands(language_code="ru")
    assert [c.description for c in fetched] == ["Начать", "Меню"]
    await bot.delete_my_commands(language_code="ru")
    assert running.commands(language_code="ru") == []


async def test_html_that_telegram_rejects_is_rejected(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann")
    await ann.send("/broken")
    await running.wait_for_request("sendMessage", predicate=lambda r: r.status == 400)
    record = running.calls("sendMessage", ok=False)[-1]
    assert record.description == 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 2'
    with pytest.raises(AssertionError, match="Unsupported start tag"):
        await ann.wait_for("a b", timeout=0.05)


async def test_wait_for_times_out_with_a_helpful_message(running: FakeTelegram) -> None:
    ann = running.user(1001, first_name="Ann")
    await ann.send("ping")
    with pytest.raises(AssertionError) as error:
        await ann.wait_for("pong", timeout=0.1)
    message = str(error.value)
    assert "did not receive a bot message matching 'pong' within 0.1s after send 'ping'" in message
    assert "'echo: ping'" in message


async def test_aiogram_dialog_flow(fake: FakeTelegram) -> None:
    from aiogram.client.default import DefaultBotProperties
    from aiogram.fsm.state import State, StatesGroup
    from aiogram_dialog import Dialog, DialogManager, StartMode, Window, setup_dialogs
    from aiogram_dialog.widgets.kbd import Back, Button, Select, SwitchTo
    from aiogram_dialog.widgets.text import Const, Format

    class Flow(StatesGroup):
        main = State()
        region = State()

    async def getter(dialog_manager: DialogManager, **_: object) -> dict[str, object]:
        return {"region": dialog_manager.dialog_data.get("region", "none"), "regions": list(REGIONS)}

    async def on_region(callback: CallbackQuery, widget: object, manager: DialogManager, item_id: str) -> None:
        manager.dialog_data["region"] = item_id
        await manager.switch_to(Flow.main)

    dialog = Dialog(
        Window(
            Format("Region: <b>{region}</b>"),
            SwitchTo(Const("Choose region"), id="choose", state=Flow.region),
            Button(Const("Noop"), id="noop"),
            state=Flow.main,
            getter=getter,
        ),
        Window(
            Const("Pick one"),
            Select(Format("{item}"), id="sel", item_id_getter=str, items="regions", on_click=on_region),
            Back(Const("Back")),
            state=Flow.region,
            getter=getter,
        ),
    )
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, dialog_manager: DialogManager) -> None:
        await dialog_manager.start(Flow.main, mode=StartMode.RESET_STACK)

    dp = Dispatcher()
    dp.include_routers(router, dialog)
    bg_factory = setup_dialogs(dp)
    polling_bot = make_bot(fake, default=DefaultBotProperties(parse_mode="HTML"))
    ann = fake.user(1001, first_name="Ann")
    async with run_polling(dp, polling_bot, fake, handle_as_tasks=False):
        await ann.send("/start")
        first = await ann.wait_for("Region: none")
        await ann.press("Choose region")
        await ann.wait_for("Pick one")
        await ann.press("Asia")  # pressed at once: handle_as_tasks=False keeps the bot's updates in order
        assert (await ann.wait_for("Region: Asia")).message_id == first.message_id
        await ann.press("Noop")  # re-render of identical content: Telegram's 400 is handled by aiogram-dialog
        await ann.wait_for_callback_answer()
        await fake.wait_until_idle()
        await ann.expect_no_message(within=0.05)

        await bg_factory.bg(polling_bot, user_id=ann.id, chat_id=ann.id, load=True).update({})
        await ann.send("/start")
        fresh = await ann.wait_for("Region", new_only=True)
        assert fresh.message_id != first.message_id
        assert ann.messages[0].buttons == []  # keyboard removed from the old dialog message
        await fake.wait_until_idle()
    assert fake.count("getChat") == 1
    assert str(fake.calls("editMessageText", ok=False)[0].description).startswith(
        "Bad Request: message is not modified"
    )
    fake.assert_no_unknown_methods()


# --------------------------------------------------------------------------- errors and faults


async def test_injected_429_then_success(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject_fault("sendMessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(1001, "hi")
    assert error.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in error.value.message
    sent = await bot.send_message(1001, "hi")
    assert sent.text == "hi" and sent.chat.id == 1001
    assert [r.status for r in fake.calls("sendMessage")] == [429, 200]
    assert [m.text for m in fake.user(1001).messages] == ["hi"]


async def test_flood_limits_refuse_sends_beyond_the_global_and_the_per_chat_rate() -> None:
    async with FakeTelegram(flood_limits=FloodLimits(per_second=3, per_chat=1)) as limited:
        bot = make_bot(limited)
        await bot.send_message(1, "first")
        with pytest.raises(TelegramRetryAfter) as same_chat:
            await bot.send_message(1, "too soon in this chat")
        assert same_chat.value.retry_after == 1
        await bot.send_message(2, "other chat")
        await bot.send_message(3, "third chat")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(4, "fourth within the second")
        assert limited.flood is not None and limited.flood.refusals == 2
        await asyncio.sleep(1.05)
        await bot.send_message(1, "a second later")
        await bot.send_message(4, "a second later too")
        assert [m.text for m in limited.user(1).messages] == ["first", "a second later"]
        assert [r.status for r in limited.calls("sendMessage")] == [200, 429, 200, 200, 429, 200, 200]
        await bot.session.close()


async def test_injected_server_errors_forbidden_and_per_chat_faults(fake: FakeTelegram, bot: Bot) -> None:
    fake.inject_fault("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Internal Server Error"):
            await bot.send_message(1001, "hi")
    fake.inject_fault("sendMessage", 403, chat_id=2002)
    await bot.send_message(1001, "not affected")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(2002, "hi")
    await bot.send_message(2002, "now fine")


async def test_dropped_connection_is_a_network_error(fake: FakeTelegram, bot: Bot) -> None:
    fake.drop_connection("sendMessage")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1001, "lost")
    assert fake.user(1001).messages == []
    fake.drop_connection("sendMessage", after_processing=True)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(1001, "delivered but unanswered")
    assert [m.text for m in fake.user(1001).messages] == ["delivered but unanswered"]
    assert (await bot.send_message(1001, "ok")).text == "ok"


async def test_blocked_user(fake: FakeTelegram, bot: Bot) -> None:
    ann = fake.user(1001, first_name="Ann")
    await ann.block()
    assert fake.updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(ann.id, "reminder")
    await ann.unblock()
    await bot.send_message(ann.id, "reminder")


async def test_edit_and_delete_errors_match_telegram(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=99)
    sent = await bot.send_message(1001, "text", reply_markup=region_keyboard())
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("text", chat_id=1001, message_id=sent.message_id, reply_markup=region_keyboard())
    # Editing without reply_markup removes the inline keyboard, like Telegram.
    edited = await bot.edit_message_text("text", chat_id=1001, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.reply_markup is None and edited.edit_date
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id)
    assert await bot.delete_message(1001, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(1001, sent.message_id)
    ann = fake.user(1001)
    assert ann.messages[0].deleted and [e.kind for e in ann.events] == ["sent", "edited", "deleted"]
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            1001,
            "x",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="d" * 65)]]
            ),
        )


async def test_what_telegram_refuses_as_too_long_or_unknown_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    # Telegram counts UTF-16 code units: 2,048 emoji are 4,096 units and fit, one more does not.
    await bot.send_message(1001, "😀" * 2048)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "😀" * 2048 + "x")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_document(1001, BufferedInputFile(b"x", "a.txt"), caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="unsupported parse_mode"):
        await bot.send_message(1001, "x", parse_mode="Markdown3")
    sent = await bot.send_message(1001, "x")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.edit_message_text("y" * 4097, chat_id=1001, message_id=sent.message_id)


async def test_a_callback_answer_over_200_characters_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    ann = fake.user(1001)
    query_id = fake.open_callback_query(ann.chat_id)
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, "a" * 201)
    # The query stays open: a shorter answer still goes through.
    assert await bot.answer_callback_query(query_id, "a" * 200)


async def test_other_methods(fake: FakeTelegram, bot: Bot) -> None:
    from aiogram.types import LinkPreviewOptions, MenuButtonCommands, ReplyParameters

    ann = fake.user(1001, first_name="Ann", username="ann")
    question = await ann.send("when is my lesson?")
    answer = await bot.send_message(
        "@ann",
        "Tomorrow, see https://example.com",
        reply_parameters=ReplyParameters(message_id=question["message_id"]),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "when is my lesson?"
    assert ann.last.reply_to_message_id == question["message_id"]
    assert ann.last.link_preview_options == {"is_disabled": True}
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(ann.id, "x", reply_parameters=ReplyParameters(message_id=999))
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message("@nobody", "x")

    assert await bot.send_chat_action(ann.id, "typing")
    assert [(a.chat_id, a.action) for a in fake.chat_actions] == [(1001, "typing")]
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
    assert fake.menu_buttons[None] == {"type": "commands"}
    chat = await bot.get_chat(ann.id)
    assert (chat.type, chat.first_name, chat.username) == ("private", "Ann", "ann")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == ("", 1)


async def test_unknown_methods_are_recorded(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot.send_photo(1001, "AgACAgIAAxkBAAIBBmZ")
    assert fake.unknown_methods == ["sendPhoto"]
    with pytest.raises(AssertionError, match="sendPhoto"):
        fake.assert_no_unknown_methods()
    fake.unknown_methods.clear()


async def test_long_poll_offsets_and_json_bodies(fake: FakeTelegram, bot: Bot) -> None:
    ann = fake.user(1001, first_name="Ann")
    started = time.monotonic()

    async def later() -> None:
        await asyncio.sleep(0.1)
        await ann.send("wake up")

    sender = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)
    await sender
    assert 0.05 < time.monotonic() - started < 2
    assert [u.message.text for u in updates if u.message] == ["wake up"]
    # Not confirmed yet: returned again; confirmed by offset: gone.
    assert [u.update_id for u in await bot.get_updates()] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1) == []

    async with aiohttp.ClientSession() as http:
        url = f"{fake.base_url}/bot{fake.token}/getUpdates"
        begin = time.monotonic()
        async with http.post(url, json={"timeout": 0.2}) as response:
            assert await response.json() == {"ok": True, "result": []}
        assert time.monotonic() - begin >= 0.19
        async with http.post(f"{fake.base_url}/botWRONG:token/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


# --------------------------------------------------------------------------- webhook mode


@contextlib.asynccontextmanager
async def webhook_app(dp: Dispatcher, bot: Bot, *, secret: str, background: bool = True) -> AsyncIterator[str]:
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=secret, handle_in_background=background).register(app, path="/hook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_webhook_mode(fake: FakeTelegram, bot: Bot) -> None:
    dp = build_dispatcher()
    ann = fake.user(1001, first_name="Ann")
    async with webhook_app(dp, bot, secret="s3cr3t") as url:
        await bot.set_webhook(url, secret_token="s3cr3t", allowed_updates=["message", "callback_query"])
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == url and info.allowed_updates == ["message", "callback_query"]

        await ann.send("via webhook")
        await ann.wait_for("echo: via webhook")
        delivery = fake.webhook_deliveries[-1]
        assert (delivery.status, delivery.secret_token_sent) == (200, "s3cr3t")

        # A wrong secret is refused by aiogram's handler; the fake records each (retried) attempt.
        fake.webhook_retry_delays = (0.01,)
        await bot.set_webhook(url, secret_token="wrong")
        await ann.send("intercepted?")
        await fake.wait_for_delivery()
        assert [d.status for d in fake.webhook_deliveries[-2:]] == [401, 401]
        assert fake.failed_webhook_updates[-1]["message"]["text"] == "intercepted?"
        assert (await bot.get_webhook_info()).last_error_message == "Wrong response from the webhook: 401 Unauthorized"

        await bot.delete_webhook()
        assert await bot.get_updates() == []


async def test_webhook_reply_with_a_method_is_executed(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def answer_in_reply(message: Message) -> SendMessage:
        return message.answer("answered in the webhook response")

    ann = fake.user(1001, first_name="Ann")
    async with webhook_app(dp, bot, secret="abc", background=False) as url:
        await bot.set_webhook(url, secret_token="abc")
        await ann.send("hi")
        await ann.wait_for("answered in the webhook response")
        assert fake.calls("sendMessage")[-1].source == "webhook-reply"


# --------------------------------------------------------------------------- bot in another process

# A minimal bot using only the standard library (importing aiogram in a fresh interpreter takes
# seconds): long-polls getUpdates, answers one message, confirms it and exits.
BOT_PROCESS = textwrap.dedent(
    """
    import json, sys, urllib.request

    base, token = sys.argv[1], sys.argv[2]

    def call(method, **params):
        request = urllib.request.Request(
            f"{base}/bot{token}/{method}",
            data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["result"]

    offset = None
    while True:
        updates = call("getUpdates", offset=offset, timeout=10)
        for update in updates:
            offset = update["update_id"] + 1
            message = update.get("message")
            if message:
                call("sendMessage", chat_id=message["chat"]["id"], text="from another process: " + message["text"])
                call("getUpdates", offset=offset, timeout=0)
                sys.exit(0)
    """
)


async def test_bot_in_a_separate_process(fake: FakeTelegram) -> None:
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", BOT_PROCESS, fake.base_url, fake.token)
    try:
        await fake.wait_for_request("getUpdates")
        ann = fake.user(1001, first_name="Ann")
        await ann.send("hello")
        assert (await ann.wait_for("from another process")).text == "from another process: hello"
        assert await asyncio.wait_for(process.wait(), timeout=5) == 0
        assert fake.pending_update_count == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
