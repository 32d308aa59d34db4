"""Telegram's webhook on the bot's web server (webhook mode, behind a load balancer)."""

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


def add_telegram_webhook(
    app: web.Application, dispatcher: Dispatcher, bot: Bot, *, path: str, secret: str | None
) -> None:
    # SimpleRequestHandler answers 401 when X-Telegram-Bot-Api-Secret-Token does not match.
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret, handle_in_background=True).register(
        app, path=path
    )
