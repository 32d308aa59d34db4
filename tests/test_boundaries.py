"""The architecture's rules, checked on the source: core/ imports only the standard library, and
handlers and dialogs reach storage only through the composition root (import-linter checks the rest)."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_imports_only_the_standard_library() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _sources("core")
        for line, name in _imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "core"
    ]
    assert bad == []


@pytest.mark.parametrize("folder", ["bot/handlers", "bot/dialogs", "jobs"])
def test_only_the_composition_root_touches_adapters(folder: str) -> None:
    forbidden = ("storage", "integrations", "sqlalchemy", "stripe", "agora_token_builder")
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _sources(folder)
        for line, name in _imports(path)
        if name.split(".")[0] in forbidden
    ]
    assert bad == []
