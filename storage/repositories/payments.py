from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import Payment
from core.enums import PaymentStatus
from storage.repositories._common import require_new, require_one
from storage.tables import payments


def _to_payment(row: RowMapping) -> Payment:
    return Payment(
        id=row["id"],
        participant_id=row["participant_id"],
        amount_minor=row["amount_minor"],
        currency=row["currency"],
        status=PaymentStatus(row["status"]),
        provider=row["provider"],
        checkout_session_id=row["checkout_session_id"],
        checkout_url=row["checkout_url"],
        payment_intent_id=row["payment_intent_id"],
        refund_id=row["refund_id"],
        refund_attempts=row["refund_attempts"],
        next_refund_attempt_at=row["next_refund_attempt_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(payment: Payment) -> dict[str, Any]:
    return {
        "participant_id": payment.participant_id,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "status": payment.status.value,
        "provider": payment.provider,
        "checkout_session_id": payment.checkout_session_id,
        "checkout_url": payment.checkout_url,
        "payment_intent_id": payment.payment_intent_id,
        "refund_id": payment.refund_id,
        "refund_attempts": payment.refund_attempts,
        "next_refund_attempt_at": payment.next_refund_attempt_at,
        "last_error": payment.last_error,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


class SqlPaymentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, payment_id: int) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.id == payment_id))
        row = result.mappings().first()
        return _to_payment(row) if row is not None else None

    async def get_by_participant(self, participant_id: int) -> Payment | None:
        result = await self._conn.execute(select(payments).where(payments.c.participant_id == participant_id))
        row = result.mappings().first()
        return _to_payment(row) if row is not None else None

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
