"""Dialog state and the per-chat lock in Redis, for several processes sharing the work.

Two things make this path hold under load. The connection pool blocks: when every connection is busy, an
update waits for one (redis-py's default pool refuses with "Too many connections" instead, and the update
was lost). And the per-chat lock retries a Redis that does not answer, for a while, before the person is
told to try again (`StateUnavailable`): an update is never dropped without a word.
"""

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder, KeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.lock import Lock
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import LockError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.chat_locks import ChatLocks
from bot.chat_state import StateUnavailable

log = logging.getLogger(__name__)

# How long an update waits for a free connection of the pool before that attempt fails (and is retried).
POOL_WAIT_SECONDS = 10.0
# How long the lock is retried when Redis does not answer, before the person is asked to try again.
RETRY_SECONDS = 30.0
# A lock left by a process that died is freed by Redis after this long.
LOCK_EXPIRY_SECONDS = 60
# A person's next update often arrives while the previous one is still saving its dialog; redis-py's
# default of 100 ms between tries added that much to those answers (bench/dispatch.py).
LOCK_POLL_SECONDS = 0.005

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class RetryingChatLock(BaseEventIsolation):
    """Updates of one chat one after the other, across processes; Redis errors are retried.

    Within a process, updates of one chat first queue on an asyncio lock, so only one of them at a time
    polls Redis: the others wait without a round trip (a person who taps twice made the second update poll
    Redis every few milliseconds until the first was saved)."""

    def __init__(self, redis: Redis, key_builder: KeyBuilder, retry_seconds: float = RETRY_SECONDS) -> None:
        self.redis = redis
        self.key_builder = key_builder
        self.retry_seconds = retry_seconds
        self._local = ChatLocks()

    def make_lock(self, key: StorageKey) -> Lock:
        return self.redis.lock(
            name=self.key_builder.build(key, "lock"),
            timeout=LOCK_EXPIRY_SECONDS,
            sleep=LOCK_POLL_SECONDS,
            lock_class=Lock,
        )

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self._local.hold(self.key_builder.build(key, "lock")):
            lock = self.make_lock(key)
            await self._acquire(lock)
            try:
                yield None
            finally:
                await self._release(lock)

    async def _acquire(self, lock: Lock) -> None:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                await lock.acquire()
                return
            except _UNREACHABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise StateUnavailable(f"the chat lock: {exc}") from exc
                log.warning("Redis did not give the chat lock (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _release(self, lock: Lock) -> None:
        try:
            await lock.release()
        except LockError:
            # The update outlived the lock's expiry; another may already hold it. Nothing to undo.
            log.warning("a chat lock expired before its update finished")
        except _UNREACHABLE as exc:
            log.warning("could not release a chat lock (%s): Redis frees it within %d s", exc, LOCK_EXPIRY_SECONDS)

    async def close(self) -> None:
        pass


def build_redis_state(url: str, max_connections: int) -> tuple[RedisStorage, RetryingChatLock]:
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=POOL_WAIT_SECONDS)
    redis = Redis(connection_pool=pool)
    # Dialog stacks are stored per "destiny"; aiogram-dialog needs it in the key.
    key_builder = DefaultKeyBuilder(with_destiny=True)
    return RedisStorage(redis, key_builder=key_builder), RetryingChatLock(redis, key_builder, RETRY_SECONDS)
