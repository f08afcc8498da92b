"""Snapshots of one database taken again and again (verify: after every step).

`Snapshotter.take(conn)` equals `take_snapshot(conn)` but reads again only what may have
changed since its last snapshot: tables whose schema signature is unchanged keep their facts,
tables whose content signature is unchanged keep their row count and digest. The signatures
are the database's implementation's (`SnapshotImpl.table_signatures`, `.catalog_signature`,
`.data_signatures` in `postgresql.py` and `sqlite.py`); where it has none, every snapshot is
a full one.

Stands on `converter.snapshot.impl` (reader, reflection, implementations), `.digest` and
`.model`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from converter.snapshot.digest import data_items
from converter.snapshot.facts import plain
from converter.snapshot.impl import (
    CatalogReader,
    SnapshotImpl,
    collect_objects,
    impl_for,
    reflect,
    take_snapshot,
)
from converter.snapshot.model import (
    DEFAULT_TRACKING_TABLES,
    Excluder,
    SchemaSnapshot,
    canonical_json,
)


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
    `sqlite.SQLITE_SIGNED_ROWS` rows) are always read. MySQL/MariaDB have no signatures here:
    every snapshot is a full one.

    `signature(conn)` is the database's `SnapshotImpl.database_signature`: text that two
    databases (verify's legacy and Alembic ones) share only when their snapshots are equal,
    so that equal texts need no snapshot on either side (SQLite, PostgreSQL, MariaDB).

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
        self.excluder = Excluder(self.exclude_tables)
        self._tables: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (signature, facts)
        self._data: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (signature, data)
        self.reflected = self.read = 0  # tables reflected and read by the last take()
        self.schema_kept = 0  # takes that found the catalogs unchanged (PostgreSQL)
        self._queries: dict[str, tuple[dict[str, Any], str | None]] = {}  # data signature SQL
        self._signature_memo: dict[str, Any] = {}  # see signature()
        # (catalog signature, tables, objects, locations) of the last snapshot
        self._last: tuple[str | None, dict[str, Any], dict[str, Any], dict[str, Any]] | None = None

    def take(self, conn: sa.Connection, check_catalog: bool = True) -> SchemaSnapshot:
        """The snapshot; `check_catalog=False` when the caller knows the schema changed
        (PostgreSQL then does not ask whether any catalog row did)."""
        dialect = conn.dialect.name
        impl = impl_for(dialect)
        if not impl.incremental:
            snapshot = take_snapshot(conn, data=self.data, exclude_tables=self.exclude_tables)
            self.reflected = self.read = len(snapshot.tables)
            return snapshot
        catalog = impl.catalog_signature(conn) if check_catalog else None
        if catalog is not None and self._last is not None and self._last[0] == catalog:
            # no catalog row was added, changed or removed since the last snapshot: the
            # schema is the same; only the data may differ
            _, kept, objects, locations = self._last
            self.reflected = 0
            self.schema_kept += 1
            snapshot = SchemaSnapshot(dialect=dialect, tables=kept, objects=objects)
            if self.data:
                snapshot.data = self._take_data(conn, impl, locations, kept, {})
            return snapshot
        reader = CatalogReader(conn, self.excluder)
        signatures = impl.table_signatures(reader)
        stale = {
            key
            for key, sig in signatures.items()
            if key not in self._tables or self._tables[key][0] != sig
        }
        reflect(reader, set(self._tables) - stale)  # a table without a signature is reflected
        fresh = plain(reader.tables)
        tables: dict[str, dict[str, Any]] = {}
        for key in sorted(reader.known):
            tables[key] = fresh[key] if key in fresh else self._tables[key][1]
        self._tables = {key: (signatures[key], tables[key]) for key in tables if key in signatures}
        self.reflected = len(fresh)
        snapshot = SchemaSnapshot(dialect=dialect, tables=tables, objects=collect_objects(reader))
        if self.data:
            snapshot.data = self._take_data(conn, impl, reader.locations, tables, fresh)
        self._last = (catalog, tables, snapshot.objects, dict(reader.locations))
        return snapshot

    def signature(self, conn: sa.Connection) -> str | None:
        """The database's `SnapshotImpl.database_signature`: two databases whose texts are
        equal (not None) have equal snapshots, and neither needs taking. None: not known
        (a database without one, or a query it could not run): take the snapshots."""
        impl = impl_for(conn.dialect.name)
        try:
            return impl.database_signature(conn, self.excluder, self.data, self._signature_memo)
        except sa.exc.DBAPIError:
            return None

    def _take_data(
        self,
        conn: sa.Connection,
        impl: SnapshotImpl,
        locations: dict[str, tuple[str | None, str]],
        tables: dict[str, dict[str, Any]],
        fresh: dict[str, Any],
    ) -> dict[str, dict[str, Any]]:
        items = data_items(tables, locations)
        signatures = impl.data_signatures(conn, items, self._queries)
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
        read = impl.read_data(conn, stale)
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
