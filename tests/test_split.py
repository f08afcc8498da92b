"""converter.split: statement ends per dialect, exact texts and places, kinds, flags, errors."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from converter.errors import InputError, UsageError
from converter.model import Script
from converter.split import (
    Directive,
    StatementKind,
    split_report,
    split_script,
    tokenizer_class,
)
from converter.textio import decode

PATH = Path("legacy/V1__init.sql")


def script(text: str, **kw) -> Script:
    return Script("sql", text, PATH, "V1__init.sql", **kw)


def split(text: str, dialect: str, **kw):
    return split_script(script(text, **kw), dialect)


def texts(text: str, dialect: str, **kw) -> list[str]:
    return [s.text for s in split(text, dialect, **kw)]


def places(text: str, dialect: str, **kw) -> list[tuple[int, int]]:
    return [(s.line, s.column) for s in split(text, dialect, **kw)]


def input_error(text: str, dialect: str, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        split(text, dialect, **kw)
    return info.value


# --- common behaviour ---------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_texts_lines_columns_and_comments(dialect):
    text = (
        "-- create the table\n"
        "-- (two lines)\n"
        "CREATE TABLE t (\n"
        "  id int, -- the key\n"
        "  name varchar(10)\n"
        ");  -- after\n"
        "\n"
        "   INSERT INTO t VALUES (1, 'a;b') ;SELECT 1\n"
    )
    stmts = split(text, dialect)
    assert [s.text for s in stmts] == [
        "CREATE TABLE t (\n  id int, -- the key\n  name varchar(10)\n)",
        "INSERT INTO t VALUES (1, 'a;b')",
        "SELECT 1",
    ]
    assert [(s.line, s.column) for s in stmts] == [(3, 1), (8, 4), (8, 37)]
    assert [s.comment for s in stmts] == ["-- create the table\n-- (two lines)", "", ""]
    assert [s.trailing_comment for s in stmts] == ["-- after", "", ""]
    assert all(s.path == PATH and s.name == "V1__init.sql" for s in stmts)
    assert all(s.kind is StatementKind.SQL and not s.no_transaction for s in stmts)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_script_line_offsets_file_lines(dialect):
    stmts = split("\n  SELECT 1;\nSELECT 2;", dialect, line=40)
    assert [(s.line, s.column) for s in stmts] == [(41, 3), (42, 1)]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_empty_statements_and_comment_only_scripts(dialect):
    assert texts(";;\nSELECT 1;;\n ; ;SELECT 2;;", dialect) == ["SELECT 1", "SELECT 2"]
    assert split("-- nothing\n/* here */\n;\n", dialect) == []
    assert split("", dialect) == []
    assert split("  \n\n", dialect) == []


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_comments_before_and_after_delimiters(dialect):
    stmts = split("SELECT 1 /* a */ ; /* b */ -- c\n-- d\nSELECT 2 -- e\n-- f\n", dialect)
    assert [s.text for s in stmts] == ["SELECT 1", "SELECT 2"]
    assert stmts[0].trailing_comment == "/* a */\n/* b */\n-- c"
    assert stmts[1].comment == "-- d"
    assert stmts[1].trailing_comment == "-- e\n-- f"


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_bind_like_and_percent_text_is_kept(dialect):
    text = "SELECT ':name', '%s', '100%', '%(x)s', x % 2 FROM t WHERE a = ':b';\nSELECT 2"
    assert texts(text, dialect) == [
        "SELECT ':name', '%s', '100%', '%(x)s', x % 2 FROM t WHERE a = ':b'",
        "SELECT 2",
    ]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_unicode_columns_count_characters(dialect):
    stmts = split("SELECT 'żółw;ü'; SELECT 'ñ';\n  SELECT '日本;語'", dialect)
    assert [s.text for s in stmts] == ["SELECT 'żółw;ü'", "SELECT 'ñ'", "SELECT '日本;語'"]
    assert [(s.line, s.column) for s in stmts] == [(1, 1), (1, 18), (2, 3)]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_crlf_input_normalised_by_the_reader(dialect):
    text = decode(b"\xef\xbb\xbfSELECT 1;\r\n-- c\r\nSELECT\r\n  2;\r\n", PATH)
    stmts = split(text, dialect)
    assert [s.text for s in stmts] == ["SELECT 1", "SELECT\n  2"]
    assert [(s.line, s.column) for s in stmts] == [(1, 1), (3, 1)]
    assert stmts[1].comment == "-- c"


def test_unknown_dialect_and_python_scripts_are_refused():
    with pytest.raises(UsageError) as info:
        split("SELECT 1", "postgres")
    assert info.value.hint == "did you mean 'postgresql'?"
    with pytest.raises(ValueError):
        split_script(Script("python", "x = 1", PATH, "V1.py"), "sqlite")


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_unterminated_string_and_comment_name_where_they_start(dialect):
    err = input_error("SELECT 1;\nSELECT 'abc;\nSELECT 2;\n", dialect, line=5)
    assert (err.path, err.line, err.column) == (str(PATH), 6, 8)
    assert err.message == "string literal starting here is never closed"
    err = input_error("SELECT 1;\n  /* open\nSELECT 2;\n", dialect)
    assert (err.line, err.column) == (2, 3)
    assert err.message == "block comment /* starting here is never closed"
    assert str(err).startswith("legacy/V1__init.sql:2:3: block comment")


def test_tokenizes_each_script_once(monkeypatch):
    calls = []
    cls = tokenizer_class("mysql")
    original = cls.tokenize

    def counting(self, sql):
        calls.append(len(sql))
        return original(self, sql)

    monkeypatch.setattr(cls, "tokenize", counting)
    text = "CREATE PROCEDURE p() BEGIN SELECT 1; END;\nSELECT 2; /*!40101 SET NAMES utf8 */;\n"
    assert len(split(text, "mysql")) == 3
    assert calls == [len(text)]


# --- PostgreSQL ---------------------------------------------------------------------------


def test_pg_dollar_quotes_keep_semicolons():
    text = (
        "CREATE FUNCTION f() RETURNS trigger AS $$\n"
        "BEGIN\n  NEW.a := 'x;y'; RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
        "CREATE FUNCTION g() RETURNS text AS $body$ SELECT $$;$$ || ';' $body$ LANGUAGE sql;\n"
        "DO $do$ BEGIN PERFORM 1; END $do$;\n"
        "SELECT $1, $$a$$"
    )
    assert texts(text, "postgresql") == [
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  NEW.a := 'x;y'; RETURN NEW;\nEND;\n"
        "$$ LANGUAGE plpgsql",
        "CREATE FUNCTION g() RETURNS text AS $body$ SELECT $$;$$ || ';' $body$ LANGUAGE sql",
        "DO $do$ BEGIN PERFORM 1; END $do$",
        "SELECT $1, $$a$$",
    ]


def test_pg_strings_comments_and_identifiers():
    text = (
        "SELECT E'it\\'s; ok', e'\\\\';\n"
        "SELECT 'C:\\', 'don''t;';\n"
        "-- don't ; be fooled\n"
        "/* it's /* nested ; */ still ; comment */\n"
        'SELECT "odd;""name" FROM "t;";\n'
        "SELECT U&'d\\0061t;'"
    )
    stmts = split(text, "postgresql")
    assert [s.text for s in stmts] == [
        "SELECT E'it\\'s; ok', e'\\\\'",
        "SELECT 'C:\\', 'don''t;'",
        'SELECT "odd;""name" FROM "t;"',
        "SELECT U&'d\\0061t;'",
    ]
    assert [s.line for s in stmts] == [1, 2, 5, 6]
    assert stmts[2].comment == "-- don't ; be fooled\n/* it's /* nested ; */ still ; comment */"


def test_pg_begin_atomic_bodies_and_rules_stay_whole():
    text = (
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\nEND;\n"
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); NOTIFY t);\n"
        "SELECT 1"
    )
    assert texts(text, "postgresql") == [
        "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n  SELECT 1;\n  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\nEND",
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); NOTIFY t)",
        "SELECT 1",
    ]


def test_pg_begin_atomic_without_end_is_an_error():
    err = input_error(
        "SELECT 1;\nCREATE FUNCTION f() RETURNS int\n  BEGIN ATOMIC SELECT 1;\n", "postgresql"
    )
    assert (err.line, err.column) == (3, 3)
    assert err.message == "BEGIN without a matching END: the statement never ends"


@pytest.mark.parametrize(
    ("line", "column", "command", "hint_part"),
    [
        ("\\connect other", 1, "\\connect", "against that database"),
        ("\\c other", 1, "\\c", "against that database"),
        ("\\i other.sql", 1, "\\i", "included file"),
        ("  \\copy t FROM 'it''s.csv'", 3, "\\copy", "remove the line"),
        ("\\set x 5", 1, "\\set", ":variable"),
    ],
)
def test_pg_psql_meta_commands_are_errors(line, column, command, hint_part):
    err = input_error(f"SELECT 1;\n\nSELECT 2;\n{line}\nSELECT 3;\n", "postgresql")
    assert (err.path, err.line, err.column) == (str(PATH), 4, column)
    assert err.message == f"psql meta-command {command} is not SQL: no driver can run it"
    assert hint_part in err.hint


def test_pg_meta_command_at_token_level_mid_line():
    err = input_error("SELECT 1;\nSELECT a FROM t \\gset\n", "postgresql")
    assert (err.line, err.column) == (2, 17)
    assert err.message == "psql meta-command \\gset is not SQL: no driver can run it"


def test_pg_on_error_stop_is_dropped_and_counted():
    result = split_report(
        script("\\set ON_ERROR_STOP on\nSELECT 1;\n  \\set ON_ERROR_STOP 1\nSELECT 2;\n"),
        "postgresql",
    )
    assert [(s.text, s.line) for s in result.statements] == [("SELECT 1", 2), ("SELECT 2", 4)]
    assert result.dropped == [
        Directive("psql", "\\set ON_ERROR_STOP on", 1),
        Directive("psql", "\\set ON_ERROR_STOP 1", 3),
    ]


def test_pg_output_only_meta_commands_are_dropped_as_psql_runs_them():
    """`\\echo`, `\\qecho`, `\\warn`, `\\timing`, `\\pset` change only what psql prints: a
    history run by psql (Sqitch on PostgreSQL, plain files) ran the file with them."""
    result = split_report(
        script("\\echo creating t\nCREATE TABLE t (id int);\n\\timing on\nSELECT 1;\n"),
        "postgresql",
    )
    assert [(s.text, s.line) for s in result.statements] == [
        ("CREATE TABLE t (id int)", 2),
        ("SELECT 1", 4),
    ]
    assert result.dropped == [
        Directive("psql", "\\echo creating t", 1),
        Directive("psql", "\\timing on", 3),
    ]
    # a command that changes what runs is still refused
    assert input_error("\\echoes\nSELECT 1;\n", "postgresql").message.startswith(
        "psql meta-command \\echoes"
    )


def test_pg_backslash_lines_inside_literals_and_comments_are_sql():
    text = (
        "CREATE FUNCTION f() RETURNS text AS $$\n\\connect not_a_command\n$$ LANGUAGE sql;\n"
        "SELECT 'a\n\\echo still a string';\n"
        "/*\n\\i nothing.sql\n*/\n"
        "SELECT 2;"
    )
    result = split_report(script(text), "postgresql")
    assert [s.text for s in result.statements] == [
        "CREATE FUNCTION f() RETURNS text AS $$\n\\connect not_a_command\n$$ LANGUAGE sql",
        "SELECT 'a\n\\echo still a string'",
        "SELECT 2",
    ]
    assert result.statements[2].comment == "/*\n\\i nothing.sql\n*/"
    assert result.dropped == []


@pytest.mark.parametrize(
    "data",
    # tokenizable; tokenizable with a backslash; not tokenizable (an apostrophe)
    ["1\t2\n3\t4\n", "1\t\\N\n2\tx\n", "1\tit's\n2\t\\N\n"],
)
def test_pg_copy_from_stdin_is_an_error(data):
    err = input_error(
        f"CREATE TABLE t (a int, b text);\n  COPY t (a, b) FROM stdin;\n{data}\\.\n", "postgresql"
    )
    assert (err.line, err.column) == (2, 3)
    assert err.message == (
        "COPY FROM stdin data cannot run through a driver; convert to INSERT or COPY from a file"
    )


def test_pg_copy_from_stdin_without_terminator_and_copy_from_file():
    err = input_error("SELECT 1;\ncopy t from STDIN;\n", "postgresql")
    assert err.line == 2
    assert texts("COPY t FROM '/data/t.csv' WITH (FORMAT csv);", "postgresql") == [
        "COPY t FROM '/data/t.csv' WITH (FORMAT csv)"
    ]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        (
            "SELECT 1;\nSELECT $fn$ abc;\n",
            2,
            8,
            "dollar-quoted string $fn$ starting here is never closed",
        ),
        (
            "SELECT 1;\nSELECT $$ abc;\n",
            2,
            8,
            "dollar-quoted string $$ starting here is never closed",
        ),
        ("SELECT 1 /* a /* b */ c;\n", 1, 10, "block comment /* starting here is never closed"),
        ('SELECT "abc;\n', 1, 8, 'quoted identifier " starting here is never closed'),
        ("SELECT E'abc\\';\n", 1, 8, "string literal starting here is never closed"),
    ],
)
def test_pg_unterminated_constructs(text, line, column, message):
    err = input_error(text, "postgresql")
    assert (err.line, err.column, err.message) == (line, column, message)


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN",
        "begin transaction",
        "BEGIN WORK",
        "BEGIN ISOLATION LEVEL SERIALIZABLE",
        "START TRANSACTION",
        "START TRANSACTION READ WRITE",
        "COMMIT",
        "COMMIT WORK",
        "COMMIT AND CHAIN",
        "END",
        "END TRANSACTION",
        "ROLLBACK",
        "ROLLBACK WORK",
        "ABORT",
    ],
)
def test_pg_transaction_statements(text):
    (stmt,) = split(text + ";", "postgresql")
    assert stmt.kind is StatementKind.TRANSACTION
    assert stmt.text == text


@pytest.mark.parametrize(
    "text",
    [
        "ROLLBACK TO SAVEPOINT s",
        "ROLLBACK TO s",
        "ROLLBACK WORK TO SAVEPOINT s",
        "COMMIT PREPARED 'x'",
        "SAVEPOINT s",
        "RELEASE SAVEPOINT s",
        "SELECT 'BEGIN'",
        "-- BEGIN\nSELECT 1",
    ],
)
def test_pg_not_transaction_statements(text):
    (stmt,) = split(text + ";", "postgresql")
    assert stmt.kind is StatementKind.SQL


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", True),
        ("create unique index concurrently if not exists i on t (a)", True),
        ("DROP INDEX CONCURRENTLY i", True),
        ("REINDEX INDEX CONCURRENTLY i", True),
        ("REINDEX (VERBOSE) TABLE CONCURRENTLY t", True),
        ("REINDEX DATABASE db", True),
        ("VACUUM", True),
        ("VACUUM (ANALYZE) t", True),
        ("CREATE DATABASE db", True),
        ("DROP DATABASE IF EXISTS db", True),
        ("ALTER SYSTEM SET work_mem = '64MB'", True),
        ("CREATE TABLESPACE ts LOCATION '/data'", True),
        ("DROP TABLESPACE ts", True),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY v", True),
        ("CREATE INDEX i ON t (a)", False),
        ("REINDEX TABLE t", False),
        ("REFRESH MATERIALIZED VIEW v", False),
        ("SELECT 'CREATE INDEX CONCURRENTLY'", False),
        ("/* CREATE INDEX CONCURRENTLY */ SELECT 1", False),
        ('CREATE INDEX "concurrently" ON t (a)', False),
        ("COMMENT ON INDEX i IS 'VACUUM'", False),
    ],
)
def test_pg_no_transaction_flags(text, flag):
    (stmt,) = split(text + ";", "postgresql")
    assert stmt.no_transaction is flag


def test_pg_no_transaction_statement_in_a_string_literal_is_not_flagged():
    stmts = split("INSERT INTO log VALUES ('CREATE INDEX CONCURRENTLY i ON t (a);');", "postgresql")
    assert [(s.text, s.no_transaction) for s in stmts] == [
        ("INSERT INTO log VALUES ('CREATE INDEX CONCURRENTLY i ON t (a);')", False)
    ]


# --- MySQL --------------------------------------------------------------------------------

MYSQL_PROCEDURE = """\
CREATE DEFINER=`root`@`localhost` PROCEDURE grow(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  IF n > 0 THEN
    SELECT IF(n > 10, 'big;', 'small');
    IF (n > 100) THEN
      SET i = CASE WHEN n THEN IF(n > 1, 1, 2) ELSE 0 END;
    ELSEIF n < 0 THEN
      SET i = 2;
    ELSE
      BEGIN
        SET i = 3;
      END;
    END IF;
  END IF;
  CASE i WHEN 1 THEN SELECT 1; ELSE SELECT CASE WHEN i THEN 2 END; END CASE;
  lbl: LOOP
    SET i = i + 1;
    IF i > 5 THEN LEAVE lbl; END IF;
  END LOOP lbl;
  WHILE i > 0 DO SET i = i - 1; END WHILE;
  REPEAT SET i = i + 1; SELECT REPEAT('x', 2); UNTIL i > 3 END REPEAT;
END"""


def test_mysql_procedure_without_delimiter():
    stmts = split(f"DROP PROCEDURE IF EXISTS grow;\n{MYSQL_PROCEDURE};\nCALL grow(3);", "mysql")
    assert [s.text for s in stmts] == [
        "DROP PROCEDURE IF EXISTS grow",
        MYSQL_PROCEDURE,
        "CALL grow(3)",
    ]
    assert [s.line for s in stmts] == [1, 2, 25]


def test_mysql_procedure_with_delimiter_blocks():
    text = (
        "DELIMITER $$\n"
        f"{MYSQL_PROCEDURE}$$\n"
        "CREATE FUNCTION f() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1;\nEND $$\n"
        "delimiter //\n"
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 'x//y'; END//\n"
        "SELECT 1 // -- note //\n"
        "DELIMITER ;\n"
        "SELECT 2;\n"
    )
    result = split_report(script(text), "mysql")
    assert [s.text for s in result.statements] == [
        MYSQL_PROCEDURE,
        "CREATE FUNCTION f() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1;\nEND",
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 'x//y'; END",
        "SELECT 1",
        "SELECT 2",
    ]
    assert [s.line for s in result.statements] == [2, 25, 30, 31, 33]
    assert result.statements[3].trailing_comment == "-- note //"
    assert result.dropped == [
        Directive("delimiter", "DELIMITER $$", 1),
        Directive("delimiter", "delimiter //", 29),
        Directive("delimiter", "DELIMITER ;", 32),
    ]


def test_mysql_other_compound_statements():
    text = (
        "CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;\n"
        "CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW IF NEW.a IS NULL THEN SET NEW.a = 0; END IF;\n"
        "CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC RETURN IF(a > 0, 1, 2);\n"
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; INSERT INTO t VALUES (1); END;\n"
        "ALTER EVENT e DO BEGIN SELECT 1; END;\n"
        "BEGIN NOT ATOMIC SELECT 1; SELECT 2; END;\n"
        "DROP TABLE IF EXISTS t"
    )
    assert texts(text, "mysql") == [
        "CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
        "CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW IF NEW.a IS NULL THEN SET NEW.a = 0; END IF",
        "CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC RETURN IF(a > 0, 1, 2)",
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; INSERT INTO t VALUES (1); END",
        "ALTER EVENT e DO BEGIN SELECT 1; END",
        "BEGIN NOT ATOMIC SELECT 1; SELECT 2; END",
        "DROP TABLE IF EXISTS t",
    ]


def test_mysql_begin_without_end_is_an_error():
    err = input_error("SELECT 1;\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n", "mysql")
    assert (err.path, err.line, err.column) == (str(PATH), 3, 1)
    assert "DELIMITER" in err.hint


def test_mysql_delimiter_word_inside_a_statement_is_a_column():
    text = "CREATE TABLE t (\n  id int,\ndelimiter varchar(10)\n);\nSELECT 1;"
    result = split_report(script(text), "mysql")
    assert [s.text for s in result.statements] == [
        "CREATE TABLE t (\n  id int,\ndelimiter varchar(10)\n)",
        "SELECT 1",
    ]
    assert result.dropped == []


def test_mysql_conditional_comments_are_statements():
    text = (
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n"
        "/*!40101 SET NAMES utf8mb4 */;\n"
        "/* a plain comment */;\n"
        "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */;\n"
        "/*M!100000 SET x = 1 */;"
    )
    stmts = split(text, "mysql")
    assert [(s.text, s.line) for s in stmts] == [
        ("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */", 1),
        ("/*!40101 SET NAMES utf8mb4 */", 2),
        ("CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */", 4),
        ("/*M!100000 SET x = 1 */", 5),
    ]
    assert stmts[2].comment == "/* a plain comment */"


def test_mysqldump_trigger_in_conditional_comments():
    text = (
        "DELIMITER ;;\n"
        "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg BEFORE INSERT"
        " ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND */;;\n"
        "DELIMITER ;\n"
        "SELECT '/*!not a comment */';"
    )
    assert texts(text, "mysql") == [
        "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER trg BEFORE INSERT"
        " ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1;\nEND */",
        "SELECT '/*!not a comment */'",
    ]


def test_mysql_strings_and_hash_comments():
    text = (
        "SELECT 'it\\'s; ok', \"dq;\\\"\" ;\n"
        "# don't ; stop here\n"
        "SELECT `odd;``name` FROM t;\n"
        "SELECT 1--2;\n"
        "SELECT 3"
    )
    stmts = split(text, "mysql")
    assert [s.text for s in stmts] == [
        "SELECT 'it\\'s; ok', \"dq;\\\"\"",
        "SELECT `odd;``name` FROM t",
        "SELECT 1--2",
        "SELECT 3",
    ]
    assert stmts[1].comment == "# don't ; stop here"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("BEGIN", StatementKind.TRANSACTION),
        ("BEGIN WORK", StatementKind.TRANSACTION),
        ("START TRANSACTION", StatementKind.TRANSACTION),
        ("START TRANSACTION WITH CONSISTENT SNAPSHOT", StatementKind.TRANSACTION),
        ("COMMIT", StatementKind.TRANSACTION),
        ("COMMIT WORK", StatementKind.TRANSACTION),
        ("ROLLBACK", StatementKind.TRANSACTION),
        ("SET autocommit = 0", StatementKind.TRANSACTION),
        ("SET AUTOCOMMIT=1", StatementKind.TRANSACTION),
        ("SET @@autocommit := 0", StatementKind.TRANSACTION),
        ("SET SESSION autocommit = 1", StatementKind.TRANSACTION),
        ("SET GLOBAL autocommit = 0", StatementKind.SQL),
        ("SET autocommit = 0, foreign_key_checks = 0", StatementKind.SQL),
        ("SET NAMES utf8mb4", StatementKind.SQL),
        ("ROLLBACK TO SAVEPOINT s", StatementKind.SQL),
        ("END", StatementKind.SQL),
    ],
)
def test_mysql_transaction_statements(text, kind):
    (stmt,) = split(text + ";", "mysql")
    assert stmt.kind is kind


@pytest.mark.parametrize(
    "text", ["CREATE DATABASE db", "CREATE INDEX i ON t (a)", "VACUUM", "ALTER SYSTEM SET x = 1"]
)
def test_mysql_has_no_no_transaction_statements(text):
    # DDL commits implicitly on MySQL: running it "in a transaction" never fails there.
    (stmt,) = split(text + ";", "mysql")
    assert not stmt.no_transaction


# --- SQLite -------------------------------------------------------------------------------

SQLITE_SCRIPT = """\
CREATE TABLE a (x INTEGER, y TEXT DEFAULT 'END;');
CREATE TRIGGER a_ins AFTER INSERT ON a
BEGIN
  UPDATE a SET y = CASE WHEN NEW.x > 0 THEN 'pos;' ELSE 'neg' END WHERE rowid = NEW.rowid;
  INSERT INTO a (x) SELECT 1 WHERE 0;
END;
CREATE TEMP TRIGGER IF NOT EXISTS a_upd BEFORE UPDATE OF x ON a FOR EACH ROW WHEN NEW.x < 0
BEGIN
  SELECT RAISE(ABORT, 'negative; no');
END;
CREATE VIEW v AS SELECT [x;y] FROM (SELECT x AS [x;y] FROM a);
INSERT INTO a (x) VALUES (1);
"""


def test_sqlite_trigger_bodies_match_complete_statement_and_run():
    stmts = split(SQLITE_SCRIPT, "sqlite")
    assert [s.line for s in stmts] == [1, 2, 7, 11, 12]
    assert stmts[1].text == (
        "CREATE TRIGGER a_ins AFTER INSERT ON a\nBEGIN\n"
        "  UPDATE a SET y = CASE WHEN NEW.x > 0 THEN 'pos;' ELSE 'neg' END WHERE rowid = NEW.rowid;\n"
        "  INSERT INTO a (x) SELECT 1 WHERE 0;\nEND"
    )
    conn = sqlite3.connect(":memory:")
    for stmt in stmts:
        # sqlite's own oracle: complete with the delimiter, incomplete at any inner `;`
        assert sqlite3.complete_statement(stmt.text + ";")
        for cut in (i for i, c in enumerate(stmt.text) if c == ";"):
            assert not sqlite3.complete_statement(stmt.text[: cut + 1])
        conn.execute(stmt.text)  # one statement per call: sqlite refuses more
    assert conn.execute("SELECT y FROM a").fetchall() == [("pos;",)]


@pytest.mark.parametrize(
    ("text", "kind", "flag"),
    [
        ("BEGIN", StatementKind.TRANSACTION, False),
        ("BEGIN DEFERRED TRANSACTION", StatementKind.TRANSACTION, False),
        ("BEGIN IMMEDIATE", StatementKind.TRANSACTION, False),
        ("COMMIT TRANSACTION", StatementKind.TRANSACTION, False),
        ("END", StatementKind.TRANSACTION, False),
        ("END TRANSACTION", StatementKind.TRANSACTION, False),
        ("ROLLBACK", StatementKind.TRANSACTION, False),
        ("ROLLBACK TRANSACTION TO SAVEPOINT s", StatementKind.SQL, False),
        ("VACUUM", StatementKind.SQL, True),
        ("PRAGMA foreign_keys = OFF", StatementKind.SQL, True),
        ("PRAGMA main.journal_mode = WAL", StatementKind.SQL, True),
        ("PRAGMA user_version = 3", StatementKind.SQL, False),
        ("SELECT 'VACUUM'", StatementKind.SQL, False),
    ],
)
def test_sqlite_kinds_and_flags(text, kind, flag):
    (stmt,) = split(text + ";", "sqlite")
    assert (stmt.kind, stmt.no_transaction) == (kind, flag)


def test_sqlite_trigger_without_end_is_an_error():
    err = input_error("CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  SELECT 1;\n", "sqlite")
    assert (err.line, err.column) == (2, 1)


# --- Script.split False and Script.delimiter ----------------------------------------------


def test_unsplit_script_is_one_statement():
    text = (
        "\n-- +goose StatementBegin (the reader passes the block)\n"
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
        "SELECT 1;\n\n"
    )
    (stmt,) = split(text, "postgresql", split=False, line=3)
    assert stmt.text == (
        "CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n"
        "SELECT 1"
    )
    assert (stmt.line, stmt.column) == (5, 1)
    assert stmt.comment == "-- +goose StatementBegin (the reader passes the block)"


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_unsplit_script_drops_one_trailing_delimiter_only(dialect):
    assert texts("SELECT 1;;", dialect, split=False) == ["SELECT 1;"]
    assert texts("SELECT 1 ; -- done\n", dialect, split=False) == ["SELECT 1"]
    assert texts("-- nothing\n", dialect, split=False) == []
    assert texts(";", dialect, split=False) == []


def test_unsplit_mysql_procedure_and_custom_delimiter():
    assert texts(MYSQL_PROCEDURE + ";\n", "mysql", split=False) == [MYSQL_PROCEDURE]
    assert texts("SELECT 1; SELECT 2\n//\n", "mysql", split=False, delimiter="//") == [
        "SELECT 1; SELECT 2"
    ]


def test_liquibase_end_delimiter_go_on_its_own_line():
    text = (
        "CREATE PROCEDURE p() BEGIN SELECT 'GO'; SELECT 1; END;\n"
        "GO\n"
        "SELECT gone FROM t\n"
        "  go  \n"
        "SELECT 3"
    )
    stmts = split(text, "mysql", delimiter="GO")
    assert [(s.text, s.line) for s in stmts] == [
        ("CREATE PROCEDURE p() BEGIN SELECT 'GO'; SELECT 1; END;", 1),
        ("SELECT gone FROM t", 3),
        ("SELECT 3", 5),
    ]
    assert texts(text, "mysql", delimiter="\\nGO") == [s.text for s in stmts]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_liquibase_end_delimiter_symbols(dialect):
    text = "SELECT 'a//b'; SELECT 2 -- c //\n//\n/* // */ SELECT 3 //SELECT 4"
    stmts = split(text, dialect, delimiter="//")
    assert [s.text for s in stmts] == ["SELECT 'a//b'; SELECT 2", "SELECT 3", "SELECT 4"]
    assert [s.trailing_comment for s in stmts] == ["-- c //", "", ""]
    assert stmts[1].comment == "/* // */"
    assert texts("SELECT 1\n/\nSELECT 2/1\n/\n", dialect, delimiter="/") == [
        "SELECT 1",
        "SELECT 2/1",
    ]


# --- property: joining statements and splitting them gives them back ----------------------

POOLS = {
    "postgresql": [
        "SELECT 1",
        "SELECT 'a;b', 'it''s', E'x\\';y'",
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql",
        "DO $tag$ BEGIN PERFORM ';'; END $tag$",
        "SELECT /* a /* nested ; */ b */ 2",
        'CREATE TABLE "we;ird" ("x""y" int)',
        "SELECT :name, '%s', '100%', $1",
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
        "INSERT INTO t VALUES ('ü;ñ'), ('--'), ('/*')",
        "SELECT 1 -- trailing comment\n + 2",
        "BEGIN",
        "CREATE INDEX CONCURRENTLY i ON t (a)",
    ],
    "mysql": [
        "SELECT 1",
        "SELECT 'a;b', 'it\\'s', \"q;\"",
        MYSQL_PROCEDURE,
        "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF NEW.a THEN SET NEW.b = 1; END IF; END",
        "SELECT `we;ird` FROM t # hash comment ; here\n WHERE 1",
        "/*!40101 SET NAMES utf8 */",
        "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */",
        "SELECT :name, '%s', '100%'",
        "BEGIN NOT ATOMIC SELECT 1; END",
        "SET autocommit = 0",
    ],
    "sqlite": [
        "SELECT 1",
        "SELECT 'a;b', 'it''s', [x;y]",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; UPDATE a SET x = CASE WHEN 1 THEN 2 END; END",
        "SELECT /* ; */ 2 -- c;\n + 3",
        "CREATE TABLE t (a TEXT DEFAULT 'END;')",
        "SELECT :name, '%s', '100%', ?",
        "BEGIN TRANSACTION",
        "PRAGMA foreign_keys = OFF",
    ],
}
SEPARATORS = [";\n", ";", " ;\n\n", ";\n-- between\n", ";;\n"]


@pytest.mark.parametrize("dialect", sorted(POOLS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_join_then_split_gives_the_statements_back(dialect, data):
    pool = [s.rstrip("\n") for s in POOLS[dialect]]
    chosen = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    seps = data.draw(
        st.lists(st.sampled_from(SEPARATORS), min_size=len(chosen), max_size=len(chosen))
    )
    text = "".join(s + sep for s, sep in zip(chosen, seps, strict=True))
    assert texts(text, dialect) == chosen


@pytest.mark.parametrize("dialect", sorted(POOLS))
def test_each_pool_statement_is_one_statement(dialect):
    for stmt in POOLS[dialect]:
        assert texts(stmt, dialect) == [stmt.rstrip("\n")]


# --- golden fixtures: tests/golden/split/<dialect>/<name>.sql -> <name>.json ----------------

GOLDEN = Path(__file__).parent / "golden" / "split"


def golden_result(sql_path: Path) -> dict:
    text = decode(sql_path.read_bytes(), sql_path)
    result = split_report(Script("sql", text, sql_path, sql_path.name), sql_path.parent.name)
    return {
        "statements": [
            {
                "line": s.line,
                "column": s.column,
                "kind": s.kind.value,
                "no_transaction": s.no_transaction,
                "text": s.text,
                "comment": s.comment,
                "trailing_comment": s.trailing_comment,
            }
            for s in result.statements
        ],
        "dropped": [{"kind": d.kind, "text": d.text, "line": d.line} for d in result.dropped],
    }


@pytest.mark.parametrize(
    "sql_path", sorted(GOLDEN.glob("*/*.sql")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_golden(sql_path):
    """Set CONVERTER_UPDATE_GOLDEN=1 to rewrite the .json files (then review the diff)."""
    expected_path = sql_path.with_suffix(".json")
    actual = golden_result(sql_path)
    if os.environ.get("CONVERTER_UPDATE_GOLDEN") == "1":
        expected_path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(expected_path.read_text())


GOLDEN_SETUP = {
    "sqlite/rebuild.sql": ["CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)"]
}


def run_golden_on(url: str, dialect: str) -> int:
    """Execute each statement of the dialect's golden scripts, one per driver call."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    count = 0
    try:
        for sql_path in sorted((GOLDEN / dialect).glob("*.sql")):
            with engine.connect() as conn:
                cursor = conn.connection.dbapi_connection.cursor()
                for setup in GOLDEN_SETUP.get(f"{dialect}/{sql_path.name}", []):
                    cursor.execute(setup)
                for stmt in split_script(script(sql_path.read_text()), dialect):
                    if stmt.kind is StatementKind.SQL:  # transaction control is Alembic's job
                        cursor.execute(stmt.text)  # no parameter processing at all
                        count += 1
    finally:
        engine.dispose()
    return count


def test_golden_statements_run_on_sqlite(sqlite_url):
    assert run_golden_on(sqlite_url, "sqlite") == 8


def test_golden_statements_run_on_postgresql(pg_url):
    assert run_golden_on(pg_url, "postgresql") == 8


def test_golden_statements_run_on_mysql(mysql_url):
    assert run_golden_on(mysql_url, "mysql") == 10
