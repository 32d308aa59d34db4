from datetime import datetime

from storage.repositories._common import Repository, insert_or_ignore
from storage.tables import webhook_events


class SqlWebhookEventRepository(Repository):
    async def record(self, provider: str, event_id: str, event_type: str, now: datetime) -> bool:
        """Remember an incoming event; False if it was recorded before (process each event once).

        A concurrent transaction recording the same event makes this one wait for its outcome
        (PostgreSQL: the unique index; SQLite: the write lock) instead of failing.
        """
        result = await self._conn.execute(
            insert_or_ignore(self._conn, webhook_events, ["provider", "event_id"])
            .values(provider=provider, event_id=event_id, event_type=event_type, received_at=now)
            .returning(webhook_events.c.event_id)
        )
        return result.first() is not None
