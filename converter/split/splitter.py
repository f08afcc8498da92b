"""The splitter: one script's text -> `Statement`s (see `converter.split` for the rules).

`Splitter` cuts the text into segments at client directive lines (psql meta-commands,
MySQL `DELIMITER`), tokenizes each segment (or scans its data statements with the fast
regexes of `fastscan`), finds the statements' ends (`;` with compound bodies kept whole, or
a custom delimiter), then builds the statements with their comments, kinds and places.
Errors are `InputError`s naming the line and column.

Kept as one class: its passes share the script, the position-to-line bookkeeping
(`_where`) and the streaming cuts, and each pass is a few methods in order (segments, fast
path, tokenizing, statement ends, building, locations); what needs none of that state lives
in `fastscan`, `lexical`, `compound` and `classify`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from converter.errors import InputError
from converter.model import Script
from converter.split.classify import no_transaction, statement_kind
from converter.split.compound import MYSQL_END_SUFFIX, ROUTINE_OBJECTS, opens_block
from converter.split.fastscan import FastScan, fast_scan
from converter.split.lexical import (
    comment_spans,
    conditional_comments,
    custom_delimiters,
    joined,
    unterminated,
)
from converter.split.statement import Directive, Statement
from converter.split.tokens import OPAQUE, SEMICOLON, keywords, new_tokenizer, routine_object

# Lines the splitter looks at before tokenizing (confirmed or refuted by tokenizing).
PSQL_META_LINE = re.compile(r"^[ \t]*\\[^\n]*", re.MULTILINE)
MYSQL_DELIMITER_LINE = re.compile(
    r"^[ \t]*delimiter[ \t]+(\S+)[^\n]*", re.MULTILINE | re.IGNORECASE
)
ON_ERROR_STOP = re.compile(r"\\set[ \t]+ON_ERROR_STOP\b")
# psql meta-commands that change only what psql prints, never the database: psql runs the
# file with them (Sqitch on PostgreSQL, plain files run by psql), so they are dropped like
# `\set ON_ERROR_STOP`; every other meta-command is refused (no driver can run it)
PSQL_OUTPUT_ONLY = re.compile(r"\\(?:echo|qecho|warn|timing|pset)(?![^\s])")
# Used only to word the error when COPY data made the text impossible to tokenize.
COPY_FROM_STDIN = re.compile(
    r"^[ \t]*COPY\b[^;]*?\bFROM[ \t\n]+STDIN\b", re.IGNORECASE | re.MULTILINE
)


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


class Splitter:
    """Splits one script (`split`: statement by statement; `whole`: `Script.split` False)."""

    def __init__(self, script: Script, dialect: str) -> None:
        self.script = script
        self.dialect = dialect
        self.text = script.text
        self.tokenizer = new_tokenizer(dialect)
        self.dropped: list[Directive] = []
        self._line_pos = 0
        self._line = 1
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
            tokens = conditional_comments(text, tokens)
        n = len(tokens)
        hi, end, delim_end = n, (tokens[-1].end + 1 if n else 0), None
        delimiter = (self.script.delimiter or ";").strip()
        if n and delimiter != ";":
            found = custom_delimiters(
                text, tokens, delimiter_pattern(self.script.delimiter or ""), self.dialect
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
            tokens = conditional_comments(text, tokens)
        if delimiter.strip() == ";":
            raws = self._split_semicolons(tokens, offset)
        else:
            raws = self._split_custom(text, tokens, delimiter_pattern(delimiter))
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
        if ON_ERROR_STOP.match(line) or PSQL_OUTPUT_ONLY.match(line):
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
        fast = fast_scan(self.dialect)
        n = len(text)
        raws: list[_Raw] = []
        pos = 0
        while True:
            start = fast.skip_gap(text, pos)
            if start >= n:
                break
            head = fast.head.match(text, start)
            found = fast.data_statement(text, start) if head is not None else None
            if head is not None and found is not None:
                end, semi = found
                delim_end = semi + 1 if semi < n else None
                raws.append(_Raw(0, 0, start, end, delim_end, (), "", head[0].upper()))
                pos = semi + 1
                continue
            region, pos = self._slow_region(text, start, offset, fast)
            raws.extend(region)
        return _Segment(offset, text, [], raws)

    def _slow_region(
        self, text: str, start: int, offset: int, fast: FastScan
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
                nxt = fast.skip_gap(text, end)
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
            what = unterminated(text, pos, self.dialect)
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
                elif opens_block(tokens, i, word, prev, self.dialect):
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

    def _split_custom(self, text: str, tokens: list[Token], pattern: re.Pattern) -> list[_Raw]:
        starts = [t.start for t in tokens]
        ends = [t.end for t in tokens]
        raws: list[_Raw] = []
        prev_end = 0
        bounds: list[tuple[int, int | None]] = list(
            custom_delimiters(text, tokens, pattern, self.dialect)
        )
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

    # -- building statements ------------------------------------------------------------

    def _statements(self, segment: _Segment) -> list[Statement]:
        text, tokens, offset = segment.text, segment.tokens, segment.offset
        out: list[Statement] = []
        comment = ""
        region_start = 0
        raws = segment.raws
        for idx, raw in enumerate(raws):
            if idx == 0:
                comment = joined(comment_spans(text, region_start, raw.start, self.dialect), text)
            toks: Sequence[Token]
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
                    kind=statement_kind(words, toks, self.dialect),
                    comment=comment,
                    no_transaction=no_transaction(words, self.dialect),
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
        for s, e in comment_spans(text, raw.end, nxt, self.dialect):
            if s < de or "\n" not in text[de:s]:
                pos = max(pos, e)
        nl = text.find("\n", pos, nxt)
        if nl < 0 or text[pos:nl].strip():
            return None
        return nl + 1

    def _after(self, text: str, raw: _Raw, nxt: int, last: bool) -> tuple[str, str]:
        """Comments between a statement and the next: (its trailing, the next's leading)."""
        spans = comment_spans(text, raw.end, nxt, self.dialect)
        if not spans:
            return "", ""
        de = raw.delim_end
        if last or de is None:
            return joined(spans, text), ""
        trailing = [(s, e) for s, e in spans if s < de or "\n" not in text[de:s]]
        leading = spans[len(trailing) :]
        return joined(trailing, text), joined(leading, text)

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


def _line_at(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[pos : end if end >= 0 else len(text)]


def delimiter_pattern(delimiter: str) -> re.Pattern:
    """A custom delimiter: words, a lone `/` and `\\n`-prefixed ones must stand on their own line."""
    word = delimiter.strip()
    if delimiter.startswith(("\n", "\\n")) or word.isalpha() or word == "/":
        word = word.removeprefix("\\n").strip()
        return re.compile(rf"^[ \t]*({re.escape(word)})[ \t]*$", re.MULTILINE | re.IGNORECASE)
    return re.compile(f"({re.escape(word)})")
