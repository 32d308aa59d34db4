"""The APScheduler set-up: every job in the registry, one instance of each at a time."""

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs.context import JobContext
from jobs.registry import Job

log = logging.getLogger(__name__)


def server_zone() -> Any:
    """The machine's local zone: daily jobs run at "server time" (spec 002 §1.3)."""
    return datetime.now().astimezone().tzinfo


class JobScheduler:
    """Runs the interval jobs; on stop, lets a job that is running finish instead of cancelling it
    (a delivery cut between Telegram's answer and our bookkeeping would be sent again later)."""

    def __init__(self, ctx: JobContext, jobs: dict[str, Job]) -> None:
        self._ctx = ctx
        self._running: set[asyncio.Task[None]] = set()
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        for job in jobs.values():
            common: dict[str, Any] = {
                "args": [job],
                "id": job.name,
                "name": job.name,
                "max_instances": 1,
                "coalesce": True,
                "misfire_grace_time": None,
            }
            if job.at_start:
                common["next_run_time"] = datetime.now(UTC)
            if job.interval_seconds is not None:
                self._scheduler.add_job(self._run, "interval", seconds=job.interval_seconds, **common)
            elif job.daily_at is not None:
                trigger = CronTrigger(hour=job.daily_at.hour, minute=job.daily_at.minute, timezone=server_zone())
                self._scheduler.add_job(self._run, trigger, **common)

    async def _run(self, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            await job.run(self._ctx)
        except Exception:
            # A failing run is logged and retried at the next tick; the scheduler keeps going.
            log.exception("job %s failed", job.name)
        finally:
            if task is not None:
                self._running.discard(task)

    def start(self) -> None:
        self._scheduler.start()

    async def stop(self, grace: float = 30.0) -> None:
        self._scheduler.pause()
        self._ctx.stopping.set()
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        self._scheduler.shutdown(wait=False)
