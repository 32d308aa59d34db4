"""Money: integer amounts in a currency's minor unit plus an ISO 4217 code. Never floats."""

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from core.errors import ValidationError

# Minor-unit digits per ISO 4217, for the currencies tutors may price in.
#
# Three-decimal currencies (BHD, JOD, KWD, OMR, TND) are left out on purpose: card processors (Stripe
# among them) only take amounts rounded to tens of their minor unit, so a price rounded to the fils by
# `price_for` could be refused at checkout.
#
# ISK is 0 here as in ISO 4217. Stripe's API still represents ISK with two decimals (always "00"), and
# it pays HUF and TWD out in whole units; the payment gateway converts, this table stays ISO.
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {
        # Two decimals.
        "AED": 2,
        "ARS": 2,
        "AUD": 2,
        "BGN": 2,
        "BRL": 2,
        "CAD": 2,
        "CHF": 2,
        "CNY": 2,
        "COP": 2,
        "CZK": 2,
        "DKK": 2,
        "EGP": 2,
        "EUR": 2,
        "GBP": 2,
        "HKD": 2,
        "HUF": 2,
        "IDR": 2,
        "ILS": 2,
        "INR": 2,
        "KES": 2,
        "MXN": 2,
        "MYR": 2,
        "NGN": 2,
        "NOK": 2,
        "NZD": 2,
        "PEN": 2,
        "PHP": 2,
        "PLN": 2,
        "QAR": 2,
        "RON": 2,
        "SAR": 2,
        "SEK": 2,
        "SGD": 2,
        "THB": 2,
        "TRY": 2,
        "TWD": 2,
        "UAH": 2,
        "USD": 2,
        "ZAR": 2,
        # No minor unit.
        "CLP": 0,
        "ISK": 0,
        "JPY": 0,
        "KRW": 0,
        "PYG": 0,
        "VND": 0,
        "XAF": 0,
        "XOF": 0,
    }
)
SUPPORTED_CURRENCIES: tuple[str, ...] = tuple(sorted(CURRENCY_EXPONENTS))

# Symbols a user may type next to an amount. A shared symbol such as "$" is fine: it only has to agree
# with the currency already chosen, never pick one.
_SYMBOLS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "AUD": ("A$", "AU$", "$"),
        "BRL": ("R$",),
        "CAD": ("CA$", "C$", "$"),
        "CHF": ("Fr.", "Fr"),
        "CLP": ("CLP$", "$"),
        "CNY": ("¥", "元"),
        "COP": ("COL$", "$"),
        "CZK": ("Kč",),
        "DKK": ("kr.", "kr"),
        "EUR": ("€",),
        "GBP": ("£",),
        "HKD": ("HK$", "$"),
        "ILS": ("₪",),
        "INR": ("₹", "Rs.", "Rs"),
        "JPY": ("¥", "円"),
        "KRW": ("₩", "원"),
        "MXN": ("MX$", "$"),
        "NGN": ("₦",),
        "NOK": ("kr",),
        "NZD": ("NZ$", "$"),
        "PHP": ("₱",),
        "PLN": ("zł",),
        "SEK": ("kr",),
        "SGD": ("S$", "$"),
        "THB": ("฿",),
        "TRY": ("₺", "TL"),
        "UAH": ("₴", "грн"),
        "USD": ("US$", "$"),
        "VND": ("₫",),
        "ZAR": ("R",),
    }
)

# Beyond this many integer digits an amount is a typo, and it keeps arithmetic on plain ints cheap.
_MAX_INTEGER_DIGITS = 12
_DIGITS = re.compile(r"[0-9]+")
_NUMBER_CHARS = re.compile(r"[0-9.,' ]+")
_COMMA_DECIMAL = re.compile(r"[0-9' ]*,[0-9]{1,2}")


def normalize_currency(text: str) -> str:
    """The ISO code for what a user typed ("eur" -> "EUR")."""
    stripped = text.strip()
    code = stripped.upper()
    if code not in CURRENCY_EXPONENTS:
        raise ValidationError("currency.unsupported", currency=stripped)
    return code


def minor_exponent(currency: str) -> int:
    """How many minor-unit digits `currency` has (2 for EUR, 0 for JPY)."""
    return CURRENCY_EXPONENTS[normalize_currency(currency)]


def parse_amount(text: str, currency: str) -> int:
    """A typed amount, in minor units of `currency`.

    Accepted: "30", "30.5", "30,50", "1 234.50", "1,234.50", "1.234,50", "1'234.50", with an optional
    symbol or code of that currency before or after ("€30", "30 EUR", "$ 30").

    Separators: when both "." and "," appear, the last one is the decimal mark and the other groups
    thousands. A lone "," is the decimal mark only when 1-2 digits follow it at the end ("30,50"); any
    other "," groups thousands ("1,234" = 1234). A single "." is always the decimal mark ("1.000" is one,
    too precise for every accepted currency, so it is refused rather than guessed), several group
    thousands. Spaces and apostrophes only group thousands. Groups hold three digits, or two before the
    last three as in India ("1,00,000").
    """
    code = normalize_currency(currency)
    exponent = CURRENCY_EXPONENTS[code]
    stripped = text.strip()
    # NFKC folds full-width digits and no-break spaces into their ASCII forms.
    folded = unicodedata.normalize("NFKC", stripped).replace("’", "'")
    number = _strip_currency_marker(folded, code)
    integer, fraction = _split_number(number)
    if integer is None or len(integer) > _MAX_INTEGER_DIGITS:
        raise ValidationError("money.invalid", text=stripped)
    if len(fraction) > exponent:
        raise ValidationError("money.too_precise", digits=exponent, currency=code)
    scale: int = 10**exponent
    return int(integer) * scale + int(fraction.ljust(exponent, "0") or "0")


def _strip_currency_marker(text: str, currency: str) -> str:
    markers = sorted((currency, *_SYMBOLS.get(currency, ())), key=len, reverse=True)
    upper = text.upper()
    for marker in markers:
        if upper.startswith(marker.upper()):
            return text[len(marker) :].strip()
    for marker in markers:
        if upper.endswith(marker.upper()):
            return text[: -len(marker)].strip()
    return text


def _split_number(text: str) -> tuple[str | None, str]:
    """(integer digits, fraction digits); None for the integer part when `text` is not a number."""
    text = re.sub(r"\s+", " ", text)
    if not _NUMBER_CHARS.fullmatch(text):
        return None, ""
    decimal_mark = _decimal_mark(text)
    if decimal_mark is None:
        integer_text, fraction = text, ""
    else:
        integer_text, _, fraction = text.rpartition(decimal_mark)
        if not _DIGITS.fullmatch(fraction):
            return None, ""
    return _ungroup(integer_text), fraction


def _decimal_mark(text: str) -> str | None:
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        mark = "." if text.rfind(".") > text.rfind(",") else ","
        return mark if text.count(mark) == 1 else None
    if has_dot:
        return "." if text.count(".") == 1 else None
    if has_comma and _COMMA_DECIMAL.fullmatch(text):
        return ","
    return None


def _ungroup(text: str) -> str | None:
    """The digits of an integer part, checking any thousands grouping; None when malformed."""
    if _DIGITS.fullmatch(text):
        return text
    separators = {char for char in text if not char.isdigit()}
    if len(separators) != 1:
        return None
    (separator,) = separators
    sep = re.escape(separator)
    # Western grouping by thousands, or Indian grouping (lakh, crore): "1,00,000".
    western = rf"[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+"
    indian = rf"[0-9]{{1,2}}(?:{sep}[0-9]{{2}})+{sep}[0-9]{{3}}"
    if not re.fullmatch(f"{western}|{indian}", text):
        return None
    return text.replace(separator, "")


def price_for(hourly_rate_minor: int, minutes: int) -> int:
    """`hourly_rate × minutes / 60`, rounded half-up to the minor unit."""
    if hourly_rate_minor < 0 or minutes < 0:
        raise ValueError("price_for takes a non-negative rate and duration")
    # Doubling turns "half or more" into a whole unit, so floor division rounds half-up exactly.
    return (hourly_rate_minor * minutes * 2 + 60) // 120


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """The amount in major units with exactly the currency's number of places (3000 EUR -> 30.00)."""
    return Decimal(amount_minor).scaleb(-minor_exponent(currency))
