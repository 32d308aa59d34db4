"""Pages of a list that is shown both as text and as buttons, on aiogram-dialog's own scroll widgets.

A `StubScroll` remembers the page (in the dialog's widget data, so it survives a restart like the rest of
the dialog); the getter slices the list with `page_of`, and `pager` draws "Previous" and "Next" only where
they lead somewhere."""

from typing import Any, TypeVar

from aiogram import F
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _
from aiogram_dialog import DialogManager
from aiogram_dialog.api.protocols import DialogProtocol
from aiogram_dialog.widgets.common.scroll import ManagedScroll
from aiogram_dialog.widgets.kbd import Group, Row, StubScroll, SwitchPage
from aiogram_dialog.widgets.kbd.pager import PageDirection

from bot.button_values import list_index
from bot.dialogs.widgets import Tr

Item = TypeVar("Item")


class _PageButton(SwitchPage):
    # The page travels in the button: a forged one that is not a number is a stale button, not an error.
    async def _process_item_callback(
        self, callback: CallbackQuery, data: str, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        return await super()._process_item_callback(callback, list_index(data), dialog, manager)


def pager(scroll_id: str) -> Group:
    """The page's scroll (its number of pages comes from the window data's `pages`) and its buttons."""
    return Group(
        StubScroll(id=scroll_id, pages="pages"),
        Row(
            # A page button is drawn from the pager's own data, which holds the window's under "data".
            _PageButton(
                PageDirection.PREV, scroll_id, f"{scroll_id}_prev", Tr("◀️ Previous"), when=F["data"]["has_prev"]
            ),
            _PageButton(PageDirection.NEXT, scroll_id, f"{scroll_id}_next", Tr("Next ▶️"), when=F["data"]["has_next"]),
        ),
    )


def _scroll(manager: DialogManager, scroll_id: str) -> ManagedScroll:
    scroll = manager.find(scroll_id)
    if not isinstance(scroll, ManagedScroll):
        raise LookupError(f"no scroll {scroll_id!r} in this dialog")
    return scroll


async def page_of(
    manager: DialogManager, scroll_id: str, items: list[Item], size: int
) -> tuple[list[Item], dict[str, Any]]:
    """The items on the page the scroll is at, kept in range as the list changes, and what `pager` and the
    "Page 1 of 3" line need."""
    pages = max(1, -(-len(items) // size))
    page = min(await current_page(manager, scroll_id), pages - 1)
    return items[page * size : (page + 1) * size], await shown_page(manager, scroll_id, page, pages)


async def current_page(manager: DialogManager, scroll_id: str) -> int:
    """The page the scroll is at (which a list paged elsewhere, e.g. in the database, asks for)."""
    return await _scroll(manager, scroll_id).get_page()


async def shown_page(manager: DialogManager, scroll_id: str, page: int, pages: int) -> dict[str, Any]:
    """Remember the page shown (the one asked, or another when the list changed) and return what `pager`
    and the "Page 1 of 3" line need."""
    scroll = _scroll(manager, scroll_id)
    if page != await scroll.get_page():
        await scroll.set_page(page)
    return {
        "pages": pages,
        "has_prev": page > 0,
        "has_next": page < pages - 1,
        "paged": pages > 1,
        "page_label": _("Page {page} of {pages}").format(page=page + 1, pages=pages),
    }


async def first_page(manager: DialogManager, scroll_id: str) -> None:
    await _scroll(manager, scroll_id).set_page(0)
