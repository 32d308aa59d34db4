"""The payment gateway port (Stripe Checkout behind it) and what it reports."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Who a payment goes through (payments.provider, webhook_events.provider).
STRIPE = "stripe"
FREE = "free"
# A seat paid with a package's credit (the ledger holds the move; the payment row is zero).
CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """What applying the provider's word about a payment did: "booked", "booked_late", "refund",
    "refunded", "refund_retry", "already", "ignored", "duplicate", "pending", "expired"; for a package,
    "paid" when its credits were written."""

    result: str
    payment_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutRequest:
    """One hosted payment page to open: what is sold, for how much, and where the customer comes back."""

    amount_minor: int
    currency: str
    description: str
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    # Aware; the page stops taking payments then.
    expires_at: datetime
    # The same key for a retried request: the provider opens one page, not two.
    idempotency_key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutSession:
    id: str
    url: str | None
    # "open", "complete" or "expired", as the provider says.
    status: str
    # "paid", "unpaid" or "no_payment_required".
    payment_status: str
    payment_intent_id: str | None
    amount_minor: int
    currency: str
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def paid(self) -> bool:
        return self.status == "complete" and self.payment_status == "paid"


class PaymentUnavailable(Exception):
    """The provider could not be reached or failed (network, 5xx, rate limit): nothing is known to have
    happened, and the same call with the same idempotency key may be tried again."""


class PaymentRejected(Exception):
    """The provider refused the request for good (a 4xx other than rate limiting)."""


class PaymentKeyConflict(PaymentRejected):
    """The provider knows the idempotency key from another request: trying again with it cannot work."""


class PaymentGateway(Protocol):
    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def retrieve_checkout(self, session_id: str) -> CheckoutSession: ...

    async def expire_checkout(self, session_id: str) -> CheckoutSession:
        """Close an open session so it can no longer be paid; a session that is no longer open is
        returned as it is (complete or expired), not an error."""
        ...

    async def refund(self, *, payment_intent_id: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        """Refund a payment in full; returns the refund id. Replaying the key never refunds twice."""
        ...


class WebhookSignatureError(Exception):
    """A webhook's signature is missing, malformed, stale or wrong."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentEvent:
    """A verified provider event, reduced to what the use cases need."""

    id: str
    type: str
    created: datetime
    # For checkout.session.* events: the session as it was when the event happened.
    checkout: CheckoutSession | None = None
    # For charge.refunded / refund.updated: the payment intent and refund concerned.
    payment_intent_id: str | None = None
    refund_id: str | None = None
    refund_status: str | None = None


class WebhookVerifier(Protocol):
    def verify(self, payload: bytes, signature_header: str | None) -> PaymentEvent:
        """Check the signature and parse the event; raise WebhookSignatureError when it does not hold."""
        ...
