"""The helpers converted revisions import: real, importable, tested Python.

A converted history must run with nothing but Alembic and SQLAlchemy installed (converter is a
one-off tool, not a dependency of the project), so convert writes these definitions, as their
source text, into one module of the script directory, `converter_helpers.py`
(`render.helpers_module`), which every revision imports; the code a revision runs is the code
tested here. `LegacyEngine` is also what converter's own legacy runner (`legacy_python.py`)
hands to sqlalchemy-migrate scripts.

Formatting note: the generated module must pass `ruff format` with ruff's defaults (88
columns), so these definitions are written that way and excluded from the project's own
formatter (`fmt: off`, 100 columns).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Iterator

from alembic import op

# fmt: off


def execute_verbatim(sql: str) -> None:
    """Run one legacy statement exactly as written: no bind parameters, no % formatting."""
    context = op.get_context()
    if context.as_sql:
        context.impl.static_output(sql + context.impl.command_terminator)
    else:
        op.get_bind().exec_driver_sql(sql, execution_options={"no_parameters": True})


def execute_if_table_exists(table: str, sql: str) -> None:
    """Run a legacy statement on a migration tool's tracking table only where that table
    exists (a database the legacy tool migrated); offline, emit it with a comment."""
    from sqlalchemy import inspect

    context = op.get_context()
    if context.as_sql:
        context.impl.static_output(f"-- only where the table {table} exists (legacy bookkeeping):")
        context.impl.static_output(sql + context.impl.command_terminator)
        return
    schema, _, name = table.rpartition(".")
    if inspect(op.get_bind()).has_table(name, schema=schema or None):
        execute_verbatim(sql)


@contextlib.contextmanager
def autocommit_block() -> Iterator[None]:
    """Alembic's autocommit_block(), for statements the legacy tool ran outside a
    transaction. When the caller handed over a connection already inside its own
    transaction (pytest-alembic, an application), that transaction is the caller's to
    commit: the statements run in it, and a statement the database refuses to run in a
    transaction fails there, loudly."""
    context = op.get_context()
    if getattr(context, "_in_external_transaction", False) and not context.as_sql:
        yield
    else:
        with context.autocommit_block():
            yield


class LegacyEngine:
    """What sqlalchemy-migrate passed as `migrate_engine`, backed by Alembic's connection.

    begin()/connect() hand out the migration's own connection; Alembic owns the transaction.
    """

    def __init__(self, connection):
        self.connection = connection
        self.dialect = connection.dialect
        self.name = connection.dialect.name

    @contextlib.contextmanager
    def begin(self):
        yield self.connection

    connect = begin


def runs_online(message: str) -> bool:
    """False in `alembic upgrade --sql` mode, after saying (on stderr and in the SQL) that
    the part described by `message` runs only online and is left out; True online."""
    context = op.get_context()
    if not context.as_sql:
        return True
    context.impl.static_output(f"-- {message}")
    sys.stderr.write(f"WARNING: {message}\n")
    return False


def execute_data_file(
    revision_file: str, name: str, offset: int, length: int, count: int, sha256: str
) -> None:
    """Run the data statements kept in `name` (beside `revision_file`) one by one,
    exactly as written."""
    path = os.path.join(os.path.dirname(os.path.abspath(revision_file)), name)
    for sql in data_file_statements(path, offset, length, count, sha256):
        execute_verbatim(sql)


def data_file_statements(
    path: str, offset: int, length: int, count: int, sha256: str
) -> Iterator[str]:
    """The `count` statements stored in bytes [offset, offset + length) of the converter
    data file `path`, exactly as written; the range's SHA-256 must be `sha256`."""
    with open(path, "rb") as f:
        f.seek(offset)
        digest, left = hashlib.sha256(), length
        while left:
            block = f.read(min(left, 1 << 20))
            if not block:
                break
            digest.update(block)
            left -= len(block)
        if left or digest.hexdigest() != sha256:
            raise RuntimeError(
                f"{path}: bytes {offset}-{offset + length} are not what this "
                "revision was converted with (SHA-256 differs): restore the data "
                "file, or convert the legacy migration again"
            )
        f.seek(offset)
        seen = 0
        while f.tell() < offset + length:
            at = f.tell()
            line = f.readline()
            if line.startswith(b"-- @ "):
                size = int(line[5:])
                text = f.read(size).decode("utf-8")
                if f.read(2) != b";\n":
                    raise RuntimeError(
                        f"{path}: the record at byte {at} is not {size} bytes "
                        "followed by ;"
                    )
                seen += 1
                yield text
            elif line != b"\n" and not line.startswith(b"-- "):
                raise RuntimeError(
                    f"{path}: unexpected line at byte {at} (not a comment or a record)"
                )
    if seen != count:
        raise RuntimeError(
            f"{path}: {seen} statements in bytes {offset}-{offset + length}, "
            f"expected {count}"
        )


# fmt: on
