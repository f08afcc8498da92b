"""The diesel-style directory reader: samples, detection, and every problem it reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    assert_ranks_first,
    codes,
    write,
)

from converter.formats.diesel import FORMAT, diesel_version
from converter.legacy import scan

DIRS = [
    "2024-01-01-000001_create_plans",
    "2024-01-01-000002_create_customers",
    "2024-01-01-000003_create_subscriptions",
    "2024-01-01-000004_create_invoices",
    "2024-01-01-000005_seed_plans_and_customers",
    "2024-01-01-000006_normalise_customer_emails",
    "2024-01-01-000007_add_customer_phone",
    "2024-01-01-000008_index_invoices_issued_on",
]


def migration_dir(
    root: Path, name: str, up: str | None = "SELECT 1;\n", down: str | None = None
) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    if up is not None:
        write(folder / "up.sql", up)
    if down is not None:
        write(folder / "down.sql", down)
    return folder


class TestContract(FormatContract):
    format = "diesel"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    result = scan(SAMPLES / "diesel" / dialect, "diesel")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == [f"2024010100000{i}" for i in range(1, 9)]
    assert [m.name for m in ms] == [f"{d}/up.sql" for d in DIRS]
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
        "index invoices issued on",
    ]
    assert [m.date for m in ms] == [datetime(2024, 1, 1, 0, 0, i) for i in range(1, 9)]
    assert [m.sort_key for m in ms] == [(m.version,) for m in ms]
    assert all(m.format == "diesel" and m.batch and m.kind.value == "versioned" for m in ms)
    assert [m.has_down for m in ms] == [True, True, True, True, True, False, True, True]
    assert [m.transactional for m in ms] == [True] * 7 + [False]
    for m, (_, _, _, up, down) in zip(ms, ISP.steps(dialect), strict=False):
        assert m.up[0].text == up
        assert m.up[0].line == 1 and m.up[0].language == "sql"
        if down is None:
            assert m.down == ()
            assert m.notes == ("down.sql holds no statements: treated as no down",)
        else:
            assert m.down[0].text == down
            assert m.down[0].name == m.name.replace("up.sql", "down.sql")
    assert ms[7].notes == ("metadata.toml: runs outside a transaction",)
    concurrently = "CONCURRENTLY" in ms[7].up[0].text
    assert concurrently == (dialect == "postgresql")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_step6_keeps_an_empty_down_sql_for_diesel_1(dialect):
    down = SAMPLES / "diesel" / dialect / DIRS[5] / "down.sql"
    assert down.is_file() and down.read_bytes() == b""


def test_detect(tmp_path):
    assert FORMAT.detect(tmp_path) == 0
    migration_dir(tmp_path, "001_create_users")
    numbered = FORMAT.detect(tmp_path)
    assert numbered > 0
    migration_dir(tmp_path, "20240101120000_add_posts")  # a timestamp: surer
    assert FORMAT.detect(tmp_path) > numbered
    assert_ranks_first(tmp_path, "diesel")


def test_detect_metadata_toml_alone_is_diesel(tmp_path):
    folder = migration_dir(tmp_path, "1_x")
    before = FORMAT.detect(tmp_path)
    write(folder / "metadata.toml", "run_in_transaction = false\n")
    assert FORMAT.detect(tmp_path) > before
    assert_ranks_first(tmp_path, "diesel")


def test_detect_ignores_directories_without_up_sql(tmp_path):
    migration_dir(tmp_path, "deploy", up=None, down="x")
    write(tmp_path / "001_x.up.sql", "SELECT 1;")
    assert FORMAT.detect(tmp_path) == 0


# -- versions and order -----------------------------------------------------------------------


def test_diesel_version_strips_dashes_and_stops_at_underscore():
    assert diesel_version("2024-01-01-120000_create_users") == "20240101120000"
    assert diesel_version("20240101120000_create_users") == "20240101120000"
    assert diesel_version("00000000000000_diesel_initial_setup") == "00000000000000"
    assert diesel_version("12345") == "12345"
    assert diesel_version("create_stuff_12345") == "create"


def test_order_is_by_version_string_across_naming_styles(tmp_path):
    migration_dir(tmp_path, "20240102000000_third")
    migration_dir(tmp_path, "2024-01-01-120000_second")
    migration_dir(
        tmp_path,
        "00000000000000_diesel_initial_setup",
        "CREATE FUNCTION f() ...;\n",
        "DROP FUNCTION f();\n",
    )
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == [
        "00000000000000",
        "20240101120000",
        "20240102000000",
    ]
    assert [m.description for m in result.migrations] == ["diesel initial setup", "second", "third"]
    assert result.problems == []


def test_versions_of_different_length_order_as_text(tmp_path):
    migration_dir(tmp_path, "9_nine")
    migration_dir(tmp_path, "10_ten")
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == ["10", "9"]
    assert codes(result) == ["out-of-order"]  # the shared numbering check says so


def test_initial_setup_is_kept_and_noted(tmp_path):
    migration_dir(
        tmp_path,
        "00000000000000_diesel_initial_setup",
        "CREATE FUNCTION f();\n",
        "DROP FUNCTION f();\n",
    )
    (m,) = scan(tmp_path, "diesel").migrations
    assert m.version == "00000000000000"
    assert m.date is None
    assert m.has_down
    assert len(m.notes) == 1 and "diesel's setup migration" in m.notes[0]


def test_same_version_in_two_naming_styles_is_a_duplicate(tmp_path):
    migration_dir(tmp_path, "2024-01-01-000001_a")
    migration_dir(tmp_path, "20240101000001_b")
    result = scan(tmp_path, "diesel")
    assert [m.sort_key for m in result.migrations] == [("20240101000001",), ("20240101000001",)]
    assert codes(result) == ["duplicate-version"]


def test_directory_without_underscore_has_empty_description(tmp_path):
    migration_dir(tmp_path, "20240101000001")
    (m,) = scan(tmp_path, "diesel").migrations
    assert (m.version, m.description) == ("20240101000001", "")


def test_non_numeric_version_is_a_warning(tmp_path):
    migration_dir(tmp_path, "create_users")
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == ["create"]
    assert codes(result) == ["odd-version"]


def test_empty_version_is_an_error(tmp_path):
    folder = migration_dir(tmp_path, "_users")
    result = scan(tmp_path, "diesel")
    assert result.migrations == []
    assert [(p.code, p.path) for p in result.errors] == [("bad-version", folder)]


# -- problems ---------------------------------------------------------------------------------


def test_down_without_up(tmp_path):
    folder = migration_dir(tmp_path, "20240101000001_x", up=None, down="DROP TABLE x;\n")
    result = scan(tmp_path, "diesel")
    assert result.migrations == []
    (problem,) = result.problems
    assert (problem.code, problem.severity.value, problem.path) == (
        "down-without-up",
        "error",
        folder / "down.sql",
    )


def test_directory_with_neither_file_is_a_warning(tmp_path):
    folder = migration_dir(tmp_path, "schema", up=None)
    write(folder / "notes.txt", "x")
    migration_dir(tmp_path, "20240101000001_x")
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == ["20240101000001"]
    assert [(p.code, p.severity.value, p.path) for p in result.problems] == [
        ("unmatched-dir", "warning", folder)
    ]


def test_loose_sql_file_is_a_warning_and_other_files_are_ignored(tmp_path):
    migration_dir(tmp_path, "20240101000001_x")
    loose = write(tmp_path / "20240101000002_y.sql", "SELECT 2;")
    write(tmp_path / "README.md", "docs")
    write(tmp_path / ".keep", "")
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == ["20240101000001"]
    assert [(p.code, p.path) for p in result.problems] == [("unmatched-file", loose)]


def test_hidden_directories_are_skipped(tmp_path):
    migration_dir(tmp_path, ".git")
    migration_dir(tmp_path, "20240101000001_x")
    assert [m.version for m in scan(tmp_path, "diesel").migrations] == ["20240101000001"]


def test_empty_up_is_reported_once_by_scan(tmp_path):
    migration_dir(tmp_path, "20240101000001_x", up="")
    migration_dir(tmp_path, "20240101000002_y", up="-- Your SQL goes here\n")
    result = scan(tmp_path, "diesel")
    assert [m.version for m in result.migrations] == ["20240101000001", "20240101000002"]
    assert codes(result) == ["empty-migration", "empty-migration"]


@pytest.mark.parametrize(
    "down",
    ["", "\n\n", "-- This file should undo anything in `up.sql`\n", "/* nothing */\n  \n"],
    ids=["empty", "blank", "template-comment", "block-comment"],
)
def test_empty_or_comment_only_down_sql_is_no_down(tmp_path, down):
    migration_dir(tmp_path, "20240101000001_x", down=down)
    result = scan(tmp_path, "diesel")
    (m,) = result.migrations
    assert m.down == ()
    assert not m.has_down
    assert m.notes == ("down.sql holds no statements: treated as no down",)
    assert result.problems == []


def test_missing_down_sql_is_no_down_without_note(tmp_path):
    migration_dir(tmp_path, "20240101000001_x")
    (m,) = scan(tmp_path, "diesel").migrations
    assert m.down == () and m.notes == ()


# -- metadata.toml ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "transactional", "problem"),
    [
        ("run_in_transaction = false\n", False, None),
        ("run_in_transaction = true\n", True, None),
        ('run_in_transaction = false\nowner = "ops"\n[extra]\nname = 1\n', False, None),
        ("", False, "metadata-no-transaction"),
        ("# comment only\n", False, "metadata-no-transaction"),
        ('run_in_transaction = "false"\n', True, "bad-metadata"),
        ("run_in_transaction = nope\n", True, "bad-metadata"),
    ],
    ids=["false", "true", "extra-fields", "empty", "comment", "string-value", "broken"],
)
def test_metadata_toml_is_read_as_diesel_reads_it(tmp_path, toml, transactional, problem):
    folder = migration_dir(tmp_path, "20240101000001_x")
    meta = write(folder / "metadata.toml", toml)
    result = scan(tmp_path, "diesel")
    (m,) = result.migrations
    assert m.transactional is transactional
    assert [(p.code, p.path) for p in result.problems] == ([(problem, meta)] if problem else [])
    assert ("metadata.toml: runs outside a transaction" in m.notes) is (not transactional)


# -- files in the wild ------------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    folder = migration_dir(tmp_path, "20240101000001_x", up=None)
    write(folder / "up.sql", b"\xef\xbb\xbfCREATE TABLE t (id INT);\r\nINSERT INTO t VALUES (1);")
    write(folder / "down.sql", b"DROP TABLE t;\r\n")
    write(folder / "metadata.toml", b"\xef\xbb\xbfrun_in_transaction = false\r\n")
    result = scan(tmp_path, "diesel")
    (m,) = result.migrations
    assert m.up[0].text == "CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);"
    assert m.down[0].text == "DROP TABLE t;\n"
    assert m.transactional is False
    assert result.problems == []
