from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, distinct, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.entities import TutorProfile
from core.enums import TutorStatus
from storage.repositories._common import TableRepository
from storage.repositories._stored import TUTORS
from storage.tables import tutor_profiles, tutor_subjects


def subject_key(name: str) -> str:
    """What subject search compares: the case-folded name."""
    return name.casefold()


def _subject_rows(subjects: list[str]) -> list[dict[str, Any]]:
    keys = [subject_key(name) for name in subjects]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate subjects (compared case-insensitively): {subjects!r}")
    return [
        {"position": position, "name": name, "name_key": key}
        for position, (name, key) in enumerate(zip(subjects, keys, strict=True))
    ]


async def subjects_of(
    connection: AsyncConnection, tutor_ids: Collection[int] | Select[tuple[int]]
) -> dict[int, list[str]]:
    """The subjects of each of the tutors (ids, or a query selecting them), in the profile's order, in one
    query; a tutor without subjects is missing from the result."""
    if isinstance(tutor_ids, Collection) and not tutor_ids:
        return {}
    result = await connection.execute(
        select(tutor_subjects.c.tutor_id, tutor_subjects.c.name)
        .where(tutor_subjects.c.tutor_id.in_(tutor_ids))
        .order_by(tutor_subjects.c.tutor_id, tutor_subjects.c.position)
    )
    subjects: defaultdict[int, list[str]] = defaultdict(list)
    for tutor_id, name in result:
        subjects[tutor_id].append(name)
    return dict(subjects)


def _approved() -> ColumnElement[bool]:
    return tutor_profiles.c.status == TutorStatus.APPROVED.value


class SqlTutorRepository(TableRepository[TutorProfile]):
    """Tutor profiles; the subjects live in `tutor_subjects`, one row per subject, in the profile's order."""

    stored = TUTORS

    async def get(self, tutor_id: int) -> TutorProfile | None:
        return await self._get_where(tutor_profiles.c.id == tutor_id)

    async def get_by_user(self, user_id: int) -> TutorProfile | None:
        return await self._get_where(tutor_profiles.c.user_id == user_id)

    async def add(self, profile: TutorProfile) -> TutorProfile:
        """Insert the profile with its subjects; sets the new id on `profile` and returns it."""
        subject_rows = _subject_rows(profile.subjects)
        await self._insert(profile)
        await self._insert_subjects(profile.id, subject_rows)
        return profile

    async def update(self, profile: TutorProfile) -> None:
        subject_rows = _subject_rows(profile.subjects)
        await self._update(profile)
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

    async def list_subjects(self) -> list[tuple[str, int]]:
        """Subjects taught by approved tutors, with the number of those tutors, in one query.

        Names are grouped case-insensitively (by `name_key`); a group is shown as the spelling of its
        earliest `tutor_subjects` row among approved tutors. Ordered by the case-folded name (code point
        order, the same on every database whatever its collation).
        """
        groups = (
            select(
                tutor_subjects.c.name_key,
                func.min(tutor_subjects.c.id).label("first_id"),
                func.count(distinct(tutor_subjects.c.tutor_id)).label("tutors"),
            )
            .join(tutor_profiles, tutor_profiles.c.id == tutor_subjects.c.tutor_id)
            .where(_approved())
            .group_by(tutor_subjects.c.name_key)
            .subquery()
        )
        result = await self._conn.execute(
            select(groups.c.name_key, tutor_subjects.c.name, groups.c.tutors).join(
                groups, tutor_subjects.c.id == groups.c.first_id
            )
        )
        rows = sorted(result, key=lambda row: row[0])
        return [(name, tutors) for _key, name, tutors in rows]

    async def list_approved(self, subject: str | None = None) -> list[TutorProfile]:
        """Approved tutors, only those teaching `subject` (compared case-insensitively) when given.

        Ordered by display name, case-insensitively, then by id (in Python: the same order on every
        database whatever its collation). Two queries: the profiles, then all their subjects.
        """
        conditions = [_approved()]
        if subject is not None:
            # An alias: the subjects query below selects from tutor_subjects too and must not correlate.
            taught = tutor_subjects.alias("taught")
            teaches_subject = select(taught.c.id).where(
                taught.c.tutor_id == tutor_profiles.c.id, taught.c.name_key == subject_key(subject)
            )
            conditions.append(teaches_subject.exists())
        result = await self._conn.execute(select(tutor_profiles).where(*conditions))
        rows = list(result.mappings())
        if not rows:
            return []
        subjects = await subjects_of(self._conn, select(tutor_profiles.c.id).where(*conditions))
        profiles = [TUTORS.entity(row, subjects=subjects.get(row["id"], [])) for row in rows]
        return sorted(profiles, key=lambda profile: (profile.display_name.casefold(), profile.display_name, profile.id))

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
        return TUTORS.entity(row, subjects=list(subjects.scalars()))

    async def _insert_subjects(self, tutor_id: int, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._conn.execute(insert(tutor_subjects), [{"tutor_id": tutor_id, **row} for row in rows])
