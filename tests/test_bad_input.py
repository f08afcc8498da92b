"""Bad input at the command line: `converter scan` and `converter convert` refuse it cleanly.

For each kind of bad legacy input the issue lists: the exit code (1 for bad input, 2 for a
usage error), a message naming the file and line (and column where there is one) and saying
what to do, no traceback, and for convert nothing written: no --out directory, no
alembic.ini. Inputs that are odd but valid (a BOM, CRLF, an empty or comments-only
migration, Latin-1 with --encoding) convert, and the output carries no trace of the oddity.

`scan` reads the layout and the files but does not split statements, so SQL that cannot be
tokenized is found by `convert` (which splits every script) and not by `scan`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from converter.cli import cli
from converter.formats import FORMAT_MODULES

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY);\n"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root (the configuration file search stops there)."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


@pytest.fixture
def legacy(repo: Path):
    """legacy({name: str | bytes}) -> a legacy directory holding those files."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = repo / "legacy"
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode() if isinstance(data, str) else data)
        return root

    return make


def convert(root: Path, *extra: object, dialect: str = "sqlite") -> tuple[Result, Path]:
    out = root.parent / "project" / "alembic"
    result = run(
        "convert", root, "--out", out, "--dialect", dialect, "--date-from", "20240101", *extra
    )
    return result, out


def assert_refused(result: Result, code: int, where: str, *says: str) -> None:
    """Exit `code`, no traceback, the location `where` (path[:line[:column]]) followed by
    the message, and every phrase of `says` (the problem and what to do)."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert f"{where}: " in result.output, result.output
    for phrase in says:
        assert phrase in result.output, f"{phrase!r} not in:\n{result.output}"


def assert_nothing_written(out: Path) -> None:
    project = out.parent
    assert not project.exists(), f"written: {sorted(p.name for p in project.rglob('*'))}"


def written_text(out: Path) -> str:
    files = sorted((out / "versions").glob("*.py"))
    assert files, "no revision written"
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


# ---------------------------------------------------------------------------------------
# SQL that cannot be read


def test_sql_sqlglot_cannot_tokenize(legacy):
    root = legacy({"001_a.sql": CREATE, "002_b.sql": "INSERT INTO t VALUES (1);\nSELECT x'zz';\n"})
    result, out = convert(root)
    assert_refused(
        result,
        1,
        f"{root / '002_b.sql'}:2:8",
        "cannot tokenize the SQL here",
        "hint: fix the SQL here",
    )
    assert_nothing_written(out)


def test_an_unterminated_string(legacy):
    root = legacy(
        {
            "001_a.sql": CREATE,
            "002_b.sql": "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES ('oops);\n",
        }
    )
    result, out = convert(root)
    assert_refused(
        result,
        1,
        f"{root / '002_b.sql'}:2:23",
        "string literal starting here is never closed",
        "hint: close it",
    )
    assert_nothing_written(out)


def test_an_unterminated_dollar_quote(legacy):
    root = legacy(
        {"001_a.sql": CREATE, "002_f.sql": "CREATE FUNCTION f() RETURNS int AS $body$\nSELECT 1;\n"}
    )
    result, out = convert(root, dialect="postgresql")
    assert_refused(
        result,
        1,
        f"{root / '002_f.sql'}:1:36",
        "dollar-quoted string $body$ starting here is never closed",
        "hint: close it",
    )
    assert_nothing_written(out)


# ---------------------------------------------------------------------------------------
# Files that are not (UTF-8) text, in every format


def sample_copy(repo: Path, fmt: str) -> tuple[Path, Path, int]:
    """A copy of the format's SQLite sample; the migration file creating `customers`, and
    the line of that statement."""
    root = repo / "legacy"
    shutil.copytree(SAMPLES / fmt / "sqlite", root)
    for path in sorted(root.rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if "CREATE TABLE customers" in text:
            return root, path, text[: text.index("CREATE TABLE customers")].count("\n") + 1
    raise AssertionError(f"no file creates customers in the {fmt} sample")


@pytest.mark.parametrize("fmt", list(FORMAT_MODULES))
def test_a_file_that_is_not_text(repo, fmt):
    root, path, line = sample_copy(repo, fmt)
    data = path.read_bytes()
    offset = data.index(b"CREATE TABLE customers")
    path.write_bytes(data[:offset] + b"\x00\x01\x02" + data[offset:])
    for result in (run("scan", root), convert(root)[0]):
        assert_refused(result, 1, f"{path}:{line}", "not a text file", "hint: remove binary files")
    assert_nothing_written(convert(root)[1])


@pytest.mark.parametrize("fmt", list(FORMAT_MODULES))
def test_latin1_bytes_need_encoding(repo, fmt):
    root, path, line = sample_copy(repo, fmt)
    path.write_bytes(
        path.read_bytes().replace(
            b"CREATE TABLE customers", b"-- caf\xe9\nCREATE TABLE customers", 1
        )
    )
    for result in (run("scan", root), convert(root)[0]):
        assert_refused(
            result, 1, f"{path}:{line}:7", "not valid UTF-8: byte 0xe9", "--encoding latin-1"
        )
    assert_nothing_written(convert(root)[1])

    assert run("scan", root, "--encoding", "latin-1").exit_code == 0
    result, out = convert(root, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert (out / "versions").is_dir() and (out.parent / "alembic.ini").is_file()


def test_latin1_text_is_decoded_with_encoding(legacy):
    root = legacy(
        {"001_a.sql": "CREATE TABLE caf (n VARCHAR(10) DEFAULT 'caf\xe9');\n".encode("latin-1")}
    )
    result, out = convert(root, "--encoding", "latin-1", "--style", "sql")
    assert result.exit_code == 0, result.output
    assert "DEFAULT 'café'" in written_text(out)


def test_an_unknown_encoding_is_a_usage_error(legacy):
    root = legacy({"001_a.sql": CREATE})
    for result in (
        run("scan", root, "--encoding", "latin-9x"),
        convert(root, "--encoding", "latin-9x")[0],
    ):
        assert result.exit_code == 2, result.output
        assert (
            "unknown encoding 'latin-9x'" in result.output
            and "hint: use a Python codec name" in result.output
        )
    assert_nothing_written(convert(root, "--encoding", "latin-9x")[1])


# ---------------------------------------------------------------------------------------
# Odd but valid files: they convert, and the oddity does not reach the output


def test_a_bom_is_removed(legacy):
    root = legacy(
        {
            "001_a.sql": b"\xef\xbb\xbf" + CREATE.encode(),
            "002_b.sql": b"\xef\xbb\xbfINSERT INTO t VALUES (1);\n",
        }
    )
    assert run("scan", root).exit_code == 0
    result, out = convert(root, "--style", "sql")
    assert result.exit_code == 0, result.output
    text = written_text(out)
    assert "\ufeff" not in text and "CREATE TABLE t (id INTEGER PRIMARY KEY)" in text


def test_crlf_becomes_lf(legacy):
    root = legacy(
        {
            "001_a.sql": "CREATE TABLE t (\r\n  id INTEGER PRIMARY KEY\r\n);\r\n",
            "001_a.down.sql": "DROP TABLE t;\r\n",
        }
    )
    assert run("scan", root).exit_code == 0
    result, out = convert(root, "--style", "sql")
    assert result.exit_code == 0, result.output
    raw = b"".join(p.read_bytes() for p in (out / "versions").glob("*.py"))
    assert b"\r" not in raw and b"CREATE TABLE t (\n  id INTEGER PRIMARY KEY\n)" in raw


@pytest.mark.parametrize(
    "content", ["", "   \n\n", "-- nothing here yet\n/* and\n   nothing here */\n"]
)
def test_an_empty_or_comments_only_migration_keeps_its_number(legacy, content):
    """Kept only to hold a number (common in real folders): scan warns, convert writes a revision that
    does nothing, so the numbering (and stamping) stays whole."""
    root = legacy(
        {"001_a.sql": CREATE, "002_b.sql": content, "003_c.sql": "INSERT INTO t VALUES (1);\n"}
    )
    result = run("scan", root)
    assert result.exit_code == 0, result.output
    assert f"warning: {root / '002_b.sql'}: migration 002 has no statements" in result.output
    result, out = convert(root)
    assert result.exit_code == 0, result.output
    (revision,) = (out / "versions").glob("*_b.py")
    assert "the legacy migration holds no statements" in revision.read_text()


# ---------------------------------------------------------------------------------------
# Histories that do not hold together


@pytest.mark.parametrize(
    ("fmt", "files", "where", "says"),
    [
        pytest.param(
            "plain", {"001_a.sql": CREATE, "001_b.sql": "CREATE TABLE u (id int);\n"}, "001_b.sql",
            ("version 001 is used by 2 migrations", "001_a.sql"), id="duplicate-versions",
        ),
        pytest.param(
            "flyway", {"V1__a.sql": CREATE, "V1.0__b.sql": "CREATE TABLE u (id int);\n"}, "V1__a.sql",
            ("version 1.0 is used by 2 migrations", "V1.0__b.sql"), id="duplicate-flyway-versions",
        ),
        pytest.param(
            "plain", {"001_a.sql": CREATE, "002_b.down.sql": "DROP TABLE t;\n"}, "002_b.down.sql",
            ("down file has no matching up file", "rename it to match its up, or remove it"), id="down-without-up",
        ),
        pytest.param(
            "sqitch",
            {
                "sqitch.plan": "%project=x\n\na 2024-01-01T00:00:00Z A <a@b.c> # a\nb 2024-01-01T00:01:00Z A <a@b.c> # b\n",
                "sqitch.conf": "[core]\n\tengine = sqlite\n",
                "deploy/a.sql": CREATE,
            },
            "sqitch.plan:4", ('names change "b" but its deploy script deploy/b.sql is missing', "restore it or remove the line"),
            id="sqitch-missing-script",
        ),
        pytest.param(
            "liquibase",
            {"changelog.sql": f"--liquibase formatted sql\n\n--changeset alice:1\n{CREATE}\n--changeset bob\nSELECT 1;\n"},
            "changelog.sql:6", ("changeset line without author and id", "fix the line"), id="liquibase-changeset-without-id",
        ),
        pytest.param(
            "plain", {"001_a.sql": CREATE, "002_b.py": "def upgrade(conn):\n    conn.execute(\n"}, "002_b.py:2",
            ("Python script does not parse: '(' was never closed (column 17)", "fix the script"), id="python-syntax-error",
        ),
        pytest.param(
            "plain", {"001_a.sql": CREATE, "002_b.py": "def downgrade(conn):\n    pass\n"}, "002_b.py",
            ("defines no upgrade(conn) function", "add one"), id="python-without-upgrade",
        ),
        pytest.param(
            "yoyo", {"0001_a.sql": CREATE, "0002_b.py": "from yoyo import step\nsteps = [step(\n"}, "0002_b.py:2",
            ("Python migration does not parse", "fix the script"), id="yoyo-python-syntax-error",
        ),
    ],
)  # fmt: skip
def test_a_broken_history_is_refused_by_scan_and_convert(legacy, fmt, files, where, says):
    root = legacy(files)
    path_and_line = f"{root / where}"
    result = run("scan", root, "--format", fmt)
    assert_refused(result, 1, path_and_line, *says)
    result, out = convert(root, "--format", fmt)
    assert_refused(result, 1, path_and_line, *says, "hint: fix the legacy directory")
    assert_nothing_written(out)


def test_a_python_script_failing_at_import_time_converts_and_fails_where_it_runs(legacy):
    """The legacy script is parsed, never imported, at conversion: convert cannot see that an
    import fails, and carries the script's imports into the revision. The failure shows
    when the Alembic history is loaded (verify, alembic upgrade), as a clean error."""
    root = legacy(
        {
            "001_a.sql": CREATE,
            "002_b.py": "import no_such_module_xyz\n\n\ndef upgrade(conn):\n    pass\n",
        }
    )
    result, out = convert(root)
    assert result.exit_code == 0, result.output
    (revision,) = (out / "versions").glob("*_b.py")
    assert "import no_such_module_xyz" in revision.read_text()
    result = run("verify", root, out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "No module named 'no_such_module_xyz'" in result.output


# ---------------------------------------------------------------------------------------
# Usage errors: exit 2


def test_an_unknown_format_is_a_usage_error(legacy):
    root = legacy({"001_a.sql": CREATE})
    for result in (
        run("scan", root, "--format", "flyaway"),
        convert(root, "--format", "flyaway")[0],
    ):
        assert result.exit_code == 2, result.output
        assert (
            "unknown format 'flyaway'" in result.output
            and "did you mean 'flyway'?" in result.output
        )
    assert_nothing_written(convert(root, "--format", "flyaway")[1])


def test_an_unknown_dialect_is_a_usage_error(legacy):
    root = legacy({"001_a.sql": CREATE})
    result, out = convert(root, dialect="oracle")
    assert result.exit_code == 2, result.output
    assert (
        "unknown dialect 'oracle'" in result.output
        and "hint: use one or more of postgresql" in result.output
    )
    assert_nothing_written(out)


def test_a_missing_directory_is_bad_input(repo):
    missing = repo / "nope"
    result = run("scan", missing)
    assert_refused(
        result, 1, f"{missing}", "no such directory", "hint: give the legacy migrations directory"
    )
    result, out = convert(missing)
    assert_refused(result, 1, f"{missing}", "no such directory")
    assert_nothing_written(out)
