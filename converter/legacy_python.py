"""Running a legacy Python migration script: load its functions, call them the legacy way.

Scripts are compiled from their text (never imported by path), so the file name in
tracebacks is the legacy file's. How the function is called depends on the tool:
a SQLAlchemy Connection (plain), sqlalchemy-migrate's `migrate_engine` (an Engine-like
object whose begin()/connect() hand out the same connection), or a DB-API connection (yoyo).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import sqlalchemy as sa

from converter.errors import InputError
from converter.model import Script
from converter.revision_helpers import LegacyEngine

# Packages of the legacy tools themselves: a converted script must not need them installed.
LEGACY_TOOL_PACKAGES = ("yoyo",)


TOOL_METADATA = {"__depends__", "__transactional__"}  # yoyo's module attributes


def _assigns(node: ast.stmt) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    return {t.id for t in targets if isinstance(t, ast.Name)}


def portable_source(text: str) -> str:
    """The script without what only the legacy tool needs: its imports (`from yoyo import
    step`) and top-level statements using them (`steps = [step(...)]`). Functions stay."""
    tree = ast.parse(text)
    tool_names: set[str] = set()
    drop: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            if any(m.split(".")[0] in LEGACY_TOOL_PACKAGES for m in modules):
                tool_names.update((a.asname or a.name).split(".")[0] for a in node.names)
                drop.append(node)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if used & tool_names or (tool_names and _assigns(node) & TOOL_METADATA):
                drop.append(node)
    if not drop:
        return text
    lines = text.splitlines(keepends=True)
    for node in reversed(drop):
        del lines[node.lineno - 1 : node.end_lineno]
    return "".join(lines)


def load_function(script: Script) -> Callable:
    namespace: dict = {"__name__": f"legacy_{script.name}", "__file__": str(script.path)}
    try:
        exec(compile(portable_source(script.text), str(script.path), "exec"), namespace)  # noqa: S102 - the user's own migration
    except Exception as exc:  # noqa: BLE001 - any import-time failure of the user's script
        raise InputError(
            f"the Python migration fails to load: {type(exc).__name__}: {exc}",
            path=script.path,
            hint="fix the script so it imports cleanly",
        ) from exc
    function = namespace.get(script.entry or "upgrade")
    if not callable(function):
        raise InputError(
            f"the Python migration defines no {script.entry}() function", path=script.path
        )
    return function


# What each calling convention hands the function, from the migration's connection. The
# revision renders the same values (converter.render.CALL_ARGUMENT); a test keeps them equal.
CALLINGS: dict[str, Callable[[sa.Connection], object]] = {
    "connection": lambda conn: conn,
    "engine": LegacyEngine,
    "dbapi": lambda conn: conn.connection.driver_connection,
    "cursor": lambda conn: conn.connection.driver_connection.cursor(),  # type: ignore[union-attr]
    "dialect": lambda conn: conn.dialect.name,
}


def call_legacy(script: Script, connection: sa.Connection) -> None:
    function = load_function(script)
    function(*(CALLINGS[kind](connection) for kind in (script.calling, *script.args)))
