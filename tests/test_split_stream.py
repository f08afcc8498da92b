"""The splitter's fast path and streaming (converter/split.py, converter/textio.py).

Data statements are found with regexes instead of sqlglot's tokenizer, and large texts are
split a few megabytes at a time. Both are optimisations only: every statement, comment, line,
column, kind and error must be what tokenizing the whole text gives.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from sqlglot.tokens import Tokenizer

from converter import split as S
from converter import textio
from converter.errors import InputError
from converter.model import Script
from converter.parse import is_dml, leading_keywords, parse_statement
from converter.split import Statement, iter_statements, keywords, split_report
from converter.split.splitter import Splitter
from converter.textio import TextFile, read_text

DIALECTS = ("postgresql", "mysql", "sqlite")
SAMPLES = Path(__file__).resolve().parent.parent / "samples"

# Pieces that stress where statements end: strings, quoted names, comments, dollar quotes,
# compound bodies holding data statements, client directives, broken text.
FRAGMENTS = [
    "INSERT INTO t VALUES (1, 'a;b');", "INSERT INTO t VALUES ('it''s');", "insert into t values (1)\n;",
    "UPDATE t SET a = 'x' -- c;\n;", 'DELETE FROM t WHERE a = "q;";', "INSERT INTO `t` VALUES ('a\\'b;');",
    "INSERT INTO t VALUES (E'a\\'b;');", "INSERT INTO t VALUES ($$a;b$$);", "INSERT INTO t VALUES ($1);",
    "REPLACE INTO t VALUES (1);", "INSERT INTO t VALUES (1) /* c; */;", "INSERT INTO t /* x */ VALUES (2);",
    "-- lead\nINSERT INTO t VALUES (3); -- trail\n", "/* block\n comment */\nDELETE FROM t;",
    "CREATE TABLE t (a INT);", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1); DELETE FROM u; END;",
    "CREATE PROCEDURE p() BEGIN INSERT INTO t VALUES (1); UPDATE t SET a = 2; END;",
    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN INSERT INTO t VALUES (1); RETURN 1; END; $$ LANGUAGE plpgsql;",
    "BEGIN;", "COMMIT;", "/*!40101 SET NAMES utf8 */;", "INSERT INTO t VALUES (1) /*!50000 ; */;",
    "INSERT INTO t VALUES ('a--b');", "INSERT INTO t VALUES (1--2);", "INSERT INTO t VALUES (1 --2\n);",
    "INSERT INTO t VALUES (1) # c\n;", "INSERT INTO [t] VALUES (1);", "INSERT INTO t VALUES ('{#');",
    "UPDATE t SET a = a/2;", "UPDATE t SET a = a - 1;", "/* a /* nested */ b */ INSERT INTO t VALUES (1);",
    "INSERT INTO t VALUES ('unterminated", "INSERT INTO t VALUES (1)", ";;", ";",
    "INSERT INTO t VALUES ('x\n;\ny');", 'INSERT INTO t VALUES ("a""b");', "DELETE FROM t WHERE a = '\\\\';",
    "CREATE INDEX CONCURRENTLY i ON t (a);", "VACUUM;", "INSERT INTO t SELECT * FROM u WHERE x = 'é';",
    "\\set ON_ERROR_STOP on\n", "DELIMITER //\nCREATE PROCEDURE q() BEGIN SELECT 1; END //\nDELIMITER ;\n",
    "COPY t FROM stdin;\n1\t2\n\\.\n", "INSERT INTO t VALUES (1)\n-- after\n;", "UPDATE t SET a = 1 -- x\n  , b = 2;",
    "INSERT INTO t VALUES ('a');INSERT INTO t VALUES ('b');", 'CREATE TABLE "x;" (a INT);',
    "INSERT INTO t VALUES (`a;`);", "BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END;",
    "IF 1 THEN INSERT INTO t VALUES (1); END IF;", "INSERT INTO t VALUES (U&'d\\0061t');",
    "INSERT INTO t VALUES (x'0A', X'zz', b'01', N'n''x');", "END;", "INSERT INTO t VALUES ($tag$ ; $tag$);",
    "INSERT INTO t VALUES (a$b$c);", "--x\nINSERT INTO t VALUES (1);", "INSERT INTO tax VALUES (ax'0A');",
]  # fmt: skip


def soups(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    gaps = ["\n", " ", "\n\n", "", "\n-- c\n", " -- t\n"]
    return [
        "".join(rng.choice(FRAGMENTS) + rng.choice(gaps) for _ in range(rng.randint(1, 8)))
        for _ in range(count)
    ]


def facts(statements: list[Statement]) -> list[tuple]:
    return [
        (s.text, s.line, s.column, s.kind, s.comment, s.no_transaction, s.trailing_comment)
        for s in statements
    ]


ERROR_PLACE = re.compile(r"^(\S+?:\d+(?::\d+)?): ([^(]*)")


def outcome(fn) -> tuple:
    """What a split gives: its statements and dropped directives, or where and what failed
    (sqlglot's own context snippet in a tokenizer message depends on what was tokenized)."""
    try:
        result = fn()
    except InputError as exc:
        m = ERROR_PLACE.match(str(exc))
        return ("error", m.groups() if m else str(exc))
    statements, dropped = result
    return (facts(statements), dropped)


def tokenize_everything(self, offset: int, text: str):
    """The splitter before the fast path: the whole segment tokenized."""
    return self._segment(offset, text, self._tokenize(text, offset), ";")


def whole(script: Script, dialect: str) -> tuple:
    def run():
        r = split_report(script, dialect)
        return r.statements, r.dropped

    return outcome(run)


@pytest.fixture
def slow_splitter(monkeypatch):
    def split_slowly(script: Script, dialect: str) -> tuple:
        with monkeypatch.context() as m:
            m.setattr(Splitter, "_fast_segment", tokenize_everything)
            return whole(script, dialect)

    return split_slowly


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fast_path_splits_exactly_as_tokenizing_everything(dialect, slow_splitter):
    for i, text in enumerate(soups(1, 600)):
        script = Script("sql", text, Path(f"f{i}.sql"), f"f{i}.sql", line=3)
        assert whole(script, dialect) == slow_splitter(script, dialect), text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fast_path_on_the_samples(dialect, slow_splitter):
    paths = sorted((SAMPLES).glob(f"*/{dialect}/**/*.sql"))
    assert paths
    for path in paths:
        script = Script("sql", read_text(path), path, path.name)
        assert whole(script, dialect) == slow_splitter(script, dialect), path


def test_data_statements_are_not_tokenized_but_others_are():
    text = "CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1, 'x;y');\nUPDATE t SET a = 2;\n"
    create, insert, update = split_report(
        Script("sql", text, Path("x.sql"), "x.sql"), "postgresql"
    ).statements
    assert create.tokens and create.source
    assert parse_statement(create, "postgresql") is not None  # parsed from the splitter's tokens
    assert insert.tokens == () and update.tokens == ()
    assert insert.text == "INSERT INTO t VALUES (1, 'x;y')"
    assert is_dml(insert) and is_dml(update) and not is_dml(create)


@pytest.mark.parametrize(
    "text",
    [
        "INSERT INTO t VALUES (1)",
        "  'quoted' INSERT",
        'INSERT INTO "weird;name" VALUES (\'' + "x" * 5000 + "')",
        "UPDATE t SET a = '" + "y" * 300 + "' WHERE b = 1",
        "DELETE",
        "",
    ],
)
def test_leading_keywords_of_a_statement_without_tokens(text):
    st = Statement(text, Path("x.sql"), "x.sql", 1, 1)
    try:
        expected = keywords(Tokenizer().tokenize(text)[:3], 3)
    except Exception:  # noqa: BLE001 - text sqlglot cannot tokenize: words from split()
        expected = tuple(text.split(None, 3)[:3])
    assert leading_keywords(st, 3) == expected


# -- streaming -------------------------------------------------------------------------------


def streamed(
    script: Script, dialect: str, monkeypatch, buffer: int, chunk: int, text=None
) -> tuple:
    monkeypatch.setattr(S, "STREAM_BUFFER", buffer)
    monkeypatch.setattr(S, "text_chunks", lambda t: textio.text_chunks(t, chunk))

    def run():
        dropped: list = []
        return list(iter_statements(script, dialect, text, dropped)), dropped

    return outcome(run)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_streaming_in_small_buffers_gives_the_same_statements(dialect, monkeypatch):
    texts = soups(2, 250) + [read_text(p) for p in sorted(SAMPLES.glob(f"*/{dialect}/*.sql"))[:40]]
    for i, text in enumerate(texts):
        script = Script("sql", text, Path(f"f{i}.sql"), f"f{i}.sql", line=1 + i % 3)
        expected = whole(script, dialect)
        for buffer, chunk in ((8, 3), (40, 17), (150, 64)):
            assert streamed(script, dialect, monkeypatch, buffer, chunk) == expected, (buffer, text)


def test_streaming_keeps_the_delimiter_in_force_across_buffers(monkeypatch):
    body = "".join(
        f"CREATE PROCEDURE p{i}() BEGIN INSERT INTO t VALUES ({i}); END //\n" for i in range(30)
    )
    text = (
        "INSERT INTO t VALUES (0);\nDELIMITER //\n"
        + body
        + "DELIMITER ;\nINSERT INTO t VALUES (99);\n"
    )
    script = Script("sql", text, Path("p.sql"), "p.sql")
    expected = whole(script, "mysql")
    assert len(expected[0]) == 32 and len(expected[1]) == 2
    assert streamed(script, "mysql", monkeypatch, 100, 50) == expected


def test_streaming_errors_name_the_same_line(monkeypatch):
    text = (
        "".join(f"INSERT INTO t VALUES ({i});\n" for i in range(200))
        + "INSERT INTO t VALUES ('open\n"
    )
    script = Script("sql", text, Path("e.sql"), "e.sql")
    expected = whole(script, "sqlite")
    assert expected[0] == "error" and ":201:" in expected[1][0]
    assert streamed(script, "sqlite", monkeypatch, 200, 64) == expected


def test_streaming_a_text_file_equals_splitting_the_whole_text(tmp_path, monkeypatch):
    rows = ",\n".join(f"    ({i}, 'n{i}', 'it''s; {i}')" for i in range(40))
    text = "-- seed\r\n" + "".join(
        f"INSERT INTO t (a, b, c) VALUES\r\n{rows};\r\n\r\n" for _ in range(30)
    )
    path = tmp_path / "seed.sql"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    script = Script("sql", read_text(path), path, "seed.sql")
    expected = whole(script, "postgresql")
    lazy = Script("sql", "", path, "seed.sql")
    assert streamed(lazy, "postgresql", monkeypatch, 5000, 4096, TextFile(path)) == expected


# -- TextFile --------------------------------------------------------------------------------


def test_text_file_chunks_read_exactly_what_read_text_reads(tmp_path):
    rng = random.Random(5)
    pieces = ["abc", "\r\n", "\n", "\r", "é", "€", "𝄞", " ", "x" * 50, "\ufeff"]
    for i in range(150):
        data = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 200))).encode("utf-8")
        if rng.random() < 0.3:
            data = b"\xef\xbb\xbf" + data
        if rng.random() < 0.3:
            k = rng.randint(0, len(data))
            data = data[:k] + rng.choice([b"\xff", b"\0", b"\xc3"]) + data[k:]
        encoding = rng.choice([None, "utf-8", "latin-1", "utf-8-sig"])
        path = tmp_path / f"f{i}.sql"
        path.write_bytes(data)
        try:
            expected = read_text(path, encoding)
        except InputError as exc:
            expected = str(exc)
        for size in (1, 3, 64):
            try:
                chunks = list(TextFile(path, encoding).chunks(size))
                got = "".join(chunks)
                # pieces end at line ends, except where one line is longer than a few blocks
                assert size < 64 or all(c.endswith("\n") or len(c) > 200 for c in chunks[:-1])
            except InputError as exc:
                got = str(exc)
            assert got == expected, (data, encoding, size)


def test_script_source_is_the_text_file_of_a_lazy_script(tmp_path):
    script = Script("sql", "SELECT 1;", tmp_path / "a.sql", "a.sql")
    assert textio.script_source(script) == "SELECT 1;"

    class Lazy:
        text = ""
        file = TextFile(tmp_path / "a.sql")

    assert textio.script_source(Lazy()) is Lazy.file
