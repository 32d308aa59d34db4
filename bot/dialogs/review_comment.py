"""The comment on a review: typed after the stars (for a low rating, what went wrong). Checked in core."""

from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import BaseDialogManager, Dialog, DialogManager, StartMode, Window
from aiogram_dialog.widgets.kbd import Cancel
from aiogram_dialog.widgets.text import Format

from bot.dialogs.common import deps, report, user_id_of
from bot.dialogs.states import ReviewComment
from bot.dialogs.widgets import Tr, typed_answer
from core.errors import DomainError
from core.usecases.reviews import comment_review


async def start_comment(manager: BaseDialogManager, review_id: int, *, low: bool) -> None:
    await manager.start(ReviewComment.text, data={"review_id": review_id, "low": low}, mode=StartMode.RESET_STACK)


async def _getter(dialog_manager: DialogManager, **_kwargs: Any) -> dict[str, Any]:
    data = dialog_manager.start_data
    assert isinstance(data, dict)
    if data.get("low"):
        prompt = _("😔 Sorry it did not go well. What went wrong? Write it in a few words.")
    else:
        prompt = _("✍️ Your comment, in a few words. Other students will read it.")
    return {"prompt": prompt}


async def _typed(event: Message | CallbackQuery, manager: DialogManager, text: str) -> None:
    uow_factory, clock = deps(manager)
    data = manager.start_data
    assert isinstance(data, dict)
    try:
        await comment_review(
            uow_factory(), clock, user_id=user_id_of(manager), review_id=int(data["review_id"]), text=text
        )
    except DomainError as error:
        await report(event, error)
        return
    if isinstance(event, Message):
        await event.answer(_("✅ Thank you: your comment is saved."))
    await manager.done()


def build_review_comment_dialog() -> Dialog:
    return Dialog(
        Window(
            Format("{prompt}"),
            typed_answer(_typed),
            Cancel(Tr("Skip")),
            state=ReviewComment.text,
            getter=_getter,
        ),
    )
