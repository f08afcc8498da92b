"""Fuzz: random bytes and mutated samples never crash a reader, the splitter or the parser.

Every reader (`converter.legacy.scan` for each format, on a copy of the format's sample with
one file mutated or one extra file added), the splitter (`split_script`) and the parser
(`parse_statement`) may refuse input only with the tool's own error (`ConverterError`,
which the CLI turns into a message and an exit code); any other exception is a crash. Each
call runs under a watchdog: one that does not return within `LIMIT` seconds is a hang (a
generous bound: this detects hangs, it does not measure speed).

Regression cases found by this fuzzing are pinned at the end of the file.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import INSERTS, mutated, sql_noise

from converter.errors import ConverterError
from converter.formats import FORMAT_MODULES
from converter.formats.base import ReadOptions
from converter.legacy import scan
from converter.model import Script
from converter.parse import parse_statement
from converter.split import split_script

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DIALECTS = ["postgresql", "mysql", "sqlite"]
LIMIT = 10.0  # seconds per call; a hang detector, not a timing assertion
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Names that look like migrations of one format or another, for an extra file.
EXTRA_NAMES = [
    "V1__x.sql", "V1.2.3__x.sql", "V__x.sql", "V1..2__x.sql", "Vx__y.sql", "U1__x.sql",
    "U99__x.sql", "R__x.sql", "B1__x.sql", "V1__x.sql.conf", "afterMigrate.sql", "1_x.up.sql",
    "1_x.down.sql", "99999999999999999999999_x.up.sql", "0_.sql", "001.sql", "001_x.down.sql",
    "001_x.py", "001_x.postgresql.sql", "001_x.sql.pg", "20240101_01_x.sql", "x.rollback.sql",
    "x.py", "deploy/x.sql", "revert/x.sql", "verify/x.sql", "versions/001_x.py",
    "versions/001_x_sqlite_upgrade.sql", "versions/1_default_downgrade.sql", "changes/9.sql",
    "2024-01-01-000009_x/up.sql", "2024-01-01-000009_x/down.sql",
    "2024-01-01-000009_x/metadata.toml", "00010_x.sql", "20240101000009_x.sql", "sqitch.plan",
    "sqitch.conf", "changelog.xml", "migrate.cfg", "é.sql", " .sql", "9" * 40 + "_x.sql",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _quiet_sqlglot():
    """sqlglot logs a warning for every statement it falls back on; fuzzing makes thousands."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def bounded(fn: Callable, *args, limit: float = LIMIT):
    """`fn(*args)` in a worker thread; a failure when it has not returned after `limit` seconds."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        pytest.fail(f"hang: {getattr(fn, '__name__', fn)} did not return within {limit:g} s")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


def split_and_parse(script: Script, dialect: str) -> int:
    count = 0
    for statement in split_script(script, dialect):
        parse_statement(statement, dialect)
        count += 1
    return count


def read_everything(root: Path, fmt: str | None, dialect: str) -> None:
    """What convert does with a directory before planning: scan, split and parse every script."""
    result = scan(root, fmt, ReadOptions(dialect=dialect))
    for m in result.migrations:
        for script in m.up + m.down:
            if script.language == "sql":
                split_and_parse(script, dialect)


def refused_cleanly(fn: Callable, *args) -> ConverterError | None:
    """Run `fn`; the tool's own error is a clean refusal (returned), anything else propagates."""
    try:
        bounded(fn, *args)
    except ConverterError as exc:
        assert str(exc).strip(), "a ConverterError without a message"
        return exc
    return None


def deep_python(n: int) -> bytes:
    """A migration script whose one expression nests `n` levels deep."""
    return f"def upgrade(conn):\n    x = {' + '.join(['a'] * n)}\n".encode()


def sample_files(fmt: str, dialect: str) -> tuple[Path, list[str]]:
    root = SAMPLES / fmt / dialect
    if not root.is_dir():
        pytest.fail(f"sample {fmt}/{dialect} is missing")
    return root, sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------
# Readers


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("fmt", list(FORMAT_MODULES))
@FUZZ
@given(data=st.data())
def test_a_mutated_sample_is_read_or_refused_cleanly(fmt, dialect, data):
    src, files = sample_files(fmt, dialect)
    rel = data.draw(st.sampled_from(files), label="file")
    new = data.draw(mutated((src / rel).read_bytes(), max_edits=6), label="content")
    detect = data.draw(st.booleans(), label="detect the format")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "legacy"
        shutil.copytree(src, root)
        (root / rel).write_bytes(new)
        refused_cleanly(read_everything, root, None if detect else fmt, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("fmt", list(FORMAT_MODULES))
@FUZZ
@given(data=st.data())
def test_an_extra_file_is_read_or_refused_cleanly(fmt, dialect, data):
    src, files = sample_files(fmt, dialect)
    rel = data.draw(st.sampled_from(EXTRA_NAMES), label="name")
    content = data.draw(
        st.one_of(
            st.binary(max_size=300),
            st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.sampled_from(files).flatmap(lambda f: mutated((src / f).read_bytes(), max_edits=2)),
            st.integers(1, 5000).map(deep_python),
        ),
        label="content",
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "legacy"
        shutil.copytree(src, root)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content)
        refused_cleanly(read_everything, root, fmt, dialect)


# ---------------------------------------------------------------------------------------
# Splitter and parser


def sample_sql(dialect: str) -> list[bytes]:
    return sorted({p.read_bytes() for p in SAMPLES.glob(f"*/{dialect}/**/*.sql")})


DELIMITERS = st.sampled_from([None, None, None, "/", "GO", "\\nGO", "//", "$$", "@@"])


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(FUZZ, max_examples=150)
@given(text=sql_noise(), whole=st.booleans(), delimiter=DELIMITERS)
@example(text="SELECT 1 ?", whole=False, delimiter=None)
def test_random_sql_is_split_and_parsed_or_refused_cleanly(dialect, text, whole, delimiter):
    script = Script("sql", text, Path("fuzz.sql"), "fuzz.sql", split=not whole, delimiter=delimiter)
    refused_cleanly(split_and_parse, script, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(FUZZ, max_examples=60)
@given(data=st.data())
def test_mutated_sample_sql_is_split_and_parsed_or_refused_cleanly(dialect, data):
    original = data.draw(st.sampled_from(sample_sql(dialect)), label="sample")
    text = data.draw(mutated(original, max_edits=8), label="bytes").decode("utf-8", "replace")
    delimiter = data.draw(DELIMITERS, label="delimiter")
    script = Script("sql", text, Path("fuzz.sql"), "fuzz.sql", delimiter=delimiter)
    refused_cleanly(split_and_parse, script, dialect)


@pytest.mark.parametrize("dialect", DIALECTS)
@settings(FUZZ, max_examples=60)
@given(text=st.text(max_size=400))
def test_arbitrary_text_is_split_and_parsed_or_refused_cleanly(dialect, text):
    refused_cleanly(split_and_parse, Script("sql", text, Path("fuzz.sql"), "fuzz.sql"), dialect)


def test_the_watchdog_fails_a_call_that_hangs():
    """The hang detector must be able to fire (with a short limit for this test)."""
    event = threading.Event()
    try:
        with pytest.raises(pytest.fail.Exception, match="hang"):
            bounded(event.wait, 5, limit=0.2)
    finally:
        event.set()


def test_a_crash_is_not_taken_for_a_clean_refusal():
    def crash():
        raise TypeError("boom")

    with pytest.raises(TypeError):
        refused_cleanly(crash)
    assert isinstance(refused_cleanly(scan, Path("/nonexistent/legacy")), ConverterError)


# ---------------------------------------------------------------------------------------
# Regressions found by fuzzing


@pytest.mark.parametrize("text", ["SELECT 1 ?", "x ?", "? ?"])
def test_a_statement_sqlglot_crashes_on_is_kept_verbatim(text):
    """sqlglot's postgres parser raised TypeError on a trailing `?` (JSONB operator without
    right operand); parse_statement now keeps such a statement verbatim (None)."""
    (statement,) = split_script(Script("sql", text, Path("x.sql"), "x.sql"), "postgresql")
    assert parse_statement(statement, "postgresql") is None


@pytest.mark.parametrize("encoding", ["UUTF-8", "utf-32", "rot13"])
def test_an_xml_changelog_declaring_a_bad_encoding_is_a_problem_not_a_crash(tmp_path, encoding):
    """ElementTree raises LookupError / ValueError (not ParseError) for an XML declaration
    naming an unknown or multi-byte encoding: the Liquibase reader crashed on it."""
    root = tmp_path / "legacy"
    shutil.copytree(SAMPLES / "liquibase" / "sqlite", root)
    xml = root / "changelog.xml"
    xml.write_bytes(
        xml.read_bytes().replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1)
    )
    result = scan(root, "liquibase", ReadOptions(dialect="sqlite"))
    assert result.migrations  # the broken master is skipped; changes/ is read in path order
    (sub := root / "sub").mkdir()
    (sub / "master.xml").write_bytes(xml.read_bytes())
    (root / "changelog.xml").write_text(
        '<?xml version="1.0"?><databaseChangeLog><include file="sub/master.xml"/></databaseChangeLog>'
    )
    result = scan(root, "liquibase", ReadOptions(dialect="sqlite"))
    assert any(p.code == "bad-changelog" and p.path == sub / "master.xml" for p in result.errors)


def test_inserts_cover_every_kind_of_edit():
    """The mutation alphabet keeps the characters the issue names."""
    for needed in (b"'", b"$", b";", b"\\", b"\0", b"\r\n", b"\xef\xbb\xbf"):
        assert needed in INSERTS


DEEP_PYTHON = {
    "unary": "def upgrade(conn):\n    return " + "-" * 100_000 + "1\n",  # MemoryError in the parser
    "binary": "def upgrade(conn):\n    return "
    + "+".join(["a"] * 100_000)
    + "\n",  # RecursionError
}


@pytest.mark.parametrize("shape", sorted(DEEP_PYTHON))
@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("plain", "009_deep.py"),
        ("yoyo", "20240101_09_deep.py"),
        ("sqlalchemy-migrate", "versions/009_deep.py"),
    ],
)
def test_python_nested_too_deeply_for_the_parser_is_a_problem_not_a_crash(
    tmp_path, fmt, name, shape
):
    """ast.parse raises MemoryError or RecursionError (not SyntaxError) for such code: the
    plain, yoyo and sqlalchemy-migrate readers crashed on it."""
    root = tmp_path / "legacy"
    shutil.copytree(SAMPLES / fmt / "sqlite", root)
    (root / name).write_text(DEEP_PYTHON[shape])
    for format_name in (fmt, None):  # yoyo's detection parses Python too
        result = scan(root, format_name, ReadOptions(dialect="sqlite"))
        (problem,) = [p for p in result.errors if p.path == root / name]
        assert problem.code == "python-syntax" and "nested too deeply" in problem.message


def test_a_liquibase_ignore_lines_count_too_long_for_int_is_a_problem_not_a_crash(tmp_path):
    """`--ignoreLines:<5000 digits>`: int() refuses more than 4300 digits (ValueError)."""
    root = tmp_path / "legacy"
    shutil.copytree(SAMPLES / "liquibase" / "sqlite", root)
    changelog = root / "changes" / "009_more.sql"
    changelog.write_text(
        "--liquibase formatted sql\n--changeset a:9\n--ignoreLines:" + "9" * 5000 + "\nSELECT 1;\n"
    )
    result = scan(root, "liquibase", ReadOptions(dialect="sqlite"))
    assert [(p.path, p.line) for p in result.errors] == [(changelog, 3)]


def test_sqlalchemy_migrate_python_too_deep_to_visit_is_a_warning_not_a_crash(tmp_path):
    """A long `a + a + ...` parses, but the legacy-API finder (an ast.NodeVisitor, which
    recurses once per level) hit RecursionError on it."""
    root = tmp_path / "legacy"
    shutil.copytree(SAMPLES / "sqlalchemy-migrate" / "sqlite", root)
    script = root / "versions" / "008_long_sum.py"
    script.write_text("def upgrade(migrate_engine):\n    x = " + " + ".join(["a"] * 900) + "\n")
    result = scan(root, "sqlalchemy-migrate", ReadOptions(dialect="sqlite"))
    assert [p.code for p in result.problems if p.path == script] == ["legacy-python-unchecked"], (
        result.problems
    )
