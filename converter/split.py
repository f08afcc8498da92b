"""Statement splitting: one legacy script -> statements, each with its exact original text.

A script is tokenized ONCE with sqlglot's tokenizer for the dialect (a subclass with the
"command" shortcut switched off, so every token carries true character offsets), and
statements end at `;` tokens. Each `Statement.text` is sliced from the original text, from
its first token to its last: strings, quoting, inner comments and whitespace are exactly as
written. Comments standing before a statement go into `Statement.comment`; comments after
its last token, before the delimiter or on the delimiter's line, into `trailing_comment`.

Dialect passes on top of the tokens:

- PostgreSQL: dollar quotes, `E''` strings and nested `/* */` comments are single tokens.
  `CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ...; END` bodies and `CREATE RULE ... DO
  (...; ...)` keep their inner `;` (as psql does). psql meta-commands (a backslash at the
  start of a line or at token level: `\\connect`, `\\i`, `\\echo`, ...) are not SQL: an
  `InputError` names the line. The one exception is `\\set ON_ERROR_STOP ...` (psql's "stop
  at the first error", which is what running the statements one by one does anyway): it is
  dropped and recorded in `SplitResult.dropped`, so callers can count and report it.
  `COPY ... FROM stdin` with inline data cannot run through a driver: an `InputError`.
- MySQL: `CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT` (and `ALTER EVENT`, MariaDB `BEGIN NOT
  ATOMIC`) sent without `DELIMITER` keep their `BEGIN ... END` body whole: BEGIN/END, IF/END IF,
  CASE/END CASE, LOOP, WHILE and REPEAT are tracked (the `IF()`/`REPEAT()` functions are
  told apart from the statements). Client-side `DELIMITER xx` lines (at the start of a
  statement, as the mysql client wants them) switch the delimiter; they are recorded in
  `SplitResult.dropped`, never returned as statements. `/*!NNNNN ... */` and `/*M! ... */`
  conditional comments are executable: they count as statement text (alone, they are a
  statement). `#` starts a comment.
- SQLite: `CREATE TRIGGER ... BEGIN ...; ...; END` is one statement.

`Script.split` False: the whole text is one statement (one trailing delimiter removed; like
any statement, its text runs from its first token to its last and comments before it go into
`comment`). No psql or DELIMITER processing happens there: the format sends the text as is.
`Script.delimiter` (Liquibase endDelimiter): statements end at that delimiter instead of `;`;
a word (`GO`), a lone `/`, or a delimiter given as `\\n...` must stand alone on its line.

Transaction control (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK without TO, ABORT, MySQL
`SET autocommit = ...`) gets `StatementKind.TRANSACTION`. `no_transaction` marks statements a
transaction block refuses (PostgreSQL CONCURRENTLY index work, VACUUM, CREATE/DROP DATABASE
or TABLESPACE, ALTER SYSTEM, REINDEX DATABASE/SYSTEM; SQLite VACUUM and the `foreign_keys` /
`journal_mode` pragmas, which are silently ignored inside one). Both are decided from the
leading tokens, so text inside strings and comments never counts.

Each Statement keeps its tokens (`tokens`, offsets into `source`) so `converter.parse` never
tokenizes the text again. Re-tokenizing happens only in rare cases: a psql/DELIMITER line
that turns out to be inside a string or comment, or a DELIMITER line inside a statement.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path

from sqlglot.errors import TokenError
from sqlglot.tokens import Token, Tokenizer, TokenType

from converter.dialects import database
from converter.errors import InputError
from converter.model import Script
from converter.textio import TextFile, text_chunks

# Lines the splitter looks at before tokenizing (confirmed or refuted by tokenizing).
PSQL_META_LINE = re.compile(r"^[ \t]*\\[^\n]*", re.MULTILINE)
MYSQL_DELIMITER_LINE = re.compile(
    r"^[ \t]*delimiter[ \t]+(\S+)[^\n]*", re.MULTILINE | re.IGNORECASE
)
ON_ERROR_STOP = re.compile(r"\\set[ \t]+ON_ERROR_STOP\b")
MYSQL_CONDITIONAL_COMMENT = re.compile(r"/\*M?!")
DOLLAR_TAG = re.compile(r"\$[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*\$|\$\$")
# Used only to word the error when COPY data made the text impossible to tokenize.
COPY_FROM_STDIN = re.compile(
    r"^[ \t]*COPY\b[^;]*?\bFROM[ \t\n]+STDIN\b", re.IGNORECASE | re.MULTILINE
)
WHITESPACE = re.compile(r"\s*")
# The rest of a string literal after its opening quote, up to and with its closing quote.
QUOTED_REST = re.compile(r"(?:[^']|'')*'")
QUOTED_REST_ESCAPES = re.compile(r"(?:[^'\\]|\\[\s\S]|'')*'")

_SWITCH_DB = "run the migration against that database instead of switching inside it"
_INCLUDE = "paste the SQL of the included file here"
META_HINTS = {
    "\\c": _SWITCH_DB,
    "\\connect": _SWITCH_DB,
    "\\i": _INCLUDE,
    "\\ir": _INCLUDE,
    "\\include": _INCLUDE,
    "\\set": "replace the :variable references by their values and remove the line",
    "\\.": "this ends COPY FROM stdin data: convert the data to INSERT statements",
}

SEMICOLON = TokenType.SEMICOLON
# Tokens whose text is data, not keywords: never read as words, never hold a delimiter.
OPAQUE = frozenset(
    {
        TokenType.STRING,
        TokenType.IDENTIFIER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
        TokenType.UNKNOWN,  # MySQL conditional comments (see _conditional_comments)
    }
)

# Compound statements: the statement heads whose bodies may hold `;`.
ROUTINE_OBJECTS = {
    "postgresql": {"CREATE": {"FUNCTION", "PROCEDURE", "RULE"}},
    "mysql": {"CREATE": {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"}, "ALTER": {"EVENT"}},
    "sqlite": {"CREATE": {"TRIGGER"}},
}
ROUTINES = {"FUNCTION", "PROCEDURE", "TRIGGER", "EVENT", "RULE"}
HEADER_FILLER = {
    "OR", "REPLACE", "DEFINER", "=", "SQL SECURITY", "SQL", "SECURITY", "INVOKER",
    "AGGREGATE", "TEMP", "TEMPORARY", "CONSTRAINT", "NONEDITIONABLE",
}  # fmt: skip
MYSQL_END_SUFFIX = {"IF", "CASE", "LOOP", "WHILE", "REPEAT"}
# Words after which a MySQL compound body starts a new statement (so IF/REPEAT are statements).
MYSQL_STATEMENT_START = {";", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT", ":", "ROW"}


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


def split_script(script: Script, dialect: str) -> list[Statement]:
    """The statements of `script`, in order (see the module docstring)."""
    return split_report(script, dialect).statements


def split_report(script: Script, dialect: str) -> SplitResult:
    """Like `split_script`, also listing the client directives that were dropped."""
    database(dialect)  # an unknown name is a UsageError with "did you mean"
    if script.language != "sql":
        raise ValueError(f"{script.name}: only SQL scripts can be split, not {script.language}")
    splitter = _Splitter(script, dialect)
    statements = splitter.whole() if not script.split else splitter.split()
    return SplitResult(statements, splitter.dropped)


STREAM_BUFFER = 2 * 2**20  # characters iter_statements splits at a time


def iter_statements(
    script: Script,
    dialect: str,
    text: str | TextFile | None = None,
    dropped: list[Directive] | None = None,
) -> Iterator[Statement]:
    """The statements `split_script` gives, read and split a few megabytes at a time.

    `text` is the script's text when `script.text` does not hold it (a `TextFile`: a file
    too large to read whole); dropped client directives are appended to `dropped`. The text
    is split in buffers of about STREAM_BUFFER characters. A buffer's statements are given
    out up to a clean cut (`_cut_after`: a line start after a statement, its delimiter and
    its trailing comments); the rest starts the next buffer, with the line number and the
    delimiter in force there, so every statement, comment, line and error is the same as
    when the text is split whole. A buffer that cannot be split (a statement longer than
    it, an unterminated string) grows until it can, or until the end of the text shows the
    error is real.
    """
    database(dialect)  # an unknown name is a UsageError with "did you mean"
    if script.language != "sql":
        raise ValueError(f"{script.name}: only SQL scripts can be split, not {script.language}")
    source = script.text if text is None else text
    if not script.split or (isinstance(source, str) and len(source) <= STREAM_BUFFER):
        whole = source if isinstance(source, str) else source.read()
        if whole is not script.text:
            script = dataclasses.replace(script, text=whole)
        result = split_report(script, dialect)
        if dropped is not None:
            dropped.extend(result.dropped)
        yield from result.statements
        return
    chunks = text_chunks(source)
    buffer, line, delimiter = "", script.line, script.delimiter
    wanted, eof = STREAM_BUFFER, False
    while True:
        while not eof and len(buffer) < wanted:
            piece = next(chunks, None)
            if piece is None:
                eof = True
            else:
                buffer += piece
        piece_script = dataclasses.replace(script, text=buffer, line=line, delimiter=delimiter)
        splitter = _Splitter(piece_script, dialect)
        splitter.record_cuts = not eof
        try:
            statements = splitter.split()
        except InputError:
            if eof:
                raise
            wanted = 2 * len(buffer)  # maybe cut inside a statement: read more
            continue
        cut = None if eof else next(iter(reversed(splitter.cuts)), None)
        if cut is None:
            if eof:
                if dropped is not None:
                    dropped.extend(splitter.dropped)
                yield from statements
                return
            wanted = 2 * len(buffer)  # one statement fills the buffer: read more
            continue
        count, pos, delimiter = cut
        next_line = line + buffer.count("\n", 0, pos)
        if dropped is not None:
            dropped.extend(d for d in splitter.dropped if d.line < next_line)
        yield from statements[:count]
        del statements
        buffer, line, wanted = buffer[pos:], next_line, STREAM_BUFFER


@cache
def tokenizer_class(dialect: str) -> type:
    """The dialect's sqlglot Tokenizer with the "command" shortcut off.

    sqlglot turns everything after a leading SHOW/EXECUTE/RENAME/REPLACE/... into one STRING
    token whose start offset is wrong and which swallows custom delimiters; we want true tokens.
    """
    base = database(dialect).sqlglot.tokenizer_class
    return type(f"Split{base.__qualname__.replace('.', '')}", (base,), {"COMMANDS": set()})


def new_tokenizer(dialect: str) -> Tokenizer:
    return tokenizer_class(dialect)(dialect=database(dialect).sqlglot_name)


def keywords(tokens: Sequence[Token], n: int = 3) -> tuple[str, ...]:
    """The first `n` tokens as upper-case words; strings and quoted names give ""."""
    return tuple("" if t.token_type in OPAQUE else t.text.upper() for t in tokens[:n])


def routine_object(tokens: Sequence[Token]) -> str | None:
    """For `CREATE [OR REPLACE] [DEFINER=...] FUNCTION|PROCEDURE|TRIGGER|EVENT|RULE ...` (or
    ALTER ...), the object word; else None. `tokens` starts at the statement's first token."""
    if not tokens or keywords(tokens, 1)[0] not in ("CREATE", "ALTER"):
        return None
    definer = False
    for t in tokens[1:24]:
        if t.token_type is SEMICOLON:
            return None
        word = "" if t.token_type in OPAQUE else t.text.upper()
        if word in ROUTINES:
            return word
        if word == "DEFINER":
            definer = True
        elif not (definer or word in HEADER_FILLER or t.token_type in OPAQUE):
            return None
    return None


@dataclass
class _Raw:
    """A statement found in a segment: token range [lo, hi) and text range [start, end).

    A statement found by the fast path (`_fast_segment`) carries its own tokens instead
    (`toks`, offsets into `src`): none for a data statement, those of its region otherwise.
    """

    lo: int
    hi: int
    start: int
    end: int
    delim_end: int | None  # None: not terminated by a delimiter (end of the segment)
    toks: Sequence[Token] | None = None
    src: str = ""
    head: str = ""  # fast-path data statements: the first word, upper-cased


@dataclass
class _Segment:
    """A stretch of the script tokenized on its own (between client directive lines)."""

    offset: int
    text: str
    tokens: list[Token]
    raws: list[_Raw]
    delimiter: str = ";"


class _Splitter:
    def __init__(self, script: Script, dialect: str) -> None:
        self.script = script
        self.dialect = dialect
        self.text = script.text
        self.tokenizer = new_tokenizer(dialect)
        self.dropped: list[Directive] = []
        self._line_pos = 0
        self._line = 1
        self.nested_comments = dialect == "postgresql"
        self.hash_comments = dialect == "mysql"
        # iter_statements: where the text may be cut between two statements
        self.record_cuts = False
        self.cuts: list[tuple[int, int, str]] = []  # (statements before it, position, delimiter)
        self._count = 0

    # -- entry points -------------------------------------------------------------------

    def split(self) -> list[Statement]:
        statements: list[Statement] = []
        for segment in self._segments():
            statements.extend(self._statements(segment))
        return statements

    def whole(self) -> list[Statement]:
        """Script.split False: one statement, minus one trailing delimiter."""
        text = self.text
        tokens = self._tokenize(text, 0)
        if self.dialect == "mysql" and "/*" in text:
            tokens = self._conditional_comments(text, tokens)
        n = len(tokens)
        hi, end, delim_end = n, (tokens[-1].end + 1 if n else 0), None
        delimiter = (self.script.delimiter or ";").strip()
        if n and delimiter != ";":
            found = self._custom_delimiters(
                text, tokens, _delimiter_pattern(self.script.delimiter or "")
            )
            starts = [t.start for t in tokens]
            if found and bisect_left(starts, found[-1][1]) == n:
                ds, delim_end = found[-1]
                hi = bisect_left(starts, ds)
                end = min(tokens[hi - 1].end + 1, ds) if hi else ds
        elif n and tokens[-1].token_type is SEMICOLON:
            hi, delim_end = n - 1, tokens[-1].end + 1
            end = tokens[hi - 1].end + 1 if hi else 0
        if not hi:
            return []
        raw = _Raw(0, hi, tokens[0].start, end, delim_end)
        return self._statements(_Segment(0, text, tokens, [raw]))

    # -- segments: client directive lines ------------------------------------------------

    def _segments(self) -> Iterator[_Segment]:
        text = self.text
        delimiter = self.script.delimiter or ";"
        pattern = {"postgresql": PSQL_META_LINE, "mysql": MYSQL_DELIMITER_LINE}.get(self.dialect)
        cut = 0
        for m in pattern.finditer(text) if pattern else ():
            seg_text = text[cut : m.start()]
            try:
                tokens = self.tokenizer.tokenize(seg_text)
            except TokenError:
                continue  # the line lies inside a string or comment (or the text is broken)
            if self.dialect == "mysql":
                try:
                    segment = self._segment(cut, seg_text, tokens, delimiter)
                except InputError:
                    continue  # cut inside a compound statement: not at a statement start
                if segment.raws and segment.raws[-1].delim_end is None:
                    continue  # `delimiter` inside a statement is not the client command
                yield segment
                delimiter = m[1]
                self.dropped.append(Directive("delimiter", m[0].strip(), self._where(m.start())[0]))
            else:
                yield self._segment(cut, seg_text, tokens, delimiter)
                self._meta_command(m)
            cut = m.end()
        seg_text = text[cut:] if cut else text
        if delimiter.strip() == ";":
            yield self._fast_segment(cut, seg_text)
        else:
            yield self._segment(cut, seg_text, self._tokenize(seg_text, cut), delimiter)

    def _segment(self, offset: int, text: str, tokens: list[Token], delimiter: str) -> _Segment:
        if self.dialect == "mysql" and "/*" in text:
            tokens = self._conditional_comments(text, tokens)
        if delimiter.strip() == ";":
            raws = self._split_semicolons(tokens, offset)
        else:
            raws = self._split_custom(text, tokens, _delimiter_pattern(delimiter))
        if self.dialect == "postgresql":
            for raw in raws:
                if keywords(tokens[raw.lo : raw.hi], 1)[0] == "COPY":
                    self._check_copy(tokens[raw.lo : raw.hi], offset + raw.start)
            if "\\" in text:
                for t in tokens:
                    if t.token_type is TokenType.BACKSLASH:
                        self._meta_error(_line_at(text, t.start), offset + t.start)
        return _Segment(offset, text, tokens, raws, delimiter)

    def _meta_command(self, m: re.Match) -> None:
        line = m[0].strip()
        if ON_ERROR_STOP.match(line):
            self.dropped.append(Directive("psql", line, self._where(m.start())[0]))
            return
        self._meta_error(line, m.start() + len(m[0]) - len(m[0].lstrip()))

    def _meta_error(self, line: str, pos: int) -> None:
        command = line.split(None, 1)[0] if line.strip() else "\\"
        line_no, col = self._where(pos)
        raise InputError(
            f"psql meta-command {command} is not SQL: no driver can run it",
            path=self.script.path,
            line=line_no,
            column=col,
            hint=META_HINTS.get(command, "remove the line or rewrite it as SQL"),
        )

    # -- the fast path: data statements without sqlglot's tokenizer -----------------------

    def _fast_segment(self, offset: int, text: str) -> _Segment:
        """A `;`-delimited segment, split without tokenizing its data statements.

        At each statement start the gap regex skips whitespace, comments and empty
        statements. A statement starting with INSERT, UPDATE, DELETE or REPLACE is scanned
        to its `;` by the dialect's body regex (strings, quoted names and comments skipped
        the way the tokenizer skips them); it gets no tokens (nobody parses data statements).
        Anything else, and any data statement holding something the regexes do not claim to
        know (a backslash, a dollar sign, a nested comment...), goes to `_slow_region`: a run
        of statements tokenized and split the ordinary way.
        """
        fast = _fast_scan(self.dialect)
        n = len(text)
        raws: list[_Raw] = []
        pos = 0
        while True:
            start = fast.gap.match(text, pos).end()
            if start >= n:
                break
            head = fast.head.match(text, start)
            found = fast.data_statement(text, start) if head else None
            if found is not None:
                end, semi = found
                delim_end = semi + 1 if semi < n else None
                raws.append(_Raw(0, 0, start, end, delim_end, (), "", head[0].upper()))
                pos = semi + 1
                continue
            region, pos = self._slow_region(text, start, offset, fast)
            raws.extend(region)
        return _Segment(offset, text, [], raws)

    def _slow_region(
        self, text: str, start: int, offset: int, fast: _FastScan
    ) -> tuple[list[_Raw], int]:
        """Tokenize and split the statements from `start` up to the next data statement
        (its raws, positions relative to `text`, and where the region ends).

        The region's end is found with the body regexes; a compound statement whose body
        holds data statements (a MySQL procedure, a SQLite trigger) makes the first guess
        too short, which tokenizing reveals (no END, no closing `;`): the region then grows,
        twice as many `;` each time, up to the end of the segment at worst.
        """
        n = len(text)
        hops = 1
        while True:
            end, count, at_end = start, 0, False
            while True:
                semi = fast.statement_end(text, end)
                if semi is None or semi >= n:
                    end, at_end = n, True
                    break
                end, count = semi + 1, count + 1
                nxt = fast.gap.match(text, end).end()
                if nxt >= n:
                    end, at_end = n, True
                    break
                if count >= hops and fast.head.match(text, nxt):
                    break
            region = text[start:end]
            try:
                tokens = self._tokenize(region, offset + start)
                segment = self._segment(offset + start, region, tokens, ";")
            except InputError:
                if at_end:
                    raise
                hops *= 2
                continue
            raws = segment.raws
            if raws and raws[-1].delim_end is None and not at_end:
                hops *= 2  # a compound statement goes on past the guessed end
                continue
            out = [
                _Raw(r.lo, r.hi, r.start + start, r.end + start,
                     None if r.delim_end is None else r.delim_end + start,
                     segment.tokens[r.lo : r.hi], region)
                for r in raws
            ]  # fmt: skip
            return out, end

    # -- tokenizing ---------------------------------------------------------------------

    def _tokenize(self, text: str, offset: int) -> list[Token]:
        try:
            return self.tokenizer.tokenize(text)
        except TokenError as exc:
            core = getattr(self.tokenizer, "_core", None)
            pos = getattr(core, "_start", None)
            if self.dialect == "postgresql":
                copy = COPY_FROM_STDIN.search(text, 0, pos if isinstance(pos, int) else len(text))
                if copy:
                    self._copy_error(offset + copy.start() + len(copy[0]) - len(copy[0].lstrip()))
            if not isinstance(pos, int):
                raise InputError(
                    f"cannot tokenize the SQL ({exc})",
                    path=self.script.path,
                    line=self.script.line,
                    hint="check for an unterminated string, quoted name or comment",
                ) from None
            what = self._unterminated(text, pos)
            line, col = self._where(offset + pos)
            raise InputError(
                f"{what} starting here is never closed"
                if what
                else f"cannot tokenize the SQL here ({exc})",
                path=self.script.path,
                line=line,
                column=col,
                hint=("close it" if what else "fix the SQL here")
                + f", or check that the file is written for the {self.dialect} dialect",
            ) from None

    def _unterminated(self, text: str, pos: int) -> str | None:
        head = text[pos : pos + 2]
        if head == "/*":
            return "block comment /*"
        if head[:1] == "$":
            tag = DOLLAR_TAG.match(text, pos)
            return f"dollar-quoted string {tag[0] if tag else '$'}"
        if head[:1] == "'":
            return "string literal"
        if head[1:] == "'" and head[0] in "EeXxNnBbUu":
            # refused: never closed, or closed around what the prefix does not allow (X'zz')
            escapes = head[0] in "Ee" or self.dialect == "mysql"
            closed = (QUOTED_REST_ESCAPES if escapes else QUOTED_REST).match(text, pos + 2)
            return None if closed else "string literal"
        if head[:1] == '"':
            return "string literal" if self.dialect == "mysql" else 'quoted identifier "'
        if head[:1] in "`[":
            return f"quoted identifier {head[0]}"
        return None

    def _conditional_comments(self, text: str, tokens: list[Token]) -> list[Token]:
        """MySQL `/*!...*/`: executable, so they become tokens (type UNKNOWN) of statements."""
        starts = [t.start for t in tokens]
        extra: list[Token] = []
        for m in MYSQL_CONDITIONAL_COMMENT.finditer(text):
            pos = m.start()
            i = bisect_right(starts, pos) - 1
            if i >= 0 and pos <= tokens[i].end:
                continue  # inside a string
            lo = tokens[i].end + 1 if i >= 0 else 0
            hi = starts[i + 1] if i + 1 < len(tokens) else len(text)
            for s, e in self._comment_spans(text, lo, hi):
                if s == pos:
                    line = tokens[i].line if i >= 0 else 1  # line/col only feed parser messages
                    extra.append(Token(TokenType.UNKNOWN, text[s:e], line, 1, s, e - 1, []))
        if not extra:
            return tokens
        return sorted(tokens + extra, key=lambda t: t.start)

    # -- finding statement ends ---------------------------------------------------------

    def _split_semicolons(self, tokens: list[Token], offset: int) -> list[_Raw]:
        n = len(tokens)
        semis = [i for i, t in enumerate(tokens) if t.token_type is SEMICOLON]
        heads = ROUTINE_OBJECTS[self.dialect]
        raws: list[_Raw] = []
        lo = k = 0
        while lo < n:
            while k < len(semis) and semis[k] < lo:
                k += 1
            hi = semis[k] if k < len(semis) else n
            first = tokens[lo]
            if hi > lo and first.token_type not in OPAQUE:
                word = first.text.upper()
                if (word in heads and routine_object(tokens[lo : lo + 24]) in heads[word]) or (
                    word == "BEGIN"
                    and self.dialect == "mysql"
                    and keywords(tokens[lo + 1 : lo + 3], 2) == ("NOT", "ATOMIC")
                ):
                    hi = self._compound_end(tokens, lo, offset)
            if hi > lo:
                delim_end = tokens[hi].end + 1 if hi < n else None
                raws.append(_Raw(lo, hi, first.start, tokens[hi - 1].end + 1, delim_end))
            lo = hi + 1
        return raws

    def _compound_end(self, tokens: list[Token], lo: int, offset: int) -> int:
        """Index of the `;` ending the compound statement at `lo` (len(tokens) if none)."""
        mysql = self.dialect == "mysql"
        n = len(tokens)
        openers: list[int] = []
        parens = 0
        prev = ""
        i = lo
        while i < n:
            t = tokens[i]
            tt = t.token_type
            if tt is SEMICOLON:
                if not openers and not parens:
                    return i
                word = ";"
            elif tt in OPAQUE:
                word = ""
            else:
                word = t.text.upper()
                if word == "(":
                    parens += 1
                elif word == ")":
                    parens = max(parens - 1, 0)
                elif word == "END":
                    if openers:
                        openers.pop()
                    if (
                        mysql
                        and i + 1 < n
                        and keywords(tokens[i + 1 : i + 2], 1)[0] in MYSQL_END_SUFFIX
                    ):
                        i += 1
                elif self._opens_block(tokens, i, word, prev):
                    openers.append(i)
            prev = word
            i += 1
        if openers:
            t = tokens[openers[0]]
            line, col = self._where(offset + t.start)
            raise InputError(
                f"{t.text.upper()} without a matching END: the statement never ends",
                path=self.script.path,
                line=line,
                column=col,
                hint="add the missing END (for MySQL routines you may also wrap them in "
                "DELIMITER // ... //)",
            )
        return n

    def _opens_block(self, tokens: list[Token], i: int, word: str, prev: str) -> bool:
        if word == "CASE":
            return True
        if word == "BEGIN":
            if self.dialect == "postgresql":
                return keywords(tokens[i + 1 : i + 2], 1) == ("ATOMIC",)
            return True
        if self.dialect != "mysql":
            return False
        if word in ("LOOP", "WHILE"):
            return True
        if word in ("IF", "REPEAT") and prev in MYSQL_STATEMENT_START:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt.token_type is not TokenType.L_PAREN:
                return True
            # IF(a, b, c) is the function; IF (cond) THEN ... the statement
            return word == "IF" and _top_level_commas(tokens, i + 1) != 2
        return False

    def _split_custom(self, text: str, tokens: list[Token], pattern: re.Pattern) -> list[_Raw]:
        starts = [t.start for t in tokens]
        ends = [t.end for t in tokens]
        raws: list[_Raw] = []
        prev_end = 0
        bounds: list[tuple[int, int | None]] = list(self._custom_delimiters(text, tokens, pattern))
        bounds.append((len(text), None))
        for ds, de in bounds:
            lo = bisect_left(ends, prev_end)
            hi = bisect_left(starts, ds)
            if lo < hi:
                start = max(tokens[lo].start, prev_end)
                raws.append(_Raw(lo, hi, start, min(tokens[hi - 1].end + 1, ds), de))
            if de is not None:
                prev_end = de
        return raws

    def _custom_delimiters(
        self, text: str, tokens: list[Token], pattern: re.Pattern
    ) -> list[tuple[int, int]]:
        """Where the custom delimiter stands outside strings and comments."""
        starts = [t.start for t in tokens]
        found: list[tuple[int, int]] = []
        for m in pattern.finditer(text):
            ds, de = m.span(1)
            i = bisect_right(starts, ds) - 1
            if i >= 0 and ds <= tokens[i].end:
                if tokens[i].token_type in OPAQUE:
                    continue
            else:
                lo = tokens[i].end + 1 if i >= 0 else 0
                hi = starts[i + 1] if i + 1 < len(tokens) else len(text)
                if any(s <= ds < e for s, e in self._comment_spans(text, lo, hi)):
                    continue
            found.append((ds, de))
        return found

    # -- building statements ------------------------------------------------------------

    def _statements(self, segment: _Segment) -> list[Statement]:
        text, tokens, offset = segment.text, segment.tokens, segment.offset
        out: list[Statement] = []
        comment = ""
        region_start = 0
        raws = segment.raws
        for idx, raw in enumerate(raws):
            if idx == 0:
                comment = self._joined(self._comment_spans(text, region_start, raw.start), text)
            if raw.toks is None:
                toks, source = tokens[raw.lo : raw.hi], text
            else:
                toks, source = raw.toks, raw.src
            nxt = raws[idx + 1].start if idx + 1 < len(raws) else len(text)
            trailing, leading = self._after(text, raw, nxt, last=idx + 1 == len(raws))
            if self.record_cuts and idx + 1 < len(raws):
                cut = self._cut_after(text, raw, nxt)
                if cut is not None:
                    self.cuts.append((self._count + idx + 1, offset + cut, segment.delimiter))
            line, col = self._where(offset + raw.start)
            words = keywords(toks, 6) if toks else (raw.head,)
            out.append(
                Statement(
                    text=text[raw.start : raw.end],
                    path=self.script.path,
                    name=self.script.name,
                    line=line,
                    column=col,
                    kind=self._kind(words, toks),
                    comment=comment,
                    no_transaction=self._no_transaction(words),
                    trailing_comment=trailing,
                    tokens=tuple(toks),
                    source=source,
                )
            )
            comment = leading
        self._count += len(out)
        return out

    def _cut_after(self, text: str, raw: _Raw, nxt: int) -> int | None:
        """The start of the line after the statement's delimiter and trailing comments, when
        nothing else stands on that line and the next statement starts later: splitting the
        text from there gives the statements after this one exactly as splitting it whole."""
        de = raw.delim_end
        if de is None:
            return None
        pos = de
        for s, e in self._comment_spans(text, raw.end, nxt):
            if s < de or "\n" not in text[de:s]:
                pos = max(pos, e)
        nl = text.find("\n", pos, nxt)
        if nl < 0 or text[pos:nl].strip():
            return None
        return nl + 1

    def _after(self, text: str, raw: _Raw, nxt: int, last: bool) -> tuple[str, str]:
        """Comments between a statement and the next: (its trailing, the next's leading)."""
        spans = self._comment_spans(text, raw.end, nxt)
        if not spans:
            return "", ""
        de = raw.delim_end
        if last or de is None:
            return self._joined(spans, text), ""
        trailing = [(s, e) for s, e in spans if s < de or "\n" not in text[de:s]]
        leading = spans[len(trailing) :]
        return self._joined(trailing, text), self._joined(leading, text)

    @staticmethod
    def _joined(spans: list[tuple[int, int]], text: str) -> str:
        return "\n".join(text[s:e].rstrip() for s, e in spans)

    def _comment_spans(self, text: str, lo: int, hi: int) -> list[tuple[int, int]]:
        """Comments in text[lo:hi], a stretch the tokenizer found no token in (bar delimiters)."""
        spans: list[tuple[int, int]] = []
        i = lo
        while i < hi:
            i = WHITESPACE.match(text, i, hi).end()
            if i >= hi:
                break
            if text.startswith("--", i, hi) or (self.hash_comments and text[i] == "#"):
                j = text.find("\n", i, hi)
                j = hi if j < 0 else j
            elif text.startswith("/*", i, hi):
                j = _block_comment_end(text, i, hi, self.nested_comments)
            else:
                i += 1  # a delimiter
                continue
            spans.append((i, j))
            i = j
        return spans

    def _check_copy(self, toks: Sequence[Token], pos: int) -> None:
        words = keywords(toks, len(toks))
        for a, b in zip(words, words[1:], strict=False):
            if a == "FROM" and b == "STDIN":
                self._copy_error(pos)

    def _copy_error(self, pos: int) -> None:
        line, col = self._where(pos)
        raise InputError(
            "COPY FROM stdin data cannot run through a driver; convert to INSERT or COPY from a file",
            path=self.script.path,
            line=line,
            column=col,
            hint="turn the data rows into INSERT statements (or load them from a file the "
            "server can read with COPY ... FROM '/path')",
        )

    # -- classification -----------------------------------------------------------------

    def _kind(self, words: tuple[str, ...], toks: Sequence[Token]) -> StatementKind:
        w = words + ("",) * 4
        first, second = w[0], w[1]
        dialect = self.dialect
        tx = False
        if first == "BEGIN":
            tx = not (dialect == "mysql" and second == "NOT")
        elif first == "START":
            tx = second == "TRANSACTION"
        elif first == "COMMIT":
            tx = second != "PREPARED"
        elif first == "END":
            tx = dialect in ("postgresql", "sqlite")
        elif first == "ABORT":
            tx = dialect == "postgresql"
        elif first == "ROLLBACK":
            tx = "TO" not in w[1:4] and second != "PREPARED"
        elif first == "SET" and dialect == "mysql":
            tx = _sets_autocommit(words, toks)
        return StatementKind.TRANSACTION if tx else StatementKind.SQL

    def _no_transaction(self, words: tuple[str, ...]) -> bool:
        w = words + ("",) * 6
        first = w[0]
        if self.dialect == "sqlite":
            return first == "VACUUM" or (
                first == "PRAGMA" and _pragma_name(w) in ("FOREIGN_KEYS", "JOURNAL_MODE")
            )
        if self.dialect != "postgresql":
            return False
        if first == "VACUUM":
            return True
        if first == "REINDEX":
            return "CONCURRENTLY" in w[1:6] or bool({"DATABASE", "SYSTEM"} & set(w[1:5]))
        pair = (first, w[1])
        if pair in {("ALTER", "SYSTEM"), ("CREATE", "DATABASE"), ("DROP", "DATABASE"),
                    ("CREATE", "TABLESPACE"), ("DROP", "TABLESPACE")}:  # fmt: skip
            return True
        if first == "CREATE":
            rest = w[2:4] if w[1] == "UNIQUE" else w[1:3]
            return rest == ("INDEX", "CONCURRENTLY")
        if first == "DROP":
            return w[1:3] == ("INDEX", "CONCURRENTLY")
        if first == "REFRESH":
            return w[1:4] == ("MATERIALIZED", "VIEW", "CONCURRENTLY")
        return False

    # -- locations ----------------------------------------------------------------------

    def _where(self, pos: int) -> tuple[int, int]:
        """(line in the file, 1-based column) of position `pos` of the script text."""
        text = self.text
        if pos >= self._line_pos:
            self._line += text.count("\n", self._line_pos, pos)
        else:
            self._line = text.count("\n", 0, pos) + 1
        self._line_pos = pos
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        return self.script.line + self._line - 1, column


DATA_HEAD = re.compile(r"(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _FastScan:
    """Regexes that find where statements end without sqlglot's tokenizer.

    They agree with the tokenizer on what they match: string literals, quoted names and
    comments are skipped exactly as the dialect's tokenizer skips them. What they do not
    match (backslashes outside strings, `$`, `#`, `{`, PostgreSQL backslashes in strings
    and nested comments, SQLite `[names]`, MySQL `--` without a space) stops them, and the
    caller falls back to tokenizing.
    """

    gap: re.Pattern  # whitespace, comments and empty statements between two statements
    body: re.Pattern  # statement text up to (not including) its `;`, data statements
    any_body: re.Pattern  # the same for any statement (PostgreSQL: dollar quotes too)
    head: re.Pattern = DATA_HEAD
    line_comment: str = "--"

    def data_statement(self, text: str, start: int) -> tuple[int, int] | None:
        """(end of its text, position of its `;` or len(text)) for the data statement at
        `start`, or None when the regexes cannot vouch for it."""
        semi = self.body.match(text, start).end()
        if semi < len(text) and text[semi] != ";":
            return None
        end = semi
        while end > start and text[end - 1].isspace():
            end -= 1
        if text.startswith("*/", end - 2):
            return None  # ends with a comment: leave the text's end to the tokenizer
        line = text[max(text.rfind("\n", start, end) + 1, start) : end]
        if self.line_comment in line:
            return None  # maybe a trailing `--` comment (or `--` in a string): tokenize
        return end, semi

    def statement_end(self, text: str, start: int) -> int | None:
        """Position of the first `;` after `start` outside strings, names and comments
        (len(text) when there is none), or None when the regexes cannot tell."""
        semi = self.any_body.match(text, start).end()
        if semi < len(text) and text[semi] != ";":
            return None
        return semi


@cache
def _fast_scan(dialect: str) -> _FastScan:
    """The dialect's regexes (see `_FastScan`); they mirror sqlglot's tokenizer settings."""
    # A quote right after a letter may open a prefixed literal (E'', U&'', X'', N"") that
    # the tokenizer reads with other rules: only the valid X'', B'' and N'' are matched.
    q = r"(?<![A-Za-z&])"
    if dialect == "postgresql":
        plain = r"[^'\"\-/;\\$#{}xXbBnN]++"
        lit = r"'[^'\\]*(?:''[^'\\]*)*'"  # a backslash (E'' escapes) stops the scan
        names = q + r'"[^"]*(?:""[^"]*)*"'
        comments = r"--[^\n\r]*|/\*(?:[^*/]+|\*(?!/)|/(?!\*))*+\*/"  # nested: stop
        minus = r"-(?!-)"
        dollar = r"(?<![\w$])\$(?P<tag>[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$[\s\S]*?\$(?P=tag)\$"
        gap_comments = comments
        strings = q + lit
    elif dialect == "mysql":
        plain = r"[^'\"`\-/;\\#{}xXbBnN]++"
        # a backslash escapes any character (the tokenizer drops unknown escapes)
        lit = r"'(?:[^'\\]+|\\[\s\S]|'')*+'"
        strings = q + lit + "|" + q + r'"(?:[^"\\]+|\\[\s\S]|"")*+"'
        names = r"`[^`]*(?:``[^`]*)*`"
        dash = r"--(?=[\s\x00-\x1f\x7f]|\Z)[^\n]*"  # `--` needs a space after it
        comments = dash + r"|/\*[\s\S]*?\*/"
        gap_comments = dash + r"|/\*(?!!|M!)[\s\S]*?\*/"  # /*!...*/ is a statement
        minus = r"-(?!-(?=[\s\x00-\x1f\x7f]|\Z))"
        dollar = None
    else:
        plain = r"[^'\"`\-/;\\$#{}\[xXbBnN]++"
        lit = r"'[^']*(?:''[^']*)*'"  # '' is the only escape
        strings = q + lit
        names = q + r'"[^"]*(?:""[^"]*)*"|`[^`]*(?:``[^`]*)*`'
        comments = r"--[^\n]*|/\*[\s\S]*?\*/"
        gap_comments = comments
        minus = r"-(?!-)"
        dollar = None
    prefixed = r"(?<![\w$])(?:[xX]'[0-9A-Fa-f]*'|[bB]'[01]*'|[nN]" + lit + ")"
    letters = r"[xXbBnN](?![\'\"])"  # not a prefix: plain text (plain stops before them)
    parts = [plain, letters, strings, prefixed, names, comments, minus, r"/(?!\*)"]
    body = "(?:" + "|".join(parts) + ")*+"
    any_body = "(?:" + "|".join(parts + ([dollar] if dollar else [])) + ")*+"
    return _FastScan(
        gap=re.compile(r"(?:\s+|" + gap_comments + r"|;)*+"),
        body=re.compile(body),
        any_body=re.compile(any_body),
    )


def _line_at(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[pos : end if end >= 0 else len(text)]


def _top_level_commas(tokens: list[Token], lparen: int) -> int:
    depth = commas = 0
    for t in tokens[lparen:]:
        tt = t.token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
            if not depth:
                return commas
        elif tt is TokenType.COMMA and depth == 1:
            commas += 1
        elif tt is SEMICOLON:
            break
    return commas


def _sets_autocommit(words: tuple[str, ...], toks: Sequence[Token]) -> bool:
    """MySQL `SET [SESSION|LOCAL|@@[session.]]autocommit = 0|1` alone."""
    if "AUTOCOMMIT" not in words or "GLOBAL" in words or "PERSIST" in words:
        return False
    return not any(t.token_type is TokenType.COMMA for t in toks)


def _pragma_name(words: tuple[str, ...]) -> str:
    # PRAGMA [schema.]name ...
    return words[3] if words[2] == "." else words[1]


def _block_comment_end(text: str, i: int, hi: int, nested: bool) -> int:
    if not nested:
        j = text.find("*/", i + 2, hi)
        return hi if j < 0 else j + 2
    depth, j = 1, i + 2
    while depth:
        close = text.find("*/", j, hi)
        if close < 0:
            return hi
        opening = text.find("/*", j, close)
        if opening >= 0:
            depth, j = depth + 1, opening + 2
        else:
            depth, j = depth - 1, close + 2
    return j


def _delimiter_pattern(delimiter: str) -> re.Pattern:
    """A custom delimiter: words, a lone `/` and `\\n`-prefixed ones must stand on their own line."""
    word = delimiter.strip()
    if delimiter.startswith(("\n", "\\n")) or word.isalpha() or word == "/":
        word = word.removeprefix("\\n").strip()
        return re.compile(rf"^[ \t]*({re.escape(word)})[ \t]*$", re.MULTILINE | re.IGNORECASE)
    return re.compile(f"({re.escape(word)})")
