"""The waitlist of a full session (or a 1-to-1 time someone took): people queue with "Notify me"; when a
seat frees, the first one waiting gets it held for them alone for `waitlist_hold_minutes`, with a Book
button, then the next one. The held seat counts as taken, so nobody else books it meanwhile; nobody pays
anything until they book it."""

from dataclasses import dataclass, replace
from datetime import datetime

from core.enums import WaitlistStatus

# Queues one person may stand in at once.
MAX_WAITING = 10


@dataclass(slots=True, kw_only=True)
class WaitlistEntry:
    id: int = 0
    slot_id: int
    user_id: int
    status: WaitlistStatus = WaitlistStatus.WAITING
    offered_at: datetime | None = None
    offer_expires_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def offered(self, now: datetime, until: datetime) -> "WaitlistEntry":
        return replace(self, status=WaitlistStatus.OFFERED, offered_at=now, offer_expires_at=until, updated_at=now)

    def ended(self, status: WaitlistStatus, now: datetime) -> "WaitlistEntry":
        return replace(self, status=status, updated_at=now)

    def holds_offer(self, now: datetime) -> bool:
        return (
            self.status is WaitlistStatus.OFFERED and self.offer_expires_at is not None and now < self.offer_expires_at
        )
