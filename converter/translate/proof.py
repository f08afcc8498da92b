"""The proof: operations are kept only when, rendered to Python as the revision will hold
them (`render_ops`) and run against an offline (`as_sql`) MigrationContext of the dialect
(MySQL: both MySQL and MariaDB), they emit SQL whose schema facts, read back the same way
(`TreeReader`), equal the statement's.

Stands on Alembic's offline mode and on the reader, the model and `python_code`.
"""

from __future__ import annotations

import functools
import io
from types import CodeType

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlglot.tokens import TokenType

from converter.translate.model import Refused, as_facts
from converter.translate.python_code import Rendered, render_ops
from converter.translate.read import TreeReader
from converter.translate.spans import Source, parse_one

# Offline renderings the proof compares against: MariaDB and MySQL differ in places.
RENDER_TARGETS = {
    "postgresql": ("postgresql",),
    "mysql": ("mysql", "mariadb"),
    "sqlite": ("sqlite",),
}


@functools.cache
def _offline(target: str) -> tuple[Operations, io.StringIO]:
    """One offline (--sql) MigrationContext per database, and the buffer it writes to:
    configuring one costs more than running most operations through it."""
    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name=target, opts={"as_sql": True, "output_buffer": buf}
    )
    return Operations(ctx), buf


def _offline_sql(code: str | CodeType, target: str) -> str:
    """Run the rendered Python against an offline MigrationContext: the SQL it emits."""
    operations, buf = _offline(target)
    buf.seek(0)
    buf.truncate()
    namespace = {"op": operations, "sa": sa}
    if isinstance(code, str):
        code = compile(code, "<converter.translate>", "exec")
    exec(code, namespace)  # noqa: S102 - our own rendering
    return buf.getvalue()


def _script_facts(sql: str, dialect: str) -> list[dict]:
    """The facts of each statement of `sql`, read from the tokens of the whole text (the
    reader slices the text only by its tokens' offsets, so a statement's tokens need not be
    made again from its own text)."""
    src = Source(sql, dialect)
    facts: list[dict] = []
    start = 0
    for k, tok in enumerate([*src.tokens, None]):
        if tok is not None and tok.token_type != TokenType.SEMICOLON:
            continue
        if k > start:
            tokens = src.tokens[start:k]
            expr = parse_one(sql, dialect, tokens)
            facts.extend(
                as_facts(a)
                for a in TreeReader(dialect, Source(sql, dialect, tokens)).describe(expr)
            )
        start = k + 1
    return facts


def _words(sql: str) -> str:
    """SQL text with runs of whitespace made one space, without a trailing `;`."""
    return " ".join(sql.split()).rstrip(";").rstrip()


def prove(
    operations: list, expected: list[dict], dialect: str, text: str | None = None
) -> Rendered:
    """Refused unless the operations, rendered as the revision will hold them, emit SQL with
    the same schema facts as the statement on every target; the proven rendering."""
    imports: set[str] = set()
    body = render_ops(operations, imports)
    code = "".join(f"{line}\n" for line in sorted(imports)) + body
    compiled: CodeType | None = None
    read: tuple[str, list[dict]] | None = None  # the last SQL read back, and its facts
    for target in RENDER_TARGETS[dialect]:
        try:
            if compiled is None:
                compiled = compile(code, "<converter.translate>", "exec")
            sql = _offline_sql(compiled, target)
            if dialect == "sqlite" and text is not None and _words(sql) != _words(text):
                # SQLite keeps the DDL text itself (sqlite_master): quoting or spelling that
                # differs is a different schema there, so only an identical text is lossless
                raise Refused(f"the sqlite rendering is not the same text: {_words(sql)!r}")
            # the facts are read in the statement's dialect: the same SQL from another
            # target (MariaDB rendering as MySQL does) has the same facts, read once
            if read is None or read[0] != sql:
                read = (sql, _script_facts(sql, dialect))
            got = read[1]
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to render or re-read is "not proven"
            raise Refused(f"rendering for {target} failed: {type(exc).__name__}: {exc}") from exc
        if got != expected:
            raise Refused(f"the {target} rendering differs: {got!r} != {expected!r}")
    return Rendered(body, frozenset(imports))
