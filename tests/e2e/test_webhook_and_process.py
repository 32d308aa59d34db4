"""Webhook mode with Telegram's secret header, and the `tutorbot` process: signals and one-off jobs."""

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp

from core.notifications import TutorApproved
from core.usecases.outbox import notification
from storage.engine import create_engine
from storage.migrate import upgrade_to_head
from storage.uow import SqlUnitOfWorkFactory
from testkit import FakeTelegram
from testkit.clock import FixedClock
from testkit.processes import child_env, free_port
from tests.e2e.conftest import TOKEN, AppFactory


async def test_webhook_mode_serves_updates_and_refuses_a_wrong_secret(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    async with app_factory(WEB_PORT=port, WEBHOOK_URL=url, WEBHOOK_SECRET="s3cret_token"):
        registered = telegram.calls("setWebhook", ok=True)[-1]
        assert registered.params["url"] == url
        assert registered.params["secret_token"] == "s3cret_token"
        ann = telegram.user(5001, "Ann")
        await ann.send("/start")
        await ann.wait_for("Welcome to Tutorbot, Ann")
        assert telegram.count("getUpdates") == 0

        forged_update = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 5002, "type": "private"},
                "from": {"id": 5002, "is_bot": False, "first_name": "Mallory"},
                "text": "/start",
            },
        }
        async with aiohttp.ClientSession() as client:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
                async with client.post(url, json=forged_update, headers=headers) as response:
                    assert response.status == 401
            async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
        mallory = telegram.user(5002, "Mallory")
        await mallory.expect_no_message(within=0.3)


async def tutorbot(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    """`tutorbot ARGS` as a child process, its output read through pipes."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_the_process_starts_serves_and_stops_cleanly_on_sigterm(telegram: FakeTelegram, tmp_path: Path) -> None:
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=telegram.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'proc.db'}",
        WEB_PORT=str(free_port()),
        OUTBOX_POLL_SECONDS="0.2",
    )
    process = await tutorbot("run", env=env, cwd=tmp_path)
    try:
        await telegram.wait_for_request("getUpdates", timeout=60)
        ann = telegram.user(5003, "Ann")
        await ann.send("/start")
        await ann.wait_for("Welcome to Tutorbot, Ann", timeout=15)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert b"stopping" in stderr


async def test_a_job_runs_once_from_the_command_line(telegram: FakeTelegram, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    clock = FixedClock()
    # Due at once: the command's real clock is later than the fixed one.
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.outbox.add(notification(5004, TutorApproved(tutor_id=1), "approved"), clock.now())
        await uow.commit()
    await engine.dispose()
    env = child_env(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url, DATABASE_URL=url)
    listing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "jobs", "list", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await listing.communicate()
    assert b"outbox" in out
    process = await tutorbot("jobs", "run", "outbox", env=env, cwd=tmp_path)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert b"sent=1" in out
    uma = telegram.user(5004, "Uma")
    assert [m.text for m in uma.messages] == ["🎉 Your tutor profile is approved: students can now find you."]
    unknown = await tutorbot("jobs", "run", "nope", env=env, cwd=tmp_path)
    _, err = await unknown.communicate()
    assert unknown.returncode == 2 and b"unknown job 'nope'" in err


async def test_operators_see_the_refunds_not_done_yet(tmp_path: Path) -> None:
    from core.enums import ParticipantStatus, PaymentStatus
    from tests.storage.factories import add_world, participant, payment

    url = f"sqlite+aiosqlite:///{tmp_path / 'refunds.db'}"
    await upgrade_to_head(url)
    engine = create_engine(url)
    env = child_env(BOT_TOKEN=TOKEN, DATABASE_URL=url, LOG_LEVEL="WARNING")

    async def refunds_command() -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "refunds", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0
        return out.decode()

    try:
        assert "no refund pending" in await refunds_command()
        async with SqlUnitOfWorkFactory(engine)() as uow:
            world = await add_world(uow)
            seat = await uow.participants.add(
                participant(world.session.id, world.students[0].id, status=ParticipantStatus.CANCELLED)
            )
            await uow.payments.add(
                payment(seat.id, status=PaymentStatus.REFUND_PENDING, refund_attempts=4, last_error="Stripe: 502")
            )
            await uow.commit()
    finally:
        await engine.dispose()
    listing = await refunds_command()
    assert "4500\tEUR\t4\t" in listing and "Stripe: 502" in listing
