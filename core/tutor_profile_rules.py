"""Input rules for a tutor's profile: display name, subjects, hourly rate, buffer and cancellation notice.

The limits are module constants so the UI can quote them in prompts and error messages.
"""

import re
import unicodedata

from core.errors import ValidationError
from core.money import minor_exponent, normalize_currency
from core.text import is_clean_text

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 64

SUBJECT_MIN_LENGTH = 2
SUBJECT_MAX_LENGTH = 40
SUBJECTS_MAX_COUNT = 10

# In major units, so the bound means the same to a tutor in every currency; 0 allows free lessons.
RATE_MAX_MAJOR = 10_000

BUFFER_CHOICES_MINUTES = (0, 5, 10, 15, 20, 30, 45, 60)
DEFAULT_BUFFER_MINUTES = 15
BUFFER_MIN_MINUTES = 0
BUFFER_MAX_MINUTES = 120

# 0 means a student may cancel any time before the start (spec 002: no deadline in phase 1).
NOTICE_CHOICES_HOURS = (0, 1, 2, 6, 12, 24, 48)
DEFAULT_NOTICE_HOURS = 0
NOTICE_MIN_HOURS = 0
NOTICE_MAX_HOURS = 168

# How long before a start students may still book: choices in minutes, up to a week.
BOOKING_NOTICE_CHOICES_MINUTES = (0, 30, 60, 120, 360, 720, 1440, 2880)
BOOKING_NOTICE_MAX_MINUTES = 7 * 24 * 60
# "2h", "2 h", "90 min", "1h30"; a bare number is hours.
_DURATION = re.compile(
    r"(-?[0-9]{1,5})\s*(h|hr|hrs|hours?|heures?|m|min|mins|minutes?)?\s*(?:([0-9]{1,2})\s*(?:m|min)?)?",
    re.IGNORECASE,
)

# Commas and semicolons in their Latin, full-width, ideographic and Arabic forms, and line breaks.
_SUBJECT_SEPARATORS = re.compile(r"[,;\n\r，；、،؛]")
# Digits, then an optional unit; a leading minus is read so that "-5" reports the range, not a typo.
_MINUTES = re.compile(r"(-?[0-9]{1,6})\s*(?:m|min|mins|minute|minutes)?", re.IGNORECASE)
_HOURS = re.compile(r"(-?[0-9]{1,6})\s*(?:h|hr|hrs|hour|hours)?", re.IGNORECASE)


def clean_display_name(text: str) -> str:
    """The name with whitespace trimmed and collapsed; it must contain a letter."""
    name = _collapse(text)
    if not _is_clean(name):
        raise ValidationError("profile.name_invalid")
    if not NAME_MIN_LENGTH <= len(name) <= NAME_MAX_LENGTH:
        raise ValidationError("profile.name_length", min=NAME_MIN_LENGTH, max=NAME_MAX_LENGTH)
    # Punctuation or emoji alone is not a name students can address.
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise ValidationError("profile.name_invalid")
    return name


def parse_subjects(text: str) -> list[str]:
    """Subjects from a comma-, semicolon- or line-separated list, first spelling kept for duplicates."""
    subjects: list[str] = []
    seen: set[str] = set()
    for part in _SUBJECT_SEPARATORS.split(text):
        subject = _collapse(part)
        if not subject:
            continue
        if not _is_clean(subject):
            raise ValidationError("profile.subject_invalid", subject=subject)
        if not SUBJECT_MIN_LENGTH <= len(subject) <= SUBJECT_MAX_LENGTH:
            raise ValidationError(
                "profile.subject_length", subject=subject, min=SUBJECT_MIN_LENGTH, max=SUBJECT_MAX_LENGTH
            )
        key = subject.casefold()
        if key not in seen:
            seen.add(key)
            subjects.append(subject)
    if not subjects:
        raise ValidationError("profile.subjects_empty")
    if len(subjects) > SUBJECTS_MAX_COUNT:
        raise ValidationError("profile.subjects_too_many", max=SUBJECTS_MAX_COUNT)
    return subjects


def rate_max_minor(currency: str) -> int:
    """The highest hourly rate in minor units of `currency`."""
    scale: int = 10 ** minor_exponent(currency)
    return RATE_MAX_MAJOR * scale


def check_hourly_rate(amount_minor: int, currency: str) -> int:
    """The rate itself when it lies between 0 and RATE_MAX_MAJOR major units."""
    code = normalize_currency(currency)
    max_minor = rate_max_minor(code)
    if not 0 <= amount_minor <= max_minor:
        raise ValidationError("profile.rate_range", max_minor=max_minor, currency=code)
    return amount_minor


def parse_buffer_minutes(text: str) -> int:
    """Minutes kept free between two sessions: "15", "15 min", "15m"."""
    minutes = _parse_number(text, _MINUTES)
    if not BUFFER_MIN_MINUTES <= minutes <= BUFFER_MAX_MINUTES:
        raise ValidationError("profile.buffer_range", min=BUFFER_MIN_MINUTES, max=BUFFER_MAX_MINUTES)
    return minutes


def parse_notice_hours(text: str) -> int:
    """Hours before the start after which a student can no longer cancel: "24", "24h", "24 h"."""
    hours = _parse_number(text, _HOURS)
    if not NOTICE_MIN_HOURS <= hours <= NOTICE_MAX_HOURS:
        raise ValidationError("profile.notice_range", min=NOTICE_MIN_HOURS, max=NOTICE_MAX_HOURS)
    return hours


def parse_booking_notice(text: str) -> int:
    """Minutes before a start after which it can no longer be booked: "2h", "90 min", "1h30", "2"."""
    stripped = text.strip()
    match = _DURATION.fullmatch(unicodedata.normalize("NFKC", stripped))
    if match is None:
        raise ValidationError("profile.number_invalid", text=stripped)
    amount, unit, extra = int(match.group(1)), (match.group(2) or "h").lower(), match.group(3)
    in_minutes = unit.startswith("m") and not unit.startswith("h")
    if in_minutes and extra is not None:
        raise ValidationError("profile.number_invalid", text=stripped)
    minutes = amount if in_minutes else amount * 60 + int(extra or 0)
    if not 0 <= minutes <= BOOKING_NOTICE_MAX_MINUTES:
        raise ValidationError("profile.booking_notice_range", max_hours=BOOKING_NOTICE_MAX_MINUTES // 60)
    return minutes


def _parse_number(text: str, pattern: re.Pattern[str]) -> int:
    stripped = text.strip()
    # NFKC folds full-width digits, which phone keyboards in East Asia produce.
    match = pattern.fullmatch(unicodedata.normalize("NFKC", stripped))
    if match is None:
        raise ValidationError("profile.number_invalid", text=stripped)
    return int(match.group(1))


def _collapse(text: str) -> str:
    # NFC first so that a letter and its combining accent count as one character.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_clean(text: str) -> bool:
    return is_clean_text(text)
