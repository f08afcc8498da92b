"""Per-statement parsing: one split Statement -> one sqlglot tree, or None (kept verbatim).

The splitter's tokens are reused (`Statement.tokens`, offsets into `Statement.source`), so a
statement's text is never tokenized twice; only a Statement without tokens (built by hand, or
a data statement the splitter found without tokenizing it) is tokenized here, and for `is_dml`
only its first few hundred characters. sqlglot runs with `ErrorLevel.RAISE` (the enum:
sqlglotc refuses strings) and a tree is returned only when it can be trusted. None means
"keep the original text", when:

- the statement is DML (INSERT/UPDATE/DELETE/COPY/REPLACE/MERGE): no tree is needed, and big
  data statements are not worth parsing (`is_dml`, decided from the first token);
- sqlglot fails, returns several trees or an `exp.Block`, or returns `exp.Command` (or would:
  statements starting with one of the dialect's command tokens);
- the statement has a shape sqlglot parses silently wrong (no error, a wrong tree): routine, trigger,
  event and rule bodies; REINDEX; PostgreSQL `int ARRAY` type suffixes; MySQL prefix index
  lengths `col(191)`; SQLite `DEFAULT ... COLLATE`; MySQL `/*!...*/` conditional comments
  (sqlglot drops them as comments).

`parse_with_reason` says which, for reports.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence

from sqlglot import exp
from sqlglot.dialects import Dialect
from sqlglot.errors import ErrorLevel, SqlglotError
from sqlglot.tokens import Token, Tokenizer, TokenType

from converter.dialects import sqlglot_dialect
from converter.split import (
    OPAQUE,
    Statement,
    keywords,
    new_tokenizer,
    routine_object,
)

DML = frozenset({"INSERT", "UPDATE", "DELETE", "COPY", "REPLACE", "MERGE"})
INDEX_LENGTH_FOLLOWERS = frozenset(
    {TokenType.COMMA, TokenType.R_PAREN, TokenType.ASC, TokenType.DESC}
)
NAME_TOKENS = frozenset({TokenType.VAR, TokenType.IDENTIFIER})


HEAD_SIZES = (256, 4096, 65536)  # characters tokenized to read the first words
QUOTE = re.compile(r"['\"`$\[]")


def leading_keywords(stmt: Statement, n: int = 3) -> tuple[str, ...]:
    """The statement's first `n` tokens as upper-case words ("" for strings and quoted names).

    A statement without tokens (built by hand, or a data statement the splitter did not
    tokenize) has only its head tokenized: the text before its first quote, else a few
    hundred characters, more when that is not enough; the head must hold more than `n`
    tokens, so the n-th is not cut short.
    """
    if stmt.tokens:
        return keywords(stmt.tokens, n)
    text = stmt.text
    quote = QUOTE.search(text, 0, HEAD_SIZES[0])  # the words usually come before any literal
    for size in ((quote.start(),) if quote else ()) + HEAD_SIZES:
        if size >= len(text):
            break
        try:
            tokens = Tokenizer().tokenize(text[:size])
        except SqlglotError:
            continue
        if len(tokens) > n:
            return keywords(tokens[:n], n)
    try:
        return keywords(Tokenizer().tokenize(text)[:n], n)
    except SqlglotError:
        return tuple(text.split(None, n)[:n]) if text else ()


def is_dml(stmt: Statement) -> bool:
    """True for INSERT/UPDATE/DELETE/COPY/REPLACE/MERGE: they need no tree."""
    words = leading_keywords(stmt, 1)
    return bool(words) and words[0] in DML


def parse_statement(stmt: Statement, dialect: str) -> exp.Expression | None:
    """Exactly one trustworthy tree for `stmt`, or None (see the module docstring)."""
    return parse_with_reason(stmt, dialect)[0]


def parse_with_reason(stmt: Statement, dialect: str) -> tuple[exp.Expression | None, str]:
    """(tree, "") or (None, why the statement is kept verbatim)."""
    dialect_instance = sqlglot_dialect(dialect)
    if is_dml(stmt):
        return None, "data statement: kept verbatim without parsing"
    if stmt.tokens:
        tokens, source = list(stmt.tokens), stmt.source
    else:
        try:
            tokens, source = new_tokenizer(dialect).tokenize(stmt.text), stmt.text
        except SqlglotError as exc:
            return None, f"sqlglot cannot tokenize it: {exc}"
    if not tokens:
        return None, "no SQL in it"
    reason = misparse_shape(tokens, stmt.text, dialect, dialect_instance)
    if reason:
        return None, reason
    try:
        trees = dialect_instance.parser(error_level=ErrorLevel.RAISE).parse(tokens, source)
    except SqlglotError as exc:
        return None, f"sqlglot cannot parse it: {str(exc).splitlines()[0]}"
    except (TypeError, ValueError, AttributeError, IndexError, KeyError, RecursionError) as exc:
        # sqlglot's own bugs on odd input (`SELECT 1 ?` on postgres: TypeError): no tree
        return None, f"sqlglot failed on it ({type(exc).__name__}: {exc})"
    trees = [t for t in trees if t is not None]
    if len(trees) != 1:
        return None, f"sqlglot read {len(trees)} statements in it"
    tree = trees[0]
    if isinstance(tree, exp.Block):
        return None, "sqlglot read a block of statements in it"
    if isinstance(tree, exp.Command):
        return None, "sqlglot reads it as an opaque command"
    if not isinstance(tree, exp.Expression):  # sqlglot types its nodes by their base, Expr
        return None, f"sqlglot gave a bare {type(tree).__name__}"
    return tree, ""


def misparse_shape(
    tokens: Sequence[Token], text: str, dialect: str, sg: Dialect | None = None
) -> str:
    """Why sqlglot's tree for these tokens would be wrong or opaque ("" when none is known)."""
    sg = sg or sqlglot_dialect(dialect)
    first = tokens[0]
    if first.token_type in sg.tokenizer_class.COMMANDS:
        return "sqlglot reads it as an opaque command"
    if any(t.token_type is TokenType.UNKNOWN for t in tokens) or "/*!" in text or "/*M!" in text:
        return "MySQL conditional comment /*!...*/: sqlglot drops it"
    word = keywords(tokens, 1)[0]
    if word == "REINDEX":
        return "REINDEX: sqlglot misreads it"
    routine = routine_object(tokens)
    if routine:
        return f"{routine} body: kept verbatim"
    if dialect == "postgresql" and _array_suffix(tokens):
        return "type with an ARRAY suffix: sqlglot misreads `ARRAY NOT NULL`"
    if dialect == "mysql" and _prefix_index_length(tokens):
        return "prefix index length col(N): sqlglot reads it as a function call"
    if dialect == "sqlite" and _default_then_collate(tokens):
        return "DEFAULT ... COLLATE: sqlglot nests the collation in the default"
    return ""


def _array_suffix(tokens: Sequence[Token]) -> bool:
    """`int ARRAY` as a type: an ARRAY keyword not followed by `[...]` or `(...)`."""
    for i, t in enumerate(tokens):
        if t.token_type is TokenType.ARRAY:
            nxt = tokens[i + 1].token_type if i + 1 < len(tokens) else None
            if nxt not in (TokenType.L_BRACKET, TokenType.L_PAREN):
                return True
    return False


def _prefix_index_length(tokens: Sequence[Token]) -> bool:
    """A name followed by `(N)` and then `,` `)` ASC or DESC: `email(191)` in a key list."""
    for i in range(2, len(tokens) - 2):
        if (
            tokens[i].token_type is TokenType.NUMBER
            and tokens[i - 1].token_type is TokenType.L_PAREN
            and tokens[i - 2].token_type in NAME_TOKENS
            and tokens[i + 1].token_type is TokenType.R_PAREN
            and tokens[i + 2].token_type in INDEX_LENGTH_FOLLOWERS
        ):
            return True
    return False


def _default_then_collate(tokens: Sequence[Token]) -> bool:
    """COLLATE after DEFAULT in the same column definition (SQLite)."""
    depth = 0
    default_depth = None
    for t in tokens:
        tt = t.token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
            if default_depth is not None and depth < default_depth:
                default_depth = None
        elif tt is TokenType.DEFAULT:
            default_depth = depth
        elif tt is TokenType.COMMA and depth == default_depth:
            default_depth = None
        elif default_depth is not None and tt not in OPAQUE and t.text.upper() == "COLLATE":
            return True
    return False


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.into.append(record.getMessage())


@contextlib.contextmanager
def sqlglot_log() -> Iterator[list[str]]:
    """sqlglot's own log records ("... contains unsupported syntax. Falling back to parsing
    as a 'Command'"), collected instead of leaking to stderr without file or line: the
    caller reports them with the statement's place (or drops them when it reports the
    statement as unparsed anyway)."""
    records: list[str] = []
    logger = logging.getLogger("sqlglot")
    handler, propagate = _Collect(records), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
