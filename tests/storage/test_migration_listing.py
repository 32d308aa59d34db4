"""Migration 0004 on a database that already holds tutors: the approved ones are listed, by their
case-folded names, and the first list computes their next free times."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.rules import BusinessRules
from core.usecases.browsing import list_tutors
from storage.repositories import listing
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from tests.storage.migrating import insert, migrated_from

T0 = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def _seed(connection: Connection) -> None:
    for user_id, name, status in ((1, "ÉMILE", "approved"), (2, "ann", "pending"), (3, "bob", "approved")):
        stamps = {"created_at": T0, "updated_at": T0}
        insert(connection, "users", id=user_id, first_name=name, **stamps)
        profile = {"hourly_rate_minor": 0, "currency": "EUR", "buffer_minutes": 0, "cancellation_notice_hours": 0}
        insert(
            connection,
            "tutor_profiles",
            id=user_id,
            user_id=user_id,
            display_name=name,
            timezone="Europe/Paris",
            status=status,
            **profile,
            **stamps,
        )
        starts = T0 + timedelta(days=user_id)
        lesson = {"session_type": "one_to_one", "capacity": 1, "seats_taken": 0, "timezone": "Europe/Paris"}
        insert(
            connection,
            "slots",
            id=user_id,
            tutor_id=user_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            **lesson,
            **stamps,
        )


async def test_existing_tutors_are_listed_with_their_next_free_time(
    unmigrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch of one: the stale rows are recomputed in as many statements as it takes.
    monkeypatch.setattr(listing, "_REFRESH_BATCH", 1)
    async with migrated_from(unmigrated_database_url, "0003", _seed) as engine:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT tutor_id, name_key FROM tutor_listing"))
            keys = {tutor_id: key for tutor_id, key in result}
        assert keys == {1: "émile", 2: "ann", 3: "bob"}
        clock = FixedClock(T0 + timedelta(hours=1))
        page = await list_tutors(SqlUnitOfWorkFactory(engine)(), clock, BusinessRules(), subject=None)
        # The pending tutor is not listed; Émile's slot is the sooner one.
        assert [(card.tutor.display_name, card.next_free) for card in page.cards] == [
            ("ÉMILE", T0 + timedelta(days=1)),
            ("bob", T0 + timedelta(days=3)),
        ]
