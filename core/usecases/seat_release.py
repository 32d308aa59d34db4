"""Giving seats back: every seat of a list is cancelled, what was paid is refunded in full, and a payment
page still open is closed. One operation for every path that frees seats (a student's cancellation, a
tutor's, a tutor who never came), so the money always moves the same way."""

from dataclasses import dataclass, field
from datetime import datetime

from core.clock import Clock
from core.entities import Participant, Payment
from core.enums import CreditReason, PaymentStatus
from core.packages import CreditEntry, return_key
from core.payments import PaymentGateway
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.refund_policy import share
from core.rules import BusinessRules
from core.usecases.payments import close_checkout
from core.usecases.refunds import refund_payment


def refundable(payment: Payment | None) -> int:
    """What a full refund of this payment gives back (nothing unless it was paid)."""
    if payment is None or payment.status is not PaymentStatus.PAID:
        return 0
    return payment.amount_minor


@dataclass(frozen=True, slots=True)
class FreedSeat:
    was: Participant
    cancelled: Participant
    # The payment after the change (None: there never was one).
    payment: Payment | None
    refund_minor: int
    # The seat was paid with a package's credit, and the credit went back to the package.
    credit_returned: bool = False


@dataclass(slots=True)
class FreedSeats:
    seats: list[FreedSeat] = field(default_factory=list)
    # Done after the commit, outside the transaction: calls to Stripe.
    refunds: list[int] = field(default_factory=list)
    checkouts: list[str] = field(default_factory=list)

    async def settle(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway
    ) -> None:
        """Once the transaction that freed the seats has committed: refund, and close the payment pages."""
        for payment_id in self.refunds:
            await refund_payment(uow_factory, clock, gateway, payment_id=payment_id)
        for checkout_id in self.checkouts:
            await close_checkout(uow_factory, clock, rules, gateway, checkout_id)


async def free_seats(
    uow: UnitOfWork,
    participants: list[Participant],
    now: datetime,
    *,
    release_seats: bool,
    slot_id: int,
    refund_percent: int = 100,
) -> FreedSeats:
    """Cancel each participation that holds a seat, in the caller's transaction: a paid seat's payment
    waits as REFUND_PENDING (refunded by `settle`, retried by the refunds job), an unpaid hold's payment
    expires and its page is closed by `settle`. `release_seats`: the seats go back on sale (not for a
    session that is over anyway). A participation that changed meanwhile (paid, expired) is left alone.
    `refund_percent`: the share of a paid seat that comes back (a student's late cancellation under the
    tutor's policy); anything less than all of it keeps a credit spent."""
    freed = FreedSeats()
    for participant in participants:
        if not participant.status.holds_seat:
            continue
        cancelled = participant.cancel(now)
        # Conditional: a confirmation or an expiry that just happened wins.
        if not await uow.participants.update_if(cancelled, participant.status):
            continue
        if release_seats:
            await uow.slots.release_seat(slot_id)
        payment = await uow.payments.get_by_participant(participant.id)
        refund = share(refundable(payment), refund_percent)
        if payment is not None and refund:
            payment = payment.refund_pending(now, refund)
            await uow.payments.update(payment)
            freed.refunds.append(payment.id)
        elif payment is not None and payment.status is PaymentStatus.PENDING:
            payment = payment.expire(now)
            await uow.payments.update(payment)
            if payment.checkout_session_id:
                freed.checkouts.append(payment.checkout_session_id)
        credit_back = refund_percent == 100 and await _return_credit(uow, participant.id, now)
        freed.seats.append(FreedSeat(participant, cancelled, payment, refund, credit_back))
    return freed


async def _return_credit(uow: UnitOfWork, participant_id: int, now: datetime) -> bool:
    """A seat paid with a credit gives it back to the purchase it came from, once."""
    spent = await uow.credits.spend_of(participant_id)
    if spent is None:
        return False
    return await uow.credits.add(
        CreditEntry(
            purchase_id=spent.purchase_id,
            delta=1,
            reason=CreditReason.RETURN,
            participant_id=participant_id,
            key=return_key(participant_id),
            created_at=now,
        )
    )
