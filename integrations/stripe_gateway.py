"""Stripe behind the payment ports: Checkout and refunds through the official SDK's async API, and
webhook signature verification.

Every Stripe failure leaves this module as `PaymentUnavailable` (try again later, with the same idempotency
key) or `PaymentRejected` (refused for good); no `stripe` exception reaches the caller.
"""

import json
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp
import stripe

from core.payments import (
    CheckoutRequest,
    CheckoutSession,
    PaymentEvent,
    PaymentKeyConflict,
    PaymentRejected,
    PaymentUnavailable,
    WebhookSignatureError,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

# ISO 4217 gives these currencies no minor unit, but Stripe's API still counts them in hundredths.
_STRIPE_HUNDREDTHS = frozenset({"ISK"})


def stripe_amount(amount_minor: int, currency: str) -> int:
    """The amount to send Stripe for `amount_minor` ISO minor units of `currency`.

    Stripe counts amounts in the currency's smallest unit (cents for EUR, whole yen for JPY), which is the
    ISO 4217 minor unit our money uses, with one exception: ISK has no decimals in ISO 4217 but Stripe
    still represents it with two, always "00", so 500 ISK is sent as 50000. Amounts Stripe reports back
    go through the inverse, `_from_stripe_amount`.
    """
    return amount_minor * 100 if currency.upper() in _STRIPE_HUNDREDTHS else amount_minor


def _from_stripe_amount(amount: int, currency: str) -> int:
    return amount // 100 if currency.upper() in _STRIPE_HUNDREDTHS else amount


class StripeGateway:
    """`core.payments.PaymentGateway` on Stripe Checkout (hosted payment page, one line item)."""

    def __init__(
        self,
        api_key: str,
        api_base: str = "https://api.stripe.com",
        timeout_seconds: float = 20,
        *,
        namespace: str = "",
    ) -> None:
        # Prefixes every idempotency key: our keys come from row ids, which another database on the same
        # Stripe account has too (storage.installation).
        self._namespace = namespace
        # Someone is waiting on a button: better a clear "try again" than 80 seconds (the SDK's default).
        self._http_client = stripe.AIOHTTPClient(timeout=timeout_seconds)
        # Retries belong to the caller, who holds the idempotency key; the SDK would retry on its own.
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=self._http_client,
            max_network_retries=0,
        )

    def _key(self, key: str) -> str:
        return f"{self._namespace}-{key}" if self._namespace else key

    async def close(self) -> None:
        """Close the HTTP session; the gateway must not be used afterwards."""
        # The SDK leaves this method unannotated.
        await self._http_client.close_async()  # type: ignore[no-untyped-call]

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        if request.expires_at.tzinfo is None:
            raise ValueError("expires_at must be an aware datetime")
        key = self._key(request.idempotency_key)
        session = await _call(
            self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "payment",
                    "line_items": [
                        {
                            "price_data": {
                                "currency": request.currency.lower(),
                                "unit_amount": stripe_amount(request.amount_minor, request.currency),
                                "product_data": {"name": request.description},
                            },
                            "quantity": 1,
                        }
                    ],
                    "metadata": dict(request.metadata),
                    "success_url": request.success_url,
                    "cancel_url": request.cancel_url,
                    "expires_at": int(request.expires_at.timestamp()),
                },
                {"idempotency_key": key},
            ),
            key,
        )
        return _checkout_from(session.to_dict())

    async def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        session = await _call(self._client.v1.checkout.sessions.retrieve_async(session_id))
        return _checkout_from(session.to_dict())

    async def expire_checkout(self, session_id: str) -> CheckoutSession:
        try:
            session = await self._client.v1.checkout.sessions.expire_async(session_id)
        except stripe.InvalidRequestError as exc:
            # Stripe refuses to expire a session that is no longer open (paid, or already expired): the
            # session as it stands is the answer. An unknown id fails the retrieval too.
            current = await self.retrieve_checkout(session_id)
            if current.status == "open":
                raise PaymentRejected(_message(exc)) from exc
            return current
        except _FAILURES as exc:
            raise _translate(exc) from exc
        return _checkout_from(session.to_dict())

    async def refund(self, *, payment_intent_id: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        refund = await _call(
            self._client.v1.refunds.create_async(
                {"payment_intent": payment_intent_id, "amount": stripe_amount(amount_minor, currency)},
                {"idempotency_key": self._key(idempotency_key)},
            ),
            self._key(idempotency_key),
        )
        return refund.id


# What a failed SDK call can raise: the SDK's own errors, and aiohttp's when the connection breaks while the
# answer is read (the SDK only wraps failures while sending).
_FAILURES = (stripe.StripeError, aiohttp.ClientError, TimeoutError)


async def _call(request: Awaitable[T], idempotency_key: str | None = None) -> T:
    try:
        return await request
    except _FAILURES as exc:
        error = _translate(exc)
        if isinstance(error, PaymentKeyConflict):
            # Loud: two installations share keys on one Stripe account (see storage.installation).
            log.error(
                "Stripe refused idempotency key %r: it was used before for another request. Is another "
                "database using this Stripe account with the same installation namespace? (%s)",
                idempotency_key,
                error,
            )
        raise error from exc


def _translate(exc: Exception) -> PaymentUnavailable | PaymentRejected:
    """The port's error for a failed SDK call."""
    if isinstance(exc, stripe.IdempotencyError):
        # Retrying with this key can never work: the key names another request.
        return PaymentKeyConflict(_message(exc))
    # APIError: a 5xx, a 409 (the same idempotency key still in flight) or an unreadable answer.
    if isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError):
        return PaymentUnavailable(_message(exc))
    if isinstance(exc, stripe.StripeError):
        return PaymentRejected(_message(exc))
    return PaymentUnavailable(f"Stripe could not be reached: {exc!r}")


def _message(exc: stripe.StripeError) -> str:
    return exc.user_message or str(exc) or type(exc).__name__


def _checkout_from(obj: Mapping[str, Any]) -> CheckoutSession:
    """A CheckoutSession from a Stripe `checkout.session` object (an API answer or an event's data)."""
    currency = str(obj.get("currency") or "").upper()
    amount_total = obj.get("amount_total")
    metadata = obj.get("metadata") or {}
    return CheckoutSession(
        id=_require_str(obj, "id"),
        url=_optional_str(obj.get("url")),
        status=str(obj.get("status") or ""),
        payment_status=str(obj.get("payment_status") or ""),
        payment_intent_id=_id_of(obj.get("payment_intent")),
        amount_minor=_from_stripe_amount(amount_total, currency) if isinstance(amount_total, int) else 0,
        currency=currency,
        metadata={str(key): str(value) for key, value in metadata.items()} if isinstance(metadata, Mapping) else {},
    )


def _id_of(value: object) -> str | None:
    """The id of an expandable field: a bare id, an expanded object, or nothing."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        return _optional_str(value.get("id"))
    return None


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _require_str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"Stripe object without {key!r}")
    return value


class StripeWebhookVerifier:
    """`core.payments.WebhookVerifier` for Stripe's `Stripe-Signature` header (HMAC-SHA256, `t=...,v1=...`)."""

    def __init__(self, secret: str, tolerance_seconds: int = 300) -> None:
        if not secret.strip():
            raise ValueError("the webhook signing secret is empty")
        if tolerance_seconds <= 0:
            # The SDK reads 0 as "accept any age", which would let old deliveries be replayed.
            raise ValueError("tolerance_seconds must be positive")
        self._secret = secret
        self._tolerance = tolerance_seconds

    def verify(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        try:
            stripe.WebhookSignature.verify_header(payload, signature_header, self._secret, self._tolerance)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(_message(exc)) from exc
        except ValueError as exc:  # the body is not UTF-8
            raise WebhookSignatureError("the webhook body is not UTF-8 text") from exc
        try:
            return _event_from(json.loads(payload))
        except ValueError as exc:
            raise WebhookSignatureError(f"malformed webhook event: {exc}") from exc


def _event_from(data: object) -> PaymentEvent:
    """A PaymentEvent from a Stripe `event` object; ValueError when it is not shaped like one."""
    if not isinstance(data, Mapping):
        raise ValueError("not a JSON object")
    event_id = _require_str(data, "id")
    event_type = _require_str(data, "type")
    created = data.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        raise ValueError("no creation time")
    base = PaymentEvent(id=event_id, type=event_type, created=datetime.fromtimestamp(created, UTC))
    payload = data.get("data")
    obj = payload.get("object") if isinstance(payload, Mapping) else None
    if not isinstance(obj, Mapping):
        raise ValueError("no data.object")

    if event_type.startswith("checkout.session."):
        return replace(base, checkout=_checkout_from(obj))
    if event_type == "charge.refunded":
        return replace(
            base,
            payment_intent_id=_id_of(obj.get("payment_intent")),
            refund_id=_latest_refund_id(obj.get("refunds")),
            refund_status="succeeded",
        )
    if event_type in {"refund.created", "refund.updated", "refund.failed"}:
        return replace(
            base,
            payment_intent_id=_id_of(obj.get("payment_intent")),
            refund_id=_require_str(obj, "id"),
            refund_status=_optional_str(obj.get("status")),
        )
    return base


def _latest_refund_id(refunds: object) -> str | None:
    """The newest refund of a charge's `refunds` list, when the event carries it (older API versions do)."""
    items = refunds.get("data") if isinstance(refunds, Mapping) else None
    if not isinstance(items, list):
        return None
    candidates = [item for item in items if isinstance(item, Mapping) and _optional_str(item.get("id"))]
    if not candidates:
        return None
    # Stripe lists newest first; `created` settles it when present.
    newest = max(
        enumerate(candidates),
        key=lambda pair: (pair[1].get("created") if isinstance(pair[1].get("created"), int) else 0, -pair[0]),
    )[1]
    return _optional_str(newest.get("id"))
