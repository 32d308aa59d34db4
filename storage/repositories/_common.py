"""Helpers shared by the repositories."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Generic

from sqlalchemy import Column, ColumnElement, Label, Select, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from storage.mapping import Entity, EntityTable


def insert_or_ignore(connection: AsyncConnection, table: Table, conflict_columns: Sequence[str]) -> Insert:
    """`INSERT ... ON CONFLICT (conflict_columns) DO NOTHING` in the connection's dialect.

    A conflicting row is skipped without an error, so the surrounding transaction stays usable (on
    PostgreSQL a failed INSERT would abort it). `conflict_columns` must be those of a full unique
    constraint or index: PostgreSQL cannot reliably match a partial index with a bound predicate as the
    arbiter (see `SqlParticipantRepository.add`).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    raise NotImplementedError(f"unsupported database dialect: {dialect}")


def require_new(entity: Any) -> None:
    """Refuse to insert an entity that already has an id (it was added before)."""
    if entity.id != 0:
        raise ValueError(f"{type(entity).__name__} already has id {entity.id}; only new entities (id=0) are added")


def require_one(rowcount: int, what: str, key: object) -> None:
    """An update by primary key must hit exactly one row."""
    if rowcount != 1:
        raise LookupError(f"{what} {key} does not exist")


def prefixed_columns(table: Table, prefix: str) -> list[Label[Any]]:
    """Every column of `table`, labelled `<prefix>__<name>`: joined tables' columns keep distinct names."""
    return [column.label(f"{prefix}__{column.name}") for column in table.columns]


def unprefixed(row: Mapping[Any, Any], prefix: str) -> dict[str, Any]:
    """The values of one table from a row selected with `prefixed_columns(table, prefix)`, by column name."""
    start = f"{prefix}__"
    return {key[len(start) :]: value for key, value in row.items() if key.startswith(start)}


class Changes:
    """Rows a unit of work's statements changed, since it last committed, that something outside the
    transaction follows: the tutors whose open slots may have moved (the tutor list's read model) and the
    people written (a process's cache of them)."""

    def __init__(self) -> None:
        self.tutor_ids: set[int] = set()
        self.user_ids: set[int] = set()

    def touch_tutors(self, tutor_ids: Collection[int]) -> None:
        self.tutor_ids.update(tutor_ids)

    def touch_user(self, user_id: int) -> None:
        self.user_ids.add(user_id)

    def take(self) -> tuple[list[int], list[int]]:
        """The tutor ids (in order) and user ids noted, forgetting them."""
        taken = sorted(self.tutor_ids), sorted(self.user_ids)
        self.tutor_ids.clear()
        self.user_ids.clear()
        return taken


# (table, column) -> SELECT of the table's rows by that column, built once.
_BY_COLUMN: dict[tuple[str, str], Select[Any]] = {}


class Repository:
    """A repository on the unit of work's connection, with the changes it notes for what follows them."""

    def __init__(self, connection: AsyncConnection, changes: Changes) -> None:
        self._conn = connection
        self._changes = changes


class TableRepository(Repository, Generic[Entity]):
    """A repository of one entity stored in one table (`stored`): the plain lookups, insert and update
    every such repository has, built from the mapping."""

    stored: EntityTable[Entity]

    async def _first_by(self, column: Column[Any], value: object) -> Entity | None:
        """The row whose `column` equals `value`: the statement is built once per column (building it per
        call, then its cache key, cost more CPU than running it)."""
        key = (self.stored.table.name, column.name)
        query = _BY_COLUMN.get(key)
        if query is None:
            query = _BY_COLUMN[key] = select(self.stored.table).where(column == bindparam("value"))
        return self.stored.first(await self._conn.execute(query, {"value": value}))

    async def _list(self, query: Select[Any]) -> list[Entity]:
        return self.stored.all(await self._conn.execute(query))

    async def _insert(self, entity: Entity) -> Entity:
        """Insert a new entity (id 0); sets the id the database gave it and returns it."""
        require_new(entity)
        table = self.stored.table
        result = await self._conn.execute(insert(table).values(**self.stored.values(entity)).returning(table.c.id))
        entity.id = result.scalar_one()  # type: ignore[attr-defined]
        return entity

    async def _update_where(self, entity: Entity, *conditions: ColumnElement[bool]) -> bool:
        """Write every column of the entity, by id, only where the conditions still hold."""
        table = self.stored.table
        result = await self._conn.execute(
            update(table)
            .where(table.c.id == entity.id, *conditions)  # type: ignore[attr-defined]
            .values(**self.stored.values(entity))
        )
        return result.rowcount == 1

    async def _update(self, entity: Entity) -> None:
        """Write every column of the entity, which must exist."""
        if not await self._update_where(entity):
            raise LookupError(f"{self.stored.table.name} {entity.id} does not exist")  # type: ignore[attr-defined]
