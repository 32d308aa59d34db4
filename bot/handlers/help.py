"""/help: what this person can do, by role."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from core.entities import User


def help_text(user: User | None) -> str:
    if user is None or not user.onboarded:
        return _("Send /start to set up your time zone and tell me whether you learn or teach.")
    lines = [_("Here is what I can do:")]
    if user.role and user.role.learns:
        lines.append(
            _(
                "🎓 As a student: /book finds a tutor and books a lesson in your own time zone; /mybookings lists "
                "them, with your packages; /history shows past lessons with your tutors' notes and homework; /courses "
                "to enroll in a course and book its sessions; /family to book for your children."
            )
        )
    if user.role and user.role.teaches:
        lines.append(
            _(
                "🧑‍🏫 As a tutor: /availability to publish your free times week by week, with weekly patterns, "
                "and to share the link to your page; /sessions lists who booked; /history your students and your "
                "notes; /reviews what they said; /packages and /courses to sell lessons in advance."
            )
        )
    lines.append(_("/settings: language, time zone, role and tutor profile\n/help: this message"))
    return "\n\n".join(lines)


async def show_help(message: Message, app_user: User | None) -> None:
    await message.answer(help_text(app_user))


def build_router() -> Router:
    router = Router(name="help")
    router.message.register(show_help, Command("help"))
    return router
