"""convert: each promise of the command, on small legacy histories built in tmp_path."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from dbhelpers import alembic_config, engine_for

from converter.apply import apply_migration
from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import InputError, OutputError, UsageError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

AWKWARD = [
    "a :name b",
    "100%",
    "%s and %(x)s",
    "colon\\:escaped",
    "it''s",
    "$$ dollars $$",
    "ünïcödé ✓",
    "line\nbreak",
]


def write_legacy(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def run_convert(legacy: Path, out: Path, dialect: str = "sqlite", **kw):
    kw.setdefault("date_from", "20240101")
    return convert(legacy, out, ConvertOptions(dialect=dialect, **kw))


def dialect_of(url: str) -> str:
    return {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql"}[
        sa.make_url(url).get_backend_name()
    ]


def awkward_history(root: Path, dialect: str) -> Path:
    text_type = "TEXT"
    values = ",\n".join(f"    ({i}, '{v}')" for i, v in enumerate(AWKWARD))
    return write_legacy(
        root,
        {
            "001_notes.sql": f"CREATE TABLE notes (id INTEGER PRIMARY KEY, body {text_type} NOT NULL);\n",
            "001_notes.down.sql": "DROP TABLE notes;\n",
            "002_seed.sql": f"INSERT INTO notes (id, body) VALUES\n{values};\n"
            "UPDATE notes SET body = body WHERE body LIKE '%:name%' OR body = '100%';\n",
            "002_seed.down.sql": "DELETE FROM notes;\n",
        },
    )


def rows(url: str) -> list[tuple]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r) for r in conn.exec_driver_sql("SELECT id, body FROM notes ORDER BY id")
            ]
    finally:
        engine.dispose()


# -- verbatim SQL runs exactly as written (binds, %, several statements, no-transaction) --------------------------------------


@pytest.mark.parametrize("style", ["ops", "sql"])
def test_verbatim_sql_keeps_colons_percents_and_backslashes_online(
    db_url, make_db, tmp_path, style
):
    dialect = dialect_of(db_url)
    legacy = awkward_history(tmp_path / "migrations", dialect)
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, dialect, style=style)
    command.upgrade(alembic_config(out, db_url), "head")
    legacy_url = make_db(dialect)
    engine = engine_for(legacy_url)
    for plan in result.plans:
        apply_migration(engine, plan.migration, dialect)
    engine.dispose()
    got = rows(db_url)
    assert got == rows(legacy_url)
    assert len(got) == len(AWKWARD)
    assert got[0][1] == "a :name b" and got[1][1] == "100%" and got[2][1] == "%s and %(x)s"


def test_verbatim_sql_is_written_unchanged_in_offline_sql_mode(tmp_path):
    legacy = awkward_history(tmp_path / "migrations", "sqlite")
    out = tmp_path / "alembic"
    run_convert(legacy, out, "sqlite", style="sql")
    buffer = io.StringIO()
    command.upgrade(alembic_config(out, "sqlite:///unused.db", buffer), "head", sql=True)
    sql = buffer.getvalue()
    seed = (legacy / "002_seed.sql").read_text().split(";\n")
    assert seed[0] + ";" in sql  # the multi-row INSERT, byte for byte
    assert "'a :name b'" in sql and "'100%'" in sql and "'%s and %(x)s'" in sql


def test_each_statement_is_its_own_call(tmp_path):
    legacy = awkward_history(tmp_path / "migrations", "sqlite")
    result = run_convert(legacy, tmp_path / "alembic", "sqlite", style="sql")
    seed = result.plans[1]
    assert seed.stats.verbatim == 2
    text = (tmp_path / "alembic/versions" / seed.filename).read_text()
    # one call per up statement (2), the down; the helper is imported, not defined
    assert text.count("execute_verbatim(") == 3
    assert "from converter_helpers import execute_verbatim" in text


@pytest.fixture
def concurrently_history(tmp_path):
    return write_legacy(
        tmp_path / "migrations",
        {
            "001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\n",
            "002_ix.sql": "CREATE INDEX CONCURRENTLY ix_t_v ON t (v);\n",
            "002_ix.down.sql": "DROP INDEX CONCURRENTLY ix_t_v;\n",
        },
    )


def test_concurrently_runs_alone_in_an_autocommit_block_on_postgresql(
    pg_url, concurrently_history, tmp_path
):
    out = tmp_path / "alembic"
    result = run_convert(concurrently_history, out, "postgresql")
    plan = result.plans[1]
    assert plan.stats.autocommit == 1
    text = (out / "versions" / plan.filename).read_text()
    assert "with autocommit_block():" in text and "import autocommit_block" in text
    cfg = alembic_config(out, pg_url)
    command.upgrade(cfg, "head")
    engine = sa.create_engine(pg_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert [ix["name"] for ix in sa.inspect(conn).get_indexes("t")] == ["ix_t_v"]
    command.downgrade(cfg, "-1")
    with engine.connect() as conn:
        assert sa.inspect(conn).get_indexes("t") == []
    engine.dispose()


def test_format_flags_put_every_statement_in_autocommit(tmp_path):
    legacy = write_legacy(
        tmp_path / "goose",
        {
            "00001_a.sql": "-- +goose Up\n-- +goose NO TRANSACTION\nCREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n"
            "-- +goose Down\nDROP TABLE b;\nDROP TABLE a;\n",
        },
    )
    result = run_convert(legacy, tmp_path / "alembic", "sqlite")
    assert result.plans[0].stats.autocommit == 2
    text = (tmp_path / "alembic/versions" / result.plans[0].filename).read_text()
    assert "ran outside a transaction" in text


# -- statements --------------------------------------------------------------------------------


def test_transaction_control_is_removed_and_counted(tmp_path, sqlite_url):
    legacy = write_legacy(
        tmp_path / "m",
        {"001_a.sql": "BEGIN;\nCREATE TABLE a (id INTEGER PRIMARY KEY);\nCOMMIT;\n"},
    )
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, "sqlite")
    assert result.plans[0].stats.removed == 2
    text = (out / "versions" / result.plans[0].filename).read_text()
    assert "BEGIN" not in text and "COMMIT" not in text
    command.upgrade(alembic_config(out, sqlite_url), "head")


def test_psql_meta_command_is_a_clear_error_and_nothing_is_written(tmp_path):
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id int);\n\\connect other\n"}
    )
    out = tmp_path / "alembic"
    res = CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(out),
            "--dialect",
            "postgresql",
            "--date-from",
            "20240101",
        ],
    )
    assert res.exit_code == 1
    assert "001_a.sql:2" in res.output
    assert not out.exists() and not (tmp_path / "alembic.ini").exists()


def test_unparsed_statements_are_kept_verbatim_and_counted(tmp_path):
    legacy = write_legacy(
        tmp_path / "m",
        {
            "001_fn.sql": "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nCREATE EXTENSION IF NOT EXISTS citext;\n"
        },
    )
    result = run_convert(legacy, tmp_path / "alembic", "postgresql")
    stats = result.plans[0].stats
    assert stats.verbatim == 2 and stats.unparsed == 2
    text = (tmp_path / "alembic/versions" / result.plans[0].filename).read_text()
    assert '"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"' in text


# -- operations and downgrades ---------------------------------------------------------------


def test_structured_ops_and_their_inverse_make_downgrade_base_empty(db_url, tmp_path):
    dialect = dialect_of(db_url)
    legacy = write_legacy(
        tmp_path / "m",
        {
            "001_plans.sql": "CREATE TABLE plans (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n",
            "001_plans.down.sql": "DROP TABLE plans;\n",
            "002_speed.sql": "ALTER TABLE plans ADD COLUMN speed INTEGER;\n",
            "003_ix.sql": "CREATE INDEX ix_plans_name ON plans (name);\n",
        },
    )
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, dialect)
    assert [p.downgrade.source for p in result.plans] == ["legacy", "inverse", "inverse"]
    assert result.plans[1].stats.ops == 1 and result.plans[2].stats.ops == 1
    cfg = alembic_config(out, db_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"] == []
    engine.dispose()


def test_no_down_gives_a_downgrade_that_raises_naming_the_legacy_file(tmp_path, sqlite_url):
    legacy = write_legacy(
        tmp_path / "m",
        {
            "001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
            "002_d.sql": "DELETE FROM a;\n",
        },
    )
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, "sqlite")
    assert result.plans[1].downgrade.source == "none"
    cfg = alembic_config(out, sqlite_url)
    command.upgrade(cfg, "head")
    with pytest.raises(NotImplementedError, match="002_d.sql has no down migration"):
        command.downgrade(cfg, "-1")


def test_python_script_is_carried_and_called_with_the_connection(tmp_path, sqlite_url):
    legacy = write_legacy(
        tmp_path / "m",
        {
            "001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n",
            "002_fill.py": "from sqlalchemy import text\n\n\ndef upgrade(conn):\n    conn.execute(text(\"INSERT INTO a (v) VALUES ('x')\"))\n\n\n"
            "def downgrade(conn):\n    conn.execute(text('DELETE FROM a'))\n",
        },
    )
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, "sqlite")
    assert result.plans[1].downgrade.source == "python"
    cfg = alembic_config(out, sqlite_url)
    command.upgrade(cfg, "head")
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT v FROM a").scalars().all() == ["x"]
    command.downgrade(cfg, "-1")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM a").scalar() == 0
    engine.dispose()


def test_style_sql_keeps_every_statement_verbatim(tmp_path):
    result = run_convert(
        SAMPLES / "plain/postgresql", tmp_path / "alembic", "postgresql", style="sql"
    )
    assert sum(p.stats.ops for p in result.plans) == 0
    for f in (tmp_path / "alembic/versions").iterdir():
        assert "op.create_table" not in f.read_text()


# -- output ----------------------------------------------------------------------------------


def test_output_is_a_complete_alembic_directory_with_the_naming_convention(tmp_path):
    result = run_convert(SAMPLES / "flyway/postgresql", tmp_path / "alembic", "postgresql")
    out = tmp_path / "alembic"
    assert sorted(p.name for p in out.iterdir()) == [
        "README",
        "converter_helpers.py",
        "env.py",
        "script.py.mako",
        "versions",
    ]
    assert (tmp_path / "alembic.ini").exists()
    names = sorted(p.name for p in (out / "versions").iterdir())
    assert "20240101_create_plans.py" in names
    text = (out / "versions/20240101_create_plans.py").read_text()
    assert text.startswith(
        '"""create plans\n\nRevision ID: create_plans\nRevises:\nCreate Date: 2024-01-01 00:00:00\n'
    )
    assert "V1__create_plans.sql" in text and "sha256:" in text
    assert 'legacy = {\n    "format": "flyway",\n    "version": "1",' in text
    second = result.plans[1]
    assert second.down_revision == result.plans[0].revision


def test_dates_come_from_legacy_timestamps(tmp_path):
    result = run_convert(
        SAMPLES / "golang-migrate/mysql", tmp_path / "alembic", "mysql", date_from="name"
    )
    assert result.plans[0].filename.startswith("20240105_")


def test_no_date_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no date"):
        run_convert(SAMPLES / "plain/sqlite", tmp_path / "alembic", "sqlite", date_from="name")
    assert not (tmp_path / "alembic").exists()


def test_generated_files_pass_ruff(tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    for fmt in ("plain", "yoyo", "sqlalchemy-migrate", "flyway"):
        out = tmp_path / fmt / "alembic"
        run_convert(SAMPLES / fmt / "postgresql", out, "postgresql")
        res = subprocess.run(
            [ruff, "check", "--no-cache", "alembic"], cwd=out.parent, capture_output=True, text=True
        )
        assert res.returncode == 0, res.stdout + res.stderr


def test_output_is_deterministic_and_a_rerun_changes_nothing(tmp_path):
    a = run_convert(SAMPLES / "sqitch/postgresql", tmp_path / "a/alembic", "postgresql")
    run_convert(SAMPLES / "sqitch/postgresql", tmp_path / "b/alembic", "postgresql")
    for f in (tmp_path / "a/alembic/versions").iterdir():
        assert f.read_bytes() == (tmp_path / "b/alembic/versions" / f.name).read_bytes()
    assert len(a.written) == len(a.plans) + 4  # env.py, script.py.mako, README, helpers
    again = run_convert(SAMPLES / "sqitch/postgresql", tmp_path / "a/alembic", "postgresql")
    assert again.written == [] and len(again.unchanged) == len(a.plans) + 1  # + helpers


def test_new_legacy_migrations_are_appended_to_the_chain(tmp_path):
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    out = tmp_path / "alembic"
    first = run_convert(legacy, out)
    (legacy / "002_b.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\n")
    second = run_convert(legacy, out)
    assert second.written == ["versions/20240101_b.py"]
    assert second.plans[1].down_revision == first.plans[0].revision


def test_hand_edited_revision_is_never_overwritten_without_force(tmp_path):
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    out = tmp_path / "alembic"
    run_convert(legacy, out)
    path = out / "versions/20240101_a.py"
    edited = path.read_text().replace(
        "def upgrade() -> None:", "def upgrade() -> None:\n    print('mine')"
    )
    path.write_text(edited)
    (legacy / "001_a.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER);\n")
    result = run_convert(legacy, out)  # kept, and the run goes on
    assert result.kept_edits == ["versions/20240101_a.py"]
    assert any("--force" in n for n in result.notes)
    assert path.read_text() == edited
    result = run_convert(legacy, out, force=True)
    assert result.overwritten_edits == ["versions/20240101_a.py"]
    assert "print('mine')" not in path.read_text()


FOREIGN = '''"""existing

Revision ID: {rev}
Revises: {down_text}
Create Date: 2023-01-01 00:00:00
"""
from alembic import op

revision = "{rev}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SELECT 1")


def downgrade():
    pass
'''


def foreign(out: Path, rev: str, down: str | None) -> Path:
    (out / "versions").mkdir(parents=True, exist_ok=True)
    path = out / "versions" / f"{rev}.py"
    path.write_text(FOREIGN.format(rev=rev, down=repr(down), down_text=down or ""))
    return path


def test_existing_history_gets_the_legacy_chain_after_its_single_head(tmp_path):
    out = tmp_path / "alembic"
    foreign(out, "own_base", None)
    foreign(out, "own_head", "own_base")
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    result = run_convert(legacy, out)
    assert result.chained_after == "own_head"
    assert result.plans[0].down_revision == "own_head"
    assert (out / "env.py").exists()


def test_existing_history_with_several_heads_is_refused(tmp_path):
    out = tmp_path / "alembic"
    foreign(out, "own_base", None)
    foreign(out, "head_one", "own_base")
    foreign(out, "head_two", "own_base")
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    with pytest.raises(OutputError, match="several heads: head_one, head_two"):
        run_convert(legacy, out)
    assert sorted(p.name for p in (out / "versions").iterdir()) == [
        "head_one.py",
        "head_two.py",
        "own_base.py",
    ]


def test_before_base_repoints_the_existing_base(tmp_path, sqlite_url):
    out = tmp_path / "alembic"
    base = foreign(out, "own_base", None)
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    result = run_convert(legacy, out, before_base=True)
    assert result.repointed == "own_base.py"
    assert result.plans[0].down_revision is None
    text = base.read_text()
    assert "down_revision = 'a'" in text and "Revises: a" in text
    command.upgrade(alembic_config(out, sqlite_url), "heads")


def test_foreign_files_in_the_output_are_refused(tmp_path):
    out = tmp_path / "alembic"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    with pytest.raises(OutputError, match="not an Alembic directory"):
        run_convert(legacy, out)


def test_output_inside_the_legacy_directory_is_a_usage_error(tmp_path):
    legacy = write_legacy(
        tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n"}
    )
    with pytest.raises(UsageError, match="inside the legacy directory"):
        run_convert(legacy, legacy / "alembic")
    res = CliRunner().invoke(
        cli, ["convert", str(legacy), "--out", str(legacy / "alembic"), "--dialect", "sqlite"]
    )
    assert res.exit_code == 2


def test_dry_run_writes_nothing(tmp_path):
    out = tmp_path / "alembic"
    result = run_convert(SAMPLES / "plain/sqlite", out, dry_run=True)
    assert len(result.written) == len(result.plans) + 4
    assert not out.exists() and not (tmp_path / "alembic.ini").exists()


def test_bad_legacy_input_writes_nothing(tmp_path):
    legacy = write_legacy(tmp_path / "m", {"001_a.sql": "SELECT 1;\n", "1_b.sql": "SELECT 2;\n"})
    with pytest.raises(InputError, match="version 001 is used by 2 migrations"):
        run_convert(legacy, tmp_path / "alembic")
    assert not (tmp_path / "alembic").exists()


def test_cli_report_json_and_rev_id_styles(tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "convert",
            str(SAMPLES / "flyway/sqlite"),
            "--out",
            str(tmp_path / "alembic"),
            "--dialect",
            "sqlite",
            "--date-from",
            "20240101",
            "--rev-id",
            "version",
            "--report",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert [r["revision"] for r in report["revisions"]][:2] == ["v1", "v2"]
    first = report["revisions"][0]
    for key in (
        "revision",
        "down_revision",
        "file",
        "legacy_version",
        "legacy_file",
        "ops",
        "verbatim",
        "unparsed",
        "autocommit",
        "removed",
        "downgrade",
    ):
        assert key in first
    assert report["totals"]["verbatim"] >= 1


def test_cli_summary_table(tmp_path):
    res = CliRunner().invoke(
        cli,
        [
            "convert",
            str(SAMPLES / "plain/sqlite"),
            "--out",
            str(tmp_path / "alembic"),
            "--dialect",
            "sqlite",
            "--date-from",
            "20240101",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "7 revisions from plain" in res.output and "wrote 11 files" in res.output


def test_mysql_revision_failing_half_way_reports_what_was_applied(mysql_url, tmp_path, capsys):
    legacy = write_legacy(
        tmp_path / "m",
        {
            "001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
            "002_b.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY);\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        },
    )
    out = tmp_path / "alembic"
    result = run_convert(legacy, out, "mysql", style="sql")
    text = (out / "versions" / result.plans[1].filename).read_text()
    assert "MySQL/MariaDB commit DDL implicitly" in text
    with pytest.raises(sa.exc.OperationalError):
        command.upgrade(alembic_config(out, mysql_url), "head")
    err = capsys.readouterr().err
    assert "NOT rolled back" in err
    assert "1. CREATE TABLE b (id INTEGER PRIMARY KEY)" in err
    assert "CREATE TABLE a" not in err.split("NOT rolled back")[1]
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert sorted(sa.inspect(conn).get_table_names()) == ["a", "alembic_version", "b"]
    engine.dispose()
