"""Booking, by chatting (spec 003): a subject, a tutor, a day on a 4-week calendar in the student's own
zone, a time, a summary with a note and a reminders switch, then payment."""

from datetime import date, datetime
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BaseDialogManager, Dialog, DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.kbd import Button, Checkbox, Column, Group, ManagedCheckbox, Row, SwitchTo, Url
from aiogram_dialog.widgets.text import Format, Multi
from babel.dates import format_date, get_day_names

from bot.button_values import StaleButton, any_label, calendar_day, list_index, record_id
from bot.dialogs.common import deps, kept_text, rules_of, services_of, user_id_of
from bot.dialogs.paging import current_page, first_page, page_of, pager, shown_page
from bot.dialogs.states import Booking
from bot.dialogs.widgets import Tr, pick
from bot.texts.bookings import hourly_rate, summary
from bot.texts.courses import course_session_button
from bot.texts.errors import error_text
from bot.texts.packages import credit_button, package_choice, package_line
from bot.texts.periods import period
from bot.texts.policies import policy_text
from bot.texts.reviews import rating_label, reviews_block
from bot.texts.slots import type_label
from core.bookings import booking_price, clean_note, refund_policy_of
from core.entities import Slot, TutorProfile, User
from core.enums import ParticipantStatus, PurchaseStatus, SessionType
from core.errors import DomainError, ValidationError
from core.notifications import SessionFacts
from core.packages import Balance
from core.payments import PaymentGateway
from core.student_calendar import chosen_range, next_range, student_calendar
from core.timezones import utc_to_local
from core.usecases.accounts import get_user
from core.usecases.bookings import ReturnLink, book_slot, cancel_hold, check_payment, get_booking
from core.usecases.browsing import TutorOffer, list_subjects, list_tutors, tutor_offer
from core.usecases.courses import course_card, course_tutors, enrollment_for_booking
from core.usecases.families import child_link_for_booking
from core.usecases.packages import packages_on_sale, usable_credit
from core.usecases.purchases import buy_package, check_purchase, my_purchase
from core.usecases.reschedule import reschedule_booking
from core.usecases.waitlist import join_waitlist
from l10n.formatting import fmt_datetime, fmt_money, fmt_time, fmt_time_zoned

TYPE_FILTERS = ("all", SessionType.ONE_TO_ONE.value, SessionType.GROUP.value)
# Tutors and subjects per screen: a message holds 4,096 characters and a keyboard 100 buttons, and a
# school may have hundreds of either.
TUTORS_PER_PAGE = 8
SUBJECTS_PER_PAGE = 10


def _locale() -> str:
    return get_i18n().current_locale


def _rate(tutor: TutorProfile) -> str:
    return hourly_rate(tutor.hourly_rate_minor, tutor.currency)


def _payments(manager: DialogManager) -> tuple[PaymentGateway, ReturnLink]:
    return services_of(manager).gateway, manager.middleware_data["payment_return_link"]


async def _zone(manager: DialogManager) -> str:
    # The person was loaded for this update already (AppUserMiddleware); several getters need the zone.
    user = manager.middleware_data.get("app_user")
    if not isinstance(user, User) or user.id != user_id_of(manager):
        uow_factory, _clock = deps(manager)
        user = await get_user(uow_factory(), user_id_of(manager))
    return (user.timezone if user else None) or "UTC"


# offered_slots, has_free_time, calendar_screen and day_screen are public: the browsing benchmark measures
# the screens exactly as the dialog builds them.
async def offered_slots(manager: DialogManager) -> list[Slot]:
    """The browsed tutor's open slots in the chosen range and of the chosen kind."""
    return (await _offer(manager)).slots


async def _offer(manager: DialogManager, *, reviews: bool = False) -> TutorOffer:
    data = manager.dialog_data
    kind = data.get("type", "all")
    days = chosen_range(data.get("range"), rules_of(manager).booking_window_days)
    key = (int(data["tutor_id"]), kind, days)
    # Read once per update: the day tap checks the day and then shows it, screens need the tutor and the
    # slots. The cache lives in the update's own data, so the next update reads afresh.
    offers: dict[tuple[int, str, int], TutorOffer] = manager.middleware_data.setdefault("booking_offers", {})
    if key not in offers or (reviews and not offers[key].reviewed):
        uow_factory, clock = deps(manager)
        offers[key] = await tutor_offer(
            uow_factory(),
            clock,
            rules_of(manager),
            tutor_id=key[0],
            session_type=None if kind == "all" else SessionType(kind),
            days=days,
            for_user=user_id_of(manager),
            reviews=reviews,
        )
    return offers[key]


# --- subjects and tutors -----------------------------------------------------------------------------


async def _subjects_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    subjects = await list_subjects(uow_factory())
    numbered = [(str(i), f"{name} ({count})") for i, (name, count) in enumerate(subjects)]
    shown, paging = await page_of(dialog_manager, "subject_pages", numbered, SUBJECTS_PER_PAGE)
    # A subject button carries its place on this list: the tap reads the name from the buttons the person
    # saw (a subject added meanwhile would shift the places), and without reading the list again.
    dialog_manager.dialog_data["subject_names"] = {index: subjects[int(index)][0] for index, _label in shown}
    return {
        "subjects": shown,
        "none": not subjects,
        "some": bool(subjects),
        **paging,
    }


async def _subject_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, index: str) -> None:
    name = (manager.dialog_data.get("subject_names") or {}).get(index)
    if name is None:
        raise StaleButton(f"no subject {index} on the screen")
    manager.dialog_data["subject"] = name
    await first_page(manager, "tutor_pages")
    await manager.switch_to(Booking.tutors)


async def _all_tutors(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    manager.dialog_data["subject"] = None
    await first_page(manager, "tutor_pages")
    await manager.switch_to(Booking.tutors)


async def _course_tutors_getter(dialog_manager: DialogManager, course_id: int) -> dict[str, Any]:
    """The tutors of the course the booking is for (a course has at most a few)."""
    uow_factory, clock = deps(dialog_manager)
    card = await course_card(uow_factory(), clock, user_id=user_id_of(dialog_manager), course_id=course_id)
    tutors = []
    for tutor_id in await course_tutors(uow_factory(), course_id=course_id):
        async with uow_factory() as uow:
            tutor = await uow.tutors.get(tutor_id)
        if tutor is not None:
            tutors.append(tutor)
    lines = [f"🧑‍🏫 {t.display_name} · {', '.join(t.subjects)}" for t in tutors]
    return {
        "title": f"{card.view.title} · {card.view.course.subject}",
        "lines": "\n".join(lines) or _("No tutors available yet. Please try again later."),
        "tutors": [(str(t.id), t.display_name) for t in tutors],
        # A course has a few tutors: one page.
        **await shown_page(dialog_manager, "tutor_pages", 0, 1),
        "browsing": False,
    }


async def _tutors_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    course_id = dialog_manager.dialog_data.get("course_id")
    if course_id:
        return await _course_tutors_getter(dialog_manager, int(course_id))
    uow_factory, clock = deps(dialog_manager)
    subject = dialog_manager.dialog_data.get("subject")
    zone = await _zone(dialog_manager)
    listed = await list_tutors(
        uow_factory(),
        clock,
        rules_of(dialog_manager),
        subject=subject,
        page=await current_page(dialog_manager, "tutor_pages"),
        per_page=TUTORS_PER_PAGE,
    )
    shown = listed.cards
    paging = await shown_page(dialog_manager, "tutor_pages", listed.page, listed.pages)
    window = period(rules_of(dialog_manager).booking_window_days)
    lines = []
    for card in shown:
        tutor = card.tutor
        rate = _rate(tutor)
        nxt = (
            _("next free: {when}").format(when=fmt_datetime(card.next_free, zone, _locale()))
            if card.next_free
            else _("no free time in the next {period}").format(period=window)
        )
        stars = f" · {rating_label(card.rating)}" if card.rating.shown else ""
        lines.append(f"🧑‍🏫 {tutor.display_name} · {', '.join(tutor.subjects)} · {rate}{stars}\n   {nxt}")
    return {
        "title": subject or _("All subjects"),
        "lines": "\n\n".join(lines) or _("No tutors available yet. Please try again later."),
        "tutors": [(str(c.tutor.id), c.tutor.display_name) for c in shown],
        "browsing": True,
        **paging,
    }


async def _tutor_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, tutor_id: str) -> None:
    manager.dialog_data["tutor_id"] = int(tutor_id)
    await manager.switch_to(Booking.calendar)


# --- the calendar and a day ---------------------------------------------------------------------------


async def _tutor_and_zone(manager: DialogManager) -> tuple[TutorProfile, str]:
    """The tutor being browsed (still bookable) and the student's zone, in which every time is shown."""
    return (await _offer(manager)).tutor, await _zone(manager)


async def calendar_screen(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    clock = services_of(dialog_manager).clock
    data = dialog_manager.dialog_data
    offer = await _offer(dialog_manager, reviews=True)
    tutor, zone = offer.tutor, await _zone(dialog_manager)
    window = rules_of(dialog_manager).booking_window_days
    calendar = student_calendar(offer.slots, zone, clock.now(), window)
    # Days whose times are all taken: "◦", their waitlists are open.
    full_days = {utc_to_local(s.starts_at, zone).date() for s in offer.full}
    free_days = {d.day for d in calendar.days if d.has_free_time}
    days = [
        (
            d.day.isoformat(),
            "·"
            if not d.in_window
            else f"•{d.day.day}"
            if d.has_free_time
            else f"◦{d.day.day}"
            if d.day in full_days
            else str(d.day.day),
        )
        for d in calendar.days
    ]
    shown_range = chosen_range(data.get("range"), window)
    names = get_day_names("narrow", locale=_locale())
    rate = _rate(tutor)
    kind = data.get("type", "all")
    return {
        "tutor": tutor.display_name,
        "subjects": ", ".join(tutor.subjects),
        "rate": rate,
        "reviews": reviews_block(offer.rating, offer.comments),
        "reviewed": offer.rating.shown,
        "zone": zone,
        "month": format_date(calendar.today, "LLLL y", locale=_locale()),
        "weekdays": [(f"h{i}", str(names[i])) for i in range(7)],
        "days": days,
        "has_free": calendar.has_free_time,
        "has_full": bool(full_days - free_days),
        "no_free": not calendar.has_free_time,
        "type_label": {"all": _("👥 All types"), "one_to_one": _("👤 1-to-1 only"), "group": _("👥 Groups only")}[kind],
        "range_label": _("📆 This week") if shown_range == 7 else "📆 " + period(shown_range),
        # The range the filter chose, not always the whole window.
        "no_free_text": _("No free time with these filters in the next {period}.").format(period=period(shown_range)),
    }


async def _cycle_type(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    current = manager.dialog_data.get("type", "all")
    manager.dialog_data["type"] = TYPE_FILTERS[(TYPE_FILTERS.index(current) + 1) % len(TYPE_FILTERS)]


async def _cycle_range(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    window = rules_of(manager).booking_window_days
    manager.dialog_data["range"] = next_range(chosen_range(manager.dialog_data.get("range"), window), window)


async def _noop(event: CallbackQuery, widget: Any, manager: DialogManager, item: str) -> None:
    manager.show_mode = ShowMode.NO_UPDATE
    await event.answer()


async def has_free_time(manager: DialogManager, day: date, *, or_full: bool = False) -> bool:
    """Whether the calendar's tutor has a time on offer on `day` (a local day of the student); with
    `or_full`, a full one counts (its waitlist is open)."""
    zone = await _zone(manager)
    offer = await _offer(manager)
    times = offer.slots + offer.full if or_full else offer.slots
    return any(utc_to_local(s.starts_at, zone).date() == day for s in times)


async def _day_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, iso: str) -> None:
    day = date.fromisoformat(iso)
    if not await has_free_time(manager, day, or_full=True):
        manager.show_mode = ShowMode.NO_UPDATE
        await event.answer(_("No free time on that day."))
        return
    manager.dialog_data["day"] = iso
    await manager.switch_to(Booking.day)


async def day_screen(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    tutor, zone = await _tutor_and_zone(dialog_manager)
    day = date.fromisoformat(data["day"])
    items = []
    for slot in await offered_slots(dialog_manager):
        if utc_to_local(slot.starts_at, zone).date() != day:
            continue
        label = f"{fmt_time(slot.starts_at, zone, _locale())}–{fmt_time(slot.ends_at, zone, _locale())}"
        label += " · " + type_label(slot.session_type, slot.capacity)
        if slot.session_type is SessionType.GROUP:
            label += " · " + ngettext("{n} seat left", "{n} seats left", slot.seats_left).format(n=slot.seats_left)
        price = booking_price(tutor, slot)
        label += " · " + (_("free of charge") if price == 0 else fmt_money(price, tutor.currency, _locale()))
        items.append((str(slot.id), label))
    waiting = [
        (
            str(slot.id),
            _("🔔 {time} · {kind} · full: notify me").format(
                time=f"{fmt_time(slot.starts_at, zone, _locale())}–{fmt_time(slot.ends_at, zone, _locale())}",
                kind=type_label(slot.session_type, slot.capacity),
            ),
        )
        for slot in (await _offer(dialog_manager)).full
        if utc_to_local(slot.starts_at, zone).date() == day
    ]
    return {
        "title": format_date(day, "EEEE d MMMM", locale=_locale()),
        "tutor": tutor.display_name,
        "zone": zone,
        "slots": items,
        "waiting": waiting,
        "empty": not items and not waiting,
    }


async def _wait_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, slot_id: str) -> None:
    """ "Notify me" on a full time: a place in its queue."""
    manager.show_mode = ShowMode.NO_UPDATE
    uow_factory, clock = deps(manager)
    try:
        await join_waitlist(uow_factory(), clock, user_id=user_id_of(manager), slot_id=int(slot_id))
    except DomainError as error:
        await event.answer(error_text(error, await _zone(manager)), show_alert=True)
        return
    hold = rules_of(manager).waitlist_hold_minutes
    await event.answer(
        ngettext(
            "🔔 You are on the waitlist. If a seat frees, it is held for you {n} minute and I message you.",
            "🔔 You are on the waitlist. If a seat frees, it is held for you {n} minutes and I message you.",
            hold,
        ).format(n=hold),
        show_alert=True,
    )


async def _slot_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, slot_id: str) -> None:
    if manager.dialog_data.get("slot_id") != int(slot_id):
        # Another time than the one the waitlist held: booked the usual way.
        manager.dialog_data.pop("waitlist_entry", None)
    manager.dialog_data["slot_id"] = int(slot_id)
    await manager.switch_to(Booking.confirm)


# --- confirm and pay ---------------------------------------------------------------------------------


async def _chosen_slot(manager: DialogManager) -> Slot | None:
    slot_id = int(manager.dialog_data.get("slot_id", 0))
    offer = await _offer(manager)
    # A full time whose seat the waitlist holds for this person is theirs to book.
    times = offer.slots + offer.full if manager.dialog_data.get("waitlist_entry") else offer.slots
    return next((s for s in times if s.id == slot_id), None)


async def _confirm_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    tutor, zone = await _tutor_and_zone(dialog_manager)
    slot = await _chosen_slot(dialog_manager)
    if slot is None:
        return {"summary": _("This time is no longer available. Select another."), "available": False, "note": ""}
    uow_factory, clock = deps(dialog_manager)
    price = booking_price(tutor, slot)
    user_id = user_id_of(dialog_manager)
    # Not booked yet: the session it would open has no id.
    text = summary(SessionFacts.of(tutor, slot, session_id=0), zone, price)
    screen = {
        "summary": text,
        "available": True,
        # What a cancellation would give back, said before booking (a free lesson has nothing to give).
        "policy": policy_text(refund_policy_of(tutor)) if price > 0 else "",
        "has_policy": price > 0,
        "note": data.get("note") or "",
        "has_note": bool(data.get("note")),
        "credit": False,
        "credit_label": "",
        "packages": False,
        "payable": True,
        "course": False,
        "course_label": "",
        "family": False,
        "for_label": "",
        "moving": False,
    }
    if data.get("move"):
        # Moving a booked lesson: it keeps its payment, so there is nothing to choose but the time.
        return {**screen, "payable": False, "has_policy": False, "moving": True}
    children = (await _offer(dialog_manager)).children
    chosen = next((name for link_id, name in children if link_id == int(data.get("for_link", 0))), None)
    if children:
        # A parent books for themselves or one of their children, in turn on one button.
        screen = {**screen, "family": True, "for_label": _("👤 For: {name}").format(name=chosen or _("me"))}
    student_id = await _student_id(dialog_manager) if chosen is not None else user_id
    if data.get("course_id"):
        # For a course: one of the sessions of the person's enrollment (a parent's may be for a child),
        # or why this time cannot be one.
        try:
            enrollment = await enrollment_for_booking(
                uow_factory(), clock, user_id=user_id, course_id=int(data["course_id"]), slot=slot
            )
        except DomainError as error:
            return {**screen, "summary": f"{text}\n\n{error_text(error, zone)}", "payable": False}
        return {**screen, "payable": False, "course": True, "course_label": course_session_button(enrollment)}
    # A free session needs neither a credit nor a package.
    credit = await _credit_for(dialog_manager, slot, student_id) if price > 0 else None
    return {
        **screen,
        "credit": credit is not None,
        "credit_label": credit_button(credit) if credit else "",
        # A package is worth offering where there is a price to pay and no credit to use.
        "packages": credit is None and price > 0 and bool(await packages_on_sale(uow_factory(), tutor_id=tutor.id)),
    }


async def _credit_for(manager: DialogManager, slot: Slot, student_id: int) -> Balance | None:
    """The package a credit would come from: the student's, else (a child's lesson) the parent's."""
    uow_factory, clock = deps(manager)
    for owner in dict.fromkeys([student_id, user_id_of(manager)]):
        credit = await usable_credit(uow_factory(), clock, user_id=owner, slot=slot)
        if credit is not None:
            return credit
    return None


async def _cycle_for(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    """Me, then each child the parent may book for, then me again."""
    links = [0] + [link_id for link_id, _name in (await _offer(manager)).children]
    current = int(manager.dialog_data.get("for_link", 0))
    manager.dialog_data["for_link"] = links[(links.index(current) + 1) % len(links)] if current in links else 0


async def _student_id(manager: DialogManager) -> int:
    """Whom the seat is for: the person, or the child they picked (checked again in core)."""
    link_id = int(manager.dialog_data.get("for_link", 0))
    if not link_id:
        return user_id_of(manager)
    uow_factory, _clock = deps(manager)
    child = await child_link_for_booking(uow_factory(), parent_id=user_id_of(manager), link_id=link_id)
    return child.id


async def _book_with_credit(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    """The credit is looked up again here: what the screen showed may have been spent since."""
    slot = await _chosen_slot(manager)
    try:
        credit = await _credit_for(manager, slot, await _student_id(manager)) if slot else None
    except DomainError as error:
        await _refused(event, manager, error)
        return
    if credit is None:
        await _refused(event, manager, ValidationError("credit.none_left"))
        return
    await _book(event, widget, manager, credit_from=credit.purchase.id)


async def _book_for_course(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    """A session of the course the booking was started for, paid with one of the enrollment's sessions."""
    uow_factory, clock = deps(manager)
    slot = await _chosen_slot(manager)
    try:
        enrollment = await enrollment_for_booking(
            uow_factory(),
            clock,
            user_id=user_id_of(manager),
            course_id=int(manager.dialog_data["course_id"]),
            slot=slot,
        )
    except DomainError as error:
        await _refused(event, manager, error)
        return
    await _book(event, widget, manager, credit_from=enrollment.balance.purchase.id)


async def _refused(event: CallbackQuery, manager: DialogManager, error: DomainError) -> None:
    if isinstance(event.message, Message):
        await event.message.answer(error_text(error, await _zone(manager)))
    manager.show_mode = ShowMode.SEND
    # Someone else took it, or it is full: back to the day, which no longer offers it.
    if error.code in ("booking.taken", "booking.full"):
        await manager.switch_to(Booking.day)


async def _book(
    event: CallbackQuery, widget: Button, manager: DialogManager, *, credit_from: int | None = None
) -> None:
    uow_factory, clock = deps(manager)
    gateway, return_link = _payments(manager)
    reminders = manager.find("reminders")
    assert isinstance(reminders, ManagedCheckbox)
    data = manager.dialog_data
    try:
        student_id = await _student_id(manager)
        result = await book_slot(
            uow_factory,
            clock,
            rules_of(manager),
            gateway,
            return_link,
            user_id=user_id_of(manager),
            slot_id=int(data["slot_id"]),
            note=data.get("note"),
            reminders=reminders.is_checked(),
            credit_from=credit_from,
            student_id=student_id,
            waitlist_entry_id=data.get("waitlist_entry"),
        )
    except DomainError as error:
        await _refused(event, manager, error)
        return
    data["participant_id"] = result.participant.id
    data["checkout_url"] = result.checkout_url
    data["hold_until"] = result.participant.hold_expires_at.isoformat() if result.participant.hold_expires_at else None
    data["price"] = fmt_money(result.payment.amount_minor, result.payment.currency, _locale())
    await manager.switch_to(Booking.done if result.confirmed else Booking.pay)


async def _move(event: CallbackQuery, widget: Any, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    data = manager.dialog_data
    try:
        moved = await reschedule_booking(
            uow_factory,
            clock,
            rules_of(manager),
            user_id=user_id_of(manager),
            participant_id=int(data["move"]),
            slot_id=int(data["slot_id"]),
        )
    except DomainError as error:
        await _refused(event, manager, error)
        return
    when = fmt_datetime(moved.slot.starts_at, await _zone(manager), _locale())
    await event.answer()
    if isinstance(event.message, Message):
        await event.message.answer(_("🔁 Done: your lesson is now on {when}.").format(when=when))
    await manager.done()


async def _pay_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    """The pay screen follows the booking: once the payment is in (or the hold lapsed) it says so, and
    its Pay and Release buttons go."""
    uow_factory, _clock = deps(dialog_manager)
    data = dialog_manager.dialog_data
    zone = await _zone(dialog_manager)
    until = datetime.fromisoformat(data["hold_until"]) if data.get("hold_until") else None
    minutes = rules_of(dialog_manager).payment_hold_minutes
    try:
        booking = await get_booking(
            uow_factory(), user_id=user_id_of(dialog_manager), participant_id=_participant(dialog_manager)
        )
        status = booking.participant.status
    except DomainError:
        status = ParticipantStatus.EXPIRED
    return {
        "url": data.get("checkout_url") or "",
        "price": data.get("price", ""),
        "until": fmt_time_zoned(until, zone, _locale()) if until else "",
        "hold": ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes),
        "pending": status is ParticipantStatus.PENDING_PAYMENT,
        "booked": status is ParticipantStatus.BOOKED,
        "lapsed": status not in (ParticipantStatus.PENDING_PAYMENT, ParticipantStatus.BOOKED),
    }


# --- packages -----------------------------------------------------------------------------------------


async def _packages_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    tutor, _zone_name = await _tutor_and_zone(dialog_manager)
    uow_factory, _clock = deps(dialog_manager)
    on_sale = await packages_on_sale(uow_factory(), tutor_id=tutor.id)
    return {
        "tutor": tutor.display_name,
        "lines": "\n".join(package_line(p) for p in on_sale) or _("There are no packages on sale."),
        "choices": [(str(p.id), package_choice(p)) for p in on_sale],
    }


async def _package_chosen(event: CallbackQuery, widget: Any, manager: DialogManager, package_id: str) -> None:
    uow_factory, clock = deps(manager)
    try:
        started = await buy_package(
            uow_factory,
            clock,
            services_of(manager).gateway,
            manager.middleware_data["package_return_link"],
            user_id=user_id_of(manager),
            package_id=int(package_id),
        )
    except DomainError as error:
        if isinstance(event.message, Message):
            await event.message.answer(error_text(error, await _zone(manager)))
        manager.show_mode = ShowMode.SEND
        return
    manager.dialog_data["purchase_id"] = started.purchase.id
    manager.dialog_data["purchase_url"] = started.checkout_url
    await manager.switch_to(Booking.package_pay)


async def _package_pay_getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    uow_factory, _clock = deps(dialog_manager)
    purchase = await my_purchase(
        uow_factory(), user_id=user_id_of(dialog_manager), purchase_id=int(dialog_manager.dialog_data["purchase_id"])
    )
    return {
        "name": purchase.name,
        "price": fmt_money(purchase.price_minor, purchase.currency, _locale()),
        "url": dialog_manager.dialog_data.get("purchase_url") or "",
        "pending": purchase.status is PurchaseStatus.PENDING,
        "paid": purchase.status is PurchaseStatus.PAID,
        "lapsed": purchase.status is PurchaseStatus.EXPIRED,
    }


async def _package_paid(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    purchase = await check_purchase(
        uow_factory,
        clock,
        rules_of(manager),
        services_of(manager).gateway,
        user_id=user_id_of(manager),
        purchase_id=int(manager.dialog_data["purchase_id"]),
    )
    if purchase.status is PurchaseStatus.PAID:
        await manager.switch_to(Booking.confirm)
    else:
        await event.answer(_("The payment has not arrived yet. Once you have paid, try again in a moment."))


def _participant(manager: DialogManager) -> int:
    return int(manager.dialog_data["participant_id"])


async def _paid(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    gateway, _link = _payments(manager)
    try:
        booking = await check_payment(
            uow_factory,
            clock,
            rules_of(manager),
            gateway,
            user_id=user_id_of(manager),
            participant_id=int(manager.dialog_data["participant_id"]),
        )
    except DomainError as error:
        await event.answer(error_text(error), show_alert=True)
        return
    if booking.participant.status is ParticipantStatus.BOOKED:
        await manager.switch_to(Booking.done)
    elif booking.participant.status is ParticipantStatus.PENDING_PAYMENT:
        manager.show_mode = ShowMode.NO_UPDATE
        await event.answer(_("The payment has not arrived yet. It can take a minute."), show_alert=True)
    else:
        manager.show_mode = ShowMode.NO_UPDATE
        await event.answer(_("This hold has lapsed. Please book again."), show_alert=True)


async def _release(event: CallbackQuery, widget: Button, manager: DialogManager) -> None:
    uow_factory, clock = deps(manager)
    gateway, _link = _payments(manager)
    try:
        await cancel_hold(
            uow_factory,
            clock,
            rules_of(manager),
            gateway,
            user_id=user_id_of(manager),
            participant_id=int(manager.dialog_data["participant_id"]),
        )
    except DomainError as error:
        await event.answer(error_text(error), show_alert=True)
        return
    if isinstance(event.message, Message):
        await event.message.edit_text(_("The seat is released. Nothing was charged."))
    await manager.done()


async def _on_start(start_data: Any, manager: DialogManager) -> None:
    if isinstance(start_data, dict) and start_data.get("tutor_id"):
        manager.dialog_data["tutor_id"] = int(start_data["tutor_id"])
    if isinstance(start_data, dict) and start_data.get("course_id"):
        manager.dialog_data["course_id"] = int(start_data["course_id"])
    if isinstance(start_data, dict) and start_data.get("move"):
        manager.dialog_data["move"] = int(start_data["move"])
    if isinstance(start_data, dict) and start_data.get("waitlist_entry"):
        manager.dialog_data.update(slot_id=int(start_data["slot_id"]), waitlist_entry=int(start_data["waitlist_entry"]))


def build_booking_dialog() -> Dialog:
    return Dialog(
        Window(
            Tr("🔎 Which subject?", when="some"),
            Tr("No tutors available yet. Please try again later.", when="none"),
            Format("{page_label}", when="paged"),
            Column(pick("subject", "subjects", _subject_chosen, parse=list_index)),
            pager("subject_pages"),
            Button(Tr("🧑‍🏫 All tutors"), id="all_tutors", on_click=_all_tutors, when="some"),
            state=Booking.subjects,
            getter=_subjects_getter,
        ),
        Window(
            Multi(Format("📚 {title}"), Format("{lines}"), Format("{page_label}", when="paged"), sep="\n\n"),
            Column(pick("tutor", "tutors", _tutor_chosen, parse=record_id, label="🧑‍🏫 {item[1]}")),
            pager("tutor_pages"),
            SwitchTo(Tr("◀️ Subjects"), id="tutors_back", state=Booking.subjects, when="browsing"),
            state=Booking.tutors,
            getter=_tutors_getter,
        ),
        Window(
            Multi(
                Format("🧑‍🏫 {tutor} · {subjects} · {rate}"),
                Format("{reviews}", when="reviewed"),
                Tr("📅 Pick a day ({month}). Days marked • have free times; times are shown in {zone}."),
                Tr("Days marked ◦ are full: their times have a waitlist.", when="has_full"),
                Format("{no_free_text}", when="no_free"),
                sep="\n\n",
            ),
            Group(
                pick("weekday", "weekdays", _noop, parse=any_label),
                width=7,
            ),
            Group(
                pick("day", "days", _day_chosen, parse=calendar_day),
                width=7,
            ),
            Row(
                Button(Format("{type_label}"), id="filter_type", on_click=_cycle_type),
                Button(Format("{range_label}"), id="filter_range", on_click=_cycle_range),
            ),
            SwitchTo(Tr("◀️ Tutors"), id="calendar_back", state=Booking.tutors),
            state=Booking.calendar,
            getter=calendar_screen,
        ),
        Window(
            Multi(Format("📅 {title} · {tutor}"), Tr("🕒 Times in {zone}. Pick one:"), sep="\n\n"),
            Tr("This time is no longer available. Select another.", when="empty"),
            Column(pick("slot", "slots", _slot_chosen, parse=record_id)),
            Column(pick("wait", "waiting", _wait_chosen, parse=record_id)),
            SwitchTo(Tr("◀️ Calendar"), id="day_back", state=Booking.calendar),
            state=Booking.day,
            getter=day_screen,
        ),
        Window(
            Multi(
                Tr("📝 Your booking"),
                Format("{summary}"),
                Tr("↩️ If you cancel: {policy}.", when="has_policy"),
                Tr("💬 Note to the tutor: {note}", when="has_note"),
                sep="\n\n",
            ),
            Button(Format("{for_label}"), id="for_whom", on_click=_cycle_for, when="family"),
            Checkbox(Tr("🔔 Reminders: on"), Tr("🔕 Reminders: off"), id="reminders", default=True, when="available"),
            SwitchTo(Tr("✍️ Add a note to the tutor"), id="to_note", state=Booking.note, when="available"),
            Button(Format("{course_label}"), id="book_course", on_click=_book_for_course, when="course"),
            Button(Format("{credit_label}"), id="book_credit", on_click=_book_with_credit, when="credit"),
            Button(Tr("✅ Book"), id="book", on_click=_book, when="payable"),
            Button(Tr("🔁 Move my lesson here"), id="move", on_click=_move, when="moving"),
            SwitchTo(Tr("📦 Lesson packages"), id="to_packages", state=Booking.packages, when="packages"),
            SwitchTo(Tr("◀️ Back"), id="confirm_back", state=Booking.day),
            state=Booking.confirm,
            getter=_confirm_getter,
        ),
        Window(
            Tr("✍️ Type your note to the tutor (what you would like to work on, for example)."),
            kept_text(clean_note, "note", Booking.confirm),
            SwitchTo(Tr("◀️ Back"), id="note_back", state=Booking.confirm),
            state=Booking.note,
        ),
        Window(
            Tr(
                "⏳ Your seat is held for {hold}, until {until}. Pay {price} to confirm the booking; "
                "you will get the confirmation here.",
                when="pending",
            ),
            Tr("✅ Paid: your session is booked. The confirmation with a calendar file is on its way.", when="booked"),
            Tr("⌛ This hold has lapsed. Please book again with /book.", when="lapsed"),
            Url(Tr("💳 Pay {price}"), Format("{url}"), when="pending"),
            Button(Tr("🔄 I have paid"), id="paid", on_click=_paid, when="pending"),
            Button(Tr("✖️ Release the seat"), id="release", on_click=_release, when="pending"),
            state=Booking.pay,
            getter=_pay_getter,
        ),
        Window(
            Tr("✅ Session booked!\n\nThe confirmation with a calendar file is on its way."),
            state=Booking.done,
        ),
        Window(
            Multi(Tr("📦 Lesson packages of {tutor}"), Format("{lines}"), sep="\n\n"),
            Column(pick("package", "choices", _package_chosen, parse=record_id, label="📦 {item[1]}")),
            SwitchTo(Tr("◀️ Back"), id="packages_back", state=Booking.confirm),
            state=Booking.packages,
            getter=_packages_getter,
        ),
        Window(
            Tr("💳 {name}: pay {price}. The lessons are yours as soon as the payment arrives.", when="pending"),
            Tr("✅ {name} is paid: book your lesson with it.", when="paid"),
            Tr("⌛ This payment page has closed. Choose the package again to pay.", when="lapsed"),
            Url(Tr("💳 Pay {price}"), Format("{url}"), when="pending"),
            Button(Tr("🔄 I have paid"), id="package_paid", on_click=_package_paid, when="pending"),
            SwitchTo(Tr("◀️ Back to the booking"), id="package_back", state=Booking.confirm),
            state=Booking.package_pay,
            getter=_package_pay_getter,
        ),
        on_start=_on_start,
    )


async def start_booking(manager: BaseDialogManager, tutor_id: int | None = None) -> None:
    """/book: every subject; with `tutor_id`, that tutor's calendar (a tutor's page)."""
    if tutor_id is None:
        await manager.start(Booking.subjects, mode=StartMode.RESET_STACK)
    else:
        await manager.start(Booking.calendar, data={"tutor_id": tutor_id}, mode=StartMode.RESET_STACK)


async def start_reschedule(manager: BaseDialogManager, tutor_id: int, participant_id: int) -> None:
    """Another time for a booked lesson: the tutor's calendar, whose confirm screen moves the booking."""
    await manager.start(
        Booking.calendar, data={"tutor_id": tutor_id, "move": participant_id}, mode=StartMode.RESET_STACK
    )


async def start_waitlist_booking(manager: BaseDialogManager, tutor_id: int, slot_id: int, entry_id: int) -> None:
    """The seat the waitlist holds for this person: straight to its booking screen."""
    data = {"tutor_id": tutor_id, "slot_id": slot_id, "waitlist_entry": entry_id}
    await manager.start(Booking.confirm, data=data, mode=StartMode.RESET_STACK)


async def start_course_booking(manager: BaseDialogManager, course_id: int) -> None:
    """A session for a course the student is enrolled in: its tutors, then the usual calendar."""
    await manager.start(Booking.tutors, data={"course_id": course_id}, mode=StartMode.RESET_STACK)
