"""Legacy SQL that touches migration bookkeeping (issue 19, section 1; PITFALLS 19).

A golang-migrate history that alters and updates its own `schema_migrations`, and a project
that used Alembic before Flyway and writes `alembic_version` itself (samples
`golang-migrate-bookkeeping` and `flyway-alembic-before`): the converted history runs the first
kind only where the table exists and never runs the second; scan and convert name them;
stamp replaces the foreign alembic_version value; verify and drift say what they left out.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from dbhelpers import alembic_config, engine_for
from test_tracking import fill_tracking

from converter.apply import apply_migration
from converter.bookkeeping import CREATE, IF_EXISTS, SKIP, classify
from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.drift import DriftOptions, drift
from converter.legacy import scan
from converter.model import Script
from converter.split import split_script
from converter.stamp import REFUSED, STAMPED, StampOptions, stamp
from converter.verify import VerifyOptions, verify

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GOLANG = "golang-migrate-bookkeeping"
ALEMBIC_BEFORE = "flyway-alembic-before"


def statements(text: str, dialect: str = "postgresql"):
    return split_script(Script("sql", text, Path("x.sql"), "x.sql"), dialect)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_classify_reads_tokens_not_strings_or_comments(dialect):
    text = (
        "ALTER TABLE schema_migrations ADD COLUMN data_version INT;\n"
        "INSERT INTO notes VALUES ('update schema_migrations set x = 1');\n"
        "-- UPDATE schema_migrations SET data_version = 1\n"
        "SELECT 1;\n"
        "insert into alembic_version values ('1.6.0');\n"
        "CREATE TABLE IF NOT EXISTS goose_db_version (id INT);\n"
        "UPDATE plans SET name = 'alembic_version';\n"
    )
    found = [classify(st) for st in statements(text, dialect)]
    assert [k.action if k else None for k in found] == [IF_EXISTS, None, None, SKIP, CREATE, None]
    assert found[0].table == "schema_migrations"
    assert found[3].values == ("1.6.0",)


def test_a_quoted_or_qualified_tracking_table_is_found():
    (st,) = statements('UPDATE "public"."schema_migrations" SET data_version = 2')
    keeping = classify(st)
    assert keeping is not None and keeping.table == "public.schema_migrations"
    assert keeping.schema_and_name == ("public", "schema_migrations")


def test_scan_and_convert_name_every_statement_with_file_and_line(tmp_path):
    legacy = SAMPLES / GOLANG / "postgresql"
    found = scan(legacy)
    lines = {(p.path.name, p.line) for p in found.warnings if p.code == "bookkeeping"}
    assert lines == {
        ("000002_track_data_version.up.sql", 3),
        ("000002_track_data_version.down.sql", 1),
        ("000003_seed_regions.up.sql", 3),
        ("000003_seed_regions.down.sql", 1),
        ("000004_add_region_timezone.up.sql", 3),
        ("000004_add_region_timezone.down.sql", 1),
    }
    result = convert(
        legacy, tmp_path / "alembic", ConvertOptions(dialect="postgresql", date_from="20240101")
    )
    assert (
        "000002_track_data_version.up.sql:3: statement on the migration tracking table "
        "schema_migrations: runs only where that table exists" in result.warnings
    )
    assert sum(p.stats.bookkeeping for p in result.plans) == 3  # upgrades only
    runner = CliRunner()
    out = runner.invoke(cli, ["scan", str(legacy)])
    assert "000003_seed_regions.up.sql:3" in out.output


def test_offline_sql_emits_the_statement_with_a_comment(tmp_path):
    out = tmp_path / "alembic"
    convert(
        SAMPLES / GOLANG / "postgresql",
        out,
        ConvertOptions(dialect="postgresql", date_from="20240101"),
    )
    buffer = io.StringIO()
    cfg = alembic_config(out, "postgresql://", buffer)
    command.upgrade(cfg, "head", sql=True)
    text = buffer.getvalue()
    assert (
        "-- only where the table schema_migrations exists (legacy bookkeeping):\n\n"
        "ALTER TABLE schema_migrations ADD COLUMN data_version INT;" in text
    )


def _data_version(url: str) -> list:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("schema_migrations"):
                return []
            columns = {c["name"] for c in sa.inspect(conn).get_columns("schema_migrations")}
            if "data_version" not in columns:
                return ["no column"]
            return list(conn.exec_driver_sql("SELECT data_version FROM schema_migrations"))
    finally:
        engine.dispose()


def test_golang_migrate_bookkeeping_on_fresh_and_stamped_databases(db_url, make_db, tmp_path):
    """Fresh: `alembic upgrade head` runs (no "relation schema_migrations does not exist").
    Stamped where golang-migrate ran migrations 1-2: the rest updates its table as it would."""
    dialect = sa.make_url(db_url).get_backend_name()
    legacy = SAMPLES / GOLANG / dialect
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    fresh = make_db(dialect)
    command.upgrade(alembic_config(out, fresh), "head")
    assert _data_version(fresh) == []
    command.downgrade(alembic_config(out, fresh), "base")

    # the database golang-migrate built: its table exists from the start
    migrations = [p.migration for p in result.plans]
    fill_tracking(db_url, "golang-migrate", [])
    engine = engine_for(db_url)
    try:
        for m in migrations[:2]:
            apply_migration(engine, m, dialect)
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO schema_migrations (version, dirty) VALUES (2, FALSE)")
    finally:
        engine.dispose()
    assert _data_version(db_url) == [(None,)]
    report = stamp(out, StampOptions(urls=[db_url]))
    assert report.results[0].action == STAMPED, report.results[0].reason
    assert report.results[0].revision == result.plans[1].revision
    command.upgrade(alembic_config(out, db_url), "head")
    assert _data_version(db_url) == [(2,)]
    command.downgrade(alembic_config(out, db_url), result.plans[2].revision)
    assert _data_version(db_url) == [(1,)]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_verify_passes_and_names_what_it_left_out(dialect, server, tmp_path):
    legacy = SAMPLES / GOLANG / dialect
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    assert report.equivalent, report.text()
    assert (
        "not compared (migration bookkeeping): alembic_version (only in the alembic database)"
        in report.notes
    )

    legacy = SAMPLES / ALEMBIC_BEFORE / dialect
    out = tmp_path / "alembic2"
    convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    assert report.equivalent, report.text()
    assert "not compared (migration bookkeeping): alembic_version" in report.notes


def _alembic_version(url: str) -> list[str]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    finally:
        engine.dispose()


def test_alembic_before_the_legacy_tool(db_url, make_db, tmp_path):
    """The legacy files write '1.6.0' into alembic_version: the converted history never runs
    that; stamp replaces the value (saying so) instead of refusing it."""
    dialect = sa.make_url(db_url).get_backend_name()
    legacy = tmp_path / "legacy"
    shutil.copytree(SAMPLES / ALEMBIC_BEFORE / dialect, legacy)
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    assert any("V1__adopt_flyway.sql:7: statement on alembic_version" in w for w in result.warnings)
    text = (out / "versions" / result.plans[0].filename).read_text()
    assert '"alembic_version_values": ["1.6.0"]' in text
    assert "#   insert into alembic_version values ('1.6.0')" in text

    fresh = make_db(dialect)
    command.upgrade(alembic_config(out, fresh), "head")  # no "Can't locate revision '1.6.0'"
    assert _alembic_version(fresh) == [result.plans[-1].revision]

    migrations = [p.migration for p in result.plans]
    engine = engine_for(db_url)
    try:
        for m in migrations[:2]:
            apply_migration(engine, m, dialect)
    finally:
        engine.dispose()
    fill_tracking(db_url, "flyway", migrations[:2])
    assert _alembic_version(db_url) == ["1.6.0"]
    report = stamp(out, StampOptions(urls=[db_url]))
    (r,) = report.results
    assert r.action == STAMPED, r.reason
    assert "replacing 1.6.0, which the legacy migrations wrote into alembic_version" in r.reason
    assert _alembic_version(db_url) == [result.plans[1].revision]
    command.upgrade(alembic_config(out, db_url), "head")
    assert _alembic_version(db_url) == [result.plans[-1].revision]


def test_a_foreign_value_the_legacy_files_did_not_write_is_still_refused(sqlite_url, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(SAMPLES / ALEMBIC_BEFORE / "sqlite", legacy)
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    migrations = [p.migration for p in result.plans]
    engine = engine_for(sqlite_url)
    try:
        for m in migrations[:2]:
            apply_migration(engine, m, "sqlite")
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '2.0.0'")
    finally:
        engine.dispose()
    fill_tracking(sqlite_url, "flyway", migrations[:2])
    (r,) = stamp(out, StampOptions(urls=[sqlite_url])).results
    assert r.action == REFUSED
    assert "alembic_version already says 2.0.0" in r.reason


def test_drift_names_the_bookkeeping_tables_it_left_out(sqlite_url, tmp_path):
    legacy = SAMPLES / GOLANG / "sqlite"
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    fill_tracking(sqlite_url, "golang-migrate", [])
    command.upgrade(alembic_config(out, sqlite_url), "head")
    report = drift(out, DriftOptions(url=sqlite_url))
    assert not report.drifted, report.text()
    assert report.left_out == ("alembic_version", "schema_migrations")
    assert (
        "note: not compared (migration bookkeeping): alembic_version, schema_migrations"
        in report.text()
    )
    assert report.to_json()["not_compared"] == ["alembic_version", "schema_migrations"]
