"""A stand-in for the bot's Stripe webhook endpoint, for the gateway tests."""

from dataclasses import dataclass, field

from aiohttp import web

from core.payments import PaymentEvent, WebhookSignatureError
from integrations.stripe_gateway import StripeWebhookVerifier

WEBHOOK_SECRET = "whsec_test"


@dataclass
class WebhookReceiver:
    """A stand-in for the bot's webhook endpoint: verifies what arrives and keeps the events."""

    verifier: StripeWebhookVerifier
    url: str = ""
    events: list[PaymentEvent] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        try:
            event = self.verifier.verify(await request.read(), request.headers.get("Stripe-Signature"))
        except WebhookSignatureError as exc:
            self.rejected.append(str(exc))
            return web.Response(status=400, text="bad signature")
        self.events.append(event)
        return web.Response(text="ok")
