"""Rooms per participation, slots removed with their history kept, the installation's namespace.

- A 1-to-1 chat belongs to one participation: `conversations.participant_id` (unique), and the
  conversation of a session is no longer unique. Existing chats are split per participation: a student's
  messages go to that student's participation, the tutor's to the participation that held the seat when
  they were written.
- `session_files.participant_id`: a 1-to-1 file belongs to one participation (NULL in groups), split the
  same way.
- `slots.removed_at`: a slot deleted while it held history.
- `installation`: one row with the namespace of Stripe idempotency keys, generated here once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

"""

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


_sessions = sa.table("sessions", sa.column("id"), sa.column("slot_id"), sa.column("tutor_id"))
_slots = sa.table("slots", sa.column("id"), sa.column("session_type"))
_tutors = sa.table("tutor_profiles", sa.column("id"), sa.column("user_id"))
_participants = sa.table(
    "participants",
    sa.column("id"),
    sa.column("session_id"),
    sa.column("user_id"),
    sa.column("booked_at"),
    sa.column("cancelled_at"),
)
_conversations = sa.table(
    "conversations",
    sa.column("id"),
    sa.column("session_id"),
    sa.column("participant_id"),
    sa.column("created_at"),
    sa.column("closed_at"),
)
_messages = sa.table(
    "chat_messages", sa.column("id"), sa.column("conversation_id"), sa.column("sender_id"), sa.column("created_at")
)
_files = sa.table(
    "session_files", sa.column("id"), sa.column("session_id"), sa.column("participant_id"), sa.column("uploader_id"),
    sa.column("created_at"),
)


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _owner(candidates: Sequence[Any], tutor_user: int, sender: int, at: Any) -> Any:
    """The participation a message or file of a 1-to-1 session belongs to: the sender's own, or for the
    tutor the one that held the seat at that moment (else the latest one booked before it)."""
    if sender != tutor_user:
        mine = [p for p in candidates if p.user_id == sender]
        if mine:
            return mine[-1]
    moment = _aware(at)
    held = [
        p
        for p in candidates
        if moment is not None
        and _aware(p.booked_at) is not None
        and _aware(p.booked_at) <= moment  # type: ignore[operator]
        and (p.cancelled_at is None or moment < _aware(p.cancelled_at))  # type: ignore[operator]
    ]
    if held:
        return held[-1]
    before = [p for p in candidates if moment is not None and (_aware(p.booked_at) or moment) <= moment]
    return (before or candidates)[-1]


def _split_existing_rooms() -> None:
    bind = op.get_bind()
    one_to_one = (
        sa.select(_sessions.c.id, _tutors.c.user_id)
        .join(_slots, _slots.c.id == _sessions.c.slot_id)
        .join(_tutors, _tutors.c.id == _sessions.c.tutor_id)
        .where(_slots.c.session_type == "one_to_one")
    )
    for session_id, tutor_user in bind.execute(one_to_one).all():
        candidates = bind.execute(
            sa.select(_participants)
            .where(_participants.c.session_id == session_id, _participants.c.booked_at.is_not(None))
            .order_by(_participants.c.id)
        ).all()
        conversation = bind.execute(
            sa.select(_conversations).where(_conversations.c.session_id == session_id)
        ).first()
        if conversation is not None and not candidates:
            # Never booked, so nothing was ever written in it.
            bind.execute(sa.delete(_conversations).where(_conversations.c.id == conversation.id))
            conversation = None
        if conversation is not None:
            by_participant = {}
            for index, participant in enumerate(candidates):
                if index == len(candidates) - 1:
                    bind.execute(
                        sa.update(_conversations)
                        .where(_conversations.c.id == conversation.id)
                        .values(participant_id=participant.id)
                    )
                    by_participant[participant.id] = conversation.id
                else:
                    # Earlier participations ended before the latest one booked: their chat is closed.
                    closed = participant.cancelled_at or conversation.closed_at or conversation.created_at
                    new_id = bind.execute(
                        sa.insert(_conversations)
                        .values(
                            session_id=session_id,
                            participant_id=participant.id,
                            created_at=participant.booked_at or conversation.created_at,
                            closed_at=closed,
                        )
                        .returning(_conversations.c.id)
                    ).scalar_one()
                    by_participant[participant.id] = new_id
            for message in bind.execute(
                sa.select(_messages).where(_messages.c.conversation_id == conversation.id)
            ).all():
                owner = _owner(candidates, tutor_user, message.sender_id, message.created_at)
                if by_participant[owner.id] != conversation.id:
                    bind.execute(
                        sa.update(_messages)
                        .where(_messages.c.id == message.id)
                        .values(conversation_id=by_participant[owner.id])
                    )
        for shared in bind.execute(sa.select(_files).where(_files.c.session_id == session_id)).all():
            if candidates:
                owner = _owner(candidates, tutor_user, shared.uploader_id, shared.created_at)
                bind.execute(sa.update(_files).where(_files.c.id == shared.id).values(participant_id=owner.id))


def upgrade() -> None:
    with op.batch_alter_table("slots") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("session_files") as batch:
        batch.add_column(sa.Column("participant_id", _id(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_session_files_participant_id_participants"), "participants", ["participant_id"], ["id"]
        )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("participant_id", _id(), nullable=True))
        batch.drop_constraint(op.f("uq_conversations_session_id"), type_="unique")
    _split_existing_rooms()
    with op.batch_alter_table("conversations") as batch:
        batch.alter_column("participant_id", existing_type=_id(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_conversations_participant_id_participants"), "participants", ["participant_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_conversations_participant_id"), ["participant_id"])
        batch.create_index(op.f("ix_conversations_session_id"), ["session_id"])
    installation = op.create_table(
        "installation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("namespace", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_installation_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    # Generated once per database: a rebuilt database or another school gets a namespace of its own.
    op.bulk_insert(installation, [{"id": 1, "namespace": secrets.token_hex(6), "created_at": datetime.now(UTC)}])


def _merge_rooms_per_session() -> None:
    bind = op.get_bind()
    latest = dict(
        bind.execute(
            sa.select(_conversations.c.session_id, sa.func.max(_conversations.c.id)).group_by(
                _conversations.c.session_id
            )
        ).all()
    )
    for conversation_id, session_id in bind.execute(
        sa.select(_conversations.c.id, _conversations.c.session_id)
    ).all():
        if conversation_id != latest[session_id]:
            bind.execute(
                sa.update(_messages)
                .where(_messages.c.conversation_id == conversation_id)
                .values(conversation_id=latest[session_id])
            )
            bind.execute(sa.delete(_conversations).where(_conversations.c.id == conversation_id))


def downgrade() -> None:
    op.drop_table("installation")
    _merge_rooms_per_session()
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(op.f("ix_conversations_session_id"))
        batch.drop_constraint(op.f("uq_conversations_participant_id"), type_="unique")
        batch.drop_constraint(op.f("fk_conversations_participant_id_participants"), type_="foreignkey")
        batch.drop_column("participant_id")
        batch.create_unique_constraint(op.f("uq_conversations_session_id"), ["session_id"])
    with op.batch_alter_table("session_files") as batch:
        batch.drop_constraint(op.f("fk_session_files_participant_id_participants"), type_="foreignkey")
        batch.drop_column("participant_id")
    with op.batch_alter_table("slots") as batch:
        batch.drop_column("removed_at")
