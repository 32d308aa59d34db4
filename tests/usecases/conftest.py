"""What the use-case tests against Stripe share: a clock pinned to Friday 20 March 2026, 09:00 UTC, a
fake Stripe account on that clock, and the gateway to it."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from integrations.stripe_gateway import StripeGateway
from testkit.clock import FixedClock
from testkit.stripe import FakeStripe

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def stripe(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    async with FakeStripe(clock=lambda: clock.now().timestamp()) as fake:
        yield fake


@pytest.fixture
async def gateway(stripe: FakeStripe) -> AsyncIterator[StripeGateway]:
    gateway = StripeGateway(stripe.api_key, stripe.base_url)
    yield gateway
    await gateway.close()
