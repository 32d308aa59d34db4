from datetime import datetime

from sqlalchemy import or_, select

from core.entities import Payment
from core.enums import PaymentStatus
from storage.repositories._common import TableRepository
from storage.repositories._stored import PAYMENTS
from storage.tables import payments

# The provider's status of a checkout session the customer may still complete.
OPEN_CHECKOUT = "open"


class SqlPaymentRepository(TableRepository[Payment]):
    stored = PAYMENTS

    async def get(self, payment_id: int) -> Payment | None:
        return await self._first_by(payments.c.id, payment_id)

    async def get_by_participant(self, participant_id: int) -> Payment | None:
        return await self._first_by(payments.c.participant_id, participant_id)

    async def add(self, payment: Payment) -> Payment:
        """Insert the payment; sets the new id on `payment` and returns it."""
        return await self._insert(payment)

    async def update(self, payment: Payment) -> None:
        await self._update(payment)

    async def get_by_checkout(self, checkout_session_id: str) -> Payment | None:
        return await self._first_by(payments.c.checkout_session_id, checkout_session_id)

    async def list_open_checkouts(self, created_before: datetime, limit: int) -> list[Payment]:
        """Payments with a checkout session the provider last reported "open", created before the instant,
        oldest first, at most `limit`."""
        return await self._list(
            select(payments)
            .where(
                payments.c.provider_status == OPEN_CHECKOUT,
                payments.c.checkout_session_id.is_not(None),
                payments.c.created_at < created_before,
            )
            .order_by(payments.c.created_at, payments.c.id)
            .limit(limit)
        )

    async def get_by_payment_intent(self, payment_intent_id: str) -> Payment | None:
        return await self._first_by(payments.c.payment_intent_id, payment_intent_id)

    async def list_refunds_pending(self, limit: int) -> list[Payment]:
        """Every refund not done yet, the longest-waiting first: what an operator looks at."""
        return await self._list(
            select(payments)
            .where(payments.c.status == PaymentStatus.REFUND_PENDING.value)
            .order_by(payments.c.updated_at, payments.c.id)
            .limit(limit)
        )

    async def list_refunds_due(self, now: datetime, limit: int, max_attempts: int) -> list[Payment]:
        """REFUND_PENDING payments whose next_refund_attempt_at is unset or <= now, tried fewer than
        `max_attempts` times, oldest (by creation) first, at most `limit`."""
        return await self._list(
            select(payments)
            .where(
                payments.c.status == PaymentStatus.REFUND_PENDING.value,
                payments.c.refund_attempts < max_attempts,
                or_(payments.c.next_refund_attempt_at.is_(None), payments.c.next_refund_attempt_at <= now),
            )
            .order_by(payments.c.created_at, payments.c.id)
            .limit(limit)
        )
