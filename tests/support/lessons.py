"""A lesson that took place, for the tests of what comes after it: a tutor (user 1000) and `students`
students (users 2001, 2002, ...) booked, the tutor started and ended it, and the students at the positions
in `attended` joined the video. `others` are people already stored (a child without Telegram) booked
after them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from core.entities import Participant
from core.enums import ParticipantStatus
from core.join_links import JoinLinks, JoinLinkSigner
from core.rules import BusinessRules
from core.usecases.live import end_session, start_session
from core.usecases.presence import PresenceReport, report_presence
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from tests.storage.factories import World, add_world, participant, user

LINKS = JoinLinks(JoinLinkSigner(b"0123456789abcdef0123"), "https://bot.example.com")


@dataclass(frozen=True, slots=True)
class HeldLesson:
    world: World
    participants: list[Participant]
    # At the lesson's end, when the tutor ended it.
    clock: FixedClock


async def held_lesson(
    uow_factory: SqlUnitOfWorkFactory,
    rules: BusinessRules,
    *,
    students: int = 1,
    others: Sequence[int] = (),
    attended: Sequence[int] = (0,),
) -> HeldLesson:
    async with uow_factory() as uow:
        world = await add_world(uow, capacity=students + len(others))
        people = list(world.students)
        for extra in range(len(people), students):
            person = user(2001 + extra)
            await uow.users.add(person)
            people.append(person)
        booked = [
            await uow.participants.add(participant(world.session.id, s.id, status=ParticipantStatus.BOOKED))
            for s in people[:students]
        ]
        for other in others:
            booked.append(
                await uow.participants.add(participant(world.session.id, other, status=ParticipantStatus.BOOKED))
            )
        await uow.commit()
    clock = FixedClock(world.slot.starts_at - timedelta(minutes=5))
    await start_session(uow_factory, clock, rules, LINKS, user_id=world.tutor_user.id, session_id=world.session.id)
    for index in attended:
        await report_presence(
            uow_factory, clock, session_id=world.session.id, user_id=booked[index].user_id, report=PresenceReport.JOINED
        )
    clock.current = world.slot.ends_at
    await end_session(uow_factory, clock, session_id=world.session.id, user_id=world.tutor_user.id)
    return HeldLesson(world, booked, clock)
