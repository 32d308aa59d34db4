"""Answering a person where they spoke: a pressed button gets an alert, a message gets a message."""

from aiogram.types import CallbackQuery, Message, TelegramObject


async def tell(event: TelegramObject | None, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)
