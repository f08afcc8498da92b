"""converter.parse: one trustworthy tree per statement, or None to keep the text verbatim."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from converter.model import Script
from converter.parse import (
    is_dml,
    leading_keywords,
    misparse_shape,
    parse_statement,
    parse_with_reason,
)
from converter.split import Statement, split_script, tokenizer_class

PATH = Path("legacy/001_init.sql")
GLOT = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}


@pytest.fixture(autouse=True)
def _quiet_sqlglot():
    # sqlglot logs "Falling back to parsing as a 'Command'" for opaque statements
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def one(text: str, dialect: str) -> Statement:
    (stmt,) = split_script(Script("sql", text, PATH, "001_init.sql"), dialect)
    return stmt


def bare(text: str) -> Statement:
    """A Statement built by hand, without the splitter's tokens."""
    return Statement(text=text, path=PATH, name="001_init.sql", line=1, column=1)


# --- trees ------------------------------------------------------------------------------

TREES = [
    (
        "postgresql",
        "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE)",
        exp.Create,
    ),
    ("postgresql", "ALTER TABLE users ADD COLUMN name text DEFAULT 'x'", exp.Alter),
    (
        "postgresql",
        "CREATE UNIQUE INDEX CONCURRENTLY ix ON users (lower(email)) WHERE id > 0",
        exp.Create,
    ),
    ("postgresql", "CREATE TABLE t (a int[] NOT NULL, b int ARRAY[3])", exp.Create),
    (
        "mysql",
        "CREATE TABLE users (id int AUTO_INCREMENT PRIMARY KEY, email varchar(255)) ENGINE=InnoDB",
        exp.Create,
    ),
    ("mysql", "ALTER TABLE users ADD COLUMN name varchar(50) NOT NULL", exp.Alter),
    ("mysql", "CREATE INDEX ix ON users (email)", exp.Create),
    ("mysql", "CREATE TABLE y (a year(4), b int(11), c decimal(10,2))", exp.Create),
    (
        "sqlite",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE)",
        exp.Create,
    ),
    ("sqlite", "ALTER TABLE users ADD COLUMN name TEXT", exp.Alter),
    ("sqlite", "CREATE INDEX ix ON users (email)", exp.Create),
]


@pytest.mark.parametrize(("dialect", "text", "kind"), TREES)
def test_trees_for_ddl(dialect, text, kind):
    stmt = one(text + ";", dialect)
    tree = parse_statement(stmt, dialect)
    assert isinstance(tree, kind)
    # the splitter's tokens give the same tree as sqlglot's own public entry point
    assert tree == sqlglot.parse_one(text, read=GLOT[dialect], error_level=ErrorLevel.RAISE)
    # and a hand-built Statement (no tokens) is tokenized here and gives it too
    assert parse_statement(bare(text), dialect) == tree


def test_tree_details_come_from_the_right_statement():
    stmts = split_script(
        Script("sql", "SELECT 1;\nCREATE INDEX ix ON users (email);\nSELECT 2;", PATH, "x"),
        "postgresql",
    )
    tree = parse_statement(stmts[1], "postgresql")
    assert isinstance(tree, exp.Create)
    assert tree.args["kind"] == "INDEX"
    assert tree.this.name == "ix"


def test_parsing_reuses_the_splitters_tokens(monkeypatch):
    calls = []
    cls = tokenizer_class("postgresql")
    original = cls.tokenize

    def counting(self, sql):
        calls.append(sql)
        return original(self, sql)

    monkeypatch.setattr(cls, "tokenize", counting)
    text = "CREATE TABLE a (x int);\nALTER TABLE a ADD COLUMN y int;\nCREATE INDEX i ON a (x);"
    stmts = split_script(Script("sql", text, PATH, "x"), "postgresql")
    trees = [parse_statement(s, "postgresql") for s in stmts]
    assert [type(t) for t in trees] == [exp.Create, exp.Alter, exp.Create]
    assert calls == [text]


# --- None: keep the text -----------------------------------------------------------------

MISPARSES = [
    ("postgresql", "CREATE TABLE t (a int ARRAY NOT NULL)", "type with an ARRAY suffix"),
    ("postgresql", "CREATE TABLE t (a int ARRAY, b int)", "type with an ARRAY suffix"),
    ("mysql", "CREATE INDEX ix ON users (email(191))", "prefix index length"),
    ("mysql", "ALTER TABLE users ADD UNIQUE KEY k (email(191) DESC, id)", "prefix index length"),
    ("mysql", "CREATE TABLE t (email varchar(255), KEY k (email(100)))", "prefix index length"),
    ("sqlite", "CREATE TABLE t (a TEXT DEFAULT 'x' COLLATE NOCASE)", "DEFAULT ... COLLATE"),
    (
        "sqlite",
        "CREATE TABLE t (a TEXT DEFAULT (lower('X', 1)) COLLATE NOCASE)",
        "DEFAULT ... COLLATE",
    ),
    ("sqlite", "REINDEX", "REINDEX"),
    ("sqlite", "REINDEX users", "REINDEX"),
    (
        "mysql",
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = 2; END",
        "TRIGGER body",
    ),
    ("mysql", "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; END", "PROCEDURE body"),
    ("mysql", "CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1", "FUNCTION body"),
    ("mysql", "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t", "EVENT body"),
    ("sqlite", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END", "TRIGGER body"),
    (
        "postgresql",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
        "FUNCTION body",
    ),
    (
        "postgresql",
        "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
        "TRIGGER body",
    ),
    ("mysql", "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */", "conditional comment"),
    ("mysql", "/*!40101 SET NAMES utf8 */", "conditional comment"),
]


@pytest.mark.parametrize(("dialect", "text", "reason"), MISPARSES)
def test_known_silent_misparses_give_none(dialect, text, reason):
    stmt = one(text + ";", dialect)
    tree, why = parse_with_reason(stmt, dialect)
    assert tree is None
    assert reason in why
    assert reason in misparse_shape(list(stmt.tokens), stmt.text, dialect)


def test_misparse_guards_are_needed():
    # sqlglot really does get these wrong without complaint (checked on sqlglot 30)
    assert "INT[NOT NULL]" in sqlglot.parse_one(
        "CREATE TABLE t (a int ARRAY NOT NULL)", read="postgres"
    ).sql("postgres")
    assert isinstance(sqlglot.parse_one("REINDEX", read="sqlite"), exp.Column)
    assert (
        len(sqlglot.parse("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", read="sqlite"))
        == 2
    )


COMMANDS = [
    ("postgresql", "CREATE EXTENSION IF NOT EXISTS pgcrypto"),
    ("postgresql", "ALTER TABLE t VALIDATE CONSTRAINT c"),
    ("postgresql", "DO $$ BEGIN PERFORM 1; END $$"),
    ("postgresql", "VACUUM FULL t"),
    ("postgresql", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE"),
    ("postgresql", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql"),
    ("mysql", "RENAME TABLE a TO b"),
    ("mysql", "LOCK TABLES t WRITE"),
    ("sqlite", "CREATE TABLE t (a INTEGER PRIMARY KEY) WITHOUT ROWID"),
]


@pytest.mark.parametrize(("dialect", "text"), COMMANDS)
def test_opaque_commands_give_none(dialect, text):
    assert parse_statement(one(text + ";", dialect), dialect) is None


def test_several_trees_or_errors_give_none():
    tree, why = parse_with_reason(bare("SELECT 1; SELECT 2"), "postgresql")
    assert (tree, why) == (None, "sqlglot read 2 statements in it")
    tree, why = parse_with_reason(bare("CREATE TABLE (((("), "postgresql")
    assert tree is None and why.startswith("sqlglot cannot parse it")
    tree, why = parse_with_reason(bare("SELECT 'open"), "postgresql")
    assert tree is None and why.startswith("sqlglot cannot tokenize it")


# --- DML and keywords ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dialect", "text", "dml"),
    [
        ("postgresql", "INSERT INTO t VALUES (1)", True),
        ("postgresql", "update t SET a = 1", True),
        ("postgresql", "DELETE FROM t", True),
        ("postgresql", "COPY t FROM '/tmp/t.csv'", True),
        ("mysql", "REPLACE INTO t VALUES (1)", True),
        ("sqlite", "REPLACE INTO t VALUES (1)", True),
        ("postgresql", "SELECT 1", False),
        ("postgresql", "CREATE TABLE insert_log (a int)", False),
        ("mysql", "/* INSERT */ SELECT 1", False),
    ],
)
def test_is_dml(dialect, text, dml):
    stmt = one(text + ";", dialect)
    assert is_dml(stmt) is dml
    if dml:
        assert parse_with_reason(stmt, dialect) == (
            None,
            "data statement: kept verbatim without parsing",
        )


def test_big_insert_is_not_parsed(monkeypatch):
    rows = ", ".join(f"({i}, 'v{i}')" for i in range(2000))
    stmt = one(f"INSERT INTO t (a, b) VALUES {rows};", "postgresql")

    def refuse(*args, **kwargs):
        raise AssertionError("the parser must not run for DML")

    monkeypatch.setattr(sqlglot.dialects.Dialect, "parser", refuse)
    assert parse_statement(stmt, "postgresql") is None


def test_leading_keywords():
    stmt = one('create /* c */ unique index "Ix" ON t (a);', "postgresql")
    assert leading_keywords(stmt) == ("CREATE", "UNIQUE", "INDEX")
    assert leading_keywords(stmt, 5) == ("CREATE", "UNIQUE", "INDEX", "", "ON")
    assert leading_keywords(bare("alter table t add x int"), 2) == ("ALTER", "TABLE")
    assert leading_keywords(bare(""), 2) == ()
    assert leading_keywords(one("SELECT 'INSERT';", "sqlite"), 2) == ("SELECT", "")
