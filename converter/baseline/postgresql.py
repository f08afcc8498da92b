"""PostgreSQL: a baseline from `pg_dump --schema-only --clean --if-exists`.

pg_dump writes every object in the one order that builds it: its pre-data section (types,
functions, tables, sequences, views) before the rows, its post-data section (constraints,
indexes, triggers, rules) after them, as a restore does; with `--clean` it writes the DROP
statements that remove them in reverse dependency order: those become the down script.
Materialized views populated in the scratch database are refreshed at the end (pg_dump
creates them WITH NO DATA).
Left out, because the revision runs in Alembic's session: pg_dump's session settings
(`SET ...`, `set_config('search_path', ...)`: every name it writes is schema-qualified) and
psql meta-commands (`\\restrict`). `check_function_bodies` is turned off around the schema
when it holds SQL functions: pg_dump creates functions before the tables their bodies read.

pg_dump must be installed (PATH, or CONVERTER_PG_DUMP) and not older than the server's major
version: either missing is a clear error. Rows are read with every column cast to text and
written as untyped literals, which PostgreSQL reads back as the column's own type (arrays,
json, bytea, enums, ranges alike). Counters: every sequence used (`pg_sequences.last_value`)
set with `setval`.

One rewrite: PostgreSQL deparses a CHECK `varchar_col IN ('a', 'b')` as
`((col)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))`, which parses back to a
different expression (pg_dump and restore change it too); it is written back as the IN list
(`_in_lists`), which parses back to the same expression.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import sqlalchemy as sa

from converter.baseline.common import SchemaText, plain_script, quote, sql_string
from converter.errors import DatabaseError, UsageError
from converter.model import Script
from converter.scratch import parse_url
from converter.split import StatementKind, split_script

PG_DUMP_ENV = "CONVERTER_PG_DUMP"
_META = re.compile(r"^\\[a-z]+.*$", re.M)  # psql meta-commands pg_dump writes (\restrict)
_SESSION = re.compile(r"^(SET\s|SELECT\s+pg_catalog\.set_config\s*\()", re.I)
_DROP = re.compile(
    r"^(DROP\s|ALTER\s+\w+(\s+IF\s+EXISTS)?\s+(ONLY\s+)?\S+\s+.*\bDROP\b)", re.I | re.S
)
# PostgreSQL deparses `varchar_col IN ('a', 'b')` as below, and that text parses back to a
# different expression (the cast moves into the array); written as the IN list it was, it
# parses back to the same one
_VARCHAR_IN = re.compile(
    r"\(\((?P<col>\w+|\"(?:[^\"]|\"\")+\")\)::text (?P<op>= ANY|<> ALL) "
    r"\(\(ARRAY\[(?P<items>'(?:[^']|'')*'::character varying(?:, '(?:[^']|'')*'::character varying)*)\]\)::text\[\]\)\)"
)
_SQL_FUNCTION = re.compile(r"^CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b", re.I)


def pg_dump_binary() -> str:
    configured = os.environ.get(PG_DUMP_ENV)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise UsageError(
                f"{PG_DUMP_ENV}={configured} is not an executable pg_dump",
                hint=f"point {PG_DUMP_ENV} at pg_dump, or unset it to use the one on PATH",
            )
        return found
    found = shutil.which("pg_dump")
    if not found:
        raise UsageError(
            "--baseline-at on PostgreSQL reads the schema with pg_dump, which is not installed "
            "(not on PATH)",
            hint=f"install the PostgreSQL client tools of the server's major version "
            f"(e.g. apt install postgresql-client), or point {PG_DUMP_ENV} at pg_dump",
        )
    return found


def dump(url: str, *options: str) -> str:
    """`pg_dump --schema-only OPTIONS` of the database at `url`."""
    u = parse_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    for key, value in u.query.items():
        if key == "sslmode" and isinstance(value, str):
            env["PGSSLMODE"] = value
    command = [
        pg_dump_binary(),
        "--schema-only",
        *options,
        "--no-owner",
        "--no-privileges",
        "--no-tablespaces",
        "--no-security-labels",
        "--no-publications",
        "--no-subscriptions",
        "--host",
        u.host or "localhost",
        "--port",
        str(u.port or 5432),
        "--dbname",
        u.database or "",
    ]
    if u.username:
        command += ["--username", u.username]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit code {done.returncode}"
        if "version mismatch" in message:
            raise UsageError(
                f"pg_dump ({command[0]}) is older than the server: {message}",
                hint=f"install pg_dump of the server's major version (or newer) and put it on "
                f"PATH or in {PG_DUMP_ENV}",
            )
        raise DatabaseError(f"pg_dump failed: {message}")
    return done.stdout


def statements(text: str) -> list[str]:
    """The SQL statements of a dump, without its session settings and meta-commands."""
    script = Script("sql", _META.sub("", text), Path("pg_dump"), "pg_dump")
    return [
        st.text
        for st in split_script(script, "postgresql")
        if st.kind is StatementKind.SQL and not _SESSION.match(st.text)
    ]


def read_schema(conn: sa.Connection, url: str) -> SchemaText:
    drops = statements(dump(url, "--clean", "--if-exists"))
    at = next((i for i, s in enumerate(drops) if not _DROP.match(s)), len(drops))
    schema = SchemaText(
        up=[_in_lists(s) for s in statements(dump(url, "--section=pre-data"))],
        after_data=[_in_lists(s) for s in statements(dump(url, "--section=post-data"))],
        down=drops[:at],
    )
    if any(_SQL_FUNCTION.match(s) for s in schema.up):
        schema.up = ["SET check_function_bodies = false", *schema.up, "RESET check_function_bodies"]
    populated = conn.exec_driver_sql(
        "SELECT schemaname, matviewname FROM pg_catalog.pg_matviews WHERE ispopulated "
        "ORDER BY schemaname, matviewname"
    ).all()
    schema.after_data += [
        f"REFRESH MATERIALIZED VIEW {quote(conn, s)}.{quote(conn, n)}" for s, n in populated
    ]
    return schema


def _in_lists(statement: str) -> str:
    def as_in(m: re.Match) -> str:
        negated = "NOT " if m["op"] == "<> ALL" else ""
        return f"({m['col']} {negated}IN ({m['items']}))"

    return _VARCHAR_IN.sub(as_in, statement)


def counters(conn: sa.Connection) -> list[str]:
    rows = conn.exec_driver_sql(
        "SELECT schemaname, sequencename, last_value FROM pg_catalog.pg_sequences "
        "WHERE last_value IS NOT NULL ORDER BY schemaname, sequencename"
    ).all()
    return [
        f"SELECT pg_catalog.setval({sql_string(quote(conn, s) + '.' + quote(conn, n))}, {int(v)}, true)"
        for s, n, v in rows
    ]


def rows(conn: sa.Connection, table: str, columns: list[str], order: list[str]) -> list[list[str]]:
    cols = ", ".join(f"{quote(conn, c)}::text AS c{i}" for i, c in enumerate(columns))
    by = ", ".join(quote(conn, c) for c in order) or ", ".join(f"c{i}" for i in range(len(columns)))
    # ONLY: an inherited table's rows are its own table's, not its parent's
    result = conn.exec_driver_sql(f"SELECT {cols} FROM ONLY {quote(conn, table)} ORDER BY {by}")
    return [["NULL" if v is None else sql_string(v) for v in row] for row in result]


def insert_head(conn: sa.Connection, table: str, columns: list[str]) -> str:
    always = any(
        identity.get("always")
        for c in sa.inspect(conn).get_columns(table)
        if (identity := c.get("identity")) is not None
    )
    head = f"INSERT INTO {quote(conn, table)} ({', '.join(quote(conn, c) for c in columns)})"
    return head + (" OVERRIDING SYSTEM VALUE" if always else "")


def script(statements: list[str]) -> str:
    return plain_script(statements)
