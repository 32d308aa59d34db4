"""Fixtures for the Stripe gateway tests: the fake Stripe API, a gateway on it and a webhook receiver."""

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from integrations.stripe_gateway import StripeGateway, StripeWebhookVerifier
from testkit.stripe import FakeStripe
from tests.integrations.webhook_receiver import WEBHOOK_SECRET, WebhookReceiver


@pytest.fixture
async def stripe_fake() -> AsyncIterator[FakeStripe]:
    async with FakeStripe(webhook_secret=WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
async def gateway(stripe_fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(stripe_fake.api_key, api_base=stripe_fake.base_url)
    try:
        yield gateway
    finally:
        await gateway.close()


@pytest.fixture
async def webhook_receiver(stripe_fake: FakeStripe) -> AsyncIterator[WebhookReceiver]:
    receiver = WebhookReceiver(StripeWebhookVerifier(WEBHOOK_SECRET))
    app = web.Application()
    app.router.add_post("/webhooks/stripe", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/webhooks/stripe"
    stripe_fake.webhook_url = receiver.url
    try:
        yield receiver
    finally:
        await stripe_fake.wait_for_deliveries()
        await runner.cleanup()
