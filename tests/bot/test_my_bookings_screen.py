"""/mybookings at its largest fits one Telegram message and one keyboard: five packages with the longest
names, a parent's list of many live, upcoming and past lessons for children with the longest names, in
the longest zone, in every language."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.handlers.bookings import MAX_PACKAGES, MAX_PAST, MAX_UPCOMING, bookings_screen
from bot.telegram_limits import CALLBACK_DATA_BYTES, TEXT_LIMIT, utf16_length
from core.entities import BookingView, Participant, Payment, Slot, TeachingSession, TutorProfile
from core.enums import ParticipantStatus, PaymentStatus, PurchaseStatus, SessionStatus, SessionType, TutorStatus
from core.languages import SUPPORTED_LANGUAGES
from core.packages import MAX_LESSONS, NAME_MAX_LENGTH, Balance, PackagePurchase
from core.tutor_profile_rules import NAME_MAX_LENGTH as TUTOR_NAME_MAX_LENGTH
from l10n.catalogs import build_i18n

NOW = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
LONG_ZONE = "America/Argentina/ComodRivadavia"
CHILD = 10_000
KEYBOARD_BUTTONS = 100


def _tutor() -> TutorProfile:
    return TutorProfile(
        id=1,
        user_id=1,
        display_name="Ш" * TUTOR_NAME_MAX_LENGTH,
        hourly_rate_minor=10**6,
        currency="EUR",
        timezone=LONG_ZONE,
        status=TutorStatus.APPROVED,
        created_at=NOW,
        updated_at=NOW,
    )


def _booking(number: int, starts_at: datetime, status: ParticipantStatus, session_status: SessionStatus) -> BookingView:
    index = number + 1
    slot = Slot(
        id=index,
        tutor_id=1,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=4),
        timezone=LONG_ZONE,
        session_type=SessionType.GROUP,
        capacity=20,
        created_at=NOW,
        updated_at=NOW,
    )
    session = TeachingSession(
        id=index, slot_id=index, tutor_id=1, status=session_status, created_at=NOW, updated_at=NOW
    )
    participant = Participant(
        id=10**9 + index,
        session_id=index,
        user_id=CHILD + index % 10,
        status=status,
        hold_expires_at=NOW + timedelta(minutes=15),
        created_at=NOW,
        updated_at=NOW,
    )
    payment = Payment(
        participant_id=participant.id,
        amount_minor=10**9,
        currency="EUR",
        status=PaymentStatus.PENDING if status is ParticipantStatus.PENDING_PAYMENT else PaymentStatus.PAID,
        checkout_url="https://checkout.stripe.com/c/pay/" + "x" * 400,
        created_at=NOW,
        updated_at=NOW,
    )
    return BookingView(participant=participant, payment=payment, slot=slot, session=session, tutor=_tutor())


def _balance(index: int) -> Balance:
    purchase = PackagePurchase(
        id=10**9 + index,
        package_id=index,
        user_id=CHILD,
        paid_by=CHILD,
        tutor_id=1,
        name="Ш" * NAME_MAX_LENGTH,
        lessons=MAX_LESSONS,
        lesson_minutes=240,
        any_length=False,
        session_type=SessionType.GROUP,
        price_minor=10**9,
        currency="EUR",
        validity_days=730,
        status=PurchaseStatus.PAID,
        expires_at=NOW + timedelta(days=700),
        created_at=NOW,
        updated_at=NOW,
    )
    return Balance(purchase, MAX_LESSONS - 1)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_the_longest_list_fits_one_message_and_one_keyboard(language: str) -> None:
    live = [
        _booking(i, NOW - timedelta(hours=1), ParticipantStatus.BOOKED, SessionStatus.IN_PROGRESS) for i in range(15)
    ]
    upcoming = [
        _booking(100 + i, NOW + timedelta(days=1, hours=i), status, SessionStatus.SCHEDULED)
        for i, status in enumerate([ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.BOOKED] * 8)
    ]
    past = [
        _booking(200 + i, NOW - timedelta(days=2, hours=i), ParticipantStatus.BOOKED, SessionStatus.COMPLETED)
        for i in range(12)
    ]
    children = {CHILD + i: "Щ" * 64 for i in range(10)}
    balances = [_balance(i) for i in range(MAX_PACKAGES + 3)]
    i18n = build_i18n("en")
    with i18n.use_locale(language), i18n.context():
        text, buttons = bookings_screen(live + upcoming + past, balances, children, NOW, LONG_ZONE, language)
    assert utf16_length(text) <= TEXT_LIMIT, utf16_length(text)
    flat = [button for row in buttons for button in row]
    assert len(flat) <= KEYBOARD_BUTTONS, len(flat)
    # (A label over 64 bytes is shortened where requests leave the bot; callback data cannot be.)
    for button in flat:
        assert button.callback_data is None or len(button.callback_data.encode()) <= CALLBACK_DATA_BYTES
    # What did not fit is counted, not dropped silently; each lesson shown carries the child's name and
    # its buttons; every section shows something.
    shown = text.count("👤 " + "Щ" * 64)
    assert 3 <= shown < MAX_UPCOMING * 2 + MAX_PAST
    hidden = sum(int(line.split()[2]) for line in text.splitlines() if line.startswith("…"))
    assert shown + hidden == len(live) + len(upcoming) + len(past)
    assert text.count("📦 ") == MAX_PACKAGES
    # A linked child's room and video are the child's: none of their buttons is on the parent's list.
    assert not [b.text for b in flat if b.text.startswith(("📂", "🎥"))]
