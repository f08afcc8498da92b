"""What splitting gives: `Statement`s (exact text, place, kind, comments, tokens), the
client `Directive`s dropped on the way, and `SplitResult`, both together."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from sqlglot.tokens import Token


class StatementKind(str, Enum):  # noqa: UP042 - the contract other modules rely on
    SQL = "sql"  # an ordinary statement, to be executed
    TRANSACTION = "transaction"  # BEGIN / COMMIT / START TRANSACTION / ROLLBACK...: Alembic owns the transaction; removed and reported


@dataclass(frozen=True)
class Statement:
    """One statement of a legacy script.

    `text` is the exact original text from its first to its last token, without the
    terminating delimiter; comments inside it are kept. `comment` holds the comment lines
    that stood just before it (for rendering as Python comments; never executed).
    `path`/`line`/`column` say where it starts in the legacy file.
    """

    text: str
    path: Path
    name: str
    line: int
    column: int
    kind: StatementKind = StatementKind.SQL
    comment: str = ""
    no_transaction: bool = False  # must run outside a transaction (CONCURRENTLY, VACUUM, ...)
    trailing_comment: str = ""  # comments after the last token, up to the delimiter's line end
    # The statement's sqlglot tokens (delimiter excluded); their offsets index `source`.
    tokens: tuple[Token, ...] = field(default=(), repr=False, compare=False)
    source: str = field(default="", repr=False, compare=False)
    # a slimmed statement (`slim`): the comments its tokens carried, the tokens dropped
    token_comments: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    def comments_inside(self) -> list[str]:
        """The comments the statement's tokens carry, in order (stripped, empty ones left out)."""
        if self.token_comments is not None:
            return list(self.token_comments)
        found = []
        for tok in self.tokens:
            for c in getattr(tok, "comments", None) or ():
                if c.strip():
                    found.append(c.strip())
        return found

    def slim(self) -> Statement:
        """The statement without its tokens and source (what is needed once it is planned:
        its text, place and comments), small and picklable (sqlglot's C tokens are not)."""
        if self.token_comments is not None:
            return self
        return replace(self, tokens=(), source="", token_comments=tuple(self.comments_inside()))


@dataclass(frozen=True)
class Directive:
    """A client-side line the splitter removed (`\\set ON_ERROR_STOP on`, `DELIMITER //`)."""

    kind: str  # "psql" | "delimiter"
    text: str
    line: int


@dataclass(frozen=True)
class SplitResult:
    statements: list[Statement]
    dropped: list[Directive]
