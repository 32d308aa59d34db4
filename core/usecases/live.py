"""The live session (spec 002 §4, spec 000 §3-§5): the tutor starts it, people join through signed links
with video tokens bound to them, attendance is kept as intervals, the tutor ends it (or it ends by
itself), and a tutor who never starts is a no-show whose students are refunded."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.attendance import in_video, minutes_in_video
from core.bookings import start_opens
from core.clock import Clock
from core.entities import Participant, Slot, TeachingSession, TutorProfile, User
from core.enums import AttendanceEnd, ParticipantStatus, SessionStatus, SessionType
from core.errors import Forbidden, NotFound, ValidationError
from core.families import is_managed
from core.join_links import JoinLinks, JoinLinkSigner
from core.notifications import (
    RateSession,
    SessionEnded,
    SessionFacts,
    SessionStarted,
    TutorLate,
    TutorNoShow,
    TutorNoShowNotice,
)
from core.payments import PaymentGateway
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.outbox import notify
from core.usecases.seat_release import free_seats
from core.video import TUTOR_UID, VideoTokens, channel_name, participant_uid

AGORA = "agora"


@dataclass(frozen=True, slots=True)
class Present:
    user: User
    role: str  # "tutor" or "student"
    joined: bool  # in the video right now
    minutes: int  # time spent in the video so far


@dataclass(frozen=True, slots=True)
class LiveView:
    session: TeachingSession
    slot: Slot
    tutor: TutorProfile
    people: list[Present]


def join_deadline(slot: Slot, rules: BusinessRules) -> datetime:
    return slot.ends_at + timedelta(minutes=rules.session_grace_minutes)


async def _tutor_session(uow: UnitOfWork, user_id: int, session_id: int) -> tuple[TeachingSession, Slot, TutorProfile]:
    session = await uow.sessions.get(session_id)
    tutor = await uow.tutors.get(session.tutor_id) if session else None
    # Another tutor's session is reported like a missing one.
    if session is None or tutor is None or tutor.user_id != user_id:
        raise NotFound("session.not_found")
    slot = await uow.slots.get(session.slot_id)
    assert slot is not None
    return session, slot, tutor


def _booked(participants: list[Participant]) -> list[Participant]:
    return [p for p in participants if p.status is ParticipantStatus.BOOKED]


async def start_session(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    links: JoinLinks,
    *,
    user_id: int,
    session_id: int,
) -> LiveView:
    """From `start_window_minutes` before the start until the end. Every booked participant gets a join
    link of their own."""
    now = clock.now()
    async with uow_factory() as uow:
        session, slot, tutor = await _tutor_session(uow, user_id, session_id)
        if session.status is SessionStatus.IN_PROGRESS:
            raise ValidationError("live.already_started")
        if session.status is not SessionStatus.SCHEDULED:
            raise ValidationError("live.not_startable", status=session.status.value)
        opens = start_opens(slot, rules)
        if now < opens:
            raise ValidationError("live.too_early", opens=opens, zone=slot.timezone)
        if now >= slot.ends_at:
            raise ValidationError("live.over")
        started = session.start(now, channel_name(session.id))
        if not await uow.sessions.update_if(started, SessionStatus.SCHEDULED):
            raise ValidationError("live.already_started")
        for participant in _booked(await uow.participants.list_for_session(session.id)):
            join_url = links.url(session.id, participant.user_id, join_deadline(slot, rules))
            await notify(
                uow,
                participant.user_id,
                SessionStarted(session=SessionFacts.of(tutor, slot, started.id), join_url=join_url),
                f"session-started:{session.id}:{participant.id}",
                now,
            )
        await uow.commit()
    return await live_view(uow_factory(), clock, rules, user_id=user_id, session_id=session_id)


async def live_view(uow: UnitOfWork, clock: Clock, rules: BusinessRules, *, user_id: int, session_id: int) -> LiveView:
    """The tutor's view: who booked, who is in the video now, for how long."""
    now = clock.now()
    async with uow:
        session, slot, tutor = await _tutor_session(uow, user_id, session_id)
        participants = _booked(await uow.participants.list_for_session(session.id))
        intervals = await uow.attendance.list_for_session(session.id)
        users = {u.id: u for u in await uow.users.get_many([tutor.user_id, *(p.user_id for p in participants)])}
    people = []
    for person_id, role in [(tutor.user_id, "tutor"), *((p.user_id, "student") for p in participants)]:
        mine = [a for a in intervals if a.user_id == person_id]
        timeout = rules.presence_timeout_seconds
        minutes = minutes_in_video(mine, now, timeout)
        if person_id in users:
            people.append(Present(users[person_id], role, any(in_video(a, now, timeout) for a in mine), minutes))
    return LiveView(session, slot, tutor, people)


@dataclass(frozen=True, slots=True)
class JoinTicket:
    """What the join page needs to enter the video channel."""

    session: TeachingSession
    slot: Slot
    tutor: TutorProfile
    user: User
    app_id: str
    channel: str
    uid: int
    token: str
    expires_at: datetime

    @property
    def is_tutor(self) -> bool:
        return self.uid == TUTOR_UID

    @property
    def may_share_screen(self) -> bool:
        """The tutor presents; in a 1-to-1 the student may show their screen too, not in a group."""
        return self.is_tutor or self.slot.session_type is SessionType.ONE_TO_ONE


async def join_rights(uow: UnitOfWork, session: TeachingSession, user_id: int) -> tuple[TutorProfile, int]:
    """The tutor and the person's video uid, if the person holds join rights: the tutor, or a booked
    participant — never more people than the seats plus the tutor."""
    tutor = await uow.tutors.get(session.tutor_id)
    assert tutor is not None
    if tutor.user_id == user_id:
        return tutor, TUTOR_UID
    for participant in await uow.participants.list_for_session(session.id):
        if participant.user_id == user_id and participant.status is ParticipantStatus.BOOKED:
            return tutor, participant_uid(participant.id)
    raise Forbidden("join.not_participant")


async def fresh_join_link(
    uow: UnitOfWork, clock: Clock, rules: BusinessRules, links: JoinLinks, *, user_id: int, session_id: int
) -> tuple[str, TeachingSession, Slot, TutorProfile]:
    """A new join link for someone who lost theirs, while the session is live: the tutor or a booked
    participant only. Anyone else is told the session does not exist."""
    async with uow:
        session = await uow.sessions.get(session_id)
        if session is None:
            raise NotFound("session.not_found")
        joiner = user_id
        try:
            tutor, _uid = await join_rights(uow, session, user_id)
        except Forbidden:
            # A parent joins for their child without Telegram: the link is the child's.
            joiner = await _managed_child_in(uow, session, user_id) or 0
            if not joiner:
                raise NotFound("session.not_found") from None
            tutor, _uid = await join_rights(uow, session, joiner)
        slot = await uow.slots.get(session.slot_id)
    assert slot is not None
    if session.status is not SessionStatus.IN_PROGRESS:
        raise ValidationError("live.not_running")
    return links.url(session.id, joiner, join_deadline(slot, rules)), session, slot, tutor


async def _managed_child_in(uow: UnitOfWork, session: TeachingSession, parent_id: int) -> int | None:
    """The booked child without Telegram of this parent in the session, if any."""
    for participant in await uow.participants.list_for_session(session.id):
        if (
            is_managed(participant.user_id)
            and participant.status is ParticipantStatus.BOOKED
            and await uow.families.link(parent_id, participant.user_id) is not None
        ):
            return participant.user_id
    return None


async def open_join_link(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    signer: JoinLinkSigner,
    tokens: VideoTokens,
    *,
    token: str,
) -> JoinTicket:
    """A join link opened: checked, and turned into a video token bound to that person and channel. The
    same link works again after a network failure (spec 002 §10)."""
    now = clock.now()
    claim = signer.verify(token, now)
    async with uow_factory() as uow:
        session = await uow.sessions.get(claim.session_id)
        if session is None:
            raise Forbidden("join.invalid")
        if session.status is not SessionStatus.IN_PROGRESS:
            raise Forbidden("join.not_live", status=session.status.value)
        tutor, uid = await join_rights(uow, session, claim.user_id)
        slot = await uow.slots.get(session.slot_id)
        user = await uow.users.get(claim.user_id)
    assert slot is not None and user is not None
    expires = min(claim.expires_at, join_deadline(slot, rules))
    channel = session.channel_name or channel_name(session.id)
    return JoinTicket(
        session, slot, tutor, user, tokens.app_id, channel, uid, tokens.rtc_token(channel, uid, expires), expires
    )


async def end_session(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, session_id: int, user_id: int | None
) -> TeachingSession:
    """The tutor ends the session (user_id), or it ends by itself after its grace time (None). Open
    attendance is sealed, students who never joined are marked no-show, and everyone gets a summary."""
    now = clock.now()
    async with uow_factory() as uow:
        if user_id is not None:
            session, slot, tutor = await _tutor_session(uow, user_id, session_id)
        else:
            found = await uow.sessions.get(session_id)
            if found is None:
                raise NotFound("session.not_found")
            session = found
            slot_found, tutor_found = await uow.slots.get(session.slot_id), await uow.tutors.get(session.tutor_id)
            assert slot_found is not None and tutor_found is not None
            slot, tutor = slot_found, tutor_found
        if session.status is not SessionStatus.IN_PROGRESS:
            raise ValidationError("live.not_running")
        ended = session.complete(now)
        if not await uow.sessions.update_if(ended, SessionStatus.IN_PROGRESS):
            raise ValidationError("live.not_running")
        await uow.attendance.close_open(session.id, now, AttendanceEnd.SESSION_END)
        await uow.conversations.close(session.id, now)
        intervals = await uow.attendance.list_for_session(session.id)
        attended = {a.user_id for a in intervals}
        participants = _booked(await uow.participants.list_for_session(session.id))
        names = [
            u.first_name for u in await uow.users.get_many([p.user_id for p in participants if p.user_id in attended])
        ]
        minutes = int((now - (session.started_at or now)).total_seconds() // 60)
        for participant in participants:
            if participant.user_id not in attended:
                await uow.participants.update_if(participant.absent(now), ParticipantStatus.BOOKED)
        for recipient in [tutor.user_id, *(p.user_id for p in participants)]:
            summary = SessionEnded(
                session=SessionFacts.of(tutor, slot, ended.id),
                lasted=minutes,
                attended=tuple(names),
                absent=recipient not in attended,
                role="tutor" if recipient == tutor.user_id else "student",
            )
            await notify(uow, recipient, summary, f"session-ended:{session.id}:{recipient}", now)
        facts = SessionFacts.of(tutor, slot, ended.id)
        for participant in participants:
            if participant.user_id in attended:
                rate = RateSession(session=facts, participant_id=participant.id)
                await notify(uow, participant.user_id, rate, f"rate:{participant.id}", now)
        await uow.commit()
    return ended


async def watch_sessions(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway
) -> dict[str, int]:
    """The session job: tell students when the tutor is late, declare tutor no-shows (with refunds), and
    end sessions the tutor forgot to end."""
    now = clock.now()
    counts = {"late": 0, "no_show": 0, "ended": 0}
    async with uow_factory() as uow:
        late = await uow.sessions.list_due(SessionStatus.SCHEDULED, starts_before=now)
        forgotten = await uow.sessions.list_due(
            SessionStatus.IN_PROGRESS, ends_before=now - timedelta(minutes=rules.session_grace_minutes)
        )
    no_show_after = timedelta(minutes=rules.no_show_after_minutes)
    for session in late:
        slot_start = await _slot_start(uow_factory, session)
        if slot_start is None:
            continue
        if now >= slot_start + no_show_after:
            counts["no_show"] += await _tutor_no_show(uow_factory, clock, rules, gateway, session.id)
        else:
            counts["late"] += await _tell_late(uow_factory, session.id, slot_start + no_show_after, now)
    for session in forgotten:
        try:
            await end_session(uow_factory, clock, session_id=session.id, user_id=None)
            counts["ended"] += 1
        except ValidationError:
            pass  # the tutor ended it a moment ago
    return counts


async def _slot_start(uow_factory: UnitOfWorkFactory, session: TeachingSession) -> datetime | None:
    async with uow_factory() as uow:
        slot = await uow.slots.get(session.slot_id)
    return slot.starts_at if slot else None


async def _tell_late(uow_factory: UnitOfWorkFactory, session_id: int, deadline: datetime, now: datetime) -> int:
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        if session is None or session.status is not SessionStatus.SCHEDULED:
            return 0
        slot, tutor = await uow.slots.get(session.slot_id), await uow.tutors.get(session.tutor_id)
        assert slot is not None and tutor is not None
        told = 0
        for participant in _booked(await uow.participants.list_for_session(session_id)):
            late = TutorLate(session=SessionFacts.of(tutor, slot, session.id), deadline=deadline)
            # The dedupe key makes this once per person, however often the job runs.
            key = f"tutor-late:{session_id}:{participant.id}"
            told += await notify(uow, participant.user_id, late, key, now)
        await uow.commit()
    return 1 if told else 0


async def _tutor_no_show(
    uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules, gateway: PaymentGateway, session_id: int
) -> int:
    """Spec 002 §10: not started 15 minutes after the start — NO_SHOW, every student refunded in full."""
    now = clock.now()
    async with uow_factory() as uow:
        session = await uow.sessions.get(session_id)
        if session is None or session.status is not SessionStatus.SCHEDULED:
            return 0
        if not await uow.sessions.update_if(session.tutor_no_show(now), SessionStatus.SCHEDULED):
            return 0
        slot, tutor = await uow.slots.get(session.slot_id), await uow.tutors.get(session.tutor_id)
        assert slot is not None and tutor is not None
        await uow.conversations.close(session_id, now)
        participants = await uow.participants.list_for_session(session_id)
        # The session is over: its seats are not put back on sale.
        freed = await free_seats(uow, participants, now, release_seats=False, slot_id=slot.id)
        student_name = ""
        booked_ids: list[int] = []
        for seat in freed.seats:
            if seat.was.status is not ParticipantStatus.BOOKED:
                continue
            booked_ids.append(seat.was.id)
            student = await uow.users.get(seat.was.user_id)
            student_name = student.first_name if student else ""
            told = TutorNoShow(
                session=SessionFacts.of(tutor, slot, session.id),
                participant_id=seat.was.id,
                refund_minor=seat.refund_minor,
                credit_back=seat.credit_returned,
            )
            await notify(uow, seat.was.user_id, told, f"no-show:{session_id}:{seat.was.id}", now)
        # The tutor learns it too, with what it cost, and the session leaves their calendar.
        notice = TutorNoShowNotice(
            session=SessionFacts.of(tutor, slot, session.id),
            participant_id=booked_ids[-1] if booked_ids else None,
            student_name=student_name,
            refunds=len(freed.refunds),
            refund_minor=sum(seat.refund_minor for seat in freed.seats),
        )
        await notify(uow, tutor.user_id, notice, f"no-show-tutor:{session_id}", now)
        await uow.commit()
    await freed.settle(uow_factory, clock, rules, gateway)
    return 1
