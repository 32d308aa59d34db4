"""Configuration: defaults from the specifications, and one clear line for every bad setting."""

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from app.settings import ConfigurationError, load_settings
from core.rules import BusinessRules
from testkit.processes import child_env

TOKEN = "123456:TEST-token"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.isupper() and not name.startswith(("PATH", "HOME", "LANG", "LC_", "PYTHON", "VIRTUAL_ENV")):
            monkeypatch.delenv(name, raising=False)
    # No stray .env from the working directory.
    monkeypatch.chdir(tmp_path)


def test_defaults_follow_the_specifications(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    rules = settings.business_rules()
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.stripe_api_base == "https://api.stripe.com"
    assert settings.database_url == "sqlite+aiosqlite:///data/tutorbot.db"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 8080)
    assert rules.booking_window_days == 28
    assert rules.max_group_size == 20
    assert rules.no_show_after_minutes == 15
    assert rules.reminder_offsets_minutes == (1440, 60)
    assert rules.cleanup_time == time(2, 0)
    assert rules.payment_hold_minutes == 15
    assert rules.admin_ids == frozenset()
    assert not settings.webhook_mode
    # Every rule an operator leaves alone is the core's default, written there once.
    assert rules == BusinessRules()


def test_values_are_parsed_from_the_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=11, 22 33\nWEBHOOK_URL=\n")
    monkeypatch.setenv("REMINDER_OFFSETS", "24h,30m,2h")
    monkeypatch.setenv("CLEANUP_TIME", "03:30")
    settings = load_settings()
    assert settings.admin_ids == frozenset({11, 22, 33})
    assert (settings.outbox_rate, settings.database_pool_size, settings.database_max_overflow) == (25, 5, 10)
    assert settings.reminder_offsets == (1440, 120, 30)
    assert settings.cleanup_time == time(3, 30)
    # An empty value in .env means "not set".
    assert settings.webhook_url is None


def test_webhook_mode_uses_the_url_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.com/tg/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "s3cret_value")
    settings = load_settings()
    assert settings.webhook_mode
    assert settings.webhook_path == "/tg/hook"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "BOT_TOKEN is required"),
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN:"),
        ({"BOT_TOKEN": TOKEN, "WEB_PORT": "eighty"}, "WEB_PORT:"),
        ({"BOT_TOKEN": TOKEN, "WEB_PORT": "70000"}, "WEB_PORT:"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_URL": "mysql://x"}, "DATABASE_URL:"),
        ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS:"),
        ({"BOT_TOKEN": TOKEN, "REMINDER_OFFSETS": "soon"}, "REMINDER_OFFSETS:"),
        ({"BOT_TOKEN": TOKEN, "CLEANUP_TIME": "25:00"}, "CLEANUP_TIME:"),
        ({"BOT_TOKEN": TOKEN, "DEFAULT_LANGUAGE": "de"}, "DEFAULT_LANGUAGE:"),
        ({"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL:"),
        ({"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.example/hook"}, "WEBHOOK_SECRET is required"),
        (
            {"BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.example/h", "WEBHOOK_SECRET": "bad secret!"},
            "WEBHOOK_SECRET:",
        ),
        ({"BOT_TOKEN": TOKEN, "BOOKING_WINDOW_DAYS": "0"}, "BOOKING_WINDOW_DAYS:"),
        ({"BOT_TOKEN": TOKEN, "OUTBOX_RATE": "0"}, "OUTBOX_RATE:"),
        ({"BOT_TOKEN": TOKEN, "DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE:"),
    ],
)
def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message
    assert "\n" not in message


@pytest.mark.parametrize("env", [{}, {"BOT_TOKEN": TOKEN, "WEB_PORT": "eighty"}])
def test_the_command_exits_2_with_one_line_and_no_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    code, line, stderr = _run_and_stop(tmp_path, env)
    assert code == 2
    assert line.startswith("tutorbot: configuration error: ")
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"DATABASE_URL": "postgresql+asyncpg://postgres:secret@127.0.0.1:1/none"},
            "tutorbot: cannot open the database postgresql+asyncpg://postgres:***@127.0.0.1:1/none",
        ),
        (
            {"TELEGRAM_API_URL": "http://127.0.0.1:1"},
            "tutorbot: cannot reach the Telegram Bot API at http://127.0.0.1:1",
        ),
    ],
)
def test_unreachable_services_stop_the_bot_with_one_line(tmp_path: Path, env: dict[str, str], says: str) -> None:
    base = {"BOT_TOKEN": TOKEN, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", "LOG_LEVEL": "WARNING"}
    code, line, stderr = _run_and_stop(tmp_path, {**base, **env})
    assert code == 1
    assert line.startswith(says)
    assert "secret" not in stderr


def _run_and_stop(cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """`tutorbot run` that is expected to stop by itself: its exit code, its one line on stderr, and all
    of stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "run"],
        env=child_env(**env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return result.returncode, lines[0], result.stderr
