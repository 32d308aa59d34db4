"""How slots, days and bulk results read, in the reader's locale and the tutor's zone."""

from datetime import date, datetime

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from bot.texts.errors import error_text
from core.availability import Skipped
from core.entities import Slot
from core.enums import SessionStatus, SessionType
from core.errors import ValidationError
from l10n.formatting import fmt_time


def _locale() -> str:
    return get_i18n().current_locale


def day_label(day: date) -> str:
    """ "Mon 23 Nov"."""
    return format_date(day, "EEE d MMM", locale=_locale())


def long_day_label(day: date) -> str:
    """ "Monday 23 November 2026"."""
    return format_date(day, "EEEE d MMMM y", locale=_locale())


def type_label(session_type: SessionType, capacity: int) -> str:
    if session_type is SessionType.ONE_TO_ONE:
        return _("1-to-1")
    return ngettext("group of {n}", "group of {n}", capacity).format(n=capacity)


def time_range(start: datetime, end: datetime, zone: str) -> str:
    locale = _locale()
    return f"{fmt_time(start, zone, locale)}–{fmt_time(end, zone, locale)}"


def slot_line(slot: Slot, zone: str, status: SessionStatus | None = None) -> str:
    """ "16:00–17:00 · 1-to-1 · free" as the tutor sees it; the session's state when it has one that is
    not simply scheduled (a cancelled session's slot is neither free nor booked)."""
    if status is SessionStatus.CANCELLED:
        seats = "❌ " + _("session cancelled")
    elif status is SessionStatus.IN_PROGRESS:
        seats = "🎥 " + _("live now")
    elif status is SessionStatus.COMPLETED:
        seats = "✔️ " + _("done")
    elif status is SessionStatus.NO_SHOW:
        seats = "🚫 " + _("not started (no-show)")
    elif slot.seats_taken == 0:
        seats = _("free")
    elif slot.session_type is SessionType.ONE_TO_ONE:
        seats = _("booked")
    else:
        seats = _("{taken}/{capacity} booked").format(taken=slot.seats_taken, capacity=slot.capacity)
    return (
        f"{time_range(slot.starts_at, slot.ends_at, zone)} · {type_label(slot.session_type, slot.capacity)} · {seats}"
    )


def skipped_line(item: Skipped, zone: str) -> str:
    reason = error_text(ValidationError(item.code, **{"zone": zone, **dict(item.params)}))
    return f"• {day_label(item.day)} {item.start.strftime('%H:%M')}: {reason}"


def bulk_summary(created: int, skipped: list[Skipped], zone: str, limit: int = 12) -> str:
    lines = [ngettext("✅ {n} slot created.", "✅ {n} slots created.", created).format(n=created)]
    if skipped:
        lines.append(ngettext("⚠️ {n} skipped:", "⚠️ {n} skipped:", len(skipped)).format(n=len(skipped)))
        lines.extend(skipped_line(item, zone) for item in skipped[:limit])
        if len(skipped) > limit:
            lines.append(_("… and {n} more.").format(n=len(skipped) - limit))
    return "\n".join(lines)
