"""The Telegram side of the Notifier port: renders an outbox message and sends it."""

from dataclasses import replace

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.screens import OpenScreens
from bot.texts.notifications import REFRESHING_KINDS, RenderContext, render
from core.calendar import CalendarFiles
from core.clock import Clock
from core.delivery import RetryLater, Undeliverable
from core.entities import OutboxMessage, User
from core.json_records import RecordUnreadable
from core.languages import pick_language
from core.notifications import message_of


class TelegramNotifier:
    def __init__(self, bot: Bot, i18n: I18n, calendar: CalendarFiles, clock: Clock) -> None:
        self.bot = bot
        self.i18n = i18n
        self.calendar = calendar
        self.clock = clock
        # Set once the dispatcher exists; one-off job runs (the CLI) have no screens to refresh.
        self.screens: OpenScreens | None = None

    async def _bot_url(self) -> str:
        try:
            # aiogram asks Telegram once and remembers the answer.
            me = await self.bot.me()
        except (TelegramNetworkError, TelegramServerError, TimeoutError, OSError) as exc:
            raise RetryLater(f"getMe: {exc}") from exc
        return f"https://t.me/{me.username}"

    async def deliver(self, message: OutboxMessage, recipient: User | None) -> None:
        try:
            typed = message_of(message.kind, message.payload)
        except RecordUnreadable as error:
            # Written by a version that knew a kind or a field this one does not: no retry can read it.
            raise Undeliverable(f"unreadable {message.kind!r}: {error}") from error
        locale = pick_language(recipient.language if recipient else None, None, self.i18n.default_locale)
        context = RenderContext(
            recipient=recipient, calendar=self.calendar, now=self.clock.now(), bot_url=await self._bot_url()
        )
        with self.i18n.use_locale(locale), self.i18n.context():
            rendered = render(typed, context)
            child = message.payload.get("for_child")
            if isinstance(child, str) and child:
                # A parent's copy of a message about their child's lesson.
                rendered = replace(rendered, text=_("👪 About {name}:").format(name=child) + "\n" + rendered.text)
        try:
            if rendered.document_id is not None:
                await self.bot.send_document(
                    message.recipient_id,
                    rendered.document_id,
                    caption=rendered.text,
                    reply_markup=rendered.keyboard,
                )
            elif rendered.document is not None:
                # One call: the text rides as the caption, so a retry can never send it twice.
                name, content = rendered.document
                await self.bot.send_document(
                    message.recipient_id,
                    BufferedInputFile(content, filename=name),
                    caption=rendered.text,
                    reply_markup=rendered.keyboard,
                )
            else:
                await self.bot.send_message(message.recipient_id, rendered.text, reply_markup=rendered.keyboard)
        except TelegramRetryAfter as exc:
            raise RetryLater("flood control", retry_after=float(exc.retry_after)) from exc
        except (TimeoutError, TelegramServerError, TelegramNetworkError, OSError) as exc:
            raise RetryLater(f"{type(exc).__name__}: {exc}") from exc
        except TelegramUnauthorizedError as exc:
            # Our token is wrong: no message can go out, but none should be dropped either.
            raise RetryLater(f"unauthorized: {exc}") from exc
        except (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest) as exc:
            raise Undeliverable(f"{type(exc).__name__}: {exc}") from exc
        if self.screens is not None and message.kind in REFRESHING_KINDS:
            await self.screens.refresh(self.bot, message.recipient_id)
