"""Where deep links lead: a tutor's booking page, or the return from the payment page."""

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager

from bot.deeplinks import CoursePage, DeepLink, FamilyInvite, PaymentReturn, TutorPage
from bot.dialogs.booking import start_booking
from bot.handlers.bookings import payment_returned
from bot.handlers.courses import send_course_card
from bot.handlers.family import open_family_invite
from bot.texts.errors import error_text
from core.errors import DomainError, NotFound
from core.services import Services
from core.usecases.accounts import get_user
from core.usecases.browsing import bookable_tutor


async def open_deep_link(
    message: Message,
    link: DeepLink,
    manager: DialogManager,
    services: Services,
) -> None:
    if isinstance(link, PaymentReturn):
        await payment_returned(message, link.participant_id, services)
        return
    if isinstance(link, CoursePage):
        await open_course_page(message, link, services)
        return
    if isinstance(link, FamilyInvite):
        await open_family_invite(message, link, services)
        return
    await open_tutor_page(message, link, manager, services)


async def open_course_page(message: Message, link: CoursePage, services: Services) -> None:
    """The course's card, to enroll or book; a course that is gone is said so."""
    user = await get_user(services.uow_factory(), message.chat.id)
    try:
        await send_course_card(message, services, user, link.course_id)
    except DomainError as error:
        await message.answer(error_text(error))


async def open_tutor_page(
    message: Message,
    link: TutorPage,
    manager: DialogManager,
    services: Services,
) -> None:
    """The tutor's calendar, ready to book; a tutor who is gone (or not approved yet) is said so."""
    try:
        await bookable_tutor(services.uow_factory(), tutor_id=link.tutor_id)
    except NotFound:
        await message.answer(_("This tutor does not exist or is no longer available."))
        return
    await start_booking(manager, link.tutor_id)
