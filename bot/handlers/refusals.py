"""A pressed button whose action core refuses is answered with the reason, as an alert on the button."""

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec

from aiogram.types import CallbackQuery

from bot.texts.errors import error_text
from core.errors import DomainError

P = ParamSpec("P")


def refusals_answered(
    handler: Callable[Concatenate[CallbackQuery, P], Awaitable[None]],
) -> Callable[Concatenate[CallbackQuery, P], Awaitable[None]]:
    """Wrap a button handler that answers the press itself once its action succeeded; a refusal before that
    answers it with the reason instead. aiogram reads the wrapped handler's parameters, so injection works
    as before."""

    async def answered(query: CallbackQuery, /, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await handler(query, *args, **kwargs)
        except DomainError as error:
            await query.answer(error_text(error), show_alert=True)

    functools.update_wrapper(answered, handler)
    return answered
