"""Durable key-value records for dialog state (the embedded deployment's FSM storage)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
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
    """One row per key: the state name and the data dict.

    Without a cache each call is its own short transaction. With `cached=True` the store remembers what it
    read and wrote (write-through), so reads cost no query: aiogram-dialog reads a person's stack and
    context several times per update, and on SQLite those reads were most of the transactions of an
    update. Only for a database this process alone writes dialog state to: the embedded SQLite
    deployment, where several processes are not an option anyway (they share dialogs through Redis).
    Values are kept as JSON text, so a read from the cache returns exactly what a read from the table
    would (a fresh copy, string keys).

    A cached store also offers:
    - `load_all()`, at start-up: every record (the table only holds people in the middle of a dialog), so
      a key the cache does not hold is known to be empty without a query;
    - `saving_once()`, around one update: its writes reach the cache at once and the table together at the
      end, in one transaction (aiogram-dialog saves a stack and a context, each its own write).
    """

    def __init__(self, engine: AsyncEngine, *, cached: bool = False) -> None:
        self._engine = engine
        self._cache: dict[str, tuple[str | None, str]] | None = {} if cached else None
        # Every record of the table is in the cache (`load_all`).
        self._complete = False

    @property
    def cached(self) -> bool:
        return self._cache is not None

    async def load_all(self) -> int:
        """Read every record into the cache; the number of records."""
        if self._cache is None:
            raise RuntimeError("load_all() needs a cached store")
        async with transaction_turn(self._engine), self._engine.begin() as connection:
            result = await connection.execute(select(dialog_state.c.key, dialog_state.c.state, dialog_state.c.data))
            records = [(key, state, dict(data or {})) for key, state, data in result]
        if len(records) >= _CACHE_LIMIT:
            # Too many to hold: reads go to the table for the keys not held.
            return len(records)
        for key, state, data in records:
            self._remember(key, state, data)
        self._complete = True
        return len(records)

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        if self._cache is not None and key in self._cache:
            state, text = self._cache[key]
            return state, json.loads(text)
        if self._complete:
            return None, {}
        async with transaction_turn(self._engine), self._engine.begin() as connection:
            current = await _read(connection, key)
        self._remember(key, *current)
        return current

    async def set_state(self, key: str, state: str | None) -> None:
        await self._write(key, {"state": state})

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._write(key, {"data": data})

    @asynccontextmanager
    async def saving_once(self) -> AsyncIterator[None]:
        """Within the block (one update, in its chat's lock), writes are kept and saved at its end in one
        transaction. If that fails, the keys are read from the table again afterwards."""
        if self._cache is None:
            yield None
            return
        batch = _Batch()
        token = _pending.set(batch)
        try:
            yield None
        finally:
            _pending.reset(token)
            # A task the update started keeps this batch in its context: from now on it writes at once.
            batch.open = False
            if batch.keys:
                await self._save(sorted(batch.keys))

    async def _save(self, keys: list[str]) -> None:
        assert self._cache is not None
        now = datetime.now(UTC)
        try:
            async with transaction_turn(self._engine), self._engine.begin() as connection:
                for key in keys:
                    state, text = self._cache[key]
                    await _store(connection, key, state, json.loads(text), now)
        except BaseException:
            # What the table holds is unknown now: read it again.
            self._complete = False
            for key in keys:
                self._cache.pop(key, None)
            raise

    async def _write(self, key: str, values: dict[str, Any]) -> None:
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is None and self._complete:
            cached = (None, "{}")
        if cached is not None:
            # aiogram-dialog saves the stack and the context after every update, mostly unchanged.
            unchanged = values.get("state", cached[0]) == cached[0] and (
                "data" not in values or json.dumps(values["data"]) == cached[1]
            )
            if unchanged:
                return
        batch = _pending.get()
        if cached is not None and batch is not None and batch.open:
            state = values["state"] if "state" in values else cached[0]
            data = values["data"] if "data" in values else json.loads(cached[1])
            self._remember(key, state, data)
            batch.keys.add(key)
            return
        async with transaction_turn(self._engine), self._engine.begin() as connection:
            current = (cached[0], json.loads(cached[1])) if cached is not None else await _read(connection, key)
            state = values["state"] if "state" in values else current[0]
            data = values["data"] if "data" in values else current[1]
            await _store(connection, key, state, data, datetime.now(UTC), current=current)
        self._remember(key, state, data)

    def _remember(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        if self._cache is None:
            return
        if len(self._cache) >= _CACHE_LIMIT and key not in self._cache:
            self._cache.clear()
            self._complete = False
        self._cache[key] = (state, json.dumps(data))


class _Batch:
    """The keys written within one `saving_once()` block, not saved yet."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.open = True


_pending: ContextVar[_Batch | None] = ContextVar("dialog_state_pending", default=None)


async def _read(connection: AsyncConnection, key: str) -> tuple[str | None, dict[str, Any]]:
    row = (
        await connection.execute(select(dialog_state.c.state, dialog_state.c.data).where(dialog_state.c.key == key))
    ).first()
    return (None, {}) if row is None else (row.state, dict(row.data or {}))


async def _store(
    connection: AsyncConnection,
    key: str,
    state: str | None,
    data: dict[str, Any],
    now: datetime,
    *,
    current: tuple[str | None, dict[str, Any]] | None = None,
) -> None:
    if state is None and not data:
        # An empty record is the same as none: the table only holds people in the middle of a dialog.
        if current != (None, {}):
            await connection.execute(delete(dialog_state).where(dialog_state.c.key == key))
    else:
        await connection.execute(_upsert(connection, {"key": key, "state": state, "data": data, "updated_at": now}))
