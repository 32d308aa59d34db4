"""The screens after a lesson at their largest fit one Telegram message and one keyboard in every
language: a tutor's reviews with the longest comments, a parent's history of twenty lessons with the
longest names and homework; and a tutor's figures read as people expect ("★ 4.8 · 23 reviews")."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.handlers.history import history_screen
from bot.handlers.reviews import reviews_screen
from bot.telegram_limits import CALLBACK_DATA_BYTES, TEXT_LIMIT, utf16_length
from bot.texts.reviews import rating_label, reviews_block
from core.enums import ParticipantStatus, SessionStatus
from core.languages import SUPPORTED_LANGUAGES
from core.reviews import COMMENT_MAX_LENGTH, Rating, Review
from core.session_notes import HOMEWORK_MAX_LENGTH, NOTES_MAX_LENGTH, SessionNote
from core.usecases.history import MAX_ENTRIES, HistoryEntry
from core.usecases.reviews import MAX_REVIEWS_SHOWN, TutorReviews
from l10n.catalogs import build_i18n
from tests.bot.test_my_bookings_screen import CHILD, LONG_ZONE, NOW, _booking, _tutor

KEYBOARD_BUTTONS = 100


def _review(index: int, *, reported: bool = False) -> Review:
    return Review(
        id=10**9 + index,
        participant_id=index,
        session_id=index,
        tutor_id=1,
        student_id=CHILD,
        stars=1 + index % 5,
        comment="😀" * (COMMENT_MAX_LENGTH // 2),
        created_at=NOW,
        updated_at=NOW - timedelta(days=index),
        reported_at=NOW if reported else None,
    )


def _check(text: str, rows: list[list[object]]) -> None:
    assert utf16_length(text) <= TEXT_LIMIT, utf16_length(text)
    flat = [button for row in rows for button in row]
    assert len(flat) <= KEYBOARD_BUTTONS
    for button in flat:
        data = getattr(button, "callback_data", None)
        assert data is None or len(data.encode()) <= CALLBACK_DATA_BYTES


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_tutors_longest_reviews_fit_with_a_report_button_per_unreported_comment(language: str) -> None:
    reviews = [_review(i, reported=i % 3 == 0) for i in range(MAX_REVIEWS_SHOWN)]
    i18n = build_i18n("en")
    with i18n.use_locale(language), i18n.context():
        text, keyboard = reviews_screen(TutorReviews(_tutor(), Rating(10**6, 4.56), reviews), LONG_ZONE, language)
    assert keyboard is not None
    _check(text, keyboard.inline_keyboard)  # type: ignore[arg-type]
    assert len(keyboard.inline_keyboard) == len([r for r in reviews if r.reported_at is None])


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_parents_longest_history_fits_and_counts_what_did_not(language: str) -> None:
    entries = []
    for i in range(MAX_ENTRIES):
        booking = _booking(i, NOW - timedelta(days=i + 1), ParticipantStatus.BOOKED, SessionStatus.COMPLETED)
        note = SessionNote(
            id=10**9 + i,
            participant_id=booking.participant.id,
            session_id=booking.session.id,
            tutor_id=1,
            student_id=booking.participant.user_id,
            notes="Щ" * NOTES_MAX_LENGTH,
            homework="Щ" * HOMEWORK_MAX_LENGTH,
            homework_due_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        entries.append(HistoryEntry(booking, note, _review(i)))
    children = {CHILD + i: "Щ" * 64 for i in range(10)}
    i18n = build_i18n("en")
    with i18n.use_locale(language), i18n.context():
        text, keyboard = history_screen("📚", entries, LONG_ZONE, language, tutor_view=False, children=children)
    assert keyboard is not None
    _check(text, keyboard.inline_keyboard)  # type: ignore[arg-type]
    shown = text.count("👤 " + "Щ" * 64)
    hidden = sum(
        int(word) for line in text.splitlines() if line.startswith("…") for word in line.split() if word.isdigit()
    )
    assert shown == len(keyboard.inline_keyboard) and shown + hidden == MAX_ENTRIES


def test_a_tutors_figures_read_in_each_language_and_only_from_three_reviews() -> None:
    i18n = build_i18n("en")
    with i18n.use_locale("en"), i18n.context():
        assert rating_label(Rating(23, 4.8333)) == "★ 4.8 · 23 reviews"
        assert rating_label(Rating(1, 5.0)) == "★ 5.0 · 1 review"
        assert reviews_block(Rating(2, 5.0), ("Great",)) == ""
        assert reviews_block(Rating(3, 4.0), ("Great\n\nteacher",)) == "★ 4.0 · 3 reviews\n💬 «Great teacher»"
    with i18n.use_locale("fr"), i18n.context():
        assert rating_label(Rating(23, 4.8333)) == "★ 4,8 · 23 avis"


def test_history_times_are_in_the_readers_zone() -> None:
    booking = _booking(1, datetime(2026, 3, 23, 15, 0, tzinfo=UTC), ParticipantStatus.NO_SHOW, SessionStatus.COMPLETED)
    i18n = build_i18n("en")
    with i18n.use_locale("en"), i18n.context():
        tokyo, _k = history_screen("📚", [HistoryEntry(booking, None, None)], "Asia/Tokyo", "en", tutor_view=False)
        paris, _k = history_screen("📚", [HistoryEntry(booking, None, None)], "Europe/Paris", "en", tutor_view=False)
    assert "Tue 24 Mar 2026, 00:00 (Tokyo" in tokyo and "🚫 missed" in tokyo
    assert "Mon 23 Mar 2026, 16:00 (Paris" in paris
