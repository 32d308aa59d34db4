"""/courses: for a tutor, their courses (the packages dialog in course mode); for a student, the courses
to enroll in and their enrollments. The buttons on course cards and on enrollment notifications: enroll
(Stripe Checkout), "I have paid", book a session for the course, schedule later. Every id in a button is
checked in core against the person pressing."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BgManagerFactory, DialogManager, StartMode

from bot.callbacks import BookCourse, CheckEnrollment, EnrollCourse, ScheduleLater, ShowCourse
from bot.dialogs.booking import start_course_booking
from bot.dialogs.common import pressed_chat_manager
from bot.dialogs.states import Packages
from bot.handlers.refusals import refusals_answered
from bot.texts.courses import course_button, course_line, enroll_button, enrollment_line
from bot.texts.errors import error_text
from core.entities import User
from core.enums import PurchaseStatus
from core.errors import DomainError
from core.services import Services
from core.usecases.courses import course_card, courses_on_sale, enrollment_for_booking, my_enrollments
from core.usecases.purchases import buy_package, check_purchase
from core.usecases.tutor_profiles import get_profile_of_user
from l10n.formatting import fmt_money

# Courses listed in one message (each line is up to about 200 characters; a message holds 4,096).
MAX_COURSES_LISTED = 15


def _keyboard(*rows: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[row] for row in rows])


def enrolled_buttons(course_id: int) -> InlineKeyboardMarkup:
    return _keyboard(
        InlineKeyboardButton(text=_("📅 Book a session now"), callback_data=BookCourse(course_id=course_id).pack()),
        InlineKeyboardButton(text=_("⏳ Schedule later"), callback_data=ScheduleLater(course_id=course_id).pack()),
    )


async def courses_command(
    message: Message, dialog_manager: DialogManager, app_user: User | None, services: Services
) -> None:
    if app_user is None or not app_user.onboarded:
        await message.answer(_("Send /start first to set your time zone."))
        return
    if await get_profile_of_user(services.uow_factory(), app_user.id) is not None:
        await dialog_manager.start(Packages.listing, data={"course": True}, mode=StartMode.RESET_STACK)
        return
    if services.rules.is_admin(app_user.id):
        # An admin who does not teach manages the school's courses.
        await dialog_manager.start(Packages.listing, data={"course": True, "school": True}, mode=StartMode.RESET_STACK)
        return
    zone = app_user.timezone or "UTC"
    enrollments = await my_enrollments(services.uow_factory(), services.clock, user_id=app_user.id)
    on_sale = await courses_on_sale(services.uow_factory())
    lines = [enrollment_line(e, zone) for e in enrollments[:MAX_COURSES_LISTED]]
    buttons = [
        InlineKeyboardButton(text=course_button(e.view), callback_data=ShowCourse(course_id=e.view.course.id).pack())
        for e in enrollments[:MAX_COURSES_LISTED]
    ]
    mine = {e.view.course.id for e in enrollments}
    others = [view for view in on_sale if view.course.id not in mine]
    if others:
        lines.append(_("Courses you can enroll in:"))
        for view in others[:MAX_COURSES_LISTED]:
            lines.append(course_line(view))
            buttons.append(
                InlineKeyboardButton(
                    text=course_button(view), callback_data=ShowCourse(course_id=view.course.id).pack()
                )
            )
        hidden = len(others) - MAX_COURSES_LISTED
        if hidden > 0:
            lines.append(ngettext("… and {n} more.", "… and {n} more.", hidden).format(n=hidden))
    if not lines:
        await message.answer(_("No courses are open for enrollment yet. /book finds a tutor for single lessons."))
        return
    await message.answer("\n\n".join(lines), reply_markup=_keyboard(*buttons) if buttons else None)


async def send_course_card(message: Message, services: Services, user: User | None, course_id: int) -> None:
    """The course as the student sees it: what it is, who teaches it, and their enrollment or Enroll."""
    user_id = user.id if user else message.chat.id
    card = await course_card(services.uow_factory(), services.clock, user_id=user_id, course_id=course_id)
    lines = [course_line(card.view)]
    if card.tutor_names:
        lines.append(_("🧑‍🏫 Taught by {tutors}").format(tutors=", ".join(card.tutor_names)))
    if card.enrollment is not None:
        lines.append(
            _("✅ You are enrolled.") + "\n" + enrollment_line(card.enrollment, (user and user.timezone) or "UTC")
        )
        keyboard = _keyboard(
            InlineKeyboardButton(text=_("📅 Book a session"), callback_data=BookCourse(course_id=course_id).pack())
        )
    else:
        keyboard = _keyboard(
            InlineKeyboardButton(text=enroll_button(card.view), callback_data=EnrollCourse(course_id=course_id).pack())
        )
    await message.answer("\n\n".join(lines), reply_markup=keyboard)


@refusals_answered
async def course_pressed(
    query: CallbackQuery, callback_data: ShowCourse, app_user: User | None, services: Services
) -> None:
    if isinstance(query.message, Message):
        await send_course_card(query.message, services, app_user, callback_data.course_id)
    await query.answer()


@refusals_answered
async def enroll_pressed(
    query: CallbackQuery, callback_data: EnrollCourse, services: Services, package_return_link: str
) -> None:
    card = await course_card(
        services.uow_factory(), services.clock, user_id=query.from_user.id, course_id=callback_data.course_id
    )
    started = await buy_package(
        services.uow_factory,
        services.clock,
        services.gateway,
        package_return_link,
        user_id=query.from_user.id,
        package_id=card.view.package.id,
    )
    await query.answer()
    if not isinstance(query.message, Message) or started.checkout_url is None:
        return
    purchase = started.purchase
    price = fmt_money(purchase.price_minor, purchase.currency, get_i18n().current_locale)
    await query.message.answer(
        _("🎓 {name}: pay {price} to enroll. You can book its sessions as soon as the payment arrives.").format(
            name=purchase.name, price=price
        ),
        reply_markup=_keyboard(
            InlineKeyboardButton(text=_("💳 Pay {price}").format(price=price), url=started.checkout_url),
            InlineKeyboardButton(
                text=_("🔄 I have paid"), callback_data=CheckEnrollment(purchase_id=purchase.id).pack()
            ),
        ),
    )


@refusals_answered
async def enrollment_paid_pressed(query: CallbackQuery, callback_data: CheckEnrollment, services: Services) -> None:
    purchase = await check_purchase(
        services.uow_factory,
        services.clock,
        services.rules,
        services.gateway,
        user_id=query.from_user.id,
        purchase_id=callback_data.purchase_id,
    )
    if purchase.status is PurchaseStatus.PENDING:
        await query.answer(_("The payment has not arrived yet. Give it a minute, then try again."), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message) or purchase.course_id is None:
        return
    if purchase.status is PurchaseStatus.EXPIRED:
        await query.message.edit_text(_("⌛ This payment page has closed. Press Enroll on the course to pay again."))
        return
    await query.message.edit_text(
        _("✅ You are enrolled in {name}.").format(name=purchase.name),
        reply_markup=enrolled_buttons(purchase.course_id),
    )


async def book_course_pressed(
    query: CallbackQuery,
    callback_data: BookCourse,
    dialog_bg_factory: BgManagerFactory,
    services: Services,
) -> None:
    try:
        await enrollment_for_booking(
            services.uow_factory(), services.clock, user_id=query.from_user.id, course_id=callback_data.course_id
        )
    except DomainError as error:
        if error.code != "course.not_enrolled" or not isinstance(query.message, Message):
            await query.answer(error_text(error), show_alert=True)
            return
        await query.answer()
        # Spec 003: "You must be enrolled to book. [Enroll now]".
        enroll = EnrollCourse(course_id=callback_data.course_id).pack()
        await query.message.answer(
            error_text(error),
            reply_markup=_keyboard(InlineKeyboardButton(text=_("✅ Enroll now"), callback_data=enroll)),
        )
        return
    await query.answer()
    manager = pressed_chat_manager(query, dialog_bg_factory)
    await start_course_booking(manager, callback_data.course_id)


@refusals_answered
async def schedule_later_pressed(query: CallbackQuery, callback_data: ScheduleLater, services: Services) -> None:
    card = await course_card(
        services.uow_factory(), services.clock, user_id=query.from_user.id, course_id=callback_data.course_id
    )
    await query.answer()
    if isinstance(query.message, Message):
        days = card.view.course.reminder_days
        await query.message.answer(
            ngettext(
                "⏳ Fine. Until you book, I will remind you every {n} day. /courses books a session any time.",
                "⏳ Fine. Until you book, I will remind you every {n} days. /courses books a session any time.",
                days,
            ).format(n=days)
        )


def build_router() -> Router:
    router = Router(name="courses")
    router.message.register(courses_command, Command("courses"))
    router.callback_query.register(course_pressed, ShowCourse.filter())
    router.callback_query.register(enroll_pressed, EnrollCourse.filter())
    router.callback_query.register(enrollment_paid_pressed, CheckEnrollment.filter())
    router.callback_query.register(book_course_pressed, BookCourse.filter())
    router.callback_query.register(schedule_later_pressed, ScheduleLater.filter())
    return router
