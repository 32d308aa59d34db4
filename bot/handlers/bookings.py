"""/book, /mybookings, /sessions, and the return from the payment page."""

from dataclasses import replace
from datetime import datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory, DialogManager

from bot.callbacks import (
    CancelBooking,
    CancelSessionStart,
    JoinSession,
    LiveSession,
    OpenRoom,
    ProposeMove,
    RefundCredits,
    Reschedule,
    WriteNotes,
)
from bot.dialogs.booking import start_booking, start_reschedule
from bot.dialogs.common import pressed_chat_manager
from bot.handlers.refusals import refusals_answered
from bot.telegram_limits import TEXT_LIMIT, utf16_length
from bot.texts.bookings import status_label
from bot.texts.errors import error_text
from bot.texts.packages import balance_line, refund_button
from bot.texts.slots import time_range, type_label
from bot.texts.waitlist import waitlist_screen
from core.bookings import Phase, booking_actions, session_actions, session_phase
from core.entities import BookingView, Participant, SessionRoster, User
from core.enums import ParticipantStatus, SessionStatus
from core.errors import DomainError
from core.families import is_managed
from core.packages import Balance
from core.payments import CREDIT
from core.rules import BusinessRules
from core.services import Services
from core.usecases.bookings import check_payment, list_my_bookings, list_my_sessions
from core.usecases.families import my_children
from core.usecases.packages import my_balances
from core.usecases.reschedule import check_reschedulable
from core.usecases.waitlist import my_waitlist
from l10n.formatting import fmt_datetime, fmt_money

# A message holds 4,096 characters and a keyboard 100 buttons: lists show the nearest entries only.
MAX_UPCOMING = 10
MAX_PAST = 5


async def _onboarded(message: Message, app_user: User | None) -> User | None:
    if app_user is None or not app_user.onboarded:
        await message.answer(_("Send /start first to set your time zone."))
        return None
    return app_user


async def book(message: Message, dialog_manager: DialogManager, app_user: User | None) -> None:
    if await _onboarded(message, app_user) is not None:
        await start_booking(dialog_manager)


# Packages listed above the bookings; a student rarely holds more than one or two at a time.
MAX_PACKAGES = 5
# Room kept for the three sections' headers and "… and N more" lines (in any language).
_MORE_RESERVE = 3 * 80


def _more(hidden: int) -> str:
    return ngettext("… and {n} more.", "… and {n} more.", hidden).format(n=hidden)


def _booking_entry(booking: BookingView, now: datetime, zone: str, locale: str, whose: str = "") -> str:
    """One booking; `whose` names the child it is for, on a parent's list."""
    payment = booking.payment
    amount = payment.amount_minor if payment else 0
    if payment is not None and payment.provider == CREDIT:
        price = _("paid with 1 package credit")
    else:
        price = _("free of charge") if payment is None or amount == 0 else fmt_money(amount, payment.currency, locale)
    when = fmt_datetime(booking.slot.starts_at, zone, locale)
    kind = type_label(booking.slot.session_type, booking.slot.capacity)
    child = f"👤 {whose} · " if whose else ""
    return f"🗓 {when} · {child}{booking.tutor.display_name}\n   {kind} · {price} · {status_label(booking, now, zone)}"


def _booking_buttons(
    booking: BookingView, now: datetime, zone: str, locale: str, *, childs: bool = False
) -> list[list[InlineKeyboardButton]]:
    """The booking's buttons; on a parent's list (`childs`), the room stays the child's and the tutor's,
    and the video is joined by the child, unless the child has no Telegram."""
    actions = booking_actions(booking, now)
    if childs:
        actions = replace(actions, room=False, join=actions.join and is_managed(booking.participant.user_id))
    when = fmt_datetime(booking.slot.starts_at, zone, locale)
    rows = []
    if actions.pay and booking.payment is not None and booking.payment.checkout_url:
        price = fmt_money(booking.payment.amount_minor, booking.payment.currency, locale)
        label = _("💳 Pay {price} · {tutor}").format(price=price, tutor=booking.tutor.display_name)
        rows.append([InlineKeyboardButton(text=label, url=booking.payment.checkout_url)])
    if actions.join:
        label = _("🎥 Join: {when}").format(when=when)
        rows.append([InlineKeyboardButton(text=label, callback_data=JoinSession(session_id=booking.session.id).pack())])
    if actions.room:
        label = _("📂 Chat and files: {when}").format(when=when)
        room = OpenRoom(session_id=booking.session.id, participant_id=booking.participant.id).pack()
        rows.append([InlineKeyboardButton(text=label, callback_data=room)])
    if actions.cancel:
        label = _("✖️ Cancel {when}").format(when=when)
        cancel = CancelBooking(participant_id=booking.participant.id).pack()
        rows.append([InlineKeyboardButton(text=label, callback_data=cancel)])
    if actions.reschedule:
        label = _("🔁 Reschedule {when}").format(when=when)
        move = Reschedule(participant_id=booking.participant.id).pack()
        rows.append([InlineKeyboardButton(text=label, callback_data=move)])
    return rows


async def my_bookings(
    message: Message,
    app_user: User | None,
    services: Services,
) -> None:
    """The student's bookings by where they stand: live now, upcoming, then past and cancelled."""
    user = await _onboarded(message, app_user)
    if user is None:
        return
    bookings = await list_my_bookings(services.uow_factory(), services.clock, user_id=user.id)
    children = {c.user.id: c.name for c in await my_children(services.uow_factory(), parent_id=user.id) if c.user}
    balances = await my_balances(services.uow_factory(), services.clock, user_id=user.id)
    text, buttons = bookings_screen(
        bookings, balances, children, services.clock.now(), user.timezone or "UTC", get_i18n().current_locale
    )
    await message.answer(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None)
    places = await my_waitlist(services.uow_factory(), user_id=user.id)
    if places:
        waiting, keyboard = waitlist_screen(places, user.timezone or "UTC")
        await message.answer(waiting, reply_markup=keyboard)


def bookings_screen(
    bookings: list[BookingView],
    balances: list[Balance],
    children: dict[int, str],
    now: datetime,
    zone: str,
    locale: str,
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """/mybookings: the packages with lessons left, then the bookings (a parent's children's too, named)
    by phase, each section cut to fit one message and one keyboard."""
    # The packages a student still has lessons in come first: they are what the next booking can use.
    package_lines = [balance_line(b, zone) for b in balances[:MAX_PACKAGES]]
    buttons: list[list[InlineKeyboardButton]] = [
        [InlineKeyboardButton(text=refund_button(b), callback_data=RefundCredits(purchase_id=b.purchase.id).pack())]
        for b in balances[:MAX_PACKAGES]
    ]
    if not bookings:
        return "\n".join([*package_lines, "", _("You have no bookings yet. /book finds a tutor.")]).strip(), buttons
    by_phase: dict[Phase, list[BookingView]] = {phase: [] for phase in Phase}
    for booking in bookings:
        by_phase[booking_actions(booking, now).phase].append(booking)
    by_phase[Phase.PAST].reverse()
    sections = (
        (_("🎥 Live now"), by_phase[Phase.LIVE], MAX_UPCOMING),
        (_("Upcoming"), by_phase[Phase.UPCOMING], MAX_UPCOMING),
        (_("Past and cancelled"), by_phase[Phase.PAST], MAX_PAST),
    )
    lines: list[str] = ["\n".join(package_lines)] if package_lines else []
    # Long names fill a message before the counts do: an entry is shown only while the text, and the
    # "… and N more" lines that may follow, still fit.
    used = sum(utf16_length(line) + 2 for line in lines) + _MORE_RESERVE
    for title, group, limit in sections:
        if not group:
            continue
        header = f"— {title} —"
        lines.append(header)
        used += utf16_length(header) + 2
        shown = 0
        for booking in group[:limit]:
            entry = _booking_entry(booking, now, zone, locale, children.get(booking.participant.user_id, ""))
            if used + utf16_length(entry) + 2 > TEXT_LIMIT:
                break
            lines.append(entry)
            used += utf16_length(entry) + 2
            childs = booking.participant.user_id in children
            buttons.extend(_booking_buttons(booking, now, zone, locale, childs=childs))
            shown += 1
        if len(group) > shown:
            lines.append(_more(len(group) - shown))
    return "\n\n".join(lines), buttons


def _roster_people(roster: SessionRoster) -> str:
    return ", ".join(_roster_person(roster, participant, person) for participant, person in roster.participants)


def _roster_person(roster: SessionRoster, participant: Participant, person: User) -> str:
    name = person.first_name
    parent = roster.bookers.get(participant.booked_by) if participant.booked_by is not None else None
    if parent:
        name = _("{name} (booked by {parent})").format(name=name, parent=parent)
    if participant.status is not ParticipantStatus.BOOKED:
        name = _("{name} (awaiting payment)").format(name=name)
    return name


def _session_state(roster: SessionRoster) -> str:
    return {
        SessionStatus.IN_PROGRESS: "🎥 " + _("live now"),
        SessionStatus.COMPLETED: "✔️ " + _("done"),
        SessionStatus.CANCELLED: "❌ " + _("cancelled"),
        SessionStatus.NO_SHOW: "🚫 " + _("not started (no-show)"),
        SessionStatus.SCHEDULED: "",
    }[roster.session.status]


def _roster_buttons(
    roster: SessionRoster, zone: str, locale: str, now: datetime, rules: BusinessRules
) -> list[list[InlineKeyboardButton]]:
    actions = session_actions(roster, now, rules)
    session_id = roster.session.id
    when = fmt_datetime(roster.slot.starts_at, zone, locale)
    rows = []

    def button(text: str, data: str) -> None:
        rows.append([InlineKeyboardButton(text=text, callback_data=data)])

    if actions.join:
        button(_("🎥 Join: {when}").format(when=when), JoinSession(session_id=session_id).pack())
        button(_("🔄 Who is here: {when}").format(when=when), LiveSession(session_id=session_id, action="view").pack())
    if actions.start:
        button(_("▶️ Start {when}").format(when=when), LiveSession(session_id=session_id, action="start").pack())
    if actions.room:
        button(_("📂 Chat and files: {when}").format(when=when), OpenRoom(session_id=session_id).pack())
    if actions.cancel:
        button(_("✖️ Cancel {when}").format(when=when), CancelSessionStart(session_id=session_id).pack())
    if actions.notes:
        button(_("📝 Notes: {when}").format(when=when), WriteNotes(session_id=session_id).pack())
    if actions.propose_to is not None:
        button(
            _("🔁 Propose another time: {when}").format(when=when),
            ProposeMove(participant_id=actions.propose_to).pack(),
        )
    return rows


async def my_sessions(
    message: Message,
    app_user: User | None,
    services: Services,
) -> None:
    """The tutor's sessions that someone booked, by where they stand: live, upcoming, then those of the
    last hours that ended or were cancelled (those that took place with a button for the notes)."""
    user = await _onboarded(message, app_user)
    if user is None:
        return
    try:
        tutor, rosters = await list_my_sessions(services.uow_factory(), services.clock, services.rules, user_id=user.id)
    except DomainError as error:
        await message.answer(error_text(error))
        return
    now = services.clock.now()
    by_phase: dict[Phase, list[SessionRoster]] = {phase: [] for phase in Phase}
    for roster in rosters:
        phase = session_phase(roster.session, roster.slot, now)
        # An upcoming session nobody holds a seat in any more is just a free slot (/availability).
        if phase is not Phase.UPCOMING or roster.participants:
            by_phase[phase].append(roster)
    if not by_phase[Phase.LIVE] and not by_phase[Phase.UPCOMING] and not by_phase[Phase.PAST]:
        await message.answer(_("No upcoming session has bookings yet. /availability shows your free slots."))
        return
    locale = get_i18n().current_locale
    zone = tutor.timezone
    lines = [_("Your upcoming sessions:")]
    buttons: list[list[InlineKeyboardButton]] = []
    sections = (
        (_("🎥 Live now"), Phase.LIVE, MAX_UPCOMING),
        (_("Upcoming"), Phase.UPCOMING, MAX_UPCOMING),
        (_("Ended or cancelled"), Phase.PAST, MAX_PAST),
    )
    for title, phase, limit in sections:
        group = by_phase[phase]
        if not group:
            continue
        lines.append(f"— {title} —")
        for roster in group[:limit]:
            state = _session_state(roster)
            entry = "🗓 {day}, {time} · {kind}{state}".format(
                day=fmt_datetime(roster.slot.starts_at, zone, locale).split(",")[0],
                time=time_range(roster.slot.starts_at, roster.slot.ends_at, zone),
                kind=type_label(roster.slot.session_type, roster.slot.capacity),
                state=f" · {state}" if state else "",
            )
            people = _roster_people(roster)
            if people or phase is not Phase.PAST:
                entry += "\n   👥 " + (people or _("nobody any more"))
            lines.append(entry)
            buttons.extend(_roster_buttons(roster, zone, locale, now, services.rules))
        if len(group) > limit:
            lines.append(_more(len(group) - limit))
    await message.answer(
        "\n\n".join(lines),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None,
    )


async def payment_returned(
    message: Message,
    participant_id: int,
    services: Services,
) -> None:
    """Back from Stripe: ask Stripe now, so that the answer does not depend on the webhook."""
    sender = message.from_user
    if sender is None:
        return
    try:
        booking = await check_payment(
            services.uow_factory,
            services.clock,
            services.rules,
            services.gateway,
            user_id=sender.id,
            participant_id=participant_id,
        )
    except DomainError as error:
        await message.answer(error_text(error))
        return
    status = booking.participant.status
    if status is ParticipantStatus.BOOKED:
        await message.answer(_("✅ Payment received: your session is booked. The confirmation is on its way."))
    elif status is ParticipantStatus.PENDING_PAYMENT:
        await message.answer(
            _("⏳ The payment has not arrived yet; it can take a minute. I will write as soon as it does.")
        )
    else:
        await message.answer(_("This hold has lapsed. Please book again with /book."))


@refusals_answered
async def reschedule_pressed(
    query: CallbackQuery, callback_data: Reschedule, services: Services, dialog_bg_factory: BgManagerFactory
) -> None:
    """Another time of the same tutor: their calendar, whose confirm screen moves the booking."""
    booking = await check_reschedulable(
        services.uow_factory(), services.clock, user_id=query.from_user.id, participant_id=callback_data.participant_id
    )
    await query.answer()
    await start_reschedule(pressed_chat_manager(query, dialog_bg_factory), booking.tutor.id, booking.participant.id)


def build_router() -> Router:
    router = Router(name="bookings")
    router.message.register(book, Command("book"))
    router.message.register(my_bookings, Command("mybookings"))
    router.message.register(my_sessions, Command("sessions"))
    router.callback_query.register(reschedule_pressed, Reschedule.filter())
    return router
