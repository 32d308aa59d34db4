"""Room rules that the screens never offer but a forged request could try."""

from datetime import UTC, datetime

import pytest

from core.enums import ParticipantStatus
from core.errors import Forbidden, NotFound, ValidationError
from core.files import MAX_FILE_BYTES, check_file
from core.usecases.room import Upload, delete_file, send_chat_message, share_file
from storage.uow import SqlUnitOfWorkFactory
from testkit.clock import FixedClock
from tests.storage.factories import add_world, participant

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def upload(name: str = "notes.pdf", size: int = 1000) -> Upload:
    return Upload(
        telegram_file_id=f"id-{name}",
        telegram_file_unique_id=f"u-{name}",
        file_name=name,
        mime_type=None,
        size_bytes=size,
    )


@pytest.mark.parametrize(
    ("name", "size", "code"),
    [("setup.exe", 10, "file.type"), ("noextension", 10, "file.type"), ("big.pdf", MAX_FILE_BYTES + 1, "file.too_big")],
)
def test_file_rules(name: str, size: int, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_file(name, size)
    assert refused.value.code == code
    assert check_file(" a/b.PDF ", 10) == "a_b.PDF"


async def test_only_the_uploader_or_the_tutor_deletes_and_strangers_see_nothing(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock(NOW)
    async with uow_factory() as uow:
        world = await add_world(uow)  # a 1-to-1 session, two students
        ann, bob = world.students
        await uow.participants.add(participant(world.session.id, ann.id, status=ParticipantStatus.BOOKED))
        await uow.commit()
    tutor_id = world.tutor_user.id
    mine = await share_file(uow_factory(), clock, user_id=ann.id, session_id=world.session.id, upload=upload())
    theirs = await share_file(
        uow_factory(), clock, user_id=tutor_id, session_id=world.session.id, upload=upload("plan.pdf")
    )
    with pytest.raises(Forbidden):
        await delete_file(uow_factory(), user_id=ann.id, session_id=world.session.id, file_id=theirs.id)
    with pytest.raises(NotFound):  # Bob holds no seat in this session
        await delete_file(uow_factory(), user_id=bob.id, session_id=world.session.id, file_id=mine.id)
    with pytest.raises(NotFound):
        await share_file(uow_factory(), clock, user_id=bob.id, session_id=world.session.id, upload=upload())
    await delete_file(uow_factory(), user_id=tutor_id, session_id=world.session.id, file_id=mine.id)
    # No conversation was opened for this session (no booking confirmed it): the chat is closed.
    with pytest.raises(ValidationError) as closed:
        await send_chat_message(uow_factory(), clock, user_id=ann.id, session_id=world.session.id, text="hi")
    assert closed.value.code == "chat.closed"
