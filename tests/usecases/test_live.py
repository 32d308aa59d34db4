"""A session the tutor forgets to end completes itself after its grace time, with attendance sealed."""

from datetime import timedelta

from core.enums import ParticipantStatus, SessionStatus
from core.join_links import JoinLinks, JoinLinkSigner
from core.rules import BusinessRules
from core.usecases.live import start_session, watch_sessions
from core.usecases.presence import PresenceReport, report_presence
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from testkit.payments import InstantGateway
from tests.storage.factories import NOW, add_world, participant

RULES = BusinessRules()


async def test_a_forgotten_session_ends_by_itself(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        world = await add_world(uow)
        ann = await uow.participants.add(
            participant(world.session.id, world.students[0].id, status=ParticipantStatus.BOOKED)
        )
        await uow.commit()
    clock = FixedClock(world.slot.starts_at - timedelta(minutes=5))
    links = JoinLinks(JoinLinkSigner(b"0123456789abcdef0123"), "https://bot.example.com")
    await start_session(uow_factory, clock, RULES, links, user_id=world.tutor_user.id, session_id=world.session.id)
    await report_presence(
        uow_factory, clock, session_id=world.session.id, user_id=ann.user_id, report=PresenceReport.JOINED
    )
    gateway = InstantGateway()
    # At the end, and within the grace time, it goes on.
    clock.current = world.slot.ends_at + timedelta(minutes=RULES.session_grace_minutes - 1)
    assert (await watch_sessions(uow_factory, clock, RULES, gateway))["ended"] == 0
    clock.advance(minutes=2)
    assert (await watch_sessions(uow_factory, clock, RULES, gateway))["ended"] == 1
    assert (await watch_sessions(uow_factory, clock, RULES, gateway))["ended"] == 0
    async with uow_factory() as uow:
        session = await uow.sessions.get(world.session.id)
        intervals = await uow.attendance.list_for_session(world.session.id)
        conversations = await uow.conversations.list_for_session(world.session.id)
    assert session is not None and session.status is SessionStatus.COMPLETED and session.completed_at == clock.now()
    assert [a.left_at for a in intervals] == [clock.now()]
    assert all(c.closed_at is not None for c in conversations)
    # Presence reported after the end changes nothing.
    await report_presence(
        uow_factory, clock, session_id=world.session.id, user_id=ann.user_id, report=PresenceReport.JOINED
    )
    async with uow_factory() as uow:
        assert len(await uow.attendance.list_for_session(world.session.id)) == 1


async def test_presence_is_recorded_only_for_people_who_may_join(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(NOW)
    async with uow_factory() as uow:
        world = await add_world(uow)
        ann = await uow.participants.add(
            participant(world.session.id, world.students[0].id, status=ParticipantStatus.BOOKED)
        )
        await uow.participants.add(
            participant(world.session.id, world.students[1].id, status=ParticipantStatus.CANCELLED)
        )
        await uow.commit()
    clock.current = world.slot.starts_at
    links = JoinLinks(JoinLinkSigner(b"0123456789abcdef0123"), "https://bot.example.com")
    await start_session(uow_factory, clock, RULES, links, user_id=world.tutor_user.id, session_id=world.session.id)
    # A link made before its holder left still verifies; it records nothing for them.
    for user_id in (ann.user_id, world.students[1].id, 424242):
        await report_presence(
            uow_factory, clock, session_id=world.session.id, user_id=user_id, report=PresenceReport.JOINED
        )
    async with uow_factory() as uow:
        present = {a.user_id for a in await uow.attendance.list_for_session(world.session.id)}
    assert present == {ann.user_id}
