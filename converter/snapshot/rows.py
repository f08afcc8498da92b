"""The rows behind a data difference: what differs, a few rows at a time.

A snapshot keeps only a row count and a digest per table (`digest.py`). When two snapshots
differ in a table's contents, `differing_rows` reads that table in both databases and names
up to `limit` rows that differ: by primary key when the table has one (a row only on one
side, or the same key with other values), else by row content (rows only on one side).
Columns filled from volatile defaults are left out, as the digest leaves them out. Values are
rendered as the digest renders them, so what is shown is what was compared.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from converter.snapshot.digest import render_value

ROW_LIMIT = 5  # rows shown per table
READ_LIMIT = 200_000  # tables larger than this are not read row by row


def differing_rows(
    a: sa.Connection,
    b: sa.Connection,
    table: str,
    volatile: list[str],
    labels: tuple[str, str],
    limit: int = ROW_LIMIT,
) -> list[str]:
    """Lines naming up to `limit` rows of `table` that differ between `a` and `b`."""
    schema, _, name = table.rpartition(".") if "." in table else (None, "", table)
    insp_a = sa.inspect(a)
    if not insp_a.has_table(name, schema=schema or None):
        schema, name = None, table
    columns = [c["name"] for c in insp_a.get_columns(name, schema=schema or None)]
    columns = [c for c in columns if c not in volatile]
    pk = insp_a.get_pk_constraint(name, schema=schema or None).get("constrained_columns") or []
    pk = [c for c in pk if c in columns]
    source = sa.table(name, *(sa.column(c) for c in columns), schema=schema or None)
    rows_a, rows_b = _read(a, source, columns), _read(b, source, columns)
    if rows_a is None or rows_b is None:
        return [f"(more than {READ_LIMIT} rows: the differing rows are not listed)"]
    shown = [f"{name}({', '.join(columns)})"]
    out: list[str] = []
    if pk:
        key = [columns.index(c) for c in pk]
        by_a = {tuple(r[i] for i in key): r for r in rows_a}
        by_b = {tuple(r[i] for i in key): r for r in rows_b}
        for k in sorted(set(by_a) | set(by_b), key=repr):
            ra, rb = by_a.get(k), by_b.get(k)
            if ra == rb:
                continue
            where = ", ".join(f"{c}={_value(v)}" for c, v in zip(pk, k, strict=True))
            if rb is None:
                out.append(f"row {where}: only in {labels[0]}: {_show(ra)}")
            elif ra is None:
                out.append(f"row {where}: only in {labels[1]}: {_show(rb)}")
            else:
                out.append(f"row {where}: {_show(ra)} in {labels[0]} vs {_show(rb)} in {labels[1]}")
            if len(out) == limit:
                break
    else:
        ca, cb = Counter(rows_a), Counter(rows_b)
        for row in sorted((ca - cb).keys(), key=repr):
            out.append(f"row only in {labels[0]}: {_show(row)}")
        for row in sorted((cb - ca).keys(), key=repr):
            out.append(f"row only in {labels[1]}: {_show(row)}")
        out = out[:limit]
    return shown + out if out else []


def _read(conn: sa.Connection, source: sa.TableClause, columns: list[str]) -> list[tuple] | None:
    rows = conn.execute(sa.select(*(source.c[c] for c in columns)).limit(READ_LIMIT + 1)).all()
    if len(rows) > READ_LIMIT:
        return None
    return [tuple(render_value(v) for v in row) for row in rows]


def _value(rendered: str | None) -> str:
    """A value rendered by `render_value`, shown as SQL would write it."""
    if rendered is None:
        return "NULL"
    tag, text = rendered[0], rendered[1:]
    return "'" + text.replace("'", "''") + "'" if tag in "sdj" else text


def _show(row: tuple[Any, ...] | None) -> str:
    return "(" + ", ".join(_value(v) for v in row or ()) + ")"
