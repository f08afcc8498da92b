"""Schema + data snapshots of a live database, to prove two builds of it equal.

`take_snapshot(conn)` turns a database into a `SchemaSnapshot`: plain, sorted JSON-ready data
(dicts, lists, strings, numbers) that is equal for two databases exactly when their schemas
and table contents are equal. It is the oracle behind `verify`: build one database with the
legacy history and one with the generated Alembic revisions, snapshot both, diff
(`converter.diff`). Alembic's own `compare_metadata` cannot serve: it misses CHECK bodies,
PostgreSQL enum labels, views, sequences, functions and triggers.

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
sequence current values (they depend on data), SQLite's `sqlite_sequence`, timestamps,
owners, definers and tablespaces (they depend on who built the database where), the
database's own name (MySQL writes it into view definitions: it is removed).

Table and object names are bare in the default schema and `schema.name` elsewhere.

The package, shaped like Alembic's `ddl/`:
- `model.py`: `SchemaSnapshot`, `canonical_json`, `DEFAULT_TRACKING_TABLES`, `Excluder`;
- `impl.py`: `take_snapshot`, the `CatalogReader` (SQLAlchemy's bulk reflection) and
  `SnapshotImpl`, the shared implementation, with its registry keyed by dialect name;
- `facts.py`: SQLAlchemy's reflected dictionaries as plain facts, `normalise_sql`;
- `postgresql.py`, `mysql.py`, `sqlite.py`: each database's catalog queries and the readers
  of their rows, registered as that dialect's implementation;
- `digest.py`: row counts and content digests;
- `snapshotter.py`: `Snapshotter`, incremental snapshots.
"""

from converter.snapshot import mysql, postgresql, sqlite  # noqa: F401  (each registers itself)
from converter.snapshot.digest import (
    content_digest,
    is_volatile_default,
    render_decimal,
    render_value,
    row_hash,
    volatile_columns,
)
from converter.snapshot.facts import normalise_sql, plain
from converter.snapshot.impl import (
    CatalogReader,
    SnapshotImpl,
    impl_for,
    left_out,
    take_snapshot,
)
from converter.snapshot.model import (
    DEFAULT_TRACKING_TABLES,
    SCHEMA_VERSION,
    Excluder,
    SchemaSnapshot,
    canonical_json,
)
from converter.snapshot.snapshotter import Snapshotter

__all__ = [
    "DEFAULT_TRACKING_TABLES",
    "SCHEMA_VERSION",
    "CatalogReader",
    "Excluder",
    "SchemaSnapshot",
    "SnapshotImpl",
    "Snapshotter",
    "canonical_json",
    "content_digest",
    "impl_for",
    "is_volatile_default",
    "left_out",
    "normalise_sql",
    "plain",
    "render_decimal",
    "render_value",
    "row_hash",
    "take_snapshot",
    "volatile_columns",
]
