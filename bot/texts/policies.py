"""How a tutor's cancellation policy reads ("full refund up to 24 hours before the start; 50% back up to 2
hours before; nothing after"), and what a student is told comes back when they cancel."""

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from core.refund_policy import RefundPolicy, RefundTier
from core.usecases.cancellations import CancelQuote
from l10n.formatting import fmt_datetime, fmt_money


def _tier_text(tier: RefundTier) -> str:
    hours = tier.hours_before
    if tier.percent == 100:
        if hours == 0:
            return _("full refund until the start")
        return ngettext(
            "full refund up to {n} hour before the start", "full refund up to {n} hours before the start", hours
        ).format(n=hours)
    if hours == 0:
        return _("{percent}% back until the start").format(percent=tier.percent)
    return ngettext(
        "{percent}% back up to {n} hour before the start", "{percent}% back up to {n} hours before the start", hours
    ).format(percent=tier.percent, n=hours)


def policy_text(policy: RefundPolicy) -> str:
    parts = [_tier_text(tier) for tier in policy.tiers]
    if policy.tiers[-1].hours_before > 0:
        parts.append(_("nothing after"))
    return "; ".join(parts)


def cancel_question(quote: CancelQuote, when: str, zone: str) -> str:
    """The question before a student cancels, saying exactly what comes back (and when that would drop)."""
    booking, locale = quote.booking, get_i18n().current_locale
    tutor = booking.tutor.display_name
    head = _("Cancel your session of {when} with {tutor}?").format(when=when, tutor=tutor)
    amount = fmt_money(quote.refund_minor, quote.currency, locale)
    if quote.paid_with_credit:
        back = (
            _("The lesson goes back to your package.")
            if quote.credit_back
            else _("Under {tutor}'s policy the lesson's credit is not given back ({percent}% now).").format(
                tutor=tutor, percent=quote.percent
            )
        )
    elif quote.paid_minor == 0:
        back = ""
    elif quote.percent == 100:
        back = _("You will get {amount} back.").format(amount=amount)
    elif quote.refund_minor:
        back = _("You will get {amount} of {paid} back ({percent}%), under {tutor}'s policy.").format(
            amount=amount, percent=quote.percent, paid=fmt_money(quote.paid_minor, quote.currency, locale), tutor=tutor
        )
    else:
        back = _("Nothing comes back: under {tutor}'s policy it is too late for a refund.").format(tutor=tutor)
    lines = [f"{head} {back}" if back else head]
    if quote.next_drop is not None and (quote.paid_minor or quote.paid_with_credit):
        deadline, lower = quote.next_drop
        lines.append(
            _("(After {time}, {percent}% would come back.)").format(
                time=fmt_datetime(deadline, zone, locale), percent=lower
            )
        )
    return "\n".join(lines)
