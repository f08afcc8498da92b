"""Table contents: row counts and order-independent content digests.

Each table's rows are read once, streamed (`STREAM_BATCH` rows per round trip), each value
rendered as tagged text (`render_value`: 1, '1' and 1.0 differ), each row hashed, and the
hashes added up (`content_digest`): equal multisets of rows give equal digests, whatever
order the database returns them in. Columns whose default is volatile (`now()`, `random()`,
...) get a new value in every build: they are counted, not compared. Stands on SQLAlchemy
Core and `canonical_json` (`converter.snapshot.model`); whatever a database needs around the
reading (PostgreSQL: a transaction) is its implementation's `read_data`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from converter.snapshot.model import canonical_json

STREAM_BATCH = 2000  # rows fetched per round trip when reading table contents

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


DataItem = tuple[str, tuple[str | None, str], dict[str, Any]]
"""One table to read: its snapshot key, (schema, name) and facts."""


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


def data_items(
    tables: dict[str, dict[str, Any]], locations: dict[str, tuple[str | None, str]]
) -> list[DataItem]:
    return [(key, locations[key], table) for key, table in tables.items()]


def read_tables(conn: sa.Connection, items: list[DataItem]) -> dict[str, dict[str, Any]]:
    """Row count and digest of each (key, location, table facts)."""
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
