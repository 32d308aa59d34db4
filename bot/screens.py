"""The screens people have open: a delivered notification can ask the one on top of a person's dialog
stack to render again, so that a pay screen turns into "booked" once the payment is in."""

import logging

from aiogram import Bot
from aiogram_dialog import BgManagerFactory

log = logging.getLogger(__name__)


class OpenScreens:
    def __init__(self, factory: BgManagerFactory) -> None:
        self._factory = factory

    async def refresh(self, bot: Bot, user_id: int) -> None:
        """Render the person's current dialog window again, reading its data anew; nothing if they have
        no dialog open. Never fails the delivery that asked for it."""
        manager = self._factory.bg(bot=bot, user_id=user_id, chat_id=user_id)
        try:
            await manager.update({})
        except Exception as exc:  # the message went out; a screen that cannot refresh stays as it was
            log.info("could not refresh the screen of %s: %r", user_id, exc)
