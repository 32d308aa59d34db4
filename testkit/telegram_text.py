"""Text handling done by Telegram's servers: parse modes, entities, trimming, keyboard validation.

Only the HTML parse mode is parsed (strictly, with Telegram's error messages); Markdown and
MarkdownV2 texts are kept as sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from testkit.telegram_models import JSON, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji", "blockquote"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});")
_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])")

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _can_parse(detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


@dataclass
class _OpenTag:
    name: str
    offset: int
    attrs: dict[str, str]
    language: str | None = None
    children_entities: list[JSON] = field(default_factory=list)


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[str] = []
        self.length = 0  # UTF-16 length of the output so far
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.length += utf16_len(text)

    def parse(self) -> tuple[str, list[JSON]]:
        source = self.source
        i = 0
        while i < len(source):
            char = source[i]
            if char == "<":
                i = self.end_tag(i) if source.startswith("</", i) else self.start_tag(i)
            elif char == "&":
                match = _ENTITY_RE.match(source, i)
                decoded = _decode_entity(match.group(1)) if match else None
                if match and decoded is not None:
                    self.emit(decoded)
                    i = match.end()
                else:
                    self.emit("&")
                    i += 1
            else:
                end = i
                while end < len(source) and source[end] not in "<&":
                    end += 1
                self.emit(source[i:end])
                i = end
        if self.stack:
            raise _can_parse(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def _skip_spaces(self, i: int) -> int:
        while i < len(self.source) and self.source[i].isspace():
            i += 1
        return i

    def _scan_word(self, i: int, stops: str) -> int:
        """The end of the run from `i` that holds no space and none of `stops`."""
        while i < len(self.source) and not self.source[i].isspace() and self.source[i] not in stops:
            i += 1
        return i

    def start_tag(self, begin: int) -> int:
        i = self._scan_word(begin + 1, ">")
        if i >= len(self.source):
            raise _can_parse(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = self.source[begin + 1 : i].lower()
        if name not in _SUPPORTED_TAGS:
            raise _can_parse(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}')
        attrs: dict[str, str] = {}
        while True:
            i = self._skip_spaces(i)
            if i >= len(self.source):
                raise _can_parse(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if self.source[i] == ">":
                i += 1
                break
            attr_name, value, i = self._attribute(begin, name, i)
            attrs[attr_name] = value
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _can_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}')
        self.stack.append(_OpenTag(name=name, offset=self.length, attrs=attrs))
        return i

    def _attribute(self, begin: int, tag: str, i: int) -> tuple[str, str, int]:
        """One `name=value` of the tag `tag` (opened at `begin`) from `i`: its name, value and where it ends."""
        source = self.source
        attr_start = i
        i = self._scan_word(i, "=>")
        attr_name = source[attr_start:i].lower()
        if not attr_name:
            raise _can_parse(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
        i = self._skip_spaces(i)
        if i >= len(source) or source[i] != "=":
            if tag == "blockquote" and attr_name == "expandable":
                return attr_name, "", i
            raise _can_parse(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {self.byte_offset(begin)}"
            )
        i = self._skip_spaces(i + 1)
        if i < len(source) and source[i] in "\"'":
            close = source.find(source[i], i + 1)
            if close < 0:
                raise _can_parse(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            return attr_name, _unescape(source[i + 1 : close]), close + 1
        value_start = i
        i = self._scan_word(i, ">")
        return attr_name, _unescape(source[value_start:i]), i

    def end_tag(self, begin: int) -> int:
        source = self.source
        if not self.stack:
            raise _can_parse(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(source) and not source[i].isspace() and source[i] != ">":
            i += 1
        name = source[begin + 2 : i].lower()
        while i < len(source) and source[i].isspace():
            i += 1
        if i >= len(source) or source[i] != ">":
            raise _can_parse(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if name and name != top.name:
            raise _can_parse(
                f'Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.close_entity(top)
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.length - tag.offset
        entity: JSON = {"offset": tag.offset, "length": length}
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and parent is not None and parent.name == "pre":
            language = tag.attrs.get("class", "")
            if language.startswith("language-"):
                parent.language = language.removeprefix("language-")
            return
        if tag.name in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[tag.name]
            if tag.name == "pre" and tag.language:
                entity["language"] = tag.language
        elif tag.name == "span":
            entity["type"] = "spoiler"
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        elif tag.name == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
        elif tag.name == "a":
            href = tag.attrs.get("href")
            if not href:
                return
            entity["type"] = "text_link"
            entity["url"] = href
        if length > 0:
            self.entities.append(entity)


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body.lower())
    if code == 0 or code > 0x10FFFF:
        return None
    return chr(code)


def _unescape(value: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = _decode_entity(match.group(1))
        return match.group(0) if decoded is None else decoded

    return _ENTITY_RE.sub(replace, value)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities), raising 400 like Telegram does."""
    return _HtmlParser(source).parse()


def trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Telegram strips leading and trailing whitespace of messages; entities are shifted/clipped."""
    stripped_left = text.lstrip()
    lead = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    trimmed: list[JSON] = []
    for entity in entities:
        start = max(0, int(entity["offset"]) - lead)
        end = min(total, int(entity["offset"]) + int(entity["length"]) - lead)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return result, trimmed


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    max_length: int,
    empty_error: str | None,
    too_long_error: str,
) -> tuple[str | None, list[JSON]]:
    """Apply parse_mode/entities like Telegram. Returns (text, entities); text None if absent and allowed."""
    if text is None or text == "":
        if empty_error:
            raise bad_request(empty_error)
        return None, []
    plain = text
    parsed: list[JSON] = []
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, parsed = parse_html(text)
    elif mode in {"", "none"}:
        parsed = [dict(entity) for entity in entities] if isinstance(entities, list) else []
    elif mode not in {"markdown", "markdownv2"}:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    plain, parsed = trim(plain, parsed)
    if not plain:
        if empty_error:
            raise bad_request(empty_error)
        return None, []
    # Telegram counts a text's length in UTF-16 code units, as it counts entity offsets.
    if utf16_len(plain) > max_length:
        raise bad_request(too_long_error)
    return plain, parsed


def command_entities(text: str) -> list[JSON]:
    """bot_command entities Telegram attaches to a user's text (e.g. "/start tutor_5")."""
    entities: list[JSON] = []
    for match in _COMMAND_RE.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group(0)),
            }
        )
    return entities


def _check_url(url: Any) -> None:
    parts = urlsplit(str(url))
    if parts.scheme not in {"http", "https", "tg"} or not (parts.netloc or parts.scheme == "tg"):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def validate_reply_markup(markup: Any) -> JSON | None:
    """Validate a reply_markup object like Telegram; returns it (None-valued keys dropped) or None."""
    if markup is None:
        return None
    if not isinstance(markup, Mapping):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for button in _buttons(markup["inline_keyboard"], "inline_keyboard", "InlineKeyboardMarkup"):
            _validate_inline_button(button)
    elif "keyboard" in markup:
        for button in _buttons(markup["keyboard"], "keyboard", "ReplyKeyboardMarkup"):
            _validate_keyboard_button(button)
    elif not markup.get("remove_keyboard") and not markup.get("force_reply"):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return {key: value for key, value in markup.items() if value is not None}


def _buttons(rows: Any, field: str, markup_type: str) -> list[Any]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {markup_type} must be an Array of Arrays')
    return [button for row in rows for button in row]


def _validate_keyboard_button(button: Any) -> None:
    text = button if isinstance(button, str) else button.get("text") if isinstance(button, Mapping) else None
    if not isinstance(text, str) or not text:
        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, Mapping) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) is not None]
    if len(actions) != 1:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if actions[0] == "callback_data":
        size = len(str(button["callback_data"]).encode("utf-8"))
        if size == 0 or size > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if actions[0] == "url":
        _check_url(button["url"])
