"""Errors that escape handlers: stale dialog buttons after a restart, forged button values, and anything
unexpected."""

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from bot.button_values import StaleButton
from bot.replies import tell

router = Router(name="errors")
log = logging.getLogger(__name__)


async def stale_dialog(event: ErrorEvent) -> None:
    await tell(event.update.event, _("This button is no longer active. Send /start to begin again."))


async def unexpected(event: ErrorEvent) -> None:
    log.error("unhandled error in update %s", event.update.update_id, exc_info=event.exception)
    try:
        await tell(event.update.event, _("Something went wrong on my side. Please try again in a moment."))
    except Exception:
        log.exception("could not tell the user about the error")


def build_router() -> Router:
    router = Router(name="errors")
    router.error.register(stale_dialog, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState, StaleButton))
    router.error.register(unexpected)
    return router
