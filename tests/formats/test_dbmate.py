"""The dbmate reader: samples, detection, sections, options and every problem it reports."""

from __future__ import annotations

from datetime import datetime

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    codes,
    write,
)

from converter.formats.dbmate import FORMAT
from converter.legacy import scan

FILES = [
    "20240101000001_create_plans.sql",
    "20240101000002_create_customers.sql",
    "20240101000003_create_subscriptions.sql",
    "20240101000004_create_invoices.sql",
    "20240101000005_seed_plans_and_customers.sql",
    "20240101000006_normalise_customer_emails.sql",
    "20240101000007_add_customer_phone.sql",
    "20240101000008_index_invoices_issued_on.sql",
]


class TestContract(FormatContract):
    format = "dbmate"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    result = scan(SAMPLES / "dbmate" / dialect, "dbmate")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == [f"2024010100000{i}" for i in range(1, 9)]
    assert [m.name for m in ms] == FILES
    assert [m.sort_key for m in ms] == [(f,) for f in FILES]
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
    assert all(m.format == "dbmate" and m.batch and m.kind.value == "versioned" for m in ms)
    assert [m.has_down for m in ms] == [True, True, True, True, True, False, True, True]
    assert [m.transactional for m in ms] == [True] * 7 + [False]
    for m, (_, _, _, up, down) in zip(ms, ISP.steps(dialect), strict=False):
        (up_script,) = m.up
        assert up_script.text == up + "\n"  # the blank line before `-- migrate:down`
        assert up_script.line == 2
        if down is None:
            assert m.down == ()
            assert m.notes == ("empty `-- migrate:down` section: no down",)
        else:
            (down_script,) = m.down
            assert down_script.text == down
            assert down_script.line == 2 + up.count("\n") + 2
            assert m.notes == ()
    step8 = ms[7]
    assert step8.notes == ("down runs outside a transaction (transaction:false)",)
    assert ("CONCURRENTLY" in step8.up[0].text) == (dialect == "postgresql")
    assert "ix_invoices_issued_on" in step8.down[0].text


def test_detect_needs_the_marker_in_a_numbered_sql_file(tmp_path):
    write(tmp_path / "1_users.up.sql", "CREATE TABLE users (id INT);\n")  # golang-migrate
    write(tmp_path / "1_users.down.sql", "DROP TABLE users;\n")
    write(tmp_path / "2_posts.sql", "-- +goose Up\nCREATE TABLE posts (id INT);\n")  # goose
    write(tmp_path / "notes.sql", "-- migrate:up\n")  # not numbered: dbmate ignores it
    write(tmp_path / "3_x.sql", "--  migrate:upgrade\n")  # not the marker
    assert FORMAT.detect(tmp_path) == 0
    write(tmp_path / "4_y.sql", b"\xef\xbb\xbf--migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n")
    assert FORMAT.detect(tmp_path) > 0  # claimed (goose's annotation in 2_posts.sql ranks above)


# -- order and versions -----------------------------------------------------------------------


def test_files_run_in_text_order_of_their_names(tmp_path):
    for name in ("1_a.sql", "2_b.sql", "10_c.sql"):
        write(tmp_path / name, "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    result = scan(tmp_path, "dbmate")
    assert [m.name for m in result.migrations] == ["10_c.sql", "1_a.sql", "2_b.sql"]
    assert [m.version for m in result.migrations] == ["10", "1", "2"]
    assert [m.sort_key for m in result.migrations] == [("10_c.sql",), ("1_a.sql",), ("2_b.sql",)]
    assert sorted(m.sort_key for m in result.migrations) == [m.sort_key for m in result.migrations]
    assert [m.date for m in result.migrations] == [None, None, None]


def test_two_files_with_one_version_are_a_duplicate(tmp_path):
    write(tmp_path / "001_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    write(tmp_path / "001_b.sql", "-- migrate:up\nSELECT 2;\n-- migrate:down\n")
    write(
        tmp_path / "1_c.sql", "-- migrate:up\nSELECT 3;\n-- migrate:down\n"
    )  # version "1" != "001"
    result = scan(tmp_path, "dbmate")
    assert [m.sort_key for m in result.migrations] == [("001_a.sql",), ("001_a.sql",), ("1_c.sql",)]
    assert codes(result) == ["duplicate-version"]


@pytest.mark.parametrize(
    ("name", "version", "description"),
    [
        ("20240101120000_add_users.sql", "20240101120000", "add users"),
        ("20240101120000-add-users.sql", "20240101120000", "add users"),
        ("7.sql", "7", ""),
        ("0042create.sql", "0042", "create"),
    ],
)
def test_version_and_description_from_the_name(tmp_path, name, version, description):
    write(tmp_path / name, "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    (m,) = scan(tmp_path, "dbmate").migrations
    assert (m.version, m.description) == (version, description)


def test_files_dbmate_ignores(tmp_path):
    write(tmp_path / "20240101000001_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    upper = write(tmp_path / "20240101000002_b.SQL", "-- migrate:up\nSELECT 2;\n-- migrate:down\n")
    unnumbered = write(tmp_path / "seed.sql", "INSERT INTO x VALUES (1);\n")
    write(tmp_path / "README.md", "docs")
    write(tmp_path / "sub" / "20240101000003_c.sql", "-- migrate:up\nSELECT 3;\n-- migrate:down\n")
    result = scan(tmp_path, "dbmate")
    assert [m.version for m in result.migrations] == ["20240101000001"]
    assert [(p.code, p.path) for p in result.problems] == [
        ("unmatched-file", upper),
        ("unmatched-file", unnumbered),
    ]


# -- sections ---------------------------------------------------------------------------------

MULTI = """-- migrate:up
CREATE TABLE subscriptions (id INT);

-- migrate:down
DROP TABLE subscriptions;

-- migrate:up
CREATE INDEX ix_subscriptions_id ON subscriptions (id);

-- migrate:down
DROP INDEX ix_subscriptions_id;
"""


def test_several_sections_become_several_scripts_in_file_order(tmp_path):
    path = write(tmp_path / "20240101000003_create_subscriptions.sql", MULTI)
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert [(s.text, s.line) for s in m.up] == [
        ("CREATE TABLE subscriptions (id INT);\n\n", 2),
        ("CREATE INDEX ix_subscriptions_id ON subscriptions (id);\n\n", 8),
    ]
    assert [(s.text, s.line) for s in m.down] == [
        ("DROP TABLE subscriptions;\n\n", 5),
        ("DROP INDEX ix_subscriptions_id;\n", 11),
    ]
    assert all(
        s.name == "20240101000003_create_subscriptions.sql" and s.path == path
        for s in m.up + m.down
    )
    assert m.batch and m.transactional
    assert m.notes == ("several sections; dbmate reverts them in file order, not reversed",)
    (problem,) = result.problems
    assert (problem.code, problem.severity.value, problem.path) == (
        "multi-section",
        "warning",
        path,
    )
    assert "#820" in problem.message and "only the first section" in problem.message


def test_blank_down_sections_are_dropped_when_others_have_sql(tmp_path):
    write(
        tmp_path / "1_x.sql",
        "-- migrate:up\nA;\n-- migrate:down\n\n-- migrate:up\nB;\n-- migrate:down\nDROP B;\n",
    )
    (m,) = scan(tmp_path, "dbmate").migrations
    assert [s.text for s in m.up] == ["A;\n", "B;\n"]
    assert [(s.text, s.line) for s in m.down] == [("DROP B;\n", 8)]


def test_transaction_false_on_some_sections_turns_it_off_and_warns(tmp_path):
    path = write(
        tmp_path / "1_x.sql",
        "-- migrate:up\nA;\n-- migrate:down\n-- migrate:up transaction:false\nB;\n-- migrate:down\n",
    )
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert m.transactional is False
    assert [(p.code, p.path) for p in result.problems] == [
        ("multi-section", path),
        ("transaction-mismatch", path),
    ]


def test_text_before_the_first_marker(tmp_path):
    ok = "\n-- This migration creates users.\n  -- indented comment\n\n-- migrate:up\nCREATE TABLE users (id INT);\n-- migrate:down\nDROP TABLE users;\n"
    write(tmp_path / "1_ok.sql", ok)
    bad = write(
        tmp_path / "2_bad.sql",
        "-- create the type first\nCREATE TYPE s AS ENUM ('a');\n-- migrate:up\nSELECT 1;\n-- migrate:down\n",
    )
    result = scan(tmp_path, "dbmate")
    assert [m.version for m in result.migrations] == ["1"]
    assert result.migrations[0].up[0].text == "CREATE TABLE users (id INT);\n"
    assert result.migrations[0].up[0].line == 6
    (problem,) = result.problems
    assert (problem.code, problem.severity.value, problem.path, problem.line) == (
        "statements-before-up",
        "error",
        bad,
        2,
    )


def test_no_up_marker_is_an_error_naming_the_file(tmp_path):
    path = write(tmp_path / "20240101000001_x.sql", "CREATE TABLE x (id INT);\n")
    result = scan(tmp_path, "dbmate")
    assert result.migrations == []
    (problem,) = result.problems
    assert (problem.code, problem.severity.value, problem.path) == (
        "missing-up-marker",
        "error",
        path,
    )
    assert "dbmate needs a `-- migrate:up` line" in problem.message


def test_down_only_file_is_missing_its_up(tmp_path):
    write(tmp_path / "1_x.sql", "-- migrate:down\nDROP TABLE x;\n")
    assert codes(scan(tmp_path, "dbmate")) == ["missing-up-marker"]


def test_section_without_down_marker_is_an_error(tmp_path):
    path = write(tmp_path / "1_x.sql", "-- migrate:up\nCREATE TABLE x (id INT);\n")
    result = scan(tmp_path, "dbmate")
    assert result.migrations == []
    assert [(p.code, p.path, p.line) for p in result.problems] == [("missing-down-marker", path, 1)]


def test_up_up_down_is_an_error_on_the_first_section(tmp_path):
    path = write(
        tmp_path / "1_x.sql", "-- migrate:up\nA;\n-- migrate:up\nB;\n-- migrate:down\nC;\n"
    )
    result = scan(tmp_path, "dbmate")
    assert result.migrations == []
    assert [(p.code, p.line) for p in result.errors] == [("missing-down-marker", 1)]
    assert all(p.path == path for p in result.problems)


def test_two_downs_in_a_section_is_an_error(tmp_path):
    path = write(
        tmp_path / "1_x.sql", "-- migrate:up\nA;\n-- migrate:down\nB;\n-- migrate:down\nC;\n"
    )
    result = scan(tmp_path, "dbmate")
    assert result.migrations == []
    assert [(p.code, p.path, p.line) for p in result.problems] == [("down-without-up", path, 5)]


def test_down_marker_before_the_first_up_is_ignored_with_a_warning(tmp_path):
    path = write(tmp_path / "1_x.sql", "-- migrate:down\n-- migrate:up\nA;\n-- migrate:down\nB;\n")
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert [s.text for s in m.up] == ["A;\n"] and [s.text for s in m.down] == ["B;\n"]
    assert [(p.code, p.severity.value, p.path, p.line) for p in result.problems] == [
        ("marker-before-up", "warning", path, 1)
    ]


@pytest.mark.parametrize(
    ("line", "is_marker"),
    [
        ("-- migrate:up", True),
        ("--migrate:up", True),
        ("--   migrate:up\t", True),
        ("-- migrate:up transaction:false", True),
        ("-- migrate:upgrade", False),
        ("  -- migrate:up", False),
        ("--- migrate:up", False),
        ("-- Migrate:up", False),
    ],
)
def test_what_counts_as_an_up_marker(tmp_path, line, is_marker):
    write(tmp_path / "1_x.sql", f"{line}\nSELECT 1;\n-- migrate:down\n")
    result = scan(tmp_path, "dbmate")
    if is_marker:
        assert [s.text for s in result.migrations[0].up] == ["SELECT 1;\n"]
        assert result.problems == []
    else:
        assert result.migrations == []
        assert codes(result) == ["missing-up-marker"]


# -- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "transactional", "problems"),
    [
        ("-- migrate:up transaction:false", False, []),
        ("-- migrate:up transaction:true", True, []),
        ("-- migrate:up   transaction:false   ", False, []),
        ("-- migrate:up transaction:FALSE", True, ["bad-option"]),
        ("-- migrate:up notransaction", True, ["bad-option"]),
        ("-- migrate:up a:b:c", True, ["bad-option"]),
        ("-- migrate:up lock:none transaction:false", False, ["unknown-option"]),
    ],
)
def test_up_options(tmp_path, marker, transactional, problems):
    path = write(
        tmp_path / "1_x.sql", f"-- leading comment\n{marker}\nSELECT 1;\n-- migrate:down\n"
    )
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert m.transactional is transactional
    assert [(p.code, p.severity.value, p.path, p.line) for p in result.problems] == [
        (code, "warning", path, 2) for code in problems
    ]


def test_down_transaction_false_is_noted_not_applied_to_up(tmp_path):
    write(tmp_path / "1_x.sql", "-- migrate:up\nA;\n-- migrate:down transaction:false\nB;\n")
    (m,) = scan(tmp_path, "dbmate").migrations
    assert m.transactional is True
    assert m.notes == ("down runs outside a transaction (transaction:false)",)


# -- files in the wild ------------------------------------------------------------------------


def test_crlf_and_no_trailing_newline(tmp_path):
    write(
        tmp_path / "1_x.sql",
        b"-- migrate:up transaction:false\r\nCREATE TABLE t (id INT);\r\n-- migrate:down\r\nDROP TABLE t;",
    )
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert [(s.text, s.line) for s in m.up] == [("CREATE TABLE t (id INT);\n", 2)]
    assert [(s.text, s.line) for s in m.down] == [("DROP TABLE t;", 4)]
    assert m.transactional is False
    assert result.problems == []


def test_markers_at_end_of_file_without_newline(tmp_path):
    write(tmp_path / "1_x.sql", "-- migrate:up\nA;\n-- migrate:down")
    (m,) = scan(tmp_path, "dbmate").migrations
    assert [s.text for s in m.up] == ["A;\n"]
    assert m.down == () and m.notes == ("empty `-- migrate:down` section: no down",)


def test_bom_is_read_but_warned_about(tmp_path):
    path = write(tmp_path / "1_x.sql", b"\xef\xbb\xbf-- migrate:up\nA;\n-- migrate:down\nB;\n")
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert [s.text for s in m.up] == ["A;\n"] and [s.text for s in m.down] == ["B;\n"]
    assert [(p.code, p.severity.value, p.path) for p in result.problems] == [
        ("bom", "warning", path)
    ]


def test_empty_up_section_is_reported_once_by_scan(tmp_path):
    write(tmp_path / "1_x.sql", "-- migrate:up\n\n\n-- migrate:down\n\n")  # `dbmate new` template
    result = scan(tmp_path, "dbmate")
    (m,) = result.migrations
    assert m.is_empty and m.down == ()
    assert codes(result) == ["empty-migration"]
