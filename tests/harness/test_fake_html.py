"""The fake Bot API reads HTML as Telegram does: what it accepts becomes entities, what Telegram refuses is
refused with Telegram's words, so a message the bot could not really send fails in tests too."""

import pytest

from testkit.telegram_models import ApiError
from testkit.telegram_text import format_text


def _html(text: str) -> tuple[str | None, list[dict[str, object]]]:
    return format_text(text, "HTML", None, max_length=4096, empty_error="message text is empty", too_long_error="x")


@pytest.mark.parametrize(
    ("source", "text", "entity"),
    [
        (
            '<a href="https://e.org/?a=1&amp;b=2">link</a>',
            "link",
            {"type": "text_link", "url": "https://e.org/?a=1&b=2"},
        ),
        ("<a href='https://e.org'>x</a>", "x", {"type": "text_link", "url": "https://e.org"}),
        ("<a  href = https://e.org >x</a>", "x", {"type": "text_link", "url": "https://e.org"}),
        ("<blockquote expandable>quote</blockquote>", "quote", {"type": "expandable_blockquote"}),
        ('<span class="tg-spoiler">s</span>', "s", {"type": "spoiler"}),
    ],
)
def test_accepted_tags_and_attributes_become_entities(source: str, text: str, entity: dict[str, object]) -> None:
    got_text, entities = _html(source)
    assert got_text == text
    assert len(entities) == 1 and entity.items() <= entities[0].items()


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<b", "Unclosed start tag"),
        ('<a href="https://e.org>x', "Unclosed start tag"),
        ("<a =x>y</a>", "Empty attribute name"),
        ("<a href>y</a>", "Expected equal sign"),
        ("<foo>x</foo>", 'Unsupported start tag "foo"'),
        ("<span>s</span>", 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_what_telegram_refuses_is_refused(source: str, error: str) -> None:
    with pytest.raises(ApiError, match=error):
        _html(source)
