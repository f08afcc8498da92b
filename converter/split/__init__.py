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

This module holds the public functions (`split_script`, `split_report`, `iter_statements`).
The rest: `statement` (what splitting gives), `tokens` (the tokenizer and leading words,
shared with `converter.parse`), `splitter` (the `Splitter`), and the passes it stands on:
`fastscan` (data statements without the tokenizer), `lexical` (comments, unterminated
literals, MySQL conditional comments, custom delimiters), `compound` (bodies holding `;`)
and `classify` (transaction control, statements refused inside a transaction).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from converter.dialects import database
from converter.errors import InputError
from converter.model import Script
from converter.split.splitter import Splitter
from converter.split.statement import Directive, SplitResult, Statement, StatementKind
from converter.split.tokens import (
    OPAQUE,
    keywords,
    new_tokenizer,
    routine_object,
    tokenizer_class,
)
from converter.textio import TextFile, text_chunks

__all__ = [
    "OPAQUE",
    "STREAM_BUFFER",
    "Directive",
    "SplitResult",
    "Statement",
    "StatementKind",
    "iter_statements",
    "keywords",
    "new_tokenizer",
    "routine_object",
    "split_report",
    "split_script",
    "tokenizer_class",
]


def split_script(script: Script, dialect: str) -> list[Statement]:
    """The statements of `script`, in order (see the module docstring)."""
    return split_report(script, dialect).statements


def split_report(script: Script, dialect: str) -> SplitResult:
    """Like `split_script`, also listing the client directives that were dropped."""
    database(dialect)  # an unknown name is a UsageError with "did you mean"
    if script.language != "sql":
        raise ValueError(f"{script.name}: only SQL scripts can be split, not {script.language}")
    splitter = Splitter(script, dialect)
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
        splitter = Splitter(piece_script, dialect)
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
