"""/book, /mybookings, /sessions, and the return from the payment page."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.callbacks import CancelBooking, CancelSessionStart, LiveSession, OpenRoom
from bot.dialogs.booking import start_booking
from bot.i18n import fmt_datetime, fmt_money
from bot.texts.bookings import status_label
from bot.texts.errors import error_text
from bot.texts.slots import time_range, type_label
from core.clock import Clock
from core.entities import User
from core.enums import ParticipantStatus, SessionStatus
from core.errors import DomainError
from core.payments import PaymentGateway
from core.ports import UnitOfWorkFactory
from core.rules import BusinessRules
from core.usecases.bookings import check_payment, list_my_bookings, list_my_sessions
from core.usecases.live import start_opens

MAX_LISTED = 15


async def _onboarded(message: Message, app_user: User | None) -> User | None:
    if app_user is None or not app_user.onboarded:
        await message.answer(_("Send /start first to set your time zone."))
        return None
    return app_user


async def book(message: Message, dialog_manager: DialogManager, app_user: User | None) -> None:
    if await _onboarded(message, app_user) is not None:
        await start_booking(dialog_manager)


async def my_bookings(message: Message, app_user: User | None, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
    user = await _onboarded(message, app_user)
    if user is None:
        return
    zone = user.timezone or "UTC"
    locale = get_i18n().current_locale
    now = clock.now()
    bookings = await list_my_bookings(uow_factory(), clock, user_id=user.id)
    if not bookings:
        await message.answer(_("You have no bookings yet. /book finds a tutor."))
        return
    upcoming = [b for b in bookings if b.slot.ends_at > now]
    past = [b for b in bookings if b.slot.ends_at <= now]
    lines: list[str] = []
    pay_buttons: list[list[InlineKeyboardButton]] = []
    for title, group in ((_("Upcoming"), upcoming), (_("Past"), list(reversed(past)))):
        if not group:
            continue
        lines.append(f"— {title} —")
        for booking in group[:MAX_LISTED]:
            payment = booking.payment
            amount = payment.amount_minor if payment else 0
            price = (
                _("free of charge") if payment is None or amount == 0 else fmt_money(amount, payment.currency, locale)
            )
            when = fmt_datetime(booking.slot.starts_at, zone, locale)
            kind = type_label(booking.slot.session_type, booking.slot.capacity)
            lines.append(
                f"🗓 {when} · {booking.tutor.display_name}\n   {kind} · {price} · {status_label(booking, now, zone)}"
            )
            if booking.participant.status is ParticipantStatus.PENDING_PAYMENT and payment and payment.checkout_url:
                label = _("💳 Pay {price} · {tutor}").format(price=price, tutor=booking.tutor.display_name)
                pay_buttons.append([InlineKeyboardButton(text=label, url=payment.checkout_url)])
            if booking.participant.status is ParticipantStatus.BOOKED and booking.slot.ends_at > now:
                label = _("📂 Chat and files: {when}").format(when=fmt_datetime(booking.slot.starts_at, zone, locale))
                room = OpenRoom(session_id=booking.session.id).pack()
                pay_buttons.append([InlineKeyboardButton(text=label, callback_data=room)])
            if booking.slot.starts_at > now and booking.participant.status.holds_seat:
                label = _("✖️ Cancel {when}").format(when=fmt_datetime(booking.slot.starts_at, zone, locale))
                cancel = CancelBooking(participant_id=booking.participant.id).pack()
                pay_buttons.append([InlineKeyboardButton(text=label, callback_data=cancel)])
    await message.answer(
        "\n\n".join(lines),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=pay_buttons) if pay_buttons else None,
    )


async def my_sessions(
    message: Message, app_user: User | None, uow_factory: UnitOfWorkFactory, clock: Clock, rules: BusinessRules
) -> None:
    user = await _onboarded(message, app_user)
    if user is None:
        return
    try:
        tutor, rosters = await list_my_sessions(uow_factory(), clock, rules, user_id=user.id)
    except DomainError as error:
        await message.answer(error_text(error))
        return
    if not rosters:
        await message.answer(_("No upcoming session has bookings yet. /availability shows your free slots."))
        return
    locale = get_i18n().current_locale
    zone = tutor.timezone
    lines = []
    buttons: list[list[InlineKeyboardButton]] = []
    for roster in rosters:
        people = ", ".join(
            person.first_name
            if participant.status is ParticipantStatus.BOOKED
            else _("{name} (awaiting payment)").format(name=person.first_name)
            for participant, person in roster.participants
        )
        lines.append(
            "🗓 {day}, {time} · {kind}\n   👥 {people}".format(
                day=fmt_datetime(roster.slot.starts_at, zone, locale).split(",")[0],
                time=time_range(roster.slot.starts_at, roster.slot.ends_at, zone),
                kind=type_label(roster.slot.session_type, roster.slot.capacity),
                people=people or _("nobody any more"),
            )
        )
        session_id = roster.session.id
        opens = start_opens(roster.slot, rules)
        if roster.session.status is SessionStatus.SCHEDULED and opens <= clock.now() < roster.slot.ends_at:
            label = _("▶️ Start {when}").format(when=fmt_datetime(roster.slot.starts_at, zone, locale))
            buttons.append(
                [
                    InlineKeyboardButton(
                        text=label, callback_data=LiveSession(session_id=session_id, action="start").pack()
                    )
                ]
            )
        elif roster.session.status is SessionStatus.IN_PROGRESS:
            label = _("🎥 Live now: {when}").format(when=fmt_datetime(roster.slot.starts_at, zone, locale))
            buttons.append(
                [
                    InlineKeyboardButton(
                        text=label, callback_data=LiveSession(session_id=session_id, action="view").pack()
                    )
                ]
            )
        if any(p.status is ParticipantStatus.BOOKED for p, _person in roster.participants):
            label = _("📂 Chat and files: {when}").format(when=fmt_datetime(roster.slot.starts_at, zone, locale))
            buttons.append([InlineKeyboardButton(text=label, callback_data=OpenRoom(session_id=session_id).pack())])
        if roster.slot.starts_at > clock.now() and roster.session.status is SessionStatus.SCHEDULED:
            label = _("✖️ Cancel {when}").format(when=fmt_datetime(roster.slot.starts_at, zone, locale))
            buttons.append(
                [
                    InlineKeyboardButton(
                        text=label, callback_data=CancelSessionStart(session_id=roster.session.id).pack()
                    )
                ]
            )
    await message.answer(
        _("Your upcoming sessions:") + "\n\n" + "\n\n".join(lines),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None,
    )


async def payment_returned(
    message: Message,
    participant_id: int,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: BusinessRules,
    gateway: PaymentGateway,
) -> None:
    """Back from Stripe: ask Stripe now, so that the answer does not depend on the webhook."""
    sender = message.from_user
    if sender is None:
        return
    try:
        booking = await check_payment(
            uow_factory, clock, rules, gateway, user_id=sender.id, participant_id=participant_id
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


def build_router() -> Router:
    router = Router(name="bookings")
    router.message.register(book, Command("book"))
    router.message.register(my_bookings, Command("mybookings"))
    router.message.register(my_sessions, Command("sessions"))
    return router
