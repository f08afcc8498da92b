"""convert --jobs (converter/parallel.py): revisions planned in a process pool are written
exactly as when planned in one process, and an error in a worker is reported as it would be
without the pool (file, line, what to do). No timing is checked here (bench/run.py measures)."""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter import parallel
from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.formats.base import ReadOptions
from converter.legacy import scan
from converter.plan import plan_revision
from converter.render import render_revision


def history(root: Path, count: int = 48) -> Path:
    """A plain history of `count` migrations: tables, columns, indexes, comments inside
    statements, downs written by hand and downs left to the exact inverse."""
    root.mkdir(parents=True)
    for n in range(1, count + 1):
        t = f"t{n:03d}"
        up = (
            f"-- table {n}\nCREATE TABLE {t} (\n    id INTEGER PRIMARY KEY, -- the key\n"
            f"    name VARCHAR(40) NOT NULL DEFAULT 'x',\n    amount NUMERIC(10, 2)\n);\n"
            f"CREATE INDEX ix_{t} ON {t} (name);\n"
        )
        if n > 1:
            up += f"ALTER TABLE t{n - 1:03d} ADD COLUMN extra_{n} INTEGER;\n"
        (root / f"{n:03d}_create_{t}.sql").write_text(up, encoding="utf-8")
        if n % 3 == 0:  # the others get the inverse of their upgrade
            down = f"DROP INDEX ix_{t};\nDROP TABLE {t};\n"
            if n > 1:
                down = f"ALTER TABLE t{n - 1:03d} DROP COLUMN extra_{n};\n" + down
            (root / f"{n:03d}_create_{t}.down.sql").write_text(down, encoding="utf-8")
    return root


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def pools(monkeypatch) -> list[int]:
    """The pool threshold lowered to a few migrations; records the pools started (jobs)."""
    started: list[int] = []
    real = parallel._pool

    def spy(jobs: int):
        started.append(jobs)
        return real(jobs)

    monkeypatch.setattr(parallel, "POOL_MIN_TASKS", 4)
    monkeypatch.setattr(parallel, "_pool", spy)
    return started


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql", "sqlite,postgresql"])
def test_the_pool_writes_the_same_bytes_as_one_process(dialect, tmp_path, pools):
    legacy = history(tmp_path / "legacy")
    one = convert(
        legacy,
        tmp_path / "one" / "alembic",
        ConvertOptions(dialect=dialect, date_from="20240101", jobs=1),
    )
    assert pools == []
    two = convert(
        legacy,
        tmp_path / "two" / "alembic",
        ConvertOptions(dialect=dialect, date_from="20240101", jobs=2),
    )
    assert pools == [2]
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert [p.to_json() for p in one.plans] == [p.to_json() for p in two.plans]
    assert one.warnings == two.warnings
    assert sum(p.stats.ops for p in two.plans) > 90  # translated and proven in the workers


def test_a_small_history_is_planned_in_this_process(tmp_path, pools):
    legacy = history(tmp_path / "legacy", count=3)
    convert(
        legacy,
        tmp_path / "out" / "alembic",
        ConvertOptions(dialect="sqlite", date_from="20240101", jobs=2),
    )
    assert pools == []


def test_an_error_in_a_worker_names_the_file_and_line(tmp_path, pools):
    legacy = history(tmp_path / "legacy", count=30)
    bad = legacy / "020_create_t020.sql"
    bad.write_text("INSERT INTO t019 VALUES (1);\nINSERT INTO t019 VALUES ('oops);\n")
    out = tmp_path / "project" / "alembic"
    result = CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--jobs",
            "2",
            "--date-from",
            "20240101",
        ],  # fmt: skip
    )
    assert pools == [2]
    assert result.exit_code == 1, result.output
    assert f"{bad}:2:26" in result.output
    assert "string literal starting here is never closed" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_jobs_must_be_positive(tmp_path):
    legacy = history(tmp_path / "legacy", count=2)
    result = CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(tmp_path / "o"),
            "--dialect",
            "sqlite",
            "--jobs",
            "0",
        ],  # fmt: skip
    )
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output


def test_a_slimmed_plan_renders_the_same_and_pickles(tmp_path):
    """What a worker sends back: the rendered Python instead of operation objects (an
    inverse downgrade rendered in the worker), statements without their tokens."""
    legacy = history(tmp_path / "legacy", count=4)
    migrations = scan(legacy, None, ReadOptions(dialect="postgresql")).migrations
    for m in migrations:
        plan = plan_revision(m, revision=f"r{m.version}", down_revision=None,
                             filename=f"{m.version}.py", date=datetime(2024, 1, 1),
                             dialect="postgresql")  # fmt: skip
        before = render_revision(plan)
        again = pickle.loads(pickle.dumps(plan.slim()))  # sqlglot's C tokens do not unpickle
        blocks = [b for body in (again.upgrade, again.downgrade) for b in body.blocks]
        assert all(b.statement is None or b.statement.tokens == () for b in blocks)
        assert all(b.ops == [] and b.rendered is not None for b in blocks if b.kind == "ops")
        assert render_revision(again) == before
        assert "# the key" in before  # a comment inside a statement, kept through slimming


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_workers_end_when_convert_is_killed(tmp_path):
    """SIGKILL leaves no clean-up to the caller: its workers notice and end by themselves
    (they would otherwise wait for work forever)."""
    legacy = history(tmp_path / "legacy", count=200)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "converter",
            "convert",
            str(legacy),
            "--out",
            str(tmp_path / "out" / "alembic"),
            "--dialect",
            "postgresql",
            "--jobs",
            "2",
            "--date-from",
            "20240101",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    for _ in range(600):  # the pool starts once the history is read
        workers = {p for p in _children(proc.pid) if "converter" in _cmdline(p)}
        if len(workers) >= 2 or proc.poll() is not None:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "convert finished before its pool was seen"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for _ in range(400):
        if not any(Path(f"/proc/{p}").exists() for p in workers):
            break
        time.sleep(0.05)
    left = [p for p in workers if Path(f"/proc/{p}").exists()]
    for p in left:  # never leave them behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert left == []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
