"""Helpers shared by the repositories."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert


def insert_or_ignore(
    connection: AsyncConnection,
    table: Table,
    conflict_columns: Sequence[str],
    index_where: ColumnElement[bool] | None = None,
) -> Insert:
    """`INSERT ... ON CONFLICT (conflict_columns) DO NOTHING` in the connection's dialect.

    A conflicting row is skipped without an error, so the surrounding transaction stays usable (on
    PostgreSQL a failed INSERT would abort it).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(
            index_elements=list(conflict_columns), index_where=index_where
        )
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(
            index_elements=list(conflict_columns), index_where=index_where
        )
    raise NotImplementedError(f"unsupported database dialect: {dialect}")


def require_new(entity: Any) -> None:
    """Refuse to insert an entity that already has an id (it was added before)."""
    if entity.id != 0:
        raise ValueError(f"{type(entity).__name__} already has id {entity.id}; only new entities (id=0) are added")


def require_one(rowcount: int, what: str, key: object) -> None:
    """An update by primary key must hit exactly one row."""
    if rowcount != 1:
        raise LookupError(f"{what} {key} does not exist")
