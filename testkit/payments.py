"""An in-process payment gateway for tests that are not about Stripe itself (races, jobs)."""

from core.payments import CheckoutRequest, CheckoutSession


class InstantGateway:
    """Opens checkouts at once and remembers them; nothing is ever paid unless a test says so."""

    def __init__(self) -> None:
        self.sessions: dict[str, CheckoutSession] = {}
        self.refunds: list[str] = []

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        session_id = f"cs_{request.idempotency_key}"
        session = CheckoutSession(
            id=session_id,
            url=f"https://pay.example/{session_id}",
            status="open",
            payment_status="unpaid",
            payment_intent_id=None,
            amount_minor=request.amount_minor,
            currency=request.currency,
            metadata=request.metadata,
        )
        return self.sessions.setdefault(session_id, session)

    async def retrieve_checkout(self, session_id: str) -> CheckoutSession:
        return self.sessions[session_id]

    async def expire_checkout(self, session_id: str) -> CheckoutSession:
        return self.sessions[session_id]

    async def refund(self, *, payment_intent_id: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        self.refunds.append(idempotency_key)
        return f"re_{idempotency_key}"
