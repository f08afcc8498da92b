"""The Flyway reader: samples, version order, undo/baseline/repeatable, callbacks, .conf, checksum."""

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

from converter.formats.flyway import FORMAT, flyway_checksum, version_key
from converter.legacy import scan
from converter.model import Kind


class TestContract(FormatContract):
    format = "flyway"


# -- samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_in_flyway_order(dialect):
    result = scan(SAMPLES / "flyway" / dialect, "flyway")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == ["1", "2", "3", "4", "5", "6", "7", "8", ""]
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
        "index invoices issued on",
        "active subscriptions view",
    ]
    assert [m.kind for m in ms] == [Kind.VERSIONED] * 8 + [Kind.REPEATABLE]
    assert [m.name for m in ms] == [
        "V1__create_plans.sql",
        "V2__create_customers.sql",
        "V3__create_subscriptions.sql",
        "V4__create_invoices.sql",
        "release_2/V5__seed_plans_and_customers.sql",
        "release_2/V6__normalise_customer_emails.sql",
        "release_2/V7__add_customer_phone.sql",
        "release_2/V8__index_invoices_issued_on.sql",
        "R__active_subscriptions_view.sql",
    ]
    assert [m.down[0].name if m.down else None for m in ms] == [
        "U1__create_plans.sql",
        "U2__create_customers.sql",
        "U3__create_subscriptions.sql",
        "U4__create_invoices.sql",
        "release_2/U5__seed_plans_and_customers.sql",
        None,
        "release_2/U7__add_customer_phone.sql",
        "release_2/U8__index_invoices_issued_on.sql",
        None,
    ]
    assert [m.transactional for m in ms] == [True] * 7 + [False, True]
    assert all(not m.batch and m.date is None and m.script == "sql" for m in ms)
    assert all(m.tool_checksum is not None for m in ms)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_holds_the_isp_history(dialect):
    ms = scan(SAMPLES / "flyway" / dialect, "flyway").migrations
    for m, (num, _slug, description, up, down) in zip(ms, ISP.steps(dialect), strict=False):
        assert (m.version, m.description) == (num, description)
        assert m.up[0].text == up
        assert (m.down[0].text if m.down else None) == down
    view = ms[-1].up[0].text
    assert "active_subscriptions" in view and "WHERE ended_on IS NULL" in view
    if dialect == "sqlite":
        assert view.startswith(
            "DROP VIEW IF EXISTS active_subscriptions;\nCREATE VIEW active_subscriptions AS\n"
        )
    else:
        assert view.startswith("CREATE OR REPLACE VIEW active_subscriptions AS\n")
    index = ms[7].up[0].text
    assert ("CREATE INDEX CONCURRENTLY" in index) is (dialect == "postgresql")


def test_sample_checksums_are_flyways():
    # Values computed by the Java mirror of Flyway's ChecksumCalculator (BufferedReader + CRC32).
    ms = scan(SAMPLES / "flyway" / "postgresql", "flyway").migrations
    assert ms[0].tool_checksum == "-1485980062"
    assert ms[4].tool_checksum == "504906775"
    assert ms[8].tool_checksum == "-962940257"


def test_detect_scores(tmp_path):
    assert FORMAT.detect(tmp_path) == 0
    write(tmp_path / "beforeMigrate.sql")
    write(tmp_path / "001_plain.sql")
    assert FORMAT.detect(tmp_path) == 0
    write(tmp_path / "sql/V1__init.sql")
    without_conf = FORMAT.detect(tmp_path)
    assert without_conf > 0
    assert_ranks_first(tmp_path, "flyway")
    write(tmp_path / "flyway.conf", "flyway.locations=filesystem:sql\n")
    assert FORMAT.detect(tmp_path) > without_conf


# -- checksum --------------------------------------------------------------------------------


def test_checksum_known_values():
    # CRC-32 check value of b"123456789" is 0xCBF43926: Flyway hashes lines without terminators.
    assert flyway_checksum(b"123\r\n456\r789\n") == -873187034
    # Values asserted by ebean's MChecksumTest, which runs the same Java line/CRC32 algorithm.
    assert flyway_checksum(b"hello\n") == 907060870
    assert flyway_checksum("helloäüü\n".encode()) == 1859426839


def test_checksum_line_endings_blank_lines_and_bom():
    base = flyway_checksum(b"first\nsecond\nthird")
    for variant in (
        b"first\r\nsecond\r\nthird\r\n",
        b"first\rsecond\rthird",
        b"first\n\n\nsecond\nthird\n",
        b"\xef\xbb\xbffirst\nsecond\nthird",
    ):
        assert flyway_checksum(variant) == base
    assert flyway_checksum(b"first\n\xef\xbb\xbfsecond\nthird") != base  # only a leading BOM goes
    assert flyway_checksum(b"") == 0
    assert flyway_checksum(b"\n") == 0
    assert flyway_checksum(b"x\n\xef\xbb\xbfy") == 34826083  # Java mirror


def test_checksum_decodes_with_the_file_encoding_then_hashes_utf8():
    assert flyway_checksum("helloäüü\n".encode("latin-1"), "latin-1") == 1859426839


def test_checksum_is_signed_32_bit():
    assert flyway_checksum(b"123456789") == 0xCBF43926 - 2**32


# -- versions, order, descriptions -----------------------------------------------------------


def test_versions_compare_numerically_part_by_part(tmp_path):
    for name in (
        "V1_12_10__c.sql",
        "V1_12_9__b.sql",
        "V1.10__e.sql",
        "V1.9__d.sql",
        "V2__f.sql",
        "V10__g.sql",
        "V1__a.sql",
    ):
        write(tmp_path / name)
    result = scan(tmp_path, "flyway")
    assert [m.version for m in result.migrations] == [
        "1",
        "1.9",
        "1.10",
        "1.12.9",
        "1.12.10",
        "2",
        "10",
    ]
    assert [m.description for m in result.migrations] == ["a", "d", "e", "b", "c", "f", "g"]
    assert version_key("1.0") == version_key("1") == version_key("001") == (1,)
    assert version_key("1.0.1") == (1, 0, 1)


def test_same_version_written_differently_is_a_duplicate(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V1.0__b.sql")
    write(tmp_path / "sub/V001__c.sql")
    result = scan(tmp_path, "flyway")
    assert sorted(m.version for m in result.migrations) == ["001", "1", "1.0"]
    assert len({m.sort_key for m in result.migrations}) == 1
    assert [(p.severity.value, p.code) for p in result.problems] == [("error", "duplicate-version")]


def test_description_keeps_everything_but_underscores(tmp_path):
    write(tmp_path / "V1__Add_users-table__v2.sql")
    write(tmp_path / "V2.sql")
    ms = scan(tmp_path, "flyway").migrations
    assert [(m.version, m.description) for m in ms] == [("1", "Add users-table  v2"), ("2", "")]


def test_timestamp_versions_give_dates(tmp_path):
    write(tmp_path / "V20240301120000__a.sql")
    write(tmp_path / "V2024_03_02_0930__b.sql")
    ms = scan(tmp_path, "flyway").migrations
    assert [m.version for m in ms] == ["2024.03.02.0930", "20240301120000"]
    assert [m.date for m in ms] == [datetime(2024, 3, 2, 9, 30), datetime(2024, 3, 1, 12, 0)]


def test_folders_are_read_recursively(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "deep/er/V2__b.sql")
    write(tmp_path / ".hidden/V3__c.sql")
    ms = scan(tmp_path, "flyway").migrations
    assert [m.name for m in ms] == ["V1__a.sql", "deep/er/V2__b.sql"]
    assert ms[1].path == tmp_path / "deep" / "er" / "V2__b.sql"


# -- undo, repeatable, baseline --------------------------------------------------------------


def test_undo_becomes_the_down_of_the_same_version(tmp_path):
    write(tmp_path / "V1__create.sql", "CREATE TABLE t (id INT);\n")
    write(tmp_path / "U1.0__drop_it.sql", "DROP TABLE t;\n")
    write(tmp_path / "V2__no_undo.sql")
    result = scan(tmp_path, "flyway")
    assert result.problems == []
    one, two = result.migrations
    assert [s.text for s in one.down] == ["DROP TABLE t;\n"]
    assert one.down[0].name == "U1.0__drop_it.sql"
    assert two.down == ()


def test_undo_without_versioned_is_left_out_with_a_warning(tmp_path):
    """Flyway never runs an undo without its V file (migrate ignores undo files; undo only
    undoes an applied version) and refuses nothing: the scan warns and leaves it out."""
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "U2__b.sql")
    result = scan(tmp_path, "flyway")
    assert located_codes(result) == [("warning", "undo-without-versioned", "U2__b.sql")]
    assert [m.version for m in result.migrations] == ["1"]
    assert result.migrations[0].down == ()


def test_two_undos_for_one_version_is_an_error(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "U1__a.sql", "DROP TABLE a;\n")
    write(tmp_path / "U1.0__b.sql")
    result = scan(tmp_path, "flyway")
    assert located_codes(result) == [("error", "duplicate-undo", "U1__a.sql")]


def test_repeatables_run_after_versioned_ordered_by_description(tmp_path):
    write(tmp_path / "R__z_view.sql", "CREATE VIEW z AS SELECT 1;\n")
    write(tmp_path / "a/R__b_view.sql", "CREATE VIEW b AS SELECT 1;\n")
    write(tmp_path / "V2__two.sql")
    write(tmp_path / "V1__one.sql")
    result = scan(tmp_path, "flyway")
    assert result.problems == []
    ms = result.migrations
    assert [(m.kind, m.version, m.description) for m in ms] == [
        (Kind.VERSIONED, "1", "one"),
        (Kind.VERSIONED, "2", "two"),
        (Kind.REPEATABLE, "", "b view"),
        (Kind.REPEATABLE, "", "z view"),
    ]
    assert ms[2].tool_checksum == str(flyway_checksum(b"CREATE VIEW b AS SELECT 1;\n"))


def test_two_repeatables_with_one_description_is_an_error(tmp_path):
    write(tmp_path / "R__view.sql")
    write(tmp_path / "sub/R__view.sql")
    result = scan(tmp_path, "flyway")
    assert located_codes(result) == [("error", "duplicate-repeatable", "R__view.sql")]
    assert result.problems[0].path == tmp_path / "sub" / "R__view.sql"


def test_baseline_sorts_before_the_versioned_of_its_version_without_a_duplicate(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V2__b.sql")
    write(tmp_path / "B2__baseline.sql")
    write(tmp_path / "V3__c.sql")
    result = scan(tmp_path, "flyway")
    assert result.problems == []
    assert [(m.kind, m.version) for m in result.migrations] == [
        (Kind.VERSIONED, "1"),
        (Kind.BASELINE, "2"),
        (Kind.VERSIONED, "2"),
        (Kind.VERSIONED, "3"),
    ]
    assert result.migrations[1].tool_checksum == str(flyway_checksum(b"SELECT 1;\n"))


# -- files that are not migrations -----------------------------------------------------------


def test_callbacks_are_not_migrations_and_migrate_ones_are_carried_or_named(tmp_path):
    write(tmp_path / "V1__a.sql")
    for name in (
        "beforeMigrate.sql",
        "afterMigrate__refresh_views.sql",
        "beforeEachMigrateStatement.sql",
        "afterEachMigrateError.sql",
        "callbacks/afterMigrateError.sql",
        "beforeClean.sql",
        "afterMigrate.sql",
    ):
        write(tmp_path / name)
    write(tmp_path / "afterMigrate.sql.conf", "executeInTransaction=false\n")
    result = scan(tmp_path, "flyway")
    # the callbacks of `flyway migrate` change what it builds: carried (issue 19), or named
    # when the converted history does not run them; beforeClean changes nothing it builds
    assert [(c.event, c.name, c.transactional) for c in result.callbacks] == [
        ("beforeMigrate", "beforeMigrate.sql", True),
        ("afterMigrate", "afterMigrate.sql", False),
        ("afterMigrate", "afterMigrate__refresh_views.sql", True),
    ]
    assert sorted(p.path.name for p in result.problems) == [
        "afterEachMigrateError.sql",
        "afterMigrateError.sql",
        "beforeEachMigrateStatement.sql",
    ]
    assert {p.code for p in result.problems} == {"callback-not-carried"}
    assert [m.name for m in result.migrations] == ["V1__a.sql"]


def test_unmatched_sql_files_are_warned(tmp_path):
    write(tmp_path / "V1__a.sql")
    for name in (
        "afterMigrateX.sql",
        "notes.sql",
        "V2_single_underscore.sql",
        "v3__lower_case.sql",
        "V4__upper.SQL",
        "R1__versioned_repeatable.sql",
        "V__no_version.sql",
    ):
        write(tmp_path / name)
    write(tmp_path / "README.txt", "not sql\n")
    write(tmp_path / "flyway.toml", "[flyway]\n")
    result = scan(tmp_path, "flyway")
    assert [m.name for m in result.migrations] == ["V1__a.sql"]
    assert sorted(located_codes(result)) == sorted(
        [("error", "unknown-callback", "afterMigrateX.sql")]
        + [
            ("warning", "unmatched-file", n)
            for n in (
                "notes.sql",
                "V2_single_underscore.sql",
                "v3__lower_case.sql",
                "V4__upper.SQL",
                "R1__versioned_repeatable.sql",
                "V__no_version.sql",
            )
        ]
    )
    message = next(p.message for p in result.problems if p.path.name == "V2_single_underscore.sql")
    assert "two underscores" in message


def test_compiled_and_script_migrations_are_not_convertible_java_is_a_placeholder(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V2__b.sql")
    write(tmp_path / "db/migration/V3__Backfill.java", "public class V3__Backfill {}\n")
    write(tmp_path / "V4__Compiled.class", b"\xca\xfe\xba\xbe")
    write(tmp_path / "V5__cleanup.ps1", "Write-Host hi\n")
    write(tmp_path / "Helper.java", "class Helper {}\n")  # not a migration name: ignored
    result = scan(tmp_path, "flyway")
    assert sorted(located_codes(result)) == [
        ("error", "not-convertible", "V4__Compiled.class"),
        ("error", "not-convertible", "V5__cleanup.ps1"),
        ("warning", "code-migration", "V3__Backfill.java"),
    ]
    java = next(m for m in result.migrations if m.version == "3")
    assert java.script == "java" and "does not extend BaseJavaMigration" in java.placeholder


# -- per-script configuration ----------------------------------------------------------------


def test_conf_execute_in_transaction_false(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V2__concurrent.sql", "CREATE INDEX CONCURRENTLY ix ON t (c);\n")
    write(
        tmp_path / "V2__concurrent.sql.conf",
        "# per-script settings\n\nexecuteInTransaction=false\n",
    )
    write(tmp_path / "V3__c.sql")
    write(tmp_path / "V3__c.sql.conf", "executeInTransaction = true\n")
    result = scan(tmp_path, "flyway")
    assert result.problems == []
    assert [m.transactional for m in result.migrations] == [True, False, True]


def test_conf_bad_lines_warn_and_reading_goes_on(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(
        tmp_path / "V1__a.sql.conf",
        "shouldExecute=true\nthis is not a setting\nexecuteInTransaction=false\n",
    )
    write(tmp_path / "V2__b.sql")
    write(tmp_path / "V2__b.sql.conf", "executeInTransaction=no\n")
    result = scan(tmp_path, "flyway")
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("bad-conf-line", "V1__a.sql.conf", 2),
        ("bad-conf-line", "V2__b.sql.conf", 1),
    ]
    assert all(p.severity.value == "warning" for p in result.problems)
    assert [m.transactional for m in result.migrations] == [False, True]


def test_conf_encoding_is_honoured(tmp_path):
    write(tmp_path / "V1__latin.sql", "INSERT INTO t VALUES ('café');\n".encode("latin-1"))
    write(tmp_path / "V1__latin.sql.conf", "encoding=ISO-8859-1\n")
    (m,) = scan(tmp_path, "flyway").migrations
    assert m.up[0].text == "INSERT INTO t VALUES ('café');\n"
    assert m.tool_checksum == str(flyway_checksum("INSERT INTO t VALUES ('café');\n".encode()))


def test_conf_without_its_script_is_warned(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V9__gone.sql.conf", "executeInTransaction=false\n")
    result = scan(tmp_path, "flyway")
    assert located_codes(result) == [("warning", "unmatched-file", "V9__gone.sql.conf")]


def test_placeholders_are_warned_unless_replacement_is_off(tmp_path):
    write(tmp_path / "V1__grant.sql", "-- grants\nGRANT SELECT ON t TO ${reader};\n")
    write(tmp_path / "V2__literal.sql", "SELECT '${not_a_placeholder}';\n")
    write(tmp_path / "V2__literal.sql.conf", "placeholderReplacement=false\n")
    result = scan(tmp_path, "flyway")
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("placeholder", "V1__grant.sql", 2)
    ]
    assert "${reader}" in result.problems[0].message


# -- real-world file quirks ------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    write(
        tmp_path / "V1__crlf.sql", b"\xef\xbb\xbfCREATE TABLE t (\r\n    id INT\r\n);\r\nSELECT 1;"
    )
    write(tmp_path / "V2__lf.sql", b"CREATE TABLE t (\n    id INT\n);\nSELECT 1;\n")
    result = scan(tmp_path, "flyway")
    assert result.problems == []
    crlf, lf = result.migrations
    assert crlf.up[0].text == "CREATE TABLE t (\n    id INT\n);\nSELECT 1;"
    assert (
        crlf.tool_checksum
        == lf.tool_checksum
        == str(flyway_checksum(b"CREATE TABLE t (\n    id INT\n);\nSELECT 1;"))
    )


def test_empty_migration_is_reported_once_by_scan(tmp_path):
    write(tmp_path / "V1__a.sql")
    write(tmp_path / "V2__placeholder.sql", "-- kept to hold the number\n")
    result = scan(tmp_path, "flyway")
    assert located_codes(result) == [("warning", "empty-migration", "V2__placeholder.sql")]
