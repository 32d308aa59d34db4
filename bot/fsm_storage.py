"""aiogram's FSM storage on the bot's own database, so that dialogs survive a restart without Redis.

Wiring, like the composition root: it is the one module besides app/wiring.py that knows about storage.
"""

from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder, StateType, StorageKey

from bot.chat_locks import ChatLocks
from storage.dialog_state import SqlDialogStateStore


class DatabaseFsmStorage(BaseStorage):
    def __init__(self, store: SqlDialogStateStore) -> None:
        self._store = store
        # aiogram-dialog keeps one record per dialog stack and context: the destiny must be in the key.
        self._keys = DefaultKeyBuilder(with_destiny=True, with_bot_id=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._store.set_state(self._keys.build(key), name)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _data = await self._store.get(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._store.set_data(self._keys.build(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _state, data = await self._store.get(self._keys.build(key))
        return data

    async def load_all(self) -> None:
        """With a cached store, hold every record from the start (see `SqlDialogStateStore.load_all`)."""
        if self._store.cached:
            await self._store.load_all()

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""


class SavingOnceIsolation(BaseEventIsolation):
    """Updates of one chat one after the other (in this process), each saving its dialog state in one
    transaction at its end, inside the chat's lock, so the next update of the chat finds it saved. The
    locks of chats nobody is writing in are dropped (`ChatLocks`)."""

    def __init__(self, store: SqlDialogStateStore) -> None:
        self._store = store
        self._chats = ChatLocks()

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self._chats.hold(key), self._store.saving_once():
            yield None

    async def close(self) -> None:
        pass
