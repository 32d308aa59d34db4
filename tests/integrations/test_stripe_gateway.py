"""StripeGateway through the real stripe SDK, over HTTP, against the fake Stripe API."""

import gc
import socket
import warnings
from datetime import UTC, datetime, timedelta

import pytest

from core.payments import CheckoutRequest, CheckoutSession, PaymentRejected, PaymentUnavailable
from integrations.stripe_gateway import StripeGateway, stripe_amount
from testkit.stripe import FakeStripe

EXPIRES_AT = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)


async def create(
    gateway: StripeGateway,
    *,
    amount_minor: int = 4500,
    currency: str = "EUR",
    key: str = "checkout-payment-1",
    metadata: dict[str, str] | None = None,
    expires_at: datetime = EXPIRES_AT,
) -> CheckoutSession:
    return await gateway.create_checkout(
        CheckoutRequest(
            amount_minor=amount_minor,
            currency=currency,
            description="Algebra with Ann, 60 min",
            metadata={"payment_id": "pay-1", "booking_id": "b-7"} if metadata is None else metadata,
            success_url="https://t.me/tutor_test_bot?start=paid",
            cancel_url="https://t.me/tutor_test_bot?start=cancelled",
            expires_at=expires_at,
            idempotency_key=key,
        )
    )


async def paid_session(
    gateway: StripeGateway, stripe_fake: FakeStripe, *, amount_minor: int = 4500, currency: str = "EUR"
) -> CheckoutSession:
    session = await create(gateway, amount_minor=amount_minor, currency=currency)
    await stripe_fake.pay(session.id)
    return await gateway.retrieve_checkout(session.id)


# -- create ------------------------------------------------------------------------------------------------


async def test_create_checkout_sends_one_priced_line_item_and_maps_the_answer(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    session = await create(gateway)

    assert session.id.startswith("cs_test_")
    assert session.url == f"{stripe_fake.base_url}/pay/{session.id}"
    assert (session.status, session.payment_status, session.paid) == ("open", "unpaid", False)
    assert session.payment_intent_id is None
    assert (session.amount_minor, session.currency) == (4500, "EUR")
    assert session.metadata == {"payment_id": "pay-1", "booking_id": "b-7"}

    stored = stripe_fake.sessions[session.id]
    assert stored["expires_at"] == int(EXPIRES_AT.timestamp())
    assert stored["mode"] == "payment"
    assert stored["success_url"] == "https://t.me/tutor_test_bot?start=paid"
    assert stored["cancel_url"] == "https://t.me/tutor_test_bot?start=cancelled"
    (request,) = stripe_fake.requests
    assert (request.method, request.path, request.idempotency_key) == (
        "POST",
        "/v1/checkout/sessions",
        "checkout-payment-1",
    )
    assert request.params["line_items"] == [
        {
            "price_data": {
                "currency": "eur",
                "unit_amount": "4500",
                "product_data": {"name": "Algebra with Ann, 60 min"},
            },
            "quantity": "1",
        }
    ]


@pytest.mark.parametrize(
    ("amount_minor", "currency", "sent"),
    [
        (4550, "EUR", "4550"),  # cents
        (5000, "JPY", "5000"),  # zero-decimal: whole yen
        (1234, "ISK", "123400"),  # zero-decimal in ISO, two decimals ("00") at Stripe
        (150000, "HUF", "150000"),
    ],
)
async def test_amounts_are_sent_in_stripe_units_and_read_back_in_minor_units(
    gateway: StripeGateway, stripe_fake: FakeStripe, amount_minor: int, currency: str, sent: str
) -> None:
    session = await create(gateway, amount_minor=amount_minor, currency=currency)

    assert stripe_fake.requests[-1].params["line_items"][0]["price_data"]["unit_amount"] == sent
    assert stripe_fake.sessions[session.id]["currency"] == currency.lower()
    assert (session.amount_minor, session.currency) == (amount_minor, currency)
    retrieved = await gateway.retrieve_checkout(session.id)
    assert (retrieved.amount_minor, retrieved.currency) == (amount_minor, currency)


def test_stripe_amount_only_scales_isk() -> None:
    assert stripe_amount(1234, "ISK") == 123400
    assert stripe_amount(1234, "isk") == 123400
    assert stripe_amount(1234, "JPY") == 1234
    assert stripe_amount(1234, "EUR") == 1234


async def test_create_replayed_with_the_same_key_returns_the_same_session_and_creates_nothing(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    first = await create(gateway, key="checkout-pay-42")
    again = await create(gateway, key="checkout-pay-42")

    assert again == first
    assert list(stripe_fake.sessions) == [first.id]
    assert [request.replayed for request in stripe_fake.requests] == [False, True]


async def test_the_same_key_with_other_parameters_is_rejected(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    await create(gateway, key="checkout-pay-42", amount_minor=4500)

    with pytest.raises(PaymentRejected, match="idempotent requests"):
        await create(gateway, key="checkout-pay-42", amount_minor=5000)
    assert len(stripe_fake.sessions) == 1


async def test_a_create_whose_answer_was_lost_is_recovered_by_retrying_the_key(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    stripe_fake.drop_next("/v1/checkout/sessions", after_processing=True)

    with pytest.raises(PaymentUnavailable):
        await create(gateway, key="checkout-pay-7")
    assert len(stripe_fake.sessions) == 1  # Stripe did create it

    session = await create(gateway, key="checkout-pay-7")
    assert list(stripe_fake.sessions) == [session.id]


async def test_an_expiry_stripe_does_not_accept_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentRejected, match="at least 30 minutes"):
        await create(gateway, expires_at=datetime.now(UTC) + timedelta(minutes=5))


async def test_a_naive_expiry_is_a_programming_error(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    with pytest.raises(ValueError, match="aware"):
        await create(gateway, expires_at=datetime(2030, 1, 1, 12))
    assert stripe_fake.requests == []


# -- retrieve, pay, expire ---------------------------------------------------------------------------------


async def test_retrieve_returns_the_session_as_created(gateway: StripeGateway) -> None:
    created = await create(gateway)

    assert await gateway.retrieve_checkout(created.id) == created


async def test_a_paid_session_shows_paid_with_its_payment_intent(
    gateway: StripeGateway, stripe_fake: FakeStripe
) -> None:
    session = await paid_session(gateway, stripe_fake)

    assert (session.status, session.payment_status, session.paid) == ("complete", "paid", True)
    assert session.payment_intent_id is not None
    assert session.payment_intent_id.startswith("pi_test_")
    assert session.url is None
    assert session.metadata == {"payment_id": "pay-1", "booking_id": "b-7"}


async def test_retrieving_an_unknown_session_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentRejected, match=r"No such checkout\.session"):
        await gateway.retrieve_checkout("cs_test_missing")


async def test_expiring_an_open_session_closes_it(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await create(gateway)

    expired = await gateway.expire_checkout(session.id)

    assert (expired.id, expired.status, expired.payment_status, expired.url) == (session.id, "expired", "unpaid", None)
    assert stripe_fake.sessions[session.id]["status"] == "expired"
    assert [event["type"] for event in stripe_fake.events] == ["checkout.session.expired"]
    with pytest.raises(ValueError, match="not open"):
        await stripe_fake.pay(session.id)


async def test_expiring_a_paid_session_returns_it_as_it_is(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    paid = await paid_session(gateway, stripe_fake)

    assert await gateway.expire_checkout(paid.id) == paid
    assert stripe_fake.sessions[paid.id]["status"] == "complete"


async def test_expiring_an_expired_session_returns_it_as_it_is(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await create(gateway)
    await stripe_fake.expire(session.id)

    again = await gateway.expire_checkout(session.id)

    assert again.status == "expired"
    assert stripe_fake.requests[-2].status == 400  # Stripe refused, then the session was read


async def test_expiring_an_unknown_session_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentRejected, match=r"No such checkout\.session"):
        await gateway.expire_checkout("cs_test_missing")


async def test_a_failing_expire_is_unavailable(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await create(gateway)
    stripe_fake.fail_next("/v1/checkout/sessions", 503, method="POST")

    with pytest.raises(PaymentUnavailable):
        await gateway.expire_checkout(session.id)
    assert stripe_fake.sessions[session.id]["status"] == "open"


# -- refunds -----------------------------------------------------------------------------------------------


async def test_refund_refunds_the_payment_once_per_key(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await paid_session(gateway, stripe_fake)
    assert session.payment_intent_id is not None

    refund_id = await gateway.refund(
        payment_intent_id=session.payment_intent_id, amount_minor=4500, currency="EUR", idempotency_key="refund-pay-1"
    )
    again = await gateway.refund(
        payment_intent_id=session.payment_intent_id, amount_minor=4500, currency="EUR", idempotency_key="refund-pay-1"
    )

    assert refund_id.startswith("re_test_")
    assert again == refund_id
    assert list(stripe_fake.refunds) == [refund_id]
    refund = stripe_fake.refunds[refund_id]
    assert (refund["amount"], refund["currency"], refund["payment_intent"], refund["status"]) == (
        4500,
        "eur",
        session.payment_intent_id,
        "succeeded",
    )
    assert stripe_fake.requests[-1].idempotency_key == "refund-pay-1"


async def test_a_second_refund_under_another_key_is_rejected(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await paid_session(gateway, stripe_fake)
    assert session.payment_intent_id is not None
    await gateway.refund(
        payment_intent_id=session.payment_intent_id, amount_minor=4500, currency="EUR", idempotency_key="refund-a"
    )

    with pytest.raises(PaymentRejected, match="already been refunded"):
        await gateway.refund(
            payment_intent_id=session.payment_intent_id, amount_minor=4500, currency="EUR", idempotency_key="refund-b"
        )
    assert len(stripe_fake.refunds) == 1


async def test_refunding_more_than_was_paid_is_rejected(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await paid_session(gateway, stripe_fake)
    assert session.payment_intent_id is not None

    with pytest.raises(PaymentRejected, match="greater than unrefunded amount"):
        await gateway.refund(
            payment_intent_id=session.payment_intent_id, amount_minor=4501, currency="EUR", idempotency_key="refund-a"
        )
    assert stripe_fake.refunds == {}


async def test_an_isk_refund_is_sent_in_hundredths(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await paid_session(gateway, stripe_fake, amount_minor=9900, currency="ISK")
    assert session.payment_intent_id is not None

    refund_id = await gateway.refund(
        payment_intent_id=session.payment_intent_id, amount_minor=9900, currency="ISK", idempotency_key="refund-isk"
    )

    assert stripe_fake.refunds[refund_id]["amount"] == 990000


async def test_refunding_an_unknown_payment_is_rejected(gateway: StripeGateway) -> None:
    with pytest.raises(PaymentRejected, match="No such payment_intent"):
        await gateway.refund(payment_intent_id="pi_missing", amount_minor=100, currency="EUR", idempotency_key="r")


# -- failures ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_server_errors_and_rate_limits_are_unavailable_and_safe_to_retry(
    gateway: StripeGateway, stripe_fake: FakeStripe, status: int
) -> None:
    stripe_fake.fail_next("/v1/checkout/sessions", status)

    with pytest.raises(PaymentUnavailable):
        await create(gateway, key="checkout-pay-9")
    assert stripe_fake.sessions == {}

    session = await create(gateway, key="checkout-pay-9")
    assert list(stripe_fake.sessions) == [session.id]


async def test_a_refund_during_an_outage_is_unavailable(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await paid_session(gateway, stripe_fake)
    assert session.payment_intent_id is not None
    stripe_fake.fail_next("/v1/refunds", 500)

    with pytest.raises(PaymentUnavailable):
        await gateway.refund(
            payment_intent_id=session.payment_intent_id, amount_minor=4500, currency="EUR", idempotency_key="refund-a"
        )
    assert stripe_fake.refunds == {}


async def test_a_dropped_connection_is_unavailable(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    stripe_fake.drop_next("/v1/checkout/sessions")

    with pytest.raises(PaymentUnavailable):
        await create(gateway)
    assert stripe_fake.sessions == {}
    assert stripe_fake.requests[-1].fault == "drop"


async def test_a_dropped_read_is_unavailable(gateway: StripeGateway, stripe_fake: FakeStripe) -> None:
    session = await create(gateway)
    # aiohttp itself retries a GET once when a reused connection closes, so the drop must hit twice.
    stripe_fake.drop_next(f"/v1/checkout/sessions/{session.id}", times=2)

    with pytest.raises(PaymentUnavailable):
        await gateway.retrieve_checkout(session.id)


async def test_an_unreachable_stripe_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = StripeGateway("sk_test_fake", api_base=f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(PaymentUnavailable):
            await gateway.retrieve_checkout("cs_test_1")
    finally:
        await gateway.close()


async def test_a_wrong_api_key_is_rejected(stripe_fake: FakeStripe) -> None:
    gateway = StripeGateway("sk_test_wrong", api_base=stripe_fake.base_url)
    try:
        with pytest.raises(PaymentRejected, match="Invalid API Key"):
            await create(gateway)
    finally:
        await gateway.close()
    assert stripe_fake.sessions == {}
    assert stripe_fake.requests[-1].status == 401


async def test_close_releases_the_http_session(stripe_fake: FakeStripe) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        used = StripeGateway(stripe_fake.api_key, api_base=stripe_fake.base_url)
        await create(used)
        await used.close()
        unused = StripeGateway(stripe_fake.api_key, api_base=stripe_fake.base_url)
        await unused.close()
        del used, unused
        gc.collect()

    assert [str(warning.message) for warning in caught if issubclass(warning.category, ResourceWarning)] == []
