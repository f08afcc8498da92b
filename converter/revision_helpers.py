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


class MigrateCallbacks:
    """The legacy tool's migrate callbacks (Flyway's `afterMigrate__x.sql`, ...), carried
    into `converter_callbacks.py` beside this module; env.py runs them at the same events
    of every `alembic upgrade` (`configure` wraps `context.configure`):

    - beforeMigrate: once, before the first revision, in its own transaction (also when
      nothing is pending); beforeEachMigrate: before each revision, in its transaction;
    - afterEachMigrate: after each revision, in its transaction (`on_version_apply`);
    - afterVersioned: once, before the first Flyway repeatable of the run, else at the
      end; beforeRepeatables: right after it, when a repeatable runs;
    - afterMigrateApplied (when a revision ran), then afterMigrate: at the end, each in
      its own transaction.

    Several callbacks of one event run in their order in CALLBACKS. Nothing runs for
    downgrade, stamp or any other command. `--sql`: the SQL is written at the same places
    (beforeEachMigrate just before its revision's BEGIN)."""

    FILE = "converter_callbacks.py"

    def __init__(self, callbacks=()):
        self.callbacks = list(callbacks)
        self.active = None  # the MigrationContext of the upgrade run under way
        self.applied = set()  # the revisions applied when the run began

    @classmethod
    def load(cls, directory: str):
        """The callbacks of `directory`/converter_callbacks.py (none when it is absent);
        read anew each time, never imported (one process may run several histories)."""
        import runpy

        path = os.path.join(directory, cls.FILE)
        if not os.path.exists(path):
            return cls()
        return cls(runpy.run_path(path).get("CALLBACKS", ()))

    def configure(self, context, **kwargs) -> None:
        """`context.configure(**kwargs)` with the callbacks wired into the run."""
        context.configure(**kwargs)
        command = context.get_context().opts.get("fn")
        if not self.callbacks or command is None:
            return
        given = kwargs.get("on_version_apply") or ()
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        kwargs["on_version_apply"] = [*given, self._after_each]
        context.configure(fn=self._wrap(command), **kwargs)

    def _wrap(self, command):
        def steps_with_callbacks(heads, ctx):
            steps = list(command(heads, ctx))
            infos = [step.info for step in steps]
            upgrade = all(i.is_upgrade and i.is_migration for i in infos)
            if not upgrade or (not steps and getattr(command, "__name__", "") != "upgrade"):
                yield from steps  # not `alembic upgrade`: downgrade, stamp, current, ...
                return
            self.active = ctx
            self.applied = self._applied(ctx, heads)
            try:
                self._run(ctx, "beforeMigrate", own_transaction=True)
                versioned = True
                for step in steps:
                    if versioned and self._repeatable(step.info):
                        versioned = False
                        self._run(ctx, "afterVersioned", own_transaction=True)
                        self._run(ctx, "beforeRepeatables", own_transaction=True)
                    self._run(ctx, "beforeEachMigrate")
                    yield step
                if versioned:
                    self._run(ctx, "afterVersioned", own_transaction=True)
                if steps:
                    self._run(ctx, "afterMigrateApplied", own_transaction=True)
                self._run(ctx, "afterMigrate", own_transaction=True)
            finally:
                self.active = None

        return steps_with_callbacks

    def _after_each(self, ctx, step, heads, run_args) -> None:
        if self.active is ctx and step.is_upgrade and step.is_migration:
            self._run(ctx, "afterEachMigrate")

    def _applied(self, ctx, heads) -> set:
        """The revisions applied at `heads` (for a callback with `after_revision`: a
        Liquibase runAlways changeset, run again once its own revision is applied)."""
        script = ctx.opts.get("script")
        if not heads or script is None:
            return set()
        if not any("after_revision" in c for c in self.callbacks):
            return set()
        return {s.revision for s in script.iterate_revisions(tuple(heads), "base")}

    @staticmethod
    def _repeatable(info) -> bool:
        """A revision converted from a Flyway repeatable (its `legacy` record says so)."""
        module = getattr(info.up_revision, "module", None)
        legacy = getattr(module, "legacy", None) or {}
        return legacy.get("format") == "flyway" and legacy.get("kind") == "repeatable"

    def _statements(self, ctx, callback) -> list:
        by_dialect = callback.get("statements", {})
        name = {"mariadb": "mysql"}.get(ctx.dialect.name, ctx.dialect.name)
        if name in by_dialect:
            return by_dialect[name]
        # converted for one database only: its SQL runs as the revisions' does
        return next(iter(by_dialect.values())) if len(by_dialect) == 1 else []

    def _run(self, ctx, event: str, own_transaction: bool = False) -> None:
        for callback in self.callbacks:
            statements = self._statements(ctx, callback)
            if callback["event"] != event or not statements:
                continue
            after = callback.get("after_revision")
            if after is not None and after not in self.applied:
                continue  # runAlways: its own revision runs it the first time
            transactional = callback.get("transactional", True)
            if ctx.as_sql:
                ctx.impl.static_output(f"-- {event} callback {callback['source']}")
                begin = own_transaction and transactional and ctx.impl.transactional_ddl
                if begin:
                    ctx.impl.emit_begin()
                for sql in statements:
                    ctx.impl.static_output(sql + ctx.impl.command_terminator)
                if begin:
                    ctx.impl.emit_commit()
                continue
            external = getattr(ctx, "_in_external_transaction", False)
            if own_transaction and not external:
                if ctx.connection.in_transaction():
                    ctx.connection.commit()  # what ran before is not this callback's
                if not transactional:  # executeInTransaction=false, VACUUM, ...
                    with ctx.autocommit_block():
                        self._execute(ctx, statements)
                    continue
            self._execute(ctx, statements)
            if own_transaction and not external and ctx.connection.in_transaction():
                ctx.connection.commit()

    @staticmethod
    def _execute(ctx, statements) -> None:
        for sql in statements:
            ctx.connection.exec_driver_sql(sql, execution_options={"no_parameters": True})


# fmt: on
