"""Data files (converter/bulk.py): very large data statements kept beside the revision.

The statements must come back byte for byte, in order, online and in --sql mode, and a data
file changed after conversion must stop the migration before any statement runs.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from dbhelpers import engine_for

from converter import bulk, plan
from converter.bulk import DataSpool, data_spool
from converter.model import Kind, LegacyMigration, Script
from converter.render import helpers_module
from converter.revision_helpers import data_file_statements
from converter.split import Statement

TRICKY = [
    "INSERT INTO t VALUES (1, 'plain')",
    "INSERT INTO t VALUES (2, 'ends with a record marker;\n-- @ 12\nand a semicolon;\n')",
    "INSERT INTO t VALUES (3, 'naïve café 𝄞 :gold 100% %s')",
    "INSERT INTO t VALUES (4, '\r\nline\tbreaks\r')",
]


def statement(text: str, line: int = 1, comment: str = "") -> Statement:
    return Statement(text, Path("seed.sql"), "seed.sql", line, 1, comment=comment)


def write(tmp_path: Path, runs: list[list[str]]):
    spool = DataSpool(tmp_path / "x.data.sql", "x.data.sql", "test")
    ranges = []
    for texts in runs:
        for i, text in enumerate(texts):
            started = spool.add(
                statement(text, comment="-- row\n/* two */" if i == 0 else ""), i == 0
            )
            if started is not None:
                ranges.append(started)
    return spool.close(), ranges


def test_statements_come_back_exactly_and_in_order(tmp_path):
    data, (first, second) = write(tmp_path, [TRICKY, TRICKY[::-1]])
    assert data.count == 8 and data.size == data.path.stat().st_size
    got = list(
        data_file_statements(str(data.path), first.offset, first.length, first.count, first.sha256)
    )
    assert got == TRICKY
    got = list(
        data_file_statements(
            str(data.path), second.offset, second.length, second.count, second.sha256
        )
    )
    assert got == TRICKY[::-1]
    text = data.path.read_text(encoding="utf-8")
    assert text.startswith("-- converter data file v1: test")
    assert "-- | -- row\n-- | /* two */\n-- @ " in text  # legacy comments kept, readable


def test_a_changed_data_file_runs_nothing(tmp_path):
    data, (run,) = write(tmp_path, [TRICKY])
    raw = data.path.read_bytes()
    data.path.write_bytes(raw.replace(b"plain", b"PLAIN"))
    with pytest.raises(RuntimeError, match="SHA-256 differs"):
        next(data_file_statements(str(data.path), run.offset, run.length, run.count, run.sha256))
    data.path.write_bytes(raw[: run.offset + run.length // 2])  # truncated
    with pytest.raises(RuntimeError, match="SHA-256 differs"):
        next(data_file_statements(str(data.path), run.offset, run.length, run.count, run.sha256))


def test_nothing_written_means_no_file(tmp_path):
    spool = DataSpool(tmp_path / "none.data.sql", "none.data.sql", "test")
    assert spool.close() is None
    assert not (tmp_path / "none.data.sql").exists()


def revision_namespace(data_dir: Path) -> dict:
    """The script directory's helpers module, as convert writes it, loaded as the revisions
    import it."""
    path = data_dir / "converter_helpers.py"
    namespace = {"__file__": str(path)}
    exec(compile(helpers_module(), str(path), "exec"), namespace)  # noqa: S102 - the output's own code
    return namespace


def test_the_revision_helper_runs_the_statements_online(db_url, tmp_path):
    engine = engine_for(db_url)
    texts = [
        "INSERT INTO t (a, b) VALUES (1, 'it''s :gold 100%')",
        "INSERT INTO t (a, b) VALUES (2, 'semi; colon\n-- @ 3\n')",
        "UPDATE t SET b = 'naïve' WHERE a = 2",
    ]
    spool = DataSpool(tmp_path / "x.data.sql", "x.data.sql", "test")
    run = None
    for i, text in enumerate(texts):
        run = spool.add(statement(text), i == 0) or run
    spool.close()
    ns = revision_namespace(tmp_path)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (a INTEGER, b VARCHAR(50))")
            with Operations.context(MigrationContext.configure(conn)):
                ns["execute_data_file"](
                    str(tmp_path / "x.py"),
                    "x.data.sql",
                    run.offset,
                    run.length,
                    run.count,
                    run.sha256,
                )
            rows = conn.exec_driver_sql("SELECT a, b FROM t ORDER BY a").all()
            conn.exec_driver_sql("DROP TABLE t")
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "it's :gold 100%"), (2, "naïve")]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_the_revision_helper_prints_the_statements_in_sql_mode(dialect, tmp_path):
    spool = DataSpool(tmp_path / "x.data.sql", "x.data.sql", "test")
    run = None
    for i, text in enumerate(TRICKY):
        run = spool.add(statement(text), i == 0) or run
    spool.close()
    ns = revision_namespace(tmp_path)
    buf = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=dialect, opts={"as_sql": True, "output_buffer": buf}
    )
    with Operations.context(context):
        ns["execute_data_file"](
            str(tmp_path / "x.py"), "x.data.sql", run.offset, run.length, run.count, run.sha256
        )
    assert buf.getvalue() == "".join(f"{t};\n\n" for t in TRICKY)


def migration(tmp_path: Path, text: str, down: str | None = None) -> LegacyMigration:
    up = (Script("sql", text, tmp_path / "002_seed.sql", "002_seed.sql"),)
    downs = (
        (Script("sql", down, tmp_path / "002_seed.down.sql", "002_seed.down.sql"),) if down else ()
    )
    return LegacyMigration("plain", "002", "seed", Kind.VERSIONED, up, downs)


def plan_of(m: LegacyMigration, data_dir: Path | None, dialect: str = "sqlite"):
    spool = None if data_dir is None else data_spool(data_dir, "0002_seed.py", m.name, "seed")
    return plan.plan_revision(
        m, revision="seed", down_revision=None, filename="0002_seed.py",
        date=datetime(2024, 1, 1), dialect=dialect, spool=spool,
    )  # fmt: skip


def test_a_large_script_keeps_its_data_statements_in_the_data_file(tmp_path, monkeypatch):
    monkeypatch.setattr(plan, "BULK_SCRIPT_CHARS", 200)
    rows = [f"INSERT INTO t VALUES ({i}, 'row {i}');" for i in range(6)]
    text = "\n".join(rows[:3] + ["CREATE INDEX ix ON t (a);", "VACUUM;"] + rows[3:]) + "\n"
    p = plan_of(
        migration(tmp_path, text, down="DELETE FROM t;\nDROP INDEX ix;\n"), tmp_path / "spool"
    )
    kinds = [b.kind for b in p.upgrade.blocks]
    assert kinds[0] == kinds[3] == "data" and "data" not in kinds[1:3]  # order kept
    assert p.upgrade.blocks[2].kind == "sql" and p.upgrade.blocks[2].autocommit  # VACUUM
    assert [b.data.count for b in p.upgrade.blocks if b.kind == "data"] == [3, 3]
    assert p.downgrade.blocks[0].kind == "sql"  # the down script is small: kept in the revision
    assert p.data_file is not None and p.data_file.name == "0002_seed.data.sql"
    assert p.data_file.count == 6 and p.data_file.path == tmp_path / "spool" / "0002_seed.data.sql"
    assert p.stats.autocommit == 1 and p.stats.verbatim >= 7
    runs = [b.data for b in p.upgrade.blocks if b.kind == "data"]
    got = [
        t
        for r in runs
        for t in data_file_statements(str(p.data_file.path), r.offset, r.length, r.count, r.sha256)
    ]
    assert got == [r.rstrip(";") for r in rows]
    call = "\n".join(runs[0].call())
    assert (
        "lines 1-3" in call
        and 'execute_data_file(\n    __file__,\n    "0002_seed.data.sql",' in call
    )


def test_small_scripts_and_plans_without_a_data_dir_are_unchanged(tmp_path, monkeypatch):
    text = "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n"
    p = plan_of(migration(tmp_path, text), tmp_path / "spool")
    assert [b.kind for b in p.upgrade.blocks] == ["sql", "sql"] and p.data_file is None
    monkeypatch.setattr(plan, "BULK_SCRIPT_CHARS", 10)
    p = plan_of(migration(tmp_path, text), None)
    assert [b.kind for b in p.upgrade.blocks] == ["sql", "sql"] and p.data_file is None


def test_data_file_name_sits_beside_the_revision():
    assert bulk.data_file_name("20240101_seed_ab12.py") == "20240101_seed_ab12.data.sql"


def test_helpers_module_is_valid_python():
    compile(helpers_module(), "converter_helpers.py", "exec")
