from sqlalchemy import func, select

from storage.tables import webhook_events
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.factories import NOW


async def test_an_event_is_recorded_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.webhook_events.record("stripe", "evt_1", "checkout.session.completed", NOW)
        assert not await uow.webhook_events.record("stripe", "evt_1", "checkout.session.completed", NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.webhook_events.record("stripe", "evt_1", "checkout.session.completed", NOW)
        # The id is scoped by provider; another event of the same provider is new.
        assert await uow.webhook_events.record("agora", "evt_1", "101", NOW)
        assert await uow.webhook_events.record("stripe", "evt_2", "charge.refunded", NOW)
        await uow.commit()
    async with uow_factory() as uow:
        rows = await uow.connection.execute(
            select(webhook_events.c.provider, webhook_events.c.event_id, webhook_events.c.received_at).order_by(
                webhook_events.c.provider, webhook_events.c.event_id
            )
        )
        assert [tuple(row) for row in rows] == [
            ("agora", "evt_1", NOW),
            ("stripe", "evt_1", NOW),
            ("stripe", "evt_2", NOW),
        ]


async def test_a_rolled_back_record_does_not_count(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.webhook_events.record("stripe", "evt_1", "checkout.session.completed", NOW)
    async with uow_factory() as uow:
        assert await uow.webhook_events.record("stripe", "evt_1", "checkout.session.completed", NOW)
        count = await uow.connection.execute(select(func.count()).select_from(webhook_events))
        assert count.scalar_one() == 1
