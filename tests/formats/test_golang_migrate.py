"""The golang-migrate reader: samples, numeric order, up/down pairing, problems, file quirks."""

from __future__ import annotations

from datetime import datetime

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    assert_ranks_first,
    located_codes,
    write,
)

from converter.formats.golang_migrate import FORMAT
from converter.formats.plain import FORMAT as PLAIN
from converter.legacy import scan
from converter.model import Kind


class TestContract(FormatContract):
    format = "golang-migrate"


# -- samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_in_order_with_downs(dialect):
    result = scan(SAMPLES / "golang-migrate" / dialect, "golang-migrate")
    assert result.problems == []
    ms = result.migrations
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
    ]
    assert [m.has_down for m in ms] == [True, True, True, True, True, False, True]
    assert all(m.kind is Kind.VERSIONED and m.batch and m.transactional for m in ms)
    assert all(m.tool_checksum is None and m.script == "sql" for m in ms)
    for m, (_num, slug, _desc, up, down) in zip(ms, ISP.steps(dialect), strict=True):
        assert m.name.endswith(f"_{slug}.up.sql")
        assert m.up[0].text == up
        assert (m.down[0].text if m.down else None) == down


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_numbered_sample_versions(dialect):
    ms = scan(SAMPLES / "golang-migrate" / dialect, "golang-migrate").migrations
    assert [m.version for m in ms] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [m.sort_key for m in ms] == [(n,) for n in range(1, 8)]
    assert ms[0].name == "000001_create_plans.up.sql"
    assert ms[0].down[0].name == "000001_create_plans.down.sql"
    assert all(m.date is None for m in ms)


def test_timestamp_sample_has_dates():
    ms = scan(SAMPLES / "golang-migrate" / "mysql", "golang-migrate").migrations
    assert [m.version for m in ms] == [
        "20240105120005",
        "20240106120010",
        "20240107120015",
        "20240108120020",
        "20240109120025",
        "20240110120030",
        "20240111120035",
    ]
    assert ms[0].date == datetime(2024, 1, 5, 12, 0, 5)
    assert ms[6].date == datetime(2024, 1, 11, 12, 0, 35)


def test_plain_downs_alone_are_not_golang_migrate(tmp_path):
    write(tmp_path / "001_a.sql")
    write(tmp_path / "001_a.down.sql")
    assert FORMAT.detect(tmp_path) == 0
    assert_ranks_first(tmp_path, "plain")
    write(tmp_path / "002_b.up.sql")
    assert_ranks_first(tmp_path, "golang-migrate")
    assert PLAIN.detect(tmp_path) == 0


# -- versions and pairing --------------------------------------------------------------------


def test_versions_order_numerically_not_as_text(tmp_path):
    for name in ("10_ten.up.sql", "2_two.up.sql", "1_one.up.sql", "100_hundred.up.sql"):
        write(tmp_path / name)
    ms = scan(tmp_path, "golang-migrate").migrations
    assert [m.version for m in ms] == ["1", "2", "10", "100"]


def test_leading_zeros_are_the_same_version(tmp_path):
    write(tmp_path / "001_a.up.sql")
    write(tmp_path / "1_b.up.sql")
    result = scan(tmp_path, "golang-migrate")
    assert [m.version for m in result.migrations] == ["1", "1"]
    assert [(p.severity.value, p.code) for p in result.problems] == [("error", "duplicate-version")]


def test_down_pairs_with_up_by_version_alone(tmp_path):
    write(tmp_path / "0003_create_users.up.sql", "CREATE TABLE users (id INT);\n")
    write(tmp_path / "3_drop_users_again.down.sql", "DROP TABLE users;\n")
    result = scan(tmp_path, "golang-migrate")
    assert result.problems == []
    (m,) = result.migrations
    assert (m.version, m.description) == ("3", "create users")
    assert m.down[0].text == "DROP TABLE users;\n"
    assert m.down[0].name == "3_drop_users_again.down.sql"


def test_name_may_be_empty_and_hold_dots(tmp_path):
    write(tmp_path / "1_.up.sql")
    write(tmp_path / "2_add.users.v2.up.sql")
    ms = scan(tmp_path, "golang-migrate").migrations
    assert [(m.version, m.description) for m in ms] == [("1", ""), ("2", "add.users.v2")]


# -- problems --------------------------------------------------------------------------------


def test_down_without_up_is_an_empty_up_as_golang_migrate_runs_it(tmp_path):
    """golang-migrate lists a down-only version and runs an empty up for it (the version is
    recorded, nothing runs; migrate.go newMigration), and the down file on `down`."""
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "2_b.down.sql", "DROP TABLE t;\n")
    write(tmp_path / "3_c.up.sql")
    result = scan(tmp_path, "golang-migrate")
    assert ("warning", "down-without-up", "2_b.down.sql") in located_codes(result)
    assert not result.errors
    assert [m.version for m in result.migrations] == ["1", "2", "3"]
    two = result.migrations[1]
    assert two.up == () and [s.name for s in two.down] == ["2_b.down.sql"]
    assert two.description == "b"


def test_two_downs_for_one_version_is_an_error(tmp_path):
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "1_a.down.sql")
    write(tmp_path / "01_b.down.sql")
    result = scan(tmp_path, "golang-migrate")
    assert located_codes(result) == [("error", "duplicate-down", "1_a.down.sql")]


def test_unmatched_files_are_warned(tmp_path):
    write(tmp_path / "1_a.up.sql")
    for name in (
        "2_b.sql",
        "3_c.UP.sql",
        "notes.sql",
        "4-d.up.sql",
        "99999999999999999999_huge.up.sql",
    ):
        write(tmp_path / name)
    write(tmp_path / "README.md", "# migrations\n")
    write(tmp_path / "bindata.go", "package migrations\n")
    result = scan(tmp_path, "golang-migrate")
    assert [m.version for m in result.migrations] == ["1"]
    assert sorted(located_codes(result)) == sorted(
        ("warning", "unmatched-file", n)
        for n in (
            "2_b.sql",
            "3_c.UP.sql",
            "notes.sql",
            "4-d.up.sql",
            "99999999999999999999_huge.up.sql",
        )
    )


def test_any_extension_runs_as_sql_and_a_backup_beside_its_file_is_a_duplicate(tmp_path):
    """golang-migrate ignores the extension (`.up.json` is sent to the database as text), so a
    `1_a.up.sql.bak` beside `1_a.up.sql` is a second up of version 1: golang-migrate refuses
    the folder (ErrDuplicateMigration), and so does the scan."""
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "2_data.up.txt", "CREATE TABLE d (id int);\n")
    result = scan(tmp_path, "golang-migrate")
    assert located_codes(result) == [("warning", "not-sql-extension", "2_data.up.txt")]
    assert [m.version for m in result.migrations] == ["1", "2"]
    write(tmp_path / "1_a.up.sql.bak")
    result = scan(tmp_path, "golang-migrate")
    assert [(p.code, p.message.split(":")[0]) for p in result.errors] == [
        ("duplicate-version", "version 1 is used by 2 migrations")
    ]


def test_sub_folders_are_not_read(tmp_path):
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "old/2_b.up.sql")
    result = scan(tmp_path, "golang-migrate")
    assert result.problems == []
    assert [m.name for m in result.migrations] == ["1_a.up.sql"]


# -- real-world file quirks ------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    write(tmp_path / "1_a.up.sql", b"\xef\xbb\xbfCREATE TABLE a (\r\n    id INT\r\n);")
    write(tmp_path / "1_a.down.sql", b"DROP TABLE a;\r\n")
    (m,) = scan(tmp_path, "golang-migrate").migrations
    assert m.up[0].text == "CREATE TABLE a (\n    id INT\n);"
    assert m.down[0].text == "DROP TABLE a;\n"
    assert m.up[0].line == 1


def test_empty_migration_is_reported_once_by_scan(tmp_path):
    write(tmp_path / "1_a.up.sql")
    write(tmp_path / "2_hold.up.sql", "")
    result = scan(tmp_path, "golang-migrate")
    assert located_codes(result) == [("warning", "empty-migration", "2_hold.up.sql")]
