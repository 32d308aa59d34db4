from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from core.entities import BookingView, Participant
from core.enums import ParticipantStatus, SessionStatus
from core.errors import Conflict
from storage.repositories._common import TableRepository, prefixed_columns, require_new, unprefixed
from storage.repositories._stored import PARTICIPANTS, PAYMENTS, SESSIONS, SLOTS, TUTORS
from storage.repositories.tutors import subjects_of
from storage.tables import ACTIVE_STATUS_VALUES, participants, payments, sessions, slots, tutor_profiles

ALREADY_BOOKED = "booking.already_booked"
# A lesson that took place: attended, or missed.
_HELD_STATUS_VALUES = (ParticipantStatus.BOOKED.value, ParticipantStatus.NO_SHOW.value)


# Built once: every booking runs them, and building them per call cost more CPU than running them.
_COUNT_HOLDS = (
    select(func.count())
    .select_from(participants)
    .where(
        participants.c.user_id == bindparam("user_id"),
        participants.c.status == ParticipantStatus.PENDING_PAYMENT.value,
        or_(participants.c.hold_expires_at.is_(None), participants.c.hold_expires_at > bindparam("now")),
    )
)
_OVERLAPPING = (
    select(participants)
    .join(sessions, sessions.c.id == participants.c.session_id)
    .join(slots, slots.c.id == sessions.c.slot_id)
    .where(
        participants.c.user_id == bindparam("user_id"),
        participants.c.status.in_(ACTIVE_STATUS_VALUES),
        slots.c.starts_at < bindparam("end"),
        slots.c.ends_at > bindparam("start"),
    )
    .order_by(slots.c.starts_at, participants.c.id)
)


class SqlParticipantRepository(TableRepository[Participant]):
    stored = PARTICIPANTS

    async def get(self, participant_id: int) -> Participant | None:
        return await self._first_by(participants.c.id, participant_id)

    async def add(self, participant: Participant) -> Participant:
        """Insert the participant; sets the new id on `participant` and returns it.

        Raises `Conflict("booking.already_booked")` (and writes nothing) when the participant holds a seat and
        the same user already holds one in the same session: the partial unique index rejects the row. The
        INSERT runs in a SAVEPOINT, so the rejection leaves the transaction usable (a failed statement
        aborts a whole PostgreSQL transaction otherwise). Any other integrity error (an unknown session or
        user) raises as such.

        Not `INSERT ... ON CONFLICT DO NOTHING`: PostgreSQL matches a partial index as the conflict arbiter
        only when it can prove the index predicate from the statement's, which fails once a prepared
        statement runs with a generic plan (bound values unknown).
        """
        require_new(participant)
        try:
            async with self._conn.begin_nested():
                result = await self._conn.execute(
                    insert(participants).values(**PARTICIPANTS.values(participant)).returning(participants.c.id)
                )
                new_id = result.scalar_one()
        except IntegrityError as error:
            session_id, user_id = participant.session_id, participant.user_id
            if participant.status.holds_seat and await self._holds_seat(session_id, user_id):
                raise Conflict(ALREADY_BOOKED, session_id=session_id, user_id=user_id) from error
            raise
        participant.id = new_id
        return participant

    async def _holds_seat(self, session_id: int, user_id: int) -> bool:
        result = await self._conn.execute(
            select(participants.c.id).where(
                participants.c.session_id == session_id,
                participants.c.user_id == user_id,
                participants.c.status.in_(ACTIVE_STATUS_VALUES),
            )
        )
        return result.first() is not None

    async def update(self, participant: Participant) -> None:
        await self._update(participant)

    async def list_for_session(self, session_id: int) -> list[Participant]:
        """Every participant of the session, whatever the status, in the order they were added."""
        return await self._list(
            select(participants).where(participants.c.session_id == session_id).order_by(participants.c.id)
        )

    async def update_if(self, participant: Participant, expected: ParticipantStatus) -> bool:
        """Write every field of the participant in one conditional UPDATE, only if its stored status is still
        `expected`; False (nothing written) otherwise or if it does not exist."""
        return await self._update_where(participant, participants.c.status == expected.value)

    async def count_holds(self, user_id: int, now: datetime) -> int:
        """The user's seats held pending payment whose hold has not lapsed (expires after `now`, or never)."""
        result = await self._conn.execute(_COUNT_HOLDS, {"user_id": user_id, "now": now})
        return int(result.scalar_one())

    async def overlapping(self, user_id: int, start: datetime, end: datetime) -> list[Participant]:
        """The user's participations holding a seat (pending payment or booked) whose slot overlaps
        [start, end) (a slot ending at `start` or starting at `end` does not), ordered by slot start."""
        return self.stored.all(await self._conn.execute(_OVERLAPPING, {"user_id": user_id, "start": start, "end": end}))

    async def list_lapsed_holds(self, now: datetime, limit: int) -> list[Participant]:
        """Pending-payment participations whose hold_expires_at <= now, the earliest lapsed first, at most
        `limit`."""
        return await self._list(
            select(participants)
            .where(
                participants.c.status == ParticipantStatus.PENDING_PAYMENT.value,
                participants.c.hold_expires_at <= now,
            )
            .order_by(participants.c.hold_expires_at, participants.c.id)
            .limit(limit)
        )

    async def list_bookings(self, user_id: int, since: datetime) -> list[BookingView]:
        """The user's participations (any status) in sessions whose slot ends after `since`, by slot start.

        Two queries whatever the number of bookings: the participations joined with their payment, slot,
        session and tutor, then the subjects of those tutors.
        """
        return await self._bookings(
            participants.c.user_id == user_id,
            slots.c.ends_at > since,
        )

    async def get_booking(self, participant_id: int) -> BookingView | None:
        """One participation with its payment (or None), slot, session and tutor; None if it does not exist."""
        found = await self._bookings(participants.c.id == participant_id)
        return found[0] if found else None

    async def past_bookings(self, user_ids: Sequence[int], tutor_id: int | None, limit: int) -> list[BookingView]:
        """The users' participations in lessons that took place (with the tutor, when given), the latest
        first: those they attended and those they missed."""
        conditions = [
            participants.c.user_id.in_(list(user_ids)),
            participants.c.status.in_(_HELD_STATUS_VALUES),
            sessions.c.status == SessionStatus.COMPLETED.value,
        ]
        if tutor_id is not None:
            conditions.append(sessions.c.tutor_id == tutor_id)
        return await self._bookings(*conditions, latest_first=True, limit=limit)

    async def tutor_students(self, tutor_id: int, limit: int) -> list[tuple[int, int, datetime]]:
        """(student id, lessons held, start of the last one) for each student of the tutor's lessons that
        took place, the most recent first."""
        last = func.max(slots.c.starts_at)
        rows = await self._conn.execute(
            select(participants.c.user_id, func.count(), last)
            .select_from(participants)
            .join(sessions, sessions.c.id == participants.c.session_id)
            .join(slots, slots.c.id == sessions.c.slot_id)
            .where(
                sessions.c.tutor_id == tutor_id,
                sessions.c.status == SessionStatus.COMPLETED.value,
                participants.c.status.in_(_HELD_STATUS_VALUES),
            )
            .group_by(participants.c.user_id)
            .order_by(last.desc(), participants.c.user_id)
            .limit(limit)
        )
        # max() keeps the column's type: `at` comes back as an aware UTC instant.
        return [(user_id, count, at) for user_id, count, at in rows]

    async def _bookings(
        self, *conditions: ColumnElement[bool], latest_first: bool = False, limit: int | None = None
    ) -> list[BookingView]:
        order = (
            (slots.c.starts_at.desc(), participants.c.id.desc())
            if latest_first
            else (slots.c.starts_at, participants.c.id)
        )
        query = _booking_query().where(*conditions).order_by(*order).limit(limit)
        rows = list((await self._conn.execute(query)).mappings())
        if not rows:
            return []
        subjects = await subjects_of(self._conn, {row["tutor__id"] for row in rows})
        return [_to_booking(row, subjects) for row in rows]


def _booking_query() -> Select[Any]:
    return (
        select(
            *prefixed_columns(participants, "participant"),
            *prefixed_columns(payments, "payment"),
            *prefixed_columns(slots, "slot"),
            *prefixed_columns(sessions, "session"),
            *prefixed_columns(tutor_profiles, "tutor"),
        )
        .select_from(participants)
        .join(sessions, sessions.c.id == participants.c.session_id)
        .join(slots, slots.c.id == sessions.c.slot_id)
        .join(tutor_profiles, tutor_profiles.c.id == sessions.c.tutor_id)
        .outerjoin(payments, payments.c.participant_id == participants.c.id)
    )


def _to_booking(row: Mapping[Any, Any], subjects: dict[int, list[str]]) -> BookingView:
    tutor_id = row["tutor__id"]
    return BookingView(
        participant=PARTICIPANTS.entity(unprefixed(row, "participant")),
        payment=PAYMENTS.entity(unprefixed(row, "payment")) if row["payment__id"] is not None else None,
        slot=SLOTS.entity(unprefixed(row, "slot")),
        session=SESSIONS.entity(unprefixed(row, "session")),
        # A copy per booking: views of the same tutor must not share a mutable list.
        tutor=TUTORS.entity(unprefixed(row, "tutor"), subjects=list(subjects.get(tutor_id, []))),
    )
