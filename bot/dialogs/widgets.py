"""Dialog widgets that translate at render time, in the locale of the update being handled."""

from typing import Any

from aiogram.utils.i18n import gettext, ngettext
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.text import Text


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
