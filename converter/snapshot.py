"""Schema + data snapshots of a live database, to prove two builds of it equal.

`take_snapshot(conn)` turns a database into a `SchemaSnapshot`: plain, sorted JSON-ready data
(dicts, lists, strings, numbers) that is equal for two databases exactly when their schemas
and table contents are equal. It is the oracle behind `verify`: build one database with the
legacy history and one with the generated Alembic revisions, snapshot both, diff
(`converter.diff`). Alembic's own `compare_metadata` cannot serve: it misses CHECK bodies,
PostgreSQL enum labels, views, sequences, functions and triggers (PITFALLS 8).

What goes in:
- tables, from SQLAlchemy's bulk reflection (`Inspector.get_multi_*`): columns (type rendered
  by the dialect's compiler, nullability, default, identity, comment), primary key, foreign
  keys, indexes, unique and check constraints, comment;
- what SQLAlchemy does not reflect, one catalog query per kind:
  PostgreSQL enums, sequences, views, materialized views, functions, triggers, extensions,
  schemas, domains, composite types, policies, index definitions (`pg_get_indexdef`),
  exclusion constraints, deferrable / NOT VALID constraint flags, table persistence,
  options, row security and partitioning;
  MySQL/MariaDB table engine, row format, charset/collation and options, column
  charset/collation/extra, every CHECK (SQLAlchemy misses MariaDB's column-level ones),
  views, triggers, functions, procedures, events;
  SQLite every `sqlite_master` SQL text (whitespace normalised), `PRAGMA foreign_key_list`
  (SQLAlchemy misses ON DELETE of an inline REFERENCES), `PRAGMA table_xinfo` declared
  types, `PRAGMA index_list/index_xinfo` (including the automatic indexes of inline UNIQUE),
  views and triggers;
- data (optional): per table a row count and an order-independent SHA-256 content digest.

What stays out, because it says nothing about the schema: the migration tools' own tracking
tables (`DEFAULT_TRACKING_TABLES`) and everything hanging off them, MySQL AUTO_INCREMENT and
sequence current values (they depend on data: PITFALLS 9), SQLite's `sqlite_sequence`,
timestamps, owners, definers and tablespaces (they depend on who built the database where),
the database's own name (MySQL writes it into view definitions: it is removed).

Table and object names are bare in the default schema and `schema.name` elsewhere.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

DEFAULT_TRACKING_TABLES: frozenset[str] = frozenset(
    {
        "alembic_version",
        "flyway_schema_history",
        "schema_version",
        "schema_migrations",
        "__diesel_schema_migrations",
        "goose_db_version",
        "databasechangelog",
        "databasechangeloglock",
        "_yoyo_migration",
        "_yoyo_log",
        "_yoyo_version",
        "yoyo_lock",
        "migrate_version",
        "sqitch.*",
    }
)
"""Tables no snapshot looks at. An entry is a bare table name (any schema), `schema.table`,
or `schema.*` (a whole schema, such as Sqitch's registry)."""

SCHEMA_VERSION = 1  # bump when the snapshot layout changes: old JSON is then refused

STREAM_BATCH = 2000  # rows fetched per round trip when reading table contents

PG_SYSTEM_SCHEMA = re.compile(r"^(pg_|information_schema$)")
WHITESPACE = re.compile(r"\s+")
SQL_QUOTED = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]""")
SPACE_BEFORE_PUNCT = re.compile(r" (?=[(),;])")
SPACE_AFTER_PUNCT = re.compile(r"(?<=[(,]) ")
COMMA_WITHOUT_SPACE = re.compile(r",(?! )")
SQL_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
SQLITE_NOW = re.compile(
    r"\b(?:date|time|datetime|julianday|strftime|unixepoch)\s*\([^)]*'now'", re.I
)
VOLATILE_KEYWORD = re.compile(
    r"\b(?:current_timestamp|current_date|current_time|localtime|localtimestamp|"
    r"utc_timestamp|utc_date|utc_time)\b",
    re.I,
)
VOLATILE_CALL = re.compile(
    r"\b(?:now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday|sysdate|"
    r"unix_timestamp|random|rand|randomblob|gen_random_uuid|uuid|uuid_short|"
    r"uuid_generate_v1|uuid_generate_v1mc|uuid_generate_v4|sys_guid|newid)\s*\(",
    re.I,
)
"""A column whose default (or MySQL ON UPDATE) is one of these gets a different value in
every build, so its contents are compared by row count only. `nextval()` is not here:
serial ids come out the same when the same inserts run in the same order, and are compared."""


@dataclass
class SchemaSnapshot:
    """A database's schema (and optionally data), as plain sorted JSON-ready values.

    `tables`: table name -> facts (columns, column_order, primary_key, foreign_keys,
    indexes, unique_constraints, check_constraints, comment, options, sql, ...).
    `objects`: kind ("views", "sequences", "enums", "functions", "triggers", ...) ->
    name -> facts. `data`: table name -> {"rows", "digest", "volatile_columns"}, or None
    when the snapshot was taken with data=False.
    """

    dialect: str
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": SCHEMA_VERSION,
            "dialect": self.dialect,
            "tables": self.tables,
            "objects": self.objects,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> SchemaSnapshot:
        if doc.get("format") != SCHEMA_VERSION:
            raise ValueError(
                f"snapshot format {doc.get('format')!r} is not {SCHEMA_VERSION}: "
                "take the snapshot again with this version of converter"
            )
        return cls(
            dialect=doc["dialect"],
            tables=doc["tables"],
            objects=doc["objects"],
            data=doc.get("data"),
        )

    def canonical(self) -> str:
        """The snapshot as canonical JSON text: equal snapshots give identical text."""
        return canonical_json(self.to_json())

    def fingerprint(self) -> str:
        """SHA-256 of the schema part only (dialect, tables, objects), not the data."""
        schema = {"dialect": self.dialect, "tables": self.tables, "objects": self.objects}
        return hashlib.sha256(canonical_json(schema).encode("utf-8")).hexdigest()


def canonical_json(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def take_snapshot(
    conn: sa.Connection,
    *,
    data: bool = True,
    exclude_tables: Iterable[str] = DEFAULT_TRACKING_TABLES,
) -> SchemaSnapshot:
    """Snapshot the database `conn` is connected to (its current database; on PostgreSQL
    every non-system schema). Reads only; with data=True reads every table once, streamed."""
    reader = _Reader(conn, _Excluder(exclude_tables))
    _reflect(reader)
    return SchemaSnapshot(
        dialect=conn.dialect.name,
        tables=plain(reader.tables),
        objects=_objects(reader),
        data=_read_data(conn, _data_items(reader.tables, reader.locations)) if data else None,
    )


def _reflect(reader: _Reader, reused: Iterable[str] = ()) -> None:
    """Reflect the tables (but those in `reused`), then the dialect's catalog extras: every
    non-table object, and what SQLAlchemy misses about the reflected tables."""
    with warnings.catch_warnings():
        # types SQLAlchemy does not know (citext, ltree, ...) are named from the catalog
        warnings.filterwarnings("ignore", "Did not recognize type", sa.exc.SAWarning)
        # expression indexes SQLAlchemy skips are read from the catalog (SQLite PRAGMAs)
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        reader.reflect_tables(reused)
    extra = DIALECT_EXTRAS.get(reader.conn.dialect.name)
    if extra is not None:
        extra(reader)


def _objects(reader: _Reader) -> dict[str, dict[str, Any]]:
    return plain(
        {kind: dict(sorted(objs.items())) for kind, objs in sorted(reader.objects.items()) if objs}
    )


class _Excluder:
    """Decides which tables and schemas are someone else's bookkeeping."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.entries = frozenset(entry.lower() for entry in entries)

    def schema(self, schema: str | None) -> bool:
        return schema is not None and f"{schema.lower()}.*" in self.entries

    def table(self, schema: str | None, name: str) -> bool:
        name = name.lower()
        if name in self.entries or self.schema(schema):
            return True
        return schema is not None and f"{schema.lower()}.{name}" in self.entries


class _Reader:
    """Everything one snapshot collects while it is being taken."""

    def __init__(self, conn: sa.Connection, excluder: _Excluder) -> None:
        self.conn = conn
        self.excluder = excluder
        self.inspector = sa.inspect(conn)
        self.default_schema = self.inspector.default_schema_name
        self.schemas = self._schemas()
        self.tables: dict[str, dict[str, Any]] = {}  # the tables reflected by this reader
        self.known: set[str] = set()  # every table of the snapshot, reflected here or not
        self.master: list[sa.RowMapping] | None = None  # SQLite: sqlite_master, once read
        self.locations: dict[str, tuple[str | None, str]] = {}  # table key -> (schema, name)
        self.reflected_fks: dict[str, list[dict[str, Any]]] = {}  # as SQLAlchemy gave them
        self.objects: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    @property
    def has_schemas(self) -> bool:
        """PostgreSQL: schemas inside the database. Elsewhere the database is the schema."""
        return self.conn.dialect.name == "postgresql"

    def _schemas(self) -> list[str | None]:
        """None (the default schema) plus, on PostgreSQL, every other user schema."""
        if not self.has_schemas:
            return [None]
        others = [
            name
            for name in self.inspector.get_schema_names()
            if not PG_SYSTEM_SCHEMA.match(name)
            and name != self.default_schema
            and not self.excluder.schema(name)
        ]
        return [None, *sorted(others)]

    @property
    def schema_names(self) -> list[str]:
        """Real names of the schemas looked at (for catalog queries)."""
        return [self.default_schema if s is None else s for s in self.schemas]

    def key(self, schema: str | None, name: str) -> str:
        """The snapshot's name for an object: bare in the default schema."""
        if schema is None or schema == self.default_schema:
            return name
        return f"{schema}.{name}"

    def table_for(self, schema: str | None, name: str) -> dict[str, Any] | None:
        """The facts of a snapshotted table, or None when it is excluded or unknown."""
        return self.tables.get(self.key(schema, name))

    def has_table(self, schema: str | None, name: str) -> bool:
        """Whether the snapshot has this table (reflected by this reader or reused)."""
        return self.key(schema, name) in self.known

    def rows(self, sql: str, **params: Any) -> list[sa.RowMapping]:
        return list(self.conn.execute(sa.text(sql), params).mappings())

    def reflect_tables(self, reused: Iterable[str] = ()) -> None:
        """Find every table and reflect it, but for the keys in `reused`: those are only
        `known` (their facts are the caller's)."""
        reused = set(reused)
        for schema in self.schemas:
            where = (schema or self.default_schema) if self.has_schemas else None
            names = [
                n
                for n in self.inspector.get_table_names(schema=schema)
                if not self.excluder.table(where, n)
            ]
            for n in names:
                key = self.key(schema, n)
                self.known.add(key)
                self.locations[key] = (schema, n)
            names = [n for n in names if self.key(schema, n) not in reused]
            if names:
                self._reflect_schema(schema, names)
        self.tables = dict(sorted(self.tables.items()))

    def _reflect_schema(self, schema: str | None, names: list[str]) -> None:
        ins, kw = self.inspector, {"schema": schema, "filter_names": names}
        columns = ins.get_multi_columns(**kw)
        pks = ins.get_multi_pk_constraint(**kw)
        fks = ins.get_multi_foreign_keys(**kw)
        replaced = REPLACED_REFLECTIONS.get(self.conn.dialect.name, ())
        indexes = {} if "indexes" in replaced else _optional(ins.get_multi_indexes, kw)
        uniques = _optional(ins.get_multi_unique_constraints, kw)
        checks = {} if "checks" in replaced else _optional(ins.get_multi_check_constraints, kw)
        comments = _optional(ins.get_multi_table_comment, kw)
        dialect = self.conn.dialect
        for (_, name), cols in columns.items():
            where = (schema, name)
            key = self.key(schema, name)
            self.locations[key] = (schema, name)
            self.reflected_fks[key] = fks.get(where, [])
            self.tables[key] = _drop_empty(
                {
                    "columns": {c["name"]: _column_facts(c, dialect) for c in cols},
                    "column_order": [c["name"] for c in cols],
                    "primary_key": _pk_facts(pks.get(where)),
                    "foreign_keys": _keyed(fks.get(where, []), _fk_key, _fk_facts),
                    "indexes": _keyed(indexes.get(where, []), _index_key, _index_facts),
                    "unique_constraints": _keyed(
                        uniques.get(where, []), _unique_key, _unique_facts
                    ),
                    "check_constraints": _keyed(checks.get(where, []), _check_key, _check_facts),
                    "comment": (comments.get(where) or {}).get("text"),
                },
                keep=("columns", "column_order"),
            )


REPLACED_REFLECTIONS = {
    "sqlite": ("indexes",),  # PRAGMA index_list/index_xinfo: also the automatic indexes
    "mysql": ("checks",),  # information_schema: also MariaDB's column-level CHECKs
    "mariadb": ("checks",),
}
"""SQLAlchemy reflections a dialect's catalog queries replace: not asked for at all."""

UNKNOWN_TYPE = "NullType()"  # a column type SQLAlchemy did not recognise; the catalog names it


# ---------------------------------------------------------------------------------------
# Normalising SQLAlchemy's reflected dictionaries


def _optional(method: Callable[..., dict], kw: dict[str, Any]) -> dict:
    """A bulk reflection the dialect may not have (SQLite has no table comments)."""
    try:
        return method(**kw)
    except NotImplementedError:
        return {}


def plain(value: Any) -> Any:
    """Any reflected value as JSON-ready data, deterministically."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value else "NaN"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, Decimal):
        return render_decimal(value)
    if isinstance(value, sa.TextClause):
        return value.text
    return str(value)


def _reflected(item: dict[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    """A reflected dict as plain facts; dialect options at their defaults (empty, False)
    are dropped, so a dialect that spells out a default and one that omits it agree."""
    facts = {k: plain(v) for k, v in item.items() if k not in skip}
    options = facts.get("dialect_options")
    if isinstance(options, dict):
        facts["dialect_options"] = {
            k: v for k, v in options.items() if v not in (None, False, [], {}, "")
        }
    return facts


def _drop_empty(facts: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """Facts without None/empty values: absent and empty read the same in a diff."""
    kept = set(keep)
    return {k: v for k, v in facts.items() if k in kept or v not in (None, {}, [], "")}


def _type_text(type_: Any, dialect: sa.Dialect) -> str:
    if isinstance(type_, sa.types.NullType):
        return UNKNOWN_TYPE
    try:
        return str(type_.compile(dialect=dialect))
    except sa.exc.SQLAlchemyError:
        return repr(type_)


def _column_facts(col: dict[str, Any], dialect: sa.Dialect) -> dict[str, Any]:
    facts = _reflected(col, ("name", "type", "primary_key"))
    facts["type"] = _type_text(col["type"], dialect)
    facts["nullable"] = bool(col.get("nullable", True))
    return _drop_empty(facts, keep=("type", "nullable"))


def _pk_facts(pk: dict[str, Any] | None) -> dict[str, Any] | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    facts = _reflected(pk, ("constrained_columns",))
    facts["columns"] = list(pk["constrained_columns"])
    return _drop_empty(facts)


def _keyed(
    items: Iterable[dict[str, Any]],
    key: Callable[[dict[str, Any]], str],
    facts: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Members (indexes, constraints) by name, or by a signature when unnamed; sorted."""
    out: dict[str, dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: canonical_json(plain(i))):
        name = key(item)
        unique, n = name, 1
        while unique in out:
            n += 1
            unique = f"{name} #{n}"
        out[unique] = facts(item)
    return dict(sorted(out.items()))


def _columns_text(cols: Iterable[str | None]) -> str:
    return ", ".join(c if c is not None else "<expr>" for c in cols)


def _referred(fk: dict[str, Any]) -> str:
    table = fk["referred_table"]
    return f"{fk['referred_schema']}.{table}" if fk.get("referred_schema") else table


def _fk_key(fk: dict[str, Any]) -> str:
    if fk.get("name"):
        return fk["name"]
    cols = _columns_text(fk["constrained_columns"])
    return f"({cols}) -> {_referred(fk)}({_columns_text(fk['referred_columns'])})"


def _fk_action(value: Any) -> str | None:
    """ON DELETE/UPDATE as written; NO ACTION is the default and reads as absent."""
    if value is None:
        return None
    text = str(value).upper()
    return None if text in ("NO ACTION", "NONE", "") else text


def _fk_facts(fk: dict[str, Any]) -> dict[str, Any]:
    options = fk.get("options") or {}
    facts = {
        "columns": list(fk["constrained_columns"]),
        "referred_table": _referred(fk),
        "referred_columns": list(fk["referred_columns"]),
        "ondelete": _fk_action(options.get("ondelete")),
        "onupdate": _fk_action(options.get("onupdate")),
        "match": _fk_action(options.get("match")),
        "deferrable": options.get("deferrable") or None,
        "initially": _fk_action(options.get("initially")),
        "comment": fk.get("comment"),
    }
    if facts["initially"] == "IMMEDIATE":
        facts["initially"] = None
    return _drop_empty(facts)


def _index_key(ix: dict[str, Any]) -> str:
    return ix.get("name") or f"INDEX ({_columns_text(ix.get('column_names') or [])})"


def _index_facts(ix: dict[str, Any]) -> dict[str, Any]:
    facts = _reflected(ix, ("name", "column_names", "include_columns"))
    facts["columns"] = list(ix.get("column_names") or [])
    facts["unique"] = bool(ix.get("unique"))
    return _drop_empty(facts, keep=("columns", "unique"))


def _unique_key(uc: dict[str, Any]) -> str:
    return uc.get("name") or f"UNIQUE ({_columns_text(uc['column_names'])})"


def _unique_facts(uc: dict[str, Any]) -> dict[str, Any]:
    facts = _reflected(uc, ("name", "column_names"))
    facts["columns"] = list(uc["column_names"])
    return _drop_empty(facts, keep=("columns",))


def _check_key(ck: dict[str, Any]) -> str:
    return ck.get("name") or f"CHECK ({ck['sqltext']})"


def _check_facts(ck: dict[str, Any]) -> dict[str, Any]:
    facts = _reflected(ck, ("name",))
    return _drop_empty(facts, keep=("sqltext",))


def normalise_sql(sql: str | None) -> str | None:
    """SQL text with insignificant whitespace removed: outside quotes, every run of
    whitespace becomes one space; none is kept around parentheses or before a comma, and
    exactly one follows a comma."""
    if sql is None:
        return None
    return _normalise_sql(sql)


@functools.lru_cache(maxsize=4096)  # snapshot after snapshot reads the same SQL texts
def _normalise_sql(sql: str) -> str:
    out, pos = [], 0
    for match in SQL_QUOTED.finditer(sql):
        out.append(_squeeze(sql[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_squeeze(sql[pos:]))
    return "".join(out).strip()


def _squeeze(text: str) -> str:
    text = WHITESPACE.sub(" ", text)
    text = SPACE_AFTER_PUNCT.sub("", SPACE_BEFORE_PUNCT.sub("", text))
    return COMMA_WITHOUT_SPACE.sub(", ", text)


# ---------------------------------------------------------------------------------------
# PostgreSQL: the catalog knows what SQLAlchemy does not reflect

PG_NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{catalog}'::regclass
    AND d.objid = {oid} AND d.deptype = 'e')"""

PG_COLUMN_TYPES = """
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS type
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname = ANY(:schemas)
"""

PG_TABLE_OPTIONS = """
SELECT n.nspname AS schema, c.relname AS name, c.relkind, c.relpersistence, c.reloptions,
       c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
       pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
       (SELECT array_agg(pn.nspname || '.' || p.relname ORDER BY i.inhseqno)
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid) AS inherits
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)
"""

PG_INDEXES = """
SELECT n.nspname AS schema, c.relname AS table_name, c.relkind, i.relname AS name,
       pg_get_indexdef(x.indexrelid) AS definition, x.indisvalid, x.indisclustered
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(:schemas)
"""

PG_CONSTRAINTS = """
SELECT n.nspname AS schema, c.relname AS table_name, k.conname AS name, k.contype,
       k.condeferrable, k.condeferred, k.convalidated, k.connoinherit,
       pg_get_constraintdef(k.oid, true) AS definition
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE k.conrelid <> 0 AND n.nspname = ANY(:schemas)
"""

PG_ENUMS = f"""
SELECT n.nspname AS schema, t.typname AS name,
       array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = ANY(:schemas) AND {PG_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
GROUP BY n.nspname, t.typname
"""

PG_DOMAINS = f"""
SELECT n.nspname AS schema, t.typname AS name,
       format_type(t.typbasetype, t.typtypmod) AS base_type, t.typnotnull AS not_null,
       t.typdefault AS default,
       (SELECT json_object_agg(k.conname, pg_get_constraintdef(k.oid, true))
          FROM pg_constraint k WHERE k.contypid = t.oid) AS constraints
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'd' AND n.nspname = ANY(:schemas)
  AND {PG_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
"""

PG_COMPOSITES = f"""
SELECT n.nspname AS schema, t.typname AS name,
       (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
          FROM pg_attribute a
         WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) AS attributes
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
WHERE n.nspname = ANY(:schemas) AND {PG_NOT_EXTENSION.format(catalog="pg_type", oid="t.oid")}
"""

PG_SEQUENCES = f"""
SELECT n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS min, s.seqmax AS max,
       s.seqcycle AS cycle, s.seqcache AS cache,
       own.nspname AS owner_schema, own.relname AS owner_table, own.attname AS owner_column,
       own.deptype AS owner_kind
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT tn.nspname, t.relname, a.attname, d.deptype
      FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
      JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
     LIMIT 1) own ON true
WHERE n.nspname = ANY(:schemas) AND {PG_NOT_EXTENSION.format(catalog="pg_class", oid="c.oid")}
"""

PG_VIEWS = f"""
SELECT n.nspname AS schema, c.relname AS name, c.relkind, c.reloptions, c.relispopulated,
       pg_get_viewdef(c.oid, true) AS definition
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(:schemas)
  AND {PG_NOT_EXTENSION.format(catalog="pg_class", oid="c.oid")}
"""

PG_FUNCTIONS = f"""
SELECT n.nspname AS schema, p.proname AS name, p.prokind,
       pg_get_function_identity_arguments(p.oid) AS arguments,
       CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
       a.aggtransfn::regprocedure::text AS transition,
       NULLIF(a.aggfinalfn::oid, 0)::regprocedure::text AS final,
       format_type(a.aggtranstype, NULL) AS state_type, a.agginitval AS initial
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE n.nspname = ANY(:schemas) AND {PG_NOT_EXTENSION.format(catalog="pg_proc", oid="p.oid")}
"""

PG_TRIGGERS = """
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name, t.tgenabled AS enabled,
       pg_get_triggerdef(t.oid, true) AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY(:schemas)
"""

PG_POLICIES = """
SELECT schemaname AS schema, tablename AS table_name, policyname AS name, permissive,
       roles::text[] AS roles, cmd, qual, with_check
FROM pg_policies WHERE schemaname = ANY(:schemas)
"""

PG_EXTENSIONS = """
SELECT e.extname AS name, e.extversion AS version, n.nspname AS schema
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
"""

PG_FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window"}
PG_TRIGGER_ENABLED = {"O": None, "D": "disabled", "R": "replica", "A": "always"}


def _pg_extras(r: _Reader) -> None:
    schemas = r.schema_names
    if _has_unknown_types(r):
        _name_unknown_types(r, r.rows(PG_COLUMN_TYPES, schemas=schemas))
    _pg_table_options(r, r.rows(PG_TABLE_OPTIONS, schemas=schemas))
    matview_indexes = _pg_indexes(r, r.rows(PG_INDEXES, schemas=schemas))
    _pg_constraints(r, r.rows(PG_CONSTRAINTS, schemas=schemas))
    r.objects["schemas"] = {name: {} for name in schemas}
    for row in r.rows(PG_ENUMS, schemas=schemas):
        r.objects["enums"][r.key(row["schema"], row["name"])] = {"labels": list(row["labels"])}
    for row in r.rows(PG_DOMAINS, schemas=schemas):
        r.objects["domains"][r.key(row["schema"], row["name"])] = _drop_empty(
            {
                "type": row["base_type"],
                "not_null": row["not_null"] or None,
                "default": row["default"],
                "constraints": row["constraints"],
            },
            keep=("type",),
        )
    for row in r.rows(PG_COMPOSITES, schemas=schemas):
        r.objects["types"][r.key(row["schema"], row["name"])] = {
            "attributes": list(row["attributes"] or [])
        }
    _pg_sequences(r, r.rows(PG_SEQUENCES, schemas=schemas))
    _pg_views(r, r.rows(PG_VIEWS, schemas=schemas), matview_indexes)
    _pg_functions(r, r.rows(PG_FUNCTIONS, schemas=schemas))
    _pg_triggers(r, r.rows(PG_TRIGGERS, schemas=schemas))
    _pg_policies(r, r.rows(PG_POLICIES, schemas=schemas))
    for row in r.rows(PG_EXTENSIONS):
        r.objects["extensions"][row["name"]] = {"version": row["version"], "schema": row["schema"]}


def _has_unknown_types(r: _Reader) -> bool:
    return any(c["type"] == UNKNOWN_TYPE for t in r.tables.values() for c in t["columns"].values())


def _name_unknown_types(r: _Reader, rows: list[sa.RowMapping]) -> None:
    """Columns of types SQLAlchemy does not know get the catalog's name for the type, so
    citext and ltree do not both read as "unknown"."""
    for row in rows:
        table = r.table_for(row.get("schema"), row["table_name"])
        column = table["columns"].get(row["name"]) if table else None
        if column is not None and column["type"] == UNKNOWN_TYPE:
            column["type"] = row["type"]


def _pg_qualified_key(r: _Reader, qualified: str) -> str:
    schema, _, name = qualified.partition(".")
    return r.key(schema, name)


def _pg_table_options(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(row["schema"], row["name"])
        if table is None:
            continue
        options = _drop_empty(
            {
                "persistence": {"u": "unlogged", "t": "temporary"}.get(row["relpersistence"]),
                "storage_options": sorted(row["reloptions"] or []),
                "row_security": row["relrowsecurity"] or None,
                "force_row_security": row["relforcerowsecurity"] or None,
                "replica_identity": None if row["relreplident"] == "d" else row["relreplident"],
                "partition_key": row["partition_key"],
                "partition_bound": row["partition_bound"],
                "inherits": [_pg_qualified_key(r, p) for p in row["inherits"] or []],
            }
        )
        if options:
            table["options"] = options


def _pg_index_facts(row: sa.RowMapping) -> dict[str, Any]:
    return _drop_empty(
        {
            "definition": row["definition"],
            "valid": None if row["indisvalid"] else False,
            "clustered": row["indisclustered"] or None,
        }
    )


def _pg_indexes(r: _Reader, rows: list[sa.RowMapping]) -> dict[str, dict[str, Any]]:
    """The definition (method, opclasses, predicate, INCLUDE) replaces SQLAlchemy's partial view
    of each index; materialized views' indexes go with the view."""
    matview_indexes: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        if row["relkind"] == "m":
            matview_indexes[r.key(row["schema"], row["table_name"])][row["name"]] = _pg_index_facts(
                row
            )
            continue
        table = r.table_for(row["schema"], row["table_name"])
        if table is not None and row["name"] in table.get("indexes", {}):
            table["indexes"][row["name"]] = _pg_index_facts(row)
    return matview_indexes


def _pg_constraint_flags(row: sa.RowMapping) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    if row["condeferrable"]:
        flags["deferrable"] = True
        if row["condeferred"]:
            flags["initially"] = "DEFERRED"
    if not row["convalidated"]:
        flags["validated"] = False
    if row["connoinherit"] and row["contype"] == "c":
        flags["no_inherit"] = True
    return flags


def _pg_constraints(r: _Reader, rows: list[sa.RowMapping]) -> None:
    """Exclusion constraints, and what SQLAlchemy leaves out of the others: DEFERRABLE
    and NOT VALID."""
    members = {"f": "foreign_keys", "u": "unique_constraints", "c": "check_constraints"}
    for row in rows:
        table = r.table_for(row["schema"], row["table_name"])
        if table is None:
            continue
        flags = _pg_constraint_flags(row)
        if row["contype"] == "x":
            table.setdefault("exclusion_constraints", {})[row["name"]] = {
                "definition": row["definition"],
                **flags,
            }
        elif row["contype"] == "t":
            table.setdefault("constraint_triggers", {})[row["name"]] = {
                "definition": row["definition"],
                **flags,
            }
        elif row["contype"] == "p" and table.get("primary_key"):
            table["primary_key"].update(flags)
        elif row["contype"] in members:
            member = table.get(members[row["contype"]], {}).get(row["name"])
            if member is not None:
                for key in ("deferrable", "initially"):
                    member.pop(key, None)
                options = member.pop("dialect_options", {})
                options.pop("not_valid", None)  # said once, as "validated"
                if options:
                    member["dialect_options"] = options
                member.update(flags)
    for table in r.tables.values():
        for kind in ("exclusion_constraints", "constraint_triggers"):
            if kind in table:
                table[kind] = dict(sorted(table[kind].items()))


def _pg_sequences(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        owned_by = None
        if row["owner_table"] is not None:
            if not r.has_table(row["owner_schema"], row["owner_table"]):
                continue  # belongs to an excluded (tracking) table
            owned_by = f"{r.key(row['owner_schema'], row['owner_table'])}.{row['owner_column']}"
        r.objects["sequences"][r.key(row["schema"], row["name"])] = _drop_empty(
            {
                "type": row["type"],
                "start": row["start"],
                "increment": row["increment"],
                "min": row["min"],
                "max": row["max"],
                "cycle": row["cycle"],
                "cache": row["cache"],
                "owned_by": owned_by,
                "identity": True if row["owner_kind"] == "i" else None,
            },
            keep=("cycle",),
        )


def _pg_views(
    r: _Reader, rows: list[sa.RowMapping], matview_indexes: dict[str, dict[str, Any]]
) -> None:
    for row in rows:
        key = r.key(row["schema"], row["name"])
        facts = {"definition": row["definition"], "options": sorted(row["reloptions"] or [])}
        if row["relkind"] == "m":
            facts["populated"] = row["relispopulated"]
            facts["indexes"] = dict(sorted(matview_indexes.get(key, {}).items()))
            r.objects["materialized_views"][key] = _drop_empty(facts, keep=("populated",))
        else:
            r.objects["views"][key] = _drop_empty(facts)


def _pg_functions(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        key = f"{r.key(row['schema'], row['name'])}({row['arguments']})"
        r.objects["functions"][key] = _drop_empty(
            {
                "kind": PG_FUNCTION_KINDS.get(row["prokind"], row["prokind"]),
                "definition": row["definition"],
                "transition": row["transition"],
                "final": row["final"],
                "state_type": row["state_type"],
                "initial": row["initial"],
            }
        )


def _pg_triggers(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        if r.excluder.table(row["schema"], row["table_name"]):
            continue  # views are kept (INSTEAD OF triggers), tracking tables are not
        table = r.key(row["schema"], row["table_name"])
        r.objects["triggers"][f"{row['name']} on {table}"] = _drop_empty(
            {
                "table": table,
                "definition": row["definition"],
                "enabled": PG_TRIGGER_ENABLED.get(row["enabled"], row["enabled"]),
            }
        )


def _pg_policies(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        if not r.has_table(row["schema"], row["table_name"]):
            continue
        table = r.key(row["schema"], row["table_name"])
        r.objects["policies"][f"{row['name']} on {table}"] = _drop_empty(
            {
                "table": table,
                "permissive": row["permissive"],
                "roles": sorted(row["roles"] or []),
                "command": row["cmd"],
                "using": row["qual"],
                "with_check": row["with_check"],
            }
        )


# ---------------------------------------------------------------------------------------
# MySQL / MariaDB: information_schema

MY_TABLES = """
SELECT t.TABLE_NAME AS `name`, t.ENGINE AS `engine`, t.ROW_FORMAT AS `row_format`,
       t.TABLE_COLLATION AS `collation`, c.CHARACTER_SET_NAME AS `charset`,
       t.CREATE_OPTIONS AS `create_options`
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
"""

MY_COLUMNS = """
SELECT TABLE_NAME AS `table_name`, COLUMN_NAME AS `name`, CHARACTER_SET_NAME AS `charset`,
       COLLATION_NAME AS `collation`, EXTRA AS `extra`, COLUMN_TYPE AS `type`
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
"""

MARIADB_CHECKS = """
SELECT TABLE_NAME AS `table_name`, CONSTRAINT_NAME AS `name`, CHECK_CLAUSE AS `sqltext`,
       LEVEL AS `level`
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
"""

MYSQL_CHECKS = """
SELECT t.TABLE_NAME AS `table_name`, c.CONSTRAINT_NAME AS `name`, c.CHECK_CLAUSE AS `sqltext`,
       NULL AS `level`
FROM information_schema.CHECK_CONSTRAINTS c
JOIN information_schema.TABLE_CONSTRAINTS t
  ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME
 AND t.CONSTRAINT_TYPE = 'CHECK'
WHERE c.CONSTRAINT_SCHEMA = DATABASE()
"""

MY_VIEWS = "SELECT * FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"

MY_TRIGGERS = """
SELECT TRIGGER_NAME AS `name`, EVENT_OBJECT_TABLE AS `table_name`, ACTION_TIMING AS `timing`,
       EVENT_MANIPULATION AS `event`, ACTION_ORDER AS `action_order`,
       ACTION_STATEMENT AS `body`, SQL_MODE AS `sql_mode`
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
"""

MY_ROUTINES = """
SELECT ROUTINE_NAME AS `name`, ROUTINE_TYPE AS `kind`, DTD_IDENTIFIER AS `return_type`,
       ROUTINE_DEFINITION AS `body`, IS_DETERMINISTIC AS `deterministic`,
       SQL_DATA_ACCESS AS `data_access`, SECURITY_TYPE AS `security`, SQL_MODE AS `sql_mode`,
       ROUTINE_COMMENT AS `comment`
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
"""

MY_PARAMETERS = """
SELECT SPECIFIC_NAME AS `name`, ROUTINE_TYPE AS `kind`, ORDINAL_POSITION AS `position`,
       PARAMETER_MODE AS `mode`, PARAMETER_NAME AS `parameter`, DTD_IDENTIFIER AS `type`
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0
ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION
"""

MY_EVENTS = """
SELECT EVENT_NAME AS `name`, EVENT_DEFINITION AS `body`, EVENT_TYPE AS `type`,
       INTERVAL_VALUE AS `interval_value`, INTERVAL_FIELD AS `interval_field`,
       ON_COMPLETION AS `on_completion`, STATUS AS `status`, EVENT_COMMENT AS `comment`
FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
"""


def _my_extras(r: _Reader) -> None:
    database = r.conn.exec_driver_sql("SELECT DATABASE()").scalar()
    unqualify = _my_unqualifier(database)
    _my_tables(r, r.rows(MY_TABLES))
    columns = r.rows(MY_COLUMNS)
    _my_columns(r, columns)
    _name_unknown_types(r, columns)
    is_mariadb = bool(getattr(r.conn.dialect, "is_mariadb", False))
    _my_checks(r, r.rows(MARIADB_CHECKS if is_mariadb else MYSQL_CHECKS))
    for row in r.rows(MY_VIEWS):
        r.objects["views"][row["TABLE_NAME"]] = _drop_empty(
            {
                "definition": unqualify(row["VIEW_DEFINITION"]),
                "check_option": row.get("CHECK_OPTION"),
                "security": row.get("SECURITY_TYPE"),
                "algorithm": row.get("ALGORITHM"),
            }
        )
    for row in r.rows(MY_TRIGGERS):
        if not r.has_table(None, row["table_name"]):
            continue
        r.objects["triggers"][row["name"]] = _drop_empty(
            {
                "table": row["table_name"],
                "timing": row["timing"],
                "event": row["event"],
                "order": row["action_order"],
                "body": unqualify(row["body"]),
                "sql_mode": row["sql_mode"],
            }
        )
    _my_routines(r, unqualify)
    for row in r.rows(MY_EVENTS):
        facts = {k: plain(v) for k, v in row.items() if k != "name"}
        facts["body"] = unqualify(facts["body"])
        r.objects["events"][row["name"]] = _drop_empty(facts)


def _my_unqualifier(database: str | None) -> Callable[[str | None], str | None]:
    """MySQL writes the database's own name into stored definitions; two builds live in
    two databases, so the name is taken out."""
    prefix = f"`{database}`." if database else None

    def unqualify(text: str | None) -> str | None:
        if text is None or prefix is None:
            return text
        return text.replace(prefix, "")

    return unqualify


def _my_tables(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(None, row["name"])
        if table is None:
            continue
        options = " ".join(sorted((row["create_options"] or "").split()))
        table["options"] = _drop_empty(
            {
                "engine": row["engine"],
                "row_format": row["row_format"],
                "charset": row["charset"],
                "collation": row["collation"],
                "create_options": options,
            }
        )


def _my_columns(r: _Reader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(None, row["table_name"])
        if table is None or row["name"] not in table["columns"]:
            continue
        table["columns"][row["name"]].update(
            _drop_empty(
                {
                    "charset": row["charset"],
                    "collation": row["collation"],
                    "extra": (row["extra"] or "").lower(),
                }
            )
        )


def _my_checks(r: _Reader, rows: list[sa.RowMapping]) -> None:
    """information_schema has every CHECK; SQLAlchemy misses MariaDB's column-level ones."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if r.table_for(None, row["table_name"]) is None:
            continue
        found[row["table_name"]][row["name"]] = _drop_empty(
            {"sqltext": row["sqltext"], "level": (row["level"] or "").lower() or None}
        )
    for key, table in r.tables.items():
        checks = found.get(key)
        if checks:
            table["check_constraints"] = dict(sorted(checks.items()))
        else:
            table.pop("check_constraints", None)


def _my_routines(r: _Reader, unqualify: Callable[[str | None], str | None]) -> None:
    parameters: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in r.rows(MY_PARAMETERS):
        words = [row["mode"], row["parameter"], row["type"]]
        parameters[(row["kind"], row["name"])].append(" ".join(w for w in words if w))
    for row in r.rows(MY_ROUTINES):
        kind = "procedures" if row["kind"] == "PROCEDURE" else "functions"
        r.objects[kind][row["name"]] = _drop_empty(
            {
                "parameters": parameters.get((row["kind"], row["name"]), []),
                "returns": row["return_type"],
                "body": unqualify(row["body"]),
                "deterministic": row["deterministic"],
                "data_access": row["data_access"],
                "security": row["security"],
                "sql_mode": row["sql_mode"],
                "comment": row["comment"],
            },
            keep=("parameters",),
        )


# ---------------------------------------------------------------------------------------
# SQLite: sqlite_master and the table-valued PRAGMA functions (one query each)

SQLITE_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"

SQLITE_XINFO = """
SELECT m.name AS table_name, p.name, p.type, p.hidden
FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p WHERE m.type = 'table' {only}
"""

SQLITE_FOREIGN_KEYS = """
SELECT m.name AS table_name, p.id, p.seq, p."table" AS referred_table, p."from" AS column,
       p."to" AS referred_column, p.on_update, p.on_delete, p."match"
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS p WHERE m.type = 'table' {only}
ORDER BY m.name, p.id, p.seq
"""

SQLITE_INDEXES = """
SELECT m.name AS table_name, il.name, il."unique", il.origin, il.partial,
       ix.seqno, ix.name AS column, ix."desc", ix.coll
FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_xinfo(il.name) AS ix
WHERE m.type = 'table' AND ix."key" = 1 {only}
ORDER BY m.name, il.name, ix.seqno
"""

SQLITE_TABLE_LIST = (
    "SELECT name, wr, strict FROM pragma_table_list AS m WHERE schema = 'main' {only}"
)

SQLITE_INDEX_ORIGINS = {"c": None, "u": "unique constraint", "pk": "primary key"}


def _sqlite_master(r: _Reader) -> list[sa.RowMapping]:
    """sqlite_master, read once per reader."""
    if r.master is None:
        r.master = r.rows(SQLITE_MASTER)
    return r.master


def _sqlite_extras(r: _Reader) -> None:
    master = _sqlite_master(r)
    sql_by_name = {(row["type"], row["name"]): normalise_sql(row["sql"]) for row in master}
    for key, table in r.tables.items():
        table["sql"] = sql_by_name.get(("table", key))
    if r.tables:  # the reflected ones: the PRAGMAs read only those
        _sqlite_declared_types(r, _sqlite_rows(r, SQLITE_XINFO))
        _sqlite_foreign_keys(r, _sqlite_rows(r, SQLITE_FOREIGN_KEYS))
        _sqlite_indexes(r, _sqlite_rows(r, SQLITE_INDEXES), sql_by_name)
        _sqlite_table_flags(r)
    for row in master:
        if row["type"] == "view":
            r.objects["views"][row["name"]] = {"sql": normalise_sql(row["sql"])}
        elif row["type"] == "trigger" and not r.excluder.table(None, row["tbl_name"]):
            r.objects["triggers"][row["name"]] = {
                "table": row["tbl_name"],
                "sql": normalise_sql(row["sql"]),
            }


def _sqlite_rows(r: _Reader, sql: str) -> list[sa.RowMapping]:
    """A PRAGMA query over the reflected tables only (all of them: no filter)."""
    if len(r.tables) == len(r.known):
        return r.rows(sql.format(only=""))
    names = sa.bindparam("names", sorted(r.tables), expanding=True)
    query = sa.text(sql.format(only="AND m.name IN :names")).bindparams(names)
    return list(r.conn.execute(query).mappings())


def _squash_type(text: str | None) -> str:
    return WHITESPACE.sub("", text or "").upper()


def _sqlite_declared_types(r: _Reader, rows: list[sa.RowMapping]) -> None:
    """SQLite keeps the declared type text, and it matters (INT PRIMARY KEY is not a rowid
    alias, INTEGER PRIMARY KEY is): recorded where SQLAlchemy's type reads differently."""
    for row in rows:
        table = r.table_for(None, row["table_name"])
        if table is None or row["name"] not in table["columns"]:
            continue
        column = table["columns"][row["name"]]
        if column["type"] == UNKNOWN_TYPE and row["type"]:
            column["type"] = row["type"]
        elif _squash_type(row["type"]) != _squash_type(column["type"]):
            column["declared_type"] = row["type"]
        if row["hidden"] == 1:
            column["hidden"] = True


def _sqlite_foreign_keys(r: _Reader, rows: list[sa.RowMapping]) -> None:
    """Rebuild each table's foreign keys from PRAGMA foreign_key_list (the truth on SQLite:
    SQLAlchemy misses ON DELETE of an inline REFERENCES), keeping the constraint names,
    DEFERRABLE and implicit referred columns that SQLAlchemy parsed from the SQL."""
    groups: dict[tuple[str, int], list[sa.RowMapping]] = defaultdict(list)
    for row in rows:
        groups[(row["table_name"], row["id"])].append(row)
    rebuilt: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (table_name, _), group in sorted(groups.items()):
        if r.table_for(None, table_name) is None:
            continue
        columns = [g["column"] for g in group]
        parsed = _matching_fk(
            r.reflected_fks.get(table_name, []), columns, group[0]["referred_table"]
        )
        referred = [g["referred_column"] for g in group]
        if any(c is None for c in referred):  # REFERENCES t without columns: t's primary key
            referred = parsed.get("referred_columns", referred)
        options = dict(parsed.get("options") or {})
        options.update(
            ondelete=group[0]["on_delete"], onupdate=group[0]["on_update"], match=group[0]["match"]
        )
        rebuilt[table_name].append(
            {
                "name": parsed.get("name"),
                "constrained_columns": columns,
                "referred_schema": None,
                "referred_table": group[0]["referred_table"],
                "referred_columns": referred,
                "options": options,
            }
        )
    for key, table in r.tables.items():
        table.pop("foreign_keys", None)
        if rebuilt.get(key):
            table["foreign_keys"] = _keyed(rebuilt[key], _fk_key, _fk_facts)


def _matching_fk(
    reflected: list[dict[str, Any]], columns: list[str], referred_table: str
) -> dict[str, Any]:
    for fk in reflected:
        if (
            fk["constrained_columns"] == columns
            and fk["referred_table"].lower() == referred_table.lower()
        ):
            return fk
    return {}


def _sqlite_indexes(r: _Reader, rows: list[sa.RowMapping], sql_by_name: dict) -> None:
    """Indexes from PRAGMA index_list/index_xinfo, including the automatic ones behind
    inline UNIQUE and non-rowid PRIMARY KEY (SQLAlchemy leaves those out)."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if r.table_for(None, row["table_name"]) is None:
            continue
        index = found[row["table_name"]].setdefault(
            row["name"],
            _drop_empty(
                {
                    "unique": bool(row["unique"]),
                    "origin": SQLITE_INDEX_ORIGINS.get(row["origin"], row["origin"]),
                    "partial": bool(row["partial"]) or None,
                    "columns": [],
                    "sql": sql_by_name.get(("index", row["name"])),
                },
                keep=("unique", "columns"),
            ),
        )
        column = row["column"] if row["column"] is not None else "<expr>"
        if row["desc"]:
            column += " DESC"
        if row["coll"] and row["coll"].upper() != "BINARY":
            column += f" COLLATE {row['coll']}"
        index["columns"].append(column)
    for key, table in r.tables.items():
        indexes = found.get(key)
        if indexes:
            table["indexes"] = dict(sorted(indexes.items()))
        else:
            table.pop("indexes", None)


def _sqlite_table_flags(r: _Reader) -> None:
    try:
        rows = _sqlite_rows(r, SQLITE_TABLE_LIST)
    except sa.exc.OperationalError:  # SQLite before 3.37: the SQL text still shows both
        return
    for row in rows:
        table = r.table_for(None, row["name"])
        if table is not None and (row["wr"] or row["strict"]):
            table["options"] = _drop_empty(
                {"without_rowid": bool(row["wr"]) or None, "strict": bool(row["strict"]) or None}
            )


DIALECT_EXTRAS: dict[str, Callable[[_Reader], None]] = {
    "postgresql": _pg_extras,
    "mysql": _my_extras,
    "mariadb": _my_extras,
    "sqlite": _sqlite_extras,
}


# ---------------------------------------------------------------------------------------
# Data: row counts and order-independent content digests


def is_volatile_default(text: str | None) -> bool:
    """True when a column default (or ON UPDATE) gives a new value on every build."""
    if not text:
        return False
    if SQLITE_NOW.search(text):
        return True
    bare = SQL_STRING_LITERAL.sub("''", text)
    return bool(VOLATILE_KEYWORD.search(bare) or VOLATILE_CALL.search(bare))


def volatile_columns(table: dict[str, Any]) -> list[str]:
    return sorted(
        name
        for name, col in table["columns"].items()
        if is_volatile_default(col.get("default")) or is_volatile_default(col.get("extra"))
    )


def render_decimal(value: Decimal) -> str:
    """1.50 and 1.5 read the same; so do 0 and 0.00."""
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def render_value(value: Any) -> str | None:
    """One value as tagged text, so 1, '1' and 1.0 differ and None differs from ''."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return f"i{value}"
    if isinstance(value, float):
        return f"r{value!r}"
    if isinstance(value, Decimal):
        return "n" + render_decimal(value)
    if isinstance(value, str):
        return "s" + value
    if isinstance(value, bytes | bytearray | memoryview):
        return "x" + bytes(value).hex()
    if isinstance(value, datetime | date | time):
        return "d" + value.isoformat()
    if isinstance(value, timedelta):
        return f"v{value.days}:{value.seconds}:{value.microseconds}"
    if isinstance(value, set | frozenset):  # MySQL SET columns, with some drivers
        value = sorted(str(v) for v in value)
    if isinstance(value, dict | list | tuple):
        return "j" + json.dumps(
            value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False
        )
    return f"o{type(value).__name__}:{value}"


_ROW_JSON = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False
).encode  # one encoder, reused
_PLAIN_RENDER: dict[
    type, Callable[[Any], str]
] = {  # the common exact types, as render_value does them
    int: lambda v: f"i{v}",
    str: lambda v: "s" + v,
    float: lambda v: f"r{v!r}",
}


def row_hash(values: Iterable[Any]) -> int:
    rendered = []
    for v in values:
        plain = _PLAIN_RENDER.get(type(v))
        rendered.append(plain(v) if plain is not None else render_value(v))
    text = _ROW_JSON(rendered)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def content_digest(columns: list[str], rows: Iterable[Iterable[Any]]) -> tuple[int, str]:
    """Row count and digest of `rows`, whatever order they come in.

    Each row's SHA-256 is added up modulo 2**256 (a multiset hash): equal multisets of rows
    give equal sums, duplicates count, and nothing is sorted or held in memory. Sorting in
    the database instead would depend on collations (in a case-insensitive collation 'a'
    and 'A' tie and come back in any order) and fail on unorderable types (json)."""
    total = count = 0
    for row in rows:
        total += row_hash(row)
        count += 1
    total %= 1 << 256
    head = canonical_json({"columns": columns, "rows": count, "sum": f"{total:064x}"})
    return count, hashlib.sha256(head.encode("utf-8")).hexdigest()


def _stream(conn: sa.Connection, query: sa.Select) -> Iterator[sa.Row]:
    result = conn.execute(query, execution_options={"yield_per": STREAM_BATCH})
    try:
        yield from result
    finally:
        result.close()


def _data_items(
    tables: dict[str, dict[str, Any]], locations: dict[str, tuple[str | None, str]]
) -> list[tuple[str, tuple[str | None, str], dict[str, Any]]]:
    return [(key, locations[key], table) for key, table in tables.items()]


def _read_data(
    conn: sa.Connection, items: list[tuple[str, tuple[str | None, str], dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """Row count and digest of each (key, location, table facts)."""
    if not items:
        return {}
    if conn.dialect.name == "postgresql" and getattr(
        conn.connection.driver_connection, "autocommit", False
    ):
        # a server-side cursor needs a transaction, and SQLAlchemy cannot open one on an
        # AUTOCOMMIT connection; one REPEATABLE READ transaction also reads every table at
        # the same point in time
        conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            return _read_tables(conn, items)
        finally:
            conn.exec_driver_sql("ROLLBACK")
    return _read_tables(conn, items)


def _read_tables(
    conn: sa.Connection, items: list[tuple[str, tuple[str | None, str], dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    return {key: _table_data(conn, location, table) for key, location, table in items}


def _table_data(
    conn: sa.Connection, location: tuple[str | None, str], table: dict[str, Any]
) -> dict[str, Any]:
    schema, name = location
    volatile = volatile_columns(table)
    compared = sorted(c for c in table["columns"] if c not in volatile)
    source = sa.table(name, *(sa.column(c) for c in table["columns"]), schema=schema)
    if compared:
        query = sa.select(*(source.c[c] for c in compared))
        rows, digest = content_digest(compared, _stream(conn, query))
    else:
        count = conn.execute(sa.select(sa.func.count()).select_from(source)).scalar_one()
        rows, digest = content_digest([], ([] for _ in range(count)))
    return {"rows": rows, "digest": digest, "volatile_columns": volatile}


# ---------------------------------------------------------------------------------------
# Snapshots of one database taken again and again (verify: after every step)


class Snapshotter:
    """Takes snapshot after snapshot of a database that changes between them, reading again
    only what may have changed: each `take(conn)` equals `take_snapshot(conn, ...)`.

    Before reflecting, one catalog query gives every table a schema signature: text that
    holds everything the table's facts are made of, rendered with the names of what it
    refers to (SQLite: the `sqlite_master` SQL of the table, its indexes and the tables its
    foreign keys refer to; PostgreSQL: its pg_class row version, columns with rendered types
    and defaults, constraint and index definitions, comments, inheritance, identity
    sequences). A table whose signature is the one it had last time keeps its facts; the
    others are reflected (bulk, restricted to them). Everything that is not a table (views,
    functions, triggers, ...) is read again every time: one query per kind.

    Data: one query gives every table a content signature computed in the database, the row
    count and the rows themselves as text (SQLite: `quote()` of every value, exact for
    every storage class; PostgreSQL: the SHA-256 of each row's text, the hash the digest
    itself relies on). A table whose schema and content signatures are unchanged keeps its
    row count and digest; the others are read. Big SQLite tables (more than
    SQLITE_SIGNED_ROWS rows) are always read. MySQL/MariaDB have no signatures here:
    every snapshot is a full one.

    The snapshots share the facts of unchanged tables: treat them as read-only."""

    def __init__(
        self,
        *,
        data: bool = True,
        exclude_tables: Iterable[str] = DEFAULT_TRACKING_TABLES,
        shared: dict[tuple[str, str, str], dict[str, Any]] | None = None,
    ) -> None:
        """`shared`: data facts read by Snapshotters of other databases (verify's two), by
        table, table facts and content signature: a table with the same name, schema and
        content signature has the same rows, so its digest is not computed twice."""
        self.shared = shared
        self.data = data
        self.exclude_tables = frozenset(exclude_tables)
        self.excluder = _Excluder(self.exclude_tables)
        self._tables: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (signature, facts)
        self._data: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (signature, data)
        self.reflected = self.read = 0  # tables reflected and read by the last take()
        self.schema_kept = 0  # takes that found the catalogs unchanged (PostgreSQL)
        self._queries: dict[str, tuple[dict[str, Any], str | None]] = {}  # data signature SQL
        # (catalog signature, tables, objects, locations) of the last snapshot
        self._last: tuple[str | None, dict[str, Any], dict[str, Any], dict[str, Any]] | None = None

    def take(self, conn: sa.Connection, check_catalog: bool = True) -> SchemaSnapshot:
        """The snapshot; `check_catalog=False` when the caller knows the schema changed
        (PostgreSQL then does not ask whether any catalog row did)."""
        dialect = conn.dialect.name
        signer = TABLE_SIGNATURES.get(dialect)
        if signer is None:
            snapshot = take_snapshot(conn, data=self.data, exclude_tables=self.exclude_tables)
            self.reflected = self.read = len(snapshot.tables)
            return snapshot
        catalog = _catalog_signature(conn) if check_catalog else None
        if catalog is not None and self._last is not None and self._last[0] == catalog:
            # no catalog row was added, changed or removed since the last snapshot: the
            # schema is the same; only the data may differ
            _, tables, objects, locations = self._last
            self.reflected = 0
            self.schema_kept += 1
            snapshot = SchemaSnapshot(dialect=dialect, tables=tables, objects=objects)
            if self.data:
                snapshot.data = self._take_data(conn, locations, tables, {})
            return snapshot
        reader = _Reader(conn, self.excluder)
        signatures = signer(reader)
        stale = {
            key
            for key, sig in signatures.items()
            if key not in self._tables or self._tables[key][0] != sig
        }
        _reflect(reader, set(self._tables) - stale)  # a table without a signature is reflected
        fresh = plain(reader.tables)
        tables: dict[str, dict[str, Any]] = {}
        for key in sorted(reader.known):
            tables[key] = fresh[key] if key in fresh else self._tables[key][1]
        self._tables = {key: (signatures[key], tables[key]) for key in tables if key in signatures}
        self.reflected = len(fresh)
        snapshot = SchemaSnapshot(dialect=dialect, tables=tables, objects=_objects(reader))
        if self.data:
            snapshot.data = self._take_data(conn, reader.locations, tables, fresh)
        self._last = (catalog, tables, snapshot.objects, dict(reader.locations))
        return snapshot

    def _take_data(
        self,
        conn: sa.Connection,
        locations: dict[str, tuple[str | None, str]],
        tables: dict[str, dict[str, Any]],
        fresh: dict[str, Any],
    ) -> dict[str, dict[str, Any]]:
        signer = DATA_SIGNATURES.get(conn.dialect.name)
        items = _data_items(tables, locations)
        signatures = signer(conn, items, self._queries) if signer is not None else {}
        data: dict[str, dict[str, Any]] = {}
        stale = []
        for key, location, table in items:
            sig = signatures.get(key)
            kept = self._data.get(key)
            if sig is not None and kept is not None and kept[0] == sig and key not in fresh:
                data[key] = kept[1]
            elif (
                sig is not None
                and self.shared is not None
                and _shared_key(key, table, sig) in self.shared
            ):
                data[key] = self.shared[_shared_key(key, table, sig)]
            else:
                stale.append((key, location, table))
        read = _read_data(conn, stale)
        if self.shared is not None:
            for key, _, table in stale:
                if signatures.get(key):
                    self.shared[_shared_key(key, table, signatures[key])] = read[key]
        data.update(read)
        self._data = {key: (signatures[key], data[key]) for key in data if signatures.get(key)}
        self.read = len(stale)
        return dict(sorted(data.items()))


def _shared_key(key: str, table: dict[str, Any], signature: str) -> tuple[str, str, str]:
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return key, digest(canonical_json(table)), digest(signature)


def _sqlite_table_signatures(r: _Reader) -> dict[str, str]:
    """The SQL of the table, of its indexes, and of the tables its foreign keys refer to
    (SQLAlchemy reads the referred primary key of a `REFERENCES t` without columns)."""
    tables: dict[str, str] = {}
    indexes: dict[str, list[str]] = defaultdict(list)
    for row in _sqlite_master(r):
        if row["type"] == "table":
            tables[row["name"].lower()] = f"{row['name']}\x1f{row['sql']}"
        elif row["type"] == "index":
            indexes[row["tbl_name"].lower()].append(f"{row['name']}\x1f{row['sql']}")
    referred: dict[str, set[str]] = defaultdict(set)
    for row in r.rows(SQLITE_REFERRED):
        referred[row["name"].lower()].add(str(row["referred"]).lower())
    out = {}
    for lower, text in tables.items():
        name = text.split("\x1f", 1)[0]
        parts = [text, *sorted(indexes.get(lower, ()))]
        parts += [f"-> {t}\x1f{tables.get(t)}" for t in sorted(referred.get(lower, ()))]
        out[r.key(None, name)] = "\x1e".join(parts)
    return out


SQLITE_REFERRED = """
SELECT m.name AS name, p."table" AS referred
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS p WHERE m.type = 'table'
"""

PG_TABLE_SIGNATURES = """
SELECT n.nspname AS schema, c.relname AS name, concat_ws(E'\\x1e',
  c.xmin::text, c.relkind, c.relpersistence, c.reloptions::text, c.relrowsecurity,
  c.relforcerowsecurity, c.relreplident, c.relispartition, c.reltablespace,
  CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
  pg_get_expr(c.relpartbound, c.oid), obj_description(c.oid, 'pg_class'),
  (SELECT string_agg(concat_ws(E'\\x1f', a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
            a.attnotnull, a.atthasdef, a.attidentity, a.attgenerated, a.attisdropped, a.attndims,
            a.attcollation, co.collname, pg_get_expr(d.adbin, d.adrelid),
            col_description(c.oid, a.attnum)), E'\\x1d' ORDER BY a.attnum)
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
    WHERE a.attrelid = c.oid AND a.attnum > 0),
  (SELECT string_agg(concat_ws(E'\\x1f', k.conname, k.contype, k.condeferrable, k.condeferred,
            k.convalidated, k.connoinherit, k.conindid::regclass::text,
            pg_get_constraintdef(k.oid, true), obj_description(k.oid, 'pg_constraint')),
            E'\\x1d' ORDER BY k.conname, k.oid)
     FROM pg_constraint k WHERE k.conrelid = c.oid),
  (SELECT string_agg(concat_ws(E'\\x1f', i.relname, pg_get_indexdef(x.indexrelid), x.indisunique,
            x.indisprimary, x.indisexclusion, x.indimmediate, x.indisvalid, x.indisclustered,
            x.indisready, x.indislive, x.indisreplident, x.indnkeyatts, x.indkey::text,
            x.indoption::text, x.indcollation::text, x.indclass::text, i.reloptions::text,
            i.reltablespace, obj_description(i.oid, 'pg_class')), E'\\x1d' ORDER BY i.relname)
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid),
  (SELECT string_agg(pn.nspname || '.' || p.relname, ',' ORDER BY h.inhseqno)
     FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent
     JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE h.inhrelid = c.oid),
  (SELECT string_agg(concat_ws(E'\\x1f', sn.nspname, sc.relname, s.seqtypid, s.seqstart,
            s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle, dd.deptype,
            dd.refobjsubid), E'\\x1d' ORDER BY sc.relname)
     FROM pg_depend dd JOIN pg_sequence s ON s.seqrelid = dd.objid
     JOIN pg_class sc ON sc.oid = s.seqrelid JOIN pg_namespace sn ON sn.oid = sc.relnamespace
    WHERE dd.classid = 'pg_class'::regclass AND dd.refclassid = 'pg_class'::regclass
      AND dd.refobjid = c.oid AND dd.deptype IN ('a', 'i'))
) AS signature
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(:schemas)
"""


def _pg_table_signatures(r: _Reader) -> dict[str, str]:
    """The table's pg_class row version (any ALTER TABLE writes it) and, rendered with the
    names of what they refer to, its columns, constraints, indexes, comments, parents and
    identity sequences: a rename of a referred table, type, sequence or function changes
    the text even where the table's own catalog rows stay as they were."""
    rows = r.rows(PG_TABLE_SIGNATURES, schemas=r.schema_names)
    return {r.key(row["schema"], row["name"]): row["signature"] for row in rows}


PG_CATALOGS = """
SELECT c.oid::regclass::text AS catalog FROM pg_catalog.pg_class c
WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' AND NOT c.relisshared
  AND c.relname NOT IN ('pg_statistic', 'pg_statistic_ext_data', 'pg_largeobject')
ORDER BY 1
"""


_CATALOG_QUERIES: dict[Any, str] = {}  # server version -> the signature query


def _catalog_signature(conn: sa.Connection) -> str | None:
    """PostgreSQL: for every catalog of the database (not the cluster-wide ones, not the
    planner's statistics), its row count and the sum of its rows' xmin. DDL adds, removes or
    updates catalog rows, and an updated row is a new version with the xid of the
    transaction that wrote it, so any schema change since the last call changes this text
    (a spurious change, such as a VACUUM's, only costs a full read). None elsewhere."""
    if conn.dialect.name != "postgresql":
        return None
    key = conn.dialect.server_version_info
    sql = _CATALOG_QUERIES.get(key)
    if sql is None:
        catalogs = [row[0] for row in conn.exec_driver_sql(PG_CATALOGS)]
        sql = _CATALOG_QUERIES[key] = " UNION ALL ".join(
            f"SELECT '{name}', count(*), sum(xmin::text::bigint) FROM {name}" for name in catalogs
        )
    return ";".join(f"{name}:{count}:{total}" for name, count, total in conn.exec_driver_sql(sql))


TABLE_SIGNATURES: dict[str, Callable[[_Reader], dict[str, str]]] = {
    "sqlite": _sqlite_table_signatures,
    "postgresql": _pg_table_signatures,
}

SQLITE_SIGNED_ROWS = 10_000  # bigger tables are read every time (the text would be big)
SQLITE_COMPOUND = 200  # SELECTs per UNION ALL (SQLite allows 500)


def _sqlite_data_signatures(
    conn: sa.Connection,
    items: list[tuple[str, tuple[str | None, str], dict[str, Any]]],
    memo: dict[str, tuple[dict[str, Any], str | None]],
) -> dict[str, str]:
    """Per table: its rows as text, `quote()` of every value (exact for integers, reals,
    text, blobs and NULL), in storage order, up to SQLITE_SIGNED_ROWS rows. quote() drops
    the sign of a negative zero: where a column can keep one, it is marked."""
    signed = _sqlite_has_atan2(conn)
    q = conn.dialect.identifier_preparer.quote
    selects = []
    for n, (key, (_, name), table) in enumerate(items):
        kept = memo.get(key)
        if kept is not None and kept[0] is table:  # the same facts: the same query
            if kept[1] is not None:
                selects.append(f"SELECT {n}, {kept[1]}")
            continue
        memo[key] = (table, None)
        values = []
        for c in table["column_order"]:
            if not _sqlite_loses_negative_zero(table, c):
                if not signed:
                    break
                values.append(
                    f"CASE WHEN typeof({q(c)}) = 'real' AND {q(c)} = 0 AND atan2({q(c)}, -1) < 0 "
                    f"THEN '-' ELSE '' END || quote({q(c)})"
                )
            else:
                values.append(f"quote({q(c)})")
        else:
            query = (
                "count(*), group_concat(r, char(10)) FROM (SELECT "
                + " || ',' || ".join(values)
                + f" AS r FROM main.{q(name)} LIMIT {SQLITE_SIGNED_ROWS + 1})"
            )
            memo[key] = (table, query)
            selects.append(f"SELECT {n}, {query}")
    out: dict[str, str] = {}
    for start in range(0, len(selects), SQLITE_COMPOUND):
        sql = " UNION ALL ".join(selects[start : start + SQLITE_COMPOUND])
        for n, rows, text in conn.exec_driver_sql(sql):
            if rows <= SQLITE_SIGNED_ROWS:
                out[items[n][0]] = f"{rows}\n{text}"
    return out


def _sqlite_loses_negative_zero(table: dict[str, Any], column: str) -> bool:
    """A column of INTEGER, TEXT, REAL or NUMERIC affinity stores -0.0 as 0 (or as text);
    only BLOB affinity (a declared type with BLOB in it, or none) and STRICT's ANY keep the
    sign. (Any declared type but those gives one of the four.)"""
    if (table.get("options") or {}).get("strict"):
        return False
    facts = table["columns"][column]
    declared = facts.get("declared_type") or facts["type"]
    if declared == UNKNOWN_TYPE:
        return False
    return bool(declared.strip()) and "BLOB" not in declared.upper()


def _sqlite_has_atan2(conn: sa.Connection) -> bool:
    try:
        return conn.exec_driver_sql("SELECT atan2(-0.0, -1) < 0").scalar() == 1
    except sa.exc.OperationalError:  # SQLite built without its math functions
        return False


PG_ROW_SIGNATURE = (
    "SELECT {n} AS n, count(*) AS rows, "
    "encode(sha256(textsend(coalesce(string_agg("
    "encode(sha256(textsend(ROW(x.*)::text)), 'hex'), ''), ''))), 'hex') AS digest "
    "FROM {table} AS x"
)


def _pg_data_signatures(
    conn: sa.Connection,
    items: list[tuple[str, tuple[str | None, str], dict[str, Any]]],
    memo: dict[str, tuple[dict[str, Any], str | None]],
) -> dict[str, str]:
    """Per table: the row count and the SHA-256 of the SHA-256 of every row's text, in the
    order read. The text of a row is made of its values' output texts, which psycopg reads
    them from: whatever a value's text depends on (enum labels, settings, row security) is
    in it."""
    if not items:
        return {}
    q = conn.dialect.identifier_preparer
    selects = []
    for n, (_, (schema, name), _) in enumerate(items):
        table = q.quote(name) if schema is None else f"{q.quote_schema(schema)}.{q.quote(name)}"
        selects.append(PG_ROW_SIGNATURE.format(n=n, table=table))
    out = {}
    for n, rows, digest in conn.exec_driver_sql(" UNION ALL ".join(selects)):
        out[items[n][0]] = f"{rows}\n{digest}"
    return out


DATA_SIGNATURES: dict[str, Callable[..., dict[str, str]]] = {
    "sqlite": _sqlite_data_signatures,
    "postgresql": _pg_data_signatures,
}
