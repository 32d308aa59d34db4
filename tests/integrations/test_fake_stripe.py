"""The fake Stripe API's own behaviour, where the gateway tests do not reach: raw HTTP, form decoding, the
payment page."""

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from testkit.stripe import FakeStripe
from testkit.stripe_support import ApiError, parse_form

SESSION_FORM = {
    "mode": "payment",
    "line_items[0][price_data][currency]": "eur",
    "line_items[0][price_data][unit_amount]": "2500",
    "line_items[0][price_data][product_data][name]": "Chemistry",
    "line_items[0][quantity]": "2",
    "metadata[payment_id]": "pay-3",
    "success_url": "https://example.org/ok",
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def auth(fake: FakeStripe, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {fake.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def test_parse_form_nests_keys_and_builds_lists() -> None:
    pairs = [
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[1][quantity]", "2"),
        ("line_items[0][quantity]", "1"),
        ("metadata[a]", "x"),
        ("expand[]", "payment_intent"),
        ("expand[]", "customer"),
        ("mode", "payment"),
    ]

    assert parse_form(pairs) == {
        "line_items": [{"price_data": {"currency": "eur"}, "quantity": "1"}, {"quantity": "2"}],
        "metadata": {"a": "x"},
        "expand": ["payment_intent", "customer"],
        "mode": "payment",
    }
    with pytest.raises(ApiError):
        parse_form([("a", "1"), ("a[b]", "2")])


async def test_requests_without_the_api_key_get_stripes_401(
    stripe_fake: FakeStripe, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{stripe_fake.base_url}/v1/checkout/sessions", data=SESSION_FORM) as response:
        assert response.status == 401
        body = await response.json()
    assert body["error"]["type"] == "invalid_request_error"
    assert stripe_fake.sessions == {}


async def test_session_json_is_shaped_like_stripes(stripe_fake: FakeStripe, http: aiohttp.ClientSession) -> None:
    before = int(time.time())
    async with http.post(
        f"{stripe_fake.base_url}/v1/checkout/sessions", data=SESSION_FORM, headers=auth(stripe_fake, "k1")
    ) as response:
        assert response.status == 200
        session = await response.json()

    assert session["object"] == "checkout.session"
    assert (session["amount_total"], session["currency"], session["metadata"]) == (5000, "eur", {"payment_id": "pay-3"})
    assert (session["status"], session["payment_status"], session["payment_intent"]) == ("open", "unpaid", None)
    assert before + 24 * 3600 <= session["expires_at"] <= int(time.time()) + 24 * 3600


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mode": ""}, "Missing required param: mode."),
        ({"line_items[0][price_data][unit_amount]": "12.5"}, "Invalid integer"),
        ({"line_items[0][price_data][currency]": "isk", "line_items[0][price_data][unit_amount]": "150"}, "divisible"),
        ({"expires_at": "1"}, "at least 30 minutes"),
        ({"expires_at": str(int(time.time()) + 25 * 3600)}, "less than 24 hours"),
    ],
)
async def test_invalid_sessions_get_400_and_are_not_kept_for_their_key(
    stripe_fake: FakeStripe, http: aiohttp.ClientSession, change: dict[str, str], message: str
) -> None:
    url = f"{stripe_fake.base_url}/v1/checkout/sessions"
    async with http.post(url, data={**SESSION_FORM, **change}, headers=auth(stripe_fake, "k1")) as response:
        assert response.status == 400
        assert message in (await response.json())["error"]["message"]
    async with http.post(url, data=SESSION_FORM, headers=auth(stripe_fake, "k1")) as response:
        assert response.status == 200


async def test_unknown_objects_and_urls_get_stripe_shaped_404s(
    stripe_fake: FakeStripe, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{stripe_fake.base_url}/v1/refunds/re_missing", headers=auth(stripe_fake)) as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "resource_missing"
    async with http.get(f"{stripe_fake.base_url}/v1/customers", headers=auth(stripe_fake)) as response:
        assert response.status == 404
        assert "Unrecognized request URL" in (await response.json())["error"]["message"]


async def test_the_payment_page_pays_the_session(stripe_fake: FakeStripe, http: aiohttp.ClientSession) -> None:
    async with http.post(
        f"{stripe_fake.base_url}/v1/checkout/sessions", data=SESSION_FORM, headers=auth(stripe_fake, "k1")
    ) as response:
        session = await response.json()
    async with http.get(session["url"]) as page:
        assert "Chemistry" in await page.text()

    async with http.post(session["url"]) as page:
        assert page.status == 200

    stored = stripe_fake.sessions[session["id"]]
    assert (stored["status"], stored["payment_status"]) == ("complete", "paid")
    assert [event["type"] for event in stripe_fake.events] == ["checkout.session.completed"]
