"""The send pacer keeps the outbox inside Telegram's flood limits, on a simulated clock."""

import asyncio
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

from jobs.pacing import SendPacer


class SimulatedTime:
    """A monotonic clock that jumps to the next sleeper's wake-up time once every task is waiting."""

    def __init__(self) -> None:
        self.now = 100.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), wake))
        await wake

    async def run(self, *coroutines: Coroutine[Any, Any, object]) -> None:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while not all(t.done() for t in tasks):
            for _ in range(20):
                await asyncio.sleep(0)
            if self._sleepers:
                self.now, _, wake = heapq.heappop(self._sleepers)
                wake.set_result(None)
        for task in tasks:
            task.result()


async def send_times(pacer: SendPacer, clock: SimulatedTime, chats: list[int]) -> list[float]:
    times: list[float] = []

    async def send_all() -> None:
        for chat in chats:
            await pacer.wait_turn(chat)
            times.append(clock.now)

    await clock.run(send_all())
    return times


async def test_messages_to_different_chats_are_spaced_evenly_at_the_rate() -> None:
    clock = SimulatedTime()
    pacer = SendPacer(rate=20, chat_interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    times = await send_times(pacer, clock, list(range(1, 61)))
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert set(gaps) == {0.05}
    # No one-second window ever holds more than the rate (the epsilon absorbs float rounding).
    assert max(sum(1 for t in times if start <= t < start + 1 - 1e-9) for start in times) == 20


async def test_one_chat_gets_at_most_one_message_per_interval() -> None:
    clock = SimulatedTime()
    pacer = SendPacer(rate=30, chat_interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    times = await send_times(pacer, clock, [7, 7, 7])
    assert [round(t - times[0], 6) for t in times] == [0.0, 1.0, 2.0]


async def test_a_chat_that_must_wait_does_not_hold_back_the_others() -> None:
    clock = SimulatedTime()
    pacer = SendPacer(rate=10, chat_interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    await clock.run(pacer.wait_turn(1))
    start = clock.now
    order: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        await pacer.wait_turn(chat)
        order.append((chat, round(clock.now - start, 6)))

    await clock.run(send(1), send(2), send(3))
    assert order == [(2, 0.1), (3, 0.2), (1, 1.0)]


async def test_a_flood_answer_pauses_every_send_for_its_retry_after() -> None:
    clock = SimulatedTime()
    pacer = SendPacer(rate=30, chat_interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    await clock.run(pacer.wait_turn(1))
    told_at = clock.now
    pacer.back_off(5)
    assert pacer.next_turn() == told_at + 5
    await clock.run(pacer.wait_turn(2))
    assert clock.now - told_at == 5


async def test_a_turn_later_than_the_deadline_is_refused_at_once_and_not_taken() -> None:
    clock = SimulatedTime()
    pacer = SendPacer(rate=10, chat_interval=1.0, monotonic=clock.monotonic, sleep=clock.sleep)
    outcomes: list[bool] = []

    async def ask(chat: int, within: float) -> None:
        outcomes.append(await pacer.wait_turn(chat, deadline=clock.now + within))

    await clock.run(ask(1, 5))
    started = clock.now
    # Chat 1's next turn is a second away; chat 2's is the next global one, 0.1 s away.
    await clock.run(ask(1, 0.5), ask(2, 0.05))
    assert outcomes == [True, False, False]
    assert clock.now == started  # nobody waited
    await clock.run(ask(2, 0.5))
    assert outcomes[-1] is True and round(clock.now - started, 6) == 0.1
