"""Footprint: cold start to the first handled update, and resident memory idle and with many people in
the middle of a dialog.

    python -m bench.footprint [--people 1000]

`tutorbot run` starts as a fresh process on a new SQLite database (so start-up includes the
migrations), against the fake Bot API in this process; a /start is already waiting when it starts. A
bare aiogram echo bot is started the same way first, with a message waiting, for the ratios.
Then `--people` people each open the onboarding dialog and stop at its second screen (region chosen,
city not yet), and the resident set size (VmRSS) of the process is read again. Last, the bot restarts
on that database (migrated: Alembic is not loaded; everyone and their dialogs are loaded into the
process's caches), one of those people continues their dialog, and its start and memory are read.
"""

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import print_table
from bench.dispatch import TOKEN, bot_process
from testkit import FakeTelegram, FakeUser
from testkit.processes import free_port

FIRST_PERSON = 300_000
# People started at once; more only queue up in the fake Bot API.
WAVE = 50


@dataclass(frozen=True, slots=True)
class FootprintResult:
    cold_start_seconds: float
    rss_idle_mib: float
    people: int
    rss_with_people_mib: float
    mid_dialog: int
    echo_rss_idle_mib: float
    echo_cold_start_seconds: float
    restart_seconds: float = 0.0
    rss_restarted_mib: float = 0.0
    resumed: bool = False

    @property
    def kib_per_person(self) -> float:
        return (self.rss_with_people_mib - self.rss_idle_mib) * 1024 / max(self.people, 1)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def open_dialog(user: FakeUser) -> bool:
    await user.send("/start")
    await user.wait_for("Welcome", timeout=120)
    return await _pressed_to(user, "Europe", "pick the city")


async def _pressed_to(user: FakeUser, label: str, answer: str) -> bool:
    """Whether pressing `label` brings a message containing `answer`."""
    await user.press(label)
    try:
        await user.wait_for(answer, timeout=120)
    except AssertionError:
        return False
    return True


async def run(people: int = 1000, *, settle: float = 3.0) -> FootprintResult:
    """`settle`: seconds left for the process to go quiet before each memory reading."""
    async with FakeTelegram(token=TOKEN, bot_username="bench_bot") as telegram:
        # The floor: a bare aiogram bot (most of it is aiogram's pydantic models of the whole Bot API),
        # started the same way, with a message already waiting for it.
        waiting = telegram.user(FIRST_PERSON - 2, "Echo")
        await waiting.send("first echo")
        started = time.perf_counter()
        async with bot_process(telegram, "bench.echo_bot", [], {}, ready=None) as echo_pid:
            await waiting.wait_for("first echo", timeout=120)
            echo_cold_start = time.perf_counter() - started
            await asyncio.sleep(settle)
            echo_idle = rss_mib(echo_pid)
        with tempfile.TemporaryDirectory(prefix="tutorbot-footprint-") as folder:
            first = telegram.user(FIRST_PERSON - 1, "First")
            await first.send("/start")
            env = {
                "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'bot.db'}",
                "WEB_PORT": str(free_port()),
                "LOG_LEVEL": "WARNING",
                "ADMIN_IDS": "",
            }
            started = time.perf_counter()
            async with bot_process(telegram, "app.cli", ["run"], env, ready=None) as pid:
                await first.wait_for("Welcome", timeout=120)
                cold_start = time.perf_counter() - started
                await asyncio.sleep(settle)
                idle = rss_mib(pid)
                users = [telegram.user(FIRST_PERSON + n, f"P{n}") for n in range(people)]
                opened = 0
                for wave in range(0, people, WAVE):
                    outcomes = await asyncio.gather(*(open_dialog(u) for u in users[wave : wave + WAVE]))
                    opened += sum(outcomes)
                await asyncio.sleep(settle)
                loaded = rss_mib(pid)
            started = time.perf_counter()
            async with bot_process(telegram, "app.cli", ["run"], env) as pid:
                restart = time.perf_counter() - started
                await asyncio.sleep(settle)
                restarted = rss_mib(pid)
                resumed = await _continues(users[0]) if users else False
    return FootprintResult(
        cold_start_seconds=cold_start,
        rss_idle_mib=idle,
        people=people,
        rss_with_people_mib=loaded,
        mid_dialog=opened,
        echo_rss_idle_mib=echo_idle,
        echo_cold_start_seconds=echo_cold_start,
        restart_seconds=restart,
        rss_restarted_mib=restarted,
        resumed=resumed,
    )


async def _continues(user: FakeUser) -> bool:
    """The person, mid-dialog before the restart, picks a city and gets the next screen."""
    return await _pressed_to(user, "Paris", "How will you use")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    result = asyncio.run(run(args.people))
    print_table(
        "Footprint (tutorbot run, SQLite)",
        ["figure", "value"],
        [
            ["cold start to the first answer (s)", result.cold_start_seconds],
            ["bare aiogram echo bot, cold start to the first answer (s)", result.echo_cold_start_seconds],
            ["cold start ratio", result.cold_start_seconds / result.echo_cold_start_seconds],
            ["resident memory, idle (MiB)", result.rss_idle_mib],
            ["bare aiogram echo bot, idle (MiB)", result.echo_rss_idle_mib],
            ["idle memory ratio", result.rss_idle_mib / result.echo_rss_idle_mib],
            [f"resident memory, {result.people:,} people mid-dialog (MiB)", result.rss_with_people_mib],
            ["per person in a dialog (KiB)", result.kib_per_person],
            ["people mid-dialog", result.mid_dialog],
            ["restart on that database, to polling (s)", result.restart_seconds],
            ["resident memory after the restart, idle (MiB)", result.rss_restarted_mib],
            ["idle memory ratio after the restart", result.rss_restarted_mib / result.echo_rss_idle_mib],
            ["a person continues their dialog after the restart", "yes" if result.resumed else "NO"],
        ],
    )


if __name__ == "__main__":
    main()
