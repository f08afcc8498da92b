"""Migrations written in code (goose's Go, Flyway's Java): what Go and Java readers share.

A code migration is read when it is "straight-line": its up (and down) only execute SQL
literals, in order, and return errors. Such a migration becomes an ordinary SQL migration
whose scripts carry `origin` ("go", "java"): split, translated and verified like any other.
Anything else (a loop, a query whose result is used, a call into the application, SQL built
at run time) cannot be read honestly: the migration keeps its place in the history as a
*placeholder* (`LegacyMigration.placeholder` says why), whose revision raises until a person
ports it. The lexers (`go_source.py`, `java_source.py`) know each language's literals and
comments exactly, and a small cursor over their tokens refuses, with the reason and the
line, everything their grammar of straight-line bodies does not cover.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from converter.model import Script

CODE_LANGUAGES = {"go": "Go", "java": "Java"}


class NotStraightLine(Exception):
    """The code does something else than executing SQL literals; `line` is 1-based."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class Token:
    kind: str  # "ident" | "string" | "number" | "char" | "op" | ";"
    value: str  # identifiers and operators as written; strings decoded
    line: int


@dataclass(frozen=True)
class SqlCall:
    """One execution of SQL found in the code: its text and the line of its literal."""

    sql: str
    line: int


class Cursor:
    """A position in a token list, with the few moves a grammar of statements needs."""

    def __init__(self, tokens: list[Token], start: int = 0, end: int | None = None) -> None:
        self.tokens = tokens
        self.i = start
        self.end = len(tokens) if end is None else end

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < self.end else None

    def at(self, *values: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.kind != "string" and tok.value in values

    def text(self, offset: int = 0) -> str:
        """The next token as written (an empty string at the end)."""
        tok = self.peek(offset)
        return "" if tok is None else tok.value

    def line(self) -> int | None:
        tok = self.peek() or (self.tokens[self.end - 1] if self.end else None)
        return tok.line if tok else None

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise NotStraightLine("unexpected end of the code", self.line())
        self.i += 1
        return tok

    def expect(self, *values: str, what: str | None = None) -> Token:
        tok = self.peek()
        if tok is None or tok.kind == "string" or tok.value not in values:
            found = "the end" if tok is None else f"`{tok.value}`"
            raise NotStraightLine(
                f"expected {what or '`' + values[0] + '`'}, found {found}", self.line()
            )
        self.i += 1
        return tok

    def ident(self) -> Token:
        tok = self.take()
        if tok.kind != "ident":
            raise NotStraightLine(f"expected a name, found `{tok.value}`", tok.line)
        return tok

    def matching(self, open_index: int) -> int:
        """The index of the bracket closing the one at `open_index`."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        stack: list[str] = []
        for j in range(open_index, self.end):
            tok = self.tokens[j]
            if tok.kind != "op":
                continue
            if tok.value in pairs:
                stack.append(pairs[tok.value])
            elif tok.value in (")", "]", "}"):
                if not stack or stack.pop() != tok.value:
                    raise NotStraightLine(f"unbalanced `{tok.value}`", tok.line)
                if not stack:
                    return j
        raise NotStraightLine("unclosed bracket", self.tokens[open_index].line)


def refusal(language: str, name: str, reason: NotStraightLine | str) -> str:
    """The text a placeholder carries: why the code migration was not read."""
    return f"{CODE_LANGUAGES[language]} migration {name} is not straight-line SQL ({reason})"


def sql_scripts(
    calls: list[SqlCall], origin: str, path: Path, name: str, line: int
) -> tuple[Script, ...]:
    """The SQL scripts of one direction: one per call, each split like an SQL file (a call
    may hold several statements, as the driver runs them). No call: one empty script, so a
    down that does nothing is a down declared empty, not a missing one."""
    if not calls:
        return (Script("sql", "", path, name, line=line, origin=origin),)
    return tuple(Script("sql", c.sql, path, name, line=c.line, origin=origin) for c in calls)


PLACEHOLDER_MARK = "needs porting:"  # opens the error a placeholder raises (see awaiting_port)


def source_file_name(revision_filename: str, language: str) -> str:
    """`20240101_backfill.py` -> `20240101_backfill.go.txt`: the original code of a
    placeholder, kept beside its revision in versions/ (Alembic loads only `.py` files)."""
    return f"{revision_filename.removesuffix('.py')}.{language}.txt"


def placeholder_error(migration_name: str, reason: str, source_name: str) -> str:
    return (
        f"{PLACEHOLDER_MARK} {reason}. Port it to this revision by hand (its original source is "
        f"{source_name}, beside this file), then delete the `# converter:` line at the end of "
        f"the file so that convert keeps your port. Legacy file: {migration_name}"
    )


def awaiting_port(text: str) -> bool:
    """True while the upgrade of a revision file is still the placeholder convert wrote
    (a port may leave the downgrade raising: that revision is then irreversible)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            return any(
                isinstance(n, ast.Constant)
                and isinstance(n.value, str)
                and n.value.startswith(PLACEHOLDER_MARK)
                for n in ast.walk(node)
            )
    return False


def placeholder_script(language: str, text: str, path: Path, name: str) -> Script:
    """The whole source of a code migration that could not be read, kept for porting."""
    return Script(language, text, path, name)
