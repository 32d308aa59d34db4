"""What every benchmark needs: scratch databases, percentiles and a plain-text report."""

import math
import os
import statistics
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.migrate import upgrade_to_head
from testkit.postgres import create_database, drop_database

# The server a PostgreSQL run creates its scratch database on (dropped afterwards).
POSTGRES_URL_ENV = "BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")


def postgres_server_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV) or os.environ.get("TUTORBOT_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@asynccontextmanager
async def scratch_database(backend: str) -> AsyncIterator[str]:
    """The URL of a new, migrated, empty database of this backend, removed on exit."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tutorbot-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            await upgrade_to_head(url)
            yield url
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")
    server_url = postgres_server_url()
    url = await create_database(server_url, "tutorbot_bench")
    try:
        await upgrade_to_head(url)
        yield url
    finally:
        await drop_database(server_url, url)


async def insert_rows(
    connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]], chunk: int = 2000
) -> None:
    """Bulk-insert seed rows a chunk at a time (one huge statement is slow on both drivers)."""
    for start in range(0, len(rows), chunk):
        await connection.execute(insert(table), list(rows[start : start + chunk]))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty sample."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99, mean and max in milliseconds."""
    return {
        "p50_ms": percentile(seconds, 0.50) * 1000,
        "p99_ms": percentile(seconds, 0.99) * 1000,
        "mean_ms": statistics.fmean(seconds) * 1000,
        "max_ms": max(seconds) * 1000,
    }


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so a run's output can be pasted into the README as it is."""
    cells = [[_cell(value) for value in row] for row in rows]
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in cells:
        print("| " + " | ".join(row) + " |")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
