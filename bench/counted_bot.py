"""`tutorbot` with its database work counted, for `bench.dispatch`: every transaction begun and every
statement sent on any engine of the process. On SIGUSR1 the process writes the totals so far to stderr as
one line, `bench-counts pid=… transactions=… statements=…`; the benchmark asks before and after a load
and divides the difference by the updates it sent.

    python -m bench.counted_bot run     # the same arguments as `tutorbot`
"""

import os
import signal
import sys
from types import FrameType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.cli import main

_counts = {"transactions": 0, "statements": 0}


@event.listens_for(Engine, "begin")
def _begun(connection: Connection) -> None:
    _counts["transactions"] += 1


@event.listens_for(Engine, "before_cursor_execute")
def _sent(*_args: Any) -> None:
    _counts["statements"] += 1


def _report(_signal: int, _frame: FrameType | None) -> None:
    figures = " ".join(f"{name}={value}" for name, value in _counts.items())
    print(f"bench-counts pid={os.getpid()} {figures}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _report)
    sys.exit(main())
