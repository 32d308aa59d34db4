"""Acting as a malicious user: pressing a button copied from someone else's chat."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from testkit import BotMessage, CallbackAnswer, FakeTelegram, FakeUser


async def forge_press(
    telegram: FakeTelegram,
    user: FakeUser,
    callback_data: str,
    timeout: float = 5.0,
    *,
    on: BotMessage | None = None,
) -> CallbackAnswer:
    """Send `callback_data` as if `user` pressed a button carrying it (on the bot's message `on`, as a
    modified client does, or on no message at all); returns the bot's answer."""
    query_id = telegram.open_callback_query(user.id)
    update: dict[str, Any] = {
        "callback_query": {
            "id": query_id,
            "from": user.user_json(),
            "chat_instance": str(user.id),
            "data": callback_data,
            **({"message": on.raw} if on is not None else {}),
        }
    }
    user.mark()
    await telegram.inject_update(update)

    def answered() -> bool:
        return any(a.callback_query_id == query_id for a in user.callback_answers)

    assert await telegram.wait_until(answered, timeout), f"the bot did not answer the forged press of {user}"
    return next(a for a in user.callback_answers if a.callback_query_id == query_id)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0, interval: float = 0.05) -> None:
    """Wait until an asynchronous condition holds (e.g. a row the bot commits after sending)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition {getattr(check, '__name__', check)} not met within {timeout}s")
        await asyncio.sleep(interval)


async def settle_background_dialog() -> None:
    """Dialogs opened from a plain button start in the background: their screen arrives a moment before
    their state is saved. A person cannot tap within that moment; a test can, so it waits it out."""
    await asyncio.sleep(0.3)
