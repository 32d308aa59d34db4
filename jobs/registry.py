"""The scheduled jobs by name: the scheduler runs them periodically and operators run them once with
`tutorbot jobs run <name>`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from core.usecases.availability import extend_patterns
from jobs.context import JobContext
from jobs.outbox import deliver_outbox


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    description: str
    run: Callable[[JobContext], Awaitable[Any]]
    # Seconds between runs, or a daily time of the server's clock.
    interval_seconds: float | None = None
    daily_at: time | None = None
    # Also run once when the bot starts, to catch up on runs missed while it was down.
    at_start: bool = False


async def _outbox(ctx: JobContext) -> Any:
    return await deliver_outbox(ctx.uow_factory, ctx.notifier, ctx.clock)


async def _patterns(ctx: JobContext) -> Any:
    return await extend_patterns(ctx.uow_factory, ctx.clock, ctx.rules)


def all_jobs(*, outbox_interval: float, daily_at: time) -> dict[str, Job]:
    jobs = [
        Job("outbox", "send queued notifications through Telegram", _outbox, interval_seconds=outbox_interval),
        Job(
            "patterns",
            "turn weekly patterns into slots for the days that entered the booking window",
            _patterns,
            daily_at=daily_at,
            at_start=True,
        ),
    ]
    return {job.name: job for job in jobs}
