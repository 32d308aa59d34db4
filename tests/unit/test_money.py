from decimal import Decimal

import pytest

from core.errors import ValidationError
from core.money import (
    CURRENCY_EXPONENTS,
    SUPPORTED_CURRENCIES,
    minor_exponent,
    normalize_currency,
    parse_amount,
    price_for,
    to_decimal,
)


def test_supported_currencies_are_sorted_iso_codes() -> None:
    assert list(SUPPORTED_CURRENCIES) == sorted(CURRENCY_EXPONENTS)
    for code in SUPPORTED_CURRENCIES:
        assert len(code) == 3
        assert code.isascii()
        assert code.isupper()


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [
        ("USD", 2),
        ("EUR", 2),
        ("GBP", 2),
        ("CHF", 2),
        ("HUF", 2),
        ("INR", 2),
        ("BRL", 2),
        ("TRY", 2),
        ("JPY", 0),
        ("KRW", 0),
        ("VND", 0),
        ("CLP", 0),
        ("XOF", 0),
        ("XAF", 0),
        ("ISK", 0),
    ],
)
def test_minor_exponent(currency: str, exponent: int) -> None:
    assert minor_exponent(currency) == exponent


@pytest.mark.parametrize(
    "currency",
    [
        "USD",
        "EUR",
        "GBP",
        "CAD",
        "AUD",
        "NZD",
        "CHF",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "INR",
        "SGD",
        "HKD",
        "BRL",
        "MXN",
        "ZAR",
        "AED",
        "ILS",
        "TRY",
        "JPY",
        "KRW",
        "VND",
        "CLP",
        "XOF",
        "XAF",
        "ISK",
    ],
)
def test_common_currencies_are_supported(currency: str) -> None:
    assert currency in SUPPORTED_CURRENCIES


@pytest.mark.parametrize("currency", ["BHD", "JOD", "KWD", "OMR", "TND"])
def test_three_decimal_currencies_are_not_supported(currency: str) -> None:
    assert currency not in CURRENCY_EXPONENTS
    with pytest.raises(ValidationError) as info:
        normalize_currency(currency)
    assert (info.value.code, info.value.params) == ("currency.unsupported", {"currency": currency})


@pytest.mark.parametrize(("text", "code"), [("EUR", "EUR"), ("eur", "EUR"), (" Usd ", "USD"), ("jpy", "JPY")])
def test_normalize_currency(text: str, code: str) -> None:
    assert normalize_currency(text) == code


@pytest.mark.parametrize(
    ("text", "currency"),
    [("", ""), ("  ", ""), ("EURO", "EURO"), ("€", "€"), (" xyz ", "xyz"), ("BHD", "BHD"), ("US D", "US D")],
)
def test_normalize_currency_rejects(text: str, currency: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_currency(text)
    assert (info.value.code, info.value.params) == ("currency.unsupported", {"currency": currency})


def test_minor_exponent_rejects_unknown_currencies() -> None:
    with pytest.raises(ValidationError) as info:
        minor_exponent("KWD")
    assert (info.value.code, info.value.params) == ("currency.unsupported", {"currency": "KWD"})


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("30", "EUR", 3000),
        ("30.5", "EUR", 3050),
        ("30.50", "EUR", 3050),
        ("30,50", "EUR", 3050),
        ("30,5", "EUR", 3050),
        ("0", "EUR", 0),
        ("0.00", "EUR", 0),
        ("007", "EUR", 700),
        ("  30  ", "EUR", 3000),
        ("1 234.50", "EUR", 123450),
        ("1 234,50", "EUR", 123450),
        ("1\u00a0234,50", "EUR", 123450),
        ("1\u202f234,50", "EUR", 123450),
        ("1,234.50", "EUR", 123450),
        ("1.234,50", "EUR", 123450),
        ("1.234.567", "EUR", 123456700),
        ("1,234", "EUR", 123400),
        ("1,234,567.89", "EUR", 123456789),
        ("1'234.50", "CHF", 123450),
        ("1’234.50", "CHF", 123450),
        ("1,00,000", "INR", 10000000),
        ("€30", "EUR", 3000),
        ("€ 30", "EUR", 3000),
        ("30€", "EUR", 3000),
        ("30 €", "EUR", 3000),
        ("30 EUR", "EUR", 3000),
        ("30 eur", "EUR", 3000),
        ("EUR 30,50", "EUR", 3050),
        ("３０", "EUR", 3000),
        ("30", "usd", 3000),
        ("$30", "USD", 3000),
        ("$ 30", "USD", 3000),
        ("US$30", "USD", 3000),
        ("30 USD", "USD", 3000),
        ("$1,234.56", "USD", 123456),
        ("0.01", "USD", 1),
        ("$30", "CAD", 3000),
        ("£45", "GBP", 4500),
        ("R$ 80,00", "BRL", 8000),
        ("₹500", "INR", 50000),
        ("5000", "JPY", 5000),
        ("5,000", "JPY", 5000),
        ("5 000", "JPY", 5000),
        ("¥5000", "JPY", 5000),
        ("5000円", "JPY", 5000),
        ("5000 JPY", "JPY", 5000),
        ("0", "JPY", 0),
        ("1000", "ISK", 1000),
    ],
)
def test_parse_amount_accepts(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency", "shown"),
    [
        ("", "EUR", ""),
        ("   ", "EUR", ""),
        ("abc", "EUR", "abc"),
        ("thirty", "EUR", "thirty"),
        ("-30", "EUR", "-30"),
        ("−30", "EUR", "−30"),
        ("+30", "EUR", "+30"),
        ("€-30", "EUR", "€-30"),
        ("NaN", "EUR", "NaN"),
        ("inf", "EUR", "inf"),
        ("Infinity", "EUR", "Infinity"),
        ("1e3", "EUR", "1e3"),
        ("1E3", "EUR", "1E3"),
        ("0x1F", "EUR", "0x1F"),
        ("30.", "EUR", "30."),
        (".5", "EUR", ".5"),
        ("30..5", "EUR", "30..5"),
        ("30,,5", "EUR", "30,,5"),
        ("1,2345", "EUR", "1,2345"),
        ("1 23", "EUR", "1 23"),
        ("1.234.5", "EUR", "1.234.5"),
        ("1,234,5", "EUR", "1,234,5"),
        ("1.234,567.5", "EUR", "1.234,567.5"),
        ("1 234,567.50", "EUR", "1 234,567.50"),
        ("1234,567", "EUR", "1234,567"),
        ("30 50", "EUR", "30 50"),
        ("€€30", "EUR", "€€30"),
        ("30 USD", "EUR", "30 USD"),
        ("$30", "EUR", "$30"),
        ("€30", "USD", "€30"),
        ("30 EUR", "USD", "30 EUR"),
        ("€30", "JPY", "€30"),
        ("1000000000000", "EUR", "1000000000000"),
        ("30\x00", "EUR", "30\x00"),
    ],
)
def test_parse_amount_rejects_garbage(text: str, currency: str, shown: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount(text, currency)
    assert (info.value.code, info.value.params) == ("money.invalid", {"text": shown})


@pytest.mark.parametrize(
    ("text", "currency", "digits"),
    [
        ("30.505", "EUR", 2),
        ("1.234,505", "EUR", 2),
        ("30.500", "EUR", 2),
        ("1.000", "EUR", 2),
        ("0.001", "USD", 2),
        ("100.5", "JPY", 0),
        ("100.0", "JPY", 0),
        ("100,5", "JPY", 0),
        ("5,000.50", "JPY", 0),
        ("1.000", "JPY", 0),
        ("10.5", "ISK", 0),
    ],
)
def test_parse_amount_rejects_more_decimals_than_the_currency_has(text: str, currency: str, digits: int) -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount(text, currency)
    assert (info.value.code, info.value.params) == (
        "money.too_precise",
        {"digits": digits, "currency": currency},
    )


def test_parse_amount_rejects_unknown_currencies() -> None:
    with pytest.raises(ValidationError) as info:
        parse_amount("30", "XYZ")
    assert (info.value.code, info.value.params) == ("currency.unsupported", {"currency": "XYZ"})


@pytest.mark.parametrize(
    ("rate", "minutes", "price"),
    [
        # Spec 002, Payment Model: 30 min @ 60.00/h = 30.00, 90 min @ 60.00/h = 90.00.
        (6000, 30, 3000),
        (6000, 90, 9000),
        (6000, 60, 6000),
        (6000, 45, 4500),
        (6000, 0, 0),
        (0, 60, 0),
        # 10.01/h for 20 min = 3.3366... -> 3.34
        (1001, 20, 334),
        # 10.01/h for 10 min = 1.6683... -> 1.67
        (1001, 10, 167),
        # 10.00/h for 25 min = 4.1666... -> 4.17
        (1000, 25, 417),
        # 10.01/h for 5 min = 0.83416... -> 0.83 (below half rounds down)
        (1001, 5, 83),
        # Exact halves round up: 10.01/h for 30 min = 5.005 -> 5.01; 0.03/h for 10 min = 0.005 -> 0.01.
        (1001, 30, 501),
        (3, 10, 1),
        (1, 30, 1),
        # Just below a half: 0.02/h for 14 min = 0.00466 -> 0.00
        (2, 14, 0),
        # JPY has no minor unit: 5000/h for 45 min = 3750; 1001/h for 20 min = 333.67 -> 334.
        (5000, 45, 3750),
        (5000, 50, 4167),
        (1001, 20, 334),
        # Large values stay exact in integer arithmetic.
        (1_000_000, 600, 10_000_000),
    ],
)
def test_price_for(rate: int, minutes: int, price: int) -> None:
    assert price_for(rate, minutes) == price


@pytest.mark.parametrize(("rate", "minutes"), [(-1, 30), (6000, -30), (-6000, -30)])
def test_price_for_rejects_negative_inputs(rate: int, minutes: int) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        price_for(rate, minutes)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (3000, "EUR", "30.00"),
        (3050, "EUR", "30.50"),
        (5, "USD", "0.05"),
        (0, "USD", "0.00"),
        (123456789, "EUR", "1234567.89"),
        (3750, "JPY", "3750"),
        (0, "JPY", "0"),
        (1000, "isk", "1000"),
    ],
)
def test_to_decimal(amount: int, currency: str, expected: str) -> None:
    value = to_decimal(amount, currency)
    assert isinstance(value, Decimal)
    assert str(value) == expected
    assert value.as_tuple().exponent == -minor_exponent(currency)
