"""How each outbox notification reads, rendered in the recipient's locale at delivery time."""

from collections.abc import Callable
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TutorReview
from bot.i18n import fmt_money
from core.notifications import NotificationKind

Rendered = tuple[str, InlineKeyboardMarkup | None]
Renderer = Callable[[dict[str, Any]], Rendered]


def _review_requested(p: dict[str, Any]) -> Rendered:
    locale = get_i18n().current_locale
    handle = f" (@{p['username']})" if p.get("username") else ""
    text = _(
        "🆕 A new tutor waits for your review.\n\n"
        "Name: {name}{handle}\nSubjects: {subjects}\nRate: {rate} per hour\nTime zone: {zone}"
    ).format(
        name=p["display_name"],
        handle=handle,
        subjects=", ".join(p["subjects"]),
        rate=fmt_money(int(p["hourly_rate_minor"]), str(p["currency"]), locale),
        zone=p["timezone"],
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✅ Approve"),
                    callback_data=TutorReview(tutor_id=p["tutor_id"], approve=True).pack(),
                ),
                InlineKeyboardButton(
                    text=_("❌ Reject"),
                    callback_data=TutorReview(tutor_id=p["tutor_id"], approve=False).pack(),
                ),
            ]
        ]
    )
    return text, keyboard


def _approved(p: dict[str, Any]) -> Rendered:
    return _("🎉 Your tutor profile is approved: students can now find you."), None


def _rejected(p: dict[str, Any]) -> Rendered:
    return (
        _("Your tutor profile was not approved. You can change it with /settings and it will be reviewed again."),
        None,
    )


RENDERERS: dict[str, Renderer] = {
    NotificationKind.TUTOR_REVIEW_REQUESTED: _review_requested,
    NotificationKind.TUTOR_APPROVED: _approved,
    NotificationKind.TUTOR_REJECTED: _rejected,
}
