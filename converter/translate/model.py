"""The model a statement is read into, and the facts the proof compares.

A statement describes as a list of `Action`s (`CreateTable`, `AddColumn`, `CreateIndex`,
...), plain dataclasses made of smaller ones (`Column`, `Unique`, `ForeignKey`, `Text`, ...).
`as_facts` turns any of them into plain dicts and lists: what two readings of a statement
must agree on. Fields made with `_hidden` (exact original texts, sqlglot trees) are carried to
the operations but never compared. `Refused` is what every step of the translation raises
when a statement cannot be translated provably losslessly.

Stands on `converter.types` (`TypeKey`: a type as compared) and sqlglot's `DataType`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field

from sqlglot import exp

from converter.types import TypeKey

SERIAL_TYPES = {"SERIAL", "BIGSERIAL", "SMALLSERIAL"}


class Refused(Exception):
    """The statement cannot be translated provably losslessly; the message says why."""


def _hidden(default=None):
    """A field the operations need but the facts do not compare (exact text, trees)."""
    return field(default=default, compare=False, metadata={"fact": False})


@dataclass
class Text:
    """An expression kept as written: compared by its tree and by its words."""

    sql: str  # sqlglot's rendering of the tree
    words: str  # the original tokens (so `now()` is not `CURRENT_TIMESTAMP`)
    text: str = _hidden("")  # the exact original slice: what the operation carries


@dataclass
class Column:
    name: str
    type: TypeKey
    nullable: bool | str  # True, False or "unsaid" (MySQL TIMESTAMP: the server decides)
    default: Text | None = None
    autoincrement: bool = False
    identity: dict | None = None
    comment: str | None = None
    spelling: str = _hidden("")
    dtype: exp.DataType | None = _hidden()
    said_null: bool | None = _hidden()  # NULL / NOT NULL as written (None: not said)


@dataclass
class PrimaryKey:
    name: str | None
    columns: list[str]


@dataclass
class Unique:
    name: str | None
    columns: list[str]


@dataclass
class ForeignKey:
    name: str | None
    columns: list[str]
    ref_table: tuple[str | None, str]
    ref_columns: list[str]
    options: dict


@dataclass
class Check:
    name: str | None
    expression: Text


@dataclass
class IndexElement:
    column: str | None  # a plain column, or None and...
    expression: Text | None  # ...an expression (with its ASC/DESC, NULLS, opclass) as written


@dataclass
class TableOptions:
    """MySQL table options (`DEFAULT CHARSET` and `CHARSET` are one thing)."""

    engine: str | None = None
    charset: str | None = None
    collate: str | None = None
    comment: str | None = None
    charset_default: bool = _hidden(False)


class Action:
    """One schema change; a statement describes as a list of them."""


@dataclass
class CreateTable(Action):
    table: tuple[str | None, str]
    if_not_exists: bool
    columns: list[Column]
    primary_key: PrimaryKey | None
    uniques: list[Unique]
    foreign_keys: list[ForeignKey]
    checks: list[Check]
    options: TableOptions


@dataclass
class DropTable(Action):
    table: tuple[str | None, str]
    if_exists: bool


@dataclass
class AddColumn(Action):
    table: tuple[str | None, str]
    column: Column
    if_not_exists: bool


@dataclass
class DropColumn(Action):
    table: tuple[str | None, str]
    column: str
    if_exists: bool


@dataclass
class SetNullable(Action):
    table: tuple[str | None, str]
    column: str
    nullable: bool


@dataclass
class SetDefault(Action):
    table: tuple[str | None, str]
    column: str
    default: Text | None  # None: DROP DEFAULT


@dataclass
class SetType(Action):
    table: tuple[str | None, str]
    column: str
    type: TypeKey
    spelling: str = _hidden("")
    dtype: exp.DataType | None = _hidden()


@dataclass
class RenameTable(Action):
    table: tuple[str | None, str]
    new_name: str


@dataclass
class RenameColumn(Action):
    table: tuple[str | None, str]
    column: str
    new_name: str


@dataclass
class AddConstraint(Action):
    table: tuple[str | None, str]
    constraint: Unique | ForeignKey | Check


@dataclass
class DropConstraint(Action):
    table: tuple[str | None, str]
    name: str
    type: str | None  # MySQL needs it: "foreignkey"


@dataclass
class CreateIndex(Action):
    table: tuple[str | None, str]
    name: str
    unique: bool
    elements: list[IndexElement]
    where: Text | None
    using: str | None
    if_not_exists: bool


@dataclass
class DropIndex(Action):
    schema: str | None
    name: str
    table: str | None  # MySQL only
    if_exists: bool


@dataclass
class TableComment(Action):
    table: tuple[str | None, str]
    comment: str | None


@dataclass
class ColumnComment(Action):
    table: tuple[str | None, str]
    column: str
    comment: str | None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_PLAIN_FACTS = frozenset({str, int, float, bool, type(None)})


@functools.cache
def _fact_fields(cls: type) -> tuple[str | None, tuple[str, ...]]:
    """A dataclass's kind (None for Text) and the names of its fields that are facts."""
    kind = None if issubclass(cls, Text) else _snake(cls.__name__)
    return kind, tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("fact", True))


def as_facts(value):
    if type(value) in _PLAIN_FACTS:
        return value
    if isinstance(value, TypeKey):
        return str(value)
    if dataclasses.is_dataclass(value):
        kind, names = _fact_fields(type(value))
        out = {} if kind is None else {"kind": kind}
        for name in names:
            out[name] = as_facts(getattr(value, name))
        return out
    if isinstance(value, (list, tuple)):
        return [as_facts(v) for v in value]
    if isinstance(value, dict):
        return {k: as_facts(v) for k, v in value.items()}
    return value
