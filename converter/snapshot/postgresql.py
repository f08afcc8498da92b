"""PostgreSQL: what the catalogs know that SQLAlchemy does not reflect, and signatures.

Every user schema of the database is looked at (not only the default one). One catalog query
per kind reads enums, domains, composite types, sequences, views, materialized views,
functions, triggers, policies, extensions and schemas, and, about the reflected tables,
index definitions (`pg_get_indexdef`), exclusion constraints, DEFERRABLE / NOT VALID flags,
persistence, storage options, row security and partitioning. For `Snapshotter`, one query
gives every table a schema signature, one every catalog's row versions, and one every
table's row count and row hashes. Reading a table's contents on an AUTOCOMMIT connection
opens a transaction (a server-side cursor needs one).

For verify, `database_signature` renders the same catalogs as text two databases built
alike share (no row versions, no object ids): the tables' signatures and, per other kind of
object, the snapshot's own catalog query's rows, hashed in the database.

Over 600 lines: every kind's catalog query is read twice, by the snapshot and by the
database signature, and both readings belong beside the queries they share.

Stands on `converter.snapshot.impl` (the shared implementation it overrides) and `.facts`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from converter.snapshot.digest import DataItem, read_tables
from converter.snapshot.facts import drop_empty
from converter.snapshot.impl import (
    CatalogReader,
    SnapshotImpl,
    has_unknown_types,
    name_unknown_types,
)
from converter.snapshot.model import Excluder

PG_SYSTEM_SCHEMA = re.compile(r"^(pg_|information_schema$)")

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


def _pg_extras(r: CatalogReader) -> None:
    schemas = r.schema_names
    if has_unknown_types(r):
        name_unknown_types(r, r.rows(PG_COLUMN_TYPES, schemas=schemas))
    _pg_table_options(r, r.rows(PG_TABLE_OPTIONS, schemas=schemas))
    matview_indexes = _pg_indexes(r, r.rows(PG_INDEXES, schemas=schemas))
    _pg_constraints(r, r.rows(PG_CONSTRAINTS, schemas=schemas))
    r.objects["schemas"] = {str(name): {} for name in schemas}
    for row in r.rows(PG_ENUMS, schemas=schemas):
        r.objects["enums"][r.key(row["schema"], row["name"])] = {"labels": list(row["labels"])}
    for row in r.rows(PG_DOMAINS, schemas=schemas):
        r.objects["domains"][r.key(row["schema"], row["name"])] = drop_empty(
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


def _pg_qualified_key(r: CatalogReader, qualified: str) -> str:
    schema, _, name = qualified.partition(".")
    return r.key(schema, name)


def _pg_table_options(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(row["schema"], row["name"])
        if table is None:
            continue
        options = drop_empty(
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
    return drop_empty(
        {
            "definition": row["definition"],
            "valid": None if row["indisvalid"] else False,
            "clustered": row["indisclustered"] or None,
        }
    )


def _pg_indexes(r: CatalogReader, rows: list[sa.RowMapping]) -> dict[str, dict[str, Any]]:
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


def _pg_constraints(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
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


def _pg_sequences(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        owned_by = None
        if row["owner_table"] is not None:
            if not r.has_table(row["owner_schema"], row["owner_table"]):
                continue  # belongs to an excluded (tracking) table
            owned_by = f"{r.key(row['owner_schema'], row['owner_table'])}.{row['owner_column']}"
        r.objects["sequences"][r.key(row["schema"], row["name"])] = drop_empty(
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
    r: CatalogReader, rows: list[sa.RowMapping], matview_indexes: dict[str, dict[str, Any]]
) -> None:
    for row in rows:
        key = r.key(row["schema"], row["name"])
        facts = {"definition": row["definition"], "options": sorted(row["reloptions"] or [])}
        if row["relkind"] == "m":
            facts["populated"] = row["relispopulated"]
            facts["indexes"] = dict(sorted(matview_indexes.get(key, {}).items()))
            r.objects["materialized_views"][key] = drop_empty(facts, keep=("populated",))
        else:
            r.objects["views"][key] = drop_empty(facts)


def _pg_functions(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        key = f"{r.key(row['schema'], row['name'])}({row['arguments']})"
        r.objects["functions"][key] = drop_empty(
            {
                "kind": PG_FUNCTION_KINDS.get(row["prokind"], row["prokind"]),
                "definition": row["definition"],
                "transition": row["transition"],
                "final": row["final"],
                "state_type": row["state_type"],
                "initial": row["initial"],
            }
        )


def _pg_triggers(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        if r.excluder.table(row["schema"], row["table_name"]):
            continue  # views are kept (INSTEAD OF triggers), tracking tables are not
        table = r.key(row["schema"], row["table_name"])
        r.objects["triggers"][f"{row['name']} on {table}"] = drop_empty(
            {
                "table": table,
                "definition": row["definition"],
                "enabled": PG_TRIGGER_ENABLED.get(row["enabled"], row["enabled"]),
            }
        )


def _pg_policies(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        if not r.has_table(row["schema"], row["table_name"]):
            continue
        table = r.key(row["schema"], row["table_name"])
        r.objects["policies"][f"{row['name']} on {table}"] = drop_empty(
            {
                "table": table,
                "permissive": row["permissive"],
                "roles": sorted(row["roles"] or []),
                "command": row["cmd"],
                "using": row["qual"],
                "with_check": row["with_check"],
            }
        )


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


def _pg_table_signatures(r: CatalogReader) -> dict[str, str]:
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
    (a spurious change, such as a VACUUM's, only costs a full read)."""
    key = conn.dialect.server_version_info
    sql = _CATALOG_QUERIES.get(key)
    if sql is None:
        catalogs = [row[0] for row in conn.exec_driver_sql(PG_CATALOGS)]
        sql = _CATALOG_QUERIES[key] = " UNION ALL ".join(
            f"SELECT '{name}', count(*), sum(xmin::text::bigint) FROM {name}" for name in catalogs
        )
    return ";".join(f"{name}:{count}:{total}" for name, count, total in conn.exec_driver_sql(sql))


PG_ROW_SIGNATURE = (
    "SELECT {n} AS n, count(*) AS rows, "
    "encode(sha256(textsend(coalesce(string_agg("
    "encode(sha256(textsend(ROW(x.*)::text)), 'hex'), ''), ''))), 'hex') AS digest "
    "FROM {table} AS x"
)


def _pg_data_signatures(
    conn: sa.Connection,
    items: list[DataItem],
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


PG_USER_SCHEMAS = """
SELECT nspname FROM pg_namespace
WHERE nspname !~ '^(pg_|information_schema$)' OR nspname = current_schema() ORDER BY 1
"""

# the table signature without the row version (differs between two databases built alike)
PG_COMPARABLE_TABLES = PG_TABLE_SIGNATURES.replace("c.xmin::text, ", "", 1)

# what the snapshot reads about everything but the tables (whose signature holds the
# rest), as (kind, query, the columns naming the table a row belongs to: rows of excluded
# tables are left out, as the snapshot leaves them out)
PG_COMPARED_KINDS: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    # materialized views' indexes (the tables' own are in their signatures)
    ("indexes", f"SELECT * FROM ({PG_INDEXES}) AS x WHERE x.relkind = 'm'", None),
    ("enums", PG_ENUMS, None),
    ("domains", PG_DOMAINS, None),
    ("types", PG_COMPOSITES, None),
    ("sequences", PG_SEQUENCES, ("owner_schema", "owner_table")),
    ("views", PG_VIEWS, None),
    ("functions", PG_FUNCTIONS, None),
    ("triggers", PG_TRIGGERS, ("schema", "table_name")),
    ("policies", PG_POLICIES, ("schema", "table_name")),
    ("extensions", PG_EXTENSIONS, None),
)


def _pg_kinds_query() -> str:
    """One statement: per kind, the row count and the SHA-256 of its rows' text, sorted."""
    selects = []
    for kind, sql, owner in PG_COMPARED_KINDS:
        where = ""
        if owner is not None:
            schema, table = owner
            where = f" WHERE NOT coalesce(q.{schema} || '.' || q.{table} = ANY(CAST(:excluded AS text[])), false)"
        selects.append(
            f"SELECT '{kind}' AS kind, count(*) AS n, encode(sha256(convert_to(coalesce("
            f"string_agg(q::text, E'\\n' ORDER BY q::text), ''), 'UTF8')), 'hex') AS digest "
            f"FROM ({sql}) AS q{where}"
        )
    return "\nUNION ALL\n".join(selects)


PG_KINDS = _pg_kinds_query()


def _pg_database_signature(
    conn: sa.Connection, excluder: Excluder, data: bool, memo: dict[str, Any]
) -> str | None:
    """The schemas looked at; every table's signature without its row version (its
    columns with rendered types and defaults, constraints, indexes, comments, options,
    parents, identity sequences); per other kind of object, the text of every row the
    snapshot's own catalog query returns; with `data`, every table's row count and row
    hashes (`PG_ROW_SIGNATURE`)."""
    default = conn.exec_driver_sql("SELECT current_schema()").scalar()
    schemas = [
        name
        for (name,) in conn.exec_driver_sql(PG_USER_SCHEMAS)
        if not excluder.schema(name) or name == default
    ]
    parts = ["schemas\x1f" + ",".join(schemas)]
    tables: list[tuple[str, str, str]] = []
    excluded = []
    for row in conn.execute(sa.text(PG_COMPARABLE_TABLES), {"schemas": schemas}).mappings():
        if excluder.table(row["schema"], row["name"]):
            excluded.append(f"{row['schema']}.{row['name']}")
        else:
            tables.append((row["schema"], row["name"], row["signature"]))
    tables.sort()
    parts += [f"table\x1f{schema}\x1f{name}\x1f{sig}" for schema, name, sig in tables]
    kinds = conn.execute(sa.text(PG_KINDS), {"schemas": schemas, "excluded": excluded})
    parts += [f"{kind}\x1f{n}\x1f{digest}" for kind, n, digest in kinds]
    if data:
        items: list[DataItem] = [
            (f"{schema}.{name}", (schema, name), {}) for schema, name, _ in tables
        ]
        signatures = _pg_data_signatures(conn, items, {})
        parts += [f"data\x1f{key}\x1f{signatures[key]}" for key, _, _ in items]
    return "\x1e".join(parts)


class PostgresqlImpl(SnapshotImpl):
    """PostgreSQL: every user schema, the catalogs' extras, incremental signatures."""

    dialect = "postgresql"
    has_schemas = True
    incremental = True

    def schemas(self, reader: CatalogReader) -> list[str | None]:
        """None (the default schema) plus every other user schema."""
        others = [
            name
            for name in reader.inspector.get_schema_names()
            if not PG_SYSTEM_SCHEMA.match(name)
            and name != reader.default_schema
            and not reader.excluder.schema(name)
        ]
        return [None, *sorted(others)]

    def read_extras(self, reader: CatalogReader) -> None:
        _pg_extras(reader)

    def read_data(self, conn: sa.Connection, items: list[DataItem]) -> dict[str, dict[str, Any]]:
        if items and getattr(conn.connection.driver_connection, "autocommit", False):
            # a server-side cursor needs a transaction, and SQLAlchemy cannot open one on an
            # AUTOCOMMIT connection; one REPEATABLE READ transaction also reads every table at
            # the same point in time
            conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                return read_tables(conn, items)
            finally:
                conn.exec_driver_sql("ROLLBACK")
        return super().read_data(conn, items)

    def table_signatures(self, reader: CatalogReader) -> dict[str, str]:
        return _pg_table_signatures(reader)

    def catalog_signature(self, conn: sa.Connection) -> str | None:
        return _catalog_signature(conn)

    def data_signatures(
        self,
        conn: sa.Connection,
        items: list[DataItem],
        memo: dict[str, tuple[dict[str, Any], str | None]],
    ) -> dict[str, str]:
        return _pg_data_signatures(conn, items, memo)

    def database_signature(
        self, conn: sa.Connection, excluder: Excluder, data: bool, memo: dict[str, Any]
    ) -> str | None:
        return _pg_database_signature(conn, excluder, data, memo)
