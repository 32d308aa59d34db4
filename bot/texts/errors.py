"""Localized messages for the domain's error codes."""

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.i18n import fmt_money
from core.errors import DomainError


def _money(params: dict[str, Any], amount_key: str) -> str:
    return fmt_money(int(params[amount_key]), str(params["currency"]), get_i18n().current_locale)


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "timezone.unknown": lambda p: _(
        "I don't know the time zone “{zone}”. Type a name such as Europe/Paris or America/New_York, "
        "pick your region, or share your location."
    ).format(**p),
    "time.nonexistent": lambda p: _(
        "{local} does not exist in {zone}: the clocks jump forward then. Choose another time."
    ).format(**p),
    "currency.unsupported": lambda p: _(
        "I can't take payments in “{currency}”. Type a currency code such as EUR, USD or GBP."
    ).format(**p),
    "money.invalid": lambda p: _("“{text}” is not an amount. Type a number such as 30 or 30.50.").format(**p),
    "money.too_precise": lambda p: (
        _("This currency has no cents: type a whole number.")
        if int(p["digits"]) == 0
        else ngettext(
            "Use at most {digits} decimal place.", "Use at most {digits} decimal places.", int(p["digits"])
        ).format(**p)
    ),
    "profile.name_length": lambda p: _("The name must be {min} to {max} characters long.").format(**p),
    "profile.name_invalid": lambda p: _("Please type a name with letters in it, without special control characters."),
    "profile.subject_invalid": lambda p: _("“{subject}” contains characters I can't use.").format(**p),
    "profile.subjects_empty": lambda p: _("Type at least one subject, for example: Maths, Physics."),
    "profile.subject_length": lambda p: _(
        "Each subject must be {min} to {max} characters long, and “{subject}” is not."
    ).format(**p),
    "profile.subjects_too_many": lambda p: ngettext(
        "You can list up to {max} subject.", "You can list up to {max} subjects.", int(p["max"])
    ).format(**p),
    "profile.rate_range": lambda p: _("The hourly rate must be between 0 and {max}.").format(
        max=_money(p, "max_minor")
    ),
    "profile.buffer_range": lambda p: _("The break must be between {min} and {max} minutes.").format(**p),
    "profile.notice_range": lambda p: _("The notice must be between {min} and {max} hours.").format(**p),
    "profile.number_invalid": lambda p: _("Type a whole number, for example 15."),
    "language.unsupported": lambda p: _("That language is not available."),
    "role.unknown": lambda p: _("That choice is not available."),
    "user.not_found": lambda p: _("I don't know you yet: send /start first."),
    "tutor.not_found": lambda p: _("This tutor does not exist or is no longer available."),
    "tutor_review.not_admin": lambda p: _("Only an admin can review tutors."),
    "tutor_review.already_done": lambda p: _("This tutor has already been reviewed."),
}


def error_text(error: DomainError) -> str:
    """The message for an error in the current locale; an unknown code still gets a clear sentence."""
    render = _MESSAGES.get(error.code)
    if render is None:
        return _("That did not work. Please try again, or send /help.")
    try:
        return render(error.params)
    except (KeyError, ValueError, TypeError):
        return _("That did not work. Please try again, or send /help.")


def known_error_codes() -> frozenset[str]:
    return frozenset(_MESSAGES)
