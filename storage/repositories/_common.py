"""Helpers shared by the repositories."""

from collections.abc import Mapping, Sequence
from typing import Any, Generic

from sqlalchemy import ColumnElement, Label, Select, Table, insert, select, update
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


class TableRepository(Generic[Entity]):
    """A repository of one entity stored in one table (`stored`): the plain lookups, insert and update
    every such repository has, built from the mapping."""

    stored: EntityTable[Entity]

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _first(self, *conditions: ColumnElement[bool]) -> Entity | None:
        return self.stored.first(await self._conn.execute(select(self.stored.table).where(*conditions)))

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
