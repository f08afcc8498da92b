"""Column types: a legacy column type -> a SQLAlchemy type, only when that is exact.

The legacy type arrives as sqlglot's `DataType` plus its spelling in the legacy text (sqlglot
folds spellings the server keeps apart: MySQL `REAL` and `FLOAT` both become FLOAT,
`TIMESTAMP` becomes TIMESTAMPTZ, SQLite `INT` becomes INTEGER). Each spelling is reduced to a
`TypeKey`, the dialect's own notion of "the same type" (PostgreSQL `int4` = `integer`, MySQL
`NUMERIC(10,2)` = `DECIMAL(10,2)`, SQLite: only whitespace and case, because the declared
name decides the affinity and is kept in the schema).

`to_sqlalchemy` proposes SQLAlchemy types (generic `sa.*` types first, then the dialect's
own `ischema_names` table) and returns the first one that compiles, for that dialect, to a
spelling with the same key. Anything else -> None: the caller keeps the statement verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlglot import exp

from converter.dialects import sa_dialect, sqlglot_dialect

# sqlglot types never translated: containers, user-defined (named enums, domains), geometry...
REFUSED = {
    exp.DataType.Type.ARRAY,
    exp.DataType.Type.USERDEFINED,
    exp.DataType.Type.STRUCT,
    exp.DataType.Type.MAP,
    exp.DataType.Type.NESTED,
    exp.DataType.Type.UNKNOWN,
}

SPELLING_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^'\\]|'')*')
      | (?P<qid>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
      | (?P<num>[+-]?\d+)
      | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
      | (?P<punct>[(),\[\].])
    )""",
    re.X,
)
TZ_SUFFIX = {("WITH", "TIME", "ZONE"): True, ("WITHOUT", "TIME", "ZONE"): False}
MYSQL_FLAGS = {"UNSIGNED", "ZEROFILL", "SIGNED"}

PG_NAMES = {
    "INT": "INTEGER", "INT4": "INTEGER", "INTEGER": "INTEGER",
    "INT2": "SMALLINT", "SMALLINT": "SMALLINT",
    "INT8": "BIGINT", "BIGINT": "BIGINT",
    "SERIAL": "SERIAL", "SERIAL4": "SERIAL",
    "BIGSERIAL": "BIGSERIAL", "SERIAL8": "BIGSERIAL",
    "SMALLSERIAL": "SMALLSERIAL", "SERIAL2": "SMALLSERIAL",
    "REAL": "REAL", "FLOAT4": "REAL",
    "DOUBLE PRECISION": "DOUBLE PRECISION", "FLOAT8": "DOUBLE PRECISION",
    "FLOAT": "FLOAT",
    "NUMERIC": "NUMERIC", "DECIMAL": "NUMERIC",
    "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN",
    "VARCHAR": "VARCHAR", "CHARACTER VARYING": "VARCHAR",
    "CHAR": "CHAR", "CHARACTER": "CHAR",
    "TEXT": "TEXT", "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP", "TIMESTAMPTZ": "TIMESTAMPTZ",
    "TIME": "TIME", "TIMETZ": "TIMETZ",
    "INTERVAL": "INTERVAL", "BYTEA": "BYTEA", "UUID": "UUID",
    "JSON": "JSON", "JSONB": "JSONB", "INET": "INET", "CIDR": "CIDR",
    "MACADDR": "MACADDR", "MONEY": "MONEY",
}  # fmt: skip
MYSQL_NAMES = {
    "INT": "INT", "INTEGER": "INT", "TINYINT": "TINYINT", "SMALLINT": "SMALLINT",
    "MEDIUMINT": "MEDIUMINT", "BIGINT": "BIGINT",
    "BOOL": "BOOL", "BOOLEAN": "BOOL",
    "REAL": "REAL", "DOUBLE": "DOUBLE", "DOUBLE PRECISION": "DOUBLE", "FLOAT": "FLOAT",
    "DECIMAL": "DECIMAL", "NUMERIC": "DECIMAL", "DEC": "DECIMAL", "FIXED": "DECIMAL",
    "VARCHAR": "VARCHAR", "CHARACTER VARYING": "VARCHAR", "CHAR": "CHAR", "CHARACTER": "CHAR",
    "TEXT": "TEXT", "TINYTEXT": "TINYTEXT", "MEDIUMTEXT": "MEDIUMTEXT", "LONGTEXT": "LONGTEXT",
    "BLOB": "BLOB", "TINYBLOB": "TINYBLOB", "MEDIUMBLOB": "MEDIUMBLOB", "LONGBLOB": "LONGBLOB",
    "BINARY": "BINARY", "VARBINARY": "VARBINARY",
    "DATE": "DATE", "DATETIME": "DATETIME", "TIMESTAMP": "TIMESTAMP", "TIME": "TIME",
    "YEAR": "YEAR", "JSON": "JSON", "ENUM": "ENUM", "SET": "SET", "BIT": "BIT",
}  # fmt: skip
SERIAL_INTEGER = {"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT", "SMALLSERIAL": "SMALLINT"}


@dataclass(frozen=True)
class TypeKey:
    """A column type as the dialect sees it: two spellings with equal keys are one type.

    `raw` is set (and name holds the normalised spelling) for spellings this module does
    not understand: they still compare, but never translate.
    """

    name: str
    params: tuple = ()
    flags: tuple[str, ...] = ()
    raw: bool = False

    def __str__(self) -> str:
        text = self.name
        if self.params:
            text += (
                "(" + ",".join(repr(p) if isinstance(p, str) else str(p) for p in self.params) + ")"
            )
        return " ".join([text, *self.flags])


@dataclass(frozen=True)
class _Spelling:
    words: tuple[str, ...]  # before the parameters, upper case
    params: tuple  # ints, or strings (ENUM/SET labels)
    suffix: tuple[str, ...]  # after the parameters, upper case
    has_parens: bool


def _tokens(spelling: str) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] = []
    pos = 0
    spelling = spelling.strip()
    while pos < len(spelling):
        m = SPELLING_TOKEN.match(spelling, pos)
        if m is None or m.end() == pos or m.lastgroup is None:  # every alternative is named
            return None
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


def _split(spelling: str) -> _Spelling | None:
    tokens = _tokens(spelling)
    if not tokens:
        return None
    words: list[str] = []
    params: list[int | str] = []
    suffix: list[str] = []
    state = "words"
    for kind, value in tokens:
        if state == "words" and kind == "word":
            words.append(value.upper())
        elif state == "words" and value == "(":
            state = "params"
        elif state == "params" and kind == "num":
            params.append(int(value))
        elif state == "params" and kind == "str":
            params.append(value[1:-1].replace("''", "'"))
        elif state == "params" and value == ",":
            continue
        elif state == "params" and value == ")":
            state = "suffix"
        elif state in ("words", "suffix") and kind == "word" and words:
            suffix.append(value.upper())
            state = "suffix"
        else:
            return None
    if state == "params" or not words:
        return None
    return _Spelling(tuple(words), tuple(params), tuple(suffix), state == "suffix")


def _raw(spelling: str) -> TypeKey:
    return TypeKey(" ".join(spelling.upper().split()), raw=True)


def type_key(spelling: str, dialect: str) -> TypeKey:
    """The dialect's canonical form of a type spelling (raw=True when not understood)."""
    parts = _split(spelling)
    if parts is None:
        return _raw(spelling)
    key = {"postgresql": _pg_key, "mysql": _mysql_key, "sqlite": _sqlite_key}[dialect](parts)
    return key if key is not None else _raw(spelling)


def _ints(params: tuple) -> bool:
    return all(isinstance(p, int) for p in params)


def _pg_key(parts: _Spelling) -> TypeKey | None:
    words, suffix = list(parts.words), list(parts.suffix)
    tz = None
    for tail, value in TZ_SUFFIX.items():
        for seq in (words, suffix):
            if tuple(seq[-3:]) == tail:
                del seq[-3:]
                tz = value
    name = PG_NAMES.get(" ".join(words))
    params = parts.params
    if name is None or suffix or not _ints(params):
        return None
    if tz is not None and name not in ("TIMESTAMP", "TIME"):
        return None
    if name in ("TIMESTAMP", "TIME") and tz:
        name += "TZ"
    if name == "FLOAT":
        if len(params) > 1 or (params and not 1 <= params[0] <= 53):
            return None
        name, params = ("REAL" if params and params[0] <= 24 else "DOUBLE PRECISION"), ()
    elif name == "NUMERIC" and len(params) == 1:
        params = (params[0], 0)
    elif name == "CHAR" and not params:
        params = (1,)
    return TypeKey(name, params)


def _mysql_key(parts: _Spelling) -> TypeKey | None:
    words = list(parts.words)
    flags = set(parts.suffix)
    while words and words[-1] in MYSQL_FLAGS:
        flags.add(words.pop())
    if not flags <= MYSQL_FLAGS:
        return None
    flags.discard("SIGNED")
    name = MYSQL_NAMES.get(" ".join(words))
    params = parts.params
    if name is None:
        return None
    if name in ("ENUM", "SET"):
        if not params or _ints(params) or not all(isinstance(p, str) for p in params):
            return None
    elif not _ints(params):
        return None
    if name == "DECIMAL":
        params = {0: (10, 0), 1: (*params, 0)}.get(len(params), params)
    elif name in ("CHAR", "BINARY", "BIT") and not params:
        params = (1,)
    return TypeKey(name, tuple(params), tuple(sorted(flags)))


def _sqlite_key(parts: _Spelling) -> TypeKey | None:
    if parts.suffix or not _ints(parts.params):
        return None
    return TypeKey(" ".join(parts.words), parts.params)


def compiled_key(type_: sa.types.TypeEngine, dialect: str) -> TypeKey | None:
    """The key of the spelling SQLAlchemy emits for `type_` on `dialect`."""
    try:
        spelling = type_.compile(dialect=sa_dialect(dialect))
    except Exception:  # noqa: BLE001 - a type the dialect cannot render is simply not a candidate
        return None
    return type_key(spelling, dialect)


def _comparable(key: TypeKey) -> TypeKey:
    """SERIAL is INTEGER plus a sequence: the type itself compiles as the integer."""
    if key.name in SERIAL_INTEGER:
        return TypeKey(SERIAL_INTEGER[key.name], key.params, key.flags)
    return key


# Generic candidates per canonical name: `sa.*` types render as plain `sa.X(...)` in a revision.
Factory = Callable[[TypeKey], sa.types.TypeEngine]
GENERIC: dict[str, list[Factory]] = {
    "INTEGER": [lambda k: sa.Integer()],
    "INT": [lambda k: sa.Integer()],
    "SERIAL": [lambda k: sa.Integer()],
    "SMALLINT": [lambda k: sa.SmallInteger()],
    "SMALLSERIAL": [lambda k: sa.SmallInteger()],
    "BIGINT": [lambda k: sa.BigInteger()],
    "BIGSERIAL": [lambda k: sa.BigInteger()],
    "REAL": [lambda k: sa.REAL()],
    "DOUBLE PRECISION": [lambda k: sa.Double()],
    "DOUBLE": [lambda k: sa.Double()],
    "FLOAT": [lambda k: sa.Float(*k.params[:1])],
    "NUMERIC": [lambda k: sa.Numeric(*k.params)],
    "DECIMAL": [lambda k: sa.Numeric(*k.params)],
    "BOOLEAN": [lambda k: sa.Boolean()],
    "BOOL": [lambda k: sa.Boolean()],
    "VARCHAR": [lambda k: sa.String(*k.params)],
    "CHAR": [lambda k: sa.CHAR(*k.params)],
    "TEXT": [lambda k: sa.Text(*k.params)],
    "DATE": [lambda k: sa.Date()],
    "DATETIME": [lambda k: sa.DateTime()],
    "TIMESTAMP": [lambda k: sa.TIMESTAMP()],
    "TIMESTAMPTZ": [lambda k: sa.TIMESTAMP(timezone=True)],
    "TIME": [lambda k: sa.Time()],
    "TIMETZ": [lambda k: sa.Time(timezone=True)],
    "INTERVAL": [lambda k: sa.Interval()],
    "BYTEA": [lambda k: sa.LargeBinary()],
    "BLOB": [lambda k: sa.LargeBinary()],
    "BINARY": [lambda k: sa.BINARY(*k.params)],
    "VARBINARY": [lambda k: sa.VARBINARY(*k.params)],
    "UUID": [lambda k: sa.Uuid()],
    "JSON": [lambda k: sa.JSON()],
    "ENUM": [lambda k: sa.Enum(*k.params)],
}

_MYSQL_INT = {
    "INT": mysql.INTEGER,
    "TINYINT": mysql.TINYINT,
    "SMALLINT": mysql.SMALLINT,
    "MEDIUMINT": mysql.MEDIUMINT,
    "BIGINT": mysql.BIGINT,
}
_MYSQL_FLOAT: dict[str, Callable[..., sa.types.TypeEngine]] = {
    "DOUBLE": mysql.DOUBLE,
    "FLOAT": mysql.FLOAT,
    "REAL": mysql.REAL,
    "DECIMAL": mysql.DECIMAL,
}
_PG_PRECISION: dict[str, Callable[[int], sa.types.TypeEngine]] = {
    "TIMESTAMP": lambda p: postgresql.TIMESTAMP(precision=p),
    "TIMESTAMPTZ": lambda p: postgresql.TIMESTAMP(timezone=True, precision=p),
    "TIME": lambda p: postgresql.TIME(precision=p),
    "TIMETZ": lambda p: postgresql.TIME(timezone=True, precision=p),
}


def _dialect_specific(key: TypeKey, dialect: str) -> list[sa.types.TypeEngine]:
    """Dialect types for what the generic ones cannot say (unsigned, fsp, precision...)."""
    out: list[sa.types.TypeEngine] = []
    p = key.params
    if dialect == "mysql":
        if key.name in _MYSQL_INT:
            out.append(
                _MYSQL_INT[key.name](
                    *p, unsigned="UNSIGNED" in key.flags, zerofill="ZEROFILL" in key.flags
                )
            )
        elif key.name in ("DATETIME", "TIMESTAMP", "TIME") and len(p) == 1:
            out.append(getattr(mysql, key.name)(fsp=p[0]))
        elif key.name == "SET":
            out.append(mysql.SET(*p))
        elif key.name in _MYSQL_FLOAT and (key.flags or len(p) == 2):
            out.append(_MYSQL_FLOAT[key.name](*p, unsigned="UNSIGNED" in key.flags))
    elif dialect == "postgresql" and key.name in _PG_PRECISION and len(p) == 1:
        out.append(_PG_PRECISION[key.name](p[0]))
    return out


def _ischema(key: TypeKey, dialect: str) -> list[sa.types.TypeEngine]:
    """The dialect's own reflection table, constructed from the parameters positionally."""
    names = getattr(sa_dialect(dialect), "ischema_names", {})
    cls = names.get(key.name.lower(), names.get(key.name))
    if cls is None:
        return []
    try:
        return [cls(*key.params)]
    except Exception:  # noqa: BLE001 - a constructor that does not take these parameters: no candidate
        return []


def candidates(key: TypeKey, dialect: str) -> list[sa.types.TypeEngine]:
    if key.raw:
        return []
    out: list[sa.types.TypeEngine] = []
    for factory in GENERIC.get(key.name, []):
        try:
            out.append(factory(key))
        except Exception:  # noqa: BLE001 - wrong parameter count for the generic type
            continue
    return out + _dialect_specific(key, dialect) + _ischema(key, dialect)


def to_sqlalchemy(
    dtype: exp.DataType, dialect: str, spelling: str | None = None
) -> sa.types.TypeEngine | None:
    """The SQLAlchemy type that the dialect spells exactly as `spelling`, or None.

    `spelling` is the type's text in the legacy statement; without it the type is spelled
    from sqlglot's tree, which is weaker (sqlglot folds some spellings), so callers that
    have the text must pass it.
    """
    if dtype.this in REFUSED or dtype.args.get("nested"):
        return None
    if spelling is None:
        spelling = dtype.sql(dialect=sqlglot_dialect(dialect))
    key = type_key(spelling, dialect)
    for candidate in candidates(key, dialect):
        if compiled_key(candidate, dialect) == _comparable(key):
            return candidate
    return None
