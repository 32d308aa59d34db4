"""Dialog widgets that translate at render time, in the locale of the update being handled."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import CallbackQuery, ContentType, Message
from aiogram.utils.i18n import gettext, ngettext
from aiogram_dialog import DialogManager
from aiogram_dialog.api.protocols import DialogProtocol
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.input import MessageInput
from aiogram_dialog.widgets.kbd import Group, Multiselect, Select
from aiogram_dialog.widgets.text import Format, Text


class _Lenient(dict[str, Any]):
    # A missing value must not turn a whole screen into an error; it shows as empty.
    def __missing__(self, key: str) -> str:
        return ""


class Tr(Text):
    """A source-language message, translated, with `{name}` placeholders filled from the window data."""

    def __init__(self, text: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.text = text

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        return gettext(self.text).format_map(_Lenient(data))


class TrN(Text):
    """A message with plural forms chosen by the number in `data[count_key]`."""

    def __init__(self, singular: str, plural: str, count_key: str, when: WhenCondition = None) -> None:
        super().__init__(when=when)
        self.singular, self.plural, self.count_key = singular, plural, count_key

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        count = int(data.get(self.count_key) or 0)
        return ngettext(self.singular, self.plural, count).format_map(_Lenient(data))


# A step's answer, whether typed or picked from buttons: (event, manager, text).
Answer = Callable[[Message | CallbackQuery, DialogManager, str], Awaitable[None]]


def typed_answer(answer: Answer) -> MessageInput:
    """Any text the person types in this window is the answer."""

    async def typed(message: Message, widget: Any, manager: DialogManager) -> None:
        await answer(message, manager, message.text or "")

    return MessageInput(typed, content_types=ContentType.TEXT)


def choice_buttons(widget_id: str, items: str, answer: Answer, width: int = 4) -> Group:
    """Buttons for the usual answers; `items` names (id, label) pairs in the window data."""

    async def clicked(event: CallbackQuery, widget: Any, manager: DialogManager, item: str) -> None:
        await answer(event, manager, item)

    return Group(
        Select(Format("{item[1]}"), id=widget_id, item_id_getter=lambda item: item[0], items=items, on_click=clicked),
        width=width,
    )


def pick(
    widget_id: str, items: str, on_click: Any, *, parse: Callable[[str], str], label: str = "{item[1]}"
) -> Select[str]:
    """A button per (id, label) pair of `items` in the window data; `parse` checks a pressed button's id
    (bot.button_values) before `on_click` sees it."""
    return Select(
        Format(label),
        id=widget_id,
        item_id_getter=lambda item: item[0],
        items=items,
        type_factory=parse,
        on_click=on_click,
    )


class CheckedMultiselect(Multiselect[str]):
    """A multiselect whose pressed ids are checked by `type_factory` before they enter its state."""

    async def _process_item_callback(
        self, callback: CallbackQuery, data: str, dialog: DialogProtocol, manager: DialogManager
    ) -> bool:
        self.type_factory(data)
        return await super()._process_item_callback(callback, data, dialog, manager)
