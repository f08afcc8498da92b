"""drift: a live database compared, read-only, with the schema of the revision it is stamped
at. An untouched database passes; a hand-made hotfix is found and named."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from dbhelpers import alembic_config

from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.drift import read_only_engine
from converter.scratch import leftover_databases
from converter.testing import assert_no_drift

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def converted(tmp_path: Path, dialect: str) -> Path:
    out = tmp_path / "alembic"
    convert(SAMPLES / "goose" / dialect, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    return out


def execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for st in statements:
                conn.exec_driver_sql(st)
    finally:
        engine.dispose()


def run_drift(url: str, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["drift", "--url", url, "--alembic-dir", str(out), *extra])


def server_of(url: str) -> str | None:
    u = sa.make_url(url)
    return (
        None
        if u.get_backend_name() == "sqlite"
        else u.set(database=None).render_as_string(hide_password=False)
    )


def test_an_untouched_database_has_no_drift_and_a_hotfix_is_found(db_url, tmp_path):
    out = converted(tmp_path, sa.make_url(db_url).get_backend_name())
    command.upgrade(alembic_config(out, db_url), "head")
    server = server_of(db_url)
    before = set(leftover_databases(server, "converter_drift_")) if server else set()

    clean = run_drift(db_url, out)
    assert clean.exit_code == 0, clean.output
    assert "no drift" in clean.output and "index_invoices_issued_on" in clean.output

    execute(db_url, "ALTER TABLE invoices ADD COLUMN discount INTEGER")
    report_file = tmp_path / "drift.json"
    hot = run_drift(db_url, out, "--json", str(report_file))
    assert hot.exit_code == 1, hot.output
    assert "table invoices, column discount: missing in the history" in hot.output
    assert "DRIFT:" in hot.output
    doc = json.loads(report_file.read_text())
    assert doc["drifted"] is True and doc["revisions"] == ["index_invoices_issued_on"]
    texts = [d["text"] for d in doc["differences"]]
    assert texts[0] == "table invoices, column discount: missing in the history"
    assert all(t.startswith("table invoices") for t in texts)
    if server:
        assert set(leftover_databases(server, "converter_drift_")) == before


def test_a_changed_column_type_is_named(pg_url, tmp_path):
    out = converted(tmp_path, "postgresql")
    command.upgrade(alembic_config(out, pg_url), "head")
    execute(pg_url, "ALTER TABLE customers ALTER COLUMN email TYPE varchar(400)")
    with pytest.raises(AssertionError) as caught:
        assert_no_drift(out, pg_url)
    assert (
        "table customers, column email: type VARCHAR(320) in the history vs VARCHAR(400) in the live database"
        in str(caught.value)
    )


def test_the_schema_of_the_stamped_revision_is_the_reference(db_url, tmp_path):
    out = converted(tmp_path, sa.make_url(db_url).get_backend_name())
    command.upgrade(alembic_config(out, db_url), "create_invoices")
    report = assert_no_drift(out, db_url)
    assert report.revisions == ("create_invoices",)


def test_the_live_database_is_only_read(db_url):
    engine = read_only_engine(sa.make_url(db_url)) if not db_url.startswith("sqlite") else None
    if engine is None:  # SQLite: the file must exist to be opened read-only
        execute(db_url, "CREATE TABLE t (id INTEGER)")
        engine = read_only_engine(sa.make_url(db_url))
    try:
        with pytest.raises(sa.exc.DBAPIError, match="(?i)read.?only"):
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE written (id INTEGER)")
    finally:
        engine.dispose()


def test_a_read_only_sqlite_file_is_left_byte_for_byte(tmp_path):
    out = converted(tmp_path, "sqlite")
    db = tmp_path / "live.db"
    url = f"sqlite:///{db}"
    command.upgrade(alembic_config(out, url), "head")
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    os.chmod(db, stat.S_IRUSR)
    try:
        result = run_drift(url, out)
    finally:
        os.chmod(db, stat.S_IRUSR | stat.S_IWUSR)
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert not list(tmp_path.glob("live.db-*"))  # no journal either


def test_a_database_without_alembic_version_is_an_error(db_url, tmp_path):
    out = converted(tmp_path, sa.make_url(db_url).get_backend_name())
    execute(db_url, "CREATE TABLE t (id INTEGER)")
    result = run_drift(db_url, out)
    assert result.exit_code == 2, result.output
    assert "has no alembic_version table: it is not stamped" in result.output


def test_an_unknown_revision_is_an_error(sqlite_url, tmp_path):
    out = converted(tmp_path, "sqlite")
    execute(
        sqlite_url,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('from_the_future')",
    )
    result = run_drift(sqlite_url, out)
    assert result.exit_code == 2, result.output
    assert "stamped at revision 'from_the_future'" in result.output


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path):
    out = converted(tmp_path, "sqlite")
    result = run_drift(f"sqlite:///{tmp_path / 'nope.db'}", out)
    assert result.exit_code == 2 and "no SQLite database file" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_a_rejected_password_is_not_printed(mysql_server, tmp_path):
    out = converted(tmp_path, "mysql")
    result = run_drift("mysql+pymysql://root:Sup3rS3cretPw@127.0.0.1:3306/app", out)
    assert result.exit_code == 2, result.output
    assert "Sup3rS3cretPw" not in result.output
    assert "mysql+pymysql://root:***@127.0.0.1:3306/app" in result.output


def test_json_is_written_when_the_check_itself_fails(tmp_path):
    """A CI job archives --json: a failing check (here a revision the directory lacks)
    writes the error as the report, with no password, and exits 2."""
    out = converted(tmp_path, "sqlite")
    db = tmp_path / "live.db"
    url = f"sqlite:///{db}"
    execute(
        url,
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('from_a_newer_checkout')",
    )
    report_file = tmp_path / "drift.json"
    result = run_drift(url, out, "--json", str(report_file))
    assert result.exit_code == 2, result.output
    doc = json.loads(report_file.read_text())
    assert doc["drifted"] is None
    assert "from_a_newer_checkout" in doc["error"] and doc["summary"].startswith(
        "drift check failed"
    )


def test_json_on_a_failed_connection_hides_the_password(tmp_path):
    out = converted(tmp_path, "sqlite")
    report_file = tmp_path / "drift.json"
    url = "postgresql+psycopg://app:s3cret@127.0.0.1:1/app"
    result = run_drift(url, out, "--json", str(report_file), "--timeout", "2")
    assert result.exit_code == 2, result.output
    text = report_file.read_text()
    assert "s3cret" not in text and "s3cret" not in result.output
    assert json.loads(text)["drifted"] is None
