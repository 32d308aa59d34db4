"""A tutor's public page, opened from the tutor's shared link."""

from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.deeplinks import DeepLink, TutorPage
from bot.i18n import fmt_money
from core.enums import TutorStatus
from core.ports import UnitOfWorkFactory
from core.usecases.tutor_profiles import get_profile


async def show_deep_link(message: Message, link: DeepLink, uow_factory: UnitOfWorkFactory) -> None:
    if isinstance(link, TutorPage):
        await show_tutor_page(message, link.tutor_id, uow_factory)


async def show_tutor_page(message: Message, tutor_id: int, uow_factory: UnitOfWorkFactory) -> None:
    profile = await get_profile(uow_factory(), tutor_id)
    if profile is None or profile.status is not TutorStatus.APPROVED:
        await message.answer(_("This tutor does not exist or is no longer available."))
        return
    locale = get_i18n().current_locale
    rate = (
        _("Free lessons")
        if profile.hourly_rate_minor == 0
        else _("{amount} per hour").format(amount=fmt_money(profile.hourly_rate_minor, profile.currency, locale))
    )
    await message.answer(
        _("🧑‍🏫 {name}\n📚 {subjects}\n💶 {rate}\n🕒 Teaches in {zone}").format(
            name=profile.display_name,
            subjects=", ".join(profile.subjects),
            rate=rate,
            zone=profile.timezone,
        )
    )
