"""Pacing of outgoing notifications under Telegram's flood limits: about 30 messages per second across
all chats and one per second in a single chat. Sending faster only earns 429 answers, each of which
delays its message by `retry_after`, so a large fan-out is fastest when it never provokes one."""

import asyncio
import time
from collections.abc import Awaitable, Callable

# Interactive replies share the bot's global budget with the outbox; the default leaves them room.
DEFAULT_RATE = 25.0
DEFAULT_CHAT_INTERVAL = 1.0
# Forget chats not written to for a while, so the table stays as small as the current fan-out.
_PRUNE_ABOVE = 10_000


class SendPacer:
    """Hands out send times: globally at most `rate` per second, evenly spaced (Telegram counts in a
    sliding window, so a burst at the start of a second is refused), and per chat at least
    `chat_interval` seconds apart. It paces one process; with N processes sending, give each rate/N."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        chat_interval: float = DEFAULT_CHAT_INTERVAL,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or chat_interval < 0:
            raise ValueError("rate must be positive and chat_interval not negative")
        self._spacing = 1.0 / rate
        self._chat_interval = chat_interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_free = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def now(self) -> float:
        """The pacer's clock (monotonic seconds), for deadlines passed to `wait_turn`."""
        return self._monotonic()

    def next_turn(self) -> float:
        """The earliest moment (on `now()`'s clock) any message may go out: later than now during a pause."""
        return max(self._next_free, self._monotonic())

    async def wait_turn(self, chat_id: int, *, deadline: float | None = None) -> bool:
        """Return True when a message to `chat_id` may go out (the caller sends it at once), or False at
        once, taking no turn, if that moment would come after `deadline` (on `now()`'s clock)."""
        ready = self._chat_next.get(chat_id, 0.0)
        now = self._monotonic()
        if deadline is not None and ready > deadline:
            return False
        if ready > now:
            # Waiting for the chat must not hold a global turn that another chat could use meanwhile.
            await self._sleep(ready - now)
        async with self._lock:
            now = self._monotonic()
            start = max(now, self._next_free, self._chat_next.get(chat_id, 0.0))
            if deadline is not None and start > deadline:
                return False
            self._next_free = start + self._spacing
            self._chat_next[chat_id] = start + self._chat_interval
            if len(self._chat_next) > _PRUNE_ABOVE:
                self._chat_next = {chat: at for chat, at in self._chat_next.items() if at > now}
        if start > now:
            await self._sleep(start - now)
        return True

    def back_off(self, seconds: float) -> None:
        """Telegram answered 429 with `retry_after`: nothing goes out before it has passed. The answer does
        not say whether the chat or the whole bot was over its limit (another process, interactive
        replies), so the whole pacer waits; that is what lets several processes settle on a sum
        Telegram accepts."""
        self._next_free = max(self._next_free, self._monotonic() + seconds)
