"""Booking a seat: a hold on it and the Stripe checkout (or, for a free session, the booking at once), the
student's bookings, and a hold let go.

A seat is taken by a conditional update inside the booking transaction and the database refuses a
second active participation of the same student in a session, so a seat is never sold twice."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.bookings import booking_price, check_bookable, checkout_expiry, clean_note, full_error, hold_expiry
from core.clock import Clock
from core.entities import BookingView, Participant, Payment, SessionRoster, Slot, TutorProfile
from core.enums import CreditReason, FamilyLinkStatus, ParticipantStatus, PaymentStatus, WaitlistStatus
from core.errors import Conflict, NotFound, ValidationError
from core.packages import CreditEntry, credit_refusal, spend_key
from core.payments import CREDIT, FREE, STRIPE, CheckoutRequest, PaymentGateway, PaymentRejected, PaymentUnavailable
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.booked_seat import booked_effects
from core.usecases.families import acts_for, check_acts_for
from core.usecases.payments import close_checkout, confirm_checkout
from core.usecases.waitlist import held_offer, pass_on_seats

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BookingResult:
    participant: Participant
    payment: Payment
    # The page where the student pays; None for a free session, which is booked at once.
    checkout_url: str | None

    @property
    def confirmed(self) -> bool:
        return self.participant.status is ParticipantStatus.BOOKED


ReturnLink = Callable[[int], str]


async def book_slot(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    return_link: ReturnLink,
    *,
    user_id: int,
    slot_id: int,
    note: str | None = None,
    reminders: bool = True,
    credit_from: int | None = None,
    student_id: int | None = None,
    waitlist_entry_id: int | None = None,
) -> BookingResult:
    """Hold a seat and open the checkout; a free session, or one paid with a credit of the purchase
    `credit_from`, is booked at once. `user_id` acts; the seat is for `student_id` when a parent books
    for their child (the family's credits may pay), else for `user_id`."""
    note = clean_note(note)
    now = clock.now()
    async with uow_factory() as uow:
        held = await _take_seat(
            uow,
            rules,
            now,
            user_id=user_id,
            student_id=student_id or user_id,
            slot_id=slot_id,
            note=note,
            reminders=reminders,
            credit_from=credit_from,
            waitlist_entry_id=waitlist_entry_id,
        )
        if held.free:
            await booked_effects(uow, rules, held.tutor, held.slot, held.participant, held.payment, now, late=False)
        await uow.commit()
    if held.free:
        return BookingResult(held.participant, held.payment, None)
    return await _open_checkout(uow_factory, clock, gateway, return_link, held)


@dataclass(frozen=True, slots=True)
class _HeldSeat:
    tutor: TutorProfile
    slot: Slot
    participant: Participant
    payment: Payment

    @property
    def free(self) -> bool:
        return self.payment.amount_minor == 0


async def _take_seat(
    uow: UnitOfWork,
    rules: BusinessRules,
    now: datetime,
    *,
    user_id: int,
    student_id: int,
    slot_id: int,
    note: str | None,
    reminders: bool,
    credit_from: int | None = None,
    waitlist_entry_id: int | None = None,
) -> _HeldSeat:
    """The seat taken (booked if free, else held for payment) with its payment row, in the caller's
    transaction; refused with the reason if the person may not have it. `user_id` acts for `student_id`
    (themselves, or a parent for their child)."""
    await check_acts_for(uow, user_id, student_id)
    acting_user_id, user_id = user_id, student_id
    # One booking at a time per student: two overlapping bookings cannot both pass the check.
    if await uow.users.lock(user_id) is None:
        raise NotFound("user.not_found")
    slot = await uow.slots.get(slot_id)
    tutor = await uow.tutors.get(slot.tutor_id) if slot is not None else None
    if slot is None or tutor is None:
        raise Conflict("booking.taken")
    existing_session = await uow.sessions.get_by_slot(slot.id)
    offer = await held_offer(uow, user_id=user_id, entry_id=waitlist_entry_id, now=now) if waitlist_entry_id else None
    if offer is not None and offer.slot.id != slot.id:
        raise NotFound("waitlist.not_found")
    check_bookable(slot, tutor, user_id, now, rules, existing_session, held_for_student=offer is not None)
    clashes = await uow.participants.overlapping(user_id, slot.starts_at, slot.ends_at)
    if existing_session is not None and any(p.session_id == existing_session.id for p in clashes):
        raise Conflict("booking.already_booked")
    if clashes:
        raise Conflict("booking.overlap")
    price = booking_price(tutor, slot)
    if credit_from is not None:
        await _check_credit(uow, credit_from, {user_id, acting_user_id}, tutor, slot, now)
        price = 0
    if price > 0 and await uow.participants.count_holds(user_id, now) >= rules.max_unpaid_holds:
        raise ValidationError("booking.too_many_holds", max=rules.max_unpaid_holds)
    if offer is not None:
        # The seat held for the student from the waitlist becomes theirs (it is counted as taken already).
        if not await uow.waitlist.update_if(offer.entry.ended(WaitlistStatus.CLAIMED, now), WaitlistStatus.OFFERED):
            raise Conflict("waitlist.offer_over")
    elif not await uow.slots.take_seat(slot.id):
        raise full_error(slot)
    else:
        slot = replace(slot, seats_taken=slot.seats_taken + 1)
    session = await uow.sessions.get_or_create(slot, now)
    free = price == 0
    participant = await uow.participants.add(
        Participant(
            session_id=session.id,
            user_id=user_id,
            status=ParticipantStatus.BOOKED if free else ParticipantStatus.PENDING_PAYMENT,
            hold_expires_at=None if free else hold_expiry(now, rules),
            booked_at=now if free else None,
            note=note,
            reminders_enabled=reminders,
            booked_by=acting_user_id if acting_user_id != user_id else None,
            created_at=now,
            updated_at=now,
        )
    )
    payment = await uow.payments.add(
        Payment(
            participant_id=participant.id,
            amount_minor=price,
            currency=tutor.currency,
            status=PaymentStatus.PAID if free else PaymentStatus.PENDING,
            provider=CREDIT if credit_from is not None else FREE if free else STRIPE,
            created_at=now,
            updated_at=now,
        )
    )
    if credit_from is not None:
        await uow.credits.add(
            CreditEntry(
                purchase_id=credit_from,
                delta=-1,
                reason=CreditReason.SPEND,
                participant_id=participant.id,
                key=spend_key(participant.id),
                created_at=now,
            )
        )
    return _HeldSeat(tutor, slot, participant, payment)


async def _check_credit(
    uow: UnitOfWork, purchase_id: int, owners: set[int], tutor: TutorProfile, slot: Slot, now: datetime
) -> None:
    """Refuse the booking unless a purchase of `owners` (the student, and the parent booking for them: the
    family's credits) has a credit for this slot. The purchase is locked until the booking commits, so
    two bookings can never spend its last credit twice."""
    purchase = await uow.purchases.lock(purchase_id)
    # Someone else's purchase is reported exactly like a missing one.
    if purchase is None or purchase.user_id not in owners:
        raise NotFound("credit.not_found")
    course_tutors = frozenset(await uow.courses.tutor_ids(purchase.course_id)) if purchase.course_id else frozenset()
    refused = credit_refusal(purchase, await uow.credits.left(purchase.id), tutor, slot, now, course_tutors)
    if refused is not None:
        raise ValidationError(refused)


async def _open_checkout(
    uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, return_link: ReturnLink, held: _HeldSeat
) -> BookingResult:
    """The payment page of a held seat, outside any transaction; the hold is released if none opens."""
    participant, payment, tutor = held.participant, held.payment, held.tutor
    assert participant.hold_expires_at is not None
    try:
        checkout = await gateway.create_checkout(
            CheckoutRequest(
                amount_minor=payment.amount_minor,
                currency=tutor.currency,
                description=f"{tutor.display_name} · {held.slot.duration_minutes} min",
                metadata={"payment_id": str(payment.id), "participant_id": str(participant.id)},
                success_url=return_link(participant.id),
                cancel_url=return_link(participant.id),
                expires_at=checkout_expiry(participant.hold_expires_at, clock.now()),
                idempotency_key=f"checkout-{payment.id}",
            )
        )
    except (PaymentUnavailable, PaymentRejected) as error:
        log.warning("checkout for payment %s failed: %s", payment.id, error)
        await _release_failed_hold(uow_factory, clock, participant, payment, held.slot.id)
        raise ValidationError("booking.payment_unavailable") from None
    payment = replace(
        payment,
        checkout_session_id=checkout.id,
        checkout_url=checkout.url,
        provider_status=checkout.status,
        updated_at=clock.now(),
    )
    async with uow_factory() as uow:
        stored = await uow.payments.get(payment.id)
        # A webhook may already have confirmed it (the student pays faster than we write).
        if stored is not None and stored.checkout_session_id is None:
            await uow.payments.update(replace(stored, **_checkout_fields(payment)))
            await uow.commit()
    return BookingResult(participant, payment, checkout.url)


def _checkout_fields(payment: Payment) -> dict[str, Any]:
    return {
        "checkout_session_id": payment.checkout_session_id,
        "checkout_url": payment.checkout_url,
        "provider_status": payment.provider_status,
        "updated_at": payment.updated_at,
    }


async def _release_failed_hold(
    uow_factory: UnitOfWorkFactory, clock: Clock, participant: Participant, payment: Payment, slot_id: int
) -> None:
    now = clock.now()
    async with uow_factory() as uow:
        released = participant.cancel(now)
        if await uow.participants.update_if(released, ParticipantStatus.PENDING_PAYMENT):
            await uow.slots.release_seat(slot_id)
            await uow.payments.update(payment.fail(now, "checkout failed"))
            await uow.commit()


async def check_payment(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    participant_id: int,
) -> BookingView:
    """A student back from the payment page: ask the provider now rather than wait for the webhook."""
    booking = await get_booking(uow_factory(), user_id=user_id, participant_id=participant_id)
    payment = booking.payment
    if payment is not None and payment.status is PaymentStatus.PENDING and payment.checkout_session_id:
        try:
            checkout = await gateway.retrieve_checkout(payment.checkout_session_id)
        except (PaymentUnavailable, PaymentRejected):
            return booking
        await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)
        booking = await get_booking(uow_factory(), user_id=user_id, participant_id=participant_id)
    return booking


async def get_booking(uow: UnitOfWork, *, user_id: int, participant_id: int) -> BookingView:
    """The person's booking, or their child's."""
    async with uow:
        booking = await uow.participants.get_booking(participant_id)
        # Another person's booking is reported exactly like a missing one.
        if booking is None or not await acts_for(uow, user_id, booking.participant.user_id):
            raise NotFound("booking.not_found")
    return booking


async def list_my_bookings(uow: UnitOfWork, clock: Clock, *, user_id: int, history_days: int = 30) -> list[BookingView]:
    """The person's bookings and their children's, by start time."""
    since = clock.now() - timedelta(days=history_days)
    async with uow:
        bookings = await uow.participants.list_bookings(user_id, since)
        for link in await uow.families.of_parent(user_id):
            if link.status is FamilyLinkStatus.ACTIVE and link.child_id is not None:
                bookings += await uow.participants.list_bookings(link.child_id, since)
    return sorted(bookings, key=lambda b: (b.slot.starts_at, b.participant.id))


async def list_my_sessions(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int
) -> tuple[TutorProfile, list[SessionRoster]]:
    now = clock.now()
    async with uow:
        tutor = await uow.tutors.get_by_user(user_id)
        if tutor is None:
            raise NotFound("tutor.no_profile")
        rosters = await uow.sessions.list_rosters(
            tutor.id, now - timedelta(hours=12), now + timedelta(days=rules.booking_window_days + 1)
        )
        # The tutor sees who booked for whom (a parent for their child).
        parent_ids = {p.booked_by for r in rosters for p, _u in r.participants if p.booked_by is not None}
        names = {u.id: u.first_name for u in await uow.users.get_many(sorted(parent_ids))} if parent_ids else {}
    # Live sessions and those of the last hours stay listed, whatever their end time says.
    return tutor, [replace(r, bookers=names) if names else r for r in rosters]


async def cancel_hold(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    user_id: int,
    participant_id: int,
) -> None:
    """The student lets an unpaid hold go: the seat is released and the payment page closed."""
    booking = await get_booking(uow_factory(), user_id=user_id, participant_id=participant_id)
    if booking.participant.status is not ParticipantStatus.PENDING_PAYMENT:
        raise Conflict("booking.not_pending")
    now = clock.now()
    async with uow_factory() as uow:
        cancelled = booking.participant.cancel(now)
        if not await uow.participants.update_if(cancelled, ParticipantStatus.PENDING_PAYMENT):
            raise Conflict("booking.not_pending")
        await uow.slots.release_seat(booking.slot.id)
        await pass_on_seats(uow, rules, booking.slot.id, now)
        payment = booking.payment
        if payment is not None and payment.status is PaymentStatus.PENDING:
            await uow.payments.update(payment.expire(now))
        await uow.commit()
    if booking.payment is not None and booking.payment.checkout_session_id:
        await close_checkout(uow_factory, clock, rules, gateway, booking.payment.checkout_session_id)
