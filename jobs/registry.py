"""The scheduled jobs by name: the scheduler runs them periodically and operators run them once with
`tutorbot jobs run <name>`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from core.usecases.courses import remind_unscheduled
from core.usecases.credit_refunds import retry_credit_refunds
from core.usecases.live import watch_sessions
from core.usecases.move_proposals import expire_move_proposals
from core.usecases.packages import expire_credits
from core.usecases.payments import expire_holds, reconcile_payments
from core.usecases.presence import seal_quiet_presence
from core.usecases.refunds import retry_refunds
from core.usecases.reminders import daily_cleanup, send_due_reminders
from core.usecases.session_notes import remind_homework
from core.usecases.waitlist import expire_offers
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
    return await deliver_outbox(
        ctx.services.uow_factory, ctx.services.notifier, ctx.services.clock, pacer=ctx.pacer, stopping=ctx.stopping
    )


async def _cleanup(ctx: JobContext) -> Any:
    return await daily_cleanup(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules)


async def _reminders(ctx: JobContext) -> Any:
    return await send_due_reminders(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules)


async def _holds(ctx: JobContext) -> Any:
    return await expire_holds(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules, ctx.services.gateway)


async def _payments(ctx: JobContext) -> Any:
    return await reconcile_payments(
        ctx.services.uow_factory, ctx.services.clock, ctx.services.rules, ctx.services.gateway
    )


async def _sessions(ctx: JobContext) -> Any:
    return await watch_sessions(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules, ctx.services.gateway)


async def _presence(ctx: JobContext) -> Any:
    return await seal_quiet_presence(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules)


async def _credits(ctx: JobContext) -> Any:
    return await expire_credits(ctx.services.uow_factory, ctx.services.clock)


async def _courses(ctx: JobContext) -> Any:
    return await remind_unscheduled(ctx.services.uow_factory, ctx.services.clock)


async def _homework(ctx: JobContext) -> Any:
    return await remind_homework(ctx.services.uow_factory, ctx.services.clock)


async def _waitlist(ctx: JobContext) -> Any:
    return await expire_offers(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules)


async def _proposals(ctx: JobContext) -> Any:
    return await expire_move_proposals(ctx.services.uow_factory, ctx.services.clock, ctx.services.rules)


async def _refunds(ctx: JobContext) -> Any:
    services = ctx.services
    seats = await retry_refunds(services.uow_factory, services.clock, services.gateway)
    credits = await retry_credit_refunds(services.uow_factory, services.clock, services.gateway)
    return seats + credits


def all_jobs(*, outbox_interval: float, daily_at: time) -> dict[str, Job]:
    jobs = [
        Job("holds", "release seats whose payment did not arrive in time", _holds, interval_seconds=20),
        Job("payments", "ask Stripe about checkouts still open (missed webhooks)", _payments, interval_seconds=60),
        Job("refunds", "retry refunds that failed", _refunds, interval_seconds=60),
        Job(
            "sessions",
            "tell students a tutor is late, declare tutor no-shows (refunded), end forgotten sessions",
            _sessions,
            interval_seconds=30,
        ),
        # With the page's timeout, a closed laptop is counted as gone within a minute.
        Job("presence", "count as gone the join pages that stopped reporting", _presence, interval_seconds=15),
        Job("credits", "write off the lessons left in packages past their validity", _credits, interval_seconds=3600),
        Job(
            "courses",
            "remind students enrolled in a course with no session booked ahead to schedule one",
            _courses,
            interval_seconds=3600,
        ),
        Job("waitlist", "pass on held waitlist seats whose hold ran out", _waitlist, interval_seconds=30),
        Job("proposals", "let tutors' unanswered proposals of another time lapse", _proposals, interval_seconds=60),
        # Reminded a day ahead: a run every ten minutes is soon enough.
        Job("homework", "remind students of homework due within a day", _homework, interval_seconds=600),
        Job("outbox", "send queued notifications through Telegram", _outbox, interval_seconds=outbox_interval),
        # At start too: reminders that fell due while the bot was down are already late.
        Job(
            "reminders",
            "send reminders and start alerts that are due",
            _reminders,
            interval_seconds=30,
            at_start=True,
        ),
        Job(
            "cleanup",
            "delete past slots nobody booked; weekly patterns fill the days that entered the window",
            _cleanup,
            daily_at=daily_at,
            at_start=True,
        ),
    ]
    return {job.name: job for job in jobs}
