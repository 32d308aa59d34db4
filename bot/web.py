"""The bot's aiohttp web server: health check, Telegram's updates in webhook mode, and Stripe's events."""

import logging
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from core.clock import Clock
from core.payments import PaymentGateway, WebhookSignatureError, WebhookVerifier
from core.ports import UnitOfWorkFactory
from core.usecases.payment_events import handle_payment_event

log = logging.getLogger(__name__)

STRIPE_WEBHOOK_PATH = "/webhooks/stripe"


@dataclass(frozen=True, slots=True)
class PaymentWebhook:
    verifier: WebhookVerifier
    uow_factory: UnitOfWorkFactory
    clock: Clock
    gateway: PaymentGateway


_PAYMENTS = web.AppKey("payments", PaymentWebhook)


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _stripe_webhook(request: web.Request) -> web.Response:
    payments = request.app[_PAYMENTS]
    payload = await request.read()
    try:
        event = payments.verifier.verify(payload, request.headers.get("Stripe-Signature"))
    except WebhookSignatureError as error:
        log.warning("refused a Stripe webhook: %s", error)
        return web.json_response({"error": "invalid signature"}, status=400)
    # An exception here answers 500, and Stripe delivers the event again later.
    outcome = await handle_payment_event(payments.uow_factory, payments.clock, payments.gateway, event)
    return web.json_response({"received": True, "result": outcome.result})


def build_web_app(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    webhook_path: str | None,
    webhook_secret: str | None,
    payments: PaymentWebhook | None = None,
) -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if webhook_path is not None:
        # SimpleRequestHandler answers 401 when X-Telegram-Bot-Api-Secret-Token does not match.
        SimpleRequestHandler(
            dispatcher=dispatcher, bot=bot, secret_token=webhook_secret, handle_in_background=True
        ).register(app, path=webhook_path)
    if payments is not None:
        app[_PAYMENTS] = payments
        app.router.add_post(STRIPE_WEBHOOK_PATH, _stripe_webhook)
    return app
