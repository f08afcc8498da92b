"""Scratch databases: created on demand, dropped after success, failure, Ctrl-C and
SIGTERM; nothing else on the server is touched; passwords are never shown."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbhelpers import interruptible

from converter.errors import DatabaseError
from converter.scratch import dialect_of, leftover_databases, mask, redact, scratch_databases

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ["postgresql", "mysql"]


def names_on(url: str, prefix: str = "converter_t") -> set[str]:
    return set(leftover_databases(url, prefix))


def test_without_a_server_they_are_temporary_sqlite_files():
    with scratch_databases(None, ("legacy", "alembic"), prefix="converter_t") as urls:
        assert set(urls) == {"legacy", "alembic"}
        paths = [Path(sa.make_url(u).database) for u in urls.values()]
        assert paths[0].parent == paths[1].parent and paths[0] != paths[1]
        for url in urls.values():
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE t (id INTEGER)")
            engine.dispose()
        assert all(p.exists() for p in paths)
    assert not paths[0].parent.exists()


@pytest.mark.parametrize("dialect", SERVERS)
def test_server_databases_exist_inside_and_are_dropped_after(dialect, server):
    url = server(dialect)
    with scratch_databases(url, ("a", "b"), prefix="converter_t") as urls:
        names = {sa.make_url(u).database for u in urls.values()}
        assert len(names) == 2 and all(n.startswith("converter_t_") for n in names)
        assert names <= names_on(url)
        engine = sa.create_engine(urls["a"], poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            assert sa.inspect(conn).get_table_names() == []
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER)")
        engine.dispose()
    assert not names & names_on(url)


@pytest.mark.parametrize("dialect", SERVERS)
def test_dropped_after_an_exception_even_with_a_session_still_inside(dialect, server):
    url = server(dialect)
    leaked = None
    with pytest.raises(RuntimeError, match="boom"):
        with scratch_databases(url, ("a",), prefix="converter_t") as urls:
            name = sa.make_url(urls["a"]).database
            engine = sa.create_engine(urls["a"], poolclass=sa.pool.NullPool)
            leaked = engine.connect()  # never closed: holds a transaction with a lock
            leaked.exec_driver_sql("CREATE TABLE t (id INTEGER)")
            leaked.exec_driver_sql("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert name not in names_on(url)
    with pytest.raises(sa.exc.DBAPIError):
        leaked.exec_driver_sql("SELECT 1").all()  # its session was ended by the drop
    leaked.invalidate()
    engine.dispose()


@pytest.mark.parametrize("dialect", SERVERS)
def test_other_databases_are_never_touched(dialect, server, make_db):
    neighbour = make_db(dialect)
    engine = sa.create_engine(neighbour, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE keep_me (id INTEGER)")
    with scratch_databases(neighbour, ("x",), prefix="converter_t") as urls:
        assert sa.make_url(urls["x"]).database != sa.make_url(neighbour).database
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == ["keep_me"]
    engine.dispose()


def test_mysql_scratch_databases_take_the_character_set_of_the_urls_database(mysql_server, make_db):
    like = make_db("mysql")
    name = sa.make_url(like).database
    admin = sa.create_engine(sa.make_url(like).set(database=None), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f"ALTER DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci"
        )
    with scratch_databases(like, ("x",), prefix="converter_t") as urls, admin.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT default_character_set_name, default_collation_name FROM "
                "information_schema.schemata WHERE schema_name = :n"
            ),
            {"n": sa.make_url(urls["x"]).database},
        ).one()
    admin.dispose()
    assert tuple(row) == ("latin1", "latin1_swedish_ci")


def test_a_rejected_password_is_a_database_error_without_the_password(mysql_server):
    url = "mysql+pymysql://root:Sup3rS3cretPw@127.0.0.1:3306/"
    with pytest.raises(DatabaseError) as caught:
        with scratch_databases(url, ("x",)):
            pytest.fail("created databases with a wrong password")
    text = str(caught.value)
    assert "Sup3rS3cretPw" not in text
    assert text.startswith(
        "cannot create scratch databases on mysql+pymysql://root:***@127.0.0.1:3306/: "
    )
    assert caught.value.exit_code == 2


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from converter.scratch import scratch_databases
    with scratch_databases(sys.argv[1], ("a", "b"), prefix="converter_t") as urls:
        print(" ".join(u.rsplit("/", 1)[1] for u in urls.values()), flush=True)
        time.sleep(120)
    """
)


@pytest.mark.parametrize("dialect", SERVERS)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_dropped_after_sigterm_and_ctrl_c(dialect, signum, server):
    url = server(dialect)
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        preexec_fn=interruptible,
    )
    try:
        names = set(proc.stdout.readline().split())
        assert len(names) == 2, proc.stderr.read()
        assert names <= names_on(url)
        proc.send_signal(signum)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == (128 + signal.SIGTERM if signum == signal.SIGTERM else -signal.SIGINT)
    assert not names & names_on(url)


def test_the_sigterm_handler_is_put_back():
    before = signal.getsignal(signal.SIGTERM)
    with scratch_databases(None, ("x",)):
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_urls_are_masked_and_passwords_redacted():
    url = "postgresql+psycopg://app:pa%40ss@db.example:5432/app"
    assert mask(url) == "postgresql+psycopg://app:***@db.example:5432/app"
    assert redact("failed for pa@ss at host", url) == "failed for *** at host"
    assert dialect_of("mariadb+pymysql://u@h/d") == "mysql"
    assert dialect_of(None) == "sqlite"
