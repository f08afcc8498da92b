"""The yoyo reader: samples, detection, yoyo's ordering, SQL directives, Python steps read with
`ast`, and every problem it reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    write,
)

from converter.formats.yoyo import FORMAT, topological_order
from converter.legacy import scan

IDS = [
    "20240101_01_plans-create-plans",
    "20240101_02_custs-create-customers",
    "20240101_03_subsc-create-subscriptions",
    "20240101_04_invcs-create-invoices",
    "20240101_05_seeds-seed-plans-and-customers",
    "20240101_06_email-normalise-customer-emails",
    "20240101_07_phone-add-customer-phone",
    "20240101_08_issue-index-invoices-issued-on",
]


def read(root: Path):
    return scan(root, "yoyo")


class TestContract(FormatContract):
    format = "yoyo"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    result = read(SAMPLES / "yoyo" / dialect)
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == IDS
    assert [m.sort_key for m in ms] == [(i,) for i in range(8)]
    assert [m.depends for m in ms] == [()] + [(i,) for i in IDS[:-1]]
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
    assert all(m.date == datetime(2024, 1, 1) and m.format == "yoyo" for m in ms)
    assert [m.transactional for m in ms] == [True] * 7 + [False]
    assert [m.batch for m in ms] == [False] * 4 + [True] + [False] * 3
    assert [m.script for m in ms] == ["sql"] * 5 + ["python"] + ["sql"] * 2
    steps = ISP.steps(dialect)
    for i in (0, 1, 2, 3, 6):
        _, _, description, up, down = steps[i]
        (script,) = ms[i].up
        depends = f"-- depends: {IDS[i - 1]}\n" if i else ""
        assert script.text == f"-- {description}\n{depends}\n{up}"
        assert (script.name, script.split) == (f"{IDS[i]}.sql", True)
        assert [s.text for s in ms[i].down] == [f"-- {description}\n\n{down}"]
        assert ms[i].down[0].name == f"{IDS[i]}.rollback.sql"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_python_steps(dialect):
    seeds, normalise = read(SAMPLES / "yoyo" / dialect).migrations[4:6]
    # one SQL script per step, each sent whole; rollbacks in reverse step order
    assert "\n".join(s.text for s in seeds.up) + "\n" == ISP.SEED_UP
    assert "\n".join(s.text for s in seeds.down) + "\n" == ISP.SEED_DOWN
    assert [(s.language, s.split, s.line) for s in seeds.up] == [
        ("sql", False, 8),
        ("sql", False, 15),
    ]
    assert [s.line for s in seeds.down] == [18, 12]
    (apply,) = normalise.up
    assert (apply.language, apply.entry, apply.line, normalise.down) == (
        "python",
        "normalise_emails",
        1,
        (),
    )
    assert "def normalise_emails(conn):" in apply.text
    assert normalise.notes == ("dbapi",)


def test_sample_postgresql_index_runs_outside_a_transaction():
    index = read(SAMPLES / "yoyo" / "postgresql").migrations[7]
    assert index.up[0].text.endswith(
        "-- transactional: false\n\n"
        "CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);\n"
    )
    assert index.transactional is False


def test_detect_scores(tmp_path):
    write(tmp_path / "a" / "0001.sql", "SELECT 1;\n")
    write(tmp_path / "a" / "0001.rollback.sql", "SELECT 1;\n")
    write(tmp_path / "b" / "0001.sql", "-- hello\n-- depends: 0000\nSELECT 1;\n")
    write(tmp_path / "c" / "20240101_01_abcde-x.sql", "SELECT 1;\n")
    write(tmp_path / "d" / "yoyo.ini", "[DEFAULT]\n")
    write(tmp_path / "e" / "0001.sql", "SELECT 1;\n-- depends: 0000\n")
    score = {d: FORMAT.detect(tmp_path / d) for d in "abcde"}
    # yoyo.ini > rollback files > a depends header > yoyo's id names > a misplaced depends
    assert score["d"] > score["a"] > score["b"] > score["c"] > score["e"] == 0


# -- ordering ---------------------------------------------------------------------------------


def test_topological_order_takes_the_first_ready_migration_by_name():
    assert topological_order(["a", "b", "c"], {"a": {"c"}}) == (["b", "c", "a"], [])
    assert topological_order(["a", "b", "c", "d"], {"a": {"b"}}) == (["b", "a", "c", "d"], [])
    assert topological_order(["a", "b", "c"], {"b": {"c"}, "c": {"a"}}) == (["a", "c", "b"], [])
    assert topological_order(["a", "b", "c", "d"], {"a": {"b"}, "b": {"a"}, "c": {"a"}}) == (
        ["d"],
        ["a", "b", "c"],
    )
    assert topological_order(["a", "b"], {"a": {"a"}}) == (["b"], ["a"])
    assert topological_order(["a"], {"a": {"gone"}}) == (["a"], [])


def test_dependencies_reorder_files(tmp_path):
    write(tmp_path / "0001_a.sql", "-- depends: 0003_c\nSELECT 1;\n")
    write(
        tmp_path / "0002_b.py", 'from yoyo import step\n__depends__ = "0001_a"\nstep("SELECT 2")\n'
    )
    write(tmp_path / "0003_c.sql", "SELECT 3;\n")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["0003_c", "0001_a", "0002_b"]
    assert [m.sort_key for m in result.migrations] == [(0,), (1,), (2,)]
    assert [m.description for m in result.migrations] == ["c", "a", "b"]
    assert result.problems == []


def test_unknown_dependency_and_cycle(tmp_path):
    write(tmp_path / "a.sql", "-- depends: c\nSELECT 1;\n")
    write(tmp_path / "b.sql", "-- x\n-- depends: a\n-- depends: nowhere\nSELECT 2;\n")
    write(tmp_path / "c.sql", "-- depends: b\nSELECT 3;\n")
    write(tmp_path / "d.sql", "SELECT 4;\n")
    result = read(tmp_path)
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("unknown-dependency", "b.sql", 2),
        ("dependency-cycle", "a.sql", None),
    ]
    assert "a, b, c" in result.problems[1].message
    assert [m.version for m in result.migrations] == ["d", "a", "b", "c"]
    assert result.migrations[2].depends == ("a",)


# -- SQL migrations ---------------------------------------------------------------------------


def test_sql_directives(tmp_path):
    write(
        tmp_path / "a.sql", "-- Create things\n--transactional:FALSE\n\nCREATE TABLE t (id INT);\n"
    )
    write(tmp_path / "b.sql", "-- transactional: maybe\nSELECT 1;\n")
    write(tmp_path / "c.sql", "-- Depends: a\nSELECT 1;\n-- depends: a\n")
    result = read(tmp_path)
    a, c = result.migrations
    assert (a.transactional, a.description, a.depends) == (False, "Create things", ())
    assert (c.depends, c.description) == ((), "Depends: a")
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [
        ("bad-directive", "b.sql", 1),
        ("directive-case", "c.sql", 1),
        ("directive-ignored", "c.sql", 3),
    ]


def test_rollback_files(tmp_path):
    write(tmp_path / "a.sql", "CREATE TABLE t (id INT);\n")
    write(tmp_path / "a.rollback.sql", "DROP TABLE t;\n")
    write(tmp_path / "b.py", 'step("SELECT 1", "SELECT 2")\n')
    write(tmp_path / "b.rollback.sql", "SELECT 3;\n")
    write(tmp_path / "gone.rollback.sql", "DROP TABLE gone;\n")
    result = read(tmp_path)
    a, b = result.migrations
    assert [(s.text, s.name) for s in a.down] == [("DROP TABLE t;\n", "a.rollback.sql")]
    assert [s.text for s in b.down] == ["SELECT 2"]
    # yoyo never reads a rollback file without its migration (read_migrations skips every
    # .rollback.sql; Migration.load reads the one beside a .sql): left out, with a warning
    assert [(p.severity.value, p.code, p.path.name) for p in result.problems] == [
        ("warning", "rollback-ignored", "b.rollback.sql"),
        ("warning", "down-without-up", "gone.rollback.sql"),
    ]


def test_files_yoyo_does_not_treat_as_migrations(tmp_path):
    write(tmp_path / "0001_a.sql", "SELECT 1;\n")
    write(tmp_path / "post-apply.sql", "GRANT SELECT ON t TO app;\n")
    write(tmp_path / "post-apply-views.py", 'step("SELECT 1")\n')
    write(tmp_path / "__init__.py", "")
    write(tmp_path / "_tmp_yoyonew123.sql", "SELECT 9;\n")
    write(tmp_path / ".hidden.sql", "SELECT 9;\n")
    write(tmp_path / "README.md", "notes")
    write(tmp_path / "old" / "0000_x.sql", "SELECT 0;\n")
    write(tmp_path / "__pycache__" / "x.pyc", b"\0")
    result = read(tmp_path)
    assert [m.version for m in result.migrations] == ["0001_a"]
    assert [(p.code, p.path.name) for p in result.problems] == [
        ("hidden-file", ".hidden.sql"),
        ("init-file", "__init__.py"),
        ("nested-file", "old"),
        ("post-apply-hook", "post-apply-views.py"),
        ("post-apply-hook", "post-apply.sql"),
    ]


def test_same_id_twice_is_a_conflict(tmp_path):
    write(tmp_path / "a.sql", "SELECT 1;\n")
    write(tmp_path / "a.py", 'step("SELECT 2")\n')
    result = read(tmp_path)
    assert [m.name for m in result.migrations] == ["a.py"]
    assert [(p.code, p.path.name) for p in result.problems] == [("migration-conflict", "a.sql")]


@pytest.mark.parametrize(
    "raw",
    [
        b"-- depends: a\r\n-- transactional: false\r\n\r\nSELECT 1;\r\n",
        b"\xef\xbb\xbf-- depends: a\n-- transactional: false\n\nSELECT 1;\n",
        b"-- depends: a\n-- transactional: false\n\nSELECT 1;",
    ],
    ids=["crlf", "bom", "no-trailing-newline"],
)
def test_file_quirks_read_the_same(tmp_path, raw):
    write(tmp_path / "a.sql", "SELECT 0;\n")
    write(tmp_path / "b.sql", raw)
    result = read(tmp_path)
    assert result.problems == []
    _, b = result.migrations
    assert (b.depends, b.transactional) == (("a",), False)
    assert b.up[0].text.rstrip("\n") == "-- depends: a\n-- transactional: false\n\nSELECT 1;"


def test_descriptions_and_dates(tmp_path):
    write(tmp_path / "0001.create-foo.sql", "SELECT 1;\n")
    write(
        tmp_path / "20240301120000_add_bar.py",
        '"""\nAdd the bar table.\n\nMore."""\nstep("SELECT 1")\n',
    )
    write(tmp_path / "myapp_20240302_01_AbC12.sql", "-- \n-- depends:\n--\nSELECT 1;\n")
    result = read(tmp_path)
    assert [(m.description, m.date) for m in result.migrations] == [
        ("create foo", None),
        ("Add the bar table.", datetime(2024, 3, 1, 12, 0, 0)),
        ("myapp 20240302 01 AbC12", datetime(2024, 3, 2)),  # yoyo new with a prefix
    ]


# -- Python migrations ------------------------------------------------------------------------


def test_python_steps_mixing_sql_and_functions(tmp_path):
    write(
        tmp_path / "a.py",
        "from yoyo import step as s, group\n"
        "__depends__ = {}\n"
        "__transactional__ = False\n"
        'DROP = "DROP TABLE t"\n'
        "def fill(conn):\n    conn.cursor().execute('INSERT INTO t VALUES (1)')\n\n"
        "def empty(conn):\n    conn.cursor().execute('DELETE FROM t')\n\n"
        "steps = [\n"
        '    s("CREATE TABLE t (id INT)", DROP),\n'
        "    group([s(fill, empty), s('SELECT ' + '1', ignore_errors='apply')]),\n"
        "]\n",
    )
    result = read(tmp_path)
    (m,) = result.migrations
    assert [(x.language, x.text if x.language == "sql" else x.entry) for x in m.up] == [
        ("sql", "CREATE TABLE t (id INT)"),
        ("python", "fill"),
        ("sql", "SELECT 1"),
    ]
    assert [(x.language, x.text if x.language == "sql" else x.entry, x.line) for x in m.down] == [
        ("python", "empty", 1),
        ("sql", "DROP TABLE t", 4),
    ]
    assert (m.transactional, m.depends, m.batch) == (False, (), True)
    assert m.notes == ("dbapi", "ignore_errors:apply")
    assert [(p.code, p.line) for p in result.problems] == [("ignore-errors", 13)]


def test_group_moves_its_steps_to_where_the_group_is_made(tmp_path):
    write(
        tmp_path / "a.py",
        'first = step("SELECT 1")\nstep("SELECT 2")\ngroup(first)\nstep("SELECT 3")\n',
    )
    (m,) = read(tmp_path).migrations
    assert [x.text for x in m.up] == ["SELECT 2", "SELECT 1", "SELECT 3"]


def test_python_depends_forms(tmp_path):
    write(tmp_path / "a.sql", "SELECT 1;\n")
    write(tmp_path / "b.sql", "SELECT 1;\n")
    write(tmp_path / "c.py", '__depends__ = ["b", "a", "b"]\nstep("SELECT 1")\n')
    write(tmp_path / "d.py", '__depends__ = {"b", "a"}\nstep("SELECT 1")\n')
    result = read(tmp_path)
    assert [m.depends for m in result.migrations] == [(), (), ("b", "a"), ("a", "b")]
    assert result.problems == []


@pytest.mark.parametrize(
    ("source", "code", "line"),
    [
        ("step('SELECT 1'\n", "python-syntax", 1),
        ("step(lambda conn: None)\n", "python-step-unsupported", 1),
        ("import os\nstep(os.environ['SQL'])\n", "python-step-unsupported", 2),
        ("step(f'SELECT {1}')\n", "python-step-unsupported", 1),
        ("if True:\n    step('SELECT 1')\n", "python-step-unsupported", 1),
        ("__depends__ = make()\nstep('SELECT 1')\n", "bad-directive", 1),
        ("__depends__ = 3\nstep('SELECT 1')\n", "bad-directive", 1),
    ],
    ids=[
        "syntax",
        "lambda",
        "computed",
        "f-string",
        "conditional",
        "computed-depends",
        "bad-depends",
    ],
)
def test_python_problems(tmp_path, source, code, line):
    write(tmp_path / "a.py", source)
    result = read(tmp_path)
    assert result.migrations == []
    assert [(p.code, p.path.name, p.line) for p in result.problems] == [(code, "a.py", line)]


def test_python_migration_without_steps_is_an_empty_migration(tmp_path):
    """yoyo applies a Python migration that registers no step doing nothing, and records it:
    the converter keeps it as an empty migration holding its id, with a warning."""
    write(tmp_path / "a.sql", "CREATE TABLE t (id INT);\n")
    write(tmp_path / "b.py", "from yoyo import step\n\nsteps = []\n")
    result = read(tmp_path)
    assert not result.errors
    a, b = result.migrations
    assert b.version == "b" and b.is_empty and b.name == "b.py"
    assert [(p.severity.value, p.code, p.line) for p in result.problems] == [
        ("warning", "python-no-steps", 1),
        ("warning", "empty-migration", None),
    ]
    assert any(
        n.startswith("warning: b.py:1: the Python migration registers no steps") for n in b.notes
    )


def test_group_takes_the_very_steps_it_is_given(tmp_path):
    write(
        tmp_path / "a.py",
        'step("SELECT 1")\nsecond = step("SELECT 1")\nstep("SELECT 2")\ngroup(second)\n',
    )
    (m,) = read(tmp_path).migrations
    assert [(x.text, x.line) for x in m.up] == [("SELECT 1", 1), ("SELECT 2", 3), ("SELECT 1", 2)]
