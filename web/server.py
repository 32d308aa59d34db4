"""The web server: the health check and Stripe's webhook."""

import logging
from dataclasses import dataclass

from aiohttp import web

from core.payments import WebhookSignatureError, WebhookVerifier
from core.services import Services
from core.usecases.payment_events import handle_payment_event

log = logging.getLogger(__name__)

STRIPE_WEBHOOK_PATH = "/webhooks/stripe"


@dataclass(frozen=True, slots=True)
class PaymentWebhook:
    verifier: WebhookVerifier
    services: Services


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
    services = payments.services
    outcome = await handle_payment_event(services.uow_factory, services.clock, services.rules, services.gateway, event)
    return web.json_response({"received": True, "result": outcome.result})


def build_web_app(*, payments: PaymentWebhook | None = None) -> web.Application:
    """The web server's application: the health check and Stripe's webhook (the join pages and the
    Telegram webhook are added by the composition root)."""
    app = web.Application()
    app.router.add_get("/healthz", _health)
    if payments is not None:
        app[_PAYMENTS] = payments
        app.router.add_post(STRIPE_WEBHOOK_PATH, _stripe_webhook)
    return app
