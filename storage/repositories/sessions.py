from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from core.entities import SessionRoster, Slot, TeachingSession
from core.enums import SessionStatus
from storage.repositories._common import TableRepository, insert_or_ignore, prefixed_columns, unprefixed
from storage.repositories._stored import PARTICIPANTS, SESSIONS, SLOTS, USERS
from storage.tables import ACTIVE_STATUS_VALUES, participants, sessions, slots, users


class SqlSessionRepository(TableRepository[TeachingSession]):
    stored = SESSIONS

    async def get(self, session_id: int) -> TeachingSession | None:
        return await self._first_by(sessions.c.id, session_id)

    async def get_by_slot(self, slot_id: int) -> TeachingSession | None:
        return await self._first_by(sessions.c.slot_id, slot_id)

    async def add(self, session: TeachingSession) -> TeachingSession:
        """Insert the session; sets the new id on `session` and returns it."""
        return await self._insert(session)

    async def statuses_for_slots(self, slot_ids: Sequence[int]) -> dict[int, SessionStatus]:
        """The status of each slot's session, for the slots that have one."""
        if not slot_ids:
            return {}
        result = await self._conn.execute(
            select(sessions.c.slot_id, sessions.c.status).where(sessions.c.slot_id.in_(set(slot_ids)))
        )
        return {slot_id: SessionStatus(status) for slot_id, status in result}

    async def update(self, session: TeachingSession) -> None:
        # A session that is no longer scheduled takes its slot off the tutor's open times.
        self._changes.touch_tutors([session.tutor_id])
        await self._update(session)

    async def update_if(self, session: TeachingSession, expected: SessionStatus) -> bool:
        """Write the session only if its stored status is still `expected`."""
        self._changes.touch_tutors([session.tutor_id])
        return await self._update_where(session, sessions.c.status == expected.value)

    async def list_due(
        self, status: SessionStatus, *, starts_before: datetime | None = None, ends_before: datetime | None = None
    ) -> list[TeachingSession]:
        """Sessions in `status` whose slot starts (or ends) before the instant, oldest first."""
        query = select(sessions).join(slots, slots.c.id == sessions.c.slot_id).where(sessions.c.status == status.value)
        if status is SessionStatus.SCHEDULED:
            # A scheduled session nobody holds a seat in (its student cancelled) is nobody's business: no
            # late notice, no no-show, and it must not crowd out the others.
            holders = (
                select(participants.c.id)
                .where(participants.c.session_id == sessions.c.id, participants.c.status.in_(ACTIVE_STATUS_VALUES))
                .exists()
            )
            query = query.where(holders)
        if starts_before is not None:
            query = query.where(slots.c.starts_at < starts_before)
        if ends_before is not None:
            query = query.where(slots.c.ends_at < ends_before)
        return await self._list(query.order_by(slots.c.starts_at, sessions.c.id).limit(500))

    async def get_or_create(self, slot: Slot, now: datetime) -> TeachingSession:
        """The slot's session, created SCHEDULED if it has none.

        Safe when bookers race: the insert skips a conflicting row (ON CONFLICT DO NOTHING on the unique
        slot_id, which never aborts a PostgreSQL transaction). A concurrent transaction that inserted the row
        first makes the insert wait for its outcome; the select that follows (a new snapshot under READ
        COMMITTED) then reads the row it committed, so both bookers get the same session.
        """
        existing = await self.get_by_slot(slot.id)
        if existing is not None:
            return existing
        session = TeachingSession(slot_id=slot.id, tutor_id=slot.tutor_id, created_at=now, updated_at=now)
        result = await self._conn.execute(
            insert_or_ignore(self._conn, sessions, ["slot_id"])
            .values(**SESSIONS.values(session))
            .returning(sessions.c.id)
        )
        new_id = result.scalar_one_or_none()
        if new_id is not None:
            session.id = new_id
            return session
        created = await self.get_by_slot(slot.id)
        if created is None:
            raise LookupError(f"the session of slot {slot.id} was neither created nor found")
        return created

    async def list_rosters(self, tutor_id: int, start: datetime, end: datetime) -> list[SessionRoster]:
        """The tutor's sessions whose slot starts in [start, end), by start, each with the participants holding
        a seat (pending payment or booked, in the order they joined) and their users.

        Two queries whatever the number of sessions: the sessions with their slots, then every seat holder of
        those sessions with their user.
        """
        in_range = (
            slots.c.tutor_id == tutor_id,
            slots.c.starts_at >= start,
            slots.c.starts_at < end,
        )
        result = await self._conn.execute(
            select(*prefixed_columns(sessions, "session"), *prefixed_columns(slots, "slot"))
            .join(slots, slots.c.id == sessions.c.slot_id)
            .where(*in_range)
            .order_by(slots.c.starts_at, sessions.c.id)
        )
        rosters = [
            SessionRoster(
                session=SESSIONS.entity(unprefixed(row, "session")),
                slot=SLOTS.entity(unprefixed(row, "slot")),
                participants=[],
            )
            for row in result.mappings()
        ]
        if not rosters:
            return []
        by_session = {roster.session.id: roster for roster in rosters}
        result = await self._conn.execute(
            select(*prefixed_columns(participants, "participant"), *prefixed_columns(users, "user"))
            .join(users, users.c.id == participants.c.user_id)
            .join(sessions, sessions.c.id == participants.c.session_id)
            .join(slots, slots.c.id == sessions.c.slot_id)
            .where(*in_range, participants.c.status.in_(ACTIVE_STATUS_VALUES))
            .order_by(participants.c.id)
        )
        for row in result.mappings():
            participant = PARTICIPANTS.entity(unprefixed(row, "participant"))
            # Under READ COMMITTED the second query may see a session committed after the first one: skip it.
            roster = by_session.get(participant.session_id)
            if roster is not None:
                roster.participants.append((participant, USERS.entity(unprefixed(row, "user"))))
        return rosters
