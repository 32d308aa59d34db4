"""Updates of one chat one after the other within a process, with a lock per chat that exists only while
an update holds or waits for it (aiogram's `SimpleEventIsolation` keeps one per chat ever seen, for the
life of the process)."""

import asyncio
from collections.abc import AsyncGenerator, Hashable
from contextlib import asynccontextmanager


class ChatLocks:
    def __init__(self) -> None:
        # Key -> (its lock, how many updates hold or wait for it).
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield None
        finally:
            _same, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
