"""verify: every sample passes on every database; every deliberately broken conversion fails
with a message naming the step, the legacy file, the revision, the object and the attribute;
reports (JUnit, JSON) are well-formed; scratch databases never outlive a run, even an
interrupted one; passwords are never printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from dbhelpers import interruptible

from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import UsageError
from converter.scratch import leftover_databases
from converter.testing import assert_equivalent, verify_report
from converter.verify import VerifyOptions, verify
from converter.verify_report import (
    AFTER,
    BEFORE,
    DIFFERENT,
    DOWNGRADE,
    EQUAL,
    ERROR,
    FAILED,
    IRREVERSIBLE,
    NOT_RUN,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FORMATS = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_dir() and p.name not in ("multi-dialect", "code-migrations")
)
DIALECTS = ["sqlite", "postgresql", "mysql"]


def converted(legacy: Path, tmp_path: Path, dialect: str, **options) -> Path:
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101", **options))
    return out


def revision_file(out: Path, name: str) -> Path:
    (path,) = [p for p in (out / "versions").glob("*.py") if p.stem.endswith(name)]
    return path


def edit(out: Path, name: str, old: str, new: str) -> None:
    """Break the converted revision `name` on purpose: replace `old` (which must be there)."""
    path = revision_file(out, name)
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}:\n{text}"
    path.write_text(text.replace(old, new, 1))


def scratch_names(progress_lines: list[str]) -> list[str]:
    line = next(line for line in progress_lines if line.startswith("scratch databases "))
    return re.findall(r"converter_verify_\w+", line)


def existing_databases(server_url: str) -> set[str]:
    return set(leftover_databases(server_url, "converter_verify_"))


# ---------------------------------------------------------------------------------------
# Every sample, every database


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_sample_verifies(fmt, dialect, server, tmp_path):
    legacy = SAMPLES / fmt / dialect
    out = converted(legacy, tmp_path, dialect)
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    assert report.equivalent, report.text()
    upgrades = [s for s in report.steps if s.phase == "upgrade"]
    assert upgrades and all(s.status == EQUAL for s in upgrades)
    assert all(s.legacy_file and s.revision for s in upgrades)
    # the walk down goes until the first revision without a downgrade
    down = [s for s in report.steps if s.phase == DOWNGRADE]
    walked = [s.status for s in down if s.status != NOT_RUN]
    assert walked and all(s == EQUAL for s in walked[:-1])
    assert walked[-1] in (EQUAL, IRREVERSIBLE)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_multi_dialect_history_verifies_on_each_database(dialect, server, tmp_path):
    legacy = SAMPLES / "multi-dialect"
    out = tmp_path / "alembic"
    convert(
        legacy, out, ConvertOptions(dialect="all", date_from="20240101", missing_variant="skip")
    )
    report = verify(legacy, out, VerifyOptions(url=server(dialect)))
    assert report.equivalent, report.text()
    last = [s for s in report.steps if s.phase == "upgrade"][-1]
    if dialect == "postgresql":
        assert last.legacy_file == "008_customer_email_lower.postgresql.sql"
    else:  # PostgreSQL only: a no-op here, still compared
        assert last.legacy_file is None and last.status == EQUAL
        assert "no legacy migration for" in last.message


def test_final_only_compares_once(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    report = verify(legacy, out, VerifyOptions(stepwise=False))
    assert report.equivalent, report.text()
    statuses = [s.status for s in report.steps]
    assert statuses == ["applied"] * (len(statuses) - 1) + [EQUAL]


def test_final_only_with_downgrade_walks_down_step_by_step(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    report = verify(
        legacy, converted(legacy, tmp_path, "sqlite"), VerifyOptions(stepwise=False, downgrade=True)
    )
    assert report.equivalent, report.text()
    down = [s.status for s in report.steps if s.phase == DOWNGRADE]
    assert down[:4] == [EQUAL, EQUAL, EQUAL, IRREVERSIBLE]


def test_a_per_database_tree_is_read_for_the_dialect_and_nothing_is_written(tmp_path):
    out = converted(SAMPLES / "goose" / "sqlite", tmp_path, "sqlite")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    report = verify(SAMPLES / "goose", out)  # goose/{postgresql,mysql,sqlite}/
    assert report.equivalent and report.steps[0].legacy_file == "00001_create_plans.sql"
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before  # no __pycache__ either


def test_volatile_columns_are_named_in_the_report(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    report = verify(legacy, converted(legacy, tmp_path, "sqlite"))
    assert "table plans: created_at compared by row count only (volatile default)" in report.notes


# ---------------------------------------------------------------------------------------
# Deliberately broken conversions: each fails, precisely


def failing(report):
    assert not report.equivalent, "a broken conversion verified as equivalent"
    return report.failure


def test_a_changed_column_type_fails(tmp_path, server, pg_server):
    legacy = SAMPLES / "goose" / "postgresql"
    out = converted(legacy, tmp_path, "postgresql")
    edit(
        out,
        "create_customers",
        'sa.Column("email", sa.String(length=320)',
        'sa.Column("email", sa.String(length=300)',
    )
    f = failing(verify(legacy, out, VerifyOptions(url=server("postgresql"))))
    assert (f.number, f.phase, f.status) == (2, "upgrade", DIFFERENT)
    assert f.legacy_file == "00002_create_customers.sql" and f.revision == "create_customers"
    assert f.diff.lines() == ["table customers, column email: type VARCHAR(320) vs VARCHAR(300)"]
    assert "00002_create_customers.sql" in f.message and "revision create_customers" in f.message


def test_a_changed_default_fails(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "create_plans", "NOT NULL DEFAULT 0,", "NOT NULL DEFAULT 1,")
    f = failing(verify(legacy, out))
    assert (f.revision, f.status) == ("create_plans", DIFFERENT)
    assert "table plans, column price: default 0 vs 1" in f.diff.lines()


def test_a_changed_check_body_fails(tmp_path, server, mysql_server):
    legacy = SAMPLES / "goose" / "mysql"
    out = converted(legacy, tmp_path, "mysql")
    edit(out, "create_customers", "'suspended', 'closed'", "'closed'")
    f = failing(verify(legacy, out, VerifyOptions(url=server("mysql"))))
    assert (f.revision, f.status) == ("create_customers", DIFFERENT)
    (line,) = [x for x in f.diff.lines() if "ck_customers_status" in x]
    assert line.startswith("table customers, check constraint ck_customers_status: ")
    assert "'suspended'" in line


def test_a_missing_enum_label_fails(tmp_path, server, pg_server):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "001_plan_kind.sql").write_text(
        "CREATE TYPE plan_kind AS ENUM ('basic', 'pro', 'max');\n"
    )
    (legacy / "002_plans.sql").write_text(
        "CREATE TABLE plans (id serial PRIMARY KEY, kind plan_kind NOT NULL);\n"
    )
    out = converted(legacy, tmp_path, "postgresql")
    edit(out, "plan_kind", ", 'max'", "")
    f = failing(verify(legacy, out, VerifyOptions(url=server("postgresql"))))
    assert (f.number, f.legacy_file, f.status) == (1, "001_plan_kind.sql", DIFFERENT)
    assert f.diff.lines() == ['enum plan_kind: labels ["basic", "pro", "max"] vs ["basic", "pro"]']


def test_a_changed_view_body_fails(tmp_path):
    legacy = SAMPLES / "flyway" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "active_subscriptions_view", "WHERE ended_on IS NULL", "WHERE ended_on IS NOT NULL")
    f = failing(verify(legacy, out))
    assert (f.legacy_file, f.revision, f.status) == (
        "R__active_subscriptions_view.sql",
        "active_subscriptions_view",
        DIFFERENT,
    )
    assert any(
        x.startswith("view active_subscriptions: ") and "IS NOT NULL" in x for x in f.diff.lines()
    ), f.diff.lines()


def test_a_missing_trigger_fails(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    path = revision_file(out, "invoices_default_note")
    text = path.read_text()
    body = text[text.index("def upgrade() -> None:") : text.index("def downgrade() -> None:")]
    path.write_text(text.replace(body, "def upgrade() -> None:\n    pass\n\n\n"))
    f = failing(verify(legacy, out))
    assert (f.legacy_file, f.revision) == (
        "00008_invoices_default_note.sql",
        "invoices_default_note",
    )
    assert "trigger trg_invoices_default_note: missing in alembic" in f.diff.lines()


def test_a_changed_seed_row_fails(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "seed_plans_and_customers", "('Fiber 500', 500, 49.99)", "('Fiber 500', 500, 49.98)")
    f = failing(verify(legacy, out))
    assert (f.legacy_file, f.revision) == (
        "00005_seed_plans_and_customers.sql",
        "seed_plans_and_customers",
    )
    (line,) = f.diff.lines()
    assert line.startswith("table plans, data: contents differ (digest ")


def test_seed_rows_are_not_compared_with_no_data(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "seed_plans_and_customers", "('Fiber 500', 500, 49.99)", "('Fiber 500', 500, 49.98)")
    report = verify(legacy, out, VerifyOptions(data=False))
    assert report.equivalent, report.text()
    assert any("data not compared" in n for n in report.notes)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_downgrade_that_does_not_restore_fails(dialect, tmp_path, server):
    legacy = SAMPLES / "goose" / dialect
    out = converted(legacy, tmp_path, dialect)
    edit(out, "add_customer_phone", '    op.drop_column("customers", "phone")\n', "")
    options = VerifyOptions(url=server(dialect))
    assert verify(legacy, out, options).equivalent  # upgrades alone cannot see it
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    f = failing(report)
    assert (f.phase, f.revision, f.legacy_file, f.status) == (
        DOWNGRADE,
        "add_customer_phone",
        "00007_add_customer_phone.sql",
        DIFFERENT,
    )
    assert "table customers, column phone: missing in legacy" in f.diff.lines()
    assert "after downgrading add_customer_phone" in f.message
    assert [s.status for s in report.steps if s.phase == DOWNGRADE][:3] == [EQUAL, EQUAL, DIFFERENT]


def test_an_irreversible_revision_with_a_legacy_down_fails(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(
        out,
        "add_customer_phone",
        "    op.drop_index(",
        "    raise NotImplementedError('lost')\n    op.drop_index(",
    )
    f = failing(verify(legacy, out, VerifyOptions(downgrade=True)))
    assert (f.phase, f.revision, f.status) == (DOWNGRADE, "add_customer_phone", FAILED)
    assert "has a down (00007_add_customer_phone.sql)" in f.message


def test_an_irreversible_revision_without_a_legacy_down_is_reported_not_failed(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    report = verify(legacy, converted(legacy, tmp_path, "sqlite"), VerifyOptions(downgrade=True))
    assert report.equivalent
    (irr,) = [s for s in report.steps if s.status == IRREVERSIBLE]
    assert irr.revision == "normalise_customer_emails" and "the walk stops here" in irr.message
    assert "walk stopped at the irreversible revision normalise_customer_emails" in report.summary()


def test_a_lossy_legacy_down_is_compared_with_what_it_leaves(tmp_path):
    """Liquibase's `--rollback not required` undoes nothing: the revision's empty downgrade is
    right to do the same, and the report says the legacy down does not restore."""
    legacy = SAMPLES / "liquibase" / "sqlite"
    report = verify(legacy, converted(legacy, tmp_path, "sqlite"), VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()
    assert any(
        "changes/002_data.sql (version 6) does not restore the state before it" in n
        for n in report.notes
    )


def test_a_failing_revision_is_an_error_naming_it(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "add_customer_phone", 'op.add_column("customers"', 'op.add_column("no_such_table"')
    f = failing(verify(legacy, out))
    assert (f.revision, f.status) == ("add_customer_phone", ERROR)
    assert f.message.startswith(
        "upgrading to revision add_customer_phone (20240101_add_customer_phone.py) failed:"
    )
    assert "no_such_table" in f.message and "Traceback" in f.detail


def test_a_legacy_migration_without_revision_fails_naming_both(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    revision_file(out, "index_invoices_issued_on").unlink()  # the head
    f = failing(verify(legacy, out))
    assert f.status == FAILED and f.legacy_file == "00009_index_invoices_issued_on.sql"
    assert f.message == (
        "legacy migration 00009_index_invoices_issued_on.sql (version 9) has no revision "
        "(expected after the last revision)"
    )


def test_a_revision_without_legacy_migration_fails_naming_both(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    edit(out, "add_customer_phone", '"version": "7"', '"version": "77"')
    report = verify(legacy, out)
    f = failing(report)
    assert f.status == FAILED and f.number == 7
    assert f.message == (
        "legacy migration 00007_add_customer_phone.sql (version 7) has no revision, and revision "
        "add_customer_phone (20240101_add_customer_phone.py), where it would be, has legacy_version '77', "
        "which no legacy migration has"
    )
    assert [s.status for s in report.steps[:6]] == [EQUAL] * 6  # compared up to there


def test_revisions_outside_the_legacy_history_run_before_and_after(tmp_path):
    """An existing Alembic history the legacy one was chained after, and a revision written
    after the conversion: applied to both databases, the legacy one stamped first."""
    legacy = SAMPLES / "goose" / "sqlite"
    out = tmp_path / "alembic"
    (out / "versions").mkdir(parents=True)
    (out / "versions" / "0001_settings.py").write_text(
        'revision = "settings"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n'
        "from alembic import op\nimport sqlalchemy as sa\n\n\n"
        "def upgrade():\n    op.create_table('settings', sa.Column('k', sa.String(20), primary_key=True))\n\n\n"
        "def downgrade():\n    op.drop_table('settings')\n"
    )
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    (out / "versions" / "0099_audit.py").write_text(
        'revision = "audit"\ndown_revision = "index_invoices_issued_on"\nbranch_labels = None\ndepends_on = None\n\n'
        "from alembic import op\n\n\n"
        "def upgrade():\n    op.add_column('customers', __import__('sqlalchemy').Column('audited', __import__('sqlalchemy').Boolean()))\n\n\n"
        "def downgrade():\n    op.drop_column('customers', 'audited')\n"
    )
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()
    phases = [(s.phase, s.status) for s in report.steps if s.phase in (BEFORE, AFTER)]
    assert phases == [(BEFORE, EQUAL), (AFTER, EQUAL)]
    assert report.steps[0].revision == "settings" and report.steps[0].number == 1
    assert [s.revision for s in report.steps if s.phase == DOWNGRADE][:2] == [
        "audit",
        "index_invoices_issued_on",
    ]


def test_an_env_database_url_is_never_used(tmp_path, sqlite_url, monkeypatch):
    """env.py prefers -x url; DATABASE_URL pointing elsewhere must not be migrated."""
    elsewhere = sqlite_url
    monkeypatch.setenv("DATABASE_URL", elsewhere)
    legacy = SAMPLES / "goose" / "sqlite"
    assert verify(legacy, converted(legacy, tmp_path, "sqlite")).equivalent
    engine = sa.create_engine(elsewhere)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert os.environ["DATABASE_URL"] == elsewhere


def test_usage_errors(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    with pytest.raises(UsageError, match="needs a server"):
        verify(legacy, tmp_path, VerifyOptions(dialect="postgresql"))
    with pytest.raises(UsageError, match="not an Alembic script directory"):
        verify(legacy, tmp_path)


# ---------------------------------------------------------------------------------------
# Scratch databases are dropped, whatever happens


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_scratch_databases_are_dropped_after_success_and_failure(dialect, tmp_path, server):
    legacy = SAMPLES / "goose" / dialect
    out = converted(legacy, tmp_path, dialect)
    url = server(dialect)
    lines: list[str] = []
    assert verify(legacy, out, VerifyOptions(url=url, progress=lines.append)).equivalent
    names = scratch_names(lines)
    assert len(names) == 2 and not set(names) & existing_databases(url)

    edit(out, "seed_plans_and_customers", "'Basic 50'", "'Basic 60'")
    lines.clear()
    assert not verify(legacy, out, VerifyOptions(url=url, progress=lines.append)).equivalent
    names = scratch_names(lines)
    assert len(names) == 2 and not set(names) & existing_databases(url)


def long_history(root: Path, n: int) -> Path:
    root.mkdir()
    for i in range(1, n + 1):
        (root / f"{i:03d}_t{i}.sql").write_text(
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v VARCHAR(10));\n"
        )
    return root


@pytest.mark.parametrize(
    ("dialect", "signum"),
    [("postgresql", signal.SIGTERM), ("postgresql", signal.SIGINT), ("mysql", signal.SIGTERM)],
)
def test_scratch_databases_are_dropped_after_an_interrupt(dialect, signum, tmp_path, server):
    url = server(dialect)
    legacy = long_history(tmp_path / "legacy", 60)
    out = converted(legacy, tmp_path, dialect)
    proc = subprocess.Popen(
        [sys.executable, "-m", "converter", "verify", str(legacy), str(out), "--url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=interruptible,
    )
    lines: list[str] = []
    try:
        for line in proc.stderr:
            lines.append(line.strip())
            if line.startswith("upgrade 3/"):
                break
        else:
            pytest.fail("verify ended before step 3:\n" + "\n".join(lines))
        names = scratch_names(lines)
        assert set(names) <= existing_databases(url)  # mid-run: they exist
        proc.send_signal(signum)
        rest = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code != 0, rest
    assert "upgrade 60/60" not in rest  # it really was interrupted
    assert not set(names) & existing_databases(url), rest


# ---------------------------------------------------------------------------------------
# The command line, the reports, the pytest entry point


def test_cli_exit_codes_and_reports(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify", str(legacy), str(out)])
    assert ok.exit_code == 0, ok.output
    assert "equivalent: 9 steps compared step by step" in ok.stdout

    edit(out, "create_customers", "email VARCHAR(320)", "email VARCHAR(300)")
    junit, report_json = tmp_path / "verify.xml", tmp_path / "verify.json"
    bad = runner.invoke(
        cli,
        [
            "verify",
            str(legacy),
            str(out),
            "--downgrade",
            "--junit",
            str(junit),
            "--json",
            str(report_json),
        ],
    )
    assert bad.exit_code == 1, bad.output
    assert "table customers, column email: type VARCHAR(320) vs VARCHAR(300)" in bad.stdout
    assert "NOT equivalent" in bad.stdout

    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == 18 and suite.get("tests") == "18" and suite.get("failures") == "1"
    (failed,) = [c for c in cases if c.find("failure") is not None]
    assert failed.get("name") == "002 00002_create_customers.sql -> create_customers"
    assert "type VARCHAR(320) vs VARCHAR(300)" in failed.find("failure").text
    assert len([c for c in cases if c.find("skipped") is not None]) == 16

    doc = json.loads(report_json.read_text())
    assert doc["equivalent"] is False and len(doc["steps"]) == 18
    step = doc["steps"][1]
    assert step["status"] == "different" and step["legacy_file"] == "00002_create_customers.sql"
    assert (
        step["differences"][0]["text"]
        == "table customers, column email: type VARCHAR(320) vs VARCHAR(300)"
    )


def test_cli_usage_errors_exit_2(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    result = CliRunner().invoke(
        cli, ["verify", str(legacy), str(tmp_path), "--dialect", "postgresql"]
    )
    assert result.exit_code == 2 and "needs a server" in result.output
    result = CliRunner().invoke(cli, ["verify", str(legacy), str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_a_rejected_password_is_never_printed(tmp_path, mysql_server):
    # mysql_server: the server must be up, it rejects the password
    legacy = SAMPLES / "goose" / "mysql"
    out = converted(legacy, tmp_path, "mysql")
    url = "mysql+pymysql://root:Sup3rS3cretPw@127.0.0.1:3306/"
    result = CliRunner().invoke(cli, ["verify", str(legacy), str(out), "--url", url])
    assert result.exit_code == 2, result.output
    assert "Sup3rS3cretPw" not in result.output
    assert (
        "cannot create scratch databases on mysql+pymysql://root:***@127.0.0.1:3306/"
        in result.output
    )
    assert "Traceback" not in result.output


def test_pytest_entry_point(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = converted(legacy, tmp_path, "sqlite")
    report = assert_equivalent(legacy, out, downgrade=True)
    assert report.equivalent
    edit(out, "create_plans", "NOT NULL DEFAULT 0,", "NOT NULL DEFAULT 1,")
    with pytest.raises(AssertionError) as caught:
        assert_equivalent(legacy, out)
    message = str(caught.value)
    assert message.startswith("NOT equivalent on sqlite")
    assert "legacy file: 00001_create_plans.sql" in message
    assert "table plans, column price: default 0 vs 1" in message
    assert not verify_report(legacy, out).equivalent
