"""Differences between two `SchemaSnapshot`s, as lines a person can act on.

`diff_snapshots(a, b)` walks both snapshots the same way and lists every difference as
(object kind, object name, member, attribute, value in a, value in b):

    table customers, column email: type VARCHAR(320) vs VARCHAR(300)
    table plans: missing in alembic
    table plans, index ix_plans_name: missing in legacy
    enum plan_kind: labels ["basic", "pro"] vs ["basic", "pro", "max"]
    table plans, data: 3 rows vs 2 rows
    table plans, data: contents differ (digest 5e718049f470 vs 144a2b7139e1)

Long or multi-line values (view and function definitions, SQLite table SQL) are shown from
the first place they differ, not whole. Columns compared by row count only (volatile
defaults such as now()) are listed as notes: they are not differences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from converter.snapshot import SchemaSnapshot


class _Absent:
    """Marks a side that has no such object."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()

MEMBER_KINDS = {
    "columns": "column",
    "indexes": "index",
    "foreign_keys": "foreign key",
    "unique_constraints": "unique constraint",
    "check_constraints": "check constraint",
    "exclusion_constraints": "exclusion constraint",
    "constraint_triggers": "constraint trigger",
}
"""Table facts that hold named members; each member is compared attribute by attribute."""

TABLE_FACT_ORDER = (
    "columns",
    "column_order",
    "primary_key",
    "foreign_keys",
    "indexes",
    "unique_constraints",
    "check_constraints",
    "exclusion_constraints",
    "constraint_triggers",
    "comment",
    "options",
    "sql",
)
COLUMN_ATTRIBUTE_ORDER = ("type", "nullable", "default")

OBJECT_KINDS = {
    "views": "view",
    "materialized_views": "materialized view",
    "sequences": "sequence",
    "enums": "enum",
    "functions": "function",
    "procedures": "procedure",
    "triggers": "trigger",
    "extensions": "extension",
    "schemas": "schema",
    "domains": "domain",
    "types": "type",
    "policies": "policy",
    "events": "event",
}

EXCERPT_LIMIT = 100  # longer (or multi-line) values are shown from where they first differ
EXCERPT_CONTEXT = 40
DIGEST_SHOWN = 12


@dataclass(frozen=True)
class Difference:
    """One difference. `a`/`b` are ABSENT when that side has no such object; `member` names a
    part of the object ("column email", "index ix_a", "data") or is empty."""

    kind: str
    name: str
    member: str
    attribute: str
    a: Any
    b: Any

    def render(self, labels: tuple[str, str], sided: bool = False) -> str:
        """One line; `sided` says which side each value is from ("X in the history vs Y in
        the live database") instead of relying on the order of the labels."""
        head = f"{self.kind} {self.name}".strip()
        if self.member:
            head += f", {self.member}"
        if self.a is ABSENT:
            return f"{head}: missing in {labels[0]}"
        if self.b is ABSENT:
            return f"{head}: missing in {labels[1]}"
        a_in, b_in = (f" in {labels[0]}", f" in {labels[1]}") if sided else ("", "")
        if self.member == "data" and self.attribute == "rows":
            return f"{head}: {self.a} rows{a_in} vs {self.b} rows{b_in}"
        if self.member == "data" and self.attribute == "digest":
            return f"{head}: contents differ (digest {self.a[:DIGEST_SHOWN]}{a_in} vs {self.b[:DIGEST_SHOWN]}{b_in})"
        return f"{head}: {_render_change(self.attribute, self.a, self.b, a_in, b_in)}"

    def to_json(self, labels: tuple[str, str], sided: bool = False) -> dict[str, Any]:
        missing = labels[0] if self.a is ABSENT else labels[1] if self.b is ABSENT else None
        return {
            "kind": self.kind,
            "name": self.name,
            "member": self.member,
            "attribute": self.attribute,
            "a": None if self.a is ABSENT else self.a,
            "b": None if self.b is ABSENT else self.b,
            "missing_in": missing,
            "text": self.render(labels, sided),
        }


@dataclass
class SchemaDiff:
    labels: tuple[str, str]
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sided: bool = False  # each value says which side it is from (drift: live vs history)

    @property
    def is_empty(self) -> bool:
        return not self.differences

    def lines(self) -> list[str]:
        return [d.render(self.labels, self.sided) for d in self.differences]

    def __str__(self) -> str:
        lines = self.lines() or [f"no differences between {self.labels[0]} and {self.labels[1]}"]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])

    def to_json(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "equal": self.is_empty,
            "differences": [d.to_json(self.labels, self.sided) for d in self.differences],
            "notes": list(self.notes),
        }


def diff_snapshots(
    a: SchemaSnapshot, b: SchemaSnapshot, labels: tuple[str, str] = ("legacy", "alembic")
) -> SchemaDiff:
    """Every difference between `a` and `b`, schema first, then data."""
    out: list[Difference] = []
    if a.dialect != b.dialect:
        out.append(Difference("database", "", "", "dialect", a.dialect, b.dialect))
    for name in _union(a.tables, b.tables):
        ta, tb = a.tables.get(name, ABSENT), b.tables.get(name, ABSENT)
        if ta is not ABSENT and ta == tb:
            continue  # the quick test (one deep comparison) for the common case
        out.extend(_diff_table(name, ta, tb))
    for kind in _union(a.objects, b.objects):
        label = OBJECT_KINDS.get(kind, kind.rstrip("s").replace("_", " "))
        objs_a, objs_b = a.objects.get(kind, {}), b.objects.get(kind, {})
        if objs_a == objs_b:
            continue
        for name in _union(objs_a, objs_b):
            out.extend(
                _diff_facts(label, name, "", objs_a.get(name, ABSENT), objs_b.get(name, ABSENT))
            )
    diff = SchemaDiff(labels=labels, differences=out)
    _diff_data(a, b, diff)
    return diff


def _union(a: dict, b: dict) -> list[str]:
    return sorted(set(a) | set(b))


def _ordered(keys: set[str], first: tuple[str, ...]) -> list[str]:
    return [k for k in first if k in keys] + sorted(keys - set(first))


def _diff_table(name: str, a: Any, b: Any) -> list[Difference]:
    if a is ABSENT or b is ABSENT:
        return [Difference("table", name, "", "", a, b)]
    out: list[Difference] = []
    for fact in _ordered(set(a) | set(b), TABLE_FACT_ORDER):
        va, vb = a.get(fact), b.get(fact)
        if fact in MEMBER_KINDS:
            members_a, members_b = va or {}, vb or {}
            for member in _union(members_a, members_b):
                out.extend(
                    _diff_facts(
                        "table",
                        name,
                        f"{MEMBER_KINDS[fact]} {member}",
                        members_a.get(member, ABSENT),
                        members_b.get(member, ABSENT),
                    )
                )
        elif fact == "primary_key":
            out.extend(
                _diff_facts(
                    "table",
                    name,
                    "primary key",
                    ABSENT if va is None else va,
                    ABSENT if vb is None else vb,
                )
            )
        elif fact == "options":
            out.extend(_diff_facts("table", name, "", va or {}, vb or {}))
        elif va != vb:
            out.append(Difference("table", name, "", fact.replace("_", " "), va, vb))
    return out


def _diff_facts(kind: str, name: str, member: str, a: Any, b: Any) -> list[Difference]:
    """Compare two fact dicts attribute by attribute (absent attributes read as None)."""
    if a is ABSENT and b is ABSENT:
        return []
    if a is ABSENT or b is ABSENT:
        return [Difference(kind, name, member, "", a, b)]
    order = COLUMN_ATTRIBUTE_ORDER if member.startswith("column ") else ()
    return [
        Difference(kind, name, member, attr.replace("_", " "), a.get(attr), b.get(attr))
        for attr in _ordered(set(a) | set(b), order)
        if a.get(attr) != b.get(attr)
    ]


def _diff_data(a: SchemaSnapshot, b: SchemaSnapshot, diff: SchemaDiff) -> None:
    """Row counts, then contents; a table missing on one side is already reported."""
    if a.data is None or b.data is None:
        missing = [
            label for label, snap in zip(diff.labels, (a, b), strict=True) if snap.data is None
        ]
        diff.notes.append(
            f"data not compared: the {' and '.join(missing)} snapshot was taken without data"
        )
        return
    for name in sorted(set(a.data) & set(b.data)):
        da, db = a.data[name], b.data[name]
        if da["rows"] != db["rows"]:
            diff.differences.append(
                Difference("table", name, "data", "rows", da["rows"], db["rows"])
            )
        elif _compared_columns(a, a.data, name) != _compared_columns(b, b.data, name):
            # the digests cover different columns; the schema difference is already listed
            diff.notes.append(f"table {name}: contents not compared (the columns differ)")
        elif da["digest"] != db["digest"]:
            diff.differences.append(
                Difference("table", name, "data", "digest", da["digest"], db["digest"])
            )
    for name in sorted(set(a.data) | set(b.data)):
        volatile = sorted(
            set(a.data.get(name, {}).get("volatile_columns", []))
            | set(b.data.get(name, {}).get("volatile_columns", []))
        )
        if volatile:
            diff.notes.append(
                f"table {name}: {', '.join(volatile)} compared by row count only (volatile default)"
            )


def _compared_columns(
    snap: SchemaSnapshot, data: dict[str, dict[str, Any]], table: str
) -> list[str]:
    """`data` is `snap.data`, already known to be there."""
    columns = snap.tables.get(table, {}).get("columns", {})
    volatile = set(data[table]["volatile_columns"])
    return sorted(c for c in columns if c not in volatile)


def format_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value if value else "''"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _is_long(value: Any) -> bool:
    return isinstance(value, str) and ("\n" in value or len(value) > EXCERPT_LIMIT)


def _render_change(attribute: str, a: Any, b: Any, a_in: str = "", b_in: str = "") -> str:
    if isinstance(a, str) and isinstance(b, str) and (_is_long(a) or _is_long(b)):
        text = _excerpts(a, b)
        if a_in:
            text = text.replace(" vs ", f"{a_in} vs ", 1) + b_in
        return f"{attribute} {text}"
    return f"{attribute} {format_value(a)}{a_in} vs {format_value(b)}{b_in}"


def _excerpts(a: str, b: str) -> str:
    """Where two long texts first differ: the differing line, or for long single lines a
    window around the first differing character."""
    lines_a, lines_b = a.split("\n"), b.split("\n")
    n = next(
        (i for i in range(max(len(lines_a), len(lines_b))) if _at(lines_a, i) != _at(lines_b, i)),
        0,
    )
    la, lb = _at(lines_a, n), _at(lines_b, n)
    if la is not None and lb is not None and max(len(la), len(lb)) > EXCERPT_LIMIT:
        col = next(
            (i for i, (x, y) in enumerate(zip(la, lb, strict=False)) if x != y),
            min(len(la), len(lb)),
        )
        start = max(0, col - EXCERPT_CONTEXT)
        where = (
            f"line {n + 1}, character {col + 1}"
            if len(lines_a) > 1 or len(lines_b) > 1
            else f"character {col + 1}"
        )
        return f"differs at {where}: {_window(la, start)} vs {_window(lb, start)}"
    return f"differs at line {n + 1}: {_quote(la)} vs {_quote(lb)}"


def _at(lines: list[str], i: int) -> str | None:
    return lines[i] if i < len(lines) else None


def _window(text: str, start: int) -> str:
    end = start + 2 * EXCERPT_CONTEXT
    piece = text[start:end]
    return (
        ("..." if start else "")
        + json.dumps(piece, ensure_ascii=False)
        + ("..." if end < len(text) else "")
    )


def _quote(line: str | None) -> str:
    return "(end)" if line is None else json.dumps(line, ensure_ascii=False)
