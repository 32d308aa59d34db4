"""The Notifier port and the retry policy for outbox delivery."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from core.entities import OutboxMessage, User


class RetryLater(Exception):
    """A passing failure: the network, a 5xx, or flood control (`retry_after` seconds, from Telegram)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Undeliverable(Exception):
    """A permanent refusal: the user blocked the bot, the chat is gone. Retrying cannot help."""


class Notifier(Protocol):
    async def deliver(self, message: OutboxMessage, recipient: User | None) -> None:
        """Send one outbox message, rendered in the recipient's language; raise RetryLater or Undeliverable."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=10)
    # About a day of tries with the delays above before a message is given up on.
    max_attempts: int = 150

    def delay_after(self, attempts: int) -> timedelta:
        """Exponential backoff: 2 s, 4 s, 8 s ... capped at max_delay."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.first_delay * (1 << exponent), self.max_delay)
