"""Legacy migrate callbacks carried into the Alembic history.

Flyway runs SQL callbacks (`afterMigrate__upsert_reference_data.sql`, `beforeEachMigrate.sql`,
...) at the events of every `flyway migrate` (`model.CALLBACK_EVENTS`). convert writes them into
`converter_callbacks.py` of the script directory, beside `versions/` (`callback_files`): one
entry per callback with its event, its legacy file and its statements per database, split as
convert splits a migration. The generated env.py runs them at the same events of every
`alembic upgrade` (`revision_helpers.MigrateCallbacks`), and verify's legacy replay runs the
same statements at the same events (`apply.apply_step`), so the two sides compare like with
like. The module is converter's: a re-run rewrites it from the legacy callbacks, unless it was
edited by hand (kept, with a warning).
"""

from __future__ import annotations

from pathlib import Path

from converter.model import LegacyCallback
from converter.pyformat import format_sources
from converter.render import generated_state, py_string, with_trailer
from converter.split import StatementKind, iter_statements
from converter.textio import script_source

CALLBACKS_FILE = "converter_callbacks.py"
ENV_HOOK = "MigrateCallbacks"  # what a generated env.py that runs the callbacks calls

MODULE_DOC = '''"""The legacy migrate callbacks that converter carried.
{sources}
env.py runs them at the same events of every `alembic upgrade` (MigrateCallbacks in
converter_helpers.py): beforeMigrate, beforeEachMigrate, afterEachMigrate, afterVersioned,
beforeRepeatables, afterMigrateApplied, afterMigrate; never on downgrade. Each entry holds its
statements per database, exactly as written. Written by converter: a re-run of convert
rewrites it from the legacy callbacks.
"""
'''


def statements(callback: LegacyCallback, dialect: str) -> list[str]:
    """The statements `callback` runs on `dialect`, exactly as written (transaction control
    left out: the runner owns the transaction, as for a migration)."""
    return [st.text for st in _split(callback, dialect)]


def transactional(callback: LegacyCallback, dialect: str) -> bool:
    """Whether Flyway runs the callback in a transaction: not when its `.sql.conf` says
    executeInTransaction=false, nor when a statement cannot run in one (`VACUUM`,
    `CREATE INDEX CONCURRENTLY`: Flyway then runs the script without one)."""
    return callback.transactional and not any(st.no_transaction for st in _split(callback, dialect))


def _split(callback: LegacyCallback, dialect: str):
    script = callback.script
    return [
        st
        for st in iter_statements(script, dialect, script_source(script))
        if st.kind is StatementKind.SQL
    ]


def describe(callback: LegacyCallback) -> str:
    """One line for scan and convert: the file and when it runs."""
    when = {
        "beforeMigrate": "before every upgrade",
        "beforeEachMigrate": "before each revision",
        "afterEachMigrate": "after each revision",
        "afterVersioned": "after the versioned revisions of every upgrade",
        "beforeRepeatables": "before the repeatables of an upgrade",
        "afterMigrateApplied": "after every upgrade that applied a revision",
        "afterMigrate": "after every upgrade",
    }[callback.event]
    if callback.after_version is not None:
        return (
            f"{callback.name}: changeset {callback.description} (Liquibase runAlways), runs "
            "again at the start of every upgrade once its own revision is applied (env.py)"
        )
    return f"{callback.name}: Flyway callback {callback.event}, runs {when} (env.py)"


def callbacks_module(
    by_dialect: dict[str, list[LegacyCallback]], revisions: dict[str, str] | None = None
) -> str:
    """The text of `converter_callbacks.py` for the callbacks of each database; `revisions`
    maps a legacy version to its revision id (for `after_version`)."""
    entries: dict[tuple, dict] = {}
    for dialect, callbacks in by_dialect.items():
        for c in callbacks:
            key = (c.order, c.name)
            entry = entries.setdefault(
                key, {"event": c.event, "source": c.name, "transactional": True, "sql": {}}
            )
            if c.after_version is not None:
                entry["after_revision"] = (revisions or {}).get(c.after_version)
            entry["sql"][dialect] = statements(c, dialect)
            entry["transactional"] = entry["transactional"] and transactional(c, dialect)
    sources = "".join(f"\n- {entries[k]['source']}: {entries[k]['event']}" for k in sorted(entries))
    lines = [MODULE_DOC.format(sources=sources + "\n" if sources else "").rstrip(), ""]
    lines.append("CALLBACKS = [")
    for key in sorted(entries):
        e = entries[key]
        lines.append("    {")
        lines.append(f'        "event": {py_string(e["event"])},')
        lines.append(f'        "source": {py_string(e["source"])},')
        lines.append(f'        "transactional": {e["transactional"]},')
        if "after_revision" in e:  # runs only where this revision is already applied
            lines.append(f'        "after_revision": {py_string(str(e["after_revision"]))},')
        lines.append('        "statements": {')
        for dialect, sqls in e["sql"].items():
            lines.append(f"            {py_string(dialect)}: [")
            lines.extend(f"                {py_string(sql)}," for sql in sqls)
            lines.append("            ],")
        lines.append("        },")
        lines.append("    },")
    lines.append("]")
    return "\n".join(lines) + "\n"


def callback_files(
    out_dir: Path,
    by_dialect: dict[str, list[LegacyCallback]],
    warnings: list[str],
    revisions: dict[str, str] | None = None,
) -> dict[str, str]:
    """`converter_callbacks.py` when there are callbacks (or when an earlier run wrote one:
    then it is rewritten, possibly empty), with a warning where a kept env.py does not run
    them or the module was edited by hand."""
    path = out_dir / CALLBACKS_FILE
    if not any(by_dialect.values()) and not path.exists():
        return {}
    if path.exists() and generated_state(path.read_text(encoding="utf-8")) != "intact":
        warnings.append(
            f"{path}: edited by hand, kept as it is (delete it to get converter's version)"
        )
        return {}
    env = out_dir / "env.py"
    if (
        any(by_dialect.values())
        and env.exists()
        and ENV_HOOK not in env.read_text(encoding="utf-8", errors="replace")
    ):
        warnings.append(
            f"{env}: yours (kept), and it does not run the legacy callbacks written to "
            f"{CALLBACKS_FILE}: call `MigrateCallbacks.load(HERE).configure(context, ...)` "
            "instead of `context.configure(...)` (see converter_helpers.py), or delete env.py "
            "to get converter's"
        )
    text = callbacks_module(by_dialect, revisions)
    return {CALLBACKS_FILE: with_trailer(format_sources([text])[0])}
