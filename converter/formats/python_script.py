"""Python migration scripts: check they define the functions a migration needs.

The script is never imported here (importing runs code); it is parsed with `ast`, so a
syntax error is a clear problem naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from converter.model import Scan


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
