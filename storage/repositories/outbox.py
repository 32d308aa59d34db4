from datetime import datetime

from sqlalchemy import func, or_, select, update

from core.entities import Notification, OutboxMessage
from core.enums import OutboxStatus
from storage.repositories._common import TableRepository, insert_or_ignore
from storage.repositories._stored import OUTBOX
from storage.tables import outbox

_PENDING = OutboxStatus.PENDING.value


class SqlOutboxRepository(TableRepository[OutboxMessage]):
    """The notification outbox.

    Delivery protocol: `due_heads` proposes one message per recipient, `claim` leases it (a conditional
    UPDATE, so of several workers exactly one gets it), then `mark_sent`, `reschedule` or `mark_failed`
    releases the lease. A worker that dies holding a lease blocks the message only until `claimed_until`.
    """

    stored = OUTBOX

    async def add(self, notification: Notification, now: datetime) -> bool:
        """Queue a notification, due at once; False (nothing written) if its dedupe_key was already queued."""
        result = await self._conn.execute(
            insert_or_ignore(self._conn, outbox, ["dedupe_key"])
            .values(
                recipient_id=notification.recipient_id,
                kind=notification.kind,
                payload=notification.payload,
                dedupe_key=notification.dedupe_key,
                status=_PENDING,
                attempts=0,
                next_attempt_at=now,
                claimed_until=None,
                last_error=None,
                created_at=now,
                sent_at=None,
            )
            .returning(outbox.c.id)
        )
        return result.first() is not None

    async def due_heads(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """For each recipient, its oldest pending message, if that one is due and not claimed; by id."""
        heads = (
            select(func.min(outbox.c.id).label("id"))
            .where(outbox.c.status == _PENDING)
            .group_by(outbox.c.recipient_id)
            .subquery("heads")
        )
        return await self._list(
            select(outbox)
            .join(heads, heads.c.id == outbox.c.id)
            .where(
                outbox.c.next_attempt_at <= now,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )

    async def claim(self, message_id: int, now: datetime, until: datetime) -> bool:
        """Lease a pending message until `until`; False if another worker holds it or it is not pending."""
        result = await self._conn.execute(
            update(outbox)
            .where(
                outbox.c.id == message_id,
                outbox.c.status == _PENDING,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
            )
            .values(claimed_until=until)
        )
        return result.rowcount == 1

    async def mark_sent(self, message_id: int, now: datetime) -> None:
        await self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(status=OutboxStatus.SENT.value, sent_at=now, claimed_until=None)
        )

    async def reschedule(self, message_id: int, next_attempt_at: datetime, error: str, count_attempt: bool) -> None:
        """Release the lease and try again at `next_attempt_at`; `count_attempt` adds one to `attempts`."""
        await self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(
                claimed_until=None,
                next_attempt_at=next_attempt_at,
                last_error=error,
                attempts=outbox.c.attempts + (1 if count_attempt else 0),
            )
        )

    async def mark_failed(self, message_id: int, now: datetime, error: str) -> None:
        """Give up on the message: status failed, lease released, `error` kept in last_error.

        The table has no column for the moment of failure, so `now` is not stored.
        """
        await self._conn.execute(
            update(outbox)
            .where(outbox.c.id == message_id)
            .values(status=OutboxStatus.FAILED.value, claimed_until=None, last_error=error)
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._first_by(outbox.c.id, message_id)

    async def count_pending(self) -> int:
        result = await self._conn.execute(select(func.count()).select_from(outbox).where(outbox.c.status == _PENDING))
        return int(result.scalar_one())
