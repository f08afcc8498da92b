"""The goose reader: samples, detection, goose's annotation rules and every problem it reports."""

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

from converter.formats.goose import (
    FORMAT,
    GooseSyntaxError,
    annotation_of,
    ends_statement,
    parse_goose_sql,
)
from converter.legacy import scan

FILES = [
    "00001_create_plans.sql",
    "00002_create_customers.sql",
    "00003_create_subscriptions.sql",
    "00004_create_invoices.sql",
    "00005_seed_plans_and_customers.sql",
    "00006_normalise_customer_emails.sql",
    "00007_add_customer_phone.sql",
    "00008_invoices_default_note.sql",
    "00009_index_invoices_issued_on.sql",
]
DOWN_COMMENT = "-- Down payments are recorded as ordinary invoices.\n"


def read_one(tmp_path: Path, text: str | bytes, name: str = "1_t.sql"):
    write(tmp_path / name, text)
    return scan(tmp_path, "goose")


class TestContract(FormatContract):
    format = "goose"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    result = scan(SAMPLES / "goose" / dialect, "goose")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == [str(i) for i in range(1, 10)]
    assert [m.name for m in ms] == FILES
    assert [m.sort_key for m in ms] == [(i,) for i in range(1, 10)]
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
        "invoices default note",
        "index invoices issued on",
    ]
    assert all(m.date is None for m in ms)  # small sequential numbers are no timestamps
    assert all(m.format == "goose" and not m.batch and m.kind.value == "versioned" for m in ms)
    assert [m.has_down for m in ms] == [True] * 5 + [False] + [True] * 3
    assert [m.transactional for m in ms] == [True] * 8 + [False]
    assert all(m.notes == () and m.dialect is None for m in ms)
    for m, (_, _, _, up, down) in zip(ms, ISP.steps(dialect), strict=False):
        (up_script,) = m.up
        lead = DOWN_COMMENT if m.version == "4" else ""  # mentions Down: not an annotation
        assert up_script.text == lead + up + "\n"
        assert (up_script.line, up_script.split, up_script.language) == (2, True, "sql")
        if down is None:
            assert m.down == ()
        else:
            (down_script,) = m.down
            assert down_script.text == down
            assert down_script.line == 2 + (lead + up).count("\n") + 2
            assert down_script.split


def test_postgresql_trigger_block_is_one_unsplit_script_in_file_order():
    m = scan(SAMPLES / "goose" / "postgresql", "goose").migrations[7]
    block, run = m.up
    assert (block.line, block.split) == (3, False)
    assert block.text == (
        "CREATE FUNCTION invoices_default_note() RETURNS trigger AS $$\n"
        "BEGIN\n"
        "    IF NEW.note IS NULL THEN\n"
        "        NEW.note := '';\n"
        "    END IF;\n"
        "    RETURN NEW;\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;\n"
    )
    assert (run.line, run.split) == (12, True)
    assert run.text == (
        "CREATE TRIGGER trg_invoices_default_note BEFORE INSERT OR UPDATE ON invoices\n"
        "    FOR EACH ROW EXECUTE FUNCTION invoices_default_note();\n"
        "\n"
    )
    (down,) = m.down
    assert (
        down.text
        == "DROP TRIGGER trg_invoices_default_note ON invoices;\nDROP FUNCTION invoices_default_note();\n"
    )
    assert down.line == 16


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_trigger_with_begin_end_body_is_one_unsplit_script(dialect):
    m = scan(SAMPLES / "goose" / dialect, "goose").migrations[7]
    (block,) = m.up
    assert (block.line, block.split) == (3, False)
    assert (
        block.text
        == {
            "mysql": (
                "CREATE TRIGGER trg_invoices_default_note BEFORE INSERT ON invoices\n"
                "FOR EACH ROW\n"
                "BEGIN\n"
                "    IF NEW.note IS NULL THEN\n"
                "        SET NEW.note = '';\n"
                "    END IF;\n"
                "END;\n"
            ),
            "sqlite": (
                "CREATE TRIGGER trg_invoices_default_note AFTER INSERT ON invoices\n"
                "FOR EACH ROW WHEN NEW.note IS NULL\n"
                "BEGIN\n"
                "    UPDATE invoices SET note = '' WHERE id = NEW.id;\n"
                "END;\n"
            ),
        }[dialect]
    )
    (down,) = m.down
    assert down.text == "DROP TRIGGER trg_invoices_default_note;\n"


def test_postgresql_concurrent_index_runs_without_transaction():
    m = scan(SAMPLES / "goose" / "postgresql", "goose").migrations[8]
    assert m.transactional is False
    assert (
        m.up[0].text
        == "CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);\n\n"
    )
    assert m.up[0].line == 3


def test_detect_needs_a_goose_annotation_or_a_goose_go_file(tmp_path):
    write(tmp_path / "1_users.sql", "CREATE TABLE users (id INT);\n")
    write(tmp_path / "2_x.sql", "-- migrate:up\nSELECT 1;\n")
    write(tmp_path / "notes.sql", "-- +goose Up\n")  # no version: not a goose migration name
    assert FORMAT.detect(tmp_path) == 0
    write(tmp_path / "3_y.go", 'package m\nimport "github.com/pressly/goose/v3"\n')
    go_file = FORMAT.detect(tmp_path)
    assert go_file > 0
    write(tmp_path / "4_z.sql", b"\xef\xbb\xbf-- +goose Up\r\nSELECT 1;\r\n")
    assert FORMAT.detect(tmp_path) > go_file
    assert_ranks_first(tmp_path, "goose")  # above dbmate, whose marker 2_x.sql holds


# -- order, versions and names ----------------------------------------------------------------


def test_versions_are_int64_in_numeric_order(tmp_path):
    for name in ("2_b.sql", "10_c.sql", "001_a.sql"):
        write(tmp_path / name, "-- +goose Up\nSELECT 1;\n")
    result = scan(tmp_path, "goose")
    assert [m.version for m in result.migrations] == ["1", "2", "10"]
    assert [m.name for m in result.migrations] == ["001_a.sql", "2_b.sql", "10_c.sql"]
    assert [m.description for m in result.migrations] == ["a", "b", "c"]


def test_timestamp_versions_give_dates(tmp_path):
    write(tmp_path / "20240301120000_add_users.sql", "-- +goose Up\nSELECT 1;\n")
    (m,) = scan(tmp_path, "goose").migrations
    assert m.version == "20240301120000"
    assert m.date == datetime(2024, 3, 1, 12, 0, 0)
    assert m.description == "add users"


def test_same_number_twice_is_a_duplicate(tmp_path):
    write(tmp_path / "1_a.sql", "-- +goose Up\nSELECT 1;\n")
    write(tmp_path / "001_b.sql", "-- +goose Up\nSELECT 2;\n")
    result = scan(tmp_path, "goose")
    assert codes(result) == ["duplicate-version"]


@pytest.mark.parametrize(
    "name", ["schema.sql", "0_init.sql", "abc_init.sql", "-3_x.sql", "99999999999999999999_x.sql"]
)
def test_sql_file_without_a_usable_version_is_an_error(tmp_path, name):
    write(tmp_path / "1_ok.sql", "-- +goose Up\nSELECT 1;\n")
    write(tmp_path / name, "-- +goose Up\nSELECT 2;\n")
    result = scan(tmp_path, "goose")
    assert codes(result) == ["bad-name"]
    assert result.problems[0].path == tmp_path / name
    assert [m.version for m in result.migrations] == ["1"]


def test_go_migration_that_cannot_be_read_keeps_its_place_as_a_placeholder(tmp_path):
    write(tmp_path / "1_init.sql", "-- +goose Up\nSELECT 1;\n")
    write(tmp_path / "2_backfill.go", "package migrations\n")
    write(tmp_path / "main.go", "package main\n")  # no version: goose skips it
    write(tmp_path / "3_backfill_test.go", "package migrations\n")  # tests are skipped
    write(tmp_path / "README.md", "docs\n")
    result = scan(tmp_path, "goose")
    assert codes(result) == ["code-migration"] and not result.errors
    problem = result.problems[0]
    assert problem.path == tmp_path / "2_backfill.go"
    assert "2_backfill.go" in problem.message and "registers no migration" in problem.message
    assert [m.version for m in result.migrations] == ["1", "2"]
    go = result.migrations[1]
    assert go.script == "go" and go.code == "go" and "registers no migration" in go.placeholder


def test_subdirectories_and_other_extensions_are_ignored(tmp_path):
    write(tmp_path / "1_a.sql", "-- +goose Up\nSELECT 1;\n")
    write(tmp_path / "old" / "2_b.sql", "-- +goose Up\nSELECT 2;\n")
    write(tmp_path / "3_c.SQL", "-- +goose Up\nSELECT 3;\n")
    result = scan(tmp_path, "goose")
    assert result.problems == []
    assert [m.version for m in result.migrations] == ["1"]


# -- annotations ------------------------------------------------------------------------------


def test_a_comment_that_mentions_down_is_not_an_annotation(tmp_path):
    text = (
        "-- +goose Up\n"
        "CREATE TABLE t (x INT);\n"
        "-- Down with the old ways: keep this row.\n"
        "INSERT INTO t VALUES (1);\n"
        "-- +goose Down\n"
        "DROP TABLE t;\n"
    )
    (m,) = read_one(tmp_path, text).migrations
    (up,) = m.up
    assert (
        up.text
        == "CREATE TABLE t (x INT);\n-- Down with the old ways: keep this row.\nINSERT INTO t VALUES (1);\n"
    )
    (down,) = m.down
    assert (down.text, down.line) == ("DROP TABLE t;\n", 6)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("-- +goose Up", "Up"),
        ("-- +goose up", "Up"),
        ("--+goose DOWN", "Down"),
        ("-- +goose statementbegin", "StatementBegin"),
        ("--   +goose   StatementEnd  ", "StatementEnd"),
        ("-- +goose no transaction", "NO TRANSACTION"),
        ("-- +goose envsub on", "ENVSUB ON"),
        ("-- +goose ENVSUB OFF", "ENVSUB OFF"),
        ("-- Down with it", None),
        ("-- +GOOSE Up", None),  # goose looks for `+goose` as written
        ("SELECT 1; -- +goose Up", None),  # not a comment line
    ],
)
def test_annotations_are_case_insensitive_like_goose(line, expected):
    assert annotation_of(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "-- +goose Upp",
        "-- +goose",
        "  -- +goose Up",
        "\t-- +goose Down",
        "-- +goose Up -- start",
        "-- +goose +goose Up",
        "-- see +goose docs",
    ],
)
def test_lines_goose_refuses_are_errors(tmp_path, line):
    result = read_one(tmp_path, f"-- +goose Up\nSELECT 1;\n{line}\nSELECT 2;\n")
    assert codes(result) == ["goose-syntax"]
    assert result.problems[0].line == 3
    assert result.migrations == []


def test_no_transaction_anywhere_applies_to_the_whole_file(tmp_path):
    text = "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- +goose Down\n-- +goose no transaction\nDROP INDEX i;\n"
    (m,) = read_one(tmp_path, text).migrations
    assert m.transactional is False
    assert [s.text for s in m.down] == ["DROP INDEX i;\n"]


def test_envsub_is_noted_and_warned(tmp_path):
    text = "-- +goose ENVSUB ON\n-- +goose Up\nCREATE ROLE ${APP_ROLE};\n-- +goose ENVSUB OFF\n-- +goose Down\nDROP ROLE ${APP_ROLE};\n"
    result = read_one(tmp_path, text)
    (m,) = result.migrations
    assert m.notes == ("envsub",)
    assert codes(result) == ["envsub"]
    assert result.problems[0].line == 1
    assert result.problems[0].severity.value == "warning"
    assert m.up[0].text == "CREATE ROLE ${APP_ROLE};\n"  # never substituted


def test_blocks_and_runs_keep_file_order(tmp_path):
    text = (
        "-- +goose Up\n"  # 1
        "CREATE TABLE t (x INT);\n"  # 2
        "-- +goose StatementBegin\n"  # 3
        "CREATE FUNCTION f() RETURNS int AS $$\n"  # 4
        "BEGIN RETURN 1; END;\n"  # 5
        "$$ LANGUAGE plpgsql;\n"  # 6
        "-- +goose StatementEnd\n"  # 7
        "INSERT INTO t VALUES (1);\n"  # 8
        "INSERT INTO t VALUES (2);\n"  # 9
        "-- +goose StatementBegin\n"  # 10
        "SELECT f();\n"  # 11
        "-- +goose StatementEnd\n"  # 12
        "-- +goose Down\n"  # 13
        "-- +goose StatementBegin\n"  # 14
        "DROP FUNCTION f();\n"  # 15
        "-- +goose StatementEnd\n"  # 16
        "DROP TABLE t;\n"  # 17
    )
    (m,) = read_one(tmp_path, text).migrations
    assert [(s.line, s.split, s.text) for s in m.up] == [
        (2, True, "CREATE TABLE t (x INT);\n"),
        (
            4,
            False,
            "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN RETURN 1; END;\n$$ LANGUAGE plpgsql;\n",
        ),
        (8, True, "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n"),
        (11, False, "SELECT f();\n"),
    ]
    assert [(s.line, s.split, s.text) for s in m.down] == [
        (15, False, "DROP FUNCTION f();\n"),
        (17, True, "DROP TABLE t;\n"),
    ]


def test_comments_before_up_are_allowed(tmp_path):
    (m,) = read_one(tmp_path, "\n-- Adds t.\n\n-- +goose Up\nCREATE TABLE t (x INT);\n").migrations
    assert (m.up[0].line, m.up[0].text) == (5, "CREATE TABLE t (x INT);\n")
    assert m.down == ()


def test_comment_only_down_is_no_down(tmp_path):
    (m,) = read_one(
        tmp_path, "-- +goose Up\nSELECT 1;\n-- +goose Down\n-- nothing to undo\n\n"
    ).migrations
    assert m.down == ()


def test_empty_up_is_kept_and_reported_by_scan(tmp_path):
    result = read_one(tmp_path, "-- +goose Up\n-- placeholder\n-- +goose Down\n")
    (m,) = result.migrations
    assert m.up[0].text == "-- placeholder\n"
    assert m.up[0].line == 2
    assert codes(result) == ["empty-migration"]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("SELECT 1;\n", 1, "before the `-- +goose Up`"),
        ("-- just a comment\n", None, "no `-- +goose Up`"),
        ("SELECT 1;\n-- +goose Up\n", 1, "before the `-- +goose Up`"),
        ("-- +goose Up\nSELECT 1;\n-- +goose Up\n", 3, "duplicate"),
        ("-- +goose Down\n-- +goose Up\n", 1, "before `-- +goose Up`"),
        ("-- +goose Up\n-- +goose Down\n-- +goose Down\n", 3, "twice"),
        (
            "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
            2,
            "no matching `-- +goose StatementEnd`",
        ),
        (
            "-- +goose Up\n-- +goose StatementBegin\n-- +goose Down\n-- +goose StatementEnd\n",
            3,
            "inside",
        ),
        ("-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementBegin\n", 3, "cannot nest"),
        (
            "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n",
            3,
            "without a `-- +goose StatementBegin`",
        ),
        ("-- +goose StatementBegin\n", 1, "must follow"),
        (
            "-- +goose Up\nSELECT 1;\nSELECT 2\n-- +goose Down\nSELECT 3;\n",
            3,
            "before `-- +goose Down`",
        ),
        ("-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT\n  2", 4, "before the end of the file"),
        ("-- +goose Up\nSELECT 1 -- no ; here\n", 2, "no terminating `;`"),
    ],
)
def test_files_goose_refuses_are_errors_with_their_line(tmp_path, text, line, words):
    result = read_one(tmp_path, text)
    assert codes(result) == ["goose-syntax"]
    problem = result.problems[0]
    assert (problem.line, problem.path) == (line, tmp_path / "1_t.sql")
    assert words in problem.message
    assert result.migrations == []


def test_empty_block_is_warned_and_the_line_goose_drops_is_dropped(tmp_path):
    ok = "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\n-- +goose Down\nSELECT 1;\n"
    result = read_one(tmp_path, ok)
    assert codes(result) == ["empty-block", "empty-migration"]
    assert result.problems[0].line == 2
    # goose leaves the first line after an empty block out (the StatementEnd passed as a
    # comment, and goose never buffers a line read in the StatementEnd state): so does convert
    dropped = (
        "-- +goose Up\n-- +goose StatementBegin\n-- +goose StatementEnd\n\n"
        "CREATE INDEX i ON t (x);\nCREATE TABLE u (x INT);\n"
    )
    result = read_one(tmp_path, dropped)
    assert sorted((p.code, p.line) for p in result.problems) == [
        ("empty-block", 2),
        ("goose-unfinished", 5),
    ]
    (m,) = result.migrations
    assert [(s.line, s.text) for s in m.up] == [(6, "CREATE TABLE u (x INT);\n")]


def test_semicolon_in_the_middle_of_a_line_does_not_end_a_statement():
    parsed = parse_goose_sql("-- +goose Up\nSELECT 1; SELECT\n2;\n")
    assert [(p.start, p.end, p.block) for p in parsed.up] == [(1, 4, False)]  # one run, to EOF
    with pytest.raises(GooseSyntaxError) as caught:
        parse_goose_sql("-- +goose Up\nSELECT 1; SELECT\n2\n-- +goose Down\n")
    assert caught.value.line == 2  # the statement goose still holds started there


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("SELECT 1;", True),
        ("SELECT 1;   -- done", True),
        ("SELECT 1 --;", False),
        ("END;", True),
        ("  ", False),
        ("VALUES (';'", False),
        ("'a;'", False),
        ("x ;", True),
    ],
)
def test_statement_end_rule_is_gooses(line, ends):
    assert ends_statement(line) is ends


# -- real-world file quirks -------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    data = b"\xef\xbb\xbf-- +goose Up\r\nCREATE TABLE t (x INT);\r\n\r\n-- +goose Down\r\nDROP TABLE t;"
    result = read_one(tmp_path, data)
    assert result.problems == []
    (m,) = result.migrations
    assert (m.up[0].text, m.up[0].line) == ("CREATE TABLE t (x INT);\n\n", 2)
    assert (m.down[0].text, m.down[0].line) == ("DROP TABLE t;", 5)


def test_statement_before_down_without_newline_at_eof(tmp_path):
    (m,) = read_one(tmp_path, "-- +goose Up\nSELECT 1;").migrations
    assert m.up[0].text == "SELECT 1;"


def test_latin1_file_needs_an_encoding(tmp_path):
    from converter.errors import InputError
    from converter.formats.base import ReadOptions

    write(tmp_path / "1_t.sql", "-- +goose Up\nINSERT INTO t VALUES ('café');\n".encode("latin-1"))
    with pytest.raises(InputError):
        scan(tmp_path, "goose")
    (m,) = scan(tmp_path, "goose", ReadOptions(encoding="latin-1")).migrations
    assert "café" in m.up[0].text
