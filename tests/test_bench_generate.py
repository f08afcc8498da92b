"""The benchmark generator (bench/generate.py): deterministic, and its histories are valid.

Behaviour only: the suite's timings live in bench/RESULTS.md, never in assertions here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbhelpers import engine_for

from converter.apply import apply_migration
from converter.formats.base import ReadOptions
from converter.legacy import scan
from converter.split import split_script

BENCH = Path(__file__).resolve().parent.parent / "bench"
DIALECTS = ("postgresql", "mysql", "sqlite")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
sys.modules.setdefault("generate", generate)  # bench/run.py imports it by that name
run = _load("run")


def digest(root: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir())}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", ["ddl", "data"])
def test_same_parameters_give_the_same_bytes(kind, dialect, tmp_path):
    a = generate.generate_history(tmp_path / "a", kind, 60, dialect)
    b = generate.generate_history(tmp_path / "b", kind, 60, dialect)
    assert digest(a.root) == digest(b.root)
    assert a.manifest() == b.manifest()
    other = generate.generate_history(tmp_path / "c", kind, 60, dialect, seed=7)
    assert digest(other.root) != digest(a.root)


def test_seed_file_is_deterministic_and_about_the_size_asked(tmp_path):
    a = generate.generate_seed(tmp_path / "a", 0.2, "sqlite")
    b = generate.generate_seed(tmp_path / "b", 0.2, "sqlite")
    assert digest(a.root) == digest(b.root)
    size = (a.root / "002_seed_customers.sql").stat().st_size
    assert 200_000 <= size < 260_000
    assert a.bytes == sum(p.stat().st_size for p in a.root.iterdir())


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("kind", ["ddl", "data", "seed"])
def test_scan_reads_the_history_without_problems(kind, dialect, tmp_path):
    if kind == "seed":
        corpus = generate.generate_seed(tmp_path / "h", 0.1, dialect)
    else:
        corpus = generate.generate_history(tmp_path / "h", kind, 120, dialect)
    found = scan(corpus.root, None, ReadOptions(dialect=dialect))
    assert found.format == "plain"
    assert [str(p) for p in found.problems] == []
    assert len(found.migrations) == corpus.migrations
    split = sum(len(split_script(s, dialect)) for m in found.migrations for s in m.up + m.down)
    assert split == corpus.statements  # the manifest counts what the splitter finds
    assert sum(p.stat().st_size for p in corpus.root.iterdir()) == corpus.bytes


def test_ddl_history_uses_the_shapes_the_issue_asks_for(tmp_path):
    corpus = generate.generate_history(tmp_path / "h", "ddl", 200, "postgresql")
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(corpus.root.glob("*.sql")))
    for shape in ("CREATE TABLE", "FOREIGN KEY", "UNIQUE", "CHECK", "ADD COLUMN", "CREATE INDEX",
                  "CREATE OR REPLACE FUNCTION", "CREATE VIEW", "COMMENT ON TABLE", "DROP TABLE"):  # fmt: skip
        assert shape in text, shape
    data = generate.generate_history(tmp_path / "d", "data", 60, "mysql")
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(data.root.glob("*.sql")))
    for shape in ("INSERT INTO", "),\n    (", "UPDATE ", "DELETE FROM", "''"):
        assert shape in text, shape


@pytest.mark.parametrize("kind", ["ddl", "data", "seed"])
def test_history_applies_up_and_down_on_a_real_database(kind, db_url, tmp_path):
    dialect = sa.make_url(db_url).get_backend_name()
    dialect = {"mariadb": "mysql"}.get(dialect, dialect)
    if kind == "seed":
        corpus = generate.generate_seed(tmp_path / "h", 0.05, dialect)
    else:
        corpus = generate.generate_history(tmp_path / "h", kind, 40, dialect)
    migrations = scan(corpus.root, None, ReadOptions(dialect=dialect)).migrations
    engine = engine_for(db_url)
    try:
        for m in migrations:
            apply_migration(engine, m, dialect)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names()
            if kind != "ddl":
                assert conn.exec_driver_sql("SELECT count(*) FROM customers").scalar() > 0
        for m in reversed(migrations):
            if m.down:
                apply_migration(engine, m, dialect, direction="down")
        if kind != "seed":  # the seed file has no down; everything else undoes itself
            with engine.connect() as conn:
                assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_ensure_corpus_reuses_a_complete_corpus(tmp_path):
    first = generate.ensure_corpus(tmp_path, "ddl", 20, "sqlite")
    stamp = {p.name: p.stat().st_mtime_ns for p in first.root.iterdir()}
    again = generate.ensure_corpus(tmp_path, "ddl", 20, "sqlite")
    assert again.manifest() == first.manifest()
    assert {p.name: p.stat().st_mtime_ns for p in again.root.iterdir()} == stamp
    (tmp_path / "sqlite" / "ddl-20.json").unlink()  # an interrupted run: written again
    third = generate.ensure_corpus(tmp_path, "ddl", 20, "sqlite")
    assert digest(third.root) == digest(first.root)


def test_floor_pieces_cut_only_after_a_statement_end():
    text = "".join(f"INSERT INTO t VALUES ({i}, 'a;b');\n\n" for i in range(500))
    pieces = list(run.floor_pieces(text, size=1000))
    assert "".join(pieces) == text
    assert len(pieces) > 5
    assert all(p.endswith(";\n") for p in pieces[:-1])


def test_results_file_keeps_the_notes_and_the_suites_not_run(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\nnotes written by hand\n", encoding="utf-8")
    args = run.argparse.Namespace()
    run.save_results({"convert": "convert one\n", "verify": "verify one\n"}, args, path)
    first = path.read_text(encoding="utf-8")
    assert first.startswith("# Results\n\nnotes written by hand\n")
    assert "convert one" in first and "verify one" in first
    path.write_text(first + "\nmore notes\n", encoding="utf-8")
    run.save_results({"verify": "verify two\n"}, args, path)  # a run of one suite
    second = path.read_text(encoding="utf-8")
    assert "verify two" in second and "verify one" not in second
    assert "convert one" in second  # the suite not run keeps its last measurement
    assert second.count(run.markers("verify")[0]) == 1 and second.endswith("\nmore notes\n")
    assert "notes written by hand" in second and "Machine: cpu" in second


def test_the_suite_runs_end_to_end_on_a_tiny_corpus(tmp_path, monkeypatch, capsys):
    """bench/run.py as the README runs it, on corpora of a few migrations: every table is
    printed and written to --results (no timing is checked: benchmarks measure, tests don't)."""
    monkeypatch.setattr(generate, "QUICK", (("ddl", 5), ("seed", 0.05)))
    monkeypatch.setattr(run, "VERIFY_CORPORA", {True: (("ddl", 5),), False: ()})
    results = tmp_path / "RESULTS.md"
    code = run.main(["--quick", "--dialect", "sqlite", "--data-dir", str(tmp_path / "data"),
                     "--results", str(results)])  # fmt: skip
    assert code == 0
    text = results.read_text(encoding="utf-8")
    for title in (
        "convert (--style ops, --jobs one per CPU) vs the floor",
        "verify --stepwise vs applying",
        "stamp --jobs 4",
    ):
        assert title in text
    assert "equivalent" in text  # verify proved the converted tiny corpus equal


def test_app_history_is_deterministic_and_looks_like_a_long_lived_application(tmp_path):
    a = generate.generate_history(tmp_path / "a", "app", 120, "postgresql")
    b = generate.generate_history(tmp_path / "b", "app", 120, "postgresql")
    assert digest(a.root) == digest(b.root) and a.manifest() == b.manifest()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(a.root.glob("*.sql")))
    for shape in ("CREATE TYPE", "ADD VALUE", "DROP VIEW IF EXISTS", "CREATE MATERIALIZED VIEW",
                  "DROP MATERIALIZED VIEW IF EXISTS", "LANGUAGE plpgsql", "CREATE TRIGGER",
                  "EXECUTE FUNCTION", "ALTER COLUMN", "UPDATE ", "INSERT INTO events"):  # fmt: skip
        assert shape in text, shape
    found = scan(a.root, None, ReadOptions(dialect="postgresql"))
    assert [str(p) for p in found.problems] == []
    assert len(found.migrations) == 120
    split = sum(len(split_script(s, "postgresql")) for m in found.migrations for s in m.up + m.down)
    assert split == a.statements
    with pytest.raises(ValueError, match="postgresql only"):
        generate.generate_history(tmp_path / "c", "app", 10, "sqlite")


def test_app_history_applies_on_postgresql(pg_url, tmp_path):
    corpus = generate.generate_history(tmp_path / "h", "app", 80, "postgresql")
    migrations = scan(corpus.root, None, ReadOptions(dialect="postgresql")).migrations
    engine = engine_for(pg_url)
    try:
        for m in migrations:
            apply_migration(engine, m, "postgresql")
        with engine.connect() as conn:
            for catalog in ("pg_matviews", "pg_views", "pg_trigger"):
                query = f"SELECT count(*) FROM {catalog}" + (
                    " WHERE NOT tgisinternal" if catalog == "pg_trigger" else
                    " WHERE schemaname = 'public'"
                )  # fmt: skip
                assert conn.exec_driver_sql(query).scalar() > 0, catalog
            assert "orders" in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
