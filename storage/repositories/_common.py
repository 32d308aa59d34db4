"""Helpers shared by the repositories."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Label, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


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
