"""The plain numbered-files reader: samples, pairing of downs, Python scripts, problems, file
quirks, the JSON shape of a migration, and the `scan` command on top of it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    located_codes,
    write,
)

from converter.cli import cli
from converter.errors import InputError
from converter.formats.base import ReadOptions
from converter.formats.plain import FORMAT
from converter.legacy import scan
from converter.model import Kind


def read(root: Path, encoding: str | None = None):
    return scan(root, "plain", ReadOptions(encoding=encoding))


class TestContract(FormatContract):
    format = "plain"
    catch_all = True


# -- samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_in_numeric_order(dialect):
    result = scan(SAMPLES / "plain" / dialect, "plain")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == ["001", "002", "003", "004", "005", "006", "007"]
    assert [m.sort_key for m in ms] == [(1,), (2,), (3,), (4,), (5,), (6,), (7,)]
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
    ]
    assert [m.name for m in ms] == [
        "001_create_plans.sql",
        "002_create_customers.sql",
        "003_create_subscriptions.sql",
        "004_create_invoices.sql",
        "005_seed_plans_and_customers.sql",
        "006_normalise_customer_emails.py",
        "007_add_customer_phone.sql",
    ]
    assert [m.down[0].name if m.down else None for m in ms] == [
        "001_create_plans.down.sql",
        "002_create_customers.down.sql",
        "003_create_subscriptions.down.sql",
        "004_create_invoices.down.sql",
        "005_seed_plans_and_customers.down.sql",
        None,
        "007_add_customer_phone.down.sql",
    ]
    assert [m.has_down for m in ms] == [True] * 5 + [False, True]
    assert [m.script for m in ms] == ["sql"] * 5 + ["python", "sql"]
    python = ms[5].up[0]
    assert (python.language, python.entry, python.calling) == ("python", "upgrade", "connection")
    assert all(m.kind is Kind.VERSIONED and m.transactional and not m.batch for m in ms)
    assert all(m.format == "plain" and m.date is None and m.dialect is None for m in ms)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_holds_the_isp_history(dialect):
    ms = scan(SAMPLES / "plain" / dialect, "plain").migrations
    for m, (num, _slug, description, up, down) in zip(ms, ISP.steps(dialect), strict=True):
        assert (int(m.version), m.description) == (int(num), description)
        if num == "6":
            assert m.up[0].text == ISP.PY_NORMALISE_EMAILS
            continue
        assert m.up[0].text == up
        assert (m.down[0].text if m.down else None) == down


def test_detect_says_no_to_golang_migrate_pairs(tmp_path):
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "1_a.down.sql")
    assert FORMAT.detect(tmp_path) == 0
    write(tmp_path / "other" / "notes.txt", "x\n")
    assert FORMAT.detect(tmp_path / "other") == 0


# -- downs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("down_name", ["001_add_users.down.sql", "001_add_users_down.sql"])
def test_down_file_pairs_with_its_up(tmp_path, down_name):
    write(tmp_path / "001_add_users.sql", "CREATE TABLE users (id INT);\n")
    write(tmp_path / down_name, "DROP TABLE users;\n")
    result = read(tmp_path)
    assert result.problems == []
    (m,) = result.migrations
    assert (m.description, m.up[0].name, m.down[0].name) == (
        "add users",
        "001_add_users.sql",
        down_name,
    )
    assert m.down[0].text == "DROP TABLE users;\n"


def test_two_down_files_for_one_up_is_an_error(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "001_a.down.sql", "SELECT 'dot';\n")
    write(tmp_path / "001_a_down.sql", "SELECT 'underscore';\n")
    result = read(tmp_path)
    assert located_codes(result) == [("error", "duplicate-down", "001_a_down.sql")]
    assert result.migrations[0].down[0].text == "SELECT 'dot';\n"


def test_down_without_up_is_an_error(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "002_b.down.sql")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["001"]
    assert located_codes(result) == [("error", "down-without-up", "002_b.down.sql")]
    assert "rename it to match its up, or remove it" in result.problems[0].message


def test_down_with_another_description_does_not_pair(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "001_b.down.sql")
    result = read(tmp_path)
    assert result.migrations[0].down == ()
    assert located_codes(result) == [("error", "down-without-up", "001_b.down.sql")]


# -- Python scripts --------------------------------------------------------------------------


def test_python_downgrade_function_is_the_down(tmp_path):
    code = "def upgrade(conn):\n    conn.exec_driver_sql('SELECT 1')\n\n\ndef downgrade(conn):\n    pass\n"
    write(tmp_path / "001_data.py", code)
    (m,) = read(tmp_path).migrations
    assert (m.up[0].entry, m.down[0].entry, m.script) == ("upgrade", "downgrade", "python")
    assert m.up[0].text == m.down[0].text == code
    assert m.down[0].name == "001_data.py"


def test_python_with_a_down_sql_file_uses_it(tmp_path):
    write(tmp_path / "001_data.py", "def upgrade(conn):\n    pass\n")
    write(tmp_path / "001_data.down.sql", "DELETE FROM t;\n")
    result = read(tmp_path)
    assert result.problems == []
    (m,) = result.migrations
    assert (m.down[0].language, m.down[0].name) == ("sql", "001_data.down.sql")


def test_python_with_downgrade_and_a_down_sql_file_is_an_error(tmp_path):
    write(
        tmp_path / "001_data.py",
        "def upgrade(conn):\n    pass\n\n\ndef downgrade(conn):\n    pass\n",
    )
    write(tmp_path / "001_data.down.sql", "DELETE FROM t;\n")
    result = read(tmp_path)
    assert located_codes(result) == [("error", "ambiguous-down", "001_data.down.sql")]
    assert result.migrations[0].down[0].entry == "downgrade"


def test_python_syntax_error_names_the_line(tmp_path):
    write(tmp_path / "001_data.py", "def upgrade(conn):\n    x = (\n")
    result = read(tmp_path)
    assert result.migrations == []
    (p,) = result.problems
    assert (p.severity.value, p.code, p.path.name, p.line) == (
        "error",
        "python-syntax",
        "001_data.py",
        2,
    )
    assert p.message.startswith("Python script does not parse: ")


def test_python_without_upgrade_is_an_error(tmp_path):
    write(tmp_path / "001_data.py", "def migrate(conn):\n    pass\n")
    result = read(tmp_path)
    assert result.migrations == []
    assert located_codes(result) == [("error", "python-no-upgrade", "001_data.py")]


def test_python_down_file_is_an_error(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "001_a.down.py", "def downgrade(conn):\n    pass\n")
    assert located_codes(read(tmp_path)) == [("error", "unmatched-file", "001_a.down.py")]


# -- names and order -------------------------------------------------------------------------


def test_unmatched_sql_file_is_a_warning(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "seed.sql")
    write(tmp_path / "002.SQL")
    write(tmp_path / "notes.txt", "not a migration\n")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["001"]
    assert located_codes(result) == [
        ("warning", "unmatched-file", "002.SQL"),
        ("warning", "unmatched-file", "seed.sql"),
    ]


def test_duplicate_versions_are_an_error_from_scan(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "1_b.sql")
    result = read(tmp_path)
    assert [(m.version, m.sort_key) for m in result.migrations] == [("001", (1,)), ("1", (1,))]
    assert located_codes(result) == [("error", "duplicate-version", "1_b.sql")]
    assert result.problems[0].message.startswith("version 001 is used by 2 migrations: ")


def test_numeric_order_and_gap_warning(tmp_path):
    for name in ("10_j.sql", "2_b.sql", "1_a.sql", "3_c.sql"):
        write(tmp_path / name)
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["1", "2", "3", "10"]
    assert located_codes(result) == [("warning", "gap", "10_j.sql")]
    assert result.problems[0].message == "numbering skips 4..9 before version 10"


def test_out_of_order_warning_from_scan():
    # the reader always sorts; scan's check guards readers that keep a tool's own order
    from converter.legacy import check_history
    from converter.model import LegacyMigration, Scan, Script

    result = Scan("plain", Path("."))
    for v in ("1", "3", "2"):
        script = Script("sql", "SELECT 1;\n", Path(f"{v}_x.sql"), f"{v}_x.sql")
        result.migrations.append(
            LegacyMigration("plain", v, "x", Kind.VERSIONED, (script,), sort_key=(int(v),))
        )
    check_history(result)
    assert located_codes(result) == [
        ("warning", "gap", "3_x.sql"),
        ("warning", "out-of-order", "2_x.sql"),
    ]


def test_empty_migration_is_a_warning(tmp_path):
    write(tmp_path / "001_placeholder.sql", "-- kept only to hold the number\n\n")
    write(tmp_path / "002_b.sql")
    result = read(tmp_path)
    assert len(result.migrations) == 2
    assert located_codes(result) == [("warning", "empty-migration", "001_placeholder.sql")]


def test_timestamp_versions_get_a_date(tmp_path):
    write(tmp_path / "20240301120000_add_users.sql")
    (m,) = read(tmp_path).migrations
    assert (m.version, m.date.isoformat(), m.sort_key) == (
        "20240301120000",
        "2024-03-01T12:00:00",
        (20240301120000,),
    )


# -- file quirks -----------------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    write(tmp_path / "001_a.sql", b"\xef\xbb\xbfCREATE TABLE a (id INT);\r\nSELECT 1;")
    write(tmp_path / "001_a.down.sql", b"DROP TABLE a;\rSELECT 2;")
    write(tmp_path / "002_b.py", b"\xef\xbb\xbfdef upgrade(conn):\r\n    pass")
    ms = read(tmp_path).migrations
    assert ms[0].up[0].text == "CREATE TABLE a (id INT);\nSELECT 1;"
    assert ms[0].down[0].text == "DROP TABLE a;\nSELECT 2;"
    assert ms[1].up[0].text == "def upgrade(conn):\n    pass"


def test_latin1_bytes_are_an_input_error_naming_file_line_and_offset(tmp_path):
    data = "SELECT 1;\nINSERT INTO t VALUES ('caf\u00e9');\n".encode("latin-1")
    path = write(tmp_path / "001_a.sql", data)
    with pytest.raises(InputError) as info:
        read(tmp_path)
    error = info.value
    assert (error.path, error.line, error.column) == (str(path), 2, 27)
    assert error.message == "not valid UTF-8: byte 0xe9 at byte offset 36"
    assert "--encoding latin-1" in error.hint
    assert str(error).startswith(f"{path}:2:27: not valid UTF-8")


def test_latin1_reads_with_the_encoding_option(tmp_path):
    write(tmp_path / "001_a.sql", "INSERT INTO t VALUES ('caf\u00e9');\n".encode("latin-1"))
    (m,) = read(tmp_path, encoding="latin-1").migrations
    assert m.up[0].text == "INSERT INTO t VALUES ('caf\u00e9');\n"


def test_nul_byte_is_not_a_text_file(tmp_path):
    path = write(tmp_path / "001_a.sql", b"SELECT 1;\n\x00\x01")
    with pytest.raises(InputError) as info:
        read(tmp_path)
    assert info.value.message == "not a text file (NUL byte at byte offset 10)"
    assert (info.value.path, info.value.line) == (str(path), 2)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_symlinked_file_is_followed(tmp_path):
    target = write(tmp_path / "shared" / "create_users.sql", "CREATE TABLE users (id INT);\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_create_users.sql").symlink_to(target)
    (m,) = read(tmp_path / "migrations").migrations
    assert (m.up[0].text, m.up[0].name) == (
        "CREATE TABLE users (id INT);\n",
        "001_create_users.sql",
    )
    assert m.up[0].path == tmp_path / "migrations" / "001_create_users.sql"


# -- JSON ------------------------------------------------------------------------------------


def test_migration_to_json_keys_and_values(tmp_path):
    write(tmp_path / "001_add_users.sql", "CREATE TABLE users (id INT);\n")
    write(tmp_path / "001_add_users.down.sql", "DROP TABLE users;\n")
    (m,) = read(tmp_path).migrations
    data = m.to_json()
    assert list(data) == [
        "version",
        "description",
        "format",
        "kind",
        "has_down",
        "transactional",
        "script",
        "path",
        "down_path",
        "date",
        "module",
        "depends",
        "dialect",
        "checksum",
        "tool_checksum",
        "code",
        "placeholder",
    ]
    assert {k: v for k, v in data.items() if k != "checksum"} == {
        "version": "001",
        "description": "add users",
        "format": "plain",
        "kind": "versioned",
        "has_down": True,
        "transactional": True,
        "script": "sql",
        "path": str(tmp_path / "001_add_users.sql"),
        "down_path": str(tmp_path / "001_add_users.down.sql"),
        "date": None,
        "module": None,
        "depends": [],
        "dialect": None,
        "tool_checksum": None,
        "code": None,
        "placeholder": None,
    }
    assert len(data["checksum"]) == 64
    json.dumps(data)  # serialisable as is


# -- the scan command ------------------------------------------------------------------------

REQUIRED_KEYS = {
    "version",
    "description",
    "format",
    "kind",
    "has_down",
    "transactional",
    "script",
    "path",
}


def test_cli_scan_json_detects_plain():
    result = CliRunner().invoke(cli, ["scan", str(SAMPLES / "plain" / "sqlite"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["format"], data["problems"]) == ("plain", [])
    assert [m["version"] for m in data["migrations"]] == [
        "001",
        "002",
        "003",
        "004",
        "005",
        "006",
        "007",
    ]
    assert all(REQUIRED_KEYS <= set(m) for m in data["migrations"])


def test_cli_scan_json_with_format():
    result = CliRunner().invoke(
        cli, ["scan", str(SAMPLES / "plain" / "sqlite"), "--format", "plain", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["format"] == "plain" and data["problems"] == []
    migrations = data["migrations"]
    assert all(REQUIRED_KEYS <= set(m) for m in migrations)
    assert migrations[5]["script"] == "python" and migrations[5]["has_down"] is False
    assert migrations[0]["path"] == str(SAMPLES / "plain" / "sqlite" / "001_create_plans.sql")


def test_cli_scan_exits_1_on_an_error_problem(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "1_b.sql")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "plain"])
    assert result.exit_code == 1
    assert "version 001 is used by 2 migrations" in result.output


def test_cli_scan_unknown_format_exits_2_with_a_suggestion(tmp_path):
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "flywy"])
    assert result.exit_code == 2
    assert "unknown format 'flywy'" in result.stderr
    assert "did you mean 'flyway'?" in result.stderr


def test_cli_scan_missing_directory_exits_1(tmp_path):
    missing = tmp_path / "nope"
    result = CliRunner().invoke(cli, ["scan", str(missing), "--format", "plain"])
    assert result.exit_code == 1
    assert f"{missing}: no such directory" in result.stderr
    assert "give the legacy migrations directory" in result.stderr
    assert "Traceback" not in result.output


def test_python_calling_convention_from_the_configuration(tmp_path):
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    write(
        tmp_path / "converter.toml",
        'python-upgrade = "run_upgrade"\npython-args = ["cursor", "dialect"]\n',
    )
    write(tmp_path / "001_data.py", "def run_upgrade(cur, database_engine, *args):\n    pass\n")
    (m,) = read(tmp_path).migrations
    (up,) = m.up
    assert (up.entry, up.calling, up.args, m.down) == ("run_upgrade", "cursor", ("dialect",), ())
