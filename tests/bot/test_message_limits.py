"""Every error and every notification fits Telegram's limits as written, with its largest values, in
every language: the exit middleware's shortening is a guarantee, never the way a message is meant to read."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.button_values import MAX_RECORD_ID
from bot.telegram_limits import (
    BUTTON_TEXT_BYTES,
    CALLBACK_ANSWER_LIMIT,
    CALLBACK_DATA_BYTES,
    CAPTION_LIMIT,
    TEXT_LIMIT,
    utf16_length,
)
from bot.texts.errors import error_text, known_error_codes
from bot.texts.notifications import RENDERERS, RenderContext, render
from core.availability import MAX_SESSION_MINUTES
from core.bookings import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from core.entities import User
from core.enums import SessionType
from core.errors import DomainError
from core.files import ALLOWED_EXTENSIONS
from core.languages import SUPPORTED_LANGUAGES
from core.notifications import message_of
from core.packages import MAX_LESSONS
from core.packages import NAME_MAX_LENGTH as PACKAGE_NAME_MAX_LENGTH
from core.reviews import COMMENT_MAX_LENGTH
from core.session_notes import HOMEWORK_MAX_LENGTH, MAX_NOTE_FILES, NOTES_MAX_LENGTH
from core.tutor_profile_rules import NAME_MAX_LENGTH, SUBJECT_MAX_LENGTH, SUBJECTS_MAX_COUNT
from core.usecases.room import CHAT_MAX_LENGTH
from integrations.calendar import IcsCalendarFiles
from l10n.catalogs import build_i18n

# The longest zone names there are, and the widest values each parameter can take.
LONG_ZONE = "America/Argentina/ComodRivadavia"
TYPED = "W" * 4096  # what a person can type in one message
BIG_ID = MAX_RECORD_ID
START = datetime(2026, 12, 31, 23, 55, tzinfo=UTC)
END = datetime(2027, 1, 1, 3, 55, tzinfo=UTC)

ERROR_PARAMS: dict[str, Any] = {
    "text": TYPED,
    "subject": TYPED,
    "currency": TYPED,
    "extension": TYPED,
    "local": "2026-03-29 02:30",
    "zone": LONG_ZONE,
    "digits": 3,
    "min": 99_999,
    "max": 99_999,
    "low": 99_999,
    "high": 99_999,
    "step": 99_999,
    "minutes": 99_999,
    "booked": 99_999,
    "hours": 99_999,
    "max_mb": 99_999,
    "max_minor": 10**14,
    "allowed": ", ".join(sorted(ALLOWED_EXTENSIONS)),
    "conflict_start": START,
    "conflict_end": END,
    "until": START,
    "deadline": START,
    "opens": START,
    "day": date(2026, 9, 30),
    "last_day": date(2026, 9, 30),
    "days": 365,
    "tutor": "Ш" * NAME_MAX_LENGTH,
    "max_tiers": 99,
    "max_hours": 99_999,
}
# Currency is also a parameter that names a real currency for amounts.
MONEY_CODES = {"profile.rate_range"}
# Answers to a sent file only, never to a button: a message, not an alert.
MESSAGE_ONLY_CODES = {"file.type"}
# Errors that quote what the person typed.
QUOTED_CODES = {
    "timezone.unknown",
    "currency.unsupported",
    "money.invalid",
    "profile.subject_invalid",
    "profile.subject_length",
    "time.invalid",
    "duration.invalid",
    "slot.seats_invalid",
    "file.type",
}


def _error(code: str) -> DomainError:
    params = dict(ERROR_PARAMS)
    if code in MONEY_CODES:
        params["currency"] = "EUR"
    return DomainError(code, **params)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("code", sorted(known_error_codes()))
def test_every_error_fits_an_alert_whatever_was_typed(code: str, language: str) -> None:
    i18n = build_i18n("en")
    with i18n.use_locale(language), i18n.context():
        text = error_text(_error(code), LONG_ZONE)
    # An error answers a button press as an alert too, where Telegram takes 200 characters.
    limit = TEXT_LIMIT if code in MESSAGE_ONLY_CODES else CALLBACK_ANSWER_LIMIT
    assert utf16_length(text) <= limit, f"{code} in {language}: {utf16_length(text)}: {text}"
    if code in QUOTED_CODES:
        assert "…" in text, f"{code}: what was typed is not shortened: {text}"
    assert "That did not work" not in text and "Cela n" not in text, f"{code} failed to render: {text}"


def _maximal_payload() -> dict[str, Any]:
    wide_name = "Ш" * NAME_MAX_LENGTH
    return {
        "participant_id": BIG_ID,
        "session_id": BIG_ID,
        "tutor_id": BIG_ID,
        "tutor_user_id": 9_999_999_999,
        "user_id": 9_999_999_999,
        "tutor_name": wide_name,
        "display_name": wide_name,
        "student_name": "Щ" * 64,  # Telegram's first names are up to 64 characters
        "uploader_name": "Щ" * 64,
        "sender_name": "Щ" * 64,
        # The longest chat message the core lets through: emoji count twice, as in Telegram's lengths.
        "text": "😀" * (CHAT_MAX_LENGTH // 2),
        "username": "u" * 32,
        "tutor_zone": LONG_ZONE,
        "timezone": LONG_ZONE,
        "subjects": ["S" * SUBJECT_MAX_LENGTH] * SUBJECTS_MAX_COUNT,
        "starts_at": START.isoformat(),
        "ends_at": END.isoformat(),
        "deadline": START.isoformat(),
        "minutes": MAX_SESSION_MINUTES,
        "minutes_before": 10_080,
        "lasted": MAX_SESSION_MINUTES,
        "session_type": SessionType.GROUP.value,
        "capacity": 20,
        "seats_taken": 20,
        "amount_minor": 10**12,
        "refund_minor": 10**12,
        "hourly_rate_minor": 10**6,
        "currency": "EUR",
        "hold_expires_at": START.isoformat(),
        "checkout_url": "https://checkout.stripe.com/c/pay/" + "x" * 400,
        "join_url": "https://bot.example.com/join/" + "x" * 400,
        "note": "N" * NOTE_MAX_LENGTH,
        "reason": "R" * REASON_MAX_LENGTH,
        "file_id": "F" * 120,
        "file_name": "n" * 196 + ".pdf",
        "late": True,
        "live": True,
        "cancellable": True,
        "session_closed": False,
        "was_booked": True,
        "credit_back": True,
        "attended": ["Щ" * 64] * 20,
        "absent": True,
        "refunds": 20,
        "role": "tutor",
        "package_name": "Ш" * PACKAGE_NAME_MAX_LENGTH,
        "lessons": MAX_LESSONS,
        "unused": MAX_LESSONS,
        "credits": MAX_LESSONS,
        "refund_id": BIG_ID,
        "booked_by_name": "Щ" * 64,
        "course_id": BIG_ID,
        "course_title": "Ш" * PACKAGE_NAME_MAX_LENGTH,
        "sessions": MAX_LESSONS,
        "left": MAX_LESSONS,
        "expires_at": END.isoformat(),
        "note_id": BIG_ID,
        "review_id": BIG_ID,
        "notes": "Щ" * NOTES_MAX_LENGTH,
        "homework": "Щ" * HOMEWORK_MAX_LENGTH,
        "homework_due_at": END.isoformat(),
        "due_at": END.isoformat(),
        "file_ids": [BIG_ID] * MAX_NOTE_FILES,
        "file_names": ["n" * 196 + ".pdf"] * MAX_NOTE_FILES,
        "updated": True,
        "stars": 5,
        "comment": "Щ" * COMMENT_MAX_LENGTH,
        "low_reviews": 10**6,
        "entry_id": BIG_ID,
        "was_starts_at": START.isoformat(),
        "proposal_id": BIG_ID,
        "to_starts_at": END.isoformat(),
        "answer_by": START.isoformat(),
        "hold_until": END.isoformat(),
        "days": 365,
    }


def _check_keyboard(kind: str, keyboard: InlineKeyboardMarkup | None) -> None:
    for row in keyboard.inline_keyboard if keyboard else []:
        for button in row:
            assert len(button.text.encode()) <= BUTTON_TEXT_BYTES, f"{kind}: button {button.text!r}"
            if button.callback_data is not None:
                assert len(button.callback_data.encode()) <= CALLBACK_DATA_BYTES, f"{kind}: {button.callback_data}"


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", sorted(RENDERERS))
@pytest.mark.parametrize("role", ["student", "tutor"])
def test_every_notification_fits_with_its_largest_values(kind: str, language: str, role: str) -> None:
    i18n = build_i18n("en")
    recipient = User(
        id=9_999_999_999,
        first_name="Щ" * 64,
        language=language,
        timezone=LONG_ZONE,
        created_at=START,
        updated_at=START,
    )
    context = RenderContext(
        recipient=recipient, calendar=IcsCalendarFiles(), now=START, bot_url="https://t.me/" + "b" * 32
    )
    payload = {**_maximal_payload(), "role": role}
    with i18n.use_locale(language), i18n.context():
        rendered = render(message_of(kind, payload), context)
    limit = CAPTION_LIMIT if rendered.document is not None or rendered.document_id is not None else TEXT_LIMIT
    assert utf16_length(rendered.text) <= limit, f"{kind} in {language}: {utf16_length(rendered.text)} > {limit}"
    _check_keyboard(kind, rendered.keyboard)
