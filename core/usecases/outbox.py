"""Queueing a notification: a row of the outbox, written in the transaction that decides what it reports
(the delivery job sends it, retrying, never twice)."""

from datetime import datetime

from core.entities import Notification
from core.notifications import Message, payload_of
from core.ports import UnitOfWork


def notification(recipient: int, message: Message, key: str) -> Notification:
    return Notification(recipient_id=recipient, kind=message.kind, payload=payload_of(message), dedupe_key=key)


async def notify(uow: UnitOfWork, recipient: int, message: Message, key: str, now: datetime) -> bool:
    """Queue one message; False (nothing written) if a message with this dedupe key was queued before."""
    return await uow.outbox.add(notification(recipient, message, key), now)
