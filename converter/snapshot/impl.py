"""Taking a snapshot: the catalog reader, and the implementation each database overrides.

`take_snapshot(conn)` reflects every table with SQLAlchemy's bulk reflection
(`Inspector.get_multi_*`, in `CatalogReader`), then lets the database's implementation read
what SQLAlchemy does not reflect (`SnapshotImpl.read_extras`), then reads the data
(`SnapshotImpl.read_data`). As in Alembic's `ddl/impl.py`, `SnapshotImpl` is the shared
implementation and each database's module (`postgresql.py`, `mysql.py`, `sqlite.py`)
subclasses it; a subclass registers itself under the SQLAlchemy dialect name it sets, and
`impl_for(name)` finds it (a dialect without one gets the shared implementation: tables only,
every snapshot a full one). Nothing outside those modules asks which database it is.

Stands on `converter.snapshot.model` (the snapshot value, the excluded tables),
`.facts` (reflected dictionaries as plain facts) and `.digest` (table contents).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa

from converter.snapshot.digest import DataItem, data_items, read_tables
from converter.snapshot.facts import (
    UNKNOWN_TYPE,
    check_facts,
    check_key,
    column_facts,
    drop_empty,
    fk_facts,
    fk_key,
    index_facts,
    index_key,
    keyed,
    pk_facts,
    plain,
    unique_facts,
    unique_key,
)
from converter.snapshot.model import DEFAULT_TRACKING_TABLES, Excluder, SchemaSnapshot


def take_snapshot(
    conn: sa.Connection,
    *,
    data: bool = True,
    exclude_tables: Iterable[str] = DEFAULT_TRACKING_TABLES,
) -> SchemaSnapshot:
    """Snapshot the database `conn` is connected to (its current database; on PostgreSQL
    every non-system schema). Reads only; with data=True reads every table once, streamed."""
    reader = CatalogReader(conn, Excluder(exclude_tables))
    reflect(reader)
    return SchemaSnapshot(
        dialect=conn.dialect.name,
        tables=plain(reader.tables),
        objects=collect_objects(reader),
        data=(
            reader.impl.read_data(conn, data_items(reader.tables, reader.locations))
            if data
            else None
        ),
    )


def reflect(reader: CatalogReader, reused: Iterable[str] = ()) -> None:
    """Reflect the tables (but those in `reused`), then the dialect's catalog extras: every
    non-table object, and what SQLAlchemy misses about the reflected tables."""
    with warnings.catch_warnings():
        # types SQLAlchemy does not know (citext, ltree, ...) are named from the catalog
        warnings.filterwarnings("ignore", "Did not recognize type", sa.exc.SAWarning)
        # expression indexes SQLAlchemy skips are read from the catalog (SQLite PRAGMAs)
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        reader.reflect_tables(reused)
    reader.impl.read_extras(reader)


def collect_objects(reader: CatalogReader) -> dict[str, dict[str, Any]]:
    return plain(
        {kind: dict(sorted(objs.items())) for kind, objs in sorted(reader.objects.items()) if objs}
    )


def left_out(
    conn: sa.Connection, exclude_tables: Iterable[str] = DEFAULT_TRACKING_TABLES
) -> list[str]:
    """The migration bookkeeping tables (and registry schemas, `sqitch.*`) this database holds,
    which snapshots leave out: what a comparison names as not compared."""
    excluder = Excluder(exclude_tables)
    inspector = sa.inspect(conn)
    found = [t for t in inspector.get_table_names() if excluder.table(None, t)]
    if conn.dialect.name == "postgresql":
        found += [f"{s}.*" for s in inspector.get_schema_names() if excluder.schema(s)]
        for schema in inspector.get_schema_names():
            if schema in ("information_schema", inspector.default_schema_name) or schema.startswith(
                "pg_"
            ):
                continue
            found += [
                f"{schema}.{t}"
                for t in inspector.get_table_names(schema=schema)
                if excluder.table(schema, t) and not excluder.schema(schema)
            ]
    return sorted(set(found))


class CatalogReader:
    """Everything one snapshot collects while it is being taken, and the connection,
    inspector and implementation it reads with."""

    def __init__(self, conn: sa.Connection, excluder: Excluder) -> None:
        self.conn = conn
        self.excluder = excluder
        self.impl = impl_for(conn.dialect.name)
        self.inspector = sa.inspect(conn)
        self.default_schema = self.inspector.default_schema_name
        self.schemas = self.impl.schemas(self)
        self.tables: dict[str, dict[str, Any]] = {}  # the tables reflected by this reader
        self.known: set[str] = set()  # every table of the snapshot, reflected here or not
        self.locations: dict[str, tuple[str | None, str]] = {}  # table key -> (schema, name)
        # foreign keys as SQLAlchemy gave them, by table key
        self.reflected_fks: dict[str, Sequence[Mapping[str, Any]]] = {}
        self.objects: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self._once: dict[str, list[sa.RowMapping]] = {}  # query -> rows, see rows_once

    @property
    def has_schemas(self) -> bool:
        """Schemas inside the database (PostgreSQL); elsewhere the database is the schema."""
        return self.impl.has_schemas

    @property
    def schema_names(self) -> list[str | None]:
        """Real names of the schemas looked at (for catalog queries); None only when the
        server has no current schema."""
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

    def rows_once(self, sql: str) -> list[sa.RowMapping]:
        """A catalog query without parameters, read once per reader (SQLite's sqlite_master
        serves both the table signatures and the extras)."""
        if sql not in self._once:
            self._once[sql] = self.rows(sql)
        return self._once[sql]

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
        ins = self.inspector
        kw: dict[str, Any] = {"schema": schema, "filter_names": names}
        columns = ins.get_multi_columns(**kw)
        pks = ins.get_multi_pk_constraint(**kw)
        fks = ins.get_multi_foreign_keys(**kw)
        replaced = self.impl.replaced_reflections
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
            self.tables[key] = drop_empty(
                {
                    "columns": {c["name"]: column_facts(c, dialect) for c in cols},
                    "column_order": [c["name"] for c in cols],
                    "primary_key": pk_facts(pks.get(where)),
                    "foreign_keys": keyed(fks.get(where, []), fk_key, fk_facts),
                    "indexes": keyed(indexes.get(where, []), index_key, index_facts),
                    "unique_constraints": keyed(uniques.get(where, []), unique_key, unique_facts),
                    "check_constraints": keyed(checks.get(where, []), check_key, check_facts),
                    "comment": (comments.get(where) or {}).get("text"),
                },
                keep=("columns", "column_order"),
            )


_impls: dict[str, type[SnapshotImpl]] = {}  # SQLAlchemy dialect name -> implementation


class SnapshotImpl:
    """What a snapshot reads the same way on every database; a database's module subclasses
    it, sets `dialect`, and overrides what its catalog knows better."""

    dialect: ClassVar[str] = "default"  # the SQLAlchemy dialect name served
    has_schemas: ClassVar[bool] = False  # schemas inside the database (PostgreSQL)
    replaced_reflections: ClassVar[tuple[str, ...]] = ()
    """SQLAlchemy reflections ("indexes", "checks") the catalog queries of `read_extras`
    replace: not asked for at all."""
    incremental: ClassVar[bool] = False
    """Whether `table_signatures` gives signatures, so that a `Snapshotter` can keep the
    facts of unchanged tables; without them every snapshot is a full one."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "dialect" in cls.__dict__:
            _impls[cls.dialect] = cls

    def schemas(self, reader: CatalogReader) -> list[str | None]:
        """The schemas to look at: None (the default schema) only, unless overridden."""
        return [None]

    def read_extras(self, reader: CatalogReader) -> None:
        """Read what SQLAlchemy does not reflect: every non-table object, and what it misses
        about the reflected tables (`reader.tables`, which this may change)."""

    def read_data(self, conn: sa.Connection, items: list[DataItem]) -> dict[str, dict[str, Any]]:
        """Row count and digest of each (key, location, table facts)."""
        if not items:
            return {}
        return read_tables(conn, items)

    def table_signatures(self, reader: CatalogReader) -> dict[str, str]:
        """Per table key, text that changes whenever the table's facts may have (see
        `incremental`); a table without one is reflected every time."""
        return {}

    def catalog_signature(self, conn: sa.Connection) -> str | None:
        """Text that changes whenever any schema object may have, or None (not known)."""
        return None

    def data_signatures(
        self,
        conn: sa.Connection,
        items: list[DataItem],
        memo: dict[str, tuple[dict[str, Any], str | None]],
    ) -> dict[str, str]:
        """Per table key, text that changes whenever the table's rows may have; `memo`
        keeps what the implementation builds per table between calls."""
        return {}

    def database_signature(
        self, conn: sa.Connection, excluder: Excluder, data: bool, memo: dict[str, Any]
    ) -> str | None:
        """Text that two databases of this kind (on one server, or two SQLite files read by
        one library) have in common only when their snapshots are equal (with `data`, their
        contents too), so that equal texts need no snapshot at all; or None (not known
        here: snapshot). Unlike the signatures above, it holds nothing that differs between
        two databases built alike (row versions, object ids); texts that differ may still
        belong to equal snapshots. `memo` keeps what the implementation builds between
        calls on one database."""
        return None


def impl_for(dialect_name: str) -> SnapshotImpl:
    """The implementation registered for a SQLAlchemy dialect name, or the shared one."""
    return _impls.get(dialect_name, SnapshotImpl)()


def _optional(method: Callable[..., dict], kw: dict[str, Any]) -> dict:
    """A bulk reflection the dialect may not have (SQLite has no table comments)."""
    try:
        return method(**kw)
    except NotImplementedError:
        return {}


def has_unknown_types(r: CatalogReader) -> bool:
    return any(c["type"] == UNKNOWN_TYPE for t in r.tables.values() for c in t["columns"].values())


def name_unknown_types(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    """Columns of types SQLAlchemy does not know get the catalog's name for the type, so
    citext and ltree do not both read as "unknown"."""
    for row in rows:
        table = r.table_for(row.get("schema"), row["table_name"])
        column = table["columns"].get(row["name"]) if table else None
        if column is not None and column["type"] == UNKNOWN_TYPE:
            column["type"] = row["type"]
