"""Migration 0003 on a database that already holds a shared 1-to-1 room: Ann booked, chatted, shared a
file and cancelled; Bob booked the same slot and chatted. After the upgrade each participation has its
own room, and the tutor's messages sit in the room of the student who held the seat when they were sent."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.storage.migrating import insert as insert_row
from tests.storage.migrating import migrated_from

T0 = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _seed(connection: Connection) -> None:
    def insert(table: str, **values: object) -> None:
        insert_row(connection, table, **values)

    for user_id, name in ((1, "Paul"), (2, "Ann"), (3, "Bob")):
        insert("users", id=user_id, first_name=name, created_at=T0, updated_at=T0)
    insert(
        "tutor_profiles",
        id=1,
        user_id=1,
        display_name="Paul Dirac",
        hourly_rate_minor=0,
        currency="EUR",
        timezone="Europe/Paris",
        buffer_minutes=0,
        cancellation_notice_hours=0,
        status="approved",
        created_at=T0,
        updated_at=T0,
    )
    insert(
        "slots",
        id=1,
        tutor_id=1,
        starts_at=_at(3 * 24 * 60),
        ends_at=_at(3 * 24 * 60 + 60),
        timezone="Europe/Paris",
        session_type="one_to_one",
        capacity=1,
        seats_taken=1,
        created_at=T0,
        updated_at=T0,
    )
    insert("sessions", id=1, slot_id=1, tutor_id=1, status="scheduled", created_at=T0, updated_at=T0)
    insert(
        "participants",
        id=1,
        session_id=1,
        user_id=2,
        status="cancelled",
        booked_at=_at(0),
        cancelled_at=_at(30),
        reminders_enabled=True,
        created_at=T0,
        updated_at=T0,
    )
    insert(
        "participants",
        id=2,
        session_id=1,
        user_id=3,
        status="booked",
        booked_at=_at(60),
        reminders_enabled=True,
        created_at=_at(60),
        updated_at=_at(60),
    )
    # No explicit id: the migration adds conversations, which must get ids from the table's sequence.
    room = connection.execute(
        text("INSERT INTO conversations (session_id, created_at) VALUES (1, :at) RETURNING id"), {"at": _at(0)}
    ).scalar_one()
    for message_id, sender, minute, content in (
        (1, 2, 5, "Ann: my number is +33 6 12 34 56 78"),
        (2, 1, 10, "Paul to Ann"),
        (3, 3, 65, "Bob: hello"),
        (4, 1, 70, "Paul to Bob"),
    ):
        insert(
            "chat_messages",
            id=message_id,
            conversation_id=room,
            sender_id=sender,
            content=content,
            created_at=_at(minute),
        )
    for file_id, uploader, minute in ((1, 2, 6), (2, 1, 11), (3, 1, 71)):
        insert(
            "session_files",
            id=file_id,
            session_id=1,
            uploader_id=uploader,
            telegram_file_id=f"f{file_id}",
            telegram_file_unique_id=f"u{file_id}",
            file_name=f"file-{file_id}.pdf",
            size_bytes=10,
            created_at=_at(minute),
        )


def _rooms(connection: Connection) -> dict[str, object]:
    conversations = {
        row.participant_id: row
        for row in connection.execute(text("SELECT id, participant_id, closed_at FROM conversations"))
    }
    messages = {
        participant_id: [
            content
            for (content,) in connection.execute(
                text("SELECT content FROM chat_messages WHERE conversation_id = :c ORDER BY id"),
                {"c": conversation.id},
            )
        ]
        for participant_id, conversation in conversations.items()
    }
    rows = connection.execute(text("SELECT id, participant_id FROM session_files ORDER BY id")).all()
    files: dict[int, int | None] = {row[0]: row[1] for row in rows}
    namespace = connection.execute(text("SELECT namespace FROM installation")).scalar_one()
    return {
        "messages": messages,
        "ann_closed": conversations[1].closed_at is not None,
        "bob_closed": conversations[2].closed_at is not None,
        "files": files,
        "namespace": namespace,
    }


async def test_a_shared_room_is_split_per_participation(unmigrated_database_url: str) -> None:
    async with migrated_from(unmigrated_database_url, "0002", _seed) as engine, engine.connect() as connection:
        rooms = await connection.run_sync(_rooms)
    assert rooms["messages"] == {
        1: ["Ann: my number is +33 6 12 34 56 78", "Paul to Ann"],
        2: ["Bob: hello", "Paul to Bob"],
    }
    assert rooms["ann_closed"] and not rooms["bob_closed"]
    assert rooms["files"] == {1: 1, 2: 1, 3: 2}
    namespace = rooms["namespace"]
    assert isinstance(namespace, str) and len(namespace) >= 8
