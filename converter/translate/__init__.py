"""Translation: one parsed legacy DDL statement -> Alembic's own operation objects, or None.

A statement is translated only when the translation is provably lossless:

1. `TreeReader` (`read`, `read_table`, `read_alter`) reads the sqlglot tree into a small
   model (`model`: `CreateTable`, `AddColumn`, `CreateIndex`, ...), strictly: a tree
   argument it does not understand refuses the statement. Expressions (defaults, CHECK
   bodies, index expressions, partial-index WHERE) keep their exact original text, sliced
   from the statement by sqlglot's token offsets (`spans`) and never regenerated; types keep
   their original spelling (see `converter.types`).
2. `build_operation` (`build`) turns the model into Alembic operations (`sa.Column`,
   `sa.*Constraint`, ...).
3. `prove` (`proof`) renders those operations to Python (`render_ops`, `python_code`: what
   the revision file will hold), runs that code against an offline (`as_sql`)
   MigrationContext of the dialect (MySQL: both MySQL and MariaDB), parses the SQL Alembic
   emits, describes it the same way and compares `schema_facts` of both. Any difference, or
   any failure on the way, and the caller keeps the statement verbatim (which is never
   wrong).

`reverse` (`reverse`) inverts operations exactly or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic.operations import ops
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token

from converter.translate.build import build_operation
from converter.translate.model import Refused, as_facts
from converter.translate.proof import prove
from converter.translate.python_code import Rendered, render_ops
from converter.translate.read import TreeReader, schema_facts
from converter.translate.reverse import reverse
from converter.translate.spans import Source, parse_one, same_tokens, tokenize

__all__ = [
    "Refused",
    "Rendered",
    "Translation",
    "render_ops",
    "reverse",
    "schema_facts",
    "translate",
]

log = logging.getLogger(__name__)


class Translation(list):
    """The operations of one statement (a list), with the rendering `prove` ran them as, so
    that the revision is written from the very text that was proven, without rendering it
    again."""

    rendered: Rendered


def translate(
    expr: exp.Expression, dialect: str, text: str, tokens: Sequence[Token] | None = None
) -> list[ops.MigrateOperation] | None:
    """Alembic operations doing exactly what the statement does, or None (keep it verbatim).

    `expr` is the statement's one sqlglot tree, `text` its exact original text, `dialect`
    "postgresql", "mysql" or "sqlite"; `tokens`, the tokens `expr` was parsed from, if known
    (they spare parsing the text again when they are the text's own).
    """
    try:
        return _translate(expr, dialect, text, tokens)
    except Refused as exc:
        log.debug("kept verbatim (%s): %s", exc, text[:80])
    except Exception:  # noqa: BLE001 - a tree shape nobody foresaw: verbatim is never wrong
        log.debug("kept verbatim after an unexpected error: %s", text[:80], exc_info=True)
    return None


def _translate(
    expr: exp.Expression, dialect: str, text: str, tokens: Sequence[Token] | None = None
) -> list[ops.MigrateOperation]:
    src = Source(text, dialect)
    # `expr` must be what the text parses to on its own (the splitter's tokens may differ
    # from the text's own: a command keyword, a script's context); when the tokens it came
    # from are the text's own, it is, without parsing again
    if tokens is None or not same_tokens(tokens, src.tokens):
        try:
            again = parse_one(text, dialect, tokenize(text, dialect))
        except SqlglotError as exc:
            raise Refused("the text does not parse on its own") from exc
        if again != expr:
            raise Refused("the tree was not parsed from this text")
    actions = TreeReader(dialect, src).describe(expr)
    try:
        operations = [build_operation(a, dialect) for a in actions]
    except (sa.exc.SQLAlchemyError, TypeError, ValueError) as exc:
        raise Refused(f"SQLAlchemy refuses the operation: {exc}") from exc
    result = Translation(operations)
    result.rendered = prove(operations, [as_facts(a) for a in actions], dialect, text)
    return result
