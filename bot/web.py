"""The bot's aiohttp web server: health check and, in webhook mode, Telegram's updates."""

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_web_app(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    webhook_path: str | None,
    webhook_secret: str | None,
) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if webhook_path is not None:
        # SimpleRequestHandler answers 401 when X-Telegram-Bot-Api-Secret-Token does not match.
        SimpleRequestHandler(
            dispatcher=dispatcher, bot=bot, secret_token=webhook_secret, handle_in_background=True
        ).register(app, path=webhook_path)
    return app
