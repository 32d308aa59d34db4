"""The dialog-state middleware, with an answer when the per-chat lock cannot be had.

aiogram's FSM middleware takes the chat's lock before anything else runs. When the lock's store does not
answer (Redis down or overloaded past `RETRY_SECONDS`), the update cannot be handled safely; it is then
answered here, in the person's Telegram language, rather than left to the error handlers, which would read
the same unreachable store to find the person's dialog.
"""

import logging
from typing import Any

from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.middlewares import Handler
from bot.replies import tell
from core.languages import pick_language

log = logging.getLogger(__name__)


class StateUnavailable(Exception):
    """The store of dialog state and chat locks (Redis) did not answer in time: the update cannot be
    handled safely now."""


class AnsweringFSMContextMiddleware(FSMContextMiddleware):
    def __init__(self, *args: Any, catalogs: I18n, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.catalogs = catalogs

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await super().__call__(handler, event, data)
        except StateUnavailable as exc:
            update_id = event.update_id if isinstance(event, Update) else "?"
            log.warning("update %s not handled: %s", update_id, exc)
            await self._ask_to_resend(event, data.get("event_from_user"))
            return None

    async def _ask_to_resend(self, event: TelegramObject, sender: TelegramUser | None) -> None:
        # Nothing ran: the update stopped at the lock, so sending it again is safe. The person's record was
        # not loaded either: their Telegram app's language it is.
        language = pick_language(None, sender.language_code if sender else None, self.catalogs.default_locale)
        with self.catalogs.use_locale(language), self.catalogs.context():
            text = _("I am very busy right now and could not do that. Please send it again in a moment.")
        try:
            await tell(event.event if isinstance(event, Update) else event, text)
        except Exception:
            log.exception("could not ask the person to send the update again")
