"""Durable key-value records for dialog state (the embedded deployment's FSM storage)."""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from storage.engine import transaction_turn
from storage.tables import dialog_state


def _upsert(connection: AsyncConnection, values: dict[str, Any]) -> Insert:
    """INSERT ... ON CONFLICT (key) DO UPDATE in the connection's dialect."""
    changes = {name: value for name, value in values.items() if name != "key"}
    if connection.dialect.name == "postgresql":
        pg = postgresql.insert(dialog_state).values(**values)
        return pg.on_conflict_do_update(index_elements=["key"], set_=changes)
    lite = sqlite.insert(dialog_state).values(**values)
    return lite.on_conflict_do_update(index_elements=["key"], set_=changes)


# A cache of this size or more is dropped and refilled from the table (keys of finished dialogs linger).
_CACHE_LIMIT = 100_000


class SqlDialogStateStore:
    """One row per key: the state name and the data dict. Each call is its own short transaction.

    With `cached=True` the store remembers what it read and wrote (write-through), so reads cost no query.
    aiogram-dialog reads a person's stack and context several times per update; on SQLite those reads
    were most of the transactions of an update. Only for a database this process alone writes dialog
    state to: the embedded SQLite deployment, where several processes are not an option anyway (they
    share dialogs through Redis). Values are kept as JSON text, so a read from the cache returns exactly
    what a read from the table would (a fresh copy, string keys).
    """

    def __init__(self, engine: AsyncEngine, *, cached: bool = False) -> None:
        self._engine = engine
        self._cache: dict[str, tuple[str | None, str]] | None = {} if cached else None

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        if self._cache is not None and key in self._cache:
            state, text = self._cache[key]
            return state, json.loads(text)
        async with transaction_turn(self._engine), self._engine.begin() as connection:
            row = (
                await connection.execute(
                    select(dialog_state.c.state, dialog_state.c.data).where(dialog_state.c.key == key)
                )
            ).first()
        state, data = (None, {}) if row is None else (row.state, dict(row.data or {}))
        self._remember(key, state, data)
        return state, data

    async def set_state(self, key: str, state: str | None) -> None:
        await self._write(key, {"state": state})

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._write(key, {"data": data})

    async def _write(self, key: str, values: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            # aiogram-dialog saves the stack and the context after every update, mostly unchanged.
            unchanged = values.get("state", cached[0]) == cached[0] and (
                "data" not in values or json.dumps(values["data"]) == cached[1]
            )
            if unchanged:
                return
        async with transaction_turn(self._engine), self._engine.begin() as connection:
            if cached is not None:
                current: tuple[str | None, dict[str, Any]] = (cached[0], json.loads(cached[1]))
            else:
                row = (
                    await connection.execute(
                        select(dialog_state.c.state, dialog_state.c.data).where(dialog_state.c.key == key)
                    )
                ).first()
                current = (None, {}) if row is None else (row.state, dict(row.data or {}))
            state = values["state"] if "state" in values else current[0]
            data = values["data"] if "data" in values else current[1]
            if state is None and not data:
                # An empty record is the same as none: the table only holds people in the middle of a dialog.
                if current != (None, {}):
                    await connection.execute(delete(dialog_state).where(dialog_state.c.key == key))
            else:
                await connection.execute(
                    _upsert(connection, {"key": key, "state": state, "data": data, "updated_at": now})
                )
        self._remember(key, state, data)

    def _remember(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if self._cache is None:
            return
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = (state, json.dumps(data))
