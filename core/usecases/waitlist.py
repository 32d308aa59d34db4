"""Waitlists (see `core.waitlist`): joining the queue of a full slot, passing a freed seat to the first
person waiting (in the transaction that freed it), that person booking it or giving it up, and the job
that passes on the seats whose hold ran out."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.bookings import booking_price
from core.clock import Clock
from core.entities import Slot, TutorProfile
from core.enums import SessionStatus, WaitlistStatus
from core.errors import Conflict, NotFound, ValidationError
from core.notifications import SessionFacts, WaitlistMissed, WaitlistOffer
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.outbox import notify
from core.waitlist import MAX_WAITING, WaitlistEntry


def _still_sold(slot: Slot, session_status: SessionStatus | None, now: datetime) -> bool:
    """Whether the slot is still on sale: not removed, not started, its session (if any) scheduled."""
    last = slot.book_by or slot.starts_at
    scheduled = session_status in (None, SessionStatus.SCHEDULED)
    return slot.removed_at is None and scheduled and now < last


async def join_waitlist(uow: UnitOfWork, clock: Clock, *, user_id: int, slot_id: int) -> WaitlistEntry:
    """A place at the end of a full slot's queue (the one already held, when asked twice)."""
    now = clock.now()
    async with uow:
        if await uow.users.lock(user_id) is None:
            raise NotFound("user.not_found")
        slot = await uow.slots.get(slot_id)
        tutor = await uow.tutors.get(slot.tutor_id) if slot is not None else None
        session = await uow.sessions.get_by_slot(slot_id) if slot is not None else None
        if slot is None or tutor is None or not _still_sold(slot, session.status if session else None, now):
            raise Conflict("booking.taken")
        if tutor.user_id == user_id:
            raise ValidationError("booking.own_slot")
        existing = await uow.waitlist.active_for(slot_id, user_id)
        if existing is not None:
            return existing
        if session is not None and any(
            p.user_id == user_id and p.status.holds_seat for p in await uow.participants.list_for_session(session.id)
        ):
            raise Conflict("booking.already_booked")
        if slot.seats_left > 0:
            raise ValidationError("waitlist.seat_free")
        if await uow.waitlist.count_active(user_id) >= MAX_WAITING:
            raise ValidationError("waitlist.too_many", max=MAX_WAITING)
        entry = await uow.waitlist.add(WaitlistEntry(slot_id=slot_id, user_id=user_id, created_at=now, updated_at=now))
        await uow.commit()
    return entry


async def leave_waitlist(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, entry_id: int
) -> WaitlistEntry:
    """Out of the queue; a seat held for the person goes to the next one."""
    now = clock.now()
    async with uow:
        entry = await uow.waitlist.get(entry_id)
        if entry is None or entry.user_id != user_id or not entry.status.active:
            raise NotFound("waitlist.not_found")
        left = entry.ended(WaitlistStatus.LEFT, now)
        if not await uow.waitlist.update_if(left, entry.status):
            raise NotFound("waitlist.not_found")
        if entry.status is WaitlistStatus.OFFERED:
            await uow.slots.release_seat(entry.slot_id)
            await pass_on_seats(uow, rules, entry.slot_id, now)
        await uow.commit()
    return left


async def pass_on_seats(uow: UnitOfWork, rules: BusinessRules, slot_id: int, now: datetime) -> int:
    """In the caller's transaction, right after a seat of the slot was freed: each free seat goes to the
    next person waiting, held for them (taken again, so nobody else books it) until the hold ends. A slot
    no longer on sale passes nothing on. The number of seats offered."""
    offered = 0
    while True:
        slot = await uow.slots.get(slot_id)
        session = await uow.sessions.get_by_slot(slot_id) if slot is not None else None
        if slot is None or not _still_sold(slot, session.status if session else None, now):
            # Started, cancelled or removed: its queue is over.
            await uow.waitlist.end_waiting(slot_id, now)
            return offered
        if slot.seats_left <= 0:
            return offered
        entry = await uow.waitlist.next_waiting(slot_id)
        if entry is None:
            return offered
        tutor = await uow.tutors.get(slot.tutor_id)
        assert tutor is not None
        until = min(now + timedelta(minutes=rules.waitlist_hold_minutes), slot.book_by or slot.starts_at)
        # The seat first: a booking that took it a moment ago wins, and nothing is offered.
        if not await uow.slots.take_seat(slot_id):
            return offered
        if not await uow.waitlist.update_if(entry.offered(now, until), WaitlistStatus.WAITING):
            await uow.slots.release_seat(slot_id)
            continue
        session = session or await uow.sessions.get_or_create(slot, now)
        offer = WaitlistOffer(
            session=SessionFacts.of(tutor, slot, session.id),
            entry_id=entry.id,
            hold_until=until,
            amount_minor=booking_price(tutor, slot),
        )
        await notify(uow, entry.user_id, offer, f"waitlist-offer:{entry.id}", now)
        offered += 1


@dataclass(frozen=True, slots=True)
class HeldOffer:
    entry: WaitlistEntry
    slot: Slot


async def held_offer(uow: UnitOfWork, *, user_id: int, entry_id: int, now: datetime) -> HeldOffer:
    """In the caller's transaction: the seat held for this person, or why it is not any more."""
    entry = await uow.waitlist.get(entry_id)
    if entry is None or entry.user_id != user_id:
        raise NotFound("waitlist.not_found")
    if not entry.holds_offer(now):
        raise Conflict("waitlist.offer_over")
    slot = await uow.slots.get(entry.slot_id)
    assert slot is not None
    return HeldOffer(entry, slot)


async def offer_to_claim(uow: UnitOfWork, clock: Clock, *, user_id: int, entry_id: int) -> HeldOffer:
    """The seat held for this person, before its booking screen opens."""
    async with uow:
        return await held_offer(uow, user_id=user_id, entry_id=entry_id, now=clock.now())


@dataclass(frozen=True, slots=True)
class Place:
    """One of a person's places in a queue: the time waited for, and its tutor."""

    entry: WaitlistEntry
    slot: Slot
    tutor: TutorProfile


async def my_waitlist(uow: UnitOfWork, *, user_id: int) -> list[Place]:
    async with uow:
        places = []
        for entry in await uow.waitlist.of_user(user_id):
            slot = await uow.slots.get(entry.slot_id)
            tutor = await uow.tutors.get(slot.tutor_id) if slot is not None else None
            if slot is not None and tutor is not None:
                places.append(Place(entry, slot, tutor))
    return places


async def expire_offers(uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, *, batch: int = 100) -> int:
    """The waitlist job: a seat whose hold ran out goes to the next person waiting (or back on sale), and
    a seat freed where nothing passed it on is offered now. The number of offers that lapsed."""
    now = clock.now()
    lapsed = 0
    async with uow_factory() as uow:
        for entry in await uow.waitlist.lapsed_offers(now, batch):
            if not await uow.waitlist.update_if(entry.ended(WaitlistStatus.EXPIRED, now), WaitlistStatus.OFFERED):
                continue
            lapsed += 1
            await uow.slots.release_seat(entry.slot_id)
            slot = await uow.slots.get(entry.slot_id)
            session = await uow.sessions.get_by_slot(entry.slot_id)
            tutor = await uow.tutors.get(slot.tutor_id) if slot is not None else None
            if slot is not None and session is not None and tutor is not None:
                missed = WaitlistMissed(session=SessionFacts.of(tutor, slot, session.id))
                await notify(uow, entry.user_id, missed, f"waitlist-missed:{entry.id}", now)
            await pass_on_seats(uow, rules, entry.slot_id, now)
        for slot_id in await uow.waitlist.slots_with_free_seats(batch):
            await pass_on_seats(uow, rules, slot_id, now)
        await uow.commit()
    return lapsed
