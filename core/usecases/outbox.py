"""Queueing a notification: a row of the outbox, written in the transaction that decides what it reports
(the delivery job sends it, retrying, never twice)."""

from datetime import datetime
from typing import Any

from core.entities import Notification
from core.notifications import NotificationKind
from core.ports import UnitOfWork


async def notify(
    uow: UnitOfWork, recipient: int, kind: NotificationKind, payload: dict[str, Any], key: str, now: datetime
) -> bool:
    """Queue one message; False (nothing written) if a message with this dedupe key was queued before."""
    return await uow.outbox.add(Notification(recipient_id=recipient, kind=kind, payload=payload, dedupe_key=key), now)
