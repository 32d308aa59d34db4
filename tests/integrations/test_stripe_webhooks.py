"""StripeWebhookVerifier: signatures checked by the SDK, events reduced to PaymentEvent; and the fake's
signed deliveries to a real HTTP endpoint."""

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.payments import CheckoutRequest, PaymentEvent, WebhookSignatureError
from integrations.stripe_gateway import StripeGateway, StripeWebhookVerifier
from testkit.stripe import FakeStripe, sign
from tests.integrations.webhook_receiver import WEBHOOK_SECRET, WebhookReceiver

EXPIRES_AT = datetime.now(UTC) + timedelta(hours=2)


def payload_of(event: dict[str, Any]) -> bytes:
    return json.dumps(event, indent=2).encode()


def verify(event: dict[str, Any]) -> PaymentEvent:
    payload = payload_of(event)
    return StripeWebhookVerifier(WEBHOOK_SECRET).verify(payload, sign(payload, WEBHOOK_SECRET))


async def checkout(gateway: StripeGateway, *, amount_minor: int = 4500, currency: str = "EUR") -> str:
    session = await gateway.create_checkout(
        CheckoutRequest(
            amount_minor=amount_minor,
            currency=currency,
            description="Lesson",
            metadata={"payment_id": "pay-1"},
            success_url="https://example.org/ok",
            cancel_url="https://example.org/cancel",
            expires_at=EXPIRES_AT,
            idempotency_key=f"checkout-{amount_minor}-{currency}",
        )
    )
    return session.id


# -- parsing -----------------------------------------------------------------------------------------------


async def test_a_completed_checkout_event_carries_the_session(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session_id = await checkout(gateway)
    raw = await stripe_fake.pay(session_id)

    event = verify(raw)

    assert (event.id, event.type) == (raw["id"], "checkout.session.completed")
    assert event.created == datetime.fromtimestamp(raw["created"], UTC)
    assert event.created.tzinfo is UTC
    assert event.checkout is not None
    assert event.checkout.id == session_id
    assert event.checkout.paid
    assert event.checkout.payment_intent_id == stripe_fake.sessions[session_id]["payment_intent"]
    assert (event.checkout.amount_minor, event.checkout.currency) == (4500, "EUR")
    assert event.checkout.metadata == {"payment_id": "pay-1"}
    assert (event.payment_intent_id, event.refund_id, event.refund_status) == (None, None, None)


async def paid_intent(gateway: StripeGateway, stripe_fake: FakeStripe) -> str:
    """A checkout of €45.00, paid; its PaymentIntent."""
    session_id = await checkout(gateway)
    await stripe_fake.pay(session_id)
    return str(stripe_fake.sessions[session_id]["payment_intent"])


async def test_an_expired_checkout_event_in_isk_reads_minor_units(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    session_id = await checkout(gateway, amount_minor=5000, currency="ISK")

    event = verify(await stripe_fake.expire(session_id))

    assert event.type == "checkout.session.expired"
    assert event.checkout is not None
    assert (event.checkout.status, event.checkout.paid) == ("expired", False)
    assert (event.checkout.amount_minor, event.checkout.currency) == (5000, "ISK")


async def test_a_charge_refunded_event_names_the_payment_and_latest_refund(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    payment_intent = await paid_intent(gateway, stripe_fake)
    first = await gateway.refund(
        payment_intent_id=payment_intent, amount_minor=1000, currency="EUR", idempotency_key="refund-1"
    )
    second = await gateway.refund(
        payment_intent_id=payment_intent, amount_minor=3500, currency="EUR", idempotency_key="refund-2"
    )
    refunded = stripe_fake.events_of_type("charge.refunded")
    assert len(refunded) == 2

    event = verify(refunded[-1])

    assert (event.type, event.payment_intent_id, event.refund_id, event.refund_status) == (
        "charge.refunded",
        payment_intent,
        second,
        "succeeded",
    )
    assert event.checkout is None
    assert verify(refunded[0]).refund_id == first


def test_a_charge_refunded_event_without_its_refund_list_still_names_the_payment() -> None:
    raw = {
        "id": "evt_1",
        "object": "event",
        "type": "charge.refunded",
        "created": 1_700_000_000,
        "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}},
    }

    event = verify(raw)

    assert (event.payment_intent_id, event.refund_id, event.refund_status) == ("pi_1", None, "succeeded")


@pytest.mark.parametrize(("status", "event_type"), [("failed", "refund.failed"), ("pending", "refund.updated")])
async def test_refund_events_carry_the_refund_status(
    gateway: StripeGateway, stripe_fake: FakeStripe, status: str, event_type: str
) -> None:
    payment_intent = await paid_intent(gateway, stripe_fake)
    refund_id = await gateway.refund(
        payment_intent_id=payment_intent, amount_minor=4500, currency="EUR", idempotency_key="refund-1"
    )

    event = verify(await stripe_fake.update_refund(refund_id, status))

    assert (event.type, event.refund_id, event.payment_intent_id, event.refund_status) == (
        event_type,
        refund_id,
        payment_intent,
        status,
    )


def test_other_events_keep_only_id_type_and_time() -> None:
    event = verify(
        {"id": "evt_9", "object": "event", "type": "customer.created", "created": 1_700_000_000, "data": {"object": {}}}
    )

    assert event == PaymentEvent(
        id="evt_9", type="customer.created", created=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    )


# -- refusals ----------------------------------------------------------------------------------------------

EVENT = payload_of(
    {
        "id": "evt_1",
        "object": "event",
        "type": "checkout.session.completed",
        "created": 1_700_000_000,
        "data": {"object": {"id": "cs_1", "object": "checkout.session", "status": "complete"}},
    }
)


@pytest.mark.parametrize(
    ("payload", "header"),
    [
        pytest.param(EVENT, sign(EVENT, "whsec_other"), id="wrong secret"),
        pytest.param(EVENT.replace(b"complete", b"expired"), sign(EVENT, WEBHOOK_SECRET), id="tampered body"),
        pytest.param(EVENT, None, id="missing header"),
        pytest.param(EVENT, "", id="empty header"),
        pytest.param(EVENT, sign(EVENT, WEBHOOK_SECRET, int(time.time()) - 301), id="stale timestamp"),
        pytest.param(EVENT, "garbage", id="garbage header"),
        pytest.param(EVENT, "t=abc,v1=00", id="bad timestamp"),
        pytest.param(EVENT, sign(EVENT, WEBHOOK_SECRET).replace("v1=", "v0="), id="no v1 signature"),
        pytest.param(b"not json", sign(b"not json", WEBHOOK_SECRET), id="signed but not JSON"),
        pytest.param(b"\xff\xfe", sign(b"\xff\xfe", WEBHOOK_SECRET), id="not UTF-8"),
        pytest.param(b"[1, 2]", sign(b"[1, 2]", WEBHOOK_SECRET), id="signed but not an event"),
        pytest.param(b'{"id": "evt_1"}', sign(b'{"id": "evt_1"}', WEBHOOK_SECRET), id="event without type"),
    ],
)
def test_unverifiable_webhooks_are_refused(payload: bytes, header: str | None) -> None:
    with pytest.raises(WebhookSignatureError):
        StripeWebhookVerifier(WEBHOOK_SECRET).verify(payload, header)


def test_a_recent_timestamp_within_tolerance_passes() -> None:
    header = sign(EVENT, WEBHOOK_SECRET, int(time.time()) - 250)

    assert StripeWebhookVerifier(WEBHOOK_SECRET).verify(EVENT, header).id == "evt_1"
    with pytest.raises(WebhookSignatureError):
        StripeWebhookVerifier(WEBHOOK_SECRET, tolerance_seconds=200).verify(EVENT, header)


def test_any_of_several_signatures_may_match() -> None:
    good = sign(EVENT, WEBHOOK_SECRET)
    timestamp, v1 = good.split(",")
    header = f"{timestamp},v1={'0' * 64},{v1}"

    assert StripeWebhookVerifier(WEBHOOK_SECRET).verify(EVENT, header).id == "evt_1"


@pytest.mark.parametrize(("secret", "tolerance"), [("", 300), ("  ", 300), (WEBHOOK_SECRET, 0)])
def test_a_misconfigured_verifier_fails_at_once(secret: str, tolerance: int) -> None:
    with pytest.raises(ValueError):
        StripeWebhookVerifier(secret, tolerance_seconds=tolerance)


# -- deliveries by the fake --------------------------------------------------------------------------------


async def test_paying_delivers_a_signed_completed_event(
    gateway: StripeGateway, stripe_fake: FakeStripe, webhook_receiver: WebhookReceiver
) -> None:
    session_id = await checkout(gateway)

    raw = await stripe_fake.pay(session_id)

    (event,) = webhook_receiver.events
    assert (event.id, event.type) == (raw["id"], "checkout.session.completed")
    assert event.checkout is not None
    assert event.checkout.paid
    assert [(d.event_id, d.status) for d in stripe_fake.deliveries] == [(raw["id"], 200)]


async def test_redelivery_tampering_and_bad_signatures(
    gateway: StripeGateway, stripe_fake: FakeStripe, webhook_receiver: WebhookReceiver
) -> None:
    raw = await stripe_fake.pay(await checkout(gateway))

    assert await stripe_fake.deliver(raw, times=2) == [200, 200]
    assert await stripe_fake.deliver(raw, tamper=True) == [400]
    assert await stripe_fake.deliver(raw, signature="") == [400]
    assert await stripe_fake.deliver(raw, signature="t=1,v1=deadbeef") == [400]
    assert await stripe_fake.deliver(raw, signature=sign(payload_of(raw), WEBHOOK_SECRET, 1)) == [400]

    assert [event.id for event in webhook_receiver.events] == [raw["id"]] * 3
    assert len(webhook_receiver.rejected) == 4


async def test_api_expiry_and_refunds_are_delivered_after_the_answer(
    gateway: StripeGateway, stripe_fake: FakeStripe, webhook_receiver: WebhookReceiver
) -> None:
    abandoned = await checkout(gateway, amount_minor=1000)
    await gateway.expire_checkout(abandoned)
    paid = await checkout(gateway, amount_minor=2000)
    await stripe_fake.pay(paid)
    payment_intent = stripe_fake.sessions[paid]["payment_intent"]
    refund_id = await gateway.refund(
        payment_intent_id=payment_intent, amount_minor=2000, currency="EUR", idempotency_key="refund-1"
    )

    await stripe_fake.wait_for_deliveries()

    by_type = {event.type: event for event in webhook_receiver.events}
    assert sorted(by_type) == ["charge.refunded", "checkout.session.completed", "checkout.session.expired"]
    expired = by_type["checkout.session.expired"].checkout
    assert expired is not None
    assert expired.id == abandoned
    refunded = by_type["charge.refunded"]
    assert (refunded.payment_intent_id, refunded.refund_id) == (payment_intent, refund_id)


async def test_an_unreachable_webhook_is_recorded_not_raised(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    stripe_fake.webhook_url = f"{stripe_fake.base_url}/nowhere"
    raw = await stripe_fake.pay(await checkout(gateway))

    assert await stripe_fake.deliver(raw) == [404]
    stripe_fake.webhook_url = "http://127.0.0.1:9/webhooks/stripe"
    assert await stripe_fake.deliver(raw) == [None]
    assert stripe_fake.deliveries[-1].error is not None
