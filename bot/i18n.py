"""Languages: gettext catalogs from `locales/`, the per-update locale, and Babel formatting."""

from datetime import datetime
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from babel.dates import format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

from core.entities import User
from core.languages import pick_language
from core.money import to_decimal
from core.timezones import city_label, utc_offset_label, utc_to_local

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every `.po` whose `.mo` is missing or older; returns what was compiled."""
    compiled = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        compiled.append(mo_path)
    return compiled


def build_i18n(default_language: str, locales_dir: Path = LOCALES_DIR) -> I18n:
    compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=default_language, domain=DOMAIN)


class UserLocaleMiddleware(I18nMiddleware):
    """The stored choice of a known user, else their Telegram app's language, else the default.

    Runs after the middleware that loads `app_user` (the user's record, or None for a stranger).
    """

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        app_user: User | None = data.get("app_user")
        telegram_user: TelegramUser | None = data.get("event_from_user")
        return pick_language(
            app_user.language if app_user else None,
            telegram_user.language_code if telegram_user else None,
            self.i18n.default_locale,
        )


def fmt_datetime(instant: datetime, zone: str, locale: str) -> str:
    """ "Mon 3 Mar 2026, 18:00 (Paris, UTC+1)": the zone is always shown with the time."""
    local = utc_to_local(instant, zone)
    text = format_datetime(local, "EEE d MMM y, HH:mm", locale=locale)
    return f"{text} ({city_label(zone)}, {utc_offset_label(instant, zone)})"


def fmt_time(instant: datetime, zone: str, locale: str) -> str:
    return format_time(utc_to_local(instant, zone), "HH:mm", locale=locale)


def fmt_time_zoned(instant: datetime, zone: str, locale: str) -> str:
    """ "16:15 (Paris, UTC+1)": a time of day with the zone it is read in."""
    return f"{fmt_time(instant, zone, locale)} ({city_label(zone)}, {utc_offset_label(instant, zone)})"


def fmt_money(amount_minor: int, currency: str, locale: str) -> str:
    return format_currency(to_decimal(amount_minor, currency), currency, locale=locale)


def fmt_zone(zone: str, now: datetime) -> str:
    """ "Europe/Paris (UTC+1)"."""
    return f"{zone} ({utc_offset_label(now, zone)})"


__all__ = ["_", "build_i18n", "compile_catalogs", "fmt_datetime", "fmt_money", "fmt_zone"]
