"""Durable key-value records for dialog state (the embedded deployment's FSM storage)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from storage.tables import dialog_state


def _upsert(connection: AsyncConnection, values: dict[str, Any]) -> Insert:
    """INSERT ... ON CONFLICT (key) DO UPDATE in the connection's dialect."""
    changes = {name: value for name, value in values.items() if name != "key"}
    if connection.dialect.name == "postgresql":
        pg = postgresql.insert(dialog_state).values(**values)
        return pg.on_conflict_do_update(index_elements=["key"], set_=changes)
    lite = sqlite.insert(dialog_state).values(**values)
    return lite.on_conflict_do_update(index_elements=["key"], set_=changes)


class SqlDialogStateStore:
    """One row per key: the state name and the data dict. Each call is its own short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(dialog_state.c.state, dialog_state.c.data).where(dialog_state.c.key == key)
                )
            ).first()
        if row is None:
            return None, {}
        return row.state, dict(row.data or {})

    async def set_state(self, key: str, state: str | None) -> None:
        await self._write(key, {"state": state})

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._write(key, {"data": data})

    async def _write(self, key: str, values: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(dialog_state.c.state, dialog_state.c.data).where(dialog_state.c.key == key)
                )
            ).first()
            state = values.get("state", row.state if row else None)
            data = values["data"] if "data" in values else (dict(row.data or {}) if row else {})
            if state is None and not data:
                # An empty record is the same as none: the table only holds people in the middle of a dialog.
                if row is not None:
                    await connection.execute(delete(dialog_state).where(dialog_state.c.key == key))
                return
            await connection.execute(_upsert(connection, {"key": key, "state": state, "data": data, "updated_at": now}))
