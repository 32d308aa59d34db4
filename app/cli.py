"""The `tutorbot` command."""

import argparse
import asyncio
import importlib.util
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, time
from typing import Any, TypeVar

from app.settings import ConfigurationError, Settings, load_settings

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 1


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # The scheduler logs every run of every job at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


Result = TypeVar("Result")


def _loop_factory(settings: Settings) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop, unless asked for asyncio's: the bot spends a good part of each update in the
    loop's own bookkeeping (bench.dispatch measures both)."""
    wanted = settings.event_loop
    if wanted == "asyncio" or (wanted == "auto" and importlib.util.find_spec("uvloop") is None):
        return None
    try:
        import uvloop
    except ImportError as exc:
        raise ConfigurationError("EVENT_LOOP=uvloop: uvloop is not installed") from exc
    return uvloop.new_event_loop


def _run_on_loop(settings: Settings, main: Coroutine[Any, Any, Result]) -> Result:
    with asyncio.Runner(loop_factory=_loop_factory(settings)) as runner:
        return runner.run(main)


async def _run(settings: Settings) -> None:
    from app.wiring import TutorBot

    await TutorBot(settings).run_until_signal()


async def _migrate(settings: Settings) -> None:
    from app.wiring import migrate

    await migrate(settings.database_url)


async def _run_job(settings: Settings, name: str) -> int:
    from app.wiring import build_components

    parts = await build_components(settings)
    try:
        job = parts.jobs.get(name)
        if job is None:
            print(
                f"tutorbot: unknown job {name!r}; known jobs: {', '.join(sorted(parts.jobs))}",
                file=sys.stderr,
            )
            return EXIT_CONFIG
        result = await job.run(parts.job_context)
        print(f"{name}: {result}")
        return 0
    finally:
        await parts.close()


async def _refunds(settings: Settings) -> int:
    """Refunds not done yet, for an operator: a refund failing again and again shows its last error."""
    from app.wiring import build_components
    from core.usecases.credit_refunds import list_stuck_credit_refunds
    from core.usecases.refunds import list_stuck_refunds

    parts = await build_components(settings)
    try:
        pending = await list_stuck_refunds(parts.services.uow_factory())
        credits = await list_stuck_credit_refunds(parts.services.uow_factory())
    finally:
        await parts.close()
    if not pending and not credits:
        print("no refund pending")
        return 0
    print("refund\tamount\tcurrency\tattempts\tnext attempt (UTC)\tlast error")
    for payment in pending:
        _print_refund(
            f"payment {payment.id}",
            payment.amount_minor,
            payment.currency,
            payment.refund_attempts,
            payment.next_refund_attempt_at,
            payment.last_error,
        )
    for refund in credits:
        _print_refund(
            f"credits {refund.id}",
            refund.amount_minor,
            refund.currency,
            refund.attempts,
            refund.next_attempt_at,
            refund.last_error,
        )
    return 0


def _print_refund(
    what: str, amount: int, currency: str, attempts: int, next_at: datetime | None, error: str | None
) -> None:
    when = next_at.strftime("%Y-%m-%d %H:%M") if next_at else "-"
    print(f"{what}\t{amount}\t{currency}\t{attempts}\t{when}\t{error or '-'}")


async def _installation(settings: Settings, renew: bool) -> int:
    """This database's namespace of Stripe idempotency keys; a copied database needs one of its own."""
    from app.wiring import migrate
    from storage.engine import create_engine
    from storage.installation import read_namespace, renew_namespace

    await migrate(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        namespace = await renew_namespace(engine) if renew else await read_namespace(engine)
    finally:
        await engine.dispose()
    print(f"namespace: {namespace}" + (" (new)" if renew else ""))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutorbot", description="Telegram bot for tutors and students.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="apply migrations, then serve Telegram, the web server and the jobs")
    commands.add_parser("migrate", help="apply pending database migrations and exit")
    commands.add_parser("refunds", help="list the refunds not done yet, with their attempts and last error")
    installation = commands.add_parser(
        "installation", help="this database's namespace of Stripe idempotency keys (--new-namespace for a copy)"
    )
    installation.add_argument(
        "--new-namespace",
        action="store_true",
        help="give a database copied from another installation keys of its own (before it first runs)",
    )
    jobs = commands.add_parser("jobs", help="scheduled jobs")
    job_commands = jobs.add_subparsers(dest="jobs_command", required=True)
    job_commands.add_parser("list", help="list the jobs")
    run_job = job_commands.add_parser("run", help="run one job once")
    run_job.add_argument("name")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "jobs" and args.jobs_command == "list":
        from jobs.registry import all_jobs

        for job in all_jobs(outbox_interval=1.0, daily_at=time(2, 0)).values():
            print(f"{job.name}\t{job.description}")
        return 0
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"tutorbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _configure_logging(settings.log_level)
    from app.wiring import StartupError

    try:
        if args.command == "run":
            _run_on_loop(settings, _run(settings))
        elif args.command == "migrate":
            _run_on_loop(settings, _migrate(settings))
        elif args.command == "refunds":
            return _run_on_loop(settings, _refunds(settings))
        elif args.command == "installation":
            return _run_on_loop(settings, _installation(settings, args.new_namespace))
        else:
            return _run_on_loop(settings, _run_job(settings, args.name))
    except ConfigurationError as exc:
        print(f"tutorbot: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StartupError as exc:
        print(f"tutorbot: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
