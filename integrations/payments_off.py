"""The payment gateway of a deployment without STRIPE_SECRET_KEY: paid bookings are refused clearly."""

from core.payments import CheckoutRequest, CheckoutSession, PaymentUnavailable


class PaymentsNotConfigured:
    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        raise PaymentUnavailable("STRIPE_SECRET_KEY is not set")

    async def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        raise PaymentUnavailable("STRIPE_SECRET_KEY is not set")

    async def expire_checkout(self, session_id: str) -> CheckoutSession:
        raise PaymentUnavailable("STRIPE_SECRET_KEY is not set")

    async def refund(self, *, payment_intent_id: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        raise PaymentUnavailable("STRIPE_SECRET_KEY is not set")

    async def close(self) -> None:
        """Nothing to release."""
