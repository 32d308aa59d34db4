"""/availability: the tutor's week-by-week schedule (spec 002 §1.2) — a week view of the 4-week window,
a day view, a slot view, and the bulk actions: copy a day or a week, clear, mark a day off."""

from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram_dialog import Dialog, DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Group, ManagedMultiselect, Row, Select, SwitchTo
from aiogram_dialog.widgets.text import Format, Multi

from bot.button_values import calendar_day, record_id
from bot.deeplinks import TutorPage, deep_link_url
from bot.dialogs import availability_forms as forms
from bot.dialogs import availability_state as st
from bot.dialogs.common import deps, report, rules_of, user_id_of
from bot.dialogs.states import Availability, CancelSession
from bot.dialogs.widgets import CheckedMultiselect, Tr
from bot.texts.slots import bulk_summary, day_label, long_day_label, slot_line, time_range
from core.enums import SessionStatus, SessionType
from core.errors import DomainError
from core.timezones import utc_to_local
from core.usecases.availability import (
    WeekView,
    clear_days,
    copy_days,
    copy_week,
    delete_slot,
    get_slot,
    set_day_off,
    week_view,
)
from l10n.formatting import fmt_zone


async def _week(manager: DialogManager, day: date | None = None) -> WeekView:
    uow_factory, clock = deps(manager)
    return await week_view(
        uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), day=day or st.monday(manager)
    )


def _day_lines(view: WeekView, only: date | None = None) -> list[str]:
    zone = view.tutor.timezone
    lines = []
    for day_view in view.days:
        if only is not None and day_view.day != only:
            continue
        header = day_label(day_view.day)
        if day_view.day < view.first_day:
            header += " · " + _("past")
        elif day_view.day > view.last_day:
            header += " · " + _("beyond the 4-week window")
        elif day_view.off:
            header += " · 🚫 " + _("day off")
        lines.append(header)
        lines.extend(f"   {slot_line(slot, zone, view.sessions.get(slot.id))}" for slot in day_view.slots)
        if not day_view.slots and only is not None and not day_view.off:
            lines.append("   " + _("No slots yet."))
    return lines


async def _week_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    view = await _week(dialog_manager)
    _uow, clock = deps(dialog_manager)
    open_days = [d.day for d in view.days if view.first_day <= d.day <= view.last_day]
    return {
        "title": _("🗓 Week of {day}").format(day=long_day_label(view.monday)),
        "zone": fmt_zone(view.tutor.timezone, clock.now()),
        "lines": "\n".join(_day_lines(view)),
        "days": [(d.isoformat(), day_label(d)) for d in open_days],
        "has_previous": view.monday > view.first_day,
        "has_next": view.monday + timedelta(days=7) <= view.last_day,
    }


async def _day_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    day = st.day(dialog_manager)
    view = await _week(dialog_manager, day)
    day = day or view.first_day
    _uow, clock = deps(dialog_manager)
    day_view = next((d for d in view.days if d.day == day), None)
    zone = view.tutor.timezone
    slots = day_view.slots if day_view else []
    return {
        "title": "📅 " + long_day_label(day),
        "zone": fmt_zone(zone, clock.now()),
        "lines": "\n".join(_day_lines(view, only=day)),
        "slots": [(str(s.id), time_range(s.starts_at, s.ends_at, zone)) for s in slots if s.starts_at > clock.now()],
        "off": bool(day_view and day_view.off),
        "working": not (day_view and day_view.off),
        "copy_targets": [
            (d.day.isoformat(), day_label(d.day))
            for d in view.days
            if d.day != day and view.first_day <= d.day <= view.last_day
        ]
        + _later_days(view, day),
    }


def _later_days(view: WeekView, day: date) -> list[tuple[str, str]]:
    """Copy targets beyond the week shown, up to the end of the window."""
    targets = []
    current = view.monday + timedelta(days=7)
    while current <= view.last_day:
        if current != day:
            targets.append((current.isoformat(), day_label(current)))
        current += timedelta(days=1)
    return targets


async def _slot_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, clock = deps(dialog_manager)
    try:
        tutor, slot, status = await get_slot(
            uow_factory(), user_id=user_id_of(dialog_manager), slot_id=int(st.data(dialog_manager)["slot_id"])
        )
    except DomainError:
        return {
            "title": _("This slot does not exist any more."),
            "line": "",
            "group": False,
            "exists": False,
            "editable": False,
        }
    zone = tutor.timezone
    cancelled = status is SessionStatus.CANCELLED
    return {
        "title": "🕒 " + long_day_label(utc_to_local(slot.starts_at, zone).date()),
        "line": slot_line(slot, zone, status),
        "zone": fmt_zone(zone, clock.now()),
        "group": slot.session_type is SessionType.GROUP and not cancelled,
        "exists": True,
        # A cancelled session's slot is only deleted: its time is already free for a new slot.
        "editable": not cancelled,
        "cancelled": cancelled,
    }


async def _result_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    return {
        "result": st.data(dialog_manager).get("result", ""),
        "not_week": st.result_back(dialog_manager) != Availability.week,
        "can_cancel": bool(st.data(dialog_manager).get("cancel_session")),
    }


async def _clear_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    scope = st.data(dialog_manager).get("clear", "day")
    day = st.day(dialog_manager)
    if scope == "week":
        view = await _week(dialog_manager)
        question = _("Remove every free slot of the week of {day}? Booked slots stay.").format(
            day=long_day_label(view.monday)
        )
    else:
        question = _("Remove every free slot of {day}? Booked slots stay.").format(
            day=long_day_label(day) if day else ""
        )
    return {"question": question}


async def _move_week(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    view = await _week(manager)
    step = timedelta(days=7 if widget.widget_id == "next_week" else -7)
    target = view.monday + step
    # Only weeks that share a day with the booking window.
    if target + timedelta(days=6) >= view.first_day and target <= view.last_day:
        st.set_monday(manager, target)


async def _day_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, iso: str) -> None:
    st.set_day(manager, date.fromisoformat(iso))
    await manager.switch_to(Availability.day)


async def _slot_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, slot_id: str) -> None:
    st.data(manager)["slot_id"] = int(slot_id)
    await manager.switch_to(Availability.slot)


async def _delete(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    slot_id = int(st.data(manager)["slot_id"])
    try:
        await delete_slot(uow_factory(), clock, user_id=user_id_of(manager), slot_id=slot_id)
    except DomainError as error:
        if error.code == "slot.has_bookings":
            await st.offer_session_cancel(manager, slot_id, error)
            return
        await report(event, error)
        return
    await st.show_result(manager, _("🗑 The slot is deleted."), Availability.day)


async def _ask_clear(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    st.data(manager)["clear"] = "week" if widget.widget_id == "clear_week" else "day"
    await manager.switch_to(Availability.confirm_clear)


async def _clear(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    if st.data(manager).get("clear") == "week":
        first = (await _week(manager)).monday
        last = first + timedelta(days=6)
    else:
        day = st.day(manager)
        if day is None:
            return
        first = last = day
    try:
        cleared = await clear_days(uow_factory(), clock, user_id=user_id_of(manager), first=first, last=last)
    except DomainError as error:
        await report(event, error)
        return
    back = Availability.week if st.data(manager).get("clear") == "week" else Availability.day
    await st.show_result(manager, _cleared_text(cleared.deleted, len(cleared.kept_booked)), back)


def _cleared_text(deleted: int, kept: int) -> str:
    text = ngettext("🧹 {n} free slot removed.", "🧹 {n} free slots removed.", deleted).format(n=deleted)
    if kept:
        text += "\n" + ngettext(
            "{n} booked slot stays: cancel its session to free it.",
            "{n} booked slots stay: cancel their sessions to free them.",
            kept,
        ).format(n=kept)
    return text


async def _copy_week(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    view = await _week(manager)
    try:
        result = await copy_week(
            uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), monday=view.monday
        )
    except DomainError as error:
        await report(event, error)
        return
    await st.show_result(
        manager, bulk_summary(len(result.created), result.skipped, view.tutor.timezone), Availability.week
    )


async def _copy_day(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    targets_widget = manager.find("copy_targets")
    assert isinstance(targets_widget, ManagedMultiselect)
    targets = [date.fromisoformat(iso) for iso in targets_widget.get_checked()]
    source = st.day(manager)
    if not targets or source is None:
        await event.answer(_("Pick at least one day to copy to."), show_alert=True)
        return
    view = await _week(manager)
    try:
        result = await copy_days(
            uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), source=source, targets=targets
        )
    except DomainError as error:
        await report(event, error)
        return
    await targets_widget.reset_checked()  # type: ignore[no-untyped-call]
    await st.show_result(
        manager, bulk_summary(len(result.created), result.skipped, view.tutor.timezone), Availability.day
    )


async def _toggle_day_off(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    day = st.day(manager)
    if day is None:
        return
    off = widget.widget_id == "day_off"
    view = await _week(manager)
    try:
        cleared, filled = await set_day_off(
            uow_factory(), clock, rules_of(manager), user_id=user_id_of(manager), day=day, off=off
        )
    except DomainError as error:
        await report(event, error)
        return
    if off:
        text = _("🚫 {day} is a day off now.").format(day=long_day_label(day))
        text += "\n" + _cleared_text(cleared.deleted, len(cleared.kept_booked))
    else:
        text = _("✅ You teach on {day} again.").format(day=long_day_label(day))
        if filled.created or filled.skipped:
            text += "\n" + bulk_summary(len(filled.created), filled.skipped, view.tutor.timezone)
    await st.show_result(manager, text, Availability.day)


async def _share(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    view = await _week(manager)
    username = manager.middleware_data.get("bot_username") or ""
    url = deep_link_url(username, TutorPage(view.tutor.id))
    if isinstance(event.message, Message):
        await event.message.answer(
            _("🔗 Share this link: it opens your page, where students book your free slots.\n\n{url}").format(url=url)
        )
    await event.answer()


async def _add_from_week(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    st.data(manager).pop("day", None)
    st.start_flow(manager, "slot")
    await manager.switch_to(Availability.pick_date)


async def _add_on_day(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    day = st.day(manager)
    st.start_flow(manager, "slot", day=day.isoformat() if day else None)
    await manager.switch_to(Availability.start if day else Availability.pick_date)


async def _back_to_day_or_week(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    await manager.switch_to(Availability.day if st.day(manager) else Availability.week)


async def _cancel_session(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    session_id = st.data(manager).get("cancel_session")
    if session_id:
        await manager.start(CancelSession.reason, data={"session_id": int(session_id)})


async def _result_back(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    await manager.switch_to(st.result_back(manager))


def _views() -> list[Window]:
    return [
        Window(
            Multi(Format("{title}"), Tr("🕒 Times in {zone}"), Format("{lines}"), sep="\n\n"),
            Row(
                Button(Tr("◀️ Earlier"), id="previous_week", on_click=_move_week, when="has_previous"),
                Button(Tr("Later ▶️"), id="next_week", on_click=_move_week, when="has_next"),
            ),
            Group(
                Select(
                    Format("{item[1]}"),
                    id="week_day",
                    item_id_getter=lambda item: item[0],
                    items="days",
                    type_factory=calendar_day,
                    on_click=_day_chosen,
                ),
                width=4,
            ),
            Row(
                Button(Tr("➕ Add a slot"), id="add_slot", on_click=_add_from_week),
                SwitchTo(Tr("🔁 Weekly patterns"), id="to_patterns", state=Availability.patterns),
            ),
            Row(
                Button(Tr("📋 Copy to next week"), id="copy_week", on_click=_copy_week),
                Button(Tr("🧹 Clear week"), id="clear_week", on_click=_ask_clear),
            ),
            Row(
                Button(Tr("🔗 Share my page"), id="share", on_click=_share),
                Button(Tr("✅ Done"), id="close", on_click=_close),
            ),
            state=Availability.week,
            getter=_week_getter,
        ),
        Window(
            Multi(Format("{title}"), Tr("🕒 Times in {zone}"), Format("{lines}"), sep="\n\n"),
            Group(
                Select(
                    Format("✏️ {item[1]}"),
                    id="day_slot",
                    item_id_getter=lambda item: item[0],
                    items="slots",
                    type_factory=record_id,
                    on_click=_slot_chosen,
                ),
                width=2,
            ),
            Row(
                Button(Tr("➕ Add a slot"), id="add_on_day", on_click=_add_on_day, when="working"),
                SwitchTo(Tr("📋 Copy this day to…"), id="to_copy", state=Availability.copy_targets, when="working"),
            ),
            Row(
                Button(Tr("🧹 Clear this day"), id="clear_day", on_click=_ask_clear),
                Button(Tr("🚫 Day off"), id="day_off", on_click=_toggle_day_off, when="working"),
                Button(Tr("✅ Teach this day again"), id="day_on", on_click=_toggle_day_off, when="off"),
            ),
            SwitchTo(Tr("◀️ Week"), id="day_back", state=Availability.week),
            state=Availability.day,
            getter=_day_getter,
        ),
        Window(
            Multi(
                Format("{title}"),
                Format("{line}"),
                Tr("🕒 Times in {zone}", when="exists"),
                Tr(
                    "Its session was cancelled, so students are not offered it and its time is free: add a new "
                    "slot at that time if you like, or delete this one.",
                    when="cancelled",
                ),
                sep="\n\n",
            ),
            Row(
                Button(Tr("🕒 Change time"), id="edit_start", on_click=forms.edit_start, when="editable"),
                Button(Tr("⏱ Change length"), id="edit_length", on_click=forms.edit_length, when="editable"),
            ),
            Row(
                Button(Tr("👥 Change seats"), id="edit_seats", on_click=forms.edit_seats, when="group"),
                Button(Tr("🗑 Delete"), id="delete", on_click=_delete, when="exists"),
            ),
            SwitchTo(Tr("◀️ Day"), id="slot_back", state=Availability.day),
            state=Availability.slot,
            getter=_slot_getter,
        ),
        Window(
            Format("{result}"),
            Button(Tr("✖️ Cancel this session"), id="cancel_session", on_click=_cancel_session, when="can_cancel"),
            Button(Tr("◀️ Back"), id="result_back", on_click=_result_back),
            SwitchTo(Tr("🗓 Week"), id="result_week", state=Availability.week, when="not_week"),
            state=Availability.result,
            getter=_result_getter,
        ),
        Window(
            Format("{question}"),
            Row(
                Button(Tr("✅ Yes, remove"), id="clear_yes", on_click=_clear),
                Button(Tr("✖️ No"), id="clear_no", on_click=_back_to_day_or_week),
            ),
            state=Availability.confirm_clear,
            getter=_clear_getter,
        ),
        Window(
            Tr("📋 Copy the slots of {title} to which days? Tap to select, then Copy."),
            Group(
                CheckedMultiselect(
                    Format("✅ {item[1]}"),
                    Format("{item[1]}"),
                    id="copy_targets",
                    item_id_getter=lambda item: item[0],
                    items="copy_targets",
                    type_factory=calendar_day,
                ),
                width=4,
            ),
            Row(
                Button(Tr("📋 Copy"), id="copy_day", on_click=_copy_day),
                SwitchTo(Tr("◀️ Day"), id="copy_back", state=Availability.day),
            ),
            state=Availability.copy_targets,
            getter=_day_getter,
        ),
    ]


async def _close(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    if isinstance(event.message, Message):
        await event.message.edit_text(_("🗓 Your availability is saved. Send /availability to change it."))
    await manager.done()


def build_availability_dialog() -> Dialog:
    return Dialog(*_views(), *forms.windows())
