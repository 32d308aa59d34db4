"""Updates of one chat wait for each other; other chats do not; a chat's lock is gone once nobody holds it."""

import asyncio

from bot.chat_locks import ChatLocks


async def test_one_chat_waits_others_do_not_and_no_lock_outlives_its_updates() -> None:
    locks = ChatLocks()
    order: list[str] = []
    inside: dict[str, int] = {"a": 0, "b": 0}

    async def update(chat: str, name: str) -> None:
        async with locks.hold(chat):
            inside[chat] += 1
            assert inside[chat] == 1
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")
            inside[chat] -= 1

    await asyncio.gather(update("a", "a1"), update("a", "a2"), update("b", "b1"))
    # a2 waited for a1; b1 ran alongside a1.
    assert order.index("a1 out") < order.index("a2 in")
    assert order.index("b1 in") < order.index("a1 out")
    assert len(locks) == 0
    # A failed update releases its chat too.
    try:
        async with locks.hold("a"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert len(locks) == 0
    async with locks.hold("a"):
        assert len(locks) == 1
