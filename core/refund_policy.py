"""A tutor's cancellation policy: how much of the price comes back when a student cancels, by how long
before the start ("full refund more than 24 h before, 50 % from 24 h to 2 h, nothing after"). A student
may cancel any time before the start; the policy only says what comes back. A tutor's cancellation or
no-show is always refunded in full, whatever the policy.

Stored as text, the tiers from the earliest: "24:100,2:50" (hours before the start, then the percentage).
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import ValidationError
from core.tutor_profile_rules import parse_notice_hours

MAX_TIERS = 4
MAX_HOURS = 24 * 14
# "24h 100%, 2h 50%", "24 100, 2 50", "48h:100 24h:50": hours then percentage, any separators.
_TIER = re.compile(r"(\d{1,4})\s*(?:h|hours?|heures?)?\s*[:=]?\s*(\d{1,3})\s*%?", re.IGNORECASE)
# What may stand between the tiers: separators, and the words people join them with.
_BETWEEN = re.compile(r"[\s,;/+&.()-]+|\b(?:and|et|then|puis|after|après|nothing|rien|ensuite)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RefundTier:
    hours_before: int
    percent: int


@dataclass(frozen=True, slots=True)
class RefundPolicy:
    # From the earliest (the most hours before the start) to the latest; each gives back less.
    tiers: tuple[RefundTier, ...]

    def percent_at(self, starts_at: datetime, now: datetime) -> int:
        """What share of the price comes back when cancelling at `now`."""
        if now >= starts_at:
            return 0
        for tier in self.tiers:
            if starts_at - now >= timedelta(hours=tier.hours_before):
                return tier.percent
        return 0

    def next_drop(self, starts_at: datetime, now: datetime) -> tuple[datetime, int] | None:
        """When what comes back next goes down, and to what; None when it never will before the start."""
        current = self.percent_at(starts_at, now)
        for tier in reversed(self.tiers):
            deadline = starts_at - timedelta(hours=tier.hours_before)
            # A tier that lasts until the start never drops: after the start there is nothing to cancel.
            if tier.hours_before and deadline >= now and tier.percent == current:
                lower = next((t.percent for t in self.tiers if t.hours_before < tier.hours_before), 0)
                return deadline, lower
        return None

    @property
    def full_refund_hours(self) -> int:
        """Hours before the start until which everything comes back (0: until the start, or never)."""
        return next((t.hours_before for t in self.tiers if t.percent == 100), 0)

    def encode(self) -> str:
        return ",".join(f"{t.hours_before}:{t.percent}" for t in self.tiers)


FULL_REFUND = RefundPolicy((RefundTier(0, 100),))

# Tiered policies offered as buttons besides plain hours (any other is typed).
TIERED_PRESETS = (
    RefundPolicy((RefundTier(24, 100), RefundTier(2, 50))),
    RefundPolicy((RefundTier(48, 100), RefundTier(24, 50))),
)
PRESETS = (FULL_REFUND, RefundPolicy((RefundTier(24, 100),)), *TIERED_PRESETS)


def check_policy(tiers: list[RefundTier]) -> RefundPolicy:
    ordered = sorted(tiers, key=lambda t: -t.hours_before)
    hours = [t.hours_before for t in ordered]
    percents = [t.percent for t in ordered]
    if (
        not ordered
        or len(ordered) > MAX_TIERS
        or len(set(hours)) != len(hours)
        or any(not 0 <= h <= MAX_HOURS for h in hours)
        or any(not 1 <= p <= 100 for p in percents)
        or percents != sorted(percents, reverse=True)
        or len(set(percents)) != len(percents)
    ):
        raise ValidationError("policy.invalid", max_tiers=MAX_TIERS, max_hours=MAX_HOURS)
    return RefundPolicy(tuple(ordered))


def parse_policy(text: str) -> RefundPolicy:
    """A typed policy: "24h 100%, 2h 50%" (each tier: hours before the start, then what comes back)."""
    folded = unicodedata.normalize("NFKC", text).strip()
    found = list(_TIER.finditer(folded))
    if not found or _BETWEEN.sub("", _TIER.sub(" ", folded)):
        raise ValidationError("policy.invalid", max_tiers=MAX_TIERS, max_hours=MAX_HOURS)
    return check_policy([RefundTier(int(m.group(1)), int(m.group(2))) for m in found])


def parse_cancellation(text: str) -> RefundPolicy:
    """A tutor's answer to "until when may students cancel?": hours before the start (a full refund until
    then, nothing after), or typed tiers ("24h 100%, 2h 50%")."""
    try:
        hours = parse_notice_hours(text)
    except ValidationError:
        return parse_policy(text)
    return FULL_REFUND if hours == 0 else RefundPolicy((RefundTier(hours, 100),))


def decode_policy(stored: str) -> RefundPolicy:
    tiers = []
    for part in stored.split(","):
        hours, percent = part.split(":")
        tiers.append(RefundTier(int(hours), int(percent)))
    return RefundPolicy(tuple(tiers))


def share(amount_minor: int, percent: int) -> int:
    """The part of an amount that comes back, rounded down to the minor unit."""
    return amount_minor * percent // 100
