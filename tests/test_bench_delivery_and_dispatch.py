"""The fan-out, dispatch and footprint benchmarks at a tiny size: they still run against the real
application and their correctness checks hold. Timings are printed by the benchmarks, never asserted."""

import os

import pytest

from bench import dispatch, footprint, reminder_fanout
from testkit import FloodLimits


async def test_the_fanout_benchmark_delivers_each_reminder_once_within_the_limits() -> None:
    result = await reminder_fanout.run("sqlite", 40, limits=FloodLimits(per_second=30, per_chat=1))
    assert result.chats == 20
    assert (result.delivered, result.duplicates, result.missing) == (40, 0, 0)
    # Every chat had two reminders: the second waited its turn rather than being refused.
    assert result.delivery_seconds > 0


async def test_the_dispatch_benchmark_completes_every_conversation_on_both_bots() -> None:
    results = await dispatch.run("sqlite", users=3, solo=1)
    assert [(r.bot, r.load, r.people, r.failures) for r in results] == [
        ("aiogram echo", "one at a time", 1, 0),
        ("aiogram echo", "3 at once", 3, 0),
        ("tutorbot booking", "step by step", 1, 0),
        ("tutorbot booking", "one at a time", 1, 0),
        ("tutorbot booking", "3 at once", 3, 0),
    ]
    assert all(r.updates == r.people * dispatch.STEPS for r in results)
    # The bot's database work is counted per load (the echo bot has none): every booking step reads.
    echo, booking = results[:2], results[2:]
    assert all(r.transactions is None for r in echo)
    assert all(r.transactions and r.statements and r.statements >= r.transactions >= r.updates for r in booking)
    # Each update of the conversation is counted apart, its jobs' work left out: the embedded deployment
    # reads the person from its cache, and each step is its use case and the dialog's save at most.
    steps = results[2].steps
    assert [name for name, _t, _s in steps] == list(dispatch.STEP_NAMES)
    assert all(1 <= transactions <= 2 for _name, transactions, _s in steps), steps


async def test_the_footprint_benchmark_gets_everyone_into_a_dialog() -> None:
    result = await footprint.run(people=5, settle=0.1)
    assert result.mid_dialog == 5
    assert result.rss_idle_mib > 0 and result.echo_rss_idle_mib > 0
    assert result.cold_start_seconds > 0 and result.echo_cold_start_seconds > 0
    # Restarted on the migrated database, with everyone's dialog loaded: a person continues theirs.
    assert result.resumed and result.rss_restarted_mib > 0 and result.restart_seconds > 0


@pytest.mark.skipif(
    not (os.environ.get("TUTORBOT_TEST_POSTGRES_URL") and os.environ.get("TUTORBOT_TEST_REDIS_URL")),
    reason="set TUTORBOT_TEST_POSTGRES_URL and TUTORBOT_TEST_REDIS_URL to run the two-process dispatch",
)
async def test_two_processes_drop_no_update_with_more_people_than_redis_connections() -> None:
    # Each process may open 2 Redis connections, and 12 people talk at once: with redis-py's default
    # pool the extra updates failed with "Too many connections" and were lost.
    results = await dispatch.run(
        "postgres",
        users=12,
        solo=1,
        redis_url=os.environ["TUTORBOT_TEST_REDIS_URL"],
        processes=2,
        bot_env={"REDIS_MAX_CONNECTIONS": "2"},
        answer_within=30,
    )
    booking = [r for r in results if r.bot.startswith("tutorbot")]
    assert [(r.bot, r.load, r.people, r.failures, r.errored, r.dropped, r.error_lines) for r in booking] == [
        ("tutorbot booking, webhook, 2 processes", "step by step", 1, 0, 0, 0, 0),
        ("tutorbot booking, webhook, 2 processes", "one at a time", 1, 0, 0, 0, 0),
        ("tutorbot booking, webhook, 2 processes", "12 at once", 12, 0, 0, 0, 0),
    ]
    # Dialogs in Redis: each step is the person and the screen's (or the booking's) transaction.
    assert all(transactions == 2 for _name, transactions, _s in booking[0].steps), booking[0].steps
    assert all(r.updates == r.people * dispatch.STEPS for r in booking)
