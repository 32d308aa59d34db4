from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Payment
from core.enums import PaymentStatus
from storage.repositories._common import require_new, require_one
from storage.repositories._rows import payment_from_row
from storage.tables import payments


def _values(payment: Payment) -> dict[str, Any]:
    return {
        "participant_id": payment.participant_id,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "status": payment.status.value,
        "provider": payment.provider,
        "checkout_session_id": payment.checkout_session_id,
        "checkout_url": payment.checkout_url,
        "provider_status": payment.provider_status,
        "payment_intent_id": payment.payment_intent_id,
        "refund_id": payment.refund_id,
        "refund_attempts": payment.refund_attempts,
        "next_refund_attempt_at": payment.next_refund_attempt_at,
        "last_error": payment.last_error,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


# The provider's status of a checkout session the customer may still complete.
OPEN_CHECKOUT = "open"


class SqlPaymentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, payment_id: int) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.id == payment_id))
        row = result.mappings().first()
        return payment_from_row(row) if row is not None else None

    async def get_by_participant(self, participant_id: int) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.participant_id == participant_id))
        row = result.mappings().first()
        return payment_from_row(row) if row is not None else None

    async def add(self, payment: Payment) -> Payment:
        """Insert the payment; sets the new id on `payment` and returns it."""
        require_new(payment)
        result = await self._conn.execute(insert(payments).values(**_values(payment)).returning(payments.c.id))
        payment.id = result.scalar_one()
        return payment

    async def update(self, payment: Payment) -> None:
        result = await self._conn.execute(
            update(payments).where(payments.c.id == payment.id).values(**_values(payment))
        )
        require_one(result.rowcount, "payment", payment.id)

    async def get_by_checkout(self, checkout_session_id: str) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.checkout_session_id == checkout_session_id))
        row = result.mappings().first()
        return payment_from_row(row) if row is not None else None

    async def list_open_checkouts(self, created_before: datetime, limit: int) -> list[Payment]:
        """Payments with a checkout session the provider last reported "open", created before the instant,
        oldest first, at most `limit`."""
        result = await self._conn.execute(
            select(payments)
            .where(
                payments.c.provider_status == OPEN_CHECKOUT,
                payments.c.checkout_session_id.is_not(None),
                payments.c.created_at < created_before,
            )
            .order_by(payments.c.created_at, payments.c.id)
            .limit(limit)
        )
        return [payment_from_row(row) for row in result.mappings()]

    async def get_by_payment_intent(self, payment_intent_id: str) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.payment_intent_id == payment_intent_id))
        row = result.mappings().first()
        return payment_from_row(row) if row is not None else None

    async def list_refunds_pending(self, limit: int) -> list[Payment]:
        """Every refund not done yet, the longest-waiting first: what an operator looks at."""
        result = await self._conn.execute(
            select(payments)
            .where(payments.c.status == PaymentStatus.REFUND_PENDING.value)
            .order_by(payments.c.updated_at, payments.c.id)
            .limit(limit)
        )
        return [payment_from_row(row) for row in result.mappings()]

    async def list_refunds_due(self, now: datetime, limit: int, max_attempts: int) -> list[Payment]:
        """REFUND_PENDING payments whose next_refund_attempt_at is unset or <= now, tried fewer than
        `max_attempts` times, oldest (by creation) first, at most `limit`."""
        result = await self._conn.execute(
            select(payments)
            .where(
                payments.c.status == PaymentStatus.REFUND_PENDING.value,
                payments.c.refund_attempts < max_attempts,
                or_(payments.c.next_refund_attempt_at.is_(None), payments.c.next_refund_attempt_at <= now),
            )
            .order_by(payments.c.created_at, payments.c.id)
            .limit(limit)
        )
        return [payment_from_row(row) for row in result.mappings()]
