"""One Liquibase formatted SQL changelog, line by line: `FormattedSqlParser`.

    --liquibase formatted sql
    --changeset alice:1 runInTransaction:false dbms:postgresql
    --comment: create plans
    CREATE TABLE plans (...);
    --rollback DROP TABLE plans;

Each `--changeset author:id attr:value ...` line starts a changeset: one migration, whose SQL is
every following line up to the next changeset except Liquibase's own directive lines
(`--comment`, `--rollback`, `--precondition...`, `--validCheckSum`, `--property`,
`--ignoreLines`). The parser reads as AbstractFormattedChangeLogParser does, quirks included:
a plain `-- comment ...` line sets the changeset comment, `-- rollback ...` adds rollback
SQL, `rollbackSplitStatements:false` also turns off `splitStatements`, and the lines of a
`/* liquibase rollback */` block are joined without line breaks. It adds its changesets to
the `ChangelogReader` of the whole root (`changelogs`), which holds the properties and the
changesets a rollback may name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from converter.formats.base import date_from_version, relname
from converter.formats.liquibase.checksum import checksum_v9, java_trim
from converter.formats.liquibase.patterns import (
    ALL_SHORT_NAMES,
    ALT_CHANGESET_NO_INFO,
    ALT_CHANGESET_ONE_DASH,
    ALT_COMMENT_ONE_DASH,
    ALT_COMMENT_PLURAL,
    ALT_IGNORE,
    ALT_IGNORE_LINES_ONE_DASH,
    ALT_PRECONDITION,
    ALT_PRECONDITIONS,
    ALT_PROPERTY,
    ALT_ROLLBACK,
    ALT_VALID_CHECKSUM,
    ATTRIBUTES,
    CHANGESET,
    COMMENT,
    DIALECT_OF,
    EMPTY_PRECONDITION,
    EXPRESSION,
    FIRST_LINE,
    IGNORE_LINES,
    PRECONDITION,
    PRECONDITIONS,
    PROPERTY,
    PROPERTY_GLOBAL,
    PROPERTY_NAME,
    PROPERTY_VALUE,
    ROLLBACK,
    ROLLBACK_BLOCK_END,
    ROLLBACK_BLOCK_END_SPLIT,
    ROLLBACK_BLOCK_START,
    ROLLBACK_REF,
    SHORT_NAMES,
    SUPPORTED_PRECONDITIONS,
    VALID_CHECKSUM,
    dbms_matches,
    line_pattern,
    strip_enclosing_quotes,
)
from converter.model import Kind, LegacyMigration, Script, strip_sql_comments

if TYPE_CHECKING:
    from converter.formats.liquibase.changelogs import ChangelogReader


class ParseStop(Exception):
    """Liquibase refuses the file here; the problem is already recorded."""


@dataclass
class Changeset:
    """One `--changeset` block as the parser builds it."""

    path: Path
    name: str  # the changelog file, relative to the root
    line: int  # the `--changeset` line
    author: str
    id: str
    attrs: dict[str, str]
    file_path: str  # what DATABASECHANGELOG.FILENAME holds: logicalFilePath or the file
    sql: list[tuple[int, str]] = field(default_factory=list)
    rollback: list[tuple[int, str]] = field(default_factory=list)
    rollback_line: int | None = None
    comment: str | None = None
    notes: list[str] = field(default_factory=list)
    up_scripts: tuple[Script, ...] = ()

    def flag(self, attr: str, default: bool) -> bool:
        """Java's Boolean.parseBoolean: only `true` (any case) is true."""
        value = self.attrs.get(attr)
        return default if value is None else value.lower() == "true"


@dataclass
class Unit:
    """A changeset turned into a migration, before versions are chosen."""

    changeset: Changeset
    sort_key: tuple
    migration: LegacyMigration


class FormattedSqlParser:
    """One formatted SQL changelog, line by line, as AbstractFormattedChangeLogParser reads it."""

    def __init__(self, reader: ChangelogReader, path: Path, text: str) -> None:
        self.reader = reader
        self.result = reader.result
        self.path = path
        self.name = relname(reader.root, path)
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()  # the newline ending the last line
        self.local_properties: dict[str, str] = {}
        self.logical_path: str | None = None
        self.current: Changeset | None = None
        self.index = 0  # changesets started in this file
        self.warned_outside = False

    def error(self, code: str, message: str, line: int) -> None:
        self.result.error(code, message, self.path, line)

    def stop(self, code: str, message: str, line: int) -> ParseStop:
        self.error(code, message, line)
        return ParseStop()

    def parse(self) -> None:
        i = 0
        while i < len(self.lines):
            i = self._line(i)
        if self.current is not None:
            self._finish_changeset()

    def _line(self, i: int) -> int:
        """Handle line i (0-based); return the index of the next line to read."""
        line, number = self.lines[i], i + 1
        if PROPERTY.fullmatch(line):
            self._property(line, number)
            return i + 1
        if ALT_PROPERTY.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write properties as `--property name:<name> value:<value>`",
                number,
            )
        if FIRST_LINE.fullmatch(line):
            m = ATTRIBUTES["logicalFilePath"].fullmatch(line)
            self.logical_path = m[1] if m else None
        skipped = self._ignore_lines(i)
        if skipped is not None:
            return skipped
        m = CHANGESET.fullmatch(line)
        if m:
            if self.current is not None:
                self._finish_changeset()
            self._start_changeset(line, number, m)
            return i + 1
        if ALT_CHANGESET_ONE_DASH.fullmatch(line) or ALT_CHANGESET_NO_INFO.fullmatch(line):
            if self.current is not None:
                self._finish_changeset()  # it ended here, whatever this line is
            raise self.stop(
                "bad-changeset",
                "changeset line without author and id: Liquibase needs `--changeset <author>:<id>` "
                "(no space after the colon); fix the line",
                number,
            )
        if self.current is None:
            self._outside(line, number)
            return i + 1
        return self._inside(i)

    def _ignore_lines(self, i: int) -> int | None:
        line, number = self.lines[i], i + 1
        m = IGNORE_LINES.fullmatch(line)
        if m:
            if m[1] == "start":
                j = i + 1
                while j < len(self.lines):
                    end = IGNORE_LINES.fullmatch(self.lines[j])
                    if end and end[1] == "end":
                        return j + 1
                    if ALT_IGNORE_LINES_ONE_DASH.fullmatch(self.lines[j]):
                        raise self.stop(
                            "bad-directive",
                            "Liquibase refuses this line: write `--ignoreLines:end`",
                            j + 1,
                        )
                    j += 1
                return j
            if m[1].isdigit() and len(m[1]) < 10:  # int() refuses > 4300 digits
                return i + 1 + int(m[1])
            raise self.stop(
                "bad-directive",
                f"unknown ignoreLines syntax {m[1]!r}: use --ignoreLines:<count> or "
                "--ignoreLines:start ... --ignoreLines:end",
                number,
            )
        if ALT_IGNORE_LINES_ONE_DASH.fullmatch(line) or ALT_IGNORE.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--ignoreLines:<count|start>`",
                number,
            )
        return None

    def _outside(self, line: str, number: int) -> None:
        if COMMENT.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses a `--comment` line before the first changeset; move it below a "
                "`--changeset` line",
                number,
            )
        if not self.warned_outside and strip_sql_comments(line).strip():
            self.warned_outside = True
            self.result.warn(
                "sql-outside-changeset",
                "SQL before the first `--changeset` line: Liquibase ignores it; move it into a changeset",
                self.path,
                number,
            )

    def _inside(self, i: int) -> int:
        line, number = self.lines[i], i + 1
        c = self.current
        assert c is not None
        if m := COMMENT.fullmatch(line):
            c.comment = m[1]
        elif ALT_COMMENT_ONE_DASH.fullmatch(line) or ALT_COMMENT_PLURAL.fullmatch(line):
            raise self.stop(
                "bad-directive", "Liquibase refuses this line: write `--comment <comment>`", number
            )
        elif m := VALID_CHECKSUM.fullmatch(line):
            c.notes.append(f"validCheckSum:{m[1]}")
        elif ALT_VALID_CHECKSUM.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--validCheckSum <checksum>`",
                number,
            )
        elif m := ROLLBACK.fullmatch(line):
            c.rollback.append((number, m[1] + "\n"))
        elif ALT_ROLLBACK.fullmatch(line):
            raise self.stop(
                "bad-directive", "Liquibase refuses this line: write `--rollback <SQL>`", number
            )
        elif ROLLBACK_BLOCK_START.fullmatch(line):
            return self._rollback_block(i)
        elif m := PRECONDITIONS.fullmatch(line):
            self._precondition(f"preconditions{m[1]}", number)
        elif ALT_PRECONDITIONS.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--preconditions onFail:<action> onError:<action>`",
                number,
            )
        elif m := PRECONDITION.fullmatch(line):
            kind = m[1].strip()
            if kind not in SUPPORTED_PRECONDITIONS:
                raise self.stop(
                    "bad-directive",
                    f"Liquibase does not support the {kind!r} precondition in formatted SQL "
                    "(only sql-check, table-exists, view-exists)",
                    number,
                )
            self._precondition(f"precondition-{kind} {m[2].strip()}", number)
        elif ALT_PRECONDITION.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--precondition-sql-check ...`",
                number,
            )
        elif m := EMPTY_PRECONDITION.fullmatch(line):
            raise self.stop(
                "bad-directive",
                f"precondition-{m[1]} without its arguments: Liquibase refuses it; complete the line",
                number,
            )
        else:
            c.sql.append((number, line))
        return i + 1

    def _rollback_block(self, i: int) -> int:
        """`/* liquibase rollback` ... `*/`: Liquibase joins the lines with no line break."""
        c = self.current
        assert c is not None
        start = i + 1
        j = start
        body: list[str] = []
        while j < len(self.lines):
            line = self.lines[j]
            if ROLLBACK_BLOCK_END.fullmatch(line):
                last = ROLLBACK_BLOCK_END_SPLIT.split(line)[0]
                if last.strip():
                    body.append(last)
                break
            body.append(line)
            j += 1
        else:
            raise self.stop(
                "bad-directive",
                "`/* liquibase rollback` block is not closed: Liquibase refuses the file; add `*/`",
                i + 1,
            )
        self._check_joined(body, start + 1)
        for offset, text in enumerate(body):
            c.rollback.append((start + 1 + offset, text + "\n"))
        return j + 1

    def _check_joined(self, body: list[str], first_line: int) -> None:
        for offset, (a, b) in enumerate(zip(body, body[1:], strict=False)):
            if "--" in a or (a.rstrip() == a and a[-1:].isalnum() and b[:1].isalnum()):
                self.result.warn(
                    "rollback-lines-joined",
                    "Liquibase joins the lines of a `/* liquibase rollback */` block without line "
                    f"breaks, so it runs {(a + b)[:60]!r}...; end each line with a space or `;`, "
                    "and do not use `--` comments there",
                    self.path,
                    first_line + offset,
                )
                return

    def _precondition(self, text: str, number: int) -> None:
        c = self.current
        assert c is not None
        c.notes.append(text)
        self.result.warn(
            "precondition",
            f"`--{text}` is not evaluated by the converter: the migration always runs; check "
            "that the condition holds on your databases",
            self.path,
            number,
        )

    def _property(self, line: str, number: int) -> None:
        name = PROPERTY_NAME.fullmatch(line)
        value = PROPERTY_VALUE.fullmatch(line)
        if not name or not value:
            return
        restricted = [a for a in ("context", "labels") if ATTRIBUTES[a].fullmatch(line)]
        dbms = ATTRIBUTES["dbms"].fullmatch(line)
        if restricted:
            self.result.warn(
                "conditional-property",
                f"property {name[1]!r} depends on {restricted[0]}: it is not expanded here",
                self.path,
                number,
            )
            return
        if dbms and not self._dbms_applies(dbms[1]):
            return
        is_global = PROPERTY_GLOBAL.fullmatch(line)
        target = self.reader.global_properties
        if is_global and is_global[1].lower() != "true":
            target = self.local_properties
        target.setdefault(name[1], value[1])  # Liquibase properties: the first definition wins

    def _dbms_applies(self, dbms: str) -> bool:
        dialect = self.reader.options.dialect
        if dialect is None:
            return True
        return any(dbms_matches(dbms, s) for s in SHORT_NAMES.get(dialect, (dialect,)))

    # -- changesets -----------------------------------------------------------------------

    def _start_changeset(self, line: str, number: int, m: re.Match[str]) -> None:
        author_raw, id_raw = m[1], m[2]
        exact = line_pattern(
            r"\s*--[\s]*changeset\s+" + re.escape(f"{author_raw}:{id_raw}") + r".*"
        )
        if not exact.fullmatch(line):
            raise self.stop(
                "bad-changeset",
                "Liquibase needs `--changeset <author>:<id>` with no space after the colon; fix the line",
                number,
            )
        expand = self.expand
        change_id = expand(strip_enclosing_quotes(id_raw))
        author = expand(strip_enclosing_quotes(author_raw))
        if not change_id.replace(":", "").replace(" ", ""):
            raise self.stop(
                "bad-changeset", "the changeset id is empty: give the changeset an id", number
            )
        attrs = {}
        for attr, pattern in ATTRIBUTES.items():
            am = pattern.fullmatch(line)
            if am:
                attrs[attr] = expand(strip_enclosing_quotes(am[1]))
        if " " in author.strip():
            self.result.warn(
                "changeset-author",
                f"author {author!r} holds a space: Liquibase reads everything before the first "
                "colon as the author; check the line is `--changeset <author>:<id>`",
                self.path,
                number,
            )
        file_path = attrs.get("logicalFilePath") or self.logical_path or self.name
        self.index += 1
        self.current = Changeset(self.path, self.name, number, author, change_id, attrs, file_path)
        self.reader.changesets.append(self.current)

    def expand(self, text: str) -> str:
        return self.reader.expand(text, self.local_properties)

    def _finish_changeset(self) -> None:
        c = self.current
        assert c is not None
        self.current = None
        up = self._up_script(c)
        c.up_scripts = (up,)
        down, down_notes = self._down(c)
        if not self._selected(c):
            return
        migration = self._migration(c, up, down, down_notes)
        self.reader.units.append(Unit(c, (self.reader.file_index, self.index), migration))

    def _up_script(self, c: Changeset) -> Script:
        lines = list(c.sql)
        while lines and not java_trim(lines[0][1]):
            lines.pop(0)
        while lines and not java_trim(lines[-1][1]):
            lines.pop()
        if not lines:
            raise self.stop(
                "changeset-no-sql",
                f"changeset {c.author}:{c.id} has no SQL: Liquibase refuses it; add its SQL or "
                "remove the changeset",
                c.line,
            )
        text = self.expand("\n".join(line for _, line in lines) + "\n")
        split = c.flag("splitStatements", True)
        delimiter = c.attrs.get("endDelimiter") or None
        return Script(
            "sql", text, c.path, c.name, line=lines[0][0], delimiter=delimiter, split=split
        )

    def _down(self, c: Changeset) -> tuple[tuple[Script, ...], tuple[str, ...]]:
        if not c.rollback:
            return (), ()
        raw = "".join(text for _, text in c.rollback)
        first = c.rollback[0][0]
        flat = raw.strip().lower()
        if not flat:
            return (), ()
        if re.fullmatch(r"not required.*", flat) or re.fullmatch(r"empty.*", flat):
            return (Script("sql", "", c.path, c.name, line=first),), ("rollback-empty",)
        if "changesetid" in flat:
            return self._rollback_reference(c, raw, first), ()
        return (
            Script(
                "sql",
                self.expand(raw),
                c.path,
                c.name,
                line=first,
                delimiter=c.attrs.get("rollbackEndDelimiter") or None,
                split=c.flag("rollbackSplitStatements", True),
            ),
        ), ()

    def _rollback_reference(self, c: Changeset, raw: str, line: int) -> tuple[Script, ...]:
        """`--rollback changesetId:<id> changesetAuthor:<author> [changesetPath:<path>]`."""
        flat = raw.replace("\n", "").replace("\r", "")
        found = {
            k: (m[1].strip() if (m := p.fullmatch(flat)) else None) for k, p in ROLLBACK_REF.items()
        }
        if not found["id"] or not found["author"]:
            missing = "changesetId" if not found["id"] else "changesetAuthor"
            raise self.stop(
                "bad-rollback", f"'{missing}' not set in the rollback: Liquibase refuses it", line
            )
        path = found["path"] or self.name
        for other in self.reader.changesets:
            if other is c:
                break
            if (other.id, other.author) == (found["id"], found["author"]) and path in (
                other.file_path,
                other.name,
            ):
                return other.up_scripts
        raise self.stop(
            "bad-rollback",
            f"the rollback names changeset {path}::{found['id']}::{found['author']}, which is not "
            "defined before it: Liquibase refuses it; fix the reference",
            line,
        )

    def _selected(self, c: Changeset) -> bool:
        if c.flag("ignore", False):
            self.result.warn(
                "changeset-ignored",
                f"changeset {c.author}:{c.id} has ignore:true: Liquibase never runs it, so it is left out",
                self.path,
                c.line,
            )
            return False
        dialect = self.reader.options.dialect
        dbms = c.attrs.get("dbms")
        if dialect is None or dbms is None:
            return True
        names = SHORT_NAMES.get(dialect, (dialect,))
        verdicts = {s: dbms_matches(dbms, s) for s in names}
        if len(set(verdicts.values())) > 1:
            runs = [s for s, v in verdicts.items() if v]
            self.result.warn(
                "dbms-mysql-mariadb",
                f"dbms:{dbms} runs this changeset on {runs[0]} only, not on "
                f"{'mariadb' if runs[0] == 'mysql' else 'mysql'}: it is kept; check your server",
                self.path,
                c.line,
            )
        return any(verdicts.values())

    def _migration(
        self, c: Changeset, up: Script, down: tuple[Script, ...], down_notes: tuple[str, ...]
    ) -> LegacyMigration:
        notes = [f"changeset:{c.file_path}::{c.id}::{c.author}"]
        repeatable = c.flag("runAlways", False)
        if c.flag("runOnChange", False):
            notes.append("runOnChange")
            if not repeatable:
                self.result.warn(
                    "run-on-change",
                    f"changeset {c.author}:{c.id} has runOnChange:true: Liquibase re-runs it when "
                    "its SQL changes; after conversion it runs once (a re-run of convert names it "
                    "when it changed: write a new revision for databases that already ran it)",
                    self.path,
                    c.line,
                )
        if repeatable:
            notes.append("runAlways")
        context = c.attrs.get("contextFilter") or c.attrs.get("context")
        for label, value in (("context", context), ("labels", c.attrs.get("labels"))):
            if value:
                notes.append(f"{label}:{value}")
        if c.attrs.get("dbms"):
            notes.append(f"dbms:{c.attrs['dbms']}")
        if c.attrs.get("runWith"):
            notes.append(f"runWith:{c.attrs['runWith']}")
            self.result.warn(
                "run-with",
                f"runWith:{c.attrs['runWith']}: Liquibase hands this changeset to another client; "
                "the converted migration runs it through the database driver",
                self.path,
                c.line,
            )
        if not c.flag("failOnError", True):
            notes.append("failOnError:false")
        if "stripComments" in c.attrs:
            notes.append(f"stripComments:{c.attrs['stripComments']}")
        if c.attrs.get("endDelimiter") == "":
            notes.append("endDelimiter:''")
        notes += c.notes
        notes += down_notes
        unresolved = [m[0] for s in (up, *down) for m in EXPRESSION.finditer(s.text)]
        if unresolved:
            self.result.warn(
                "unresolved-property",
                f"{unresolved[0]} is not defined in the changelogs: Liquibase fills it from its "
                "properties at run time; define it with `--property` or replace it",
                self.path,
                up.line,
            )
        sql = "\n".join(line for _, line in c.sql)
        return LegacyMigration(
            format=self.result.format,
            version=c.id,
            description=c.comment.strip()
            if c.comment and c.comment.strip()
            else f"{c.author}:{c.id}",
            kind=Kind.REPEATABLE if repeatable else Kind.VERSIONED,
            up=(up,),
            down=down,
            transactional=c.flag("runInTransaction", True),
            date=date_from_version(c.id),
            dialect=self._dialect_of(c.attrs.get("dbms")),
            batch=not up.split,
            # properties are expanded before Liquibase hashes; with any in the SQL, the value it
            # saw is not known for sure, so no checksum is claimed
            tool_checksum=None if "${" in sql else checksum_v9(sql),
            notes=tuple(notes),
        )

    def _dialect_of(self, dbms: str | None) -> str | None:
        if dbms is None:
            return None
        dialects = {DIALECT_OF[s] for s in ALL_SHORT_NAMES if dbms_matches(dbms, s)}
        return dialects.pop() if len(dialects) == 1 else None
