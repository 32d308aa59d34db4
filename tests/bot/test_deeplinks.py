import pytest

from bot.deeplinks import TutorPage, deep_link_url, parse_start_payload, start_payload


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("tutor_5", TutorPage(5)),
        ("tutor_1234567890", TutorPage(1234567890)),
        (None, None),
        ("", None),
        ("tutor_", None),
        ("tutor_0", None),
        ("tutor_-3", None),
        ("tutor_abc", None),
        ("tutor_5_6", None),
        ("tutor_99999999999999999999", None),
        ("student_5", None),
        ("tutor 5", None),
        ("x" * 65, None),
    ],
)
def test_start_payloads(payload: str | None, expected: TutorPage | None) -> None:
    assert parse_start_payload(payload) == expected


def test_links_round_trip() -> None:
    link = TutorPage(42)
    assert parse_start_payload(start_payload(link)) == link
    assert deep_link_url("tutor_test_bot", link) == "https://t.me/tutor_test_bot?start=tutor_42"


def test_room_buttons_sent_before_rooms_per_participation_still_open() -> None:
    from bot.callbacks import OpenRoom

    assert OpenRoom.unpack("room:12:1") == OpenRoom(session_id=12, chat=True, participant_id=0)
    assert OpenRoom.unpack(OpenRoom(session_id=12, participant_id=7).pack()).participant_id == 7
