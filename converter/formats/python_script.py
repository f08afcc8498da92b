"""Python migration scripts: check they define the functions a migration needs.

The script is never imported here (importing runs code); it is parsed with `ast`, so a
syntax error is a clear problem naming the file and line.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from converter.model import Scan, Script


def parse_python(text: str, path: Path) -> ast.Module:
    """`ast.parse`, where a script nested too deeply for CPython's parser (which raises
    RecursionError or MemoryError for it) is a SyntaxError like any other unparsable script."""
    try:
        return ast.parse(text, filename=str(path))
    except (RecursionError, MemoryError):
        raise SyntaxError(
            "the code is nested too deeply for Python's parser", (str(path), None, None, None)
        ) from None


def syntax_problem(exc: SyntaxError) -> str:
    """What a SyntaxError says, with its column when it has one."""
    return exc.msg + (f" (column {exc.offset})" if exc.offset else "")


def python_functions(
    text: str, path: Path, scan: Scan
) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
    """Top-level functions of a Python script by name; None (and an error) on a syntax error."""
    try:
        tree = parse_python(text, path)
    except SyntaxError as exc:
        scan.error(
            "python-syntax",
            f"Python script does not parse: {syntax_problem(exc)}; fix the script",
            path,
            exc.lineno,
        )
        return None
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


@dataclass(frozen=True)
class PythonCalling:
    """How an in-house runner calls a Python migration: which functions, given what
    (`converter.config.PYTHON_ARGUMENTS`; the first is `Script.calling`, the rest `args`)."""

    upgrade: str = "upgrade"
    downgrade: str = "downgrade"
    args: tuple[str, ...] = ("connection",)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PythonCalling:
        """From `python-upgrade`/`python-downgrade`/`python-args` settings (config.Setting)."""

        def value(key: str, default: Any) -> Any:
            setting = settings.get(key)
            return default if setting is None else setting.value

        args = value("python-args", ["connection"])
        args = tuple([args] if isinstance(args, str) else args) or ("connection",)
        return cls(value("python-upgrade", "upgrade"), value("python-downgrade", "downgrade"), args)

    @property
    def signature(self) -> str:
        short = {"connection": "conn", "cursor": "cur"}
        return ", ".join(short.get(a, a) for a in self.args)

    def scripts(
        self, text: str, path: Path, name: str, scan: Scan
    ) -> tuple[tuple[Script, ...], tuple[Script, ...]] | None:
        """The up and down scripts of a Python migration; None (and an error) when the
        script does not parse or lacks the upgrade function."""
        functions = python_functions(text, path, scan)
        if functions is None:
            return None
        if self.upgrade not in functions:
            scan.error(
                "python-no-upgrade",
                f"Python migration defines no {self.upgrade}({self.signature}) function; add "
                "one, or name the function the runner calls with python-upgrade in the "
                "configuration",
                path,
            )
            return None

        def script(entry: str) -> Script:
            return Script(
                "python", text, path, name, entry=entry, calling=self.args[0], args=self.args[1:]
            )

        down = (script(self.downgrade),) if self.downgrade in functions else ()
        return (script(self.upgrade),), down
