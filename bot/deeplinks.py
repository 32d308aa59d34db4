"""Deep links (`t.me/<bot>?start=<payload>`): the one place where their payloads are built and parsed.

Telegram allows 1-64 characters from A-Z, a-z, 0-9, _ and - in a start payload.
"""

import re
from dataclasses import dataclass

from bot.button_values import MAX_RECORD_ID

_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True, slots=True)
class TutorPage:
    """Opens a tutor's page for students (shared by the tutor)."""

    tutor_id: int


@dataclass(frozen=True, slots=True)
class PaymentReturn:
    """Back from the payment page (Stripe Checkout's success and cancel URL)."""

    participant_id: int


@dataclass(frozen=True, slots=True)
class CoursePage:
    """Opens a course's card, to enroll or book a session (shared by its tutor)."""

    course_id: int


@dataclass(frozen=True, slots=True)
class FamilyInvite:
    """A parent's invite for their child to link accounts."""

    token: str


DeepLink = TutorPage | PaymentReturn | CoursePage | FamilyInvite


def parse_start_payload(payload: str | None) -> DeepLink | None:
    """The deep link in `/start <payload>`, or None for no payload or one we do not know."""
    if not payload or not _PAYLOAD.match(payload):
        return None
    kind, _, value = payload.partition("_")
    if kind == "family" and value:
        return FamilyInvite(value)
    if not value.isdigit() or len(value) > 16:
        return None
    number = int(value)
    if not 0 < number <= MAX_RECORD_ID:
        return None
    if kind == "tutor":
        return TutorPage(number)
    if kind == "paid":
        return PaymentReturn(number)
    if kind == "course":
        return CoursePage(number)
    return None


def start_payload(link: DeepLink) -> str:
    if isinstance(link, PaymentReturn):
        return f"paid_{link.participant_id}"
    if isinstance(link, CoursePage):
        return f"course_{link.course_id}"
    if isinstance(link, FamilyInvite):
        return f"family_{link.token}"
    return f"tutor_{link.tutor_id}"


def deep_link_url(bot_username: str, link: DeepLink) -> str:
    return f"https://t.me/{bot_username}?start={start_payload(link)}"
