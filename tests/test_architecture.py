"""The shape of the package, checked: the rules the README's layout section states.

- no verb module imports another verb module (convert, verify, stamp, drift);
- click is imported by cli.py only;
- every module of converter/ is named in the README's "How the code is laid out" section;
- a module over 600 lines says at its top why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "converter"
VERBS = {"convert", "verify", "stamp", "drift"}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_no_verb_imports_another(verb):
    found = imported(PACKAGE / f"{verb}.py")
    others = {f"converter.{v}" for v in VERBS - {verb}}
    assert not found & others, f"converter/{verb}.py imports {sorted(found & others)}"


def test_click_lives_in_the_cli_module_only():
    users = [p.relative_to(ROOT).as_posix() for p in MODULES if "click" in imported(p)]
    assert users == ["converter/cli.py"]


def test_the_readme_layout_names_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    missing = []
    for path in MODULES:
        if path.name in ("__init__.py", "__main__.py") and path.parent != PACKAGE:
            folder = path.parent.name + "/"
            if folder not in section:
                missing.append(path.relative_to(ROOT).as_posix())
            continue
        if path.name in ("__init__.py", "__main__.py"):
            continue
        if f"`{path.name}`" not in section and not re.search(rf"`{path.stem}\*?\.py`", section):
            if not (path.name.startswith("read") and "`read*.py`" in section):
                missing.append(path.relative_to(ROOT).as_posix())
    assert not missing, f"not described in the README's layout section: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_long_module_says_why(path):
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= 600:
        return
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert re.search(r"over 600 lines|about \d{3} lines", doc, re.I), (
        f"{path.name} has {text.count(chr(10))} lines and its docstring does not say why"
    )
