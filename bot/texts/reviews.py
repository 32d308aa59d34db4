"""How reviews read: a tutor's figures ("★ 4.8 · 23 reviews"), the comments quoted on their page, and a
tutor's own list of reviews."""

from aiogram.utils.i18n import get_i18n, ngettext
from babel.numbers import format_decimal

from bot.telegram_limits import shorten
from core.reviews import Rating

# Quoted on the tutor's page: a glimpse, not the whole comment.
QUOTE_ON_PAGE = 200


def rating_label(rating: Rating) -> str:
    average = format_decimal(round(rating.average, 1), format="0.0", locale=get_i18n().current_locale)
    return ngettext("★ {average} · {n} review", "★ {average} · {n} reviews", rating.count).format(
        average=average, n=rating.count
    )


def reviews_block(rating: Rating, comments: tuple[str, ...]) -> str:
    if not rating.shown:
        return ""
    lines = [rating_label(rating)]
    lines += [f"💬 «{shorten(' '.join(c.split()), QUOTE_ON_PAGE)}»" for c in comments]
    return "\n".join(lines)
