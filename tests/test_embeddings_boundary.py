"""embeddings/ is a library of its own: it must not import the project that uses it."""

import ast
from pathlib import Path

import pytest

EMBEDDINGS = Path(__file__).resolve().parent.parent / "embeddings"
PROJECT_PACKAGES = {"assistant", "ui", "eval", "prompts"}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names, anywhere in the file (also inside functions and
    TYPE_CHECKING blocks), with its line; relative imports are named by their dots."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return sorted(found)


def project_imports(source: str) -> list[tuple[int, str]]:
    return [(line, name) for line, name in imported_modules(ast.parse(source))
            if name.split(".")[0] in PROJECT_PACKAGES or name.startswith("..")]


def test_the_check_sees_every_kind_of_import():
    source = ("import assistant\nfrom ui.app import build_app\nimport numpy\n"
              "def f():\n    from eval import bench\n    import prompts.render as r\n"
              "from .. import assistant as a\nfrom embeddings.files import write_atomically\n")
    assert [name for _, name in project_imports(source)] == ["assistant", "ui.app", "eval", "prompts.render", ".."]


FILES = sorted(EMBEDDINGS.glob("*.py"))


def test_there_are_files_to_check():
    assert len(FILES) >= 5 and EMBEDDINGS / "models.py" in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_embeddings_module_imports_nothing_of_the_project(path):
    assert project_imports(path.read_text(encoding="utf-8")) == []
