"""The scheduled jobs by name: the scheduler runs them periodically and operators run them once with
`tutorbot jobs run <name>`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from jobs.context import JobContext
from jobs.outbox import deliver_outbox


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    description: str
    run: Callable[[JobContext], Awaitable[Any]]
    # Seconds between runs; None for jobs on a daily time instead.
    interval_seconds: float | None = None


async def _outbox(ctx: JobContext) -> Any:
    return await deliver_outbox(ctx.uow_factory, ctx.notifier, ctx.clock)


def all_jobs(*, outbox_interval: float) -> dict[str, Job]:
    jobs = [
        Job("outbox", "send queued notifications through Telegram", _outbox, outbox_interval),
    ]
    return {job.name: job for job in jobs}
