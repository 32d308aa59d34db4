"""Settings from the environment and `.env`, and their translation into the domain's business rules."""

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.languages import SUPPORTED_LANGUAGES
from core.rules import BusinessRules
from jobs.pacing import DEFAULT_RATE

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,100}$")
# Telegram accepts 1-256 characters from this set in X-Telegram-Bot-Api-Secret-Token.
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_DURATION = re.compile(r"^\s*(\d+)\s*(d|h|m|min)?\s*$", re.IGNORECASE)


def _listed(value: str) -> list[str]:
    """The items of an environment list: separated by commas, spaces or both."""
    return [part for part in re.split(r"[,\s]+", value.strip()) if part]


def _parse_offset_minutes(text: str) -> int:
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 24h, 90m or 2d")
    value, unit = int(match.group(1)), (match.group(2) or "m").lower()
    return value * {"d": 1440, "h": 60, "m": 1, "min": 1}[unit]


# The tunable rules default to the specifications' values, written once, in core.
_RULES = BusinessRules()

# Agora's own build of Web SDK 4.24.8, as Agora publishes it on npm (`agora-rtc-sdk-ng`), through
# jsDelivr's mirror of npm: that file's hash could be checked here (Agora's download CDN could not be
# reached to hash its copy). An operator who prefers Agora's CDN, or their own domain, sets both.
AGORA_SDK_URL = "https://cdn.jsdelivr.net/npm/agora-rtc-sdk-ng@4.24.8/AgoraRTC_N-production.js"
AGORA_SDK_INTEGRITY = "sha384-LLetIWljRRsVdAiDUW5qNfAuV8n0YvSPGr6vd4Fy/COvGIGaW1RJtURRgB76/YVU"
_INTEGRITY = re.compile(r"^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    bot_token: SecretStr = Field(validation_alias="BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", validation_alias="TELEGRAM_API_URL")
    database_url: str = Field("sqlite+aiosqlite:///data/tutorbot.db", validation_alias="DATABASE_URL")
    database_pool_size: int = Field(5, ge=1, le=1000, validation_alias="DATABASE_POOL_SIZE")
    database_max_overflow: int = Field(10, ge=0, le=1000, validation_alias="DATABASE_MAX_OVERFLOW")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    redis_max_connections: int = Field(50, ge=2, le=10_000, validation_alias="REDIS_MAX_CONNECTIONS")
    web_host: str = Field("127.0.0.1", validation_alias="WEB_HOST")
    web_port: int = Field(8080, ge=0, le=65535, validation_alias="WEB_PORT")
    public_base_url: str | None = Field(None, validation_alias="PUBLIC_BASE_URL")
    webhook_url: str | None = Field(None, validation_alias="WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    stripe_secret_key: SecretStr | None = Field(None, validation_alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: SecretStr | None = Field(None, validation_alias="STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str = Field("https://api.stripe.com", validation_alias="STRIPE_API_BASE")
    agora_app_id: str | None = Field(None, validation_alias="AGORA_APP_ID")
    agora_app_certificate: SecretStr | None = Field(None, validation_alias="AGORA_APP_CERTIFICATE")
    agora_webhook_secret: SecretStr | None = Field(None, validation_alias="AGORA_WEBHOOK_SECRET")
    join_link_secret: SecretStr | None = Field(None, validation_alias="JOIN_LINK_SECRET")
    # Agora's Web SDK for the join page, pinned, loaded with Subresource Integrity. An operator serving it
    # from their own domain sets the URL (and the hash of their file; empty for none).
    agora_sdk_url: str = Field(AGORA_SDK_URL, min_length=1, validation_alias="AGORA_SDK_URL")
    agora_sdk_integrity: str = Field(AGORA_SDK_INTEGRITY, validation_alias="AGORA_SDK_INTEGRITY")
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(frozenset(), validation_alias="ADMIN_IDS")
    default_language: str = Field("en", validation_alias="DEFAULT_LANGUAGE")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # "auto": uvloop where it is installed (not on Windows), else asyncio's own loop.
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field("auto", validation_alias="EVENT_LOOP")

    booking_window_days: int = Field(_RULES.booking_window_days, ge=1, le=365, validation_alias="BOOKING_WINDOW_DAYS")
    max_group_size: int = Field(_RULES.max_group_size, ge=2, le=200, validation_alias="MAX_GROUP_SIZE")
    no_show_after_minutes: int = Field(
        _RULES.no_show_after_minutes, ge=1, le=240, validation_alias="NO_SHOW_AFTER_MINUTES"
    )
    reminder_offsets: Annotated[tuple[int, ...], NoDecode] = Field(
        _RULES.reminder_offsets_minutes, validation_alias="REMINDER_OFFSETS"
    )
    cleanup_time: time = Field(_RULES.cleanup_time, validation_alias="CLEANUP_TIME")
    waitlist_hold_minutes: int = Field(
        _RULES.waitlist_hold_minutes, ge=1, le=24 * 60, validation_alias="WAITLIST_HOLD_MINUTES"
    )
    booking_notice_minutes: int = Field(
        _RULES.booking_notice_minutes, ge=0, le=7 * 24 * 60, validation_alias="BOOKING_NOTICE_MINUTES"
    )
    payment_hold_minutes: int = Field(
        _RULES.payment_hold_minutes, ge=1, le=24 * 60, validation_alias="PAYMENT_HOLD_MINUTES"
    )
    start_window_minutes: int = Field(
        _RULES.start_window_minutes, ge=0, le=240, validation_alias="START_WINDOW_MINUTES"
    )
    session_grace_minutes: int = Field(
        _RULES.session_grace_minutes, ge=0, le=240, validation_alias="SESSION_GRACE_MINUTES"
    )
    outbox_poll_seconds: float = Field(1.0, gt=0, le=3600, validation_alias="OUTBOX_POLL_SECONDS")
    outbox_rate: float = Field(DEFAULT_RATE, gt=0, le=1000, validation_alias="OUTBOX_RATE")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("must look like 123456789:AAE... (the token @BotFather gave you)")
        return value

    @field_validator("telegram_api_url", "stripe_api_base", "public_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("agora_sdk_url")
    @classmethod
    def _sdk_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("agora_sdk_integrity")
    @classmethod
    def _sdk_integrity(cls, value: str) -> str:
        if value and not _INTEGRITY.match(value):
            raise ValueError("must be a Subresource Integrity hash such as sha384-<base64>, or empty")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = _listed(value)
            if not all(p.isdigit() for p in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 1234,5678")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _split_offsets(cls, value: Any) -> Any:
        if isinstance(value, str):
            offsets = sorted({_parse_offset_minutes(p) for p in _listed(value)}, reverse=True)
            if any(o <= 0 for o in offsets):
                raise ValueError("offsets must be positive")
            return tuple(offsets)
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> "Settings":
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @property
    def webhook_mode(self) -> bool:
        return bool(self.webhook_url)

    @property
    def webhook_path(self) -> str:
        path = urlparse(self.webhook_url or "").path
        return path if path and path != "/" else "/telegram/webhook"

    @property
    def base_url(self) -> str:
        """Where users reach the web server (join pages, payment returns)."""
        return self.public_base_url or f"http://{self.web_host}:{self.web_port}"

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite+aiosqlite:///"
        return Path(self.database_url.removeprefix(prefix)) if self.database_url.startswith(prefix) else None

    def business_rules(self) -> BusinessRules:
        return BusinessRules(
            booking_window_days=self.booking_window_days,
            max_group_size=self.max_group_size,
            no_show_after_minutes=self.no_show_after_minutes,
            reminder_offsets_minutes=self.reminder_offsets,
            cleanup_time=self.cleanup_time,
            booking_notice_minutes=self.booking_notice_minutes,
            waitlist_hold_minutes=self.waitlist_hold_minutes,
            payment_hold_minutes=self.payment_hold_minutes,
            start_window_minutes=self.start_window_minutes,
            session_grace_minutes=self.session_grace_minutes,
            admin_ids=self.admin_ids,
        )


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message is one line that names it."""


def _env_name(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "configuration"
    name = str(loc[0])
    field = Settings.model_fields.get(name)
    alias = field.validation_alias if field is not None else None
    return alias if isinstance(alias, str) else name.upper()


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = _env_name(tuple(error["loc"]))
            if error["type"] == "missing":
                problems.append(f"{name} is required but not set")
            else:
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["loc"]:
                    problems.append(f"{name}: {message[:1].lower()}{message[1:]}")
                else:
                    problems.append(message)
        raise ConfigurationError("; ".join(problems)) from None
