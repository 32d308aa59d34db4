"""The APScheduler set-up: every job in the registry, one instance of each at a time."""

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from jobs.context import JobContext
from jobs.registry import Job

log = logging.getLogger(__name__)


def build_scheduler(ctx: JobContext, jobs: dict[str, Job]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs.values():
        if job.interval_seconds is None:
            continue

        async def run(job: Job = job) -> None:
            try:
                await job.run(ctx)
            except Exception:
                # A failing run is logged and retried at the next tick; the scheduler keeps going.
                log.exception("job %s failed", job.name)

        scheduler.add_job(
            run,
            "interval",
            seconds=job.interval_seconds,
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler
