from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import TutorProfile
from core.enums import TutorStatus
from storage.repositories._common import require_new, require_one
from storage.tables import tutor_profiles, tutor_subjects


def subject_key(name: str) -> str:
    """What subject search compares: the case-folded name."""
    return name.casefold()


def _to_profile(row: RowMapping, subjects: list[str]) -> TutorProfile:
    return TutorProfile(
        id=row["id"],
        user_id=row["user_id"],
        display_name=row["display_name"],
        subjects=subjects,
        hourly_rate_minor=row["hourly_rate_minor"],
        currency=row["currency"],
        timezone=row["timezone"],
        buffer_minutes=row["buffer_minutes"],
        cancellation_notice_hours=row["cancellation_notice_hours"],
        status=TutorStatus(row["status"]),
        reviewed_by=row["reviewed_by"],
        reviewed_at=row["reviewed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _values(profile: TutorProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "display_name": profile.display_name,
        "hourly_rate_minor": profile.hourly_rate_minor,
        "currency": profile.currency,
        "timezone": profile.timezone,
        "buffer_minutes": profile.buffer_minutes,
        "cancellation_notice_hours": profile.cancellation_notice_hours,
        "status": profile.status.value,
        "reviewed_by": profile.reviewed_by,
        "reviewed_at": profile.reviewed_at,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
    }


def _subject_rows(subjects: list[str]) -> list[dict[str, Any]]:
    keys = [subject_key(name) for name in subjects]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate subjects (compared case-insensitively): {subjects!r}")
    return [
        {"position": position, "name": name, "name_key": key}
        for position, (name, key) in enumerate(zip(subjects, keys, strict=True))
    ]


class SqlTutorRepository:
    """Tutor profiles; the subjects live in `tutor_subjects`, one row per subject, in the profile's order."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, tutor_id: int) -> TutorProfile | None:
        return await self._get_where(tutor_profiles.c.id == tutor_id)

    async def get_by_user(self, user_id: int) -> TutorProfile | None:
        return await self._get_where(tutor_profiles.c.user_id == user_id)

    async def add(self, profile: TutorProfile) -> TutorProfile:
        """Insert the profile with its subjects; sets the new id on `profile` and returns it."""
        require_new(profile)
        subject_rows = _subject_rows(profile.subjects)
        result = await self._conn.execute(
            insert(tutor_profiles).values(**_values(profile)).returning(tutor_profiles.c.id)
        )
        profile.id = result.scalar_one()
        await self._insert_subjects(profile.id, subject_rows)
        return profile

    async def update(self, profile: TutorProfile) -> None:
        subject_rows = _subject_rows(profile.subjects)
        result = await self._conn.execute(
            update(tutor_profiles).where(tutor_profiles.c.id == profile.id).values(**_values(profile))
        )
        require_one(result.rowcount, "tutor profile", profile.id)
        await self._conn.execute(delete(tutor_subjects).where(tutor_subjects.c.tutor_id == profile.id))
        await self._insert_subjects(profile.id, subject_rows)

    async def set_status_if(
        self, tutor_id: int, expected: TutorStatus, new: TutorStatus, reviewed_by: int, at: datetime
    ) -> bool:
        result = await self._conn.execute(
            update(tutor_profiles)
            .where(tutor_profiles.c.id == tutor_id, tutor_profiles.c.status == expected.value)
            .values(status=new.value, reviewed_by=reviewed_by, reviewed_at=at, updated_at=at)
        )
        return result.rowcount == 1

    async def lock(self, tutor_id: int) -> None:
        """Serialize changes to one tutor's schedule until the transaction ends.

        PostgreSQL: a row lock on the profile (SELECT ... FOR UPDATE); a second transaction locking the same
        tutor waits until the first commits or rolls back. SQLite: nothing to do, every transaction begins
        with BEGIN IMMEDIATE and so holds the database's write lock already.
        """
        if self._conn.dialect.name == "sqlite":
            return
        await self._conn.execute(select(tutor_profiles.c.id).where(tutor_profiles.c.id == tutor_id).with_for_update())

    async def _get_where(self, condition: Any) -> TutorProfile | None:
        result = await self._conn.execute(select(tutor_profiles).where(condition))
        row = result.mappings().first()
        if row is None:
            return None
        subjects = await self._conn.execute(
            select(tutor_subjects.c.name)
            .where(tutor_subjects.c.tutor_id == row["id"])
            .order_by(tutor_subjects.c.position)
        )
        return _to_profile(row, list(subjects.scalars()))

    async def _insert_subjects(self, tutor_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._conn.execute(insert(tutor_subjects), [{"tutor_id": tutor_id, **row} for row in rows])
