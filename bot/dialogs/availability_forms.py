"""The steps of the availability dialog that ask for values: a new slot (date, start, length or end,
type, seats), one change to a slot, and a new weekly pattern (days, window, then the same length, type
and seats steps)."""

from datetime import date, time
from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.widgets.kbd import Button, Group, Keyboard, ManagedMultiselect, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi
from babel.dates import get_day_names

from bot.button_values import calendar_day, record_id, weekday
from bot.dialogs import availability_state as st
from bot.dialogs.common import deps, parse_or_refuse, report, rules_of, user_id_of
from bot.dialogs.states import Availability
from bot.dialogs.widgets import Answer, CheckedMultiselect, Tr, choice_buttons, typed_answer
from bot.texts.errors import error_text
from bot.texts.periods import period
from bot.texts.slots import bulk_summary, day_label, long_day_label, time_range, type_label
from core.availability import (
    check_length,
    check_seats,
    check_start,
    minutes_between,
    parse_minutes,
    parse_seats,
    parse_time_of_day,
)
from core.enums import SessionType
from core.errors import DomainError, ValidationError
from core.usecases.availability import (
    add_slot,
    check_pattern,
    create_pattern,
    delete_pattern,
    edit_slot,
    get_slot,
    list_patterns,
    spec_of,
    window_of,
)

LENGTH_CHOICES = (30, 45, 60, 90, 120)
SEAT_CHOICES = (2, 3, 4, 5, 6, 8, 10, 12, 15, 20)

# After a refused slot, the step where the tutor can fix what was wrong.
_FIX_STEP = {
    "slot.duration": Availability.length,
    "slot.crosses_midnight": Availability.length,
    "slot.seats_group": Availability.seats,
    "slot.seats_one_to_one": Availability.kind,
}


def _weekday_names() -> dict[int, str]:
    names = get_day_names("abbreviated", locale=get_i18n().current_locale)
    return {day: str(names[day]) for day in range(7)}


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    values = st.draft(dialog_manager)
    flow = st.flow(dialog_manager)
    rules = rules_of(dialog_manager)
    names = _weekday_names()
    weekdays = sorted(int(d) for d in values.get("weekdays", []))
    minutes = int(values.get("minutes") or 0)
    session_type = SessionType(values.get("type", SessionType.ONE_TO_ONE))
    capacity = int(values.get("capacity") or 1)
    return {
        "day": long_day_label(date.fromisoformat(values["day"])) if values.get("day") else "",
        "start": values.get("start", ""),
        "from": values.get("from", ""),
        "to": values.get("to", ""),
        "minutes": minutes,
        "lengths": [(str(m), _("{n} min").format(n=m)) for m in LENGTH_CHOICES],
        "seat_choices": [(str(n), str(n)) for n in SEAT_CHOICES if n <= rules.max_group_size],
        "max_seats": rules.max_group_size,
        "window": period(rules.booking_window_days),
        "weekday_items": [(str(i), names[i]) for i in range(7)],
        "weekdays": ", ".join(names[d] for d in weekdays),
        "kind": type_label(session_type, capacity),
        "is_slot": flow == "slot",
        "is_edit": flow == "edit",
        "is_pattern": flow == "pattern",
        "asks_end": flow in ("slot", "edit"),
    }


async def _dates_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    window = await window_of(uow_factory(), clock, rules_of(dialog_manager), user_id=user_id_of(dialog_manager))
    # Days off are not offered: a slot on one would be refused three steps later.
    return {"dates": [(d.isoformat(), day_label(d)) for d in window.open_days], "zone": window.tutor.timezone}


# --- the steps ------------------------------------------------------------------------------------


async def _date(event: CallbackQuery, widget: Any, manager: DialogManager, iso: str) -> None:
    uow_factory, clock = deps(manager)
    window = await window_of(uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager))
    try:
        day = date.fromisoformat(iso)
        # A stale screen: the day became a day off, or left the window, since it was shown.
        window.check_day(day)
    except ValueError:
        await report(event, ValidationError("slot.in_past"))
        return
    except DomainError as error:
        await report(event, error)
        return
    st.draft(manager)["day"] = iso
    st.set_day(manager, day)
    await manager.switch_to(Availability.start)


def _parse_start(manager: DialogManager, text: str) -> time:
    value = parse_time_of_day(text)
    check_start(value)
    return value


async def _start_given(event: Message | CallbackQuery, manager: DialogManager, value: time) -> None:
    st.draft(manager)["start"] = st.hhmm(value)
    if st.flow(manager) == "edit":
        await _submit(event, manager)
    else:
        await manager.switch_to(Availability.length)


def _parse_length(manager: DialogManager, text: str) -> int:
    minutes = parse_minutes(text)
    check_length(minutes)
    return minutes


def _parse_end(manager: DialogManager, text: str) -> int:
    """The length up to a typed end time."""
    minutes = minutes_between(st.parse_hhmm(st.draft(manager)["start"]), parse_time_of_day(text))
    check_length(minutes)
    return minutes


async def _length_given(event: Message | CallbackQuery, manager: DialogManager, minutes: int) -> None:
    st.draft(manager)["minutes"] = minutes
    if st.flow(manager) == "edit":
        await _submit(event, manager)
    else:
        await manager.switch_to(Availability.kind)


_start = parse_or_refuse(_parse_start, _start_given)
_length = parse_or_refuse(_parse_length, _length_given)
_end_time = parse_or_refuse(_parse_end, _length_given)


async def _kind(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    if widget.widget_id == "kind_one":
        st.draft(manager).update(type=SessionType.ONE_TO_ONE.value, capacity=1)
        await _finish(event, manager)
    else:
        st.draft(manager)["type"] = SessionType.GROUP.value
        await manager.switch_to(Availability.seats)


def _parse_seats(manager: DialogManager, text: str) -> int:
    seats = parse_seats(text)
    check_seats(SessionType.GROUP, seats, rules_of(manager))
    return seats


async def _seats_given(event: Message | CallbackQuery, manager: DialogManager, seats: int) -> None:
    st.draft(manager)["capacity"] = seats
    await _finish(event, manager)


_seats = parse_or_refuse(_parse_seats, _seats_given)


async def _finish(event: Message | CallbackQuery, manager: DialogManager) -> None:
    if st.flow(manager) == "pattern":
        try:
            check_pattern(st.pattern_draft(manager), rules_of(manager))
        except DomainError as error:
            await report(event, error)
            return
        await manager.switch_to(Availability.pattern_confirm)
    else:
        await _submit(event, manager)


async def _submit(event: Message | CallbackQuery, manager: DialogManager) -> None:
    """Create or change the slot; a refusal is explained and leads back to the step that can fix it."""
    uow_factory, clock = deps(manager)
    spec = st.slot_spec(manager)
    editing = st.flow(manager) == "edit"
    try:
        if editing:
            slot = await edit_slot(
                uow_factory(),
                clock,
                rules_of(manager),
                user_id=user_id_of(manager),
                slot_id=int(st.data(manager)["slot_id"]),
                spec=spec,
            )
        else:
            slot = await add_slot(uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), spec=spec)
    except DomainError as error:
        if error.code == "slot.has_bookings":
            await st.offer_session_cancel(manager, int(st.data(manager)["slot_id"]), error)
            return
        if error.code in ("slot.started", "slot.not_found", "tutor.no_profile"):
            await st.show_result(manager, "⚠️ " + error_text(error), Availability.day)
            return
        # The reason can be long (it names the conflicting slot): a message, not a pop-up, and the
        # step that can fix it asked again below it.
        if isinstance(event, CallbackQuery):
            if isinstance(event.message, Message):
                await event.message.answer(error_text(error))
        else:
            await event.answer(error_text(error))
        manager.show_mode = ShowMode.SEND
        await manager.switch_to(_FIX_STEP.get(error.code, Availability.start))
        return
    st.set_day(manager, spec.day)
    what = time_range(slot.starts_at, slot.ends_at, slot.timezone)
    text = (_("✅ Slot changed: {day}, {time}.") if editing else _("✅ Slot added: {day}, {time}.")).format(
        day=long_day_label(spec.day), time=what
    )
    await st.show_result(manager, text, Availability.day)


# --- editing one slot -----------------------------------------------------------------------------


async def _edit(event: CallbackQuery, manager: DialogManager, step: Any) -> None:
    uow_factory, _clock = deps(manager)
    try:
        _tutor, slot, _status = await get_slot(
            uow_factory(), user_id=user_id_of(manager), slot_id=int(st.data(manager)["slot_id"])
        )
    except DomainError as error:
        await report(event, error)
        return
    spec = spec_of(slot)
    st.start_flow(
        manager,
        "edit",
        day=spec.day.isoformat(),
        start=st.hhmm(spec.start),
        minutes=spec.minutes,
        type=spec.session_type.value,
        capacity=spec.capacity,
    )
    await manager.switch_to(step)


async def edit_start(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    await _edit(event, manager, Availability.start)


async def edit_length(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    await _edit(event, manager, Availability.length)


async def edit_seats(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    await _edit(event, manager, Availability.seats)


# --- weekly patterns ------------------------------------------------------------------------------


async def _patterns_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    _tutor, patterns = await list_patterns(uow_factory(), user_id=user_id_of(dialog_manager))
    names = _weekday_names()
    lines = [
        "{n}. {days} · {start}–{end} · {length} · {kind}".format(
            n=index,
            days=", ".join(names[d] for d in sorted(p.weekdays)),
            start=st.hhmm(p.window_start),
            end=st.hhmm(p.window_end),
            length=_("{n} min").format(n=p.session_minutes),
            kind=type_label(p.session_type, p.capacity),
        )
        for index, p in enumerate(patterns, start=1)
    ]
    return {
        "lines": "\n".join(lines) or _("No weekly pattern yet."),
        "patterns": [(str(p.id), f"🗑 {index}") for index, p in enumerate(patterns, start=1)],
    }


async def _new_pattern(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    st.start_flow(manager, "pattern", weekdays=[])
    days = manager.find("pattern_weekdays")
    if isinstance(days, ManagedMultiselect):
        await days.reset_checked()  # type: ignore[no-untyped-call]
    await manager.switch_to(Availability.pattern_days)


async def _pattern_deleted(event: CallbackQuery, widget: Any, manager: DialogManager, pattern_id: str) -> None:
    uow_factory, clock = deps(manager)
    try:
        removed = await delete_pattern(uow_factory(), clock, user_id=user_id_of(manager), pattern_id=int(pattern_id))
    except DomainError as error:
        await report(event, error)
        return
    await st.show_result(
        manager,
        ngettext(
            "🗑 The weekly pattern is removed, with {n} future free slot.",
            "🗑 The weekly pattern is removed, with {n} future free slots.",
            removed,
        ).format(n=removed),
        Availability.patterns,
    )


async def _days_chosen(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    days = manager.find("pattern_weekdays")
    assert isinstance(days, ManagedMultiselect)
    checked = sorted(int(d) for d in days.get_checked())
    if not checked:
        await report(event, ValidationError("pattern.no_days"))
        return
    st.draft(manager)["weekdays"] = checked
    await manager.switch_to(Availability.pattern_from)


async def _pattern_from_given(event: Message | CallbackQuery, manager: DialogManager, start: time) -> None:
    st.draft(manager)["from"] = st.hhmm(start)
    await manager.switch_to(Availability.pattern_to)


def _parse_pattern_end(manager: DialogManager, text: str) -> time:
    end = parse_time_of_day(text)
    if end <= st.parse_hhmm(st.draft(manager)["from"]):
        raise ValidationError("slot.end_before_start")
    return end


async def _pattern_to_given(event: Message | CallbackQuery, manager: DialogManager, end: time) -> None:
    st.draft(manager)["to"] = st.hhmm(end)
    await manager.switch_to(Availability.length)


_pattern_from = parse_or_refuse(lambda manager, text: parse_time_of_day(text), _pattern_from_given)
_pattern_to = parse_or_refuse(_parse_pattern_end, _pattern_to_given)


async def _create_pattern(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    try:
        pattern, result = await create_pattern(
            uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), draft=st.pattern_draft(manager)
        )
    except DomainError as error:
        await report(event, error)
        return
    st.data(manager).pop("day", None)
    await st.show_result(
        manager, bulk_summary(len(result.created), result.skipped, pattern.timezone), Availability.week
    )


def _asked(state: State, question: Tr, answer: Answer, back: Keyboard) -> Window:
    """A question answered by typing, with a way back."""
    return Window(question, typed_answer(answer), back, state=state, getter=_getter)


def windows() -> list[Window]:
    return [
        Window(
            Tr("📅 On which day? (times in {zone})"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="pick_date",
                    item_id_getter=lambda item: item[0],
                    items="dates",
                    type_factory=calendar_day,
                    on_click=_date,
                ),
                width=4,
            ),
            SwitchTo(Tr("◀️ Week"), id="date_back", state=Availability.week),
            state=Availability.pick_date,
            getter=_dates_getter,
        ),
        Window(
            Tr("🕒 {day}: at what time does the slot start? Type it, for example 16:00 or 4pm.", when="is_slot"),
            Tr("🕒 New start time for this slot? Type it, for example 16:30.", when="is_edit"),
            typed_answer(_start),
            Button(Tr("◀️ Back"), id="start_back", on_click=_back),
            state=Availability.start,
            getter=_getter,
        ),
        Window(
            Tr("⏱ How long is each session? Pick one or type minutes (such as 50 or 1h30).", when="is_pattern"),
            Tr("⏱ How long is the slot? Pick one or type minutes (such as 50 or 1h30).", when="asks_end"),
            choice_buttons("length", "lengths", _length, width=5),
            SwitchTo(Tr("⏰ Give an end time instead"), id="to_end", state=Availability.end_time, when="asks_end"),
            typed_answer(_length),
            Button(Tr("◀️ Back"), id="length_back", on_click=_back),
            state=Availability.length,
            getter=_getter,
        ),
        _asked(
            Availability.end_time,
            Tr("⏰ It starts at {start}. At what time does it end?"),
            _end_time,
            SwitchTo(Tr("◀️ Back"), id="end_back", state=Availability.length),
        ),
        Window(
            Tr("👥 1-to-1, or a group session?"),
            Row(
                Button(Tr("👤 1-to-1"), id="kind_one", on_click=_kind),
                Button(Tr("👥 Group"), id="kind_group", on_click=_kind),
            ),
            Button(Tr("◀️ Back"), id="kind_back", on_click=_back),
            state=Availability.kind,
            getter=_getter,
        ),
        Window(
            Tr("👥 How many seats? From 2 to {max_seats}: pick one or type a number."),
            choice_buttons("seats", "seat_choices", _seats, width=5),
            typed_answer(_seats),
            Button(Tr("◀️ Back"), id="seats_back", on_click=_back),
            state=Availability.seats,
            getter=_getter,
        ),
        Window(
            Multi(Tr("🔁 Weekly patterns"), Format("{lines}"), sep="\n\n"),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="delete_pattern",
                    item_id_getter=lambda item: item[0],
                    items="patterns",
                    type_factory=record_id,
                    on_click=_pattern_deleted,
                ),
                width=4,
            ),
            Button(Tr("➕ New weekly pattern"), id="new_pattern", on_click=_new_pattern),
            SwitchTo(Tr("◀️ Week"), id="patterns_back", state=Availability.week),
            state=Availability.patterns,
            getter=_patterns_getter,
        ),
        Window(
            Tr("🔁 A weekly pattern repeats the same slots every week. On which days? Tap them, then Next."),
            Group(
                CheckedMultiselect(
                    Format("✅ {item[1]}"),
                    Format("{item[1]}"),
                    id="pattern_weekdays",
                    item_id_getter=lambda item: item[0],
                    items="weekday_items",
                    type_factory=weekday,
                ),
                width=4,
            ),
            Row(
                Button(Tr("Next ▶️"), id="days_next", on_click=_days_chosen),
                SwitchTo(Tr("◀️ Back"), id="days_back", state=Availability.patterns),
            ),
            state=Availability.pattern_days,
            getter=_getter,
        ),
        _asked(
            Availability.pattern_from,
            Tr("🕒 {weekdays}: from what time are you available? Type it, for example 16:00."),
            _pattern_from,
            SwitchTo(Tr("◀️ Back"), id="from_back", state=Availability.pattern_days),
        ),
        _asked(
            Availability.pattern_to,
            Tr("🕒 From {from} until what time?"),
            _pattern_to,
            SwitchTo(Tr("◀️ Back"), id="to_back", state=Availability.pattern_from),
        ),
        Window(
            Multi(
                Tr(
                    "🔁 Every {weekdays}, {from}–{to}: {minutes}-minute sessions, {kind}, with your break between them."
                ),
                Tr("This creates the slots of the next {window}, and the daily update keeps adding new days."),
                sep="\n\n",
            ),
            Row(
                Button(Tr("✅ Create the slots"), id="create_pattern", on_click=_create_pattern),
                SwitchTo(Tr("✖️ Cancel"), id="pattern_cancel", state=Availability.patterns),
            ),
            state=Availability.pattern_confirm,
            getter=_getter,
        ),
    ]


async def _back(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    """One step back in the current flow; leaving an edit goes back to the slot."""
    flow = st.flow(manager)
    current = manager.current_context().state
    if flow == "edit":
        await manager.switch_to(Availability.slot)
        return
    previous = {
        Availability.start: Availability.day if st.day(manager) else Availability.pick_date,
        Availability.length: Availability.pattern_to if flow == "pattern" else Availability.start,
        Availability.kind: Availability.length,
        Availability.seats: Availability.kind,
    }
    await manager.switch_to(previous.get(current, Availability.week))
