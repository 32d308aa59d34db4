"""Who is in a session's video, from two sources: the join page (its join call, a heartbeat every
`heartbeat_seconds`, the leave beacon) and Agora's webhook. Each person's time in the video is kept as
intervals; an interval records which source opened it, whether the other one saw the person too
(`confirmed_by`) and what closed it, so a disagreement between the two stays visible. Here too: the
room as the page shows it (the people and whether they are in) and the tutor muting a student."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.attendance import in_video, quiet_since
from core.clock import Clock
from core.entities import Attendance, TeachingSession, TutorProfile, VideoMute
from core.enums import AttendanceEnd, AttendanceSource, ParticipantStatus, SessionStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.live import AGORA, join_rights
from core.video import TUTOR_UID, VideoEvent, participant_uid


class PresenceReport(StrEnum):
    JOINED = "joined"
    HEARTBEAT = "heartbeat"
    LEFT = "left"


_ENDED_BY = {
    AttendanceSource.JOIN_PAGE: AttendanceEnd.JOIN_PAGE,
    AttendanceSource.AGORA_WEBHOOK: AttendanceEnd.AGORA_WEBHOOK,
}


async def report_presence(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    session_id: int,
    user_id: int,
    report: PresenceReport,
    source: AttendanceSource = AttendanceSource.JOIN_PAGE,
    at: datetime | None = None,
) -> bool:
    """Apply one report; False when nothing may be recorded (the session is not live, or the person no
    longer holds a seat: a link issued before its holder cancelled still verifies)."""
    at = at or clock.now()
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        if session is None or session.status is not SessionStatus.IN_PROGRESS:
            return False  # sealed intervals stay sealed
        try:
            await join_rights(uow, session, user_id)
        except Forbidden:
            return False
        if report is PresenceReport.LEFT:
            await uow.attendance.close_open(session_id, at, _ENDED_BY[source], user_id=user_id)
        else:
            await _in(uow, session_id, user_id, source, at)
        await uow.commit()
    return True


async def _in(uow: UnitOfWork, session_id: int, user_id: int, source: AttendanceSource, at: datetime) -> None:
    heartbeat = at if source is AttendanceSource.JOIN_PAGE else None
    interval = await uow.attendance.open_interval(session_id, user_id)
    if interval is None:
        # A heartbeat with nothing open is a page that kept running while its interval was closed (the
        # presence job, or Agora reporting a leave): the person is evidently in.
        await uow.attendance.add(
            Attendance(session_id=session_id, user_id=user_id, joined_at=at, source=source, last_seen_at=heartbeat)
        )
        return
    second = source if source is not interval.source and interval.confirmed_by is None else None
    await uow.attendance.seen(interval.id, last_seen_at=heartbeat, confirmed_by=second)


async def record_video_event(uow_factory: UnitOfWorkFactory, clock: Clock, event: VideoEvent) -> bool:
    """A join or leave reported by the video provider's webhook; each notification is applied once."""
    async with uow_factory() as uow:
        if not await uow.webhook_events.record(AGORA, event.event_id, "presence", clock.now()):
            return False
        await uow.commit()
    prefix = "tutorbot-session-"
    if not event.channel.startswith(prefix) or not event.channel.removeprefix(prefix).isdigit():
        return False
    session_id = int(event.channel.removeprefix(prefix))
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        if session is None:
            return False
        user_id = await _user_of_uid(uow, session, event.uid)
    if user_id is None:
        return False
    return await report_presence(
        uow_factory,
        clock,
        session_id=session_id,
        user_id=user_id,
        report=PresenceReport.JOINED if event.joined else PresenceReport.LEFT,
        source=AttendanceSource.AGORA_WEBHOOK,
        at=event.at,
    )


async def _user_of_uid(uow: UnitOfWork, session: TeachingSession, uid: int) -> int | None:
    if uid == TUTOR_UID:
        tutor = await uow.tutors.get(session.tutor_id)
        return tutor.user_id if tutor is not None else None
    for participant in await uow.participants.list_for_session(session.id):
        if participant_uid(participant.id) == uid and participant.status is ParticipantStatus.BOOKED:
            return participant.user_id
    return None


async def seal_quiet_presence(uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules) -> int:
    """The presence job: close the intervals of pages that stopped reporting, at their last heartbeat."""
    async with uow_factory() as uow:
        sealed = await uow.attendance.close_quiet(quiet_since(clock.now(), rules.presence_timeout_seconds))
        await uow.commit()
    return sealed


async def _person_of(uow: UnitOfWork, session_id: int, user_id: int) -> tuple[TeachingSession, TutorProfile, int]:
    """The session, its tutor and the person's video uid, for the tutor or a student holding a seat;
    anyone else is refused as at the join."""
    session = await uow.sessions.get(session_id)
    if session is None:
        raise Forbidden("join.invalid")
    tutor, uid = await join_rights(uow, session, user_id)
    return session, tutor, uid


@dataclass(frozen=True, slots=True)
class RoomPerson:
    uid: int
    name: str
    role: str  # "tutor" or "student"
    here: bool


@dataclass(frozen=True, slots=True)
class RoomState:
    """The room as one person's page shows it."""

    status: SessionStatus
    ends_at: datetime
    people: tuple[RoomPerson, ...]
    me: int  # the reader's uid
    is_tutor: bool
    # How many times the tutor muted the reader: the page mutes its microphone when this grows.
    mutes: int


async def room_state(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, *, session_id: int, user_id: int
) -> RoomState:
    """Only for the tutor and the students holding a seat; anyone else is refused as at the join."""
    now = clock.now()
    async with uow_factory() as uow:
        session, tutor, me = await _person_of(uow, session_id, user_id)
        slot = await uow.slots.get(session.slot_id)
        booked = [
            p for p in await uow.participants.list_for_session(session_id) if p.status is ParticipantStatus.BOOKED
        ]
        intervals = await uow.attendance.list_for_session(session_id)
        names = {u.id: u.first_name for u in await uow.users.get_many([p.user_id for p in booked])}
        mutes = await uow.video_mutes.count_for(session_id, user_id)
    assert slot is not None
    timeout = rules.presence_timeout_seconds

    def here(person_id: int) -> bool:
        return any(a.user_id == person_id and in_video(a, now, timeout) for a in intervals)

    people = [RoomPerson(TUTOR_UID, tutor.display_name, "tutor", here(tutor.user_id))]
    people += [RoomPerson(participant_uid(p.id), names.get(p.user_id, ""), "student", here(p.user_id)) for p in booked]
    return RoomState(session.status, slot.ends_at, tuple(people), me, me == TUTOR_UID, mutes)


async def mute_student(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, session_id: int, user_id: int, uid: int
) -> None:
    """The tutor mutes a student's microphone: recorded here, the student's page obeys at its next
    heartbeat. Only the session's tutor may, only while it is live, only a student holding a seat."""
    now = clock.now()
    async with uow_factory() as uow:
        session, _tutor, caller = await _person_of(uow, session_id, user_id)
        if caller != TUTOR_UID:
            raise Forbidden("room.tutor_only")
        if session.status is not SessionStatus.IN_PROGRESS:
            raise ValidationError("live.not_running")
        student = await _user_of_uid(uow, session, uid) if uid != TUTOR_UID else None
        if student is None:
            raise NotFound("room.no_such_student")
        await uow.video_mutes.add(VideoMute(session_id=session_id, user_id=student, muted_by=user_id, muted_at=now))
        await uow.commit()
