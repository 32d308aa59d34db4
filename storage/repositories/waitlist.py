"""The queues of full slots."""

from datetime import datetime

from sqlalchemy import func, select, update

from core.enums import WaitlistStatus
from core.waitlist import WaitlistEntry
from storage.repositories._common import TableRepository
from storage.repositories._stored import WAITLIST
from storage.tables import slots, waitlist_entries

_ACTIVE = [WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value]


class SqlWaitlistRepository(TableRepository[WaitlistEntry]):
    stored = WAITLIST

    async def add(self, entry: WaitlistEntry) -> WaitlistEntry:
        return await self._insert(entry)

    async def get(self, entry_id: int) -> WaitlistEntry | None:
        return await self._first_by(waitlist_entries.c.id, entry_id)

    async def update_if(self, entry: WaitlistEntry, expected: WaitlistStatus) -> bool:
        """Write the entry only if its status is still `expected` (a tap and the expiry job at once)."""
        return await self._update_where(entry, waitlist_entries.c.status == expected.value)

    async def active_for(self, slot_id: int, user_id: int) -> WaitlistEntry | None:
        return self.stored.first(
            await self._conn.execute(
                select(waitlist_entries).where(
                    waitlist_entries.c.slot_id == slot_id,
                    waitlist_entries.c.user_id == user_id,
                    waitlist_entries.c.status.in_(_ACTIVE),
                )
            )
        )

    async def count_active(self, user_id: int) -> int:
        result = await self._conn.execute(
            select(func.count()).where(waitlist_entries.c.user_id == user_id, waitlist_entries.c.status.in_(_ACTIVE))
        )
        return int(result.scalar_one())

    async def next_waiting(self, slot_id: int) -> WaitlistEntry | None:
        """The first in the slot's queue still waiting."""
        return self.stored.first(
            await self._conn.execute(
                select(waitlist_entries)
                .where(waitlist_entries.c.slot_id == slot_id, waitlist_entries.c.status == WaitlistStatus.WAITING.value)
                .order_by(waitlist_entries.c.created_at, waitlist_entries.c.id)
                .limit(1)
            )
        )

    async def lapsed_offers(self, now: datetime, limit: int) -> list[WaitlistEntry]:
        return await self._list(
            select(waitlist_entries)
            .where(
                waitlist_entries.c.status == WaitlistStatus.OFFERED.value,
                waitlist_entries.c.offer_expires_at <= now,
            )
            .order_by(waitlist_entries.c.offer_expires_at, waitlist_entries.c.id)
            .limit(limit)
        )

    async def slots_with_free_seats(self, limit: int) -> list[int]:
        """Slots with someone waiting and a seat free: a seat freed where nothing passed it on at once."""
        rows = await self._conn.execute(
            select(waitlist_entries.c.slot_id)
            .join(slots, slots.c.id == waitlist_entries.c.slot_id)
            .where(waitlist_entries.c.status == WaitlistStatus.WAITING.value, slots.c.seats_taken < slots.c.capacity)
            .group_by(waitlist_entries.c.slot_id)
            .order_by(waitlist_entries.c.slot_id)
            .limit(limit)
        )
        return [slot_id for (slot_id,) in rows]

    async def end_waiting(self, slot_id: int, now: datetime) -> None:
        """The slot is no longer on sale: nobody waits for it any more."""
        await self._conn.execute(
            update(waitlist_entries)
            .where(waitlist_entries.c.slot_id == slot_id, waitlist_entries.c.status == WaitlistStatus.WAITING.value)
            .values(status=WaitlistStatus.EXPIRED.value, updated_at=now)
        )

    async def of_user(self, user_id: int) -> list[WaitlistEntry]:
        return await self._list(
            select(waitlist_entries)
            .where(waitlist_entries.c.user_id == user_id, waitlist_entries.c.status.in_(_ACTIVE))
            .order_by(waitlist_entries.c.created_at)
        )
