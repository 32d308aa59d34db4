"""Money back for unused credits (issue: packages): the student asks, the tutor (or an admin, for a
school package) approves or declines, and an approved refund is paid through Stripe with retries.

The credits are set aside by a ledger row when the request is made, so that they cannot be booked while
it waits; a declined request gives them back by another row. The amount is the unused share of what was
paid, rounded down to the minor unit (never more than was paid).
"""

from dataclasses import dataclass, replace
from datetime import datetime

from core.enums import CreditRefundStatus
from core.packages import PackagePurchase


@dataclass(slots=True, kw_only=True)
class CreditRefund:
    id: int = 0
    purchase_id: int
    requested_by: int
    credits: int
    amount_minor: int
    currency: str
    status: CreditRefundStatus = CreditRefundStatus.REQUESTED
    decided_by: int | None = None
    decided_at: datetime | None = None
    refund_id: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    created_at: datetime
    updated_at: datetime

    def approve(self, user_id: int, now: datetime) -> "CreditRefund":
        return replace(
            self,
            status=CreditRefundStatus.REFUND_PENDING,
            decided_by=user_id,
            decided_at=now,
            next_attempt_at=now,
            updated_at=now,
        )

    def decline(self, user_id: int, now: datetime) -> "CreditRefund":
        return replace(self, status=CreditRefundStatus.DECLINED, decided_by=user_id, decided_at=now, updated_at=now)

    def refunded(self, refund_id: str | None, now: datetime) -> "CreditRefund":
        return replace(
            self,
            status=CreditRefundStatus.REFUNDED,
            refund_id=refund_id,
            next_attempt_at=None,
            last_error=None,
            updated_at=now,
        )


def refund_failed(refund: CreditRefund, refund_id: str | None, error: str, now: datetime) -> CreditRefund:
    """Stripe reports that a refund it had accepted failed: owed again, under a new idempotency key."""
    return replace(
        refund,
        status=CreditRefundStatus.REFUND_PENDING,
        refund_id=refund_id,
        attempts=refund.attempts + 1,
        next_attempt_at=now,
        last_error=error,
        updated_at=now,
    )


def pro_rata(purchase: PackagePurchase, credits: int) -> int:
    """The unused share of the price, rounded down: 7 of 10 lessons of €540.00 is €378.00."""
    return purchase.price_minor * credits // purchase.lessons


def set_aside_key(refund: CreditRefund) -> str:
    return f"refund:{refund.id}"


def given_back_key(refund: CreditRefund) -> str:
    return f"refund-declined:{refund.id}"


def stripe_key(refund: CreditRefund) -> str:
    """Stable across retries, so a retry of a refund that went through changes nothing; after Stripe
    reported a refund failed, derived from that refund so that the next attempt is a new one."""
    if refund.refund_id:
        return f"credit-refund-{refund.id}-after-{refund.refund_id}"
    return f"credit-refund-{refund.id}"
