"""Legacy statements on migration bookkeeping: the tables migration tools keep.

Real histories touch them: a golang-migrate history that runs `ALTER TABLE schema_migrations
ADD COLUMN data_version int` (the table exists only where the legacy tool ran), a project that
used Alembic before its legacy tool and whose first migration creates `alembic_version` and
inserts `'1.6.0'`. What a converted history does with such a statement (`Bookkeeping.action`):

- `skip`: a statement on Alembic's own `alembic_version` is never run (it would corrupt
  Alembic's bookkeeping: "Can't locate revision identified by '1.6.0'"); the revision keeps it
  as a comment, the values it writes are recorded so that `stamp` recognises them.
- `create`: `CREATE TABLE` of another tool's table runs as written (the history makes it).
- `if-exists`: anything else runs only where the table exists (a database the legacy tool
  migrated, or one where an earlier migration made it); offline `--sql` emits it with a comment.

The detection works on the statement's tokens (never on text inside strings or comments), so
`scan`, `plan` and the legacy replay (`apply`) all decide the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot.tokens import TokenType

from converter.formats import ALEMBIC_VERSION, tracking_tables
from converter.split import Statement

SKIP, CREATE, IF_EXISTS = "skip", "create", "if-exists"

# the words a table name follows in DDL and DML
_BEFORE_TABLE = {"TABLE", "INTO", "UPDATE", "FROM", "JOIN", "TRUNCATE"}
_SKIPPED_WORDS = {"IF", "NOT", "EXISTS", "ONLY", "IGNORE", "LOW_PRIORITY", "TABLE"}
_QUOTES = '`"[]'
_NAME = re.compile(r"^\w+$")
_STRING = re.compile(r"'((?:[^']|'')*)'")
_DML_TARGET = re.compile(
    r"^\s*(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"
    r"[`\"\[]?(?:(\w+)[`\"\]]?\.[`\"\[]?)?(\w+)",
    re.I,
)


@dataclass(frozen=True)
class Bookkeeping:
    """A legacy statement on a tracking table."""

    table: str  # as the statement names it (schema.table or table), lower case
    action: str  # skip | create | if-exists
    values: tuple[str, ...] = ()  # skip: the string values it writes into alembic_version

    @property
    def schema_and_name(self) -> tuple[str | None, str]:
        schema, _, name = self.table.rpartition(".")
        return (schema or None), name

    def describe(self) -> str:
        if self.action == SKIP:
            return (
                f"statement on {self.table} (Alembic's own bookkeeping, written by the legacy "
                "files): never run by the converted history"
            )
        if self.action == CREATE:
            return f"statement creates the migration tracking table {self.table}: runs as written"
        return (
            f"statement on the migration tracking table {self.table}: runs only where that "
            "table exists"
        )


def is_tracking_table(schema: str | None, name: str) -> bool:
    known = tracking_tables()
    name = name.lower()
    if name in known:
        return True
    return schema is not None and (
        f"{schema.lower()}.{name}" in known or f"{schema.lower()}.*" in known
    )


def _unquote(text: str) -> str:
    return text.strip(_QUOTES)


def tables_named(st: Statement) -> list[tuple[str | None, str]]:
    """(schema, table) for every table name the statement's tokens place after TABLE, INTO,
    UPDATE, FROM, JOIN or TRUNCATE (and after ON in CREATE INDEX)."""
    tokens = [t for t in st.tokens if t.token_type is not TokenType.SEMICOLON]
    if not tokens:
        m = _DML_TARGET.match(st.text)  # a data statement of a huge file: no tokens kept
        return [(m.group(1), m.group(2))] if m else []
    words = [t.text.upper() for t in tokens]
    index_statement = words[:1] == ["CREATE"] and "INDEX" in words[1:4]
    found: list[tuple[str | None, str]] = []
    for i, word in enumerate(words):
        if tokens[i].token_type is TokenType.STRING:
            continue
        if word not in _BEFORE_TABLE and not (index_statement and word == "ON"):
            continue
        j = i + 1
        while j < len(tokens) and words[j] in _SKIPPED_WORDS:
            j += 1
        if j >= len(tokens) or tokens[j].token_type is TokenType.STRING:
            continue
        if not _NAME.match(_unquote(tokens[j].text)):
            continue
        parts = [_unquote(tokens[j].text)]
        while j + 2 < len(tokens) and tokens[j + 1].token_type is TokenType.DOT:
            j += 2
            parts.append(_unquote(tokens[j].text))
        if len(parts) == 1:
            found.append((None, parts[0]))
        else:
            found.append((parts[-2], parts[-1]))
    return found


def classify(st: Statement) -> Bookkeeping | None:
    """What a converted history does with `st`, when it touches a tracking table."""
    hits = [(s, n) for s, n in tables_named(st) if is_tracking_table(s, n)]
    if not hits:
        return None
    schema, name = hits[0]
    for s, n in hits:  # Alembic's own table wins: such a statement never runs
        if n.lower() == ALEMBIC_VERSION:
            schema, name = s, n
            break
    table = f"{schema}.{name}".lower() if schema else name.lower()
    if name.lower() == ALEMBIC_VERSION:
        if st.tokens:
            strings = [t.text for t in st.tokens if t.token_type is TokenType.STRING]
        else:  # a data statement split without the tokenizer
            strings = [v.replace("''", "'") for v in _STRING.findall(st.text)]
        values = tuple(dict.fromkeys(strings))
        return Bookkeeping(table, SKIP, values)
    words = [t.text.upper() for t in st.tokens[:6]]
    if words[:1] == ["CREATE"] and "TABLE" in words[1:4]:
        return Bookkeeping(table, CREATE)
    return Bookkeeping(table, IF_EXISTS)
