"""Python migration scripts: check they define the functions a migration needs.

The script is never imported here (importing runs code); it is parsed with `ast`, so a
syntax error is a clear problem naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

from converter.model import Scan


def python_functions(text: str, path: Path, scan: Scan) -> dict[str, ast.FunctionDef] | None:
    """Top-level functions of a Python script by name; None (and an error) on a syntax error."""
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        scan.error(
            "python-syntax",
            f"Python script does not parse: {exc.msg} (column {exc.offset}); fix the script",
            path,
            exc.lineno,
        )
        return None
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
