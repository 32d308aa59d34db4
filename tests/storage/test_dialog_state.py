"""Dialog state records: what a restart must find again."""

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import dialog_state as dialog_state_module
from storage.dialog_state import SqlDialogStateStore
from storage.tables import dialog_state


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(dialog_state))).scalar_one())


@pytest.mark.parametrize("cached", [False, True])
async def test_state_and_data_are_kept_apart_and_survive_a_new_store(engine: AsyncEngine, cached: bool) -> None:
    store = SqlDialogStateStore(engine, cached=cached)
    assert await store.get("k") == (None, {})
    await store.set_state("k", "Onboarding:role")
    await store.set_data("k", {"stack": ["a", "b"], "n": 3, "nested": {"x": None}})
    await store.set_state("k", "Onboarding:done")
    again = SqlDialogStateStore(engine)
    assert await again.get("k") == ("Onboarding:done", {"stack": ["a", "b"], "n": 3, "nested": {"x": None}})
    assert await again.get("other") == (None, {})


@pytest.mark.parametrize("cached", [False, True])
async def test_an_emptied_record_is_removed(engine: AsyncEngine, cached: bool) -> None:
    store = SqlDialogStateStore(engine, cached=cached)
    await store.set_data("k", {"a": 1})
    await store.set_state("k", "S:x")
    assert await rows(engine) == 1
    await store.set_state("k", None)
    assert await rows(engine) == 1  # data still there
    await store.set_data("k", {})
    assert await rows(engine) == 0
    await store.set_data("never", {})
    assert await rows(engine) == 0


async def test_the_cache_answers_reads_without_a_query_and_like_the_table_would(engine: AsyncEngine) -> None:
    store = SqlDialogStateStore(engine, cached=True)
    statements: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    await store.set_data("k", {"1": [1, 2], "nested": {"a": None}})
    await store.set_state("k", "S:x")
    statements.clear()
    first = await store.get("k")
    assert first == ("S:x", {"1": [1, 2], "nested": {"a": None}})
    assert first is not None
    assert statements == []
    # Each read is a fresh copy: changing what was returned changes nothing stored.
    nested = first[1]["nested"]
    assert isinstance(nested, dict)
    nested["a"] = "changed"
    assert (await store.get("k"))[1]["nested"] == {"a": None}
    # Writing what is already stored costs nothing either.
    await store.set_data("k", {"1": [1, 2], "nested": {"a": None}})
    await store.set_state("k", "S:x")
    assert statements == []
    # Values come back as the table returns them: JSON (integer keys become strings).
    await store.set_data("n", {5: "five"})  # type: ignore[dict-item]
    assert await store.get("n") == (None, {"5": "five"})
    assert await SqlDialogStateStore(engine).get("n") == (None, {"5": "five"})


def _count_transactions(engine: AsyncEngine) -> list[str]:
    begun: list[str] = []

    @event.listens_for(engine.sync_engine, "begin")
    def record(_connection: object) -> None:
        begun.append("begin")

    return begun


async def test_an_updates_writes_are_saved_together_at_its_end(engine: AsyncEngine) -> None:
    store = SqlDialogStateStore(engine, cached=True)
    await store.load_all()
    begun = _count_transactions(engine)
    async with store.saving_once():
        await store.set_data("stack", {"intents": ["a"]})
        await store.set_data("context", {"dialog_data": {"day": "2026-03-02"}})
        await store.set_state("context", "Booking:day")
        # Read back at once, from the cache; nothing written yet.
        assert await store.get("context") == ("Booking:day", {"dialog_data": {"day": "2026-03-02"}})
        assert begun == []
        assert await rows(engine) == 0
        begun.clear()
    assert len(begun) == 1
    again = SqlDialogStateStore(engine)
    assert await again.get("stack") == (None, {"intents": ["a"]})
    assert await again.get("context") == ("Booking:day", {"dialog_data": {"day": "2026-03-02"}})
    # Emptied within an update: the record goes at its end.
    async with store.saving_once():
        await store.set_data("stack", {})
    assert await SqlDialogStateStore(engine).get("stack") == (None, {})
    assert await rows(engine) == 1


async def test_a_store_loaded_at_start_knows_the_keys_it_does_not_hold_are_empty(engine: AsyncEngine) -> None:
    await SqlDialogStateStore(engine).set_data("mid-dialog", {"n": 1})
    store = SqlDialogStateStore(engine, cached=True)
    assert await store.load_all() == 1
    statements: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    assert await store.get("mid-dialog") == (None, {"n": 1})
    assert await store.get("someone new") == (None, {})
    assert statements == []


async def test_a_failed_save_makes_the_store_read_the_table_again(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqlDialogStateStore(engine, cached=True)
    await store.load_all()
    await store.set_data("k", {"saved": True})

    async def failing(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(dialog_state_module, "_store", failing)
    with pytest.raises(OSError):
        async with store.saving_once():
            await store.set_data("k", {"saved": False})
    monkeypatch.undo()
    # The cache does not claim what the table does not hold.
    assert await store.get("k") == (None, {"saved": True})
