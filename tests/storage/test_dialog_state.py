"""Dialog state records: what a restart must find again."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.dialog_state import SqlDialogStateStore
from storage.tables import dialog_state


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(dialog_state))).scalar_one())


async def test_state_and_data_are_kept_apart_and_survive_a_new_store(engine: AsyncEngine) -> None:
    store = SqlDialogStateStore(engine)
    assert await store.get("k") == (None, {})
    await store.set_state("k", "Onboarding:role")
    await store.set_data("k", {"stack": ["a", "b"], "n": 3, "nested": {"x": None}})
    await store.set_state("k", "Onboarding:done")
    again = SqlDialogStateStore(engine)
    assert await again.get("k") == ("Onboarding:done", {"stack": ["a", "b"], "n": 3, "nested": {"x": None}})
    assert await again.get("other") == (None, {})


async def test_an_emptied_record_is_removed(engine: AsyncEngine) -> None:
    store = SqlDialogStateStore(engine)
    await store.set_data("k", {"a": 1})
    await store.set_state("k", "S:x")
    assert await rows(engine) == 1
    await store.set_state("k", None)
    assert await rows(engine) == 1  # data still there
    await store.set_data("k", {})
    assert await rows(engine) == 0
    await store.set_data("never", {})
    assert await rows(engine) == 0
