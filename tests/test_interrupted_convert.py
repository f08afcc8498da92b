"""A convert killed at any point leaves the old tree or the complete new one, never half.

The process is killed (SIGKILL: no cleanup code runs) after random delays while it writes;
afterwards the output is either absent, the previous complete tree, or the new complete
tree, and the next run finishes the job."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from converter.convert import ConvertOptions, convert

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def big_history(root: Path, n: int = 120) -> Path:
    root.mkdir()
    for i in range(1, n + 1):
        (root / f"{i:04d}_table_{i}.sql").write_text(
            f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v TEXT);\n"
        )
        (root / f"{i:04d}_table_{i}.down.sql").write_text(f"DROP TABLE t{i};\n")
    return root


def test_killed_at_random_points_leaves_old_or_complete_tree(tmp_path):
    legacy = big_history(tmp_path / "migrations")
    reference = tmp_path / "ref" / "alembic"
    convert(legacy, reference, ConvertOptions(dialect="sqlite", date_from="20240101"))
    complete = tree(reference)
    old = None
    rng = random.Random(1234)
    out = tmp_path / "work" / "alembic"
    for attempt in range(8):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "converter",
                "convert",
                str(legacy),
                "--out",
                str(out),
                "--dialect",
                "sqlite",
                "--date-from",
                "20240101",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():
            got = tree(out)
            assert got in (complete, old), f"attempt {attempt}: a half-written tree"
        if attempt == 3 and out.exists():
            old = tree(out)
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert tree(out) == complete
    leftovers = [
        p.name for p in out.parent.iterdir() if p.name != "alembic" and p.name != "alembic.ini"
    ]
    assert leftovers == [] or all(name.endswith(".tmp") for name in leftovers)
