"""Reflected facts as plain data: SQLAlchemy's reflected dictionaries, normalised.

SQLAlchemy's `Inspector` gives dictionaries holding type objects, `TextClause`s, tuples and
dialect options spelt out at their defaults. The helpers here turn each kind of member
(column, primary key, foreign key, index, unique and check constraint) into sorted
JSON-ready facts in which absent and empty read the same, key unnamed members by a
signature, and normalise SQL text (`normalise_sql`) so that insignificant whitespace does not
show as a difference. Every database's module builds its facts with them. Stands on
SQLAlchemy's type compiler and on `converter.snapshot.model` / `.digest` for canonical text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from converter.snapshot.digest import render_decimal
from converter.snapshot.model import canonical_json

WHITESPACE = re.compile(r"\s+")
SQL_QUOTED = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]""")
SPACE_BEFORE_PUNCT = re.compile(r" (?=[(),;])")
SPACE_AFTER_PUNCT = re.compile(r"(?<=[(,]) ")
COMMA_WITHOUT_SPACE = re.compile(r",(?! )")

UNKNOWN_TYPE = "NullType()"  # a column type SQLAlchemy did not recognise; the catalog names it


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


def _reflected(item: Mapping[str, Any], skip: tuple[str, ...]) -> dict[str, Any]:
    """A reflected dict as plain facts; dialect options at their defaults (empty, False)
    are dropped, so a dialect that spells out a default and one that omits it agree."""
    facts = {k: plain(v) for k, v in item.items() if k not in skip}
    options = facts.get("dialect_options")
    if isinstance(options, dict):
        facts["dialect_options"] = {
            k: v for k, v in options.items() if v not in (None, False, [], {}, "")
        }
    return facts


def drop_empty(facts: dict[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
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


def column_facts(col: Mapping[str, Any], dialect: sa.Dialect) -> dict[str, Any]:
    facts = _reflected(col, ("name", "type", "primary_key"))
    facts["type"] = _type_text(col["type"], dialect)
    facts["nullable"] = bool(col.get("nullable", True))
    return drop_empty(facts, keep=("type", "nullable"))


def pk_facts(pk: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not pk or not pk.get("constrained_columns"):
        return None
    facts = _reflected(pk, ("constrained_columns",))
    facts["columns"] = list(pk["constrained_columns"])
    return drop_empty(facts)


def keyed(
    items: Iterable[Mapping[str, Any]],
    key: Callable[[Mapping[str, Any]], str],
    facts: Callable[[Mapping[str, Any]], dict[str, Any]],
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


def _referred(fk: Mapping[str, Any]) -> str:
    table = fk["referred_table"]
    return f"{fk['referred_schema']}.{table}" if fk.get("referred_schema") else table


def fk_key(fk: Mapping[str, Any]) -> str:
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


def fk_facts(fk: Mapping[str, Any]) -> dict[str, Any]:
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
    return drop_empty(facts)


def index_key(ix: Mapping[str, Any]) -> str:
    return ix.get("name") or f"INDEX ({_columns_text(ix.get('column_names') or [])})"


def index_facts(ix: Mapping[str, Any]) -> dict[str, Any]:
    facts = _reflected(ix, ("name", "column_names", "include_columns"))
    facts["columns"] = list(ix.get("column_names") or [])
    facts["unique"] = bool(ix.get("unique"))
    return drop_empty(facts, keep=("columns", "unique"))


def unique_key(uc: Mapping[str, Any]) -> str:
    return uc.get("name") or f"UNIQUE ({_columns_text(uc['column_names'])})"


def unique_facts(uc: Mapping[str, Any]) -> dict[str, Any]:
    facts = _reflected(uc, ("name", "column_names"))
    facts["columns"] = list(uc["column_names"])
    return drop_empty(facts, keep=("columns",))


def check_key(ck: Mapping[str, Any]) -> str:
    return ck.get("name") or f"CHECK ({ck['sqltext']})"


def check_facts(ck: Mapping[str, Any]) -> dict[str, Any]:
    facts = _reflected(ck, ("name",))
    return drop_empty(facts, keep=("sqltext",))


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
