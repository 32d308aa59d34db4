"""How the waitlist's messages read: a seat held for the person, with its Book button, and a hold that
ran out. Registered with the other renderers."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ClaimSeat, DeclineSeat
from bot.texts.notifications import RenderContext, Rendered, renders
from core.notifications import WaitlistMissed, WaitlistOffer
from l10n.formatting import fmt_datetime, fmt_money, fmt_time_zoned


@renders(WaitlistOffer)
def _offer(p: WaitlistOffer, ctx: RenderContext) -> Rendered:
    locale = get_i18n().current_locale
    zone = ctx.zone or p.session.tutor_zone
    price = _("free of charge") if p.amount_minor == 0 else fmt_money(p.amount_minor, p.session.currency, locale)
    text = _(
        "🔔 A seat is free: {when} with {tutor} ({price}). It is held for you until {until}; after that it goes "
        "to the next person waiting."
    ).format(
        when=fmt_datetime(p.session.starts_at, zone, locale),
        tutor=p.session.tutor_name,
        price=price,
        until=fmt_time_zoned(p.hold_until, zone, locale),
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=_("✅ Book it"), callback_data=ClaimSeat(entry_id=p.entry_id).pack()),
                InlineKeyboardButton(text=_("No, thanks"), callback_data=DeclineSeat(entry_id=p.entry_id).pack()),
            ]
        ]
    )
    return Rendered(text, keyboard)


@renders(WaitlistMissed)
def _missed(p: WaitlistMissed, ctx: RenderContext) -> Rendered:
    when = fmt_datetime(p.session.starts_at, ctx.zone or p.session.tutor_zone, get_i18n().current_locale)
    return Rendered(
        _("⌛ The seat held for you ({when} with {tutor}) went to the next person waiting.").format(
            when=when, tutor=p.session.tutor_name
        )
    )
