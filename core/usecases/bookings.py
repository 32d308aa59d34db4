"""Booking and paying: a hold on a seat, the Stripe checkout, confirmation by webhook or by asking
Stripe, holds that lapse, and late payments (booked if the seat is still free, refunded otherwise).

A seat is taken by a conditional update inside the booking transaction and the database refuses a
second active participation of the same student in a session, so a seat is never sold twice. Calls to
Stripe happen outside transactions and carry idempotency keys derived from our ids.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from core.bookings import booking_price, check_bookable, checkout_expiry, clean_note, full_error, hold_expiry
from core.clock import Clock
from core.delivery import RetryPolicy
from core.entities import (
    BookingView,
    Conversation,
    Notification,
    Participant,
    Payment,
    SessionRoster,
    Slot,
    TutorProfile,
)
from core.enums import ParticipantStatus, PaymentStatus, SessionStatus, SessionType
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import NotificationKind
from core.payments import CheckoutSession, PaymentGateway, PaymentKeyConflict, PaymentRejected, PaymentUnavailable
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.reminders import schedule_reminders

log = logging.getLogger(__name__)

STRIPE = "stripe"
FREE = "free"
# Refunds that fail are tried again with this backoff, for days (about a week), then left to an operator,
# who sees them all along in `tutorbot refunds`.
REFUND_RETRY = RetryPolicy(first_delay=timedelta(seconds=30), max_delay=timedelta(hours=1), max_attempts=200)


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


def booking_payload(tutor: TutorProfile, slot: Slot, participant: Participant, payment: Payment) -> dict[str, Any]:
    """What every booking message needs, frozen when it is written (rendered later, in the reader's
    language and zone)."""
    return {
        "participant_id": participant.id,
        "session_id": participant.session_id,
        "tutor_name": tutor.display_name,
        "tutor_user_id": tutor.user_id,
        "tutor_zone": slot.timezone,
        "subjects": list(tutor.subjects),
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "minutes": slot.duration_minutes,
        "session_type": slot.session_type.value,
        "capacity": slot.capacity,
        "seats_taken": slot.seats_taken,
        "amount_minor": payment.amount_minor,
        "currency": payment.currency,
        "hold_expires_at": participant.hold_expires_at.isoformat() if participant.hold_expires_at else None,
        "checkout_url": payment.checkout_url,
    }


async def _notify(
    uow: UnitOfWork, recipient: int, kind: NotificationKind, payload: dict[str, Any], key: str, now: datetime
) -> None:
    await uow.outbox.add(Notification(recipient_id=recipient, kind=kind, payload=payload, dedupe_key=key), now)


async def _booked_effects(
    uow: UnitOfWork,
    rules: BusinessRules,
    tutor: TutorProfile,
    slot: Slot,
    participant: Participant,
    payment: Payment,
    now: datetime,
    *,
    late: bool,
    live: bool = False,
) -> None:
    """What a confirmed booking brings: the messages to both sides, and the chat of a 1-to-1 session."""
    payload = booking_payload(tutor, slot, participant, payment)
    await _notify(
        uow,
        participant.user_id,
        NotificationKind.BOOKING_CONFIRMED,
        {**payload, "late": late, "live": live},
        f"booking-confirmed:{participant.id}",
        now,
    )
    student = await uow.users.get(participant.user_id)
    await _notify(
        uow,
        tutor.user_id,
        NotificationKind.BOOKING_RECEIVED,
        {**payload, "student_name": student.first_name if student else "", "note": participant.note},
        f"booking-received:{participant.id}",
        now,
    )
    # The chat belongs to this participation: whoever held the slot before never shares it.
    if (
        slot.session_type is SessionType.ONE_TO_ONE
        and await uow.conversations.get_by_participant(participant.id) is None
    ):
        await uow.conversations.add(
            Conversation(session_id=participant.session_id, participant_id=participant.id, created_at=now)
        )
    # Stored with the booking, so that a restart loses no reminder.
    session = await uow.sessions.get(participant.session_id)
    if session is not None:
        await schedule_reminders(uow, rules, session=session, slot=slot, tutor=tutor, participant=participant, now=now)


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
) -> BookingResult:
    """Hold a seat and open the checkout; a free session is booked at once."""
    note = clean_note(note)
    now = clock.now()
    async with uow_factory() as uow:
        # One booking at a time per student: two overlapping bookings cannot both pass the check.
        await uow.users.lock(user_id)
        if await uow.users.get(user_id) is None:
            raise NotFound("user.not_found")
        slot = await uow.slots.get(slot_id)
        if slot is None:
            raise Conflict("booking.taken")
        tutor = await uow.tutors.get(slot.tutor_id)
        if tutor is None:
            raise Conflict("booking.taken")
        existing_session = await uow.sessions.get_by_slot(slot.id)
        check_bookable(slot, tutor, user_id, now, rules, existing_session)
        clashes = await uow.participants.overlapping(user_id, slot.starts_at, slot.ends_at)
        if existing_session is not None and any(p.session_id == existing_session.id for p in clashes):
            raise Conflict("booking.already_booked")
        if clashes:
            raise Conflict("booking.overlap")
        price = booking_price(tutor, slot)
        if price > 0 and await uow.participants.count_holds(user_id, now) >= rules.max_unpaid_holds:
            raise ValidationError("booking.too_many_holds", max=rules.max_unpaid_holds)
        if not await uow.slots.take_seat(slot.id):
            raise full_error(slot)
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
                provider=FREE if free else STRIPE,
                created_at=now,
                updated_at=now,
            )
        )
        if free:
            await _booked_effects(uow, rules, tutor, slot, participant, payment, now, late=False)
        await uow.commit()
    if free:
        return BookingResult(participant, payment, None)
    assert participant.hold_expires_at is not None
    try:
        checkout = await gateway.create_checkout(
            amount_minor=price,
            currency=tutor.currency,
            description=f"{tutor.display_name} · {slot.duration_minutes} min",
            metadata={"payment_id": str(payment.id), "participant_id": str(participant.id)},
            success_url=return_link(participant.id),
            cancel_url=return_link(participant.id),
            expires_at=checkout_expiry(participant.hold_expires_at, now),
            idempotency_key=f"checkout-{payment.id}",
        )
    except (PaymentUnavailable, PaymentRejected) as error:
        log.warning("checkout for payment %s failed: %s", payment.id, error)
        await _release_failed_hold(uow_factory, clock, participant, payment, slot.id)
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
        released = replace(participant, status=ParticipantStatus.CANCELLED, cancelled_at=now, updated_at=now)
        if await uow.participants.update_if(released, ParticipantStatus.PENDING_PAYMENT):
            await uow.slots.release_seat(slot_id)
            await uow.payments.update(
                replace(payment, status=PaymentStatus.FAILED, last_error="checkout failed", updated_at=now)
            )
            await uow.commit()


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    # "booked", "booked_late", "refund", "already", "ignored", "duplicate", "pending", "expired"
    result: str
    payment_id: int | None = None


async def confirm_checkout(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    checkout: CheckoutSession,
    event_id: str | None = None,
) -> PaymentOutcome:
    """Apply what the provider says about a checkout session; idempotent, and harmless out of order."""
    now = clock.now()
    outcome: PaymentOutcome
    async with uow_factory() as uow:
        if event_id is not None and not await uow.webhook_events.record(STRIPE, event_id, "checkout", now):
            return PaymentOutcome("duplicate")
        payment = await _payment_of(uow, checkout)
        if payment is None:
            await uow.commit()
            return PaymentOutcome("ignored")
        if payment.status in (PaymentStatus.PAID, PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED):
            await uow.commit()
            return PaymentOutcome("already", payment.id)
        payment = replace(payment, checkout_session_id=checkout.id, provider_status=checkout.status, updated_at=now)
        if not checkout.paid:
            await uow.payments.update(payment)
            await uow.commit()
            return PaymentOutcome("expired" if checkout.status == "expired" else "pending", payment.id)
        payment = replace(payment, payment_intent_id=checkout.payment_intent_id)
        outcome = await _apply_payment(uow, rules, payment, now)
        await uow.commit()
    if outcome.result == "refund":
        await refund_payment(uow_factory, clock, gateway, payment_id=payment.id)
    return outcome


async def _payment_of(uow: UnitOfWork, checkout: CheckoutSession) -> Payment | None:
    payment = await uow.payments.get_by_checkout(checkout.id)
    if payment is None and checkout.metadata.get("payment_id", "").isdigit():
        payment = await uow.payments.get(int(checkout.metadata["payment_id"]))
        # The metadata must agree with what we created: anything else is not ours to act on.
        if payment is not None and payment.checkout_session_id not in (None, checkout.id):
            return None
    return payment


async def _apply_payment(uow: UnitOfWork, rules: BusinessRules, payment: Payment, now: datetime) -> PaymentOutcome:
    participant = await uow.participants.get(payment.participant_id)
    assert participant is not None
    session = await uow.sessions.get(participant.session_id)
    assert session is not None
    slot = await uow.slots.get(session.slot_id)
    tutor = await uow.tutors.get(session.tutor_id)
    assert slot is not None and tutor is not None
    paid = replace(payment, status=PaymentStatus.PAID, updated_at=now)
    booked = replace(participant, status=ParticipantStatus.BOOKED, booked_at=now, updated_at=now)
    # A hold taken before the tutor started may be paid during the session: it is booked, and its
    # confirmation carries a join button. A session that is over or cancelled takes no one any more.
    still_open = session.status in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS) and slot.ends_at > now
    if (
        still_open
        and participant.status is ParticipantStatus.PENDING_PAYMENT
        and await uow.participants.update_if(booked, ParticipantStatus.PENDING_PAYMENT)
    ):
        await uow.payments.update(paid)
        live = session.status is SessionStatus.IN_PROGRESS
        await _booked_effects(uow, rules, tutor, slot, booked, paid, now, late=False, live=live)
        return PaymentOutcome("booked", payment.id)
    if participant.status is ParticipantStatus.PENDING_PAYMENT:
        # Paid for a session that ended or was cancelled while the student was on the payment page.
        lapsed = replace(participant, status=ParticipantStatus.EXPIRED, updated_at=now)
        if await uow.participants.update_if(lapsed, ParticipantStatus.PENDING_PAYMENT):
            await uow.slots.release_seat(slot.id)
        participant = lapsed
    # The money came after the hold lapsed or was let go.
    await uow.users.lock(participant.user_id)
    clashes = [p for p in await uow.participants.overlapping(participant.user_id, slot.starts_at, slot.ends_at)]
    # A hold that lapsed gets its seat back if one is free and the session has not started; one the
    # student let go (or that failed) is refunded: they said they did not want it.
    can_book = (
        participant.status is ParticipantStatus.EXPIRED
        and session.status is SessionStatus.SCHEDULED
        and slot.starts_at > now
        and not clashes
        and await uow.slots.take_seat(slot.id)
    )
    if can_book and await uow.participants.update_if(booked, participant.status):
        await uow.payments.update(paid)
        fresh_slot = await uow.slots.get(slot.id)
        await _booked_effects(uow, rules, tutor, fresh_slot or slot, booked, paid, now, late=True)
        return PaymentOutcome("booked_late", payment.id)
    if can_book:
        await uow.slots.release_seat(slot.id)
    refunding = replace(paid, status=PaymentStatus.REFUND_PENDING, next_refund_attempt_at=now)
    await uow.payments.update(refunding)
    await _notify(
        uow,
        participant.user_id,
        NotificationKind.LATE_PAYMENT_REFUNDED,
        {**booking_payload(tutor, slot, participant, refunding), "session_closed": not still_open},
        f"late-refund:{payment.id}",
        now,
    )
    return PaymentOutcome("refund", payment.id)


def refund_key(payment: Payment) -> str:
    """Stable across retries of one attempt, so a retry of a refund that went through changes nothing;
    after Stripe reported a refund failed, derived from that refund so the next attempt is a new one."""
    if payment.refund_id:
        return f"refund-{payment.id}-after-{payment.refund_id}"
    return f"refund-{payment.id}"


async def refund_payment(
    uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, *, payment_id: int
) -> bool:
    """Refund a REFUND_PENDING payment in full; True once refunded. A failure is recorded and retried
    later with backoff; the idempotency key makes a retry of a refund that did go through harmless."""
    async with uow_factory() as uow:
        payment = await uow.payments.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.REFUND_PENDING:
        return payment is not None and payment.status is PaymentStatus.REFUNDED
    conflict = False
    if payment.payment_intent_id is None or payment.amount_minor == 0:
        refund_id: str | None = None
        error: str | None = None
    else:
        try:
            refund_id = await gateway.refund(
                payment_intent_id=payment.payment_intent_id,
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                idempotency_key=refund_key(payment),
            )
            error = None
        except (PaymentUnavailable, PaymentRejected) as exc:
            refund_id, error = None, str(exc) or type(exc).__name__
            conflict = isinstance(exc, PaymentKeyConflict)
    now = clock.now()
    async with uow_factory() as uow:
        current = await uow.payments.get(payment_id)
        if current is None or current.status is not PaymentStatus.REFUND_PENDING:
            return current is not None and current.status is PaymentStatus.REFUNDED
        if error is None:
            await uow.payments.update(
                replace(current, status=PaymentStatus.REFUNDED, refund_id=refund_id, last_error=None, updated_at=now)
            )
        else:
            # A key Stripe knows from another request fails the same way every time: given up at once, for
            # an operator (`tutorbot refunds`), instead of being retried for days.
            attempts = REFUND_RETRY.max_attempts if conflict else current.refund_attempts + 1
            await uow.payments.update(
                replace(
                    current,
                    refund_attempts=attempts,
                    next_refund_attempt_at=now + REFUND_RETRY.delay_after(attempts),
                    last_error=f"idempotency key conflict: {error}" if conflict else error,
                    updated_at=now,
                )
            )
        await uow.commit()
    return error is None


async def retry_refunds(uow_factory: UnitOfWorkFactory, clock: Clock, gateway: PaymentGateway, limit: int = 50) -> int:
    async with uow_factory() as uow:
        due = await uow.payments.list_refunds_due(clock.now(), limit, REFUND_RETRY.max_attempts)
    done = 0
    for payment in due:
        done += await refund_payment(uow_factory, clock, gateway, payment_id=payment.id)
    return done


async def expire_holds(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, limit: int = 100
) -> int:
    """Release the seats whose payment did not come in time, and close their checkout pages."""
    now = clock.now()
    async with uow_factory() as uow:
        lapsed = await uow.participants.list_lapsed_holds(now, limit)
    released = 0
    for participant in lapsed:
        checkout_id = await _expire_one(uow_factory, participant, now)
        if checkout_id is False:
            continue
        released += 1
        if isinstance(checkout_id, str):
            await _close_checkout(uow_factory, clock, rules, gateway, checkout_id)
    return released


async def _expire_one(uow_factory: UnitOfWorkFactory, participant: Participant, now: datetime) -> str | bool | None:
    async with uow_factory() as uow:
        expired = replace(participant, status=ParticipantStatus.EXPIRED, updated_at=now)
        # Conditional: a payment confirmed a moment ago wins over the expiry.
        if not await uow.participants.update_if(expired, ParticipantStatus.PENDING_PAYMENT):
            return False
        session = await uow.sessions.get(participant.session_id)
        assert session is not None
        await uow.slots.release_seat(session.slot_id)
        payment = await uow.payments.get_by_participant(participant.id)
        if payment is not None and payment.status is PaymentStatus.PENDING:
            payment = replace(payment, status=PaymentStatus.EXPIRED, updated_at=now)
            await uow.payments.update(payment)
        slot = await uow.slots.get(session.slot_id)
        tutor = await uow.tutors.get(session.tutor_id)
        if slot is not None and tutor is not None and payment is not None:
            await _notify(
                uow,
                participant.user_id,
                NotificationKind.HOLD_EXPIRED,
                booking_payload(tutor, slot, expired, payment),
                f"hold-expired:{participant.id}",
                now,
            )
        await uow.commit()
    return payment.checkout_session_id if payment is not None else None


async def _close_checkout(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, checkout_id: str
) -> None:
    try:
        checkout = await gateway.expire_checkout(checkout_id)
    except (PaymentUnavailable, PaymentRejected) as error:
        # The reconciliation job asks again later; a payment that slips through is handled as late.
        log.warning("could not expire checkout %s: %s", checkout_id, error)
        return
    await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)


async def reconcile_payments(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
    *,
    grace: timedelta = timedelta(minutes=1),
    limit: int = 50,
) -> int:
    """The fallback for missed webhooks (and deployments without a public URL): ask the provider about
    every checkout still open on our side."""
    now = clock.now()
    async with uow_factory() as uow:
        payments = await uow.payments.list_open_checkouts(now - grace, limit)
    applied = 0
    for payment in payments:
        assert payment.checkout_session_id is not None
        try:
            checkout = await gateway.retrieve_checkout(payment.checkout_session_id)
        except (PaymentUnavailable, PaymentRejected) as error:
            log.warning("could not retrieve checkout %s: %s", payment.checkout_session_id, error)
            continue
        if checkout.status == "open" and payment.status is PaymentStatus.EXPIRED:
            await _close_checkout(uow_factory, clock, rules, gateway, checkout.id)
            continue
        outcome = await confirm_checkout(uow_factory, clock, rules, gateway, checkout=checkout)
        applied += outcome.result in ("booked", "booked_late", "refund", "expired")
    return applied


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
    async with uow:
        booking = await uow.participants.get_booking(participant_id)
    # Another person's booking is reported exactly like a missing one.
    if booking is None or booking.participant.user_id != user_id:
        raise NotFound("booking.not_found")
    return booking


async def list_my_bookings(uow: UnitOfWork, clock: Clock, *, user_id: int, history_days: int = 30) -> list[BookingView]:
    async with uow:
        return await uow.participants.list_bookings(user_id, clock.now() - timedelta(days=history_days))


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
    # Live sessions and those of the last hours stay listed, whatever their end time says.
    return tutor, rosters


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
        cancelled = replace(booking.participant, status=ParticipantStatus.CANCELLED, cancelled_at=now, updated_at=now)
        if not await uow.participants.update_if(cancelled, ParticipantStatus.PENDING_PAYMENT):
            raise Conflict("booking.not_pending")
        await uow.slots.release_seat(booking.slot.id)
        payment = booking.payment
        if payment is not None and payment.status is PaymentStatus.PENDING:
            await uow.payments.update(replace(payment, status=PaymentStatus.EXPIRED, updated_at=now))
        await uow.commit()
    if booking.payment is not None and booking.payment.checkout_session_id:
        await _close_checkout(uow_factory, clock, rules, gateway, booking.payment.checkout_session_id)
