"""Queueing a notification: a row of the outbox, written in the transaction that decides what it reports
(the delivery job sends it, retrying, never twice).

A message about a child's lessons also goes to each parent linked to the child, marked with the child's
name (`for_child` in its payload); a child without Telegram gets nothing, their parents get it all."""

from dataclasses import replace
from datetime import datetime

from core.entities import Notification
from core.families import is_managed
from core.notifications import FAMILY_KINDS, MANAGED_CHILD_KINDS, Message, payload_of
from core.ports import UnitOfWork


def notification(recipient: int, message: Message, key: str) -> Notification:
    return Notification(recipient_id=recipient, kind=message.kind, payload=payload_of(message), dedupe_key=key)


async def notify(uow: UnitOfWork, recipient: int, message: Message, key: str, now: datetime) -> bool:
    """Queue one message; False (nothing written) if a message with this dedupe key was queued before."""
    return await queue(uow, notification(recipient, message, key), now)


async def queue(uow: UnitOfWork, note: Notification, now: datetime) -> bool:
    """Queue a notification (and its copies for the recipient's parents); False if it was queued before."""
    added = False
    if not is_managed(note.recipient_id):
        added = await uow.outbox.add(note, now)
    # The join link a session's start brings is the child's own: a parent gets it only for a child who
    # has no Telegram, and hands them the device.
    if note.kind in FAMILY_KINDS or (note.kind in MANAGED_CHILD_KINDS and is_managed(note.recipient_id)):
        for link in await uow.families.parents_of(note.recipient_id):
            copy = replace(
                note,
                recipient_id=link.parent_id,
                payload={**note.payload, "for_child": link.child_name},
                dedupe_key=f"{note.dedupe_key}:parent:{link.parent_id}" if note.dedupe_key else None,
            )
            added = await uow.outbox.add(copy, now) or added
    return added
