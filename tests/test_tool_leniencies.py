"""Leniencies of the legacy tools, reproduced rather than refused (issue 19, section 2;
PITFALLS 20).

The original goose (bitbucket.org/liamstask/goose, configured by a `dbconf.yml`) logs
"Unexpected unfinished SQL query ... Missing a semicolon?" and skips a statement left without
`;` at the end of a section; pressly/goose refuses the file. The folder decides which goose
(`dbconf.yml` beside the migrations or one level up; `goose-tool` in the configuration says it
outright); the sample `goose-liamstask` shows it in every dialect.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.formats.goose import GooseSyntaxError, parse_goose_sql
from converter.legacy import scan
from converter.verify import VerifyOptions, verify

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE = SAMPLES / "goose-liamstask"

FILE = "-- +goose Up\nCREATE TABLE t (id INT);\n\n-- +goose Down\nDROP TABLE t\n"


def test_pressly_refuses_what_the_original_goose_skips():
    with pytest.raises(GooseSyntaxError) as caught:
        parse_goose_sql(FILE)
    assert caught.value.line == 5
    parsed = parse_goose_sql(FILE, liamstask=True)
    assert parsed.skipped and parsed.skipped[0][0] == 5
    assert parsed.down_skipped
    assert [(p.start, p.end) for p in parsed.down] == [(4, 4)]


def test_an_unfinished_up_statement_is_skipped_and_the_rest_runs():
    text = "-- +goose Up\nCREATE TABLE t (id INT);\nCREATE TABLE u (id INT)\n-- +goose Down\nDROP TABLE t;\n"
    parsed = parse_goose_sql(text, liamstask=True)
    assert [line for line, _ in parsed.skipped] == [3]
    assert [(p.start, p.end) for p in parsed.up] == [(1, 2)]
    assert not parsed.down_skipped


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_the_sample_scans_with_warnings_naming_file_and_line(dialect):
    found = scan(SAMPLE / dialect)
    assert not found.errors
    warned = {(p.path.name, p.line) for p in found.warnings if p.code == "goose-unfinished"}
    assert warned == {
        ("20240106120000_create_customers.sql", 15),
        ("20240107120000_seed_plans.sql", 6),
    }


def test_without_dbconf_the_folder_is_pressly_and_refused(tmp_path):
    legacy = tmp_path / "migrations"
    shutil.copytree(SAMPLE / "sqlite", legacy)
    (legacy / "dbconf.yml").unlink()
    with pytest.raises(InputError) as caught:
        convert(legacy, tmp_path / "alembic", ConvertOptions(dialect="sqlite"))
    assert "no terminating `;`" in str(caught.value)
    # ... unless the configuration names the original goose
    (legacy / "converter.toml").write_text('goose-tool = "liamstask"\n')
    convert(legacy, tmp_path / "alembic", ConvertOptions(dialect="sqlite", date_from="20240101"))


def test_dbconf_one_level_up_and_the_option_that_overrides_it(tmp_path):
    db = tmp_path / "db"
    shutil.copytree(SAMPLE / "sqlite", db / "migrations")
    (db / "migrations" / "dbconf.yml").rename(db / "dbconf.yml")
    assert not scan(db / "migrations").errors
    (db / "migrations" / "converter.toml").write_text('goose-tool = "pressly"\n')
    assert [p.code for p in scan(db / "migrations").errors] == ["goose-syntax", "goose-syntax"]


def test_convert_warns_and_the_downgrade_is_never_a_silent_no_op(tmp_path):
    out = tmp_path / "alembic"
    result = convert(
        SAMPLE / "postgresql", out, ConvertOptions(dialect="postgresql", date_from="20240101")
    )
    assert any(
        w.startswith("20240106120000_create_customers.sql:15: statement has no terminating `;`")
        for w in result.warnings
    )
    customers, seed = result.plans[1], result.plans[2]
    assert customers.downgrade.source == "inverse"
    text = (out / "versions" / customers.filename).read_text()
    assert "this downgrade is the exact inverse of the upgrade" in text
    assert seed.downgrade.source == "none"
    assert "legacy migration 20240107120000_seed_plans.sql: its Down section" in (
        seed.downgrade.error or ""
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_verify_with_downgrades_on_the_servers(dialect, server, tmp_path):
    legacy = tmp_path / "migrations"
    shutil.copytree(SAMPLE / dialect, legacy)
    (legacy / "20240107120000_seed_plans.sql").unlink()  # its downgrade raises: walk the rest
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    report = verify(legacy, out, VerifyOptions(url=server(dialect), downgrade=True))
    assert report.equivalent, report.text()


# -- --goose-tool: the same choice on the command line of scan, convert, verify and stamp ----


def _pressly_folder(tmp_path: Path) -> Path:
    """The sample without its dbconf.yml: auto-detection says current goose."""
    legacy = tmp_path / "migrations"
    shutil.copytree(SAMPLE / "sqlite", legacy)
    (legacy / "dbconf.yml").unlink()
    return legacy


def test_goose_tool_option_on_scan_wins_over_detection_and_configuration(tmp_path):
    legacy = _pressly_folder(tmp_path)
    runner = CliRunner()
    refused = runner.invoke(cli, ["scan", str(legacy)])
    assert refused.exit_code == 1, refused.output
    assert "no terminating `;`" in refused.output
    assert "--goose-tool liamstask" in refused.output  # the refusal says how to name the tool
    accepted = runner.invoke(cli, ["scan", str(legacy), "--goose-tool", "liamstask"])
    assert accepted.exit_code == 0, accepted.output
    assert "20240106120000_create_customers.sql:15" in accepted.output
    # the command line wins over the configuration file, both ways
    (legacy / "converter.toml").write_text('goose-tool = "pressly"\n')
    assert runner.invoke(cli, ["scan", str(legacy)]).exit_code == 1
    assert runner.invoke(cli, ["scan", str(legacy), "--goose-tool", "liamstask"]).exit_code == 0
    (legacy / "converter.toml").unlink()
    shutil.copy(SAMPLE / "sqlite" / "dbconf.yml", legacy / "dbconf.yml")
    assert runner.invoke(cli, ["scan", str(legacy)]).exit_code == 0
    assert runner.invoke(cli, ["scan", str(legacy), "--goose-tool", "pressly"]).exit_code == 1
    wrong = runner.invoke(cli, ["scan", str(legacy), "--goose-tool", "original"])
    assert wrong.exit_code == 2 and "'original' is not one of" in wrong.output


def test_goose_tool_option_on_convert_verify_and_stamp(tmp_path):
    legacy = _pressly_folder(tmp_path)
    out = tmp_path / "alembic"
    runner = CliRunner()
    refused = runner.invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--date-from",
            "20240101",
        ],
    )
    assert refused.exit_code == 1 and "no terminating `;`" in refused.output
    converted = runner.invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--date-from",
            "20240101",
            "--goose-tool",
            "liamstask",
        ],
    )
    assert converted.exit_code == 0, converted.output
    assert "20240106120000_create_customers.sql:15" in converted.output

    assert runner.invoke(cli, ["verify", str(legacy), str(out)]).exit_code == 1
    verified = runner.invoke(cli, ["verify", str(legacy), str(out), "--goose-tool", "liamstask"])
    assert verified.exit_code == 0, verified.output

    # a database the original goose migrated up to the second migration
    db = tmp_path / "legacy.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP)"
        )
        conn.executemany(
            "INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)",
            [(0,), (20240105120000,), (20240106120000,)],
        )
    args = ["stamp", "--alembic-dir", str(out), "--url", f"sqlite:///{db}", "--legacy-dir"]
    refused = runner.invoke(cli, [*args, str(legacy), "--report", "json"])
    assert refused.exit_code == 1, refused.output
    stamped = runner.invoke(
        cli, [*args, str(legacy), "--goose-tool", "liamstask", "--report", "json"]
    )
    assert stamped.exit_code == 0, stamped.output
    assert json.loads(stamped.stdout)["results"][0]["legacy_version"] == "20240106120000"


# -- golang-migrate: a down file without its up ----------------------------------------------


def test_golang_migrate_down_only_version_is_an_empty_upgrade_with_its_down(tmp_path):
    """golang-migrate counts a version that has only a down file: `up` records it without
    running anything (migrate.go, newMigration: "create empty migration"), `down` runs the
    file. convert writes an empty upgrade with that downgrade and says so; verify walks the
    history both ways and finds it equal."""
    legacy = tmp_path / "migrations"
    legacy.mkdir()
    (legacy / "1_plans.up.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY);\n")
    (legacy / "1_plans.down.sql").write_text("DROP TABLE plans;\n")
    (legacy / "2_hotfix.down.sql").write_text("CREATE TABLE plans_archive (id INTEGER);\n")
    (legacy / "3_customers.up.sql").write_text("CREATE TABLE customers (id INTEGER);\n")
    (legacy / "3_customers.down.sql").write_text("DROP TABLE customers;\n")
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert [p.migration.version for p in result.plans] == ["1", "2", "3"]
    assert any(
        w.startswith("2_hotfix.down.sql: down file has no up file with version 2")
        for w in result.warnings
    )
    hotfix = result.plans[1]
    assert hotfix.downgrade.source == "legacy"
    text = (out / "versions" / hotfix.filename).read_text()
    upgrade = text[text.index("def upgrade") : text.index("def downgrade")]
    assert "pass" in upgrade and "op." not in upgrade
    assert "plans_archive" in text[text.index("def downgrade") :]
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()


# -- yoyo and Flyway: files the legacy tool reads without complaint --------------------------


def test_yoyo_stepless_python_and_orphan_rollback_convert_and_verify(tmp_path):
    """yoyo applies (and records) a Python migration that registers no step, and never reads
    a rollback file without its migration: convert follows it, warning about both, and verify
    finds the histories equal."""
    legacy = tmp_path / "migrations"
    legacy.mkdir()
    (legacy / "yoyo.ini").write_text("[DEFAULT]\n")
    (legacy / "0001_plans.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY);\n")
    (legacy / "0001_plans.rollback.sql").write_text("DROP TABLE plans;\n")
    (legacy / "0002_placeholder.py").write_text('"""Kept to hold its id."""\n\nsteps = []\n')
    (legacy / "0003_dropped.rollback.sql").write_text("DROP TABLE dropped;\n")
    (legacy / "0004_customers.sql").write_text("CREATE TABLE customers (id INTEGER);\n")
    (legacy / "0004_customers.rollback.sql").write_text("DROP TABLE customers;\n")
    found = scan(legacy)
    assert not found.errors
    assert {(p.code, p.path.name) for p in found.warnings} >= {
        ("python-no-steps", "0002_placeholder.py"),
        ("down-without-up", "0003_dropped.rollback.sql"),
    }
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert [p.migration.version for p in result.plans] == [
        "0001_plans",
        "0002_placeholder",
        "0004_customers",
    ]
    assert any(w.startswith("0002_placeholder.py:1: the Python migration") for w in result.warnings)
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()


def test_flyway_undo_without_versioned_converts_without_it(tmp_path):
    legacy = tmp_path / "sql"
    legacy.mkdir()
    (legacy / "V1__plans.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY);\n")
    (legacy / "U1__plans.sql").write_text("DROP TABLE plans;\n")
    (legacy / "U2__gone.sql").write_text("DROP TABLE gone;\n")
    found = scan(legacy)
    assert [(p.severity.value, p.code, p.path.name) for p in found.problems] == [
        ("warning", "undo-without-versioned", "U2__gone.sql")
    ]
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert [p.migration.version for p in result.plans] == ["1"]
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()


# -- the original goose: what it reads as text, skips or leaves unrun -------------------------


def test_original_goose_skips_sql_before_up_and_reads_odd_annotations_as_comments():
    text = (
        "SET search_path = public;\n"  # before any direction: the original goose skips it
        "-- +goose Up\n"
        "CREATE TABLE t (id INT);\n"
        "--+goose NO TRANSACTION\n"  # not `-- +goose `: a comment to the original goose
        "-- +goose Down\n"
        "DROP TABLE t;\n"
    )
    with pytest.raises(GooseSyntaxError) as caught:
        parse_goose_sql(text)
    assert caught.value.line == 1
    parsed = parse_goose_sql(text, liamstask=True)
    assert [line for line, _ in parsed.ignored] == [1, 4]
    assert "SQL before the first" in parsed.ignored[0][1]
    assert parsed.transactional  # the NO TRANSACTION line was a comment
    assert [(p.start, p.end) for p in parsed.up] == [(2, 4)]
    assert [(p.start, p.end) for p in parsed.down] == [(5, 7)]


def test_original_goose_needs_its_exact_annotations():
    """`-- +goose up` is Up to current goose (case-insensitive); the original compares
    exactly, so the file has no Up section and both refuse it, for different reasons."""
    text = "-- +goose up\nCREATE TABLE t (id INT);\n"
    assert parse_goose_sql(text).up
    with pytest.raises(GooseSyntaxError, match="no `-- \\+goose Up` annotation"):
        parse_goose_sql(text, liamstask=True)


def test_original_goose_leaves_an_unclosed_block_unrun():
    text = (
        "-- +goose Up\nCREATE TABLE t (id INT);\n-- +goose Down\n"
        "-- +goose StatementBegin\nDROP TABLE t;\n"
    )
    with pytest.raises(GooseSyntaxError, match="no matching"):
        parse_goose_sql(text)
    parsed = parse_goose_sql(text, liamstask=True)
    assert [line for line, _ in parsed.skipped] == [4]
    assert all(p.start == p.end for p in parsed.down)  # nothing of the down runs
    assert parsed.down_skipped


def test_original_goose_leniencies_convert_and_verify(tmp_path):
    legacy = tmp_path / "db" / "migrations"
    legacy.mkdir(parents=True)
    (tmp_path / "db" / "dbconf.yml").write_text("development:\n  driver: sqlite3\n  open: app.db\n")
    (legacy / "20240101000000_plans.sql").write_text(
        "-- +goose up\n"  # a comment to the original goose: this SQL comes before any direction
        "CREATE TABLE ignored (id INTEGER);\n"
        "-- +goose Up\n"
        "CREATE TABLE plans (id INTEGER PRIMARY KEY);\n"
        "-- +goose Down\n"
        "DROP TABLE plans;\n"
    )
    (legacy / "20240102000000_customers.sql").write_text(
        "-- +goose Up\n"
        "CREATE TABLE customers (id INTEGER PRIMARY KEY);\n"
        "-- +goose Down\n"
        "DROP TABLE customers;\n"
        "-- +goose StatementBegin\n"
        "DROP TABLE never_run;\n"
    )
    found = scan(legacy)
    assert not found.errors, found.errors
    assert sorted((p.code, p.path.name, p.line) for p in found.warnings) == [
        ("goose-original", "20240101000000_plans.sql", 1),
        ("goose-original", "20240101000000_plans.sql", 2),
        ("goose-unfinished", "20240102000000_customers.sql", 5),
    ]
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert any(w.startswith("20240101000000_plans.sql:2: SQL before") for w in result.warnings)
    text = (out / "versions" / result.plans[0].filename).read_text()
    assert "ignored" not in text.split("def upgrade", 1)[1].split("def downgrade", 1)[0]
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()


def test_original_goose_runs_several_sections_of_a_direction_in_order():
    text = (
        "-- +goose Down\nDROP TABLE u;\n"
        "-- +goose Up\nCREATE TABLE t (id INT);\n"
        "-- +goose Down\nDROP TABLE t;\n"
        "-- +goose Up\nCREATE TABLE u (id INT);\n"
    )
    with pytest.raises(GooseSyntaxError, match="before `-- \\+goose Up`"):
        parse_goose_sql(text)
    parsed = parse_goose_sql(text, liamstask=True)
    lines = text.split("\n")

    def texts(pieces):
        return ["".join(lines[j] for j in range(p.start, p.end)).strip() for p in pieces]

    assert [t for t in texts(parsed.up) if t] == [
        "CREATE TABLE t (id INT);",
        "CREATE TABLE u (id INT);",
    ]
    assert [t for t in texts(parsed.down) if t] == ["DROP TABLE u;", "DROP TABLE t;"]
    assert [line for line, _ in parsed.ignored] == [1, 3, 7]


def test_original_goose_has_no_empty_block_quirk():
    """Current goose swallows the line after an empty StatementBegin/End block (and convert
    leaves it out too, warning); the original runs it as any other line."""
    text = (
        "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\nCREATE TABLE t (id INT);\n"
    )
    pressly = parse_goose_sql(text)
    assert [line for line, _ in pressly.skipped] == [4]
    assert not any(p.start <= 3 < p.end for p in pressly.up)
    parsed = parse_goose_sql(text, liamstask=True)
    assert not parsed.skipped
    assert any(p.start <= 3 < p.end for p in parsed.up)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("-- +goose Up\n-- +goose StatementEnd\nCREATE TABLE t (id INT);\n", 2),
        (
            "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementBegin\n"
            "CREATE TABLE t (id INT);\n-- +goose StatementEnd\n",
            3,
        ),
        ("-- +goose StatementBegin\n-- +goose Up\nCREATE TABLE t (id INT);\n", 1),
    ],
    ids=["end-without-begin", "nested-begin", "begin-before-up"],
)
def test_original_goose_reads_stray_block_annotations_as_comments(text, line):
    with pytest.raises(GooseSyntaxError):
        parse_goose_sql(text)
    parsed = parse_goose_sql(text, liamstask=True)
    assert [n for n, _ in parsed.ignored] == [line]
    lines = text.split("\n")
    up = "".join(lines[j] for p in parsed.up for j in range(p.start, p.end))
    assert "CREATE TABLE t (id INT);" in up


def test_original_goose_skips_a_file_name_without_version(tmp_path):
    legacy = tmp_path / "migrations"
    shutil.copytree(SAMPLE / "sqlite", legacy)
    (legacy / "notes_on_plans.sql").write_text("-- +goose Up\nSELECT 1;\n")
    found = scan(legacy)
    assert not found.errors
    assert ("bad-name", "notes_on_plans.sql") in {(p.code, p.path.name) for p in found.warnings}
    assert "notes_on_plans.sql" not in {m.name for m in found.migrations}
    (legacy / "dbconf.yml").unlink()
    found = scan(legacy)
    assert ("bad-name", "notes_on_plans.sql") in {(p.code, p.path.name) for p in found.errors}


@pytest.mark.parametrize("liamstask", [False, True], ids=["pressly", "original"])
def test_goose_glues_an_unfinished_statement_to_the_next_block(liamstask):
    """Neither goose checks its buffer at StatementBegin: the unfinished statement and the
    block run as one statement. The converter keeps them together, with a warning."""
    text = (
        "-- +goose Up\n"
        "CREATE TABLE t (id INT)\n"
        "-- +goose StatementBegin\n"
        "\n"
        "-- +goose StatementEnd\n"
    )
    parsed = parse_goose_sql(text, liamstask=liamstask)
    assert [line for line, _ in parsed.glued] == [2]
    blocks = [(p.start, p.end) for p in parsed.up if p.block]
    assert blocks == [(1, 4)]  # from the unfinished statement to the StatementEnd
