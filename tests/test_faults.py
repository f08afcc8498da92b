"""Faults (issue 15): the database server stops in the middle of verify and of stamp.

A throwaway PostgreSQL cluster is made for each test with `initdb` and `pg_ctl` (its own
data directory and port; the shared servers are never touched), and stopped (`pg_ctl stop
-m immediate`, as a crash) while a legacy Python migration of the history waits for the test
to say "go". The run must end with one clear error, exit 2, no traceback, and nothing
half-written (the --json report says what happened; no output file is left half-written).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_DB = os.environ.get("CONVERTER_REQUIRE_DB") == "1"
SAMPLES = Path(__file__).resolve().parent.parent / "samples"

pytestmark = pytest.mark.postgres  # a PostgreSQL server of its own: slow, like the others


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return None


def _as_postgres() -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.fail("running as root without runuser: cannot start a throwaway PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.port = _free_port()
        self.pg_ctl = _binary("pg_ctl")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        assert self.pg_ctl is not None
        subprocess.run(
            [*_as_postgres(), self.pg_ctl, "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def stop(self) -> None:
        self.ctl("stop", "-m", "immediate", "-w")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if REQUIRE_DB:
            pytest.fail("initdb/pg_ctl not found: cannot start a throwaway PostgreSQL")
        pytest.skip("initdb/pg_ctl not found")
    # the server's user must reach its data directory: not under pytest's root-only folder
    root = Path(tempfile.mkdtemp(prefix="converter-test-pg-"))
    os.chmod(root, 0o777)
    c = Cluster(root)
    subprocess.run(
        [*_as_postgres(), initdb, "-D", str(c.data), "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
    )
    c.ctl(
        "start", "-w", "-l", str(c.data / "log"),
        "-o", f"-p {c.port} -k {c.data} -c listen_addresses=127.0.0.1 -c fsync=off",
    )  # fmt: skip
    try:
        yield c
    finally:
        subprocess.run(
            [*_as_postgres(), pg_ctl, "-D", str(c.data), "stop", "-m", "immediate"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)


def waiting_history(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A plain legacy folder whose second migration (Python) says "ready" and waits for
    "go", converted for PostgreSQL. Returns (legacy, alembic, ready, go)."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    ready, go = tmp_path / "ready", tmp_path / "go"
    (legacy / "001_t.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    (legacy / "002_wait.py").write_text(
        "import time\nfrom pathlib import Path\nfrom sqlalchemy import text\n\n\n"
        "def upgrade(conn):\n"
        f"    Path({str(ready)!r}).write_text('x')\n"
        f"    while not Path({str(go)!r}).exists():\n"
        "        time.sleep(0.05)\n"
        "    conn.execute(text('INSERT INTO t VALUES (1)'))\n"
    )
    out = tmp_path / "alembic"
    subprocess.run(
        [sys.executable, "-m", "converter", "convert", str(legacy), "--out", str(out),
         "--dialect", "postgresql", "--date-from", "20240101"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return legacy, out, ready, go


def run_until_ready(args: list[str], ready: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "converter", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), proc.communicate()
    return proc


def test_server_stops_in_the_middle_of_verify(cluster: Cluster, tmp_path: Path) -> None:
    legacy, out, ready, go = waiting_history(tmp_path)
    report = tmp_path / "verify.json"
    proc = run_until_ready(
        ["verify", str(legacy), str(out), "--url", cluster.url, "--json", str(report),
         "--timeout", "3"],
        ready,
    )  # fmt: skip
    cluster.stop()
    go.write_text("x")
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    (error,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert f"lost the connection to postgresql+psycopg://postgres@127.0.0.1:{cluster.port}" in error
    doc = json.loads(report.read_text())  # the report is whole, and says what happened
    assert doc["equivalent"] is False and doc["error"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_server_stops_in_the_middle_of_stamp(cluster: Cluster, tmp_path: Path) -> None:
    legacy, out, ready, go = waiting_history(tmp_path)
    # stamp identifies the (empty-but-for-one-table) database by its schema: the fingerprints
    # are built on the same server, running the history's revisions, the waiting one too
    subprocess.run(
        [sys.executable, "-c",
         "import sqlalchemy as sa, sys; e = sa.create_engine(sys.argv[1]);\n"
         "with e.begin() as c: c.exec_driver_sql('CREATE TABLE t (id INTEGER PRIMARY KEY)')",
         cluster.url],
        check=True,
    )  # fmt: skip
    proc = run_until_ready(
        ["stamp", "--alembic-dir", str(out), "--url", cluster.url, "--from-table", "none",
         "--report", "json", "--timeout", "3"],
        ready,
    )  # fmt: skip
    cluster.stop()
    go.write_text("x")
    outs, err = proc.communicate(timeout=180)
    assert proc.returncode == 2, (outs, err)
    assert "Traceback" not in outs + err
    (result,) = json.loads(outs)["results"]
    assert result["action"] == "unreachable", result
    assert result["reason"].startswith("lost the connection: ")
    assert not (out / "converter-fingerprints.json").exists()  # no half-built cache
