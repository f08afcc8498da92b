"""Flyway SQL callbacks (issue 19, section 3): carried into the converted history.

A callback of `flyway migrate` (`afterMigrate__upsert_reference_data.sql`, ...) is written into
`converter_callbacks.py` beside the revisions; the generated env.py runs it at the same events
of every `alembic upgrade` (Flyway's order: DbMigrate), `--sql` writes it at the same places,
and verify's legacy replay runs it too, so that a stepwise verify compares like with like
(`samples/flyway-callbacks/`, on the three databases). Without the callbacks file the same
verify fails: the proof can fail. The events Flyway fires only on errors or per statement are
still named in a warning; a file that looks like a callback but names no event Flyway knows
is an error listing the events.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from dbhelpers import alembic_config, engine_for

from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.formats.flyway import CALLBACK_EVENTS
from converter.legacy import scan
from converter.verify import VerifyOptions, verify

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE = SAMPLES / "flyway-callbacks"
OPTIONS = ConvertOptions(dialect="sqlite", date_from="20240101")

LOG = "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT NOT NULL);\n"


def folder(tmp_path, **files):
    root = tmp_path / "sql"
    root.mkdir()
    (root / "V1__plans.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY, name TEXT);\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def logging_callbacks(tmp_path, *events: str, **more) -> Path:
    """A folder whose callbacks each write their event into the table `log`."""
    files = {"beforeMigrate__0_log.sql": LOG, **more}
    for event in events:
        files[f"{event}__x.sql"] = f"INSERT INTO log (note) VALUES ('{event}');\n"
    return folder(tmp_path, **files)


def log(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT note FROM log ORDER BY id")]
    finally:
        engine.dispose()


def test_a_migrate_callback_is_carried_and_named_by_scan_and_convert(tmp_path):
    root = folder(
        tmp_path,
        **{
            "afterMigrate__upsert_reference_data.sql": "INSERT OR REPLACE INTO plans VALUES (1, 'b');\n"
        },
    )
    found = scan(root)
    assert not found.problems
    assert [(c.event, c.description, c.name) for c in found.callbacks] == [
        ("afterMigrate", "upsert_reference_data", "afterMigrate__upsert_reference_data.sql")
    ]
    out = tmp_path / "alembic"
    result = convert(root, out, OPTIONS)
    assert not result.warnings
    assert "converter_callbacks.py" in result.written
    assert result.to_json()["callbacks"] == [
        ("afterMigrate__upsert_reference_data.sql", "afterMigrate")
    ]
    text = (out / "converter_callbacks.py").read_text()
    assert "INSERT OR REPLACE INTO plans VALUES (1, 'b')" in text
    # scan and convert on the command line name it, and when it runs
    shown = CliRunner().invoke(cli, ["scan", str(root)])
    assert "afterMigrate__upsert_reference_data.sql: Flyway callback afterMigrate" in shown.output
    listed = json.loads(CliRunner().invoke(cli, ["scan", str(root), "--json"]).output)
    assert [c["event"] for c in listed["callbacks"]] == ["afterMigrate"]
    again = CliRunner().invoke(
        cli,
        ["convert", str(root), "--out", str(tmp_path / "a2"), "--dialect", "sqlite"]
        + ["--date-from", "20240101"],
    )
    assert "legacy migrate callbacks carried into converter_callbacks.py" in again.output
    assert "afterMigrate__upsert_reference_data.sql: Flyway callback afterMigrate" in again.output


def test_a_history_without_callbacks_gets_no_callbacks_file(tmp_path):
    out = tmp_path / "alembic"
    convert(folder(tmp_path), out, OPTIONS)
    assert not (out / "converter_callbacks.py").exists()


def test_the_events_flyway_fires_only_on_errors_or_per_statement_are_named(tmp_path):
    root = folder(
        tmp_path,
        **{"afterMigrateError.sql": "SELECT 1;\n", "afterEachMigrateStatement.sql": "SELECT 1;\n"},
    )
    found = scan(root)
    assert sorted((p.code, p.path.name) for p in found.warnings) == [
        ("callback-not-carried", "afterEachMigrateStatement.sql"),
        ("callback-not-carried", "afterMigrateError.sql"),
    ]
    assert "after a failed migrate" in " ".join(p.message for p in found.warnings)
    assert not found.callbacks
    result = convert(root, tmp_path / "alembic", OPTIONS)
    assert sorted(w.split(":")[0] for w in result.warnings) == [
        "afterEachMigrateStatement.sql",
        "afterMigrateError.sql",
    ]


def test_callbacks_of_one_event_run_bare_first_then_by_description(tmp_path):
    root = folder(
        tmp_path,
        **{
            "afterMigrate__b.sql": "SELECT 1;\n",
            "afterMigrate.sql": "SELECT 1;\n",
            "sub/afterMigrate__a.sql": "SELECT 1;\n",
            "beforeMigrate__z.sql": "SELECT 1;\n",
        },
    )
    assert [c.name for c in scan(root).callbacks] == [
        "beforeMigrate__z.sql",
        "afterMigrate.sql",
        "sub/afterMigrate__a.sql",
        "afterMigrate__b.sql",
    ]


def test_two_callbacks_of_the_same_name_are_refused_as_flyway_does(tmp_path):
    root = folder(
        tmp_path, **{"afterMigrate.sql": "SELECT 1;\n", "sub/afterMigrate.sql": "SELECT 2;\n"}
    )
    assert [p.code for p in scan(root).errors] == ["duplicate-callback"]


def test_callbacks_of_other_commands_change_nothing_alembic_builds(tmp_path):
    root = folder(tmp_path, **{"beforeClean.sql": "SELECT 1;\n", "afterInfo__x.sql": "SELECT 1;\n"})
    found = scan(root)
    assert not found.problems
    assert not found.callbacks


@pytest.mark.parametrize(
    "name", ["aftermigrate.sql", "afterMigrates__seed.sql", "beforeEachMigrat.sql"]
)
def test_an_unknown_callback_name_is_an_error_listing_the_known_ones(name, tmp_path):
    root = folder(tmp_path, **{name: "SELECT 1;\n"})
    with pytest.raises(InputError) as caught:
        convert(root, tmp_path / "alembic", OPTIONS)
    message = str(caught.value)
    assert "is not a Flyway callback event (did you mean" in message
    assert all(event in message for event in CALLBACK_EVENTS)


def test_an_ordinary_word_is_not_taken_for_a_callback(tmp_path):
    root = folder(tmp_path, **{"aftercare.sql": "SELECT 1;\n"})
    assert [p.code for p in scan(root).problems] == ["unmatched-file"]


EVENTS = (
    "beforeEachMigrate",
    "afterEachMigrate",
    "afterVersioned",
    "beforeRepeatables",
    "afterMigrateApplied",
    "afterMigrate",
)


def test_alembic_upgrade_runs_the_callbacks_at_flyways_events(tmp_path, sqlite_url):
    root = logging_callbacks(
        tmp_path,
        *EVENTS,
        **{
            "V2__customers.sql": "CREATE TABLE customers (id INTEGER PRIMARY KEY);\n",
            "U2__customers.sql": "DROP TABLE customers;\n",
            "R__view.sql": "CREATE VIEW plan_names AS SELECT name FROM plans;\n",
        },
    )
    out = tmp_path / "alembic"
    result = convert(root, out, OPTIONS)
    cfg = alembic_config(out, sqlite_url)
    command.upgrade(cfg, result.plans[0].revision)
    each = ["beforeEachMigrate", "afterEachMigrate"]
    assert log(sqlite_url) == [*each, "afterVersioned", "afterMigrateApplied", "afterMigrate"]
    command.upgrade(cfg, "head")  # V2, then the repeatable: afterVersioned before it
    assert log(sqlite_url)[5:] == [
        *each,
        "afterVersioned",
        "beforeRepeatables",
        *each,
        "afterMigrateApplied",
        "afterMigrate",
    ]
    # nothing pending: Flyway still runs beforeMigrate, afterVersioned and afterMigrate
    command.upgrade(cfg, "head")
    assert log(sqlite_url)[13:] == ["afterVersioned", "afterMigrate"]
    # downgrade, stamp and current run none
    command.stamp(cfg, result.plans[1].revision)  # the repeatable has no downgrade
    command.downgrade(cfg, result.plans[0].revision)
    command.stamp(cfg, "head")
    command.current(cfg)
    assert len(log(sqlite_url)) == 15


def test_verify_replays_the_callbacks_at_the_same_events(tmp_path):
    root = logging_callbacks(
        tmp_path,
        *EVENTS,
        **{
            "V2__customers.sql": "CREATE TABLE customers (id INTEGER PRIMARY KEY);\n",
            "R__view.sql": "CREATE VIEW plan_names AS SELECT name FROM plans;\n",
        },
    )
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    report = verify(root, out, VerifyOptions())
    assert report.equivalent, report.text()


def test_upgrade_sql_writes_the_callbacks_at_their_places(tmp_path):
    root = logging_callbacks(tmp_path, "beforeEachMigrate", "afterEachMigrate", "afterMigrate")
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    buffer = io.StringIO()
    command.upgrade(alembic_config(out, "sqlite://", buffer), "head", sql=True)
    sql = buffer.getvalue()
    order = [
        "-- beforeMigrate callback beforeMigrate__0_log.sql",
        "-- beforeEachMigrate callback beforeEachMigrate__x.sql",
        "CREATE TABLE plans",
        "-- afterEachMigrate callback afterEachMigrate__x.sql",
        "-- afterMigrate callback afterMigrate__x.sql",
        "INSERT INTO log (note) VALUES ('afterMigrate');",
    ]
    positions = [sql.index(marker) for marker in order]
    assert positions == sorted(positions), sql


def test_a_callback_flyway_runs_without_a_transaction_runs_in_autocommit(tmp_path, sqlite_url):
    root = folder(
        tmp_path,
        **{
            "afterMigrate__vacuum.sql": "VACUUM;\n",
            "afterMigrate__vacuum.sql.conf": "executeInTransaction=false\n",
        },
    )
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    assert '"transactional": False' in (out / "converter_callbacks.py").read_text()
    command.upgrade(alembic_config(out, sqlite_url), "head")  # VACUUM fails in a transaction
    assert verify(root, out, VerifyOptions()).equivalent


def test_placeholders_in_callbacks_follow_the_migrations(tmp_path):
    root = folder(
        tmp_path, **{"afterMigrate.sql": "INSERT INTO plans (name) VALUES ('${plan}');\n"}
    )
    (root / "converter.toml").write_text('[placeholders]\nplan = "basic"\n')
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    assert "VALUES ('basic')" in (out / "converter_callbacks.py").read_text()
    assert verify(root, out, VerifyOptions()).equivalent


def test_a_kept_env_py_that_does_not_run_them_is_warned_about(tmp_path):
    root = folder(tmp_path, **{"afterMigrate.sql": "SELECT 1;\n"})
    out = tmp_path / "alembic"
    (out / "versions").mkdir(parents=True)
    (out / "env.py").write_text("# my own environment\n")
    result = convert(root, out, OPTIONS)
    assert any("does not run the legacy callbacks" in w for w in result.warnings)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_the_sample_verifies_stepwise_with_downgrades(dialect, server, tmp_path):
    legacy = SAMPLE / dialect
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    assert [c.name for c in result.callbacks[dialect]] == [
        "beforeMigrate__create_migration_log.sql",
        "beforeEachMigrate.sql",
        "afterEachMigrate.sql",
        "afterMigrateApplied.sql",
        "afterMigrate__upsert_reference_data.sql",
    ]
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    assert report.equivalent, report.text()
    assert len([s for s in report.steps if s.phase == "downgrade"]) == 3
    assert any(
        n.startswith("legacy migrate callbacks run at their events on both sides")
        and "afterMigrate__upsert_reference_data.sql" in n
        for n in report.notes
    )
    # the proof can fail: without the callbacks the Alembic-built database misses the rows
    (out / "converter_callbacks.py").unlink()
    report = verify(legacy, out, VerifyOptions(url=server(dialect)))
    assert not report.equivalent
    assert "migration_log" in report.text() or "plans" in report.text()


def test_one_history_for_all_databases_runs_each_databases_callbacks(tmp_path):
    out = tmp_path / "alembic"
    convert(SAMPLE, out, ConvertOptions(dialect="all", date_from="20240101"))
    text = (out / "converter_callbacks.py").read_text()
    assert "ON DUPLICATE KEY UPDATE" in text and "ON CONFLICT (code)" in text
    report = verify(SAMPLE, out, VerifyOptions())
    assert report.equivalent, report.text()


def test_a_callers_connection_in_a_transaction_is_left_to_its_owner(tmp_path, sqlite_url):
    root = logging_callbacks(tmp_path, "afterEachMigrate", "afterMigrate")
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    cfg = alembic_config(out, sqlite_url)
    engine = engine_for(sqlite_url)  # pysqlite made transactional for DDL: rollback works
    try:
        with engine.connect() as conn:
            conn.begin()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            assert conn.in_transaction()  # nothing committed behind the caller's back
            conn.rollback()
        with engine.connect() as conn:
            assert not sa.inspect(conn).has_table("log")
            conn.rollback()
            cfg.attributes["connection"] = conn
            with conn.begin():
                command.upgrade(cfg, "head")
    finally:
        engine.dispose()
    assert log(sqlite_url) == ["afterEachMigrate", "afterMigrate"]
