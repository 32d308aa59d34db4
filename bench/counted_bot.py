"""`tutorbot` with its database work counted, for `bench.dispatch`: every transaction begun and every
statement sent on any engine of the process, while handling an update (`Dispatcher.feed_update`, in
polling and webhook mode alike) apart from the rest (the jobs). On SIGUSR1 the process writes the totals
so far to stderr as one line, `bench-counts pid=… transactions=… statements=… background_transactions=…
background_statements=…`; the benchmark asks before and after a load and divides the difference by the
updates it sent.

    python -m bench.counted_bot run     # the same arguments as `tutorbot`
"""

import os
import signal
import sys
from contextvars import ContextVar
from types import FrameType
from typing import Any

from aiogram import Dispatcher
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.cli import main

_counts = {"transactions": 0, "statements": 0, "background_transactions": 0, "background_statements": 0}
# Set while an update is handled; the database calls it makes run in its context (contextvars follow
# SQLAlchemy's greenlets and the tasks an update starts).
_in_update: ContextVar[bool] = ContextVar("in_update", default=False)


def _count(name: str) -> None:
    _counts[name if _in_update.get() else f"background_{name}"] += 1


@event.listens_for(Engine, "begin")
def _begun(connection: Connection) -> None:
    _count("transactions")


@event.listens_for(Engine, "before_cursor_execute")
def _sent(*_args: Any) -> None:
    _count("statements")


_feed_update = Dispatcher.feed_update


async def _counted_feed_update(self: Dispatcher, *args: Any, **kwargs: Any) -> Any:
    token = _in_update.set(True)
    try:
        return await _feed_update(self, *args, **kwargs)
    finally:
        _in_update.reset(token)


Dispatcher.feed_update = _counted_feed_update  # type: ignore[method-assign]


def _report(_signal: int, _frame: FrameType | None) -> None:
    figures = " ".join(f"{name}={value}" for name, value in _counts.items())
    print(f"bench-counts pid={os.getpid()} {figures}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _report)
    sys.exit(main())
