"""Admins approve or reject new tutors from the buttons on the review notification."""

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.callbacks import TutorReview
from bot.replies import close_with
from bot.texts.errors import error_text
from core.errors import Conflict, DomainError
from core.services import Services
from core.usecases.tutor_profiles import review_tutor


async def tutor_reviewed(
    query: CallbackQuery,
    callback_data: TutorReview,
    services: Services,
) -> None:
    try:
        profile = await review_tutor(
            services.uow_factory(),
            services.clock,
            services.rules,
            admin_id=query.from_user.id,
            tutor_id=callback_data.tutor_id,
            approve=callback_data.approve,
        )
    except DomainError as error:
        await query.answer(error_text(error), show_alert=True)
        if isinstance(error, Conflict) and isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        return
    verdict = _("✅ Approved") if callback_data.approve else _("❌ Rejected")
    await query.answer(verdict)
    await close_with(query, f"{verdict}: {profile.display_name}")


def build_router() -> Router:
    router = Router(name="admin")
    router.callback_query.register(tutor_reviewed, TutorReview.filter())
    return router
