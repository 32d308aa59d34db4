"""Answering a person where they spoke: a pressed button gets an alert, a message gets a message."""

from aiogram.types import CallbackQuery, Message, TelegramObject


async def tell(event: TelegramObject | None, text: str) -> None:
    if isinstance(event, CallbackQuery):
        await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)


async def close_with(query: CallbackQuery, verdict: str) -> None:
    """The pressed message, with what came of it added and its buttons gone (they did their work)."""
    if isinstance(query.message, Message) and query.message.text is not None:
        await query.message.edit_text(f"{query.message.text}\n\n{verdict}", reply_markup=None)
