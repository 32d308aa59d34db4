"""Lesson packages and the credits they give (spec 004: "Credits Available? → Create Session, else
Insufficient Credits").

A package is an offer ("10 lessons of 60 min for €540, valid 180 days"), a tutor's own or the school's
(any approved tutor's sessions accept it). Buying one makes a purchase; its credits are never a counter:
they are the sum of the purchase's ledger rows (`CreditEntry`), each written in the transaction that
decides it (the payment, a booking, a cancellation, an expiry), each with a key that makes writing it
twice impossible.
"""

import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.entities import Slot, TutorProfile
from core.enums import CreditReason, PurchaseStatus, SessionType, TutorStatus
from core.errors import ValidationError
from core.money import normalize_currency
from core.text import is_clean_text, text_length

NAME_MAX_LENGTH = 60
MAX_LESSONS = 100
LESSON_MINUTES = (15, 240)
MAX_VALIDITY_DAYS = 730
# Far above any real package, far below what an integer column or Stripe could choke on.
MAX_PRICE_MINOR = 10**9


@dataclass(slots=True, kw_only=True)
class Package:
    id: int = 0
    # The tutor who sells it; None for a school-wide package, which any approved tutor's sessions accept.
    tutor_id: int | None
    name: str
    lessons: int
    lesson_minutes: int
    # True: a credit pays for a lesson of any length up to `lesson_minutes`; False: exactly that length.
    any_length: bool = False
    session_type: SessionType
    price_minor: int
    currency: str
    validity_days: int
    active: bool = True
    created_by: int
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class PackagePurchase:
    """One person's purchase of a package: what it gave is copied here, so editing the package later
    changes nothing already bought."""

    id: int = 0
    package_id: int
    # Whose lessons they are (the student), and who paid (the same person, or a parent).
    user_id: int
    paid_by: int
    tutor_id: int | None
    name: str
    lessons: int
    lesson_minutes: int
    any_length: bool
    session_type: SessionType
    price_minor: int
    currency: str
    validity_days: int
    status: PurchaseStatus = PurchaseStatus.PENDING
    # Set when paid: the credits can be spent on lessons that start before it.
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    checkout_session_id: str | None = None
    checkout_url: str | None = None
    provider_status: str | None = None
    payment_intent_id: str | None = None
    # Set for an enrollment: the course whose package this is (its credits book that course's sessions only).
    course_id: int | None = None
    # When the student who enrolled without booking was last reminded to schedule (a course's "Schedule later").
    nudged_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    def pay(self, now: datetime) -> "PackagePurchase":
        return replace(
            self,
            status=PurchaseStatus.PAID,
            paid_at=now,
            expires_at=now + timedelta(days=self.validity_days),
            updated_at=now,
        )


@dataclass(slots=True, kw_only=True)
class CreditEntry:
    """One move of a purchase's credits: +lessons when paid, -1 per booking, +1 when one is given back."""

    id: int = 0
    purchase_id: int
    delta: int
    reason: CreditReason
    # The booking a spend or a return belongs to.
    participant_id: int | None = None
    # Unique per purchase: "paid", "spend:<participant>", "return:<participant>", "expiry".
    key: str
    created_at: datetime


# What an offer is made of: typed into a spec, kept by a package, copied into each purchase of it.
OFFER_FIELDS = (
    "name",
    "lessons",
    "lesson_minutes",
    "any_length",
    "session_type",
    "price_minor",
    "currency",
    "validity_days",
)


def offer_of(source: "PackageSpec | Package") -> dict[str, Any]:
    return {name: getattr(source, name) for name in OFFER_FIELDS}


@dataclass(frozen=True, slots=True)
class Balance:
    purchase: PackagePurchase
    left: int

    @property
    def used(self) -> int:
        return self.purchase.lessons - self.left


@dataclass(frozen=True, slots=True)
class PackageSpec:
    """What a tutor (or an admin, for the school) types in to define a package."""

    name: str
    lessons: int
    lesson_minutes: int
    price_minor: int
    currency: str
    validity_days: int
    session_type: SessionType = SessionType.ONE_TO_ONE
    any_length: bool = False


def clean_package_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name or text_length(name) > NAME_MAX_LENGTH or not is_clean_text(name):
        raise ValidationError("package.bad_name", max=NAME_MAX_LENGTH)
    return name


def _whole_number(text: str, code: str, **params: int) -> int:
    # NFKC folds full-width digits, which phone keyboards in East Asia produce.
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded.isdigit() or len(folded) > 6:
        raise ValidationError(code, **params)
    return int(folded)


def check_lessons(lessons: int) -> int:
    if not 1 <= lessons <= MAX_LESSONS:
        raise ValidationError("package.bad_lessons", max=MAX_LESSONS)
    return lessons


def check_lesson_minutes(minutes: int) -> int:
    low, high = LESSON_MINUTES
    if not low <= minutes <= high or minutes % 5:
        raise ValidationError("package.bad_minutes", low=low, high=high)
    return minutes


def check_validity(days: int) -> int:
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        raise ValidationError("package.bad_validity", max=MAX_VALIDITY_DAYS)
    return days


def parse_lessons(text: str) -> int:
    return check_lessons(_whole_number(text, "package.bad_lessons", max=MAX_LESSONS))


def parse_lesson_minutes(text: str) -> int:
    low, high = LESSON_MINUTES
    return check_lesson_minutes(_whole_number(text, "package.bad_minutes", low=low, high=high))


def parse_validity(text: str) -> int:
    return check_validity(_whole_number(text, "package.bad_validity", max=MAX_VALIDITY_DAYS))


def check_price(price_minor: int) -> int:
    if not 0 < price_minor < MAX_PRICE_MINOR:
        raise ValidationError("package.bad_price")
    return price_minor


def checked_spec(spec: PackageSpec) -> PackageSpec:
    """The spec with its name tidied; a ValidationError naming the first field that is wrong."""
    name = clean_package_name(spec.name)
    check_lessons(spec.lessons)
    check_lesson_minutes(spec.lesson_minutes)
    currency = normalize_currency(spec.currency)
    check_price(spec.price_minor)
    check_validity(spec.validity_days)
    return replace(spec, name=name, currency=currency)


def credit_refusal(
    purchase: PackagePurchase,
    left: int,
    tutor: TutorProfile,
    slot: Slot,
    now: datetime,
    course_tutors: frozenset[int] = frozenset(),
) -> str | None:
    """Why this purchase cannot pay for a seat in this slot (an error code), or None when it can. An
    enrollment's credits pay for sessions with the course's tutors (`course_tutors`) only."""
    if purchase.status is not PurchaseStatus.PAID or purchase.expires_at is None:
        return "credit.not_paid"
    if slot.starts_at >= purchase.expires_at or now >= purchase.expires_at:
        return "credit.expired"
    if left <= 0:
        return "credit.none_left"
    if purchase.course_id is not None:
        if tutor.id not in course_tutors:
            return "credit.other_tutor"
    elif purchase.tutor_id is not None and purchase.tutor_id != tutor.id:
        return "credit.other_tutor"
    if purchase.tutor_id is None and tutor.status is not TutorStatus.APPROVED:
        return "credit.other_tutor"
    if purchase.session_type is not slot.session_type:
        return "credit.other_type"
    minutes = slot.duration_minutes
    if minutes > purchase.lesson_minutes or (not purchase.any_length and minutes != purchase.lesson_minutes):
        return "credit.other_length"
    return None


def spend_key(participant_id: int) -> str:
    return f"spend:{participant_id}"


def return_key(participant_id: int) -> str:
    return f"return:{participant_id}"
