"""The tutor's live controls: start a session, see who is in the video, end it."""

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.callbacks import JoinSession, LiveSession
from bot.handlers.refusals import refusals_answered
from core.entities import User
from core.join_links import JoinLinks
from core.rules import BusinessRules
from core.services import Services
from core.usecases.live import LiveView, end_session, fresh_join_link, join_deadline, live_view, start_session
from l10n.formatting import fmt_datetime


def live_text(view: LiveView) -> str:
    locale = get_i18n().current_locale
    lines = [_("🎥 Live: {when}").format(when=fmt_datetime(view.slot.starts_at, view.tutor.timezone, locale))]
    for person in view.people:
        here = (
            _("in the video ({n} min so far)").format(n=person.minutes)
            if person.joined
            else (_("left after {n} min").format(n=person.minutes) if person.minutes else _("not here yet"))
        )
        badge = "🧑‍🏫" if person.role == "tutor" else "👤"
        lines.append(f"{badge} {person.user.first_name}: {here}")
    return "\n".join(lines)


def live_keyboard(view: LiveView, links: JoinLinks, rules: BusinessRules) -> InlineKeyboardMarkup:
    own_link = links.url(view.session.id, view.tutor.user_id, join_deadline(view.slot, rules))
    refresh = LiveSession(session_id=view.session.id, action="view").pack()
    end = LiveSession(session_id=view.session.id, action="end").pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=_("🎥 Join the video"), url=own_link)],
            [
                InlineKeyboardButton(text=_("🔄 Who is here"), callback_data=refresh),
                InlineKeyboardButton(text=_("⏹ End the session"), callback_data=end),
            ],
        ]
    )


@refusals_answered
async def live_pressed(
    query: CallbackQuery,
    callback_data: LiveSession,
    services: Services,
) -> None:
    user_id, session_id = query.from_user.id, callback_data.session_id
    if callback_data.action == "start":
        view = await start_session(
            services.uow_factory,
            services.clock,
            services.rules,
            services.join_links,
            user_id=user_id,
            session_id=session_id,
        )
    elif callback_data.action == "end":
        await end_session(services.uow_factory, services.clock, session_id=session_id, user_id=user_id)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(_("⏹ The session is over. Everyone gets a summary."), reply_markup=None)
        return
    else:
        view = await live_view(
            services.uow_factory(), services.clock, services.rules, user_id=user_id, session_id=session_id
        )
    await query.answer()
    if isinstance(query.message, Message):
        text, keyboard = live_text(view), live_keyboard(view, services.join_links, services.rules)
        if callback_data.action == "start":
            await query.message.answer(text, reply_markup=keyboard)
        elif query.message.text != text:
            await query.message.edit_text(text, reply_markup=keyboard)


@refusals_answered
async def join_pressed(
    query: CallbackQuery,
    callback_data: JoinSession,
    app_user: User | None,
    services: Services,
) -> None:
    """A lost or expired join link: a new one, while the session is live."""
    url, _session, slot, tutor = await fresh_join_link(
        services.uow_factory(),
        services.clock,
        services.rules,
        services.join_links,
        user_id=query.from_user.id,
        session_id=callback_data.session_id,
    )
    await query.answer()
    zone = (app_user.timezone if app_user else None) or slot.timezone
    text = _("🎥 Your link to the session of {when} with {tutor}. It works until the session ends.").format(
        when=fmt_datetime(slot.starts_at, zone, get_i18n().current_locale), tutor=tutor.display_name
    )
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("🎥 Join"), url=url)]])
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=keyboard)
    else:
        await query.bot.send_message(query.from_user.id, text, reply_markup=keyboard)  # type: ignore[union-attr]


def build_router() -> Router:
    router = Router(name="live")
    router.callback_query.register(live_pressed, LiveSession.filter())
    router.callback_query.register(join_pressed, JoinSession.filter())
    return router
