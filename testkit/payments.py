"""An in-process payment gateway for tests that are not about Stripe itself (races, jobs)."""

from datetime import datetime

from core.payments import CheckoutSession


class InstantGateway:
    """Opens checkouts at once and remembers them; nothing is ever paid unless a test says so."""

    def __init__(self) -> None:
        self.sessions: dict[str, CheckoutSession] = {}
        self.refunds: list[str] = []

    async def create_checkout(
        self,
        *,
        amount_minor: int,
        currency: str,
        description: str,
        metadata: dict[str, str],
        success_url: str,
        cancel_url: str,
        expires_at: datetime,
        idempotency_key: str,
    ) -> CheckoutSession:
        session_id = f"cs_{idempotency_key}"
        session = CheckoutSession(
            id=session_id,
            url=f"https://pay.example/{session_id}",
            status="open",
            payment_status="unpaid",
            payment_intent_id=None,
            amount_minor=amount_minor,
            currency=currency,
            metadata=metadata,
        )
        return self.sessions.setdefault(session_id, session)

    async def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        return self.sessions[session_id]

    async def expire_checkout(self, session_id: str) -> CheckoutSession:
        return self.sessions[session_id]

    async def refund(self, *, payment_intent_id: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        self.refunds.append(idempotency_key)
        return f"re_{idempotency_key}"
