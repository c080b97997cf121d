"""The UI and the evaluation use the engine only through its public API (the names in assistant/__init__)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant."):
                found.append((path.name, node.module))
            if isinstance(node, ast.Import):
                found.extend((path.name, a.name) for a in node.names if a.name.startswith("assistant."))
    return found


def test_ui_and_eval_import_only_the_public_api():
    assert _imports("ui") == []
    assert _imports("eval") == []
