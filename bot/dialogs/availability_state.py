"""The availability dialog's working data: which week, day and slot are shown, and the draft being filled.

Dates travel as ISO strings and times as "HH:MM" so that the dialog state stays plain JSON.
"""

from datetime import date, time
from typing import Any

from aiogram.fsm.state import State
from aiogram_dialog import DialogManager

from bot.dialogs.common import deps, user_id_of
from bot.dialogs.states import Availability
from bot.texts.errors import error_text
from core.availability import SlotSpec, week_start
from core.enums import SessionType
from core.errors import DomainError
from core.usecases.availability import PatternDraft
from core.usecases.cancellations import session_for_slot


def data(manager: DialogManager) -> dict[str, Any]:
    return manager.dialog_data


def monday(manager: DialogManager) -> date | None:
    """The Monday of the week shown; None for the current week."""
    value = data(manager).get("monday")
    return date.fromisoformat(value) if value else None


def set_monday(manager: DialogManager, value: date) -> None:
    data(manager)["monday"] = week_start(value).isoformat()


def day(manager: DialogManager) -> date | None:
    value = data(manager).get("day")
    return date.fromisoformat(value) if value else None


def set_day(manager: DialogManager, value: date) -> None:
    """Show this day; the week view follows it."""
    data(manager)["day"] = value.isoformat()
    set_monday(manager, value)


def draft(manager: DialogManager) -> dict[str, Any]:
    result: dict[str, Any] = data(manager).setdefault("draft", {})
    return result


def flow(manager: DialogManager) -> str:
    """ "slot" (a new slot), "edit" (one change to a slot) or "pattern" (a new weekly pattern)."""
    return str(data(manager).get("flow", "slot"))


def start_flow(manager: DialogManager, name: str, **values: Any) -> None:
    data(manager)["flow"] = name
    data(manager)["draft"] = dict(values)


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def parse_hhmm(value: str) -> time:
    return time.fromisoformat(value)


def slot_spec(manager: DialogManager) -> SlotSpec:
    values = draft(manager)
    return SlotSpec(
        day=date.fromisoformat(values["day"]),
        start=parse_hhmm(values["start"]),
        minutes=int(values["minutes"]),
        session_type=SessionType(values["type"]),
        capacity=int(values["capacity"]),
    )


def pattern_draft(manager: DialogManager) -> PatternDraft:
    values = draft(manager)
    return PatternDraft(
        weekdays=frozenset(int(d) for d in values["weekdays"]),
        window_start=parse_hhmm(values["from"]),
        window_end=parse_hhmm(values["to"]),
        session_minutes=int(values["minutes"]),
        session_type=SessionType(values["type"]),
        capacity=int(values["capacity"]),
    )


async def show_result(manager: DialogManager, text: str, back: State, *, cancel_session: int | None = None) -> None:
    """Show the outcome of an action on its own screen; Back leads to `back`. With `cancel_session`, the
    screen offers to cancel that session (a booked slot cannot be moved, shrunk or deleted)."""
    data(manager)["result"] = text
    data(manager)["back"] = back.state
    data(manager)["cancel_session"] = cancel_session
    await manager.switch_to(Availability.result)


def result_back(manager: DialogManager) -> State:
    wanted = data(manager).get("back")
    return next((s for s in Availability.__states__ if s.state == wanted), Availability.week)


async def offer_session_cancel(manager: DialogManager, slot_id: int, error: DomainError) -> None:
    """A booked slot cannot change: say why, and offer to cancel its session instead (which refunds)."""
    uow_factory, _clock = deps(manager)
    session_id = await session_for_slot(uow_factory(), user_id=user_id_of(manager), slot_id=slot_id)
    await show_result(manager, "⚠️ " + error_text(error), Availability.slot, cancel_session=session_id)
