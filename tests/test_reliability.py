"""Reliability, round 2 (issue 15): no hangs, no tracebacks, no secrets, nothing left behind.

Each test goes through the command line (click's CliRunner, or a subprocess where the exit
code of a signal matters) and was written to fail before the fix:

1. a server that accepts connections and never answers does not hang stamp (a fleet with
   --jobs), drift or verify: each reports a timeout (exit 2; "timed-out" in a fleet's table);
2. bad URLs, missing/unknown drivers, unwritable output, a full disk and dangling symlinks are
   one line and exit 2 (input problems exit 1), never a traceback;
3. passwords (user:password@ and ?password=) never appear in any output;
4. URLs files take trailing comments; a connection failure in a fleet says why;
5. scan reports what convert rejects;
6. verify: a PostgreSQL history needs --url; --json on errors; --downgrade failures;
   differing rows shown; down files named; Ctrl-C exits 130;
7. drift says which side is the live database;
8. stale staging folders and scratch databases of killed runs are cleaned up.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import cli

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, **kwargs)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP listener on 127.0.0.1 that accepts every connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def sqlite_history(tmp_path: Path) -> Path:
    out = tmp_path / "alembic"
    result = run(
        "convert",
        SAMPLES / "flyway" / "sqlite",
        "--out",
        out,
        "--dialect",
        "sqlite",
        "--date-from",
        "20240101",
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def server_histories(tmp_path: Path) -> dict[str, Path]:
    """The flyway sample converted for each server database."""
    out = {}
    for dialect in ("postgresql", "mysql"):
        out[dialect] = tmp_path / f"alembic-{dialect}"
        result = run(
            "convert", SAMPLES / "flyway" / dialect, "--out", out[dialect], "--dialect", dialect,
            "--date-from", "20240101",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return out


def empty_sqlite(path: Path) -> str:
    import sqlite3

    sqlite3.connect(path).close()
    path.write_bytes(path.read_bytes())  # an empty file is a valid, empty database
    return f"sqlite:///{path}"


# -- 1. no hangs ------------------------------------------------------------------------


def test_fleet_with_a_silent_server_finishes_with_its_table(
    silent_port: int, sqlite_history: Path, tmp_path: Path
) -> None:
    good = empty_sqlite(tmp_path / "good.db")
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(
        f"postgresql://postgres@127.0.0.1:{silent_port}/app   # stuck\n"
        f"{good}\n"
        f"mysql://root@127.0.0.1:{silent_port}/app\n"
    )
    result = run(
        "stamp",
        "--alembic-dir",
        sqlite_history,
        "--urls-file",
        fleet,
        "--jobs",
        "2",
        "--timeout",
        "2",
        "--report",
        "json",
    )
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    actions = {r["database"]: (r["action"], r["reason"]) for r in report["results"]}
    assert actions[good][0] == "stamped"
    stuck = [a for d, a in actions.items() if d != good]
    assert [a for a, _ in stuck] == ["timed-out", "timed-out"]
    assert all("timed out (no answer within 2s)" in reason for _, reason in stuck)


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_drift_and_verify_against_a_silent_server_time_out(
    silent_port: int, server_histories: dict[str, Path], tmp_path: Path, scheme: str
) -> None:
    history = server_histories[scheme]
    url = f"{scheme}://u:secretpw@127.0.0.1:{silent_port}/app"
    drift = run("drift", "--url", url, "--alembic-dir", history, "--timeout", "2")
    assert drift.exit_code == 2
    assert "timed out (no answer within 2s)" in drift.stderr
    assert "Traceback" not in drift.output and "secretpw" not in drift.output
    report = tmp_path / "verify.json"
    verify = run(
        "verify",
        SAMPLES / "flyway" / scheme,
        history,
        "--url",
        url,
        "--timeout",
        "2",
        "--json",
        report,
    )
    assert verify.exit_code == 2
    assert "timed out" in verify.stderr and "secretpw" not in verify.output
    written = json.loads(report.read_text())  # written on a connection error too
    assert written["equivalent"] is False and "timed out" in written["error"]
    assert "secretpw" not in report.read_text()


def test_timeout_is_a_setting_of_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "converter.toml").write_text("[stamp]\ntimeout = 3.5\n")
    result = run("config", "--config", tmp_path / "converter.toml", "--json", "stamp")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["commands"]["stamp"]["timeout"]["value"] == 3.5


# -- 4. URLs files ----------------------------------------------------------------------


def test_urls_file_comments_and_blank_lines(tmp_path: Path) -> None:
    from converter.stamp import read_urls_file

    f = tmp_path / "fleet.txt"
    f.write_text(
        "# the fleet\n\npostgresql://a@h/db1   # primary\n  mysql://b:p%23w@h/db2\t#replica\n"
    )
    assert read_urls_file(f) == ["postgresql://a@h/db1", "mysql://b:p%23w@h/db2"]


def test_connection_failure_in_a_fleet_has_its_own_action_and_reason(
    sqlite_history: Path, tmp_path: Path
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: connection refused
    good = empty_sqlite(tmp_path / "good.db")
    fleet = tmp_path / "fleet.txt"
    fleet.write_text(f"postgresql://u:hunter22@127.0.0.1:{port}/app  # gone\n{good}\n")
    result = run("stamp", "--alembic-dir", sqlite_history, "--urls-file", fleet, "--report", "json")
    assert result.exit_code == 2
    bad = json.loads(result.stdout)["results"][0]
    assert bad["action"] == "unreachable"
    assert "refused" in bad["reason"].lower() and "hunter22" not in result.output


# -- 2. one line and exit 2, never a traceback --------------------------------------------


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    return result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql+mysqldb://root@127.0.0.1:1/db", "driver 'mysqldb' for mysql+mysqldb://"),
        ("postgresql://u@127.0.0.1:notaport/db", "the port is not a number"),
        ("postgresql+nodriver://u@127.0.0.1/db", "unknown database driver 'nodriver'"),
        ("mysql://root@127.0.0.1:1/db", "cannot"),  # no driver named: PyMySQL, not MySQLdb
        ("mariadb://root@127.0.0.1:1/db", "cannot"),
        ("postgresql://u@127.0.0.1:1/db", "cannot"),  # psycopg, not psycopg2
    ],
)
def test_bad_urls_are_one_line_and_exit_2(
    url: str, expected: str, server_histories: dict[str, Path]
) -> None:
    dialect = "postgresql" if url.startswith("postgresql") else "mysql"
    history = server_histories[dialect]
    for args in (
        ("drift", "--url", url, "--alembic-dir", history),
        ("verify", SAMPLES / "flyway" / dialect, history, "--url", url),
    ):
        assert expected in one_line_error(run(*args))


def test_missing_driver_names_the_extra(monkeypatch, sqlite_history: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name == "psycopg" or name.startswith("psycopg."):
            raise ModuleNotFoundError("No module named 'psycopg'", name="psycopg")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    for mod in [m for m in __import__("sys").modules if m.startswith("psycopg")]:
        monkeypatch.delitem(__import__("sys").modules, mod)
    error = one_line_error(
        run("drift", "--url", "postgresql://u@127.0.0.1:1/db", "--alembic-dir", sqlite_history)
    )
    assert "converter[postgres]" in error


def test_read_only_output_is_one_line_and_exit_2(tmp_path: Path, monkeypatch) -> None:
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    out = tmp_path / "alembic"
    result = run(
        "convert", SAMPLES / "flyway" / "sqlite", "--out", out, "--dialect", "sqlite",
        "--date-from", "20240101",
    )  # fmt: skip
    error = one_line_error(result)
    assert "Read-only file system" in error and "read-only" in error
    assert not out.exists()


def large_seed(folder: Path) -> Path:
    folder.mkdir()
    (folder / "V1__init.sql").write_text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n")
    row = "x" * 200
    with open(folder / "V2__seed.sql", "w") as fh:
        for i in range(6000):
            fh.write(f"INSERT INTO t (id, v) VALUES ({i}, '{row}');\n")
    return folder


def test_full_disk_while_writing_a_seed_data_file(tmp_path: Path, monkeypatch) -> None:
    import errno

    from converter import bulk

    legacy = large_seed(tmp_path / "legacy")

    class FillsUp:
        """A file that takes 200 kB, then says the disk is full."""

        def __init__(self, fh) -> None:
            self.fh, self.size = fh, 0

        def write(self, data) -> int:
            self.size += len(data)
            if self.size > 200_000:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(data)

        def close(self) -> None:
            self.fh.close()

    monkeypatch.setattr(bulk, "open", lambda *a, **k: FillsUp(open(*a, **k)), raising=False)  # noqa: SIM115
    out = tmp_path / "alembic"
    result = run("convert", legacy, "--out", out, "--dialect", "sqlite", "--date-from", "20240101")
    error = one_line_error(result)
    assert "No space left on device" in error and "data file" in error and "disk is full" in error
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no staging


@pytest.mark.parametrize(
    ("format_name", "first", "link"),
    [
        ("flyway", "V1__init.sql", "V9__x.sql"),
        ("golang-migrate", "000001_init.up.sql", "000009_x.up.sql"),
        ("yoyo", "0001_init.sql", "0009_x.sql"),
        ("diesel", "2024-01-01-000000_init/up.sql", "2024-01-02-000000_x/up.sql"),
    ],
)
def test_dangling_symlink_is_an_error_naming_it(
    tmp_path: Path, format_name: str, first: str, link: str
) -> None:
    legacy = tmp_path / "legacy"
    (legacy / first).parent.mkdir(parents=True, exist_ok=True)
    (legacy / first).write_text("CREATE TABLE t (id INTEGER);\n")
    (legacy / link).parent.mkdir(parents=True, exist_ok=True)
    (legacy / link).symlink_to(tmp_path / "gone.sql")
    scan = run("scan", legacy, "--format", format_name)
    convert = run(
        "convert", legacy, "--out", tmp_path / "out", "--dialect", "sqlite",
        "--format", format_name, "--date-from", "20240101",
    )  # fmt: skip
    for result in (scan, convert):
        error = one_line_error(result, 1)
        assert link in error and "dangling symbolic link" in error


# -- 3. secrets -------------------------------------------------------------------------

PLANTED = "Planted-Secret-42"


def with_secrets(url: str) -> list[str]:
    """`url` with a password, and with a password in its query (PostgreSQL's trust
    authentication ignores both; the point is where they are printed)."""
    import sqlalchemy as sa

    u = sa.make_url(url)
    return [
        u.set(password=PLANTED).render_as_string(hide_password=False),
        u.update_query_dict({"password": PLANTED}).render_as_string(hide_password=False),
    ]


def test_mask_hides_passwords_and_secret_query_parameters() -> None:
    from converter.scratch import mask, mask_text

    url = f"postgresql://app:{PLANTED}@db/app?sslmode=require&sslpassword={PLANTED}"
    assert PLANTED not in mask(url)
    assert "sslmode=require" in mask(url)
    assert PLANTED not in mask(f"mysql://u@h/db?passwd={PLANTED}")
    text = f"failed: host=db password={PLANTED} user=app; url mysql://u:{PLANTED}@h/x"
    assert PLANTED not in mask_text(text)
    assert PLANTED not in mask_text(f"the secret is {PLANTED}", f"mysql://u:{PLANTED}@h/x")


def test_a_planted_password_appears_in_no_output(
    pg_server, make_db, sqlite_history: Path, tmp_path: Path
) -> None:
    import sqlalchemy as sa

    legacy = SAMPLES / "flyway" / "postgresql"
    history = tmp_path / "pg-alembic"
    assert run(
        "convert", legacy, "--out", history, "--dialect", "postgresql", "--date-from", "20240101"
    ).exit_code == 0  # fmt: skip
    server = sa.make_url(make_db("postgresql")).set(database="postgres")
    outputs: list[str] = []
    files: list[Path] = []
    codes: list[int] = []
    for n, url in enumerate(with_secrets(server.render_as_string(hide_password=False))):
        target = with_secrets(make_db("postgresql"))[n]
        json_file, junit = tmp_path / f"verify{n}.json", tmp_path / f"verify{n}.xml"
        files += [json_file, junit]
        closed = (
            url.replace(":5432", ":1")
            if ":5432" in url
            else url.replace("@127.0.0.1", "@127.0.0.1:1")
        )
        config = tmp_path / f"converter{n}.toml"
        config.write_text(f'[stamp]\nurl = ["{target}"]\nscratch-url = "{url}"\n')
        runs = [
            ("verify", legacy, history, "--url", url, "--json", json_file, "--junit", junit),
            ("verify", legacy, history, "--url", closed, "--json", json_file, "--junit", junit),
            ("stamp", "--alembic-dir", history, "--url", target, "--dry-run"),
            ("stamp", "--alembic-dir", history, "--url", target, "--sql"),
            ("stamp", "--alembic-dir", history, "--url", target, "--report", "json"),
            ("stamp", "--alembic-dir", history, "--url", closed),
            ("drift", "--url", target, "--alembic-dir", history, "--json", tmp_path / "d.json"),
            ("drift", "--url", closed, "--alembic-dir", history),
            ("config", "--config", config, "stamp"),
            ("config", "--config", config, "--json", "stamp"),
            ("config", "--config", config),
        ]
        for args in runs:
            result = run(*args)
            assert "Traceback" not in result.output, (args, result.output)
            outputs.append(result.output)
            codes.append(result.exit_code)
        files.append(tmp_path / "d.json")
    # the runs did what they say (not all refused at the door): verify equivalent, stamp at
    # base (an empty database), drift none; connection failures exit 2
    assert codes == [0, 2, 0, 0, 0, 2, 0, 2, 0, 0, 0] * 2, codes
    assert outputs and all(PLANTED not in out for out in outputs), [
        out for out in outputs if PLANTED in out
    ]
    for f in files:
        assert f.exists() and PLANTED not in f.read_text(), f


# -- 5. scan reports what convert rejects ----------------------------------------------


@pytest.mark.parametrize(
    ("sql", "dialect", "expected"),
    [
        ("CREATE TABLE t (v TEXT DEFAULT 'abc);\n", None, "string literal"),
        (
            "CREATE TABLE t (id INT);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n",
            "postgresql",
            "dollar-quoted string $$",
        ),
    ],
)
def test_scan_lists_what_convert_rejects(
    tmp_path: Path, sql: str, dialect: str | None, expected: str
) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "V1__init.sql").write_text("CREATE TABLE a (id INTEGER);\n")
    (legacy / "V2__bad.sql").write_text(sql)
    convert = run(
        "convert", legacy, "--out", tmp_path / "out", "--dialect", dialect or "sqlite",
        "--date-from", "20240101",
    )  # fmt: skip
    assert convert.exit_code == 1 and expected in convert.stderr
    scan = run("scan", legacy, *(("--dialect", dialect) if dialect else ()), "--json")
    assert scan.exit_code == 1, scan.output
    problems = json.loads(scan.stdout)["problems"]
    assert [(p["severity"], Path(p["path"]).name) for p in problems] == [("error", "V2__bad.sql")]
    assert expected in problems[0]["message"] and problems[0]["line"] == sql.count("\n")


def test_scan_without_a_dialect_warns_for_the_dialects_that_reject(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "V1__f.sql").write_text("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n")
    scan = run("scan", legacy, "--json")
    problems = json.loads(scan.stdout)["problems"]
    assert [p["severity"] for p in problems] == ["warning"]
    assert "for postgresql:" in problems[0]["message"]


# -- 7. drift says which side is the live database --------------------------------------


def test_drift_names_the_side_of_each_value(sqlite_history: Path, tmp_path: Path) -> None:
    import sqlite3

    from alembic import command
    from alembic.config import Config

    db = tmp_path / "live.db"
    cfg = Config(str(sqlite_history.parent / "alembic.ini"))
    cfg.set_main_option("script_location", str(sqlite_history))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db}")
    command.upgrade(cfg, "head")
    conn = sqlite3.connect(db)
    conn.execute("ALTER TABLE invoices ADD COLUMN discount INTEGER")
    conn.execute("CREATE TABLE hotfix (id INTEGER PRIMARY KEY, note VARCHAR(500))")
    conn.commit()
    conn.close()
    result = run("drift", "--url", f"sqlite:///{db}", "--alembic-dir", sqlite_history, "--json",
                 tmp_path / "d.json")  # fmt: skip
    assert result.exit_code == 1, result.output
    texts = [d["text"] for d in json.loads((tmp_path / "d.json").read_text())["differences"]]
    assert "table hotfix: missing in the history" in texts
    assert "table invoices, column discount: missing in the history" in texts


def test_a_changed_value_names_both_sides() -> None:
    from converter.diff import Difference

    d = Difference("table", "customers", "column email", "type", "VARCHAR(500)", "TEXT")
    assert (
        d.render(("the history", "the live database"), sided=True)
        == "table customers, column email: type VARCHAR(500) in the history vs TEXT in the live database"
    )


# -- 8. nothing left behind -------------------------------------------------------------


def test_convert_removes_staging_folders_of_killed_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "alembic"
    killed = subprocess.run(
        [sys.executable, "-c",
         "import os, signal, sys; from pathlib import Path; from converter.write import staging_dir; "
         "d = staging_dir(Path(sys.argv[1]), '.alembic.'); (d / 'alembic').mkdir(); "
         "os.kill(os.getpid(), signal.SIGKILL)", str(tmp_path)],
    )  # fmt: skip
    assert killed.returncode == -9
    (left,) = [p for p in tmp_path.iterdir() if p.name.startswith(".alembic.")]
    foreign = tmp_path / ".alembic.someone-elses.tmp"  # no marker: not ours, never touched
    foreign.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / ".alembic.live.tmp"  # a run still going: kept
        live.mkdir()
        (live / "converter-staging").write_text(f"{sleeper.pid} {socket.gethostname()}\n")
        result = run(
            "convert", SAMPLES / "flyway" / "sqlite", "--out", out, "--dialect", "sqlite",
            "--date-from", "20240101",
        )  # fmt: skip
    finally:
        sleeper.kill()
        sleeper.wait()
    assert result.exit_code == 0, result.output
    assert not left.exists() and foreign.exists() and live.exists()
    assert "removed 1 staging folder(s) that a killed run left" in result.output
    assert left.name in result.output


def test_stale_scratch_databases_are_dropped_on_the_next_run(
    pg_server, make_db, sqlite_history: Path, tmp_path: Path
) -> None:
    import time

    import sqlalchemy as sa

    from converter.scratch import leftover_databases, scratch_token

    server = sa.make_url(make_db("postgresql")).set(database="postgres")
    url = server.render_as_string(hide_password=False)
    old = f"converter_verify_{scratch_token(time.time() - 3 * 86400)}_legacy"
    young = f"converter_verify_{scratch_token(time.time() - 600)}_alembic"
    other = "converter_keepme_" + scratch_token().replace("_", "")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in (old, young, other):
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        history = tmp_path / "pg-alembic"
        converted = run(
            "convert", SAMPLES / "flyway" / "postgresql", "--out", history,
            "--dialect", "postgresql", "--date-from", "20240101",
        )  # fmt: skip
        assert converted.exit_code == 0, converted.output
        result = run("verify", SAMPLES / "flyway" / "postgresql", history, "--url", url)
        assert result.exit_code == 0, result.output
        assert f"that a killed run left on {server.render_as_string()}" in result.output
        assert old in result.output
        left = leftover_databases(url)
        assert old not in left and young in left and other in left
    finally:
        with admin.connect() as conn:
            for name in (old, young, other):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


# -- 6. verify ----------------------------------------------------------------------------


def plain_history(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A plain numbered legacy folder of `files`, converted for SQLite."""
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name, text in files.items():
        (legacy / name).write_text(text)
    out = tmp_path / "alembic"
    converted = run(
        "convert", legacy, "--out", out, "--dialect", "sqlite", "--date-from", "20240101",
        "--style", "sql",
    )  # fmt: skip
    assert converted.exit_code == 0, converted.output
    return legacy, out


def test_a_data_difference_shows_the_differing_rows(tmp_path: Path) -> None:
    legacy, out = plain_history(
        tmp_path,
        {
            "001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n",
            "002_seed.sql": "INSERT INTO t VALUES (1, 'a');\nINSERT INTO t VALUES (2, 'b');\n"
            "INSERT INTO t VALUES (3, 'c');\n",
            "003_bag.sql": "CREATE TABLE bag (v TEXT);\nINSERT INTO bag VALUES ('x');\n",
        },
    )
    (legacy / "002_seed.sql").write_text(  # the legacy side now differs from the revision
        "INSERT INTO t VALUES (1, 'a');\nINSERT INTO t VALUES (2, 'B');\nINSERT INTO t VALUES (4, 'd');\n"
    )
    report = tmp_path / "v.json"
    result = run("verify", legacy, out, "--json", report)
    assert result.exit_code == 1, result.output
    (step,) = [s for s in json.loads(report.read_text())["steps"] if s["status"] == "different"]
    assert step["rows"] == [
        "t(id, name)",
        "row id=2: (2, 'B') in legacy vs (2, 'b') in alembic",
        "row id=3: only in alembic: (3, 'c')",
        "row id=4: only in legacy: (4, 'd')",
    ]
    assert "row id=2: (2, 'B') in legacy vs (2, 'b') in alembic" in result.output


def test_rows_of_a_table_without_a_primary_key_are_shown_by_content(tmp_path: Path) -> None:
    legacy, out = plain_history(
        tmp_path, {"001_bag.sql": "CREATE TABLE bag (v TEXT);\nINSERT INTO bag VALUES ('x');\n"}
    )
    (legacy / "001_bag.sql").write_text(
        "CREATE TABLE bag (v TEXT);\nINSERT INTO bag VALUES ('y');\n"
    )
    report = tmp_path / "v.json"
    assert run("verify", legacy, out, "--json", report).exit_code == 1
    (step,) = [s for s in json.loads(report.read_text())["steps"] if s["status"] == "different"]
    assert step["rows"] == ["bag(v)", "row only in legacy: ('y')", "row only in alembic: ('x')"]


def test_downgrade_rows_name_the_down_file_and_an_irreversible_head_fails(tmp_path: Path) -> None:
    legacy, out = plain_history(
        tmp_path,
        {
            "001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "001_t.down.sql": "DROP TABLE t;\n",
            "002_u.sql": "CREATE TABLE u (id INTEGER PRIMARY KEY);\n",
            "002_u.down.sql": "DROP TABLE u;\n",
        },
    )
    report = tmp_path / "v.json"
    assert run("verify", legacy, out, "--downgrade", "--json", report).exit_code == 0
    downs = [s for s in json.loads(report.read_text())["steps"] if s["phase"] == "downgrade"]
    assert [s["legacy_file"] for s in downs] == ["002_u.down.sql", "001_t.down.sql"]

    # the head revision cannot be downgraded and its legacy migration has no down
    (legacy / "003_v.sql").write_text("CREATE TABLE v (id INTEGER PRIMARY KEY);\n")
    assert run("convert", legacy, "--out", out, "--dialect", "sqlite", "--date-from",
               "20240101", "--style", "sql").exit_code == 0  # fmt: skip
    (head,) = (out / "versions").glob("*_v.py")
    text = head.read_text()
    body = text[text.index("def downgrade() -> None:") :]
    head.write_text(
        text.replace(body, "def downgrade() -> None:\n    raise NotImplementedError('no down')\n")
    )
    result = run("verify", legacy, out, "--downgrade", "--json", report)
    assert result.exit_code == 1, result.output
    assert "cannot be downgraded" in result.output
    assert "0 downgrades match" not in result.output
    doc = json.loads(report.read_text())
    assert doc["equivalent"] is False
    (failed,) = [s for s in doc["steps"] if s["status"] == "failed"]
    assert failed["phase"] == "downgrade"


def interrupted_verify(tmp_path: Path, sig: int) -> tuple[int, str, Path]:
    """Run verify in a subprocess whose legacy Python migration waits; send `sig` once it
    is there. Returns the exit code, stderr and the --json file."""
    import os
    import subprocess
    import sys
    import time

    ready = tmp_path / "ready"
    legacy, out = plain_history(
        tmp_path,
        {
            "001_t.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
            "002_wait.py": "import time\nfrom pathlib import Path\n\n\ndef upgrade(conn):\n"
            f"    Path({str(ready)!r}).write_text('x')\n    time.sleep(120)\n",
        },
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    report = tmp_path / "v.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "converter", "verify", str(legacy), str(out), "--json", str(report)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    deadline = time.monotonic() + 120
    while not ready.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ready.exists(), proc.communicate()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert list(scratch.iterdir()) == []  # the scratch SQLite files are gone
    return proc.returncode, err, report


@pytest.mark.parametrize(("sig", "code"), [(2, 130), (15, 143)])
def test_an_interrupted_verify_cleans_up_and_exits_130_or_143(
    tmp_path: Path, sig: int, code: int
) -> None:
    returncode, err, report = interrupted_verify(tmp_path, sig)
    assert returncode == code, err
    assert "Traceback" not in err
    doc = json.loads(report.read_text())
    assert doc["equivalent"] is False and doc["error"]


def test_verify_without_url_refuses_a_history_converted_for_postgresql(tmp_path: Path) -> None:
    legacy = SAMPLES / "flyway" / "postgresql"
    out = tmp_path / "alembic"
    assert run("convert", legacy, "--out", out, "--dialect", "postgresql", "--date-from",
               "20240101").exit_code == 0  # fmt: skip
    report = tmp_path / "v.json"
    result = run("verify", legacy, out, "--json", report)
    error = one_line_error(result)
    assert "was converted for postgresql" in error and "--url postgresql+psycopg://" in error
    assert "NOT equivalent" not in result.output
    assert json.loads(report.read_text())["error"]


def test_a_repeatable_head_says_that_no_downgrade_was_compared(sqlite_history: Path) -> None:
    result = run("verify", SAMPLES / "flyway" / "sqlite", sqlite_history, "--downgrade")
    assert result.exit_code == 0, result.output  # Flyway's repeatable migrations have no undo
    assert "nothing could be compared, the head revision active_subscriptions_view cannot be" in (
        " ".join(result.output.split())
    )
