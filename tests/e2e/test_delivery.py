"""Notifications reach people through Telegram's failures: 429 flood control, 5xx, dropped connections."""

from app.wiring import TutorBot
from core.entities import Notification
from core.enums import OutboxStatus
from core.notifications import NotificationKind
from testkit import FakeTelegram
from tests.e2e.conftest import AppFactory
from tests.e2e.helpers import eventually


async def queue(app: TutorBot, recipient: int, kind: str, key: str) -> None:
    parts = app.components
    async with parts.services.uow_factory() as uow:
        await uow.outbox.add(
            Notification(recipient_id=recipient, kind=kind, payload={"tutor_id": 1}, dedupe_key=key),
            parts.services.clock.now(),
        )
        await uow.commit()


async def outbox_statuses(app: TutorBot, count: int) -> list[OutboxStatus]:
    async with app.components.services.uow_factory() as uow:
        return [m.status for i in range(1, count + 1) if (m := await uow.outbox.get(i))]


async def test_delivery_survives_flood_control_server_errors_and_network_drops(
    app_factory: AppFactory, telegram: FakeTelegram
) -> None:
    tutor = telegram.user(4001, "Tom")
    other = telegram.user(4002, "Uma")
    telegram.inject_fault("sendMessage", 429, retry_after=1, chat_id=tutor.id)
    telegram.inject_fault("sendMessage", 502, chat_id=tutor.id)
    telegram.drop_connection("sendMessage")
    async with app_factory() as app:
        tutor.mark()
        other.mark()
        await queue(app, tutor.id, NotificationKind.TUTOR_APPROVED, "a")
        await queue(app, tutor.id, NotificationKind.TUTOR_REJECTED, "b")
        await queue(app, other.id, NotificationKind.TUTOR_APPROVED, "c")
        await other.wait_for("Your tutor profile is approved", timeout=10)
        await tutor.wait_for("Your tutor profile is approved", timeout=15)
        await tutor.wait_for("Your tutor profile was not approved", timeout=10)
        # In order, and each exactly once.
        texts = [m.text for m in tutor.messages]
        assert len(texts) == 2
        assert texts[0].startswith("🎉") and "not approved" in texts[1]
        assert len(other.messages) == 1

        async def all_sent() -> bool:
            return await outbox_statuses(app, 3) == [OutboxStatus.SENT] * 3

        await eventually(all_sent)
        failed = telegram.calls("sendMessage", ok=False)
        assert {r.status for r in failed} >= {429, 502}


async def test_a_blocked_user_is_given_up_on_without_holding_up_others(app: TutorBot, telegram: FakeTelegram) -> None:
    gone = telegram.user(4003, "Gone")
    await gone.block()
    stays = telegram.user(4004, "Stays")
    stays.mark()
    await queue(app, gone.id, NotificationKind.TUTOR_APPROVED, "x")
    await queue(app, stays.id, NotificationKind.TUTOR_APPROVED, "y")
    await stays.wait_for("Your tutor profile is approved")

    async def settled() -> bool:
        return await outbox_statuses(app, 2) == [OutboxStatus.FAILED, OutboxStatus.SENT]

    await eventually(settled)
    assert gone.messages == []


async def test_a_row_this_version_cannot_read_is_given_up_and_the_chat_moves_on(
    app: TutorBot, telegram: FakeTelegram
) -> None:
    reader = telegram.user(4005, "Rita")
    reader.mark()
    parts = app.components
    async with parts.services.uow_factory() as uow:
        # A row written by a newer version: a kind this one does not know.
        await uow.outbox.add(
            Notification(recipient_id=reader.id, kind="tutor.promoted", payload={"tutor_id": 1}, dedupe_key="new"),
            parts.services.clock.now(),
        )
        await uow.commit()
    await queue(app, reader.id, NotificationKind.TUTOR_APPROVED, "next")
    await reader.wait_for("Your tutor profile is approved")

    async def settled() -> bool:
        return await outbox_statuses(app, 2) == [OutboxStatus.FAILED, OutboxStatus.SENT]

    await eventually(settled)
    assert len(reader.messages) == 1
    async with parts.services.uow_factory() as uow:
        unreadable = await uow.outbox.get(1)
    assert unreadable is not None and unreadable.last_error is not None
    assert "tutor.promoted" in unreadable.last_error
