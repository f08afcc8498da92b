"""Migrations written in code: goose Go, Flyway Java, and Python deltas called the in-house way.

Straight-line code (SQL literals executed in order) converts like SQL and verifies equal
step by step on the real servers; anything else keeps its place in the chain as a placeholder
revision that raises until ported, named by convert (exit 3), verify ("needs porting") and
stamp; a port by hand survives a re-run, and verify then reports it "ported". The samples
live in samples/code-migrations/ (their own layout: the per-format sample tests apply every
legacy migration, which a placeholder cannot be).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from dbhelpers import alembic_config
from test_tracking import flyway_table, goose_table

from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.formats.code_source import NotStraightLine, awaiting_port
from converter.formats.go_source import read_go_migration, tokenize
from converter.formats.java_source import read_java_migration
from converter.legacy import scan
from converter.stamp import STAMPED, StampOptions, stamp
from converter.verify import VerifyOptions, verify
from converter.verify_report import EQUAL, IRREVERSIBLE, NEEDS_PORTING, NOT_RUN, PORTED

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "code-migrations"


# -- the Go reader ---------------------------------------------------------------------------


def go(body: str, register: str = "goose.AddMigration(up, down)", extra: str = "") -> str:
    return f"""package migrations

import (
\t"database/sql"
\t"github.com/pressly/goose/v3"
)
{extra}
func init() {{
\t{register}
}}

func up(tx *sql.Tx) error {{
{body}
}}

func down(tx *sql.Tx) error {{
\treturn nil
}}
"""


def go_sql(body: str, **kw) -> list[str]:
    return [c.sql for c in read_go_migration(go(body, **kw)).up]


def test_go_literals_follow_the_go_specification():
    body = (
        '\t_, err := tx.Exec("a\\n\\t\\x41\\101\\u00e9\\U0001F600\\"\\\\")\n'
        "\t_, err = tx.Exec(`raw \\n stays\r\nCR dropped`)\n"
        "\treturn err"
    )
    assert go_sql(body) == ['a\n\tAAé😀"\\', "raw \\n stays\nCR dropped"]


def test_go_comments_runes_and_strings_do_not_confuse_the_reader():
    body = (
        "\t// tx.Query(`not code`) in a comment\n"
        '\t/* a block comment with "quotes" and `ticks`\n spanning lines */\n'
        "\tif _, err := tx.Exec(`SELECT '//not a comment', \"/*\"`); err != nil {\n"
        "\t\treturn err\n"
        "\t}\n"
        "\treturn nil"
    )
    assert go_sql(body) == ["SELECT '//not a comment', \"/*\""]
    tokens = tokenize("x := '\"'\ny := '`'\n")  # rune literals holding quote characters
    assert [t.kind for t in tokens].count("char") == 2


def test_go_constants_and_concatenation_across_lines():
    extra = 'const (\n\ttable = "customers"\n\tcols = "(id)"\n)\nconst create = "CREATE TABLE " + table + " " + cols\n'
    body = '\t_, err := tx.Exec(create +\n\t\t"; " + (`DROP TABLE ` + table))\n\treturn err'
    assert go_sql(body, extra=extra) == ["CREATE TABLE customers (id); DROP TABLE customers"]


def test_go_registration_forms():
    m = read_go_migration(go("\treturn nil", register="goose.AddMigrationNoTx(up, nil)"))
    assert not m.transactional and m.down is None and m.up == []
    named = 'goose.AddNamedMigrationContext("00002_x.go", func(ctx context.Context, tx *sql.Tx) error {\n_, err := tx.ExecContext(ctx, "SELECT 1")\nreturn err\n}, down)'
    m = read_go_migration(go("\treturn nil", register=named))
    assert [c.sql for c in m.up] == ["SELECT 1"] and m.down == [] and m.transactional


@pytest.mark.parametrize(
    ("body", "extra", "why"),
    [
        ("\tfor i := 0; i < 3; i++ {\n\t}\n\treturn nil", "", "`for` is not straight-line"),
        (
            '\trows, err := tx.Query("SELECT 1")\n\t_ = rows\n\treturn err',
            "",
            "tx.Query(...) is used for its result",
        ),
        ('\t_, err := tx.Exec("UPDATE t SET a = $1", 1)\n\treturn err', "", "placeholders"),
        (
            '\t_, err := tx.Exec(fmt.Sprintf("DROP TABLE %s", "t"))\n\treturn err',
            "",
            "computes the SQL at run time",
        ),
        (
            "\t_, err := tx.Exec(sqlText)\n\treturn err",
            'var sqlText = "SELECT 1"\n',
            "not a string constant",
        ),
        ('\t_, err := tx.Exec("A" + "\\xff")\n\treturn err', "", "not UTF-8"),
        ("\treturn helper(tx)", "", "returns something else"),
    ],
)
def test_go_code_that_is_not_straight_line_is_refused_with_the_reason(body, extra, why):
    with pytest.raises(NotStraightLine) as exc:
        read_go_migration(go(body, extra=extra))
    assert why in str(exc.value) and exc.value.line is not None


def test_go_registration_problems_are_refused():
    with pytest.raises(NotStraightLine, match="registers no migration"):
        read_go_migration("package migrations\n")
    with pytest.raises(NotStraightLine, match="not a function of this file"):
        read_go_migration(go("\treturn nil", register="goose.AddMigration(other.Up, down)"))
    with pytest.raises(NotStraightLine, match="upMissing is not defined in this file"):
        read_go_migration(go("\treturn nil", register="goose.AddMigration(upMissing, down)"))
    with pytest.raises(NotStraightLine, match="more than one migration"):
        read_go_migration(
            go(
                "\treturn nil",
                register="goose.AddMigration(up, down)\n\tgoose.AddMigration(up, nil)",
            )
        )


# -- the Java reader -------------------------------------------------------------------------


def java(body: str, members: str = "", name: str = "V3__x") -> str:
    return f"""package db.migration;
import org.flywaydb.core.api.migration.*;
public class {name} extends BaseJavaMigration {{
{members}
    @Override
    @SuppressWarnings("unused")
    public void migrate(final Context ctx) throws Exception {{
{body}
    }}
}}
"""


def java_sql(body: str, members: str = "") -> list[str]:
    return [c.sql for c in read_java_migration(java(body, members), "V3__x").up]


def test_java_text_blocks_follow_the_language_specification():
    body = (
        "try (Statement st = ctx.getConnection().createStatement()) {\n"
        '    st.execute("""\n'
        "        SELECT 'a'   \n"
        "          , 'b' \\s\n"
        "        FROM t \\\n"
        "        WHERE 1 = 1\n"
        '        """);\n'
        '    st.execute("""\n'
        '        no final newline""");\n'
        "}"
    )
    assert java_sql(body) == [
        "SELECT 'a'\n  , 'b'  \nFROM t WHERE 1 = 1\n",
        "no final newline",
    ]


def test_java_escapes_comments_and_constants():
    members = 'private static final String T = "plans"; // "not SQL"\n/* "nor this" */'
    body = (
        "Statement st = ctx.getConnection().createStatement();\n"
        'st.executeUpdate("INSERT INTO " + T + " VALUES (\'\\u00e9\\uD83D\\uDE00\', \'\\101\\t\\"\')");\n'
        'new JdbcTemplate(new SingleConnectionDataSource(ctx.getConnection(), true)).update("DELETE FROM " + T);\n'
        "return;"
    )
    assert java_sql(body, members) == [
        "INSERT INTO plans VALUES ('é😀', 'A\t\"')",
        "DELETE FROM plans",
    ]


def test_java_can_execute_in_transaction_false_is_non_transactional():
    members = "@Override public boolean canExecuteInTransaction() { return false; }"
    body = 'ctx.getConnection().createStatement().execute("CREATE INDEX CONCURRENTLY i ON t (a)");'
    m = read_java_migration(java(body, members), "V3__x")
    assert not m.transactional and [c.sql for c in m.up] == ["CREATE INDEX CONCURRENTLY i ON t (a)"]


@pytest.mark.parametrize(
    ("body", "members", "why"),
    [
        (
            'try (Statement s = ctx.getConnection().createStatement();\n ResultSet r = s.executeQuery("SELECT 1")) {}',
            "",
            "`ResultSet r` is not a Statement",
        ),
        (
            'try (Statement s = ctx.getConnection().createStatement()) { s.execute("A"); } catch (Exception e) {}',
            "",
            "handles errors",
        ),
        (
            'JdbcTemplate j = new JdbcTemplate(dataSource);\nj.update("UPDATE t SET a = ?", 1);',
            "",
            "built from `dataSource`",
        ),
        (
            'Statement s = ctx.getConnection().createStatement();\ns.execute("UPDATE t SET a = " + value);',
            "",
            "not a String constant",
        ),
        ("for (int i = 0; i < 3; i++) {}", "", "`for` is not straight-line"),
        ("return;", "public Integer getChecksum() { return 1; }", "overrides getChecksum()"),
    ],
)
def test_java_code_that_is_not_straight_line_is_refused_with_the_reason(body, members, why):
    with pytest.raises(NotStraightLine) as exc:
        read_java_migration(java(body, members), "V3__x")
    assert why in str(exc.value)


def test_java_unicode_escape_outside_a_literal_is_refused():
    with pytest.raises(NotStraightLine, match="outside a literal"):
        read_java_migration(java("ctx\\u002egetConnection();"), "V3__x")
    with pytest.raises(NotStraightLine, match="declares no class"):
        read_java_migration(java("return;", name="Other"), "V3__x")


# -- convert ---------------------------------------------------------------------------------


def copy_sample(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "legacy"
    shutil.copytree(SAMPLES / name, target)
    return target


def test_goose_go_sample_converts_with_one_placeholder(tmp_path):
    legacy = SAMPLES / "goose" / "sqlite"
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    codes = [
        (p.migration.version, p.migration.code, bool(p.migration.placeholder)) for p in result.plans
    ]
    assert codes == [
        ("1", None, False),
        ("2", "go", False),
        ("3", "go", False),
        ("4", "go", True),
        ("5", None, False),
    ]
    assert result.placeholders == [
        "versions/20240101_normalise_emails.py (00004_normalise_emails.go)"
    ]
    kept = out / "versions" / "20240101_normalise_emails.go.txt"
    assert kept.read_text() == (legacy / "00004_normalise_emails.go").read_text()
    placeholder = (out / "versions" / "20240101_normalise_emails.py").read_text()
    assert awaiting_port(placeholder)
    assert '"code": "go"' in placeholder and '"placeholder": True' in placeholder
    straight = (out / "versions" / "20240101_create_customers.py").read_text()
    assert "Read from Go code" in straight and '"code": "go"' in straight
    # Alembic loads the directory cleanly (the .go.txt beside the revisions is not a script)
    script = ScriptDirectory.from_config(alembic_config(out, "sqlite://"))
    assert len(list(script.walk_revisions())) == 5
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "alembic"],
        cwd=out.parent,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout


def test_code_migrations_error_keeps_the_refusal(tmp_path):
    with pytest.raises(InputError) as exc:
        convert(
            SAMPLES / "goose" / "sqlite",
            tmp_path / "alembic",
            ConvertOptions(dialect="sqlite", date_from="20240101", code_migrations="error"),
        )
    assert "00004_normalise_emails.go" in str(exc.value) and "straight-line" in str(exc.value)
    assert not (tmp_path / "alembic").exists()


def test_cli_exit_codes_and_the_list_of_placeholders(tmp_path):
    runner = CliRunner()
    args = [
        "convert",
        str(SAMPLES / "goose" / "sqlite"),
        "--dialect",
        "sqlite",
        "--date-from",
        "20240101",
    ]
    done = runner.invoke(cli, [*args, "--out", str(tmp_path / "a" / "alembic")])
    assert done.exit_code == 3, done.output
    assert "1 placeholder revision(s) to port by hand" in done.output
    assert "20240101_normalise_emails.py (00004_normalise_emails.go)" in done.output
    checked = runner.invoke(cli, [*args, "--out", str(tmp_path / "a" / "alembic"), "--check"])
    assert checked.exit_code == 0, checked.output  # up to date: --check answers only that
    refused = runner.invoke(
        cli, [*args, "--out", str(tmp_path / "b" / "alembic"), "--code-migrations", "error"]
    )
    assert refused.exit_code == 1 and "00004_normalise_emails.go" in refused.output


def port_by_hand(revision: Path, sql: str) -> None:
    """What a person does: replace the placeholder's upgrade body with the port."""
    text = revision.read_text()
    text = re.sub(
        r"def upgrade\(\) -> None:\n.*?\n\n\ndef",
        f"def upgrade() -> None:\n    op.execute({sql!r})\n\n\ndef",
        text,
        flags=re.S,
    )
    text = text.replace(
        "\n# revision identifiers", "\nfrom alembic import op\n\n# revision identifiers", 1
    )
    revision.write_text(text)


# -- verify, stepwise, on the real servers ---------------------------------------------------


def statuses(report) -> list[str]:
    return [s.status for s in report.steps]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_goose_go_sample_verifies_and_a_port_survives_a_rerun(dialect, make_db, tmp_path):
    legacy = copy_sample(tmp_path, f"goose/{dialect}")
    out = tmp_path / "alembic"
    options = ConvertOptions(dialect=dialect, date_from="20240101")
    convert(legacy, out, options)
    url = None if dialect == "sqlite" else make_db(dialect)
    report = verify(legacy, out, VerifyOptions(url=url, dialect=dialect))
    assert statuses(report) == [EQUAL, EQUAL, EQUAL, NEEDS_PORTING, NOT_RUN]
    assert not report.equivalent and "needs porting" in report.summary()
    assert "00004_normalise_emails.go" in report.text()

    revision = out / "versions" / "20240101_normalise_emails.py"
    port_by_hand(revision, "UPDATE customers SET email = lower(trim(email))")
    again = convert(legacy, out, options)
    assert again.placeholders == [] and again.kept_edits == [
        "versions/20240101_normalise_emails.py"
    ]
    assert "lower(trim(email))" in revision.read_text()
    report = verify(legacy, out, VerifyOptions(url=url, dialect=dialect))
    assert statuses(report) == [EQUAL, EQUAL, EQUAL, PORTED, EQUAL], report.text()
    assert report.equivalent and "1 ported by hand" in report.summary()


def test_flyway_java_sample_verifies_on_postgresql(pg_url, tmp_path):
    dialect = "postgresql"
    root = copy_sample(tmp_path, "flyway-java/postgresql")
    out = tmp_path / "alembic"
    options = ConvertOptions(dialect=dialect, date_from="20240101", java_dirs=(root / "java",))
    result = convert(root / "sql", out, options)
    assert [(p.migration.version, p.migration.code) for p in result.plans] == [
        ("1", None),
        ("2", "java"),
        ("2.1", "java"),
        ("3", None),
        ("4", "java"),
        ("5", None),
    ]
    assert result.placeholders == [
        "versions/20240101_normalise_emails.py (db/migration/V4__Normalise_emails.java)"
    ]
    assert (out / "versions" / "20240101_normalise_emails.java.txt").is_file()
    verify_options = VerifyOptions(url=pg_url, java_dirs=(root / "java",))
    report = verify(root / "sql", out, verify_options)
    assert statuses(report) == [EQUAL, EQUAL, EQUAL, EQUAL, NEEDS_PORTING, NOT_RUN]
    port_by_hand(
        out / "versions" / "20240101_normalise_emails.py",
        "UPDATE customers SET email = lower(email)",
    )
    assert convert(root / "sql", out, options).placeholders == []
    report = verify(root / "sql", out, verify_options)
    assert statuses(report) == [EQUAL, EQUAL, EQUAL, EQUAL, PORTED, EQUAL], report.text()


def test_java_dir_comes_from_the_configuration(tmp_path):
    root = copy_sample(tmp_path, "flyway-java/postgresql")
    out = tmp_path / "alembic"
    done = CliRunner().invoke(
        cli,
        [
            "convert",
            str(root / "sql"),
            "--out",
            str(out),
            "--dialect",
            "postgresql",
            "--date-from",
            "20240101",
        ],
    )
    assert done.exit_code == 3, done.output
    assert (out / "versions" / "20240101_seed_plans.py").is_file()
    without = scan(root / "sql")  # the library reads only what it is given
    assert [m.version for m in without.migrations] == ["1", "3", "5"]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_custom_delta_layout_with_a_cursor_convention_verifies(dialect, make_db, tmp_path):
    legacy = copy_sample(tmp_path, "custom-delta") / "deltas"
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    python = result.plans[2].migration.up[0]
    assert (python.entry, python.calling, python.args) == ("run_upgrade", "cursor", ("dialect",))
    text = (out / "versions" / "20240101_seed_plans.py").read_text()
    # the revision is formatted by ruff, which may wrap the call: compare without whitespace
    assert (
        "legacy_run_upgrade(op.get_bind().connection.driver_connection.cursor(),"
        "op.get_bind().dialect.name" in "".join(text.split())
    )
    url = None if dialect == "sqlite" else make_db(dialect)
    report = verify(legacy, out, VerifyOptions(url=url, dialect=dialect, downgrade=True))
    assert report.equivalent, report.text()
    # downgrades: 04 inverted, 03 run_downgrade(cur, ...); SQLite cannot invert 01/02 exactly
    walk = [EQUAL] * 4 if dialect == "postgresql" else [EQUAL, EQUAL, IRREVERSIBLE, NOT_RUN]
    assert statuses(report) == [EQUAL] * 4 + walk
    assert report.steps[5].legacy_file == "03/seed_plans.py"  # run_downgrade(cur, ...) matches


def test_custom_python_without_the_configured_function_is_an_error(tmp_path):
    legacy = copy_sample(tmp_path, "custom-delta") / "deltas"
    script = legacy / "03" / "seed_plans.py"
    script.write_text(script.read_text().replace("def run_upgrade", "def upgrade"))
    found = scan(legacy)
    (problem,) = found.errors
    assert problem.code == "python-no-upgrade" and "run_upgrade(cur, dialect)" in problem.message
    assert problem.path == script


# -- stamp -----------------------------------------------------------------------------------


def goose_rows(url: str, versions: list[int]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            t = goose_table()
            t.create(conn)
            conn.execute(t.insert(), {"version_id": 0, "is_applied": True})
            for v in versions:
                conn.execute(t.insert(), {"version_id": v, "is_applied": True})
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_stamp_maps_a_tracking_table_listing_go_migrations(dialect, make_db, tmp_path):
    out = tmp_path / "alembic"
    result = convert(
        SAMPLES / "goose" / dialect, out, ConvertOptions(dialect=dialect, date_from="20240101")
    )
    revisions = {p.migration.version: p.revision for p in result.plans}
    for applied in ([1, 2, 3], [1, 2, 3, 4]):
        url = make_db(dialect)
        goose_rows(url, applied)
        report = stamp(out, StampOptions(urls=[url]))
        (r,) = report.results
        assert (r.action, r.revision) == (STAMPED, revisions[str(applied[-1])]), r.reason
        assert any(
            "placeholder revisions still need porting" in n and "00004_normalise_emails.go" in n
            for n in report.notes
        )


def test_stamp_maps_flyway_java_rows(pg_url, tmp_path):
    root = copy_sample(tmp_path, "flyway-java/postgresql")
    out = tmp_path / "alembic"
    result = convert(
        root / "sql",
        out,
        ConvertOptions(dialect="postgresql", date_from="20240101", java_dirs=(root / "java",)),
    )
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as conn:
            t = flyway_table("flyway_schema_history")
            t.create(conn)
            for rank, p in enumerate(result.plans[:3], start=1):
                m = p.migration
                conn.execute(
                    t.insert(),
                    {
                        "installed_rank": rank,
                        "version": m.version,
                        "description": m.description,
                        "type": "JDBC" if m.code else "SQL",
                        "script": f"db.migration.V{m.version.replace('.', '_')}__x"
                        if m.code
                        else m.name,
                        "checksum": None if m.tool_checksum is None else int(m.tool_checksum),
                        "installed_by": "flyway",
                        "execution_time": 3,
                        "success": True,
                    },
                )
    finally:
        engine.dispose()
    (r,) = stamp(out, StampOptions(urls=[pg_url])).results
    assert (r.action, r.revision) == (STAMPED, result.plans[2].revision), r.reason


def test_every_python_calling_convention_is_rendered_and_run_alike():
    from converter.config import PYTHON_ARGUMENTS
    from converter.legacy_python import CALLINGS
    from converter.render import CALL_ARGUMENT

    assert set(CALLINGS) == set(CALL_ARGUMENT) == set(PYTHON_ARGUMENTS)


def test_a_java_dir_that_is_not_a_folder_is_an_error(tmp_path):
    root = copy_sample(tmp_path, "flyway-java/postgresql")
    from converter.formats.base import ReadOptions

    found = scan(root / "sql", "flyway", ReadOptions(java_dirs=(root / "nope",)))
    assert [p.code for p in found.errors] == ["no-java-dir"]


def test_the_kept_source_follows_its_revision_when_renamed_or_stale(tmp_path):
    legacy = copy_sample(tmp_path, "goose/sqlite")
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240202"))
    sources = sorted(p.name for p in (out / "versions").glob("*.txt"))
    assert sources == ["20240202_normalise_emails.go.txt"]
    (legacy / "00005_add_customer_phone.sql").unlink()
    (legacy / "00004_normalise_emails.go").unlink()
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240202"))
    assert not list((out / "versions").glob("*.txt"))
    assert (out / "stale" / "20240202_normalise_emails.go.txt").is_file()
