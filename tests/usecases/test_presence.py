"""Presence in the video from two sources: a page that goes quiet is counted as gone within a minute,
the second source's view is recorded beside the first, and the room (who is here, the tutor's mutes)
is given only to the people of the session."""

from dataclasses import dataclass
from datetime import time, timedelta

import pytest

from core.entities import Participant
from core.enums import AttendanceEnd, AttendanceSource, ParticipantStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.join_links import JoinLinks, JoinLinkSigner
from core.rules import BusinessRules
from core.usecases.live import end_session, live_view, start_session
from core.usecases.presence import (
    PresenceReport,
    mute_student,
    record_video_event,
    report_presence,
    room_state,
    seal_quiet_presence,
)
from core.video import TUTOR_UID, VideoEvent, channel_name, participant_uid
from jobs.registry import all_jobs
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from tests.storage.factories import World, add_world, participant

RULES = BusinessRules()


@dataclass
class Live:
    world: World
    ann: Participant
    bob: Participant
    clock: FixedClock


@pytest.fixture
async def live(uow_factory: SqlUnitOfWorkFactory) -> Live:
    async with uow_factory() as uow:
        world = await add_world(uow, capacity=3)
        ann = await uow.participants.add(
            participant(world.session.id, world.students[0].id, status=ParticipantStatus.BOOKED)
        )
        bob = await uow.participants.add(
            participant(world.session.id, world.students[1].id, status=ParticipantStatus.BOOKED)
        )
        await uow.commit()
    clock = FixedClock(world.slot.starts_at)
    links = JoinLinks(JoinLinkSigner(b"0123456789abcdef0123"), "https://bot.example.com")
    await start_session(uow_factory, clock, RULES, links, user_id=world.tutor_user.id, session_id=world.session.id)
    return Live(world, ann, bob, clock)


async def page(uow_factory: SqlUnitOfWorkFactory, live: Live, user_id: int, report: PresenceReport) -> bool:
    return await report_presence(
        uow_factory, live.clock, session_id=live.world.session.id, user_id=user_id, report=report
    )


async def agora(uow_factory: SqlUnitOfWorkFactory, live: Live, uid: int, joined: bool, seq: int) -> bool:
    event = VideoEvent(f"n-{seq}", channel_name(live.world.session.id), uid, joined, live.clock.now())
    return await record_video_event(uow_factory, live.clock, event)


async def who_is_here(uow_factory: SqlUnitOfWorkFactory, live: Live) -> dict[str, bool]:
    view = await live_view(
        uow_factory(), live.clock, RULES, user_id=live.world.tutor_user.id, session_id=live.world.session.id
    )
    return {p.user.first_name: p.joined for p in view.people}


async def test_a_page_that_stops_reporting_is_gone_within_a_minute(
    uow_factory: SqlUnitOfWorkFactory, live: Live
) -> None:
    ann = live.ann.user_id
    await page(uow_factory, live, ann, PresenceReport.JOINED)
    joined_at = live.clock.now()
    # Heartbeats keep her in.
    for _ in range(4):
        live.clock.advance(seconds=RULES.heartbeat_seconds)
        await page(uow_factory, live, ann, PresenceReport.HEARTBEAT)
    last_beat = live.clock.now()
    assert await seal_quiet_presence(uow_factory, live.clock, RULES) == 0
    # The laptop is closed: no leave beacon, no more heartbeats.
    live.clock.advance(seconds=RULES.presence_timeout_seconds - 1)
    assert (await who_is_here(uow_factory, live))[live.world.students[0].first_name] is True
    assert await seal_quiet_presence(uow_factory, live.clock, RULES) == 0
    live.clock.advance(seconds=2)
    # The tutor's view says so before the job even runs, and the job seals it at the last heartbeat.
    assert (await who_is_here(uow_factory, live))[live.world.students[0].first_name] is False
    assert await seal_quiet_presence(uow_factory, live.clock, RULES) == 1
    async with uow_factory() as uow:
        (interval,) = await uow.attendance.list_for_session(live.world.session.id)
    assert (interval.joined_at, interval.left_at, interval.closed_by) == (
        joined_at,
        last_beat,
        AttendanceEnd.HEARTBEAT_TIMEOUT,
    )
    # The laptop opens again: the next heartbeat is a new interval.
    live.clock.advance(minutes=5)
    await page(uow_factory, live, ann, PresenceReport.HEARTBEAT)
    assert (await who_is_here(uow_factory, live))[live.world.students[0].first_name] is True
    # The worst case: the laptop closes just after a heartbeat, and the job has just run.
    job = all_jobs(outbox_interval=1, daily_at=time(2))["presence"]
    assert job.interval_seconds is not None and RULES.presence_timeout_seconds + job.interval_seconds <= 60


async def test_the_record_says_which_source_saw_what(uow_factory: SqlUnitOfWorkFactory, live: Live) -> None:
    ann, bob = live.ann.user_id, live.bob.user_id
    # Ann: the page and Agora agree she came in; the page's leave closes it, Agora's leave changes nothing.
    await page(uow_factory, live, ann, PresenceReport.JOINED)
    live.clock.advance(seconds=3)
    assert await agora(uow_factory, live, participant_uid(live.ann.id), True, 1)
    live.clock.advance(minutes=10)
    await page(uow_factory, live, ann, PresenceReport.LEFT)
    assert await agora(uow_factory, live, participant_uid(live.ann.id), False, 2)
    # Bob: only Agora ever saw him (his page never reported); the tutor: only the page did.
    assert await agora(uow_factory, live, participant_uid(live.bob.id), True, 3)
    await page(uow_factory, live, live.world.tutor_user.id, PresenceReport.JOINED)
    # The same notice again is applied once.
    assert not await agora(uow_factory, live, participant_uid(live.bob.id), True, 3)
    async with uow_factory() as uow:
        rows = await uow.attendance.list_for_session(live.world.session.id)
    assert [(a.user_id, a.source, a.confirmed_by, a.closed_by) for a in rows] == [
        (ann, AttendanceSource.JOIN_PAGE, AttendanceSource.AGORA_WEBHOOK, AttendanceEnd.JOIN_PAGE),
        (bob, AttendanceSource.AGORA_WEBHOOK, None, None),
        (live.world.tutor_user.id, AttendanceSource.JOIN_PAGE, None, None),
    ]
    # Agora-only intervals have no heartbeat to miss: the presence job leaves Bob in.
    live.clock.advance(minutes=5)
    assert await seal_quiet_presence(uow_factory, live.clock, RULES) == 1  # the tutor's quiet page
    here = await who_is_here(uow_factory, live)
    assert here[live.world.students[1].first_name] is True
    # The end seals what is still open, and says so.
    await end_session(uow_factory, live.clock, session_id=live.world.session.id, user_id=live.world.tutor_user.id)
    async with uow_factory() as uow:
        rows = await uow.attendance.list_for_session(live.world.session.id)
    assert [a.closed_by for a in rows] == [
        AttendanceEnd.JOIN_PAGE,
        AttendanceEnd.SESSION_END,
        AttendanceEnd.HEARTBEAT_TIMEOUT,
    ]


async def test_the_room_is_told_to_its_people_only(uow_factory: SqlUnitOfWorkFactory, live: Live) -> None:
    session_id = live.world.session.id
    await page(uow_factory, live, live.ann.user_id, PresenceReport.JOINED)
    room = await room_state(uow_factory, live.clock, RULES, session_id=session_id, user_id=live.bob.user_id)
    assert room.me == participant_uid(live.bob.id) and not room.is_tutor and room.ends_at == live.world.slot.ends_at
    assert [(p.uid, p.role, p.here) for p in room.people] == [
        (TUTOR_UID, "tutor", False),
        (participant_uid(live.ann.id), "student", True),
        (participant_uid(live.bob.id), "student", False),
    ]
    assert room.people[0].name == live.world.tutor.display_name
    with pytest.raises(Forbidden):
        await room_state(uow_factory, live.clock, RULES, session_id=session_id, user_id=424242)
    # Bob cancels: his old link no longer opens the room, nor records anything.
    async with uow_factory() as uow:
        await uow.participants.update_if(live.bob.cancel(live.clock.now()), ParticipantStatus.BOOKED)
        await uow.commit()
    with pytest.raises(Forbidden):
        await room_state(uow_factory, live.clock, RULES, session_id=session_id, user_id=live.bob.user_id)
    assert not await page(uow_factory, live, live.bob.user_id, PresenceReport.JOINED)


async def test_only_the_tutor_mutes_and_only_a_student_of_the_session(
    uow_factory: SqlUnitOfWorkFactory, live: Live
) -> None:
    session_id, tutor = live.world.session.id, live.world.tutor_user.id
    ann_uid = participant_uid(live.ann.id)

    async def mutes_of_ann() -> int:
        room = await room_state(uow_factory, live.clock, RULES, session_id=session_id, user_id=live.ann.user_id)
        return room.mutes

    assert await mutes_of_ann() == 0
    await mute_student(uow_factory, live.clock, session_id=session_id, user_id=tutor, uid=ann_uid)
    await mute_student(uow_factory, live.clock, session_id=session_id, user_id=tutor, uid=ann_uid)
    assert await mutes_of_ann() == 2
    # A student cannot mute anyone (a forged call from a page), nor can a stranger.
    with pytest.raises(Forbidden):
        await mute_student(uow_factory, live.clock, session_id=session_id, user_id=live.bob.user_id, uid=ann_uid)
    with pytest.raises(Forbidden):
        await mute_student(uow_factory, live.clock, session_id=session_id, user_id=424242, uid=ann_uid)
    # The tutor cannot mute themselves, nor a uid that is nobody here.
    for uid in (TUTOR_UID, 999_999):
        with pytest.raises(NotFound):
            await mute_student(uow_factory, live.clock, session_id=session_id, user_id=tutor, uid=uid)
    assert await mutes_of_ann() == 2
    live.clock.current = live.world.slot.ends_at + timedelta(minutes=1)
    await end_session(uow_factory, live.clock, session_id=session_id, user_id=tutor)
    with pytest.raises(ValidationError):
        await mute_student(uow_factory, live.clock, session_id=session_id, user_id=tutor, uid=ann_uid)
