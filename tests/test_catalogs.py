"""The gettext catalogs match the code: every message in the code is in every language's catalog,
translated, and nothing the code no longer says lingers there."""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.languages import SOURCE_LANGUAGE, SUPPORTED_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
# Keep in step with EXTRACT_KEYWORDS in the Makefile.
KEYWORDS = {"_": None, "__": None, "Tr": None, "TrN": (1, 2), "ngettext": (1, 2)}


def _code_messages() -> set[str]:
    found: set[str] = set()
    for folder in ("app", "bot", "web", "l10n", "core"):
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str) -> Catalog:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _ids(catalog: Catalog) -> set[str]:
    return {str(m.id[0]) if isinstance(m.id, list | tuple) else str(m.id) for m in catalog if m.id}


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalog_matches_the_code(language: str) -> None:
    in_code = _code_messages()
    in_catalog = _ids(_catalog(language))
    assert sorted(in_code - in_catalog) == [], "run `make i18n` and translate the new messages"
    assert sorted(in_catalog - in_code) == [], "run `make i18n`: the catalog has messages the code dropped"


@pytest.mark.parametrize("language", [lang for lang in SUPPORTED_LANGUAGES if lang != SOURCE_LANGUAGE])
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    untranslated = [
        m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert untranslated == []
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert problems == []


def test_placeholders_survive_translation() -> None:
    import re

    field = re.compile(r"\{(\w*)\}")
    for language in SUPPORTED_LANGUAGES:
        for message in _catalog(language):
            if not message.id or not message.string:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            expected = set(field.findall(str(ids[-1])))
            for text in strings:
                if text:
                    assert set(field.findall(str(text))) <= expected | set(field.findall(str(ids[0]))), (
                        language,
                        ids[0],
                    )


# The wrappers that translate a message given to them; everything else must hand gettext a literal, or
# extraction never sees the message and the catalog looks complete while the screen is not.
_TRANSLATING = {"_": 1, "__": 1, "gettext": 1, "Tr": 1, "TrN": 2, "ngettext": 2}
_WRAPPERS = {("bot/dialogs/widgets.py", "gettext"), ("bot/dialogs/widgets.py", "ngettext")}


def test_every_translated_message_is_a_literal_that_extraction_sees() -> None:
    import ast

    found = []
    for folder in ("app", "bot", "web", "l10n", "core"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(), relative)):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name not in _TRANSLATING or (relative, name) in _WRAPPERS:
                    continue
                literal = node.args[: _TRANSLATING[name]]
                if len(literal) < _TRANSLATING[name] or not all(
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in literal
                ):
                    found.append(f"{relative}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


# A number followed by one of these nouns needs plural forms ("1 minutes" otherwise). Abbreviations (min,
# h, MB) do not change.
_COUNTED = re.compile(
    r"\{\w+\}[ -](minutes?|hours?|days?|weeks?|seats?|characters?|students?|participants?|payments?|"
    r"bookings?|slots?|subjects?|sessions?|files?|messages?|places?)\b"
)


def test_counted_nouns_use_plural_forms() -> None:
    template = read_po((ROOT / "locales" / "messages.pot").open("rb"))
    singular_only = [m.id for m in template if isinstance(m.id, str) and _COUNTED.search(m.id)]
    # A number used as an adjective ("a 60-minute session") does not take a plural.
    assert [m for m in singular_only if not re.search(r"\{\w+\}-minute\b", m)] == []
