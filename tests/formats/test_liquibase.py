"""The Liquibase formatted SQL reader: samples, detection, ordering, attributes, rollbacks,
checksums, and every problem it reports."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    codes,
    write,
)

from converter.formats.base import ReadOptions
from converter.formats.liquibase import checksum_v9, dbms_matches
from converter.legacy import scan
from converter.model import Kind

HEADER = "--liquibase formatted sql\n"


def read(root: Path, dialect: str | None = None):
    return scan(root, "liquibase", ReadOptions(dialect=dialect))


class TestContract(FormatContract):
    format = "liquibase"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    result = read(SAMPLES / "liquibase" / dialect)
    assert result.problems == []
    ms = result.migrations
    count = {"postgresql": 8, "mysql": 9, "sqlite": 8}[dialect]
    assert [m.version for m in ms] == [str(i) for i in range(1, count + 1)]
    files = ["001_schema.sql"] * 4 + ["002_data.sql"] * 2 + ["003_phone.sql"] + ["004_indexes.sql"]
    files += ["004_indexes.sql"] if dialect == "mysql" else []
    assert [m.name for m in ms] == [f"changes/{f}" for f in files]
    assert [m.sort_key for m in ms][:8] == [
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 1),
        (2, 2),
        (3, 1),
        (4, 1),
    ]
    assert [m.description for m in ms][:8] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
        "index invoices issued on",
    ]
    assert all(m.format == "liquibase" and m.kind is Kind.VERSIONED and m.date is None for m in ms)
    assert [m.transactional for m in ms][:8] == [True] * 7 + [False]
    for m, (_, _, _, up, down) in zip(ms, ISP.steps(dialect), strict=False):
        (script,) = m.up
        assert script.text == up
        assert script.split and script.delimiter is None and not m.batch
        assert m.tool_checksum == checksum_v9(up)
        assert m.notes[0] == f"changeset:{m.name}::{m.version}::isp"
        if down is None:
            assert [s.text for s in m.down] == [""]
            assert m.notes[-1] == "rollback-empty"
        else:
            (down_script,) = m.down
            assert down_script.text == down
    # lines: changeset 1 starts after `--changeset` and `--comment`, its rollback follows the SQL
    assert (ms[0].up[0].line, ms[0].down[0].line) == (5, 13)
    assert (ms[6].up[0].line, ms[6].down[0].line) == (5, 8)  # the /* liquibase rollback */ block


def test_sample_postgresql_index_is_postgresql_only_and_outside_a_transaction():
    ms = read(SAMPLES / "liquibase" / "postgresql").migrations
    index = ms[7]
    assert (
        index.up[0].text
        == "CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);\n"
    )
    assert index.down[0].text == "DROP INDEX CONCURRENTLY ix_invoices_issued_on;\n"
    assert (index.transactional, index.dialect) == (False, "postgresql")
    assert "dbms:postgresql" in index.notes
    assert [m.version for m in read(SAMPLES / "liquibase" / "postgresql", "sqlite").migrations] == [
        str(i) for i in range(1, 8)
    ]
    assert (
        read(SAMPLES / "liquibase" / "postgresql", "postgresql").migrations[7].dialect
        == "postgresql"
    )


def test_sample_mysql_trigger_is_one_unsplit_statement():
    trigger = read(SAMPLES / "liquibase" / "mysql").migrations[8]
    (script,) = trigger.up
    assert script.text.startswith("CREATE TRIGGER trg_customers_email_normalise BEFORE INSERT")
    assert script.text.endswith("BEGIN\n    SET NEW.email = LOWER(TRIM(NEW.email));\nEND\n")
    assert (script.split, script.delimiter, trigger.batch) == (False, "//", True)
    assert trigger.down[0].text == "DROP TRIGGER trg_customers_email_normalise;\n"


# -- checksums ------------------------------------------------------------------------------------


def test_checksum_v9_is_md5_of_the_change_checksum():
    sql = "CREATE TABLE t (\n    id INT\n);\n"
    change = "9:" + hashlib.md5(b"CREATETABLEt(idINT);").hexdigest()
    assert checksum_v9(sql) == "9:" + hashlib.md5((change + ":").encode()).hexdigest()


def test_checksum_v9_ignores_whitespace_and_line_endings_but_not_case():
    a = checksum_v9("create table t (id int);")
    assert checksum_v9("  create  table\tt\r\n(id\nint);  \n") == a
    assert checksum_v9("CREATE table t (id int);") != a
    assert len(a) == 2 + 32 and a.startswith("9:")


def test_checksum_is_left_out_when_properties_are_used(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER + "--property name:tbl value:plans\n--changeset a:1\nDROP TABLE ${tbl};\n"
        "--changeset a:2\nDROP TABLE ${unknown};\n",
    )
    result = read(tmp_path)
    one, two = result.migrations
    assert one.up[0].text == "DROP TABLE plans;\n"
    assert two.up[0].text == "DROP TABLE ${unknown};\n"
    assert (one.tool_checksum, two.tool_checksum) == (None, None)
    assert codes(result) == ["unresolved-property"]


# -- files and order ------------------------------------------------------------------------------


def test_without_master_files_are_read_recursively_in_java_path_order(tmp_path):
    for name in ["a/b.sql", "a.sql", "a-b.sql", "\uff5e.sql", "\U0001f600.sql"]:
        write(tmp_path / name, HEADER + f"--changeset x:{name}\nSELECT 1;\n")
    result = read(tmp_path)
    # '-' < '.' < '/', and UTF-16 puts the emoji (a surrogate pair) before U+FF5E
    assert [m.name for m in result.migrations] == [
        "a-b.sql",
        "a.sql",
        "a/b.sql",
        "\U0001f600.sql",
        "\uff5e.sql",
    ]
    assert [m.sort_key for m in result.migrations] == [(i, 1) for i in range(1, 6)]


def test_xml_master_include_order_wins_over_paths(tmp_path):
    write(
        tmp_path / "db.changelog-master.xml",
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
        '  <include file="changes/b.sql" relativeToChangelogFile="true"/>\n'
        '  <include file="changes/a.sql" relativeToChangelogFile="true"/>\n'
        '  <include file="skipped.sql" ignore="true"/>\n'
        "</databaseChangeLog>\n",
    )
    write(tmp_path / "changes/a.sql", HEADER + "--changeset x:a\nSELECT 1;\n")
    write(tmp_path / "changes/b.sql", HEADER + "--changeset x:b\nSELECT 2;\n")
    write(tmp_path / "stray.sql", HEADER + "--changeset x:stray\nSELECT 3;\n")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["b", "a"]
    assert [(p.code, p.path.name) for p in result.problems] == [("not-included", "stray.sql")]


def test_xml_master_problems(tmp_path):
    write(
        tmp_path / "master.xml",
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
        '  <include file="missing.sql"/>\n'
        '  <changeSet id="1" author="bob"><sql>SELECT 1</sql></changeSet>\n'
        '  <includeAll path="nowhere/"/>\n'
        "</databaseChangeLog>\n",
    )
    result = read(tmp_path)
    assert codes(result) == ["missing-include", "unsupported-changelog", "missing-include"]
    assert "bob:1" in result.problems[1].message
    assert result.migrations == []


def test_missing_includes_that_liquibase_is_told_to_skip(tmp_path):
    """`errorIfMissing="false"` (include) and `errorIfMissingOrEmpty="false"` (includeAll):
    Liquibase skips the missing file or folder instead of refusing the changelog."""
    write(
        tmp_path / "master.xml",
        '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
        '  <include file="local-only.sql" errorIfMissing="false"/>\n'
        '  <include file="a.sql"/>\n'
        '  <includeAll path="optional/" errorIfMissingOrEmpty="false"/>\n'
        "</databaseChangeLog>\n",
    )
    write(tmp_path / "a.sql", HEADER + "--changeset x:a\nSELECT 1;\n")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["a"]
    assert [(p.severity.value, p.code) for p in result.problems] == [
        ("warning", "missing-include"),
        ("warning", "missing-include"),
    ]
    assert "errorIfMissing" in result.problems[0].message


def test_raw_sql_files_run_whole_as_liquibase_does(tmp_path):
    write(tmp_path / "001.sql", HEADER + "--changeset x:1\nSELECT 1;\n")
    write(tmp_path / "002_raw.sql", "CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n")
    write(tmp_path / "notes.txt", "ignored")
    write(tmp_path / "other.yaml", "databaseChangeLog: []\n")
    result = read(tmp_path)
    one, raw = result.migrations
    assert (raw.version, raw.description) == ("raw", "raw SQL file 002_raw.sql")
    assert (raw.up[0].split, raw.batch) == (False, True)
    assert raw.tool_checksum == checksum_v9("CREATE TABLE t (id INT);INSERT INTO t VALUES (1);")
    assert raw.up[0].text == "CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1);\n"
    assert codes(result) == ["raw-sql-file", "unsupported-changelog"]


def test_header_case_and_spacing_and_empty_file(tmp_path):
    write(
        tmp_path / "a.sql",
        "\n\n  --  Liquibase Formatted SQL logicalFilePath:db/x.sql\n--changeset x:1\nSELECT 1;\n",
    )
    write(tmp_path / "b.sql", "")
    result = read(tmp_path)
    (m,) = result.migrations
    assert m.notes[0] == "changeset:db/x.sql::1::x"
    assert codes(result) == ["empty-file"]


@pytest.mark.parametrize(
    "raw",
    [
        HEADER.replace("\n", "\r\n") + "--changeset a:1\r\nSELECT 1;\r\n--rollback SELECT 2;\r\n",
        "\ufeff" + HEADER + "--changeset a:1\nSELECT 1;\n--rollback SELECT 2;\n",
        HEADER + "--changeset a:1\nSELECT 1;\n--rollback SELECT 2;",
    ],
    ids=["crlf", "bom", "no-trailing-newline"],
)
def test_file_quirks_read_the_same(tmp_path, raw):
    write(tmp_path / "c.sql", raw.encode("utf-8"))
    result = read(tmp_path)
    (m,) = result.migrations
    assert result.problems == []
    assert (m.up[0].text, m.up[0].line, m.down[0].text) == ("SELECT 1;\n", 3, "SELECT 2;\n")
    assert m.tool_checksum == checksum_v9("SELECT 1;")


# -- changeset lines and attributes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "--changeset bob:",
        "--changeset bob",
        "--changeset bob: 1",
        "--changeset bob:::",
        "-changeset bob:1",
    ],
)
def test_changeset_without_a_usable_id_is_an_error(tmp_path, line):
    write(tmp_path / "c.sql", HEADER + "--changeset a:0\nSELECT 0;\n" + line + "\nSELECT 1;\n")
    result = read(tmp_path)
    assert codes(result) == ["bad-changeset"]
    assert (result.problems[0].path.name, result.problems[0].line) == ("c.sql", 4)
    assert [m.version for m in result.migrations] == ["0"]


def test_attributes(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER
        + '--changeset a:1 runAlways:true context:dev labels:"x, y"\nSELECT 1;\n'
        + "--changeset a:2 runOnChange:TRUE runInTransaction:no\nSELECT 2;\n"
        + "--changeset a:3 splitStatements:false endDelimiter:GO\nSELECT 3\nGO\n"
        + "--changeset a:4 rollbackSplitStatements:false rollbackEndDelimiter:$$ failOnError:false\n"
        + "SELECT 4;\n--rollback SELECT 5;\n"
        + "--changeset 'quoted author':\"an id\" runWith:psql\nSELECT 6;\n",
    )
    result = read(tmp_path)
    one, two, three, four, five = result.migrations
    assert (one.kind, one.notes[1:]) == (
        Kind.REPEATABLE,
        ("runAlways", "context:dev", "labels:x, y"),
    )
    assert (two.kind, two.transactional, two.notes[1:]) == (Kind.VERSIONED, False, ("runOnChange",))
    assert (three.up[0].split, three.up[0].delimiter, three.batch) == (False, "GO", True)
    # Liquibase's splitStatements pattern also matches rollbackSplitStatements
    assert (four.up[0].split, four.down[0].split, four.down[0].delimiter) == (False, False, "$$")
    assert four.notes[1:] == ("failOnError:false",)
    assert (five.version, five.description) == ("an id", "quoted author:an id")
    assert codes(result) == ["run-on-change", "changeset-author", "run-with"]


def test_description_comes_from_the_last_comment_line(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER + "--changeset a:1\n--comment first\n-- comment: second  \nSELECT 1;\n",
    )
    (m,) = read(tmp_path).migrations
    assert m.description == "second"
    assert m.up[0].text == "SELECT 1;\n"


def test_dbms_filtering_with_and_without_a_dialect(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER
        + "--changeset a:x dbms:postgresql\nSELECT 'pg';\n"
        + "--changeset a:x dbms:mysql,mariadb\nSELECT 'my';\n"
        + "--changeset a:notsqlite dbms:!sqlite\nSELECT 2;\n"
        + "--changeset a:never dbms:none\nSELECT 3;\n"
        + "--changeset a:maria dbms:mariadb\nSELECT 4;\n",
    )
    every = read(tmp_path)
    assert [(m.version, m.dialect) for m in every.migrations] == [
        ("c.sql::x::a", "postgresql"),
        ("c.sql::x::a", "mysql"),
        ("notsqlite", None),
        ("never", None),
        ("maria", "mysql"),
    ]
    assert every.problems == []  # one identity twice, but never for the same database
    assert [m.up[0].text for m in read(tmp_path, "postgresql").migrations] == [
        "SELECT 'pg';\n",
        "SELECT 2;\n",
    ]
    assert [m.version for m in read(tmp_path, "sqlite").migrations] == []
    mysql = read(tmp_path, "mysql")
    assert [m.version for m in mysql.migrations] == ["x", "notsqlite", "maria"]
    assert codes(mysql) == ["dbms-mysql-mariadb"]


def test_dbms_matches_follows_liquibase():
    assert dbms_matches(None, "sqlite") and dbms_matches(" ", "sqlite")
    assert dbms_matches("all, !sqlite", "sqlite")
    assert not dbms_matches("none,sqlite", "sqlite")
    assert not dbms_matches("PostgreSQL", "sqlite") and dbms_matches("PostgreSQL", "postgresql")
    assert dbms_matches("!h2", "sqlite") and not dbms_matches("!h2, !sqlite", "sqlite")


def test_repeated_ids_get_qualified_versions(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER + "--changeset alice:1\nSELECT 1;\n--changeset bob:1\nSELECT 2;\n",
    )
    write(
        tmp_path / "b.sql",
        HEADER + "--changeset alice:1\nSELECT 3;\n--changeset carol:9\nSELECT 4;\n",
    )
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == [
        "a.sql::1::alice",
        "bob:1",
        "b.sql::1::alice",
        "9",
    ]
    assert result.problems == []


def test_duplicate_identity_is_an_error(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER + "--changeset alice:1\nSELECT 1;\n\n--changeset alice:1\nSELECT 2;\n",
    )
    result = read(tmp_path)
    assert codes(result) == ["duplicate-changeset"]
    assert result.problems[0].line == 5
    assert "first at line 2" in result.problems[0].message


def test_ignored_changesets_are_left_out(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER + "--changeset a:1 ignore:true\nSELECT 1;\n--changeset a:2\nSELECT 2;\n",
    )
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["2"]
    assert codes(result) == ["changeset-ignored"]


# -- rollbacks ------------------------------------------------------------------------------------


def test_rollback_forms(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER
        + "--changeset a:1\nCREATE TABLE t (id INT);\n--rollback DROP TABLE t;\n"
        + "--changeset a:2\nSELECT 2;\n--rollback empty\n"
        + "--changeset a:3\nSELECT 3;\n"
        + "--changeset a:4\nCREATE TABLE u (id INT);\n--rollback not required\n--rollback DROP TABLE u;\n"
        + "--changeset a:5\nSELECT 5;\n--rollback changesetId:1 changesetAuthor:a\n"
        + "--changeset a:6\nSELECT 6;\n/* liquibase rollback\nDROP TABLE\nu;\n*/\n",
    )
    result = read(tmp_path)
    one, two, three, four, five, six = result.migrations
    assert [s.text for s in one.down] == ["DROP TABLE t;\n"]
    assert ([s.text for s in two.down], two.notes[-1]) == ([""], "rollback-empty")
    assert three.down == ()
    # `not required` counts only when it is the whole rollback
    assert [s.text for s in four.down] == ["not required\nDROP TABLE u;\n"]
    assert [s.text for s in five.down] == ["CREATE TABLE t (id INT);\n"]  # changeset 1's SQL
    assert [s.text for s in six.down] == ["DROP TABLE\nu;\n"]
    assert codes(result) == ["rollback-lines-joined"]
    assert result.problems[0].line == 20  # `DROP TABLE` runs as `DROP TABLEu;`


def test_rollback_problems(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER + "--changeset a:1\nSELECT 1;\n--rollback changesetId:9 changesetAuthor:a\n",
    )
    write(tmp_path / "b.sql", HEADER + "--changeset a:2\nSELECT 1;\n--rollback changesetId:1\n")
    write(
        tmp_path / "c.sql",
        HEADER + "--changeset a:3\nSELECT 1;\n/* liquibase rollback\nDROP TABLE t;\n",
    )
    result = read(tmp_path)
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("bad-rollback", "a.sql", 4),
        ("bad-rollback", "b.sql", 4),
        ("bad-directive", "c.sql", 4),
    ]


# -- directives and problems ----------------------------------------------------------------------


def test_preconditions_are_noted_and_warned(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER
        + "--changeset a:1\n--preconditions onFail:MARK_RAN\n"
        + "--precondition-sql-check expectedResult:0 SELECT COUNT(*) FROM t\nSELECT 1;\n",
    )
    result = read(tmp_path)
    (m,) = result.migrations
    assert m.notes[1:] == (
        "preconditions onFail:MARK_RAN",
        "precondition-sql-check expectedResult:0 SELECT COUNT(*) FROM t",
    )
    assert m.up[0].text == "SELECT 1;\n"
    assert codes(result) == ["precondition", "precondition"]


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("--changeset a:1\n--precondition-foo-bar x\nSELECT 1;\n", 3),
        ("--changeset a:1\n--precondition-sql-check\nSELECT 1;\n", 3),
        ("--changeset a:1\n-rollback DROP TABLE t;\nSELECT 1;\n", 3),
        ("--changeset a:1\n--comments: x\nSELECT 1;\n", 3),
        ("--comment: before any changeset\n--changeset a:1\nSELECT 1;\n", 2),
        ("--property oops\n--changeset a:1\nSELECT 1;\n", 2),
        ("--ignoreLines:lots\n--changeset a:1\nSELECT 1;\n", 2),
    ],
    ids=[
        "unknown-precondition",
        "empty-precondition",
        "one-dash",
        "comments",
        "outside",
        "property",
        "ignore",
    ],
)
def test_lines_liquibase_refuses_are_errors(tmp_path, body, line):
    write(tmp_path / "c.sql", HEADER + body)
    result = read(tmp_path)
    assert codes(result) == ["bad-directive"]
    assert result.problems[0].line == line


def test_changeset_without_sql_is_an_error(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER + "--changeset a:1\n\n--rollback SELECT 1;\n--changeset a:2\nSELECT 2;\n",
    )
    write(tmp_path / "b.sql", HEADER + "--changeset a:3\n-- only a comment\n")
    result = read(tmp_path)
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("changeset-no-sql", "a.sql", 2),
        ("empty-migration", "b.sql", None),
    ]


def test_sql_before_the_first_changeset_is_warned(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER + "-- a note\nCREATE TABLE lost (id INT);\n--changeset a:1\nSELECT 1;\n",
    )
    result = read(tmp_path)
    assert [(p.code, p.line) for p in result.problems] == [("sql-outside-changeset", 3)]


def test_ignore_lines(tmp_path):
    write(
        tmp_path / "c.sql",
        HEADER
        + "--changeset a:1\nSELECT 1;\n--ignoreLines:start\nSELECT 'no';\n--changeset x:y\n"
        + "--ignoreLines:end\n--ignoreLines:1\nSELECT 'skipped';\nSELECT 2;\n",
    )
    result = read(tmp_path)
    (m,) = result.migrations
    assert m.up[0].text == "SELECT 1;\nSELECT 2;\n"
    assert result.problems == []


MASTER = '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n{}\n</databaseChangeLog>\n'


def test_nested_xml_changelogs_and_include_all(tmp_path):
    write(tmp_path / "master.xml", MASTER.format('<include file="db/release-1.xml"/>'))
    write(
        tmp_path / "db/release-1.xml",
        MASTER.format('<includeAll path="sql" relativeToChangelogFile="true"/>'),
    )
    write(tmp_path / "db/sql/2.sql", HEADER + "--changeset x:2\nSELECT 2;\n")
    write(tmp_path / "db/sql/1.sql", HEADER + "--changeset x:1\nSELECT 1;\n")
    write(tmp_path / "db/sql/more/0.sql", HEADER + "--changeset x:3\nSELECT 3;\n")
    result = read(tmp_path)
    assert [m.name for m in result.migrations] == [
        "db/sql/1.sql",
        "db/sql/2.sql",
        "db/sql/more/0.sql",
    ]
    assert result.problems == []


def test_master_changelog_problems(tmp_path):
    write(tmp_path / "a" / "one.xml", MASTER.format(""))
    write(tmp_path / "a" / "two.xml", MASTER.format(""))
    write(tmp_path / "a" / "c.sql", HEADER + "--changeset x:1\nSELECT 1;\n")
    write(tmp_path / "b" / "master.xml", MASTER.format('<include file="loop.xml"/>'))
    write(tmp_path / "b" / "loop.xml", MASTER.format('<include file="loop.xml"/>'))
    write(tmp_path / "c" / "master.xml", "<databaseChangeLog>\n<include file='x.sql'>\n")
    write(tmp_path / "c" / "x.sql", HEADER + "--changeset x:1\nSELECT 1;\n")
    ambiguous = read(tmp_path / "a")
    assert [m.name for m in ambiguous.migrations] == ["c.sql"]
    assert codes(ambiguous) == ["master-changelog"]
    assert codes(read(tmp_path / "b")) == ["include-cycle"]
    # a broken XML file is no changelog: the directory is read as includeAll would
    assert [m.name for m in read(tmp_path / "c").migrations] == ["x.sql"]


def test_conditional_and_local_properties(tmp_path):
    write(
        tmp_path / "a.sql",
        HEADER
        + "--property name:t value:first global:false\n--property name:t value:second\n"
        + "--property name:c value:x context:dev\n--property name:d value:pg dbms:postgresql\n"
        + "--changeset x:1\nSELECT ${t}, ${c}, ${d};\n",
    )
    write(tmp_path / "b.sql", HEADER + "--changeset x:2\nSELECT ${t};\n")
    result = read(tmp_path, "postgresql")
    one, two = result.migrations
    assert one.up[0].text == "SELECT first, ${c}, pg;\n"
    assert two.up[0].text == "SELECT second;\n"  # the global one; `first` was local to a.sql
    assert [(p.code, p.line) for p in result.problems] == [
        ("conditional-property", 4),
        ("unresolved-property", 7),
    ]
