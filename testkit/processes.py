"""What tests and benchmarks that start `tutorbot` (or another bot) as a child process need."""

import os
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Only what a Python process needs from the parent's environment: no stray settings leak in.
_KEPT = ("PATH", "HOME", "LANG", "SYSTEMROOT")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(**settings: str) -> dict[str, str]:
    """A clean environment that imports this checkout, plus `settings`."""
    kept = {k: v for k, v in os.environ.items() if k in _KEPT}
    return {**kept, "PYTHONPATH": str(ROOT), **settings}
