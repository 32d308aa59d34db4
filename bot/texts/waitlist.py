"""How the waitlist's messages read: a seat held for the person, with its Book button, and a hold that
ran out. Registered with the other renderers."""

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import ClaimSeat, DeclineSeat, LeaveWaitlist
from bot.texts.notifications import RenderContext, Rendered, renders
from core.enums import WaitlistStatus
from core.notifications import WaitlistMissed, WaitlistOffer
from core.usecases.waitlist import Place
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
        when=ctx.at(p.session.starts_at, p.session),
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
    when = ctx.at(p.session.starts_at, p.session)
    return Rendered(
        _("⌛ The seat held for you ({when} with {tutor}) went to the next person waiting.").format(
            when=when, tutor=p.session.tutor_name
        )
    )


def waitlist_screen(places: list[Place], zone: str) -> tuple[str, InlineKeyboardMarkup]:
    """The person's places in queues (at most core.waitlist.MAX_WAITING), with a seat held for them first
    to book, and each to leave."""
    locale = get_i18n().current_locale
    lines, rows = [_("🔔 Your waitlists:")], []
    for place in places:
        when = fmt_datetime(place.slot.starts_at, zone, locale)
        line = f"🗓 {when} · {place.tutor.display_name}"
        if place.entry.offer_expires_at is not None and place.entry.status is WaitlistStatus.OFFERED:
            until = fmt_time_zoned(place.entry.offer_expires_at, zone, locale)
            line += "\n   " + _("a seat is held for you until {until}").format(until=until)
            book = ClaimSeat(entry_id=place.entry.id).pack()
            rows.append([InlineKeyboardButton(text=_("✅ Book it: {when}").format(when=when), callback_data=book)])
        lines.append(line)
        leave = LeaveWaitlist(entry_id=place.entry.id).pack()
        rows.append(
            [InlineKeyboardButton(text=_("✖️ Leave the waitlist: {when}").format(when=when), callback_data=leave)]
        )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)
