"""What a snapshot is: `SchemaSnapshot`, its canonical JSON, and what it leaves out.

A snapshot is plain, sorted JSON-ready data (dicts, lists, strings, numbers) that is equal
for two databases exactly when their schemas and table contents are equal. This module holds
the value itself and the list of tables no snapshot looks at (the migration tools' own
bookkeeping); taking one is `converter.snapshot.impl.take_snapshot`. It stands on the
standard library only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from converter.formats import tracking_tables

# the legacy tools' tracking tables (and alembic_version): one list, kept by the formats
DEFAULT_TRACKING_TABLES: frozenset[str] = tracking_tables()
"""Tables no snapshot looks at. An entry is a bare table name (any schema), `schema.table`,
or `schema.*` (a whole schema, such as Sqitch's registry)."""

SCHEMA_VERSION = 2  # 2: MySQL tables carry index_order. Bump when the snapshot layout changes: old JSON is then refused


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


class Excluder:
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
