"""Whatever the bot sends leaves it within Telegram's limits, checked by the fake that refuses like Telegram."""

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram_limits import ButtonDataTooLong, shorten, shorten_bytes, utf16_length
from bot.telegram_session import BotApiSession
from testkit import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    session = BotApiSession(api=TelegramAPIServer.from_base(telegram.base_url))
    bot = Bot(telegram.token, session=session)
    yield bot
    await session.close()


def test_shorten_keeps_what_fits_and_marks_the_cut() -> None:
    assert shorten("hello", 5) == "hello"
    assert shorten("hello world", 8) == "hello w…"
    # An emoji is two UTF-16 units: it is never split in half.
    cut = shorten("😀" * 10, 7)
    assert cut == "😀😀😀…" and utf16_length(cut) <= 7
    assert shorten_bytes("Étudiant", 64) == "Étudiant"
    label = shorten_bytes("é" * 40, 64)
    assert len(label.encode()) <= 64 and label.endswith("…")


async def test_a_long_text_a_long_caption_and_a_long_answer_arrive_shortened(telegram: FakeTelegram, bot: Bot) -> None:
    ann = telegram.user(1001)
    await bot.send_message(ann.id, "😀" * 3000)
    text = ann.last.text or ""
    assert utf16_length(text) <= 4096 and text.endswith("…")
    sent = await bot.send_message(ann.id, "short")
    await bot.edit_message_text("x" * 5000, chat_id=ann.id, message_id=sent.message_id)
    assert len(ann.messages[-1].text or "") == 4096
    await bot.send_document(ann.id, BufferedInputFile(b"BEGIN", "a.ics"), caption="c" * 2000)
    assert len(ann.last.caption or "") == 1024
    query_id = telegram.open_callback_query(ann.chat_id)
    await bot.answer_callback_query(query_id, "a" * 500, show_alert=True)
    answer = ann.callback_answers[-1].text or ""
    assert len(answer) == 200 and answer.endswith("…")


async def test_button_labels_are_shortened_and_oversized_button_data_is_never_sent(
    telegram: FakeTelegram, bot: Bot
) -> None:
    ann = telegram.user(1001)
    long_label = "📄 " + "very-long-file-name-" * 10 + ".pdf"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=long_label, callback_data="f:1")]])
    await bot.send_message(ann.id, "files", reply_markup=markup)
    label = ann.last.buttons[0][0]
    assert len(label.encode()) <= 64 and label.startswith("📄 very-long")
    forged = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]])
    with pytest.raises(ButtonDataTooLong):
        await bot.send_message(ann.id, "x", reply_markup=forged)
