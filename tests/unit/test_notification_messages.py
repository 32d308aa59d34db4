"""The typed messages between core and the texts: every kind has one message type and one renderer, a
message survives the trip through the outbox's JSON unchanged, and rows written before a field existed (or
after one was dropped) still read."""

from datetime import UTC, datetime

import pytest

from bot.texts.notifications import RENDERERS
from core.enums import SessionType
from core.json_records import RecordUnreadable
from core.notifications import (
    MESSAGE_TYPES,
    BookingConfirmed,
    BookingFacts,
    Message,
    NotificationKind,
    SessionEnded,
    SessionFacts,
    TutorLate,
    message_of,
    payload_of,
)

START = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
SESSION = SessionFacts(
    session_id=7,
    tutor_name="Anna",
    tutor_user_id=1001,
    tutor_zone="Europe/Paris",
    starts_at=START,
    ends_at=datetime(2026, 3, 2, 17, 0, tzinfo=UTC),
    minutes=60,
    session_type=SessionType.GROUP,
    capacity=5,
    currency="EUR",
)
BOOKING = BookingFacts(
    session=SESSION,
    participant_id=12,
    subjects=("Algebra", "Physics"),
    seats_taken=3,
    amount_minor=4500,
    hold_expires_at=None,
    checkout_url="https://checkout.example/cs_1",
)


def test_every_kind_has_one_message_type_and_one_renderer() -> None:
    assert set(MESSAGE_TYPES) == set(NotificationKind)
    assert set(RENDERERS) == set(NotificationKind)
    assert all(message_type.kind is kind for kind, message_type in MESSAGE_TYPES.items())


def test_a_message_is_stored_as_one_flat_json_object() -> None:
    payload = payload_of(BookingConfirmed(booking=BOOKING, late=True))
    assert payload["starts_at"] == "2026-03-02T16:00:00+00:00"
    assert payload["session_type"] == "group"
    assert payload["subjects"] == ["Algebra", "Physics"]
    assert payload["participant_id"] == 12 and payload["session_id"] == 7
    assert payload["late"] is True and payload["live"] is False
    assert "session" not in payload and "booking" not in payload


@pytest.mark.parametrize(
    "message",
    [
        BookingConfirmed(booking=BOOKING, late=True, live=True),
        SessionEnded(session=SESSION, lasted=55, attended=("Ann", "Bob"), absent=True, role="tutor"),
        TutorLate(session=SESSION, deadline=datetime(2026, 3, 2, 16, 15, tzinfo=UTC)),
    ],
)
def test_a_message_reads_back_as_it_was_written(message: Message) -> None:
    assert message_of(message.kind, payload_of(message)) == message


def test_a_row_from_before_a_field_existed_or_after_one_was_dropped_still_reads() -> None:
    payload = payload_of(BookingConfirmed(booking=BOOKING))
    del payload["live"]
    payload["a_field_since_dropped"] = "x"
    read = message_of(NotificationKind.BOOKING_CONFIRMED, payload)
    assert read == BookingConfirmed(booking=BOOKING, live=False)


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("booking.no_such_kind", {}),
        (NotificationKind.BOOKING_CONFIRMED, {"starts_at": "the day after tomorrow"}),
        (NotificationKind.BOOKING_CONFIRMED, {"session_type": "webinar"}),
        (NotificationKind.BOOKING_CONFIRMED, {"participant_id": None}),
        (NotificationKind.BOOKING_CONFIRMED, {"late": "yes"}),
        (NotificationKind.SESSION_ENDED, {"role": "admin"}),
    ],
)
def test_a_row_this_version_cannot_read_is_refused_not_misread(kind: str, change: dict[str, object]) -> None:
    base = (
        SessionEnded(session=SESSION) if kind == NotificationKind.SESSION_ENDED else BookingConfirmed(booking=BOOKING)
    )
    with pytest.raises(RecordUnreadable):
        message_of(kind, {**payload_of(base), **change})


def test_a_required_field_missing_is_refused() -> None:
    payload = payload_of(BookingConfirmed(booking=BOOKING))
    del payload["tutor_name"]
    with pytest.raises(RecordUnreadable, match="tutor_name"):
        message_of(NotificationKind.BOOKING_CONFIRMED, payload)
