"""Rules for text people type that others will read: how long it is, and what may not be in it."""

import unicodedata

# Control characters, surrogates and private-use code points have no place in text others read.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Co"})
# Bidirectional overrides and isolates can make a name display as something else entirely.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners are part of how some scripts (Persian, the Indic scripts) and emoji sequences are written: kept
# between two visible characters, refused anywhere else. Every other format character (zero-width space,
# word joiner, soft hyphen, byte-order mark...) is invisible and refused.
_JOINERS = frozenset("\u200c\u200d")
# Letters and symbols that render as blank space, used to fake an empty or look-alike name.
_BLANK_LOOKALIKES = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def text_length(text: str) -> int:
    """The length as messaging apps count it (UTF-16 code units: an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def is_clean_text(text: str) -> bool:
    """True when nothing in `text` is invisible or rearranges how the rest displays."""
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in _FORBIDDEN_CATEGORIES or char in _BIDI_CONTROLS or char in _BLANK_LOOKALIKES:
            return False
        if category == "Cf" and not (char in _JOINERS and _between_visible(text, index)):
            return False
    return True


def _between_visible(text: str, index: int) -> bool:
    if index == 0 or index == len(text) - 1:
        return False
    return all(_visible(text[i]) for i in (index - 1, index + 1))


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in {"L", "M", "N", "S"}


def clean_paragraphs(text: str) -> str | None:
    """Text of several lines (a lesson's notes, a review), tidied: NFC, spaces collapsed within lines, at
    most one blank line in a row, nothing before or after. None when a line holds something invisible or
    reordering; "" when nothing is left."""
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if not line and (not kept or not kept[-1]):
            continue
        if line and not is_clean_text(line):
            return None
        kept.append(line)
    return "\n".join(kept).strip()
