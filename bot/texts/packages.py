"""How packages and what is left of them read: in lists, on buttons, and in /mybookings."""

from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.telegram_limits import BUTTON_TEXT_BYTES, shorten_bytes
from bot.texts.periods import period
from core.enums import SessionType
from core.packages import Balance, Package, PackageSpec
from l10n.formatting import fmt_date, fmt_money

# A button's text is at most 64 bytes, and the dialog puts "📦 " before this one.
_BUTTON_NAME_BYTES = BUTTON_TEXT_BYTES - len("📦 ".encode())


def _locale() -> str:
    return get_i18n().current_locale


def _length(package: Package | PackageSpec) -> str:
    if package.any_length:
        return _("up to {n} min").format(n=package.lesson_minutes)
    return _("{n} min").format(n=package.lesson_minutes)


def package_line(package: Package | PackageSpec) -> str:
    """ "• Ten hours: 10 lessons of 60 min (1-to-1) for €540.00, valid 90 days"."""
    kind = _("1-to-1") if package.session_type is SessionType.ONE_TO_ONE else _("group")
    return "• " + ngettext(
        "{name}: {n} lesson of {length} ({kind}) for {price}, valid {period}",
        "{name}: {n} lessons of {length} ({kind}) for {price}, valid {period}",
        package.lessons,
    ).format(
        name=package.name,
        n=package.lessons,
        length=_length(package),
        kind=kind,
        price=fmt_money(package.price_minor, package.currency, _locale()),
        period=period(package.validity_days),
    )


def package_choice(package: Package) -> str:
    """The buy button: "Ten hours · €540.00", the name shortened so that the price always shows."""
    price = " · " + fmt_money(package.price_minor, package.currency, _locale())
    return shorten_bytes(package.name, _BUTTON_NAME_BYTES - len(price.encode())) + price


def credit_button(balance: Balance) -> str:
    """ "🎟 Use 1 credit (7 left)"."""
    return ngettext("🎟 Use 1 credit ({n} left)", "🎟 Use 1 credit ({n} left)", balance.left).format(n=balance.left)


def balance_line(balance: Balance, zone: str) -> str:
    """ "📦 Ten hours: 7 of 10 lessons left, valid until 3 March 2026"."""
    purchase = balance.purchase
    assert purchase.expires_at is not None
    return "📦 " + ngettext(
        "{name}: {left} of {n} lesson left, valid until {date}",
        "{name}: {left} of {n} lessons left, valid until {date}",
        purchase.lessons,
    ).format(
        name=purchase.name, left=balance.left, n=purchase.lessons, date=fmt_date(purchase.expires_at, zone, _locale())
    )


def refund_button(balance: Balance) -> str:
    """ "💸 Refund unused: Ten hours", the name shortened to fit a button."""
    label = _("💸 Refund unused: {name}")
    room = BUTTON_TEXT_BYTES - len(label.format(name="").encode())
    return label.format(name=shorten_bytes(balance.purchase.name, room))


def refund_share(credits: int, lessons: int, amount_minor: int, currency: str) -> str:
    """ "7 unused lessons of 10: €378.00"."""
    return ngettext(
        "{n} unused lesson of {total}: {amount}", "{n} unused lessons of {total}: {amount}", credits
    ).format(n=credits, total=lessons, amount=fmt_money(amount_minor, currency, _locale()))
