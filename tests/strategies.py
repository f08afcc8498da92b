"""Hypothesis strategies shared by the fuzz and property tests.

- `mutated(data)`: a sample file's bytes after a few random edits (byte flips, truncation,
  inserted quotes, dollar signs, semicolons, backslashes, NULs, CR/LF and BOM changes).
- `sql_noise()`: text built from SQL fragments that are hard for a splitter (quotes, dollar
  quotes, comments, delimiters, psql and DELIMITER lines), mixed with arbitrary characters.
- `histories(dialect)`: random but valid legacy histories (see the section below), and
  `write_history(root, fmt, dialect, steps)`, which lays one out in a legacy format.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st

BOM = codecs.BOM_UTF8

# Bytes that change how SQL (or a format's markers) is read when inserted anywhere.
INSERTS = [
    b"'", b'"', b"`", b"[", b"]", b"$", b"$$", b"$tag$", b";", b"\\", b"\0", b"\r", b"\n",
    b"\r\n", BOM, b"/*", b"*/", b"--", b"#", b"/*!40101 ", b"E'", b"X'", b"N'", b"U&'",
    b"{", b"}", b"${name}", b"%", b"%s", b":name", b"\xff", b"\xc3", b"\xe2\x82", b"\xc3\xa9",
    b"BEGIN;", b"END;", b"BEGIN ATOMIC ", b"CREATE TRIGGER t ", b"CREATE PROCEDURE p() BEGIN ",
    b"\nDELIMITER //\n", b"\nDELIMITER ;\n", b"\n\\connect other\n", b"\n\\set ON_ERROR_STOP on\n",
    b"\nCOPY t FROM stdin;\n", b"\n\\.\n", b"\n-- +goose Up\n", b"\n-- +goose Down\n",
    b"\n-- +goose StatementBegin\n", b"\n-- +goose StatementEnd\n", b"\n-- +goose NO TRANSACTION\n",
    b"\n-- migrate:up\n", b"\n-- migrate:down\n", b"\n-- migrate:up transaction:false\n",
    b"\n--liquibase formatted sql\n", b"\n--changeset a:b\n", b"\n--changeset :\n",
    b"\n--changeset a:c endDelimiter:/ splitStatements:false\n", b"\n--rollback ",
    b"\n/* liquibase rollback\n", b"\n--precondition-sql-check expectedResult:0 SELECT 1\n",
    b"\n-- depends: x y\n", b"\n-- transactional: false\n", b"\n__depends__ = {'x'}\n",
    b"\ndef upgrade(migrate_engine):\n", b"\nstep(\"", b"\n@v2 ", b"\n[", b" [a b] ", b"\n%x=",
    b"<", b">", b"<!--", b"=", b"\n[core]\n", b"\nrun_in_transaction = false\n",
    b"\nexecuteInTransaction=false\n", b"\xef\xbf\xbd", "\U0001f600".encode(),
]  # fmt: skip


@st.composite
def mutated(draw, data: bytes, max_edits: int = 4) -> bytes:
    """`data` after 1..max_edits random edits."""
    for _ in range(draw(st.integers(1, max_edits))):
        op = draw(
            st.sampled_from(
                ["flip", "truncate", "insert", "insert", "insert", "delete", "duplicate",
                 "crlf", "cr", "bom", "random"]
            )
        )  # fmt: skip
        n = len(data)
        pos = draw(st.integers(0, n))
        if op == "flip" and n:
            pos = min(pos, n - 1)
            data = data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1 :]
        elif op == "truncate":
            data = data[:pos]
        elif op == "insert":
            data = data[:pos] + draw(st.sampled_from(INSERTS)) + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[pos + draw(st.integers(1, 64)) :]
        elif op == "duplicate":
            data = data[:pos] + data[pos : pos + draw(st.integers(1, 200))] + data[pos:]
        elif op == "crlf":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        elif op == "cr":
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
        elif op == "bom":
            data = data[len(BOM) :] if data.startswith(BOM) else BOM + data
        elif op == "random":
            data = data[:pos] + draw(st.binary(max_size=16)) + data[pos:]
    return data


SQL_FRAGMENTS = [
    "CREATE TABLE t (id INT PRIMARY KEY, name TEXT DEFAULT 'x')", "INSERT INTO t VALUES (1, 'a')",
    "SELECT 1", ";", ";;", " ", "\n", "\t", "'", "''", '"', "`", "$", "$$", "$a$", "$1", "\\",
    "\\\\", "E'\\''", "X'0f'", "B'01'", "N'x'", "U&'d\\0061'", "/*", "*/", "/* /* */ */", "--",
    "-- c\n", "#", "# c\n", "/*!40101 SET x=1 */", "/*M! x */", "BEGIN", "END", "COMMIT",
    "BEGIN ATOMIC", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
    "CREATE PROCEDURE p() BEGIN SELECT 1; END", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN",
    "IF", "IF(", "THEN", "END IF", "REPEAT", "LOOP", "CASE", "(", ")", ",", "\nDELIMITER //\n",
    "\nDELIMITER ;\n", "//", "\n\\connect x\n", "\n\\set ON_ERROR_STOP on\n", "\\.",
    "COPY t FROM stdin", "CREATE RULE r AS ON INSERT TO t DO (", "REINDEX", "int ARRAY",
    "KEY (email(191))", "DEFAULT 'x' COLLATE NOCASE", "ALTER TABLE t ADD COLUMN c INT",
    "UPDATE t SET a = 1 WHERE b = 'it''s'", "DELETE FROM t", "REPLACE INTO t VALUES (1)",
    "SET autocommit = 0", "VACUUM", "PRAGMA foreign_keys = off", "CREATE INDEX CONCURRENTLY i ON t (a)",
    ":name", "%s", "%(x)s", "%", "é", "\u2028", "\x00", "\r", "\ufeff", "[", "]", "{", "}", "?",
]  # fmt: skip


def sql_noise(max_parts: int = 30) -> st.SearchStrategy[str]:
    """Text mixing hard SQL fragments with arbitrary characters."""
    part = st.one_of(st.sampled_from(SQL_FRAGMENTS), st.text(max_size=8))
    return st.lists(part, max_size=max_parts).map("".join)


# ---------------------------------------------------------------------------------------
# Random but valid legacy histories
#
# `histories(dialect)` draws a list of `Step`s: each is one legacy migration (a few
# statements) with, where one can be written, a down that restores the state before it.
# The strategy keeps a model of the database (tables, columns, indexes, constraints, rows)
# so every statement is valid where it runs: names are fresh, unique indexes only cover
# distinct values, foreign keys point at existing rows, SQLite is only asked what its ALTER
# TABLE can do. `write_history(root, fmt, dialect, steps)` lays the steps out in a format.

TYPES = {
    "postgresql": {
        "int": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "varchar": "VARCHAR(64)",
        "text": "TEXT", "numeric": "NUMERIC(10, 2)", "bool": "BOOLEAN", "date": "DATE",
        "timestamp": "TIMESTAMP",
    },
    "mysql": {
        "int": "INT", "bigint": "BIGINT", "smallint": "SMALLINT", "varchar": "VARCHAR(64)",
        "text": "TEXT", "numeric": "DECIMAL(10, 2)", "bool": "BOOLEAN", "date": "DATE",
        "timestamp": "DATETIME",
    },
    "sqlite": {
        "int": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "varchar": "VARCHAR(64)",
        "text": "TEXT", "numeric": "NUMERIC(10, 2)", "bool": "BOOLEAN", "date": "DATE",
        "timestamp": "TIMESTAMP",
    },
}  # fmt: skip
PRIMARY_KEYS = {
    "postgresql": ["INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY", "BIGINT PRIMARY KEY",
                   "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                   "INTEGER PRIMARY KEY UNIQUE NOT NULL"],
    "mysql": ["INT PRIMARY KEY", "INT AUTO_INCREMENT PRIMARY KEY", "BIGINT NOT NULL PRIMARY KEY",
              "INT PRIMARY KEY UNIQUE NOT NULL"],
    "sqlite": ["INTEGER PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT", "INTEGER NOT NULL PRIMARY KEY",
               "INTEGER PRIMARY KEY UNIQUE NOT NULL"],
}  # fmt: skip
# the redundant ones (a UNIQUE and a NOT NULL repeating the primary key: MariaDB folds the
# UNIQUE into it, issue 19) are there so that the proof judges by what the engine creates
INDEXABLE = ("int", "bigint", "smallint", "varchar", "numeric", "date", "timestamp")
INTS = ("int", "bigint", "smallint")

# Pieces of string literals that break naive handling: quotes, bind-parameter look-alikes,
# format markers, dollar quotes, backslashes, comment and statement markers, line breaks,
# characters Python's str.splitlines() treats as line ends, non-ASCII.
AWKWARD = [
    "it's", "O''Hara", '"dq"', "`bt`", ":name", ":1", " :x ", "\\:esc", "%s", "%(x)s", "100%",
    "%%", "%", "$$", "$tag$", "$1", "\\", "a\\b", "\\n", "\\'", "line1\nline2", "\n", "tab\t",
    "; DROP TABLE x;", "-- no comment", "/* no", "# hash", "?", "{x}", "${flyway}", "é",
    "日本語", "\U0001f600", "\u2028", "\x85", "\u00a0", " ", "  trailing  ", "GO", "END;",
]  # fmt: skip
SAFE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))


def quote_string(value: str, dialect: str) -> str:
    text = value.replace("'", "''")
    if dialect == "mysql":  # MySQL reads backslash escapes inside string literals
        text = text.replace("\\", "\\\\")
    return f"'{text}'"


def literal(value: object, kind: str, dialect: str) -> str:
    if value is None:
        return "NULL"
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    if kind in INTS or kind == "numeric":
        return str(value)
    return quote_string(str(value), dialect)


def quote_name(name: str, dialect: str) -> str:
    """Names with a capital or a space are quoted; simple names are written bare, except on
    SQLite, which writes a renamed name quoted into its stored CREATE TABLE text: a name
    written bare would not read the same after a rename and its inverse."""
    if (
        dialect != "sqlite"
        and name.islower()
        and name.replace("_", "").isalnum()
        and name.isascii()
    ):
        return name
    return f"`{name}`" if dialect == "mysql" else f'"{name}"'


@dataclass
class Column:
    name: str
    kind: str
    nullable: bool = True
    default: object = None  # a Python value; None: no default

    def sql(self, dialect: str) -> str:
        text = f"{quote_name(self.name, dialect)} {TYPES[dialect][self.kind]}"
        if not self.nullable:
            text += " NOT NULL"
        if self.default is not None:
            text += " DEFAULT " + literal(self.default, self.kind, dialect)
        return text


@dataclass
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    where: str | None = None  # partial index condition (PostgreSQL, SQLite)
    constraint: bool = False  # a UNIQUE constraint rather than an index


@dataclass
class Table:
    name: str
    pk: str  # the primary key column's definition after its name
    columns: list[Column]
    rows: dict[int, dict[str, object]] = field(default_factory=dict)  # id -> column -> value
    indexes: dict[str, Index] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)  # constraint name -> column (col >= 0)
    fks: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (column, table)
    next_id: int = 1
    renamed: bool = False  # PostgreSQL names the primary key and sequences after the first name

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def busy(self) -> set[str]:
        """Columns an index, constraint or foreign key uses (not dropped or renamed)."""
        used = set(self.checks.values()) | {c for c, _ in self.fks.values()}
        for ix in self.indexes.values():
            used.update(ix.columns)
            if ix.where:
                used.update(c.name for c in self.columns if c.name in ix.where)
        return used

    def unique_columns(self) -> set[str]:
        return {c for ix in self.indexes.values() if ix.unique for c in ix.columns}


@dataclass
class Step:
    """One legacy migration: its statements, and those of its down (None: no down)."""

    slug: str
    up: list[str]
    down: list[str] | None
    comment: str = ""


@dataclass
class State:
    dialect: str
    tables: dict[str, Table] = field(default_factory=dict)
    counter: int = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def referenced(self, table: str) -> bool:
        return any(ref == table for t in self.tables.values() for _, ref in t.fks.values())

    def referencing_rows(self, table: str, row_id: int) -> bool:
        for t in self.tables.values():
            for col, ref in t.fks.values():
                if ref == table and any(r.get(col) == row_id for r in t.rows.values()):
                    return True
        return False


class _Gen:
    """Draws actions against a State; each returns (up statements, down statements | None)."""

    def __init__(self, draw, state: State) -> None:
        self.draw = draw
        self.s = state
        self.d = state.dialect

    # -- names and values

    def name(self, prefix: str) -> str:
        base = self.s.fresh(prefix)
        style = self.draw(st.sampled_from(["plain", "plain", "plain", "Mixed", "space"]))
        if style == "Mixed":
            return base.capitalize()
        if style == "space":
            return f"{base} x"
        return base

    def q(self, name: str) -> str:
        return quote_name(name, self.d)

    def value(self, kind: str) -> object:
        """A fresh value: distinct from every value drawn before (unique indexes stay valid)."""
        n = self.s.fresh("")
        k = int(n)
        if kind == "smallint":
            return k
        if kind == "int":
            return k * self.draw(st.sampled_from([1, 1000]))
        if kind == "bigint":
            return k * self.draw(st.sampled_from([1, 10**9]))
        if kind == "numeric":
            return f"{k}.{self.draw(st.integers(0, 99)):02d}"
        if kind == "bool":
            return self.draw(st.booleans())
        if kind == "date":
            return (date(2000, 1, 1) + timedelta(days=k)).isoformat()
        if kind == "timestamp":
            return (datetime(2020, 1, 1) + timedelta(minutes=k * 7)).strftime("%Y-%m-%d %H:%M:%S")
        piece = st.one_of(
            st.sampled_from(AWKWARD), st.sampled_from(AWKWARD), st.text(SAFE_CHARS, max_size=4)
        )
        parts = self.draw(st.lists(piece, min_size=1, max_size=3))
        return "".join(parts)[:48] + f"~{k}"

    def new_column(self, allow_not_null: bool = True) -> Column:
        kind = self.draw(st.sampled_from(list(TYPES[self.d])))
        default = self.value(kind) if self.draw(st.booleans()) else None
        nullable = not (allow_not_null and default is not None and self.draw(st.booleans()))
        return Column(self.name("c"), kind, nullable, default)

    # -- statements

    def create_table_sql(self, t: Table) -> str:
        lines = [f"{self.q('id')} {t.pk}"] + [c.sql(self.d) for c in t.columns]
        for name, ix in t.indexes.items():
            if ix.constraint:
                cols = ", ".join(self.q(c) for c in ix.columns)
                lines.append(f"CONSTRAINT {self.q(name)} UNIQUE ({cols})")
        for name, col in t.checks.items():
            lines.append(f"CONSTRAINT {self.q(name)} CHECK ({self.q(col)} >= 0)")
        for name, (col, ref) in t.fks.items():
            lines.append(
                f"CONSTRAINT {self.q(name)} FOREIGN KEY ({self.q(col)}) REFERENCES {self.q(ref)} ({self.q('id')})"
            )
        body = ",\n    ".join(lines)
        return f"CREATE TABLE {self.q(t.name)} (\n    {body}\n)"

    def create_index_sql(self, t: Table, ix: Index) -> str:
        cols = ", ".join(self.q(c) for c in ix.columns)
        if ix.constraint:
            return f"ALTER TABLE {self.q(t.name)} ADD CONSTRAINT {self.q(ix.name)} UNIQUE ({cols})"
        unique = "UNIQUE " if ix.unique else ""
        where = f" WHERE {ix.where}" if ix.where else ""
        return f"CREATE {unique}INDEX {self.q(ix.name)} ON {self.q(t.name)} ({cols}){where}"

    def drop_index_sql(self, t: Table, ix: Index) -> str:
        if ix.constraint:
            if self.d == "mysql":
                return f"ALTER TABLE {self.q(t.name)} DROP INDEX {self.q(ix.name)}"
            return f"ALTER TABLE {self.q(t.name)} DROP CONSTRAINT {self.q(ix.name)}"
        if self.d == "mysql":
            return f"DROP INDEX {self.q(ix.name)} ON {self.q(t.name)}"
        return f"DROP INDEX {self.q(ix.name)}"

    def insert_sql(self, t: Table, rows: dict[int, dict[str, object]], cols: list[str]) -> str:
        names = ", ".join(self.q(c) for c in ["id", *cols])
        kinds = {c.name: c.kind for c in t.columns}
        values = ",\n    ".join(
            "(" + ", ".join([str(rid)] + [literal(row[c], kinds[c], self.d) for c in cols]) + ")"
            for rid, row in rows.items()
        )
        return f"INSERT INTO {self.q(t.name)} ({names}) VALUES\n    {values}"

    def full_rows_sql(self, t: Table, ids: list[int]) -> list[str]:
        """INSERTs bringing back rows `ids` of `t` exactly (every column written)."""
        if not ids:
            return []
        return [self.insert_sql(t, {i: t.rows[i] for i in ids}, [c.name for c in t.columns])]

    # -- actions: each changes the state and returns (up, down | None)

    def actions(self) -> list[str]:
        tables = self.s.tables
        out = ["create_table"]
        if tables:
            out += ["insert", "insert", "add_column", "create_index", "rename_column", "rename_table",
                    "update", "delete", "drop_column", "drop_table", "drop_index"]  # fmt: skip
            if self.d != "sqlite":
                out += ["add_check", "set_default"]
        return out

    def pick_table(self, ok=lambda t: True) -> Table | None:
        choices = [t for t in self.s.tables.values() if ok(t)]
        return self.draw(st.sampled_from(choices)) if choices else None

    def create_table(self):
        cols = [self.new_column() for _ in range(self.draw(st.integers(1, 4)))]
        t = Table(self.name("t"), self.draw(st.sampled_from(PRIMARY_KEYS[self.d])), cols)
        plain = [c for c in cols if c.kind in INDEXABLE]
        if plain and self.draw(st.booleans()):
            c = self.draw(st.sampled_from(plain))
            t.indexes[self.name("uq")] = Index("", (c.name,), unique=True, constraint=True)
        ints = [c for c in cols if c.kind in INTS]
        if ints and self.draw(st.booleans()):
            t.checks[self.name("ck")] = self.draw(st.sampled_from(ints)).name
        parents = list(self.s.tables)
        if parents and self.draw(st.booleans()):
            # one to three foreign keys, often declared out of alphabetical order (MariaDB
            # creates their implicit indexes in declaration order, SHOW CREATE TABLE shows it)
            fks = {}
            for _ in range(self.draw(st.integers(1, 3))):
                ref = self.draw(st.sampled_from(parents))
                col = Column(self.name("ref"), "int" if self.tables_pk_is_int(ref) else "bigint")
                t.columns.append(col)
                fks[self.name("fk")] = (col.name, ref)
            names = list(fks)
            if self.draw(st.booleans()):
                names.reverse()
            t.fks = {n: fks[n] for n in names}
        for name, ix in t.indexes.items():
            ix.name = name
        self.s.tables[t.name] = t
        ups = [self.create_table_sql(t)]
        if plain and self.draw(st.integers(0, 3)) == 0:
            # a duplicate index: two indexes on the same column
            c = self.draw(st.sampled_from(plain))
            for _ in range(2):
                ix = Index(self.name("ix"), (c.name,))
                t.indexes[ix.name] = ix
                ups.append(self.create_index_sql(t, ix))
        return ups, [f"DROP TABLE {self.q(t.name)}"]

    def tables_pk_is_int(self, table: str) -> bool:
        return "BIGINT" not in self.s.tables[table].pk

    def insert(self):
        t = self.pick_table()
        unique = t.unique_columns()
        rows: dict[int, dict[str, object]] = {}
        cols = [c.name for c in t.columns if c.name in unique or self.draw(st.booleans())]
        fk_cols = {col: ref for col, ref in t.fks.values()}
        for _ in range(self.draw(st.integers(1, 3))):
            rid = t.next_id
            t.next_id += 1
            row: dict[str, object] = {}
            for c in t.columns:
                if c.name in fk_cols and c.name in cols:
                    parent_ids = list(self.s.tables[fk_cols[c.name]].rows)
                    if c.name in unique:  # a unique index on the foreign key: distinct or NULL
                        taken = {r.get(c.name) for r in [*t.rows.values(), *rows.values()]}
                        parent_ids = [i for i in parent_ids if i not in taken]
                    row[c.name] = self.draw(st.sampled_from([None, *parent_ids]))
                elif c.name not in cols:
                    row[c.name] = c.default
                elif c.nullable and c.name not in unique and self.draw(st.integers(0, 4)) == 0:
                    row[c.name] = None
                else:
                    row[c.name] = self.value(c.kind)
            rows[rid] = row
        t.rows.update(rows)
        if not self.draw(st.booleans()) or len(rows) == 1:
            ups = [self.insert_sql(t, rows, cols)]
        else:
            ups = [self.insert_sql(t, {rid: row}, cols) for rid, row in rows.items()]
        ids = ", ".join(str(i) for i in rows)
        return ups, [f"DELETE FROM {self.q(t.name)} WHERE {self.q('id')} IN ({ids})"]

    def add_column(self):
        t = self.pick_table()
        c = self.new_column()
        if not c.nullable and c.default is None:
            c.nullable = True
        t.columns.append(c)
        for row in t.rows.values():
            row[c.name] = c.default
        return [f"ALTER TABLE {self.q(t.name)} ADD COLUMN {c.sql(self.d)}"], [
            f"ALTER TABLE {self.q(t.name)} DROP COLUMN {self.q(c.name)}"
        ]

    def droppable_columns(self, t: Table) -> list[Column]:
        busy = t.busy()
        return [c for c in t.columns if c.name not in busy]

    def drop_column(self):
        t = self.pick_table(lambda t: self.droppable_columns(t))
        if t is None:
            return None
        c = self.draw(st.sampled_from(self.droppable_columns(t)))
        last = t.columns[-1] is c
        up = [f"ALTER TABLE {self.q(t.name)} DROP COLUMN {self.q(c.name)}"]
        down = None
        if last:  # re-added at the end, where it was, then its values written back
            down = [f"ALTER TABLE {self.q(t.name)} ADD COLUMN {c.sql(self.d)}"]
            for rid, row in t.rows.items():
                if row[c.name] != c.default:
                    down.append(
                        f"UPDATE {self.q(t.name)} SET {self.q(c.name)} = "
                        f"{literal(row[c.name], c.kind, self.d)} WHERE {self.q('id')} = {rid}"
                    )
        t.columns.remove(c)
        for row in t.rows.values():
            del row[c.name]
        return up, down

    def rename_column(self):
        t = self.pick_table(lambda t: self.droppable_columns(t))
        if t is None:
            return None
        c = self.draw(st.sampled_from(self.droppable_columns(t)))
        old, new = c.name, self.name("c")
        c.name = new
        for row in t.rows.values():
            row[new] = row.pop(old)
        sql = "ALTER TABLE {} RENAME COLUMN {} TO {}"
        return [sql.format(self.q(t.name), self.q(old), self.q(new))], [
            sql.format(self.q(t.name), self.q(new), self.q(old))
        ]

    def rename_table(self):
        t = self.pick_table(lambda t: not t.fks and not self.s.referenced(t.name))
        if t is None:
            return None
        old, new = t.name, self.name("t")
        del self.s.tables[old]
        t.name, t.renamed = new, True
        self.s.tables[new] = t
        sql = "ALTER TABLE {} RENAME TO {}"
        return [sql.format(self.q(old), self.q(new))], [sql.format(self.q(new), self.q(old))]

    def drop_table(self):
        t = self.pick_table(lambda t: not self.s.referenced(t.name))
        if t is None:
            return None
        down = [self.create_table_sql(t)]
        down += [self.create_index_sql(t, ix) for ix in t.indexes.values() if not ix.constraint]
        down += self.full_rows_sql(t, list(t.rows))
        if t.renamed and self.d == "postgresql":
            down = None  # its primary key and sequence would come back under other names
        del self.s.tables[t.name]
        return [f"DROP TABLE {self.q(t.name)}"], down

    def create_index(self):
        t = self.pick_table(lambda t: any(c.kind in INDEXABLE for c in t.columns))
        if t is None:
            return None
        fk_cols = {c for c, _ in t.fks.values()}
        usable = [
            c.name
            for c in t.columns
            if c.kind in INDEXABLE and not (self.d == "mysql" and c.name in fk_cols)
        ]
        if not usable:
            return None
        cols = tuple(
            self.draw(st.lists(st.sampled_from(usable), min_size=1, max_size=2, unique=True))
        )
        unique = self.draw(st.booleans())
        if unique:  # only when the rows already there are distinct on these columns
            seen = [tuple(r[c] for c in cols) for r in t.rows.values()]
            seen = [v for v in seen if None not in v]
            unique = len(seen) == len(set(seen)) and all(
                t.column(c).default is None or c in t.unique_columns() for c in cols
            )
        ix = Index(self.name("ix"), cols, unique=unique)
        if self.d != "mysql" and self.draw(st.integers(0, 2)) == 0:
            ix.where = f"{self.q(cols[0])} IS NOT NULL"
        elif self.d != "sqlite" and unique and not ix.where and self.draw(st.booleans()):
            ix.constraint = True
        t.indexes[ix.name] = ix
        return [self.create_index_sql(t, ix)], [self.drop_index_sql(t, ix)]

    def drop_index(self):
        fk_cols = lambda t: {c for c, _ in t.fks.values()}  # noqa: E731
        t = self.pick_table(
            lambda t: any(not ix.constraint or self.d != "sqlite" for ix in t.indexes.values())
        )
        if t is None:
            return None
        choices = [ix for ix in t.indexes.values() if not (ix.constraint and self.d == "sqlite")]
        if self.d == "mysql":  # MySQL may lean on it for a foreign key
            choices = [ix for ix in choices if not set(ix.columns) & fk_cols(t)]
        if not choices:
            return None
        ix = self.draw(st.sampled_from(choices))
        # MariaDB shows a table's indexes in the order they were made: a down that makes the
        # index again puts it last, which restores that order only for the last one
        last = list(t.indexes.values())[-1] is ix
        del t.indexes[ix.name]
        down = [self.create_index_sql(t, ix)] if self.d != "mysql" or last else None
        return [self.drop_index_sql(t, ix)], down

    def update(self):
        t = self.pick_table(
            lambda t: (
                t.rows and any(c.name not in {f for f, _ in t.fks.values()} for c in t.columns)
            )
        )
        if t is None:
            return None
        fk_cols = {c for c, _ in t.fks.values()}
        c = self.draw(st.sampled_from([c for c in t.columns if c.name not in fk_cols]))
        rid = self.draw(st.sampled_from(sorted(t.rows)))
        old = t.rows[rid][c.name]
        unique = c.name in t.unique_columns()
        new = (
            None
            if (c.nullable and not unique and self.draw(st.integers(0, 3)) == 0)
            else self.value(c.kind)
        )
        t.rows[rid][c.name] = new
        sql = "UPDATE {} SET {} = {} WHERE {} = {}"
        args = (self.q(t.name), self.q(c.name))
        return [sql.format(*args, literal(new, c.kind, self.d), self.q("id"), rid)], [
            sql.format(*args, literal(old, c.kind, self.d), self.q("id"), rid)
        ]

    def delete(self):
        t = self.pick_table(lambda t: any(not self.s.referencing_rows(t.name, i) for i in t.rows))
        if t is None:
            return None
        ids = [i for i in t.rows if not self.s.referencing_rows(t.name, i)]
        rid = self.draw(st.sampled_from(ids))
        down = self.full_rows_sql(t, [rid])
        del t.rows[rid]
        return [f"DELETE FROM {self.q(t.name)} WHERE {self.q('id')} = {rid}"], down

    def add_check(self):
        busy = lambda t: set(t.checks.values())  # noqa: E731
        t = self.pick_table(
            lambda t: any(c.kind in INTS and c.name not in busy(t) for c in t.columns)
        )
        if t is None:
            return None
        c = self.draw(
            st.sampled_from([c for c in t.columns if c.kind in INTS and c.name not in busy(t)])
        )
        name = self.name("ck")
        t.checks[name] = c.name
        return [
            f"ALTER TABLE {self.q(t.name)} ADD CONSTRAINT {self.q(name)} CHECK ({self.q(c.name)} >= 0)"
        ], [f"ALTER TABLE {self.q(t.name)} DROP CONSTRAINT {self.q(name)}"]

    def set_default(self):
        t = self.pick_table(lambda t: any(c.nullable for c in t.columns))
        if t is None:
            return None
        c = self.draw(st.sampled_from([c for c in t.columns if c.nullable]))
        old = c.default
        c.default = None if (old is not None and self.draw(st.booleans())) else self.value(c.kind)

        def sql(value: object) -> str:
            head = f"ALTER TABLE {self.q(t.name)} ALTER COLUMN {self.q(c.name)}"
            return (
                f"{head} DROP DEFAULT"
                if value is None
                else f"{head} SET DEFAULT {literal(value, c.kind, self.d)}"
            )

        return [sql(c.default)], [sql(old)]


# Comments before a migration's first statement (yoyo makes the first one the description,
# which lands in the revision's docstring).
COMMENTS = st.sampled_from(["", "", "-- a comment: it's 100% :fine\n", "/* block; with 'quote' */\n",
                            "-- é 日本 $$ \\ ;\n", '-- say """hi""" and \\d\n'])  # fmt: skip


@st.composite
def histories(draw, dialect: str, max_steps: int = 6) -> list[Step]:
    """A valid legacy history for `dialect` (see the section comment)."""
    state = State(dialect)
    gen = _Gen(draw, state)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        ups: list[str] = []
        downs: list[list[str] | None] = []
        slugs: list[str] = []
        for _ in range(draw(st.integers(1, 3))):
            action = draw(st.sampled_from(gen.actions()))
            made = getattr(gen, action)()
            if made is None:
                continue
            up, down = made
            ups += up
            downs.append(down)
            slugs.append(action)
        if not ups:
            continue
        down = None if any(d is None for d in downs) else [s for d in reversed(downs) for s in d]
        if down is not None and draw(st.integers(0, 5)) == 0:
            down = None  # a migration whose author wrote no down
        steps.append(Step("_".join(slugs), ups, down, draw(COMMENTS)))
    if not steps:
        up, down = gen.create_table()
        steps.append(Step("create_table", up, down))
    return steps


# ---------------------------------------------------------------------------------------
# Laying a history out in a legacy format

LAYOUTS = (
    "plain", "flyway", "golang-migrate", "dbmate", "goose", "yoyo", "liquibase", "sqitch",
    "diesel", "sqlalchemy-migrate",
)  # fmt: skip
SQITCH_ENGINES = {"postgresql": "pg", "mysql": "mysql", "sqlite": "sqlite"}


def sql_text(statements: list[str], comment: str = "") -> str:
    return comment + "".join(s + ";\n" for s in statements)


def _goose_text(statements: list[str]) -> str:
    """goose ends a statement at a line whose last word ends with `;` (words after a `--`
    word ignored): multi-line statements, or ones holding `--`, go in a StatementBegin block."""
    out = []
    for s in statements:
        if "\n" in s or "--" in s:
            out.append(f"-- +goose StatementBegin\n{s};\n-- +goose StatementEnd\n")
        else:
            out.append(s + ";\n")
    return "".join(out)


def write_history(root: Path, fmt: str, dialect: str, steps: list[Step]) -> None:
    """Write `steps` into the empty or new directory `root` in the layout of `fmt`."""
    root.mkdir(parents=True, exist_ok=True)

    def put(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    liquibase: list[str] = ["--liquibase formatted sql\n"]
    plan = ["%syntax-version=1.0.0", "%project=prop", ""]
    for i, step in enumerate(steps, 1):
        up, down = (
            sql_text(step.up, step.comment),
            None if step.down is None else sql_text(step.down),
        )
        name = f"{step.slug}_{i}"
        if fmt == "plain":
            put(f"{i:03d}_{name}.sql", up)
            if down is not None:
                put(f"{i:03d}_{name}.down.sql", down)
        elif fmt == "flyway":
            put(f"V{i}__{name}.sql", up)
            if "${" in up:
                put(f"V{i}__{name}.sql.conf", "placeholderReplacement=false\n")
            if down is not None:
                put(f"U{i}__{name}.sql", down)
                if "${" in down:
                    put(f"U{i}__{name}.sql.conf", "placeholderReplacement=false\n")
        elif fmt == "golang-migrate":
            put(f"{i:06d}_{name}.up.sql", up)
            if down is not None:
                put(f"{i:06d}_{name}.down.sql", down)
        elif fmt == "dbmate":
            text = f"-- migrate:up\n{up}\n"
            text += f"-- migrate:down\n{down or ''}"  # dbmate wants the line, even alone
            put(f"20240101{i:06d}_{name}.sql", text)
        elif fmt == "goose":
            comment = (
                step.comment if step.comment.startswith("--") else ""
            )  # else it is SQL to goose
            text = f"-- +goose Up\n{comment}{_goose_text(step.up)}\n"
            if step.down is not None:
                text += f"-- +goose Down\n{_goose_text(step.down)}"
            put(f"{i:05d}_{name}.sql", text)
        elif fmt == "yoyo":
            put(f"20240101_{i:02d}_{name}.sql", up)
            if down is not None:
                put(f"20240101_{i:02d}_{name}.rollback.sql", down)
        elif fmt == "liquibase":
            liquibase.append(f"\n--changeset prop:{i}\n{up}")
            if down is not None:
                liquibase.extend(f"--rollback {line}\n" for line in down.rstrip("\n").split("\n"))
        elif fmt == "sqitch":
            plan.append(
                f"{name} 2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z Prop <prop@example.com> # {name}"
            )
            put(f"deploy/{name}.sql", f"-- Deploy prop:{name} to {SQITCH_ENGINES[dialect]}\n\n{up}")
            put(
                f"revert/{name}.sql",
                f"-- Revert prop:{name} from {SQITCH_ENGINES[dialect]}\n\n" + (down or ""),
            )
        elif fmt == "diesel":
            put(f"2024-01-01-{i:06d}_{name}/up.sql", up)
            if down is not None:
                put(f"2024-01-01-{i:06d}_{name}/down.sql", down)
        elif fmt == "sqlalchemy-migrate":
            db = "default" if i % 2 else dialect
            put(f"versions/{i:03d}_{name}_{db}_upgrade.sql", up)
            if down is not None:
                put(f"versions/{i:03d}_{name}_{db}_downgrade.sql", down)
        else:
            raise ValueError(f"no layout for {fmt}")
    if fmt == "liquibase":
        put("changelog.sql", "".join(liquibase))
    elif fmt == "sqitch":
        put("sqitch.plan", "\n".join(plan) + "\n")
        put("sqitch.conf", f"[core]\n\tengine = {SQITCH_ENGINES[dialect]}\n")
    elif fmt == "sqlalchemy-migrate":
        put("migrate.cfg", "[db_settings]\nrepository_id=prop\nversion_table=migrate_version\n")
        put("versions/__init__.py", "")
