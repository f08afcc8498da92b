"""Synthetic legacy histories for the benchmark suite: deterministic, seeded, valid SQL.

Every corpus is a directory of plain numbered files (`00001_create_t00001.sql` plus
`00001_create_t00001.down.sql`), so `converter scan` detects it as the `plain` format:

- `ddl-N`: N migrations of schema work: tables with columns, primary keys, unique and check
  constraints and foreign keys to earlier tables; added columns, indexes, views, comments
  and routines (PostgreSQL PL/pgSQL functions, MySQL procedures without DELIMITER, SQLite
  triggers). Every migration has a down that undoes it exactly.
- `data-N`: a few tables, then N migrations of data: multi-row INSERTs with explicit ids
  (strings with quotes, `%`, `:name` and non-ASCII letters), UPDATE backfills and DELETEs;
  downs delete what the up inserted.
- `app-N` (PostgreSQL): the history of a long-lived application (`AppHistory`): enums
  extended with ADD VALUE, views and materialized views dropped and recreated, PL/pgSQL
  functions replaced, triggers, columns added, widened and backfilled, reference data.
- `seed-<MB>mb`: one table-creating migration and one seed file of that many megabytes of
  multi-row INSERTs (the "legacy seed data" case), without a down.

The same (kind, count, dialect, seed) always gives byte-identical files. Each statement ends
with `;` at the end of its line and no string literal holds `;` followed by a newline, so a
big data file can be cut between statements at any `;\\n` (the floor measurement in
`bench/run.py` relies on this for the seed file; routines only occur in ddl corpora).

Usage: python bench/generate.py [--data-dir bench/.data] [--quick] [--force]
A manifest `<corpus>.json` beside each corpus directory records its size and statement
count; a corpus whose manifest matches the generator version is not written again.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1
DEFAULT_SEED = 20240101
DIALECTS = ("postgresql", "mysql", "sqlite")
HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = HERE / ".data"

# The full suite and the --quick subset: (kind, count) pairs; seed counts are megabytes.
FULL = (
    ("ddl", 100),
    ("ddl", 1000),
    ("ddl", 5000),
    ("data", 100),
    ("data", 1000),
    ("data", 5000),
    ("seed", 100),
)
QUICK = (("ddl", 100), ("ddl", 1000), ("data", 100), ("data", 1000), ("seed", 10))
# the history of a long-lived application, PostgreSQL only (`AppHistory`)
APP = (("app", 300),)
APP_DIALECTS = ("postgresql",)


def corpora(dialect: str, quick: bool = False) -> tuple[tuple[str, float], ...]:
    """The (kind, count) pairs of the suite (or of --quick) for one dialect."""
    return (QUICK if quick else FULL) + (APP if dialect in APP_DIALECTS else ())


WORDS = (
    "account amount balance billing city code comment country created customer device "
    "discount email event invoice label line modem name note order payment plan port price "
    "quota region router service speed status street tariff ticket updated usage vendor zone"
).split()
TEXT_SNIPPETS = (
    "plain text", "O'Hara", "it''s", "100% uptime", "rate :gold", "Zürich", "São Paulo",
    "naïve café", "a \"quoted\" word", "semi; colon", "50%% off", "ĳssel", "tab\tkept",
)  # fmt: skip


@dataclass
class Table:
    name: str
    columns: list[str]  # column names, id first
    types: dict[str, str]
    text_columns: list[str] = field(default_factory=list)
    next_id: int = 1


@dataclass
class Corpus:
    """What was written: the directory, its files and totals (also the manifest)."""

    name: str
    dialect: str
    root: Path
    migrations: int = 0
    files: int = 0
    bytes: int = 0
    statements: int = 0

    def manifest(self) -> dict:
        return {
            "generator": GENERATOR_VERSION,
            "name": self.name,
            "dialect": self.dialect,
            "migrations": self.migrations,
            "files": self.files,
            "bytes": self.bytes,
            "statements": self.statements,
        }


# -- dialect pieces ---------------------------------------------------------------------------


def id_column(dialect: str) -> str:
    return {
        "postgresql": "id BIGSERIAL PRIMARY KEY",
        "mysql": "id BIGINT AUTO_INCREMENT PRIMARY KEY",
        "sqlite": "id INTEGER PRIMARY KEY",
    }[dialect]


def ref_type(dialect: str) -> str:
    return "INTEGER" if dialect == "sqlite" else "BIGINT"


def column_types(dialect: str) -> list[tuple[str, str]]:
    """(type, kind) pairs; kind picks literals: int, num, text, bool, time, date."""
    if dialect == "postgresql":
        return [("INTEGER", "int"), ("BIGINT", "int"), ("VARCHAR(120)", "text"), ("TEXT", "text"),
                ("BOOLEAN", "bool"), ("NUMERIC(12, 2)", "num"), ("TIMESTAMP", "time"), ("DATE", "date")]  # fmt: skip
    if dialect == "mysql":
        return [("INT", "int"), ("BIGINT", "int"), ("VARCHAR(120)", "text"), ("TEXT", "text"),
                ("BOOLEAN", "bool"), ("DECIMAL(12, 2)", "num"), ("DATETIME", "time"), ("DATE", "date")]  # fmt: skip
    return [("INTEGER", "int"), ("TEXT", "text"), ("VARCHAR(120)", "text"), ("REAL", "num"),
            ("NUMERIC(12, 2)", "num"), ("BOOLEAN", "bool"), ("TIMESTAMP", "time"), ("DATE", "date")]  # fmt: skip


def default_for(kind: str, dialect: str) -> str:
    return {
        "int": "0",
        "num": "0",
        "text": "''",
        "bool": "0" if dialect == "sqlite" else "FALSE",
        "time": "CURRENT_TIMESTAMP",
        "date": "'2024-01-01'",
    }[kind]


def drop_index(dialect: str, index: str, table: str) -> str:
    return f"DROP INDEX {index} ON {table};" if dialect == "mysql" else f"DROP INDEX {index};"


# -- literals ---------------------------------------------------------------------------------


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def literal(rng: random.Random, kind: str, dialect: str) -> str:
    if kind == "int":
        return str(rng.randint(-1000, 10**6))
    if kind == "num":
        return f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}"
    if kind == "bool":
        value = rng.random() < 0.5
        return ("1" if value else "0") if dialect == "sqlite" else ("TRUE" if value else "FALSE")
    if kind == "time":
        return f"'2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00'"
    if kind == "date":
        return f"'2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}'"
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    if rng.random() < 0.15:
        words += " " + rng.choice(TEXT_SNIPPETS)
    return sql_string(words)


# -- DDL-heavy histories ----------------------------------------------------------------------


class DDLHistory:
    """Schema migrations over a simulated schema, so every up and down is valid SQL."""

    def __init__(self, dialect: str, rng: random.Random) -> None:
        self.dialect = dialect
        self.rng = rng
        self.tables: list[Table] = []
        self.commented: set[str] = set()  # tables with a comment (the down sets it back to none)
        self.counter = 0

    def _name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_{self.counter:05d}"

    def migration(self, number: int) -> tuple[str, list[str], list[str]]:
        """(description, up statements, down statements in undo order)."""
        rng = self.rng
        if len(self.tables) < 3 or number % 7 == 1:
            steps = [self.create_table]
        else:
            choices = [self.add_column, self.create_index, self.create_table, self.create_view,
                       self.routine, self.comment, self.add_columns_and_index]  # fmt: skip
            steps = [rng.choice(choices) for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))]
        ups: list[str] = []
        downs: list[str] = []
        words = []
        for step in steps:
            word, up, down = step()
            words.append(word)
            ups.extend(up)
            downs[:0] = down
        return "_".join(dict.fromkeys(words)), ups, downs

    def create_table(self) -> tuple[str, list[str], list[str]]:
        rng, d = self.rng, self.dialect
        name = self._name("t")
        lines = [f"    {id_column(d)}"]
        cols = ["id"]
        types: dict[str, str] = {"id": "int"}
        text_cols = []
        for i in range(rng.randint(3, 12)):
            sql_type, kind = rng.choice(column_types(d))
            col = f"{rng.choice(WORDS)}_{i}"
            line = f"    {col} {sql_type}"
            if rng.random() < 0.5:
                line += " NOT NULL"
            if rng.random() < 0.4 and not (d == "mysql" and sql_type == "TEXT"):
                line += f" DEFAULT {default_for(kind, d)}"
            lines.append(line)
            cols.append(col)
            types[col] = kind
            if kind == "text":
                text_cols.append(col)
        parent = rng.choice(self.tables) if self.tables and rng.random() < 0.6 else None
        constraints = []
        if parent is not None:
            fk_col = f"{parent.name}_id"
            lines.append(f"    {fk_col} {ref_type(d)}")
            cols.append(fk_col)
            types[fk_col] = "int"
            action = rng.choice(("", " ON DELETE CASCADE", " ON DELETE SET NULL"))
            constraints.append(
                f"    CONSTRAINT fk_{name}_{parent.name} FOREIGN KEY ({fk_col}) REFERENCES {parent.name} (id){action}"
            )
        short = [
            c
            for c in cols[1:]
            if types[c] in ("int", "num") or (types[c] == "text" and d != "mysql")
        ]
        if short and rng.random() < 0.5:
            constraints.append(f"    CONSTRAINT uq_{name} UNIQUE ({rng.choice(short)})")
        ints = [c for c in cols[1:] if types[c] == "int" and not c.endswith("_id")]
        if ints and rng.random() < 0.4:
            constraints.append(f"    CONSTRAINT ck_{name} CHECK ({ints[0]} >= -1000)")
        body = ",\n".join(lines + constraints)
        suffix = (
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" if d == "mysql" and rng.random() < 0.5 else ""
        )
        self.tables.append(Table(name, cols, types, text_cols))
        return "create", [f"CREATE TABLE {name} (\n{body}\n){suffix};"], [f"DROP TABLE {name};"]

    def add_column(self) -> tuple[str, list[str], list[str]]:
        rng, d = self.rng, self.dialect
        table = rng.choice(self.tables)
        sql_type, kind = rng.choice(column_types(d))
        col = self._name(rng.choice(WORDS))
        spec = f"{col} {sql_type}"
        # SQLite refuses ADD COLUMN with a non-constant default (CURRENT_TIMESTAMP)
        if (
            rng.random() < 0.5
            and not (d == "mysql" and sql_type == "TEXT")
            and not (d == "sqlite" and kind == "time")
        ):
            spec += f" NOT NULL DEFAULT {default_for(kind, d)}"
        table.columns.append(col)
        table.types[col] = kind
        up = f"ALTER TABLE {table.name} ADD COLUMN {spec};"
        down = f"ALTER TABLE {table.name} DROP COLUMN {col};"
        return "add_column", [up], [down]

    def create_index(self) -> tuple[str, list[str], list[str]]:
        rng, d = self.rng, self.dialect
        table = rng.choice(self.tables)
        # MySQL: no TEXT keys; and an index on a foreign key column replaces the index MySQL
        # made for the key, so the down's DROP INDEX would fail
        usable = [
            c
            for c in table.columns[1:]
            if d != "mysql" or (table.types[c] != "text" and not c.endswith("_id"))
        ]
        if not usable:
            return self.add_column()
        cols = rng.sample(usable, min(len(usable), rng.choice((1, 1, 2))))
        name = self._name("ix")
        where = ""
        if d in ("postgresql", "sqlite") and rng.random() < 0.2:
            where = f" WHERE {cols[0]} IS NOT NULL"
        up = f"CREATE INDEX {name} ON {table.name} ({', '.join(cols)}){where};"
        return "index", [up], [drop_index(d, name, table.name)]

    def add_columns_and_index(self) -> tuple[str, list[str], list[str]]:
        _, up1, down1 = self.add_column()
        _, up2, down2 = self.create_index()
        return "columns", up1 + up2, down2 + down1

    def create_view(self) -> tuple[str, list[str], list[str]]:
        table = self.rng.choice(self.tables)
        name = self._name("v")
        cols = ", ".join(table.columns[: min(4, len(table.columns))])
        up = f"CREATE VIEW {name} AS\nSELECT {cols}\nFROM {table.name}\nWHERE id > 0;"
        return "view", [up], [f"DROP VIEW {name};"]

    def comment(self) -> tuple[str, list[str], list[str]]:
        table = self.rng.choice(self.tables)
        if table.name in self.commented or self.dialect == "sqlite":
            return self.add_column()
        self.commented.add(table.name)
        note = sql_string(" ".join(self.rng.choice(WORDS) for _ in range(5)))
        if self.dialect == "postgresql":
            return (
                "comment",
                [f"COMMENT ON TABLE {table.name} IS {note};"],
                [f"COMMENT ON TABLE {table.name} IS NULL;"],
            )
        return (
            "comment",
            [f"ALTER TABLE {table.name} COMMENT = {note};"],
            [f"ALTER TABLE {table.name} COMMENT = '';"],
        )

    def routine(self) -> tuple[str, list[str], list[str]]:
        table = self.rng.choice(self.tables)
        d = self.dialect
        if d == "postgresql":
            name = self._name("f")
            up = (
                f"CREATE OR REPLACE FUNCTION {name}(p_id BIGINT) RETURNS BIGINT AS $$\n"
                f"DECLARE\n    n BIGINT;\nBEGIN\n"
                f"    SELECT count(*) INTO n FROM {table.name} WHERE id <= p_id;\n"
                f"    RETURN n;\nEND;\n$$ LANGUAGE plpgsql;"
            )
            return "function", [up], [f"DROP FUNCTION {name}(BIGINT);"]
        if d == "mysql":
            name = self._name("p")
            up = (
                f"CREATE PROCEDURE {name}(IN p_id BIGINT)\nBEGIN\n"
                f"    DECLARE n BIGINT DEFAULT 0;\n"
                f"    SELECT count(*) INTO n FROM {table.name} WHERE id <= p_id;\n"
                f"    IF n > 0 THEN\n        SELECT n;\n    END IF;\nEND;"
            )
            return "procedure", [up], [f"DROP PROCEDURE {name};"]
        name = self._name("trg")
        up = (
            f"CREATE TRIGGER {name} AFTER DELETE ON {table.name}\nBEGIN\n"
            f"    SELECT RAISE(IGNORE) WHERE OLD.id < 0;\nEND;"
        )
        return "trigger", [up], [f"DROP TRIGGER {name};"]


# -- data-heavy histories ---------------------------------------------------------------------


DATA_TABLES = {
    "customers": [
        ("email", "text"),
        ("full_name", "text"),
        ("status", "text"),
        ("credit", "num"),
        ("active", "bool"),
        ("created_at", "time"),
    ],
    "devices": [("serial", "text"), ("model", "text"), ("port", "int"), ("installed_on", "date")],
    "usage_events": [
        ("device_id", "int"),
        ("bytes_in", "int"),
        ("bytes_out", "int"),
        ("note", "text"),
        ("seen_at", "time"),
    ],
    "invoices": [
        ("customer_id", "int"),
        ("amount", "num"),
        ("paid", "bool"),
        ("memo", "text"),
        ("issued_at", "time"),
    ],
}


def data_tables(dialect: str) -> list[Table]:
    return [
        Table(name, ["id"] + [c for c, _ in cols], {"id": "int", **dict(cols)})
        for name, cols in DATA_TABLES.items()
    ]


def create_data_table(table: Table, dialect: str) -> str:
    types = {kind: sql_type for sql_type, kind in reversed(column_types(dialect))}  # first wins
    lines = [f"    {id_column(dialect)}"]
    for col in table.columns[1:]:
        kind = table.types[col]
        lines.append(f"    {col} {'VARCHAR(200)' if kind == 'text' else types[kind]}")
    return f"CREATE TABLE {table.name} (\n" + ",\n".join(lines) + "\n);"


def insert_rows(rng: random.Random, table: Table, rows: int, dialect: str) -> tuple[str, int, int]:
    """A multi-row INSERT with explicit ids; returns (sql, first id, last id)."""
    first = table.next_id
    values = []
    for i in range(rows):
        vals = [str(first + i)] + [literal(rng, table.types[c], dialect) for c in table.columns[1:]]
        values.append("    (" + ", ".join(vals) + ")")
    table.next_id += rows
    sql = (
        f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES\n" + ",\n".join(values) + ";"
    )
    return sql, first, first + rows - 1


def data_migration(
    rng: random.Random, tables: list[Table], dialect: str
) -> tuple[str, list[str], list[str]]:
    ups: list[str] = []
    downs: list[str] = []
    words = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        table = rng.choice(tables)
        roll = rng.random()
        if roll < 0.7 or table.next_id == 1:
            sql, lo, hi = insert_rows(rng, table, rng.randint(5, 60), dialect)
            ups.append(sql)
            downs.insert(0, f"DELETE FROM {table.name} WHERE id BETWEEN {lo} AND {hi};")
            words.append(f"seed_{table.name}")
        elif roll < 0.9:
            col = rng.choice([c for c in table.columns[1:]])
            lo = rng.randint(1, table.next_id - 1)
            hi = min(table.next_id - 1, lo + rng.randint(0, 500))
            value = literal(rng, table.types[col], dialect)
            ups.append(f"UPDATE {table.name}\nSET {col} = {value}\nWHERE id BETWEEN {lo} AND {hi};")
            words.append(f"backfill_{table.name}")
        else:
            lo = rng.randint(1, table.next_id - 1)
            ups.append(f"DELETE FROM {table.name} WHERE id = {lo};")
            words.append(f"prune_{table.name}")
    return "_".join(dict.fromkeys(words)), ups, downs


# -- the history of a long-lived application (PostgreSQL) -------------------------------------


@dataclass
class View:
    """A view (or materialized view) over one table, recreated as the table grows."""

    name: str
    table: str
    materialized: bool
    definition: list[str] = field(default_factory=list)  # the current CREATE statement(s)


class AppHistory:
    """Migrations as a PostgreSQL application accumulates them over years: core tables and
    enums first, then columns added and backfilled, views and materialized views dropped
    and recreated (a column they show changes, a definition is reworked), PL/pgSQL functions
    replaced and triggers added, enums extended with ADD VALUE (each in its own migration:
    a value added in a transaction cannot be used in it), reference data seeded, indexes
    added. A down undoes its up exactly where PostgreSQL can; ADD VALUE and backfills have
    none (an enum value cannot be dropped; a backfill is not undone). Rows are seeded with
    explicit ids (nothing else inserts into those tables; `events`, filled by backfills
    through its sequence, is never seeded)."""

    CORE = {
        "users": [("email", "VARCHAR(120)", "'u@example.org'"), ("display_name", "TEXT", "''")],
        "accounts": [("plan_code", "VARCHAR(40)", "'free'"), ("balance", "NUMERIC(12, 2)", "0")],
        "products": [("sku", "VARCHAR(40)", "''"), ("price", "NUMERIC(12, 2)", "0")],
        "orders": [("total", "NUMERIC(12, 2)", "0"), ("placed_at", "TIMESTAMP", "now()")],
        "order_items": [("quantity", "INTEGER", "1"), ("unit_price", "NUMERIC(12, 2)", "0")],
        "events": [("kind", "VARCHAR(60)", "'note'"), ("payload", "JSONB", "'{}'")],
    }
    PARENTS = {"accounts": "users", "orders": "accounts", "order_items": "orders"}
    ENUMS = {"order_status": ["new", "paid"], "account_state": ["trial", "active"]}
    ENUM_COLUMNS = {"orders": "order_status", "accounts": "account_state"}
    NEW_VALUES = ("shipped", "cancelled", "refunded", "on_hold", "disputed", "archived",
                  "suspended", "closed", "reopened", "migrated", "frozen", "returned")  # fmt: skip

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.tables: dict[str, list[str]] = {}  # table -> its columns
        self.widths: dict[tuple[str, str], int] = {}  # varchar columns -> their length
        self.enum_values = {k: list(v) for k, v in self.ENUMS.items()}
        self.views: list[View] = []
        self.functions: dict[str, str] = {}  # name -> current CREATE OR REPLACE text
        self.triggers: set[str] = set()  # tables with the updated_at trigger
        self.next_ids: dict[str, int] = {}
        self.counter = 0
        self.values_left = list(self.NEW_VALUES)

    def _n(self) -> int:
        self.counter += 1
        return self.counter

    def migration(self, number: int) -> tuple[str, list[str], list[str] | None]:
        """(description, up statements, down statements or None: no down file)."""
        core = list(self.CORE)
        if number == 1:
            ups = [f"CREATE TYPE {name} AS ENUM ({', '.join(map(sql_string, values))});"
                   for name, values in self.ENUMS.items()]  # fmt: skip
            ups.append(self._touch_function())
            return (
                "enums_and_functions",
                ups,
                [
                    "DROP FUNCTION set_updated_at();",
                    *(f"DROP TYPE {name};" for name in reversed(self.ENUMS)),
                ],
            )
        if number - 2 < len(core):
            return self.create_table(core[number - 2])
        rng = self.rng
        steps = [
            (self.add_column, 22), (self.recreate_view, 14), (self.recreate_matview, 8),
            (self.widen_column, 6), (self.replace_function, 8), (self.add_trigger, 5),
            (self.enum_add_value, 5), (self.backfill, 10), (self.seed, 12),
            (self.create_index, 7), (self.refresh, 3),
        ]  # fmt: skip
        step = rng.choices([s for s, _ in steps], weights=[w for _, w in steps])[0]
        return step()

    # -- pieces

    def _touch_function(self) -> str:
        return (
            "CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$\n"
            "BEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;"
        )

    def create_table(self, name: str) -> tuple[str, list[str], list[str]]:
        lines = ["    id BIGSERIAL PRIMARY KEY"]
        cols = ["id"]
        for col, sql_type, default in self.CORE[name]:
            lines.append(f"    {col} {sql_type} NOT NULL DEFAULT {default}")
            cols.append(col)
            if sql_type.startswith("VARCHAR"):
                self.widths[(name, col)] = int(sql_type[8:-1])
        parent = self.PARENTS.get(name)
        if parent:
            lines.append(f"    {parent}_id BIGINT REFERENCES {parent} (id) ON DELETE CASCADE")
            cols.append(f"{parent}_id")
        enum = self.ENUM_COLUMNS.get(name)
        if enum:
            first = self.ENUMS[enum][0]
            lines.append(f"    state {enum} NOT NULL DEFAULT {sql_string(first)}")
            cols.append("state")
        lines.append("    updated_at TIMESTAMP NOT NULL DEFAULT now()")
        cols.append("updated_at")
        self.tables[name] = cols
        self.next_ids[name] = 1
        ups = [f"CREATE TABLE {name} (\n" + ",\n".join(lines) + "\n);"]
        return f"create_{name}", ups, [f"DROP TABLE {name};"]

    def add_column(self) -> tuple[str, list[str], list[str]]:
        table = self.rng.choice(list(self.tables))
        col = f"{self.rng.choice(WORDS)}_{self._n()}"
        sql_type, default = self.rng.choice(
            (("VARCHAR(80)", "''"), ("INTEGER", "0"), ("BOOLEAN", "FALSE"), ("TIMESTAMP", None))
        )
        spec = f"{col} {sql_type}" + (f" NOT NULL DEFAULT {default}" if default else "")
        if sql_type.startswith("VARCHAR"):
            self.widths[(table, col)] = 80
        self.tables[table].append(col)
        ups = [f"ALTER TABLE {table} ADD COLUMN {spec};"]
        if default is None:  # a nullable column, filled for the rows there are
            ups.append(f"UPDATE {table}\nSET {col} = '2024-01-01 00:00:00'\nWHERE {col} IS NULL;")
        return f"add_{col}", ups, [f"ALTER TABLE {table} DROP COLUMN {col};"]

    def _view_sql(self, view: View, columns: list[str]) -> list[str]:
        select = ", ".join(columns)
        if view.materialized:
            return [
                f"CREATE MATERIALIZED VIEW {view.name} AS\nSELECT {select}\nFROM {view.table}\n"
                "WHERE id > 0\nWITH DATA;",
                f"CREATE UNIQUE INDEX {view.name}_id ON {view.name} (id);",
            ]
        return [f"CREATE VIEW {view.name} AS\nSELECT {select}\nFROM {view.table}\nWHERE id > 0;"]

    def _drop(self, view: View) -> str:
        kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
        return f"DROP {kind} IF EXISTS {view.name};"

    def _recreate(self, materialized: bool) -> tuple[str, list[str], list[str]]:
        rng = self.rng
        existing = [v for v in self.views if v.materialized == materialized]
        if existing and rng.random() < 0.75:
            view = rng.choice(existing)
            before = view.definition
        else:
            prefix = "mv" if materialized else "v"
            view = View(f"{prefix}_{rng.choice(WORDS)}_{self._n()}", rng.choice(list(self.tables)),
                        materialized)  # fmt: skip
            self.views.append(view)
            before = []
        cols = self.tables[view.table]
        shown = ["id", *rng.sample(cols[1:], min(len(cols) - 1, rng.randint(2, 5)))]
        view.definition = self._view_sql(view, shown)
        ups = [self._drop(view), *view.definition] if before else view.definition
        downs = [self._drop(view), *before]
        word = "matview" if materialized else "view"
        return f"recreate_{word}_{view.name}", ups, downs

    def recreate_view(self) -> tuple[str, list[str], list[str]]:
        return self._recreate(False)

    def recreate_matview(self) -> tuple[str, list[str], list[str]]:
        return self._recreate(True)

    def widen_column(self) -> tuple[str, list[str], list[str]]:
        """A VARCHAR grows: the views over its table are dropped first and recreated after
        (PostgreSQL refuses to change the type of a column a view uses)."""
        table, col = self.rng.choice(sorted(self.widths))
        old = self.widths[(table, col)]
        new = old + 40
        self.widths[(table, col)] = new
        over = [v for v in self.views if v.table == table and v.definition]
        drops = [self._drop(v) for v in reversed(over)]
        creates = [sql for v in over for sql in v.definition]
        alter = f"ALTER TABLE {table} ALTER COLUMN {col} TYPE VARCHAR({{}});"
        ups = [*drops, alter.format(new), *creates]
        downs = [*drops, alter.format(old), *creates]
        return f"widen_{table}_{col}", ups, downs

    def replace_function(self) -> tuple[str, list[str], list[str]]:
        rng = self.rng
        table = rng.choice(list(self.tables))
        if self.functions and rng.random() < 0.6:
            name = rng.choice(sorted(self.functions))
        else:
            name = f"{table}_count_{self._n()}"
        before = self.functions.get(name)
        limit = rng.randint(1, 10_000)
        text = (
            f"CREATE OR REPLACE FUNCTION {name}(p_min BIGINT) RETURNS BIGINT AS $$\n"
            f"DECLARE\n    n BIGINT;\nBEGIN\n"
            f"    SELECT count(*) INTO n FROM {table} WHERE id >= p_min AND id < {limit};\n"
            f"    RETURN n;\nEND;\n$$ LANGUAGE plpgsql STABLE;"
        )
        self.functions[name] = text
        downs = [before] if before else [f"DROP FUNCTION {name}(BIGINT);"]
        return f"function_{name}", [text], downs

    def add_trigger(self) -> tuple[str, list[str], list[str]]:
        free = [t for t in self.tables if t not in self.triggers]
        if not free:
            return self.replace_function()
        table = self.rng.choice(free)
        self.triggers.add(table)
        up = (
            f"CREATE TRIGGER trg_{table}_updated_at\nBEFORE UPDATE ON {table}\n"
            "FOR EACH ROW EXECUTE FUNCTION set_updated_at();"
        )
        return f"trigger_{table}", [up], [f"DROP TRIGGER trg_{table}_updated_at ON {table};"]

    def enum_add_value(self) -> tuple[str, list[str], None]:
        if not self.values_left:
            return self.backfill()
        enum = self.rng.choice(sorted(self.enum_values))
        value = self.values_left.pop(0)
        self.enum_values[enum].append(value)
        return f"{enum}_{value}", [f"ALTER TYPE {enum} ADD VALUE {sql_string(value)};"], None

    def backfill(self) -> tuple[str, list[str], None]:
        rng = self.rng
        table = rng.choice(sorted(self.ENUM_COLUMNS))
        enum = self.ENUM_COLUMNS[table]
        value = rng.choice(self.enum_values[enum])
        hi = max(1, self.next_ids[table] - 1)
        lo = rng.randint(1, hi)
        ups = [
            f"UPDATE {table}\nSET state = {sql_string(value)}, updated_at = now()\n"
            f"WHERE id BETWEEN {lo} AND {hi};",
            f"INSERT INTO events (kind, payload)\nSELECT 'backfill', json_build_object('table', "
            f"'{table}', 'rows', count(*))::jsonb\nFROM {table}\nWHERE state = {sql_string(value)};",
        ]
        return f"backfill_{table}_{value}", ups, None

    def seed(self) -> tuple[str, list[str], list[str]]:
        rng = self.rng
        table = rng.choice([t for t in self.tables if t != "events"])  # events: by sequence
        cols = [c for c in self.tables[table] if c != "id" and not c.endswith("_id")]
        first = self.next_ids[table]
        count = rng.randint(3, 20)
        rows = []
        for i in range(count):
            values = [str(first + i)]
            for c in cols:
                width = self.widths.get((table, c))
                if width is not None:
                    values.append(sql_string(f"{rng.choice(WORDS)} {first + i}"[:width]))
                elif c == "state":
                    values.append(sql_string(self.enum_values[self.ENUM_COLUMNS[table]][0]))
                elif c in ("updated_at", "placed_at"):
                    values.append("'2024-01-01 00:00:00'")
                else:
                    values.append(self._literal(table, c))
            rows.append("    (" + ", ".join(values) + ")")
        self.next_ids[table] += count
        up = f"INSERT INTO {table} ({', '.join(['id', *cols])}) VALUES\n" + ",\n".join(rows) + ";"
        return (
            f"seed_{table}",
            [up],
            [f"DELETE FROM {table} WHERE id BETWEEN {first} AND {first + count - 1};"],
        )

    def _literal(self, table: str, col: str) -> str:
        spec = dict((c, t) for c, t, _ in self.CORE.get(table, []))
        sql_type = spec.get(col)
        if sql_type == "JSONB":
            return "'{\"seeded\": true}'"
        if sql_type == "TEXT":
            return sql_string(self.rng.choice(TEXT_SNIPPETS).replace(";", ","))
        if sql_type and sql_type.startswith("NUMERIC"):
            return f"{self.rng.randint(0, 9999)}.{self.rng.randint(0, 99):02d}"
        if sql_type == "INTEGER":
            return str(self.rng.randint(1, 50))
        return "DEFAULT"

    def create_index(self) -> tuple[str, list[str], list[str]]:
        table = self.rng.choice(list(self.tables))
        col = self.rng.choice(self.tables[table][1:])
        name = f"ix_{table}_{col}_{self._n()}"
        return (
            f"index_{table}_{col}",
            [f"CREATE INDEX {name} ON {table} ({col});"],
            [f"DROP INDEX {name};"],
        )

    def refresh(self) -> tuple[str, list[str], list[str]]:
        mats = [v for v in self.views if v.materialized]
        if not mats:
            return self.recreate_matview()
        view = self.rng.choice(mats)
        return f"refresh_{view.name}", [f"REFRESH MATERIALIZED VIEW {view.name};"], []


# -- writing ----------------------------------------------------------------------------------


def _write(path: Path, statements: list[str], header: str) -> int:
    text = f"-- {header}\n" + "\n\n".join(statements) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return len(text.encode("utf-8"))


def generate_history(
    root: Path, kind: str, count: int, dialect: str, seed: int = DEFAULT_SEED
) -> Corpus:
    """Write a `ddl` or `data` history of `count` migrations into `root` (emptied first)."""
    if kind not in ("ddl", "data", "app"):
        raise ValueError(f"unknown history kind {kind!r}")
    if kind == "app" and dialect not in APP_DIALECTS:
        raise ValueError(f"the app history is written for {', '.join(APP_DIALECTS)} only")
    _fresh(root)
    corpus = Corpus(f"{kind}-{count}", dialect, root)
    rng = random.Random(f"{seed}:{kind}:{count}:{dialect}")
    width = max(5, len(str(count)))
    ddl = DDLHistory(dialect, rng)
    app = AppHistory(rng)
    tables = data_tables(dialect)
    for number in range(1, count + 1):
        downs: list[str] | None
        if kind == "ddl":
            desc, ups, downs = ddl.migration(number)
        elif kind == "app":
            desc, ups, downs = app.migration(number)
        elif number <= len(tables):
            table = tables[number - 1]
            desc, ups, downs = (
                f"create_{table.name}",
                [create_data_table(table, dialect)],
                [f"DROP TABLE {table.name};"],
            )
        else:
            desc, ups, downs = data_migration(rng, tables, dialect)
        stem = f"{number:0{width}d}_{desc}"
        corpus.bytes += _write(
            root / f"{stem}.sql", ups, f"migration {number}: {desc.replace('_', ' ')}"
        )
        corpus.files += 1
        if downs is not None:
            corpus.bytes += _write(root / f"{stem}.down.sql", downs, f"undo migration {number}")
            corpus.files += 1
        corpus.statements += len(ups) + len(downs or ())
        corpus.migrations += 1
    return corpus


def seed_statements(
    rng: random.Random, table: Table, target_bytes: int, dialect: str
) -> Iterator[str]:
    written = 0
    while written < target_bytes:
        sql, _, _ = insert_rows(rng, table, 200, dialect)
        written += len(sql.encode("utf-8")) + 2
        yield sql


def generate_seed(root: Path, megabytes: float, dialect: str, seed: int = DEFAULT_SEED) -> Corpus:
    """Write a two-migration history whose second file holds `megabytes` MB of INSERTs."""
    _fresh(root)
    corpus = Corpus(f"seed-{megabytes:g}mb", dialect, root)
    rng = random.Random(f"{seed}:seed:{megabytes}:{dialect}")
    table = data_tables(dialect)[0]
    corpus.bytes += _write(
        root / "001_create_customers.sql", [create_data_table(table, dialect)], "customers"
    )
    corpus.bytes += _write(
        root / "001_create_customers.down.sql", [f"DROP TABLE {table.name};"], "undo"
    )
    corpus.statements += 2
    path = root / "002_seed_customers.sql"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("-- legacy seed data: customers\n")
        for sql in seed_statements(rng, table, int(megabytes * 1_000_000), dialect):
            fh.write(sql)
            fh.write("\n\n")
            corpus.statements += 1
    corpus.bytes += path.stat().st_size
    corpus.files = 3
    corpus.migrations = 2
    return corpus


def _fresh(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)


def corpus_name(kind: str, count: float) -> str:
    return f"seed-{count:g}mb" if kind == "seed" else f"{kind}-{count}"


def ensure_corpus(
    data_dir: Path, kind: str, count: float, dialect: str, force: bool = False
) -> Corpus:
    """The corpus under `data_dir/<dialect>/<name>/`, generated unless already there."""
    name = corpus_name(kind, count)
    root = data_dir / dialect / name
    manifest = data_dir / dialect / f"{name}.json"
    if not force and root.is_dir() and manifest.is_file():
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if info.get("generator") == GENERATOR_VERSION:
            fields = {k: info[k] for k in ("migrations", "files", "bytes", "statements")}
            return Corpus(name, dialect, root, **fields)
    manifest.unlink(missing_ok=True)
    if kind == "seed":
        corpus = generate_seed(root, count, dialect)
    else:
        corpus = generate_history(root, kind, int(count), dialect)
    manifest.write_text(json.dumps(corpus.manifest(), indent=2) + "\n", encoding="utf-8")
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--quick", action="store_true", help="only the small corpora (and a 10 MB seed)"
    )
    parser.add_argument(
        "--dialect", action="append", choices=DIALECTS, help="repeatable; default all three"
    )
    parser.add_argument(
        "--force", action="store_true", help="write the corpora again even if present"
    )
    args = parser.parse_args(argv)
    for dialect in args.dialect or DIALECTS:
        for kind, count in QUICK if args.quick else FULL:
            c = ensure_corpus(args.data_dir, kind, count, dialect, force=args.force)
            print(f"{dialect:<10} {c.name:<12} {c.migrations:>6} migrations {c.statements:>8} statements "
                  f"{c.bytes / 1e6:>8.1f} MB  {c.root}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
