"""Families: a child accepts a parent's invite (once, and only someone else's), a child without Telegram is
added by name; the parent books, pays with the family's credits and cancels for the child, gets copies of
the child's messages, and nobody else can do any of it."""

import pytest

from core.enums import FamilyLinkStatus, ParticipantStatus, Role
from core.errors import Conflict, NotFound, ValidationError
from core.families import is_managed
from core.join_links import JoinLinks, JoinLinkSigner
from core.notifications import NotificationKind
from core.usecases.bookings import book_slot, get_booking, list_my_bookings
from core.usecases.cancellations import cancel_booking
from core.usecases.families import (
    accept_invite,
    add_managed_child,
    child_link_for_booking,
    decline_invite,
    invite_child,
    my_children,
    remove_child,
)
from core.usecases.live import fresh_join_link, start_session
from integrations.stripe_gateway import StripeGateway
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.people import add_person, tutor_and_students
from testkit.stripe import FakeStripe
from tests.usecases.test_packages import ANN, BOB, RULES, TUTOR, bought, link, slots

PARENT, OTHER_PARENT = 6, 7


async def outbox_of(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[int, str, object]]:
    """(recipient, kind, for_child) of every queued message."""
    async with uow_factory() as uow:
        messages = [await uow.outbox.get(i) for i in range(1, 80)]
    return [(m.recipient_id, m.kind, m.payload.get("for_child")) for m in messages if m is not None]


async def test_a_child_accepts_an_invite_once_and_the_parent_books_and_cancels_for_them(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, stripe: FakeStripe, gateway: StripeGateway
) -> None:
    first, second = await slots(uow_factory, clock, 2)
    for parent in (PARENT, OTHER_PARENT):
        await add_person(uow_factory, clock, parent, role=Role.STUDENT, first_name=f"Parent{parent}")
    with pytest.raises(ValidationError):
        await invite_child(uow_factory(), clock, parent_id=PARENT, name=" " * 10)
    invite = await invite_child(uow_factory(), clock, parent_id=PARENT, name="Ann")
    assert invite.invite_token is not None
    # The parent cannot accept their own invite; a made-up token is a missing invite.
    with pytest.raises(ValidationError):
        await accept_invite(uow_factory(), clock, user_id=PARENT, token=invite.invite_token)
    with pytest.raises(NotFound):
        await accept_invite(uow_factory(), clock, user_id=ANN, token="made-up")
    # Before Ann accepts, nobody may book for her.
    with pytest.raises(NotFound):
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=PARENT, slot_id=first.id, student_id=ANN)
    linked = await accept_invite(uow_factory(), clock, user_id=ANN, token=invite.invite_token)
    assert (linked.status, linked.child_id) == (FamilyLinkStatus.ACTIVE, ANN)
    with pytest.raises(NotFound):
        await accept_invite(uow_factory(), clock, user_id=BOB, token=invite.invite_token)

    # The parent spends their own package's credit on Ann's lesson: booked at once, for Ann.
    purchase = await bought(uow_factory, clock, stripe, gateway, user_id=PARENT)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=PARENT, slot_id=first.id, student_id=ANN, credit_from=purchase
    )
    assert (booked.participant.user_id, booked.participant.booked_by, booked.confirmed) == (ANN, PARENT, True)
    queued = await outbox_of(uow_factory)
    assert (ANN, NotificationKind.BOOKING_CONFIRMED, None) in queued
    assert (PARENT, NotificationKind.BOOKING_CONFIRMED, "Ann") in queued
    async with uow_factory() as uow:
        received = [await uow.outbox.get(i) for i in range(1, 80)]
    [to_tutor] = [m for m in received if m is not None and m.kind == NotificationKind.BOOKING_RECEIVED]
    assert (to_tutor.payload["student_name"], to_tutor.payload["booked_by_name"]) == ("U2", "Parent6")
    # The parent's list holds Ann's booking; another parent cannot see, book for, or cancel it.
    assert [b.participant.id for b in await list_my_bookings(uow_factory(), clock, user_id=PARENT)] == [
        booked.participant.id
    ]
    for stranger in (OTHER_PARENT, BOB):
        with pytest.raises(NotFound):
            await get_booking(uow_factory(), user_id=stranger, participant_id=booked.participant.id)
        with pytest.raises(NotFound):
            await cancel_booking(
                uow_factory, clock, RULES, gateway, user_id=stranger, participant_id=booked.participant.id
            )
    with pytest.raises(NotFound):
        await book_slot(
            uow_factory, clock, RULES, gateway, link, user_id=OTHER_PARENT, slot_id=second.id, student_id=ANN
        )
    # Another family's package cannot pay for Ann's lesson, whoever books it.
    theirs = await bought(uow_factory, clock, stripe, gateway, user_id=OTHER_PARENT)
    for booker in (ANN, PARENT):
        with pytest.raises(NotFound):
            await book_slot(
                uow_factory,
                clock,
                RULES,
                gateway,
                link,
                user_id=booker,
                slot_id=second.id,
                student_id=ANN,
                credit_from=theirs,
            )
    await cancel_booking(uow_factory, clock, RULES, gateway, user_id=PARENT, participant_id=booked.participant.id)
    cancelled = await get_booking(uow_factory(), user_id=ANN, participant_id=booked.participant.id)
    assert cancelled.participant.status is ParticipantStatus.CANCELLED

    # Once the link is removed, the parent no longer acts for Ann.
    [child] = await my_children(uow_factory(), parent_id=PARENT)
    with pytest.raises(NotFound):
        await remove_child(uow_factory(), parent_id=OTHER_PARENT, link_id=child.link.id)
    await remove_child(uow_factory(), parent_id=PARENT, link_id=child.link.id)
    with pytest.raises(NotFound):
        await book_slot(uow_factory, clock, RULES, gateway, link, user_id=PARENT, slot_id=second.id, student_id=ANN)


async def test_a_child_without_telegram_is_booked_for_and_only_the_parent_is_told(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: StripeGateway
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 2)
    await add_person(uow_factory, clock, PARENT, role=Role.STUDENT)
    child = await add_managed_child(uow_factory(), clock, parent_id=PARENT, name="Léo")
    assert child.user is not None and is_managed(child.user.id) and child.bookable
    # Another parent cannot pick Léo on the booking screen.
    await add_person(uow_factory, clock, OTHER_PARENT, role=Role.STUDENT)
    with pytest.raises(NotFound):
        await child_link_for_booking(uow_factory(), parent_id=OTHER_PARENT, link_id=child.link.id)
    picked = await child_link_for_booking(uow_factory(), parent_id=PARENT, link_id=child.link.id)
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=PARENT, slot_id=slot.id, student_id=picked.id
    )
    assert booked.confirmed and booked.participant.user_id == child.user.id
    queued = await outbox_of(uow_factory)
    assert (PARENT, NotificationKind.BOOKING_CONFIRMED, "Léo") in queued
    # Nothing is ever addressed to the child's own row.
    assert not [r for r, _kind, _child in queued if is_managed(r)]


async def test_an_invite_declined_links_nobody_and_a_second_acceptance_of_the_same_child_is_refused(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock
) -> None:
    await slots(uow_factory, clock, 1)
    await add_person(uow_factory, clock, PARENT, role=Role.STUDENT)
    first = await invite_child(uow_factory(), clock, parent_id=PARENT, name="Ann")
    second = await invite_child(uow_factory(), clock, parent_id=PARENT, name="Ann again")
    assert first.invite_token and second.invite_token
    await decline_invite(uow_factory(), user_id=ANN, token=first.invite_token)
    with pytest.raises(NotFound):
        await accept_invite(uow_factory(), clock, user_id=ANN, token=first.invite_token)
    await accept_invite(uow_factory(), clock, user_id=ANN, token=second.invite_token)
    third = await invite_child(uow_factory(), clock, parent_id=PARENT, name="Ann thrice")
    assert third.invite_token
    with pytest.raises(Conflict):
        await accept_invite(uow_factory(), clock, user_id=ANN, token=third.invite_token)


async def test_a_parent_gets_the_join_link_of_a_child_without_telegram_and_nobody_else_does(
    uow_factory: SqlUnitOfWorkFactory, clock: FixedClock, gateway: StripeGateway
) -> None:
    slot = await tutor_and_students(uow_factory, clock, 2)
    await add_person(uow_factory, clock, PARENT, role=Role.STUDENT)
    await add_person(uow_factory, clock, OTHER_PARENT, role=Role.STUDENT)
    child = await add_managed_child(uow_factory(), clock, parent_id=PARENT, name="Léo")
    assert child.user is not None
    booked = await book_slot(
        uow_factory, clock, RULES, gateway, link, user_id=PARENT, slot_id=slot.id, student_id=child.user.id
    )
    links = JoinLinks(JoinLinkSigner(b"0123456789abcdef0123"), "https://bot.example.com")
    clock.advance(hours=78)  # Monday 23 March, 15:00 UTC: the session's start
    await start_session(uow_factory, clock, RULES, links, user_id=TUTOR, session_id=booked.participant.session_id)
    queued = await outbox_of(uow_factory)
    assert (PARENT, NotificationKind.SESSION_STARTED, "Léo") in queued
    url, *_rest = await fresh_join_link(
        uow_factory(), clock, RULES, links, user_id=PARENT, session_id=booked.participant.session_id
    )
    claim = links.signer.verify(url.rsplit("/", 1)[1], clock.now())
    assert claim.user_id == child.user.id
    # Another parent gets nothing.
    with pytest.raises(NotFound):
        await fresh_join_link(
            uow_factory(), clock, RULES, links, user_id=OTHER_PARENT, session_id=booked.participant.session_id
        )
