"""Spans of time as people say them."""

from aiogram.utils.i18n import ngettext


def period(days: int) -> str:
    """A span of days as people say it: "2 weeks" for whole weeks beyond one, else "7 days", "10 days"."""
    if days % 7 == 0 and days > 7:
        return ngettext("{n} week", "{n} weeks", days // 7).format(n=days // 7)
    return ngettext("{n} day", "{n} days", days).format(n=days)
