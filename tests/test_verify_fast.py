"""The incremental snapshots verify takes after every step are exact: a `Snapshotter`
snapshot equals a full `take_snapshot` of the same database, step after step, whatever the
step changed (only data, an index, a default, a CHECK, a view, a trigger, a table in
another schema, a name something else refers to); and a broken revision is still caught
at its own step."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import converter.verify
from converter.apply import sqlite_transactional_ddl
from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.snapshot import Snapshotter, take_snapshot
from converter.verify import VerifyOptions, verify
from converter.verify_report import DIFFERENT

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
FORMATS = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_dir() and p.name not in ("multi-dialect", "code-migrations")
)


class CheckedSnapshotter(Snapshotter):
    """Every snapshot is also taken in full, and the two must be identical."""

    taken = 0
    reused = 0  # tables not reflected again, over all snapshots

    def take(self, conn: sa.Connection, check_catalog: bool = True):
        snapshot = super().take(conn, check_catalog)
        full = take_snapshot(conn, data=self.data, exclude_tables=self.exclude_tables)
        assert snapshot.canonical() == full.canonical()
        CheckedSnapshotter.taken += 1
        CheckedSnapshotter.reused += len(snapshot.tables) - self.reflected
        return snapshot


@pytest.fixture
def checked(monkeypatch):
    monkeypatch.setattr(converter.verify, "Snapshotter", CheckedSnapshotter)
    CheckedSnapshotter.taken = CheckedSnapshotter.reused = 0
    return CheckedSnapshotter


def legacy_roots(dialect: str) -> list[Path]:
    roots = []
    for fmt in FORMATS:
        root = SAMPLES / fmt
        if (root / dialect).is_dir() or not any(
            (root / d).is_dir() for d in ("sqlite", "postgresql", "mysql")
        ):
            roots.append(root)
    return roots


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_every_sample_incremental_snapshots_equal_full_ones(dialect, server, checked, tmp_path):
    url = server(dialect)
    ran = 0
    for root in legacy_roots(dialect):
        out = tmp_path / root.name
        try:
            convert(root, out, ConvertOptions(dialect=dialect, date_from="20240101"))
        except InputError as exc:  # a sample without this dialect's history, nothing else
            if f"no {dialect} folder" not in exc.message:
                raise
            continue
        report = verify(root, out, VerifyOptions(url=url, dialect=dialect, downgrade=True))
        assert report.equivalent, report.text()
        ran += 1
    assert ran >= 3
    assert checked.taken > 0


# ---------------------------------------------------------------------------------------
# Histories made to exercise each kind of change, checked step by step


def _steps(dialect: str) -> list[list[str]]:
    if dialect == "sqlite":
        return [
            [
                "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT DEFAULT 'x', v)",
                "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a ON DELETE CASCADE, n REAL)",
                "CREATE TABLE c (id INT, t TEXT)",
            ],
            ["INSERT INTO a (id, name, v) VALUES (1, 'one', 0.0), (2, 'two', X'00')"],
            ["INSERT INTO b (id, a_id, n) VALUES (1, 1, 1.5), (2, 2, 0.1)"],
            ["UPDATE b SET n = 0.30000000000000004 WHERE id = 2"],
            ["UPDATE a SET v = -0.0 WHERE id = 1"],
            ["CREATE INDEX ix_c ON c (t)"],
            ["DROP INDEX ix_c", "CREATE INDEX ix_c ON c (t DESC)"],
            ["CREATE VIEW v AS SELECT id FROM a"],
            [
                "CREATE TRIGGER tr AFTER INSERT ON c BEGIN INSERT INTO a (id, name) VALUES (NEW.id + 100, NEW.t); END"
            ],
            ["INSERT INTO c VALUES (7, 'seven')"],  # the trigger writes to a
            ["DELETE FROM a WHERE id = 1"],  # the cascade deletes from b
            ["ALTER TABLE a RENAME COLUMN name TO label"],  # b's REFERENCES a stays; a changes
            ["ALTER TABLE c ADD COLUMN d TEXT NOT NULL DEFAULT 'filled'"],
            [
                "DROP VIEW v",
                "DROP TRIGGER tr",
                "CREATE TABLE a2 (id INTEGER PRIMARY KEY, k TEXT CHECK (k <> ''))",
                "INSERT INTO a2 SELECT id, label FROM a",
                "DROP TABLE a",
                "ALTER TABLE a2 RENAME TO a",
                "CREATE VIEW v AS SELECT k FROM a",
            ],
            ["UPDATE c SET t = 'SEVEN'"],
        ]
    if dialect == "postgresql":
        return [
            [
                "CREATE SCHEMA other",
                "CREATE TYPE mood AS ENUM ('sad', 'ok')",
                "CREATE TABLE a (id serial PRIMARY KEY, name text DEFAULT 'x', m mood, f float8)",
                "CREATE TABLE other.b (id int PRIMARY KEY, a_id int REFERENCES a (id) ON DELETE CASCADE)",
                "CREATE TABLE c (id int, t text CHECK (t <> ''))",
            ],
            ["INSERT INTO a (name, m, f) VALUES ('one', 'sad', 0.1), ('two', 'ok', 2)"],
            ["INSERT INTO other.b VALUES (1, 1), (2, 2)"],
            ["UPDATE a SET f = 0.30000000000000004 WHERE id = 1"],
            ["ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'"],  # a's data reads differently
            ["CREATE INDEX ix_c ON c (t)"],
            ["DROP INDEX ix_c", "CREATE INDEX ix_c ON c (t) WHERE t <> 'z'"],
            ["ALTER TABLE a ALTER COLUMN name SET DEFAULT 'y'"],
            [
                "ALTER TABLE c DROP CONSTRAINT c_t_check",
                "ALTER TABLE c ADD CONSTRAINT c_t_check CHECK (t <> 'x')",
            ],
            ["CREATE VIEW v AS SELECT id FROM a"],
            [
                "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO c VALUES (NEW.id, 'from a'); RETURN NEW; END $$",
                "CREATE TRIGGER tr AFTER INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()",
            ],
            ["INSERT INTO a (name) VALUES ('three')"],  # the trigger writes to c
            ["DELETE FROM a WHERE id = 1"],  # the cascade deletes from other.b
            ["ALTER TABLE a RENAME TO a_renamed"],  # other.b's foreign key now names a_renamed
            ["ALTER SEQUENCE a_id_seq RENAME TO a_seq"],  # a_renamed's default names it
            ["ALTER TABLE a_renamed RENAME COLUMN id TO ident"],  # other.b's foreign key too
            ["COMMENT ON COLUMN c.t IS 'the text'"],
            ["UPDATE other.b SET a_id = a_id WHERE id = 2"],  # same values, new row version
            ["TRUNCATE c"],
        ]
    return [
        [
            "CREATE TABLE a (id int PRIMARY KEY, name varchar(20) DEFAULT 'x', f double)",
            "CREATE TABLE b (id int PRIMARY KEY, a_id int, CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE)",
            "CREATE TABLE c (id int, t varchar(20), CHECK (t <> ''))",
        ],
        ["INSERT INTO a VALUES (1, 'one', 0.1), (2, 'two', 2)"],
        ["INSERT INTO b VALUES (1, 1), (2, 2)"],
        ["CREATE INDEX ix_c ON c (t)"],
        ["ALTER TABLE a ALTER COLUMN name SET DEFAULT 'y'"],
        ["CREATE VIEW v AS SELECT id FROM a"],
        [
            "CREATE TRIGGER tr AFTER INSERT ON a FOR EACH ROW INSERT INTO c VALUES (NEW.id, 'from a')"
        ],
        ["INSERT INTO a (id, name) VALUES (3, 'three')"],
        ["DELETE FROM a WHERE id = 1"],
        ["RENAME TABLE a TO a_renamed"],
    ]


def _engine(dialect: str, url: str) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if dialect == "sqlite":
        sqlite_transactional_ddl(engine)
    return engine


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_incremental_snapshot_equals_full_after_every_kind_of_change(dialect, make_db):
    url = make_db(dialect)
    engine = _engine(dialect, url)
    snapshotter = Snapshotter()
    schema_only = Snapshotter(data=False)
    reused = 0
    try:
        for k, step in enumerate(_steps(dialect)):
            with engine.begin() as conn:
                for sql in step:
                    conn.exec_driver_sql(sql)
            with engine.connect() as conn:
                for s in (snapshotter, schema_only):
                    got = s.take(conn).canonical()
                    full = take_snapshot(conn, data=s.data).canonical()
                    assert got == full, f"step {k + 1}: {step}"
                reused += len(take_snapshot(conn, data=False).tables) - snapshotter.reflected
    finally:
        engine.dispose()
    if dialect != "mysql":  # MySQL/MariaDB snapshots are always full ones
        assert reused > 0  # the incremental path was taken
    if dialect == "postgresql":  # data-only steps: the catalogs did not change at all
        assert snapshotter.schema_kept > 0 and schema_only.schema_kept > 0


# ---------------------------------------------------------------------------------------
# A broken revision is still caught at its own step


def _plain_history(tmp_path: Path) -> Path:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    files = {
        "001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);\n",
        "002_b.sql": "CREATE TABLE b (id INTEGER PRIMARY KEY, n INTEGER);\n",
        "003_data.sql": "INSERT INTO a (id, name) VALUES (1, 'one');\n",
        "004_index.sql": "CREATE INDEX ix_b ON b (n);\n",
        "005_more.sql": "INSERT INTO b (id, n) VALUES (1, 10);\n",
    }
    for name, text in files.items():
        (legacy / name).write_text(text)
    return legacy


@pytest.mark.parametrize(
    "revision, old, new, step",
    [
        ("data", "'one'", "'uno'", 3),  # only a's data differs, and only from step 3
        ("more", "10", "11", 5),  # only b's data, a table the step's DDL did not touch
        ("index", "ON b (n)", "ON b (id)", 4),  # only an index
    ],
)
def test_a_broken_revision_is_caught_at_its_step(revision, old, new, step, checked, tmp_path):
    legacy = _plain_history(tmp_path)
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101", style="sql"))
    (path,) = [p for p in (out / "versions").glob("*.py") if p.stem.endswith(revision)]
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    report = verify(legacy, out, VerifyOptions())
    assert not report.equivalent
    failure = report.failure
    assert failure is not None and failure.status == DIFFERENT
    assert failure.number == step, report.text()


def test_data_only_tells_which_steps_surely_change_the_schema(tmp_path):
    from converter.model import Kind, LegacyMigration, Script
    from converter.textio import TextFile
    from converter.verify import data_only

    def migration(*scripts: Script) -> LegacyMigration:
        return LegacyMigration(format="plain", version="1", description="x", kind=Kind.VERSIONED,
                               up=scripts)  # fmt: skip

    def sql(text: str) -> Script:
        return Script("sql", text, tmp_path / "1.sql", "1.sql")

    assert data_only(None, "postgresql")
    assert data_only(
        migration(sql("INSERT INTO a VALUES (1);\nUPDATE a SET x = 2;\nDELETE FROM a;")),
        "postgresql",
    )
    assert not data_only(
        migration(sql("INSERT INTO a VALUES (1);\nCREATE INDEX ix ON a (x);")), "postgresql"
    )
    assert not data_only(migration(sql("ALTER TABLE a ADD COLUMN y int;")), "sqlite")
    assert data_only(
        migration(
            Script("python", "def upgrade(conn): ...", tmp_path / "1.py", "1.py", entry="upgrade")
        ),
        "postgresql",
    )
    big = tmp_path / "big.sql"
    big.write_text("CREATE TABLE b (id int);\n")
    assert data_only(
        migration(Script("sql", "", big, "big.sql", file=TextFile(big))), "postgresql"
    )  # not read again


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_table_with_the_same_rows_on_both_sides_is_digested_once(dialect, make_db):
    """verify's two Snapshotters share what they read: a table whose schema and content
    signature match the other database's takes its data facts from there, and a table whose
    content differs is read (and differs)."""
    urls = [make_db(dialect), make_db(dialect)]
    engines = [_engine(dialect, url) for url in urls]
    shared: dict = {}
    legacy, alembic = (Snapshotter(shared=shared) for _ in engines)
    try:
        for engine in engines:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE t (id int PRIMARY KEY, name varchar(20))")
                conn.exec_driver_sql("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
        with engines[0].connect() as conn:
            first = legacy.take(conn)
        assert legacy.read == 1
        with engines[1].connect() as conn:
            second = alembic.take(conn)
            assert alembic.read == 0  # from the other side
            assert second.canonical() == take_snapshot(conn).canonical()
        assert second.data == first.data
        with engines[1].begin() as conn:
            conn.exec_driver_sql("UPDATE t SET name = 'TWO' WHERE id = 2")
        with engines[1].connect() as conn:
            third = alembic.take(conn)
            assert alembic.read == 1 and third.canonical() == take_snapshot(conn).canonical()
        assert third.data != first.data
    finally:
        for engine in engines:
            engine.dispose()


# ---------------------------------------------------------------------------------------
# Equal database signatures: verify takes no snapshot, so they must never hide a difference


@pytest.fixture
def signed(monkeypatch):
    """Every time verify finds both databases' signatures equal, full snapshots of both are
    taken too, and they must be equal; `signed.hits` counts those steps."""
    original = converter.verify._Run.same_signatures

    def checked_same(run) -> bool:
        same = original(run)
        if same:
            with run.legacy.connect() as a, run.alembic.connect() as b:
                assert take_snapshot(a).canonical() == take_snapshot(b).canonical()
            checked_same.hits += 1  # type: ignore[attr-defined]
        return same

    checked_same.hits = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(converter.verify._Run, "same_signatures", checked_same)
    return checked_same


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_every_sample_equal_signatures_are_equal_snapshots(dialect, server, signed, tmp_path):
    url = server(dialect)
    ran = 0
    for root in legacy_roots(dialect):
        out = tmp_path / root.name
        try:
            convert(root, out, ConvertOptions(dialect=dialect, date_from="20240101"))
        except InputError as exc:  # a sample without this dialect's history, nothing else
            if f"no {dialect} folder" not in exc.message:
                raise
            continue
        report = verify(root, out, VerifyOptions(url=url, dialect=dialect))
        assert report.equivalent, report.text()
        ran += 1
    assert ran >= 3
    assert signed.hits > 0  # the signatures were compared, and found equal, somewhere


def _signatures(urls: list[str], dialect: str, data: bool = True) -> list[str | None]:
    out = []
    for url in urls:
        engine = _engine(dialect, url)
        try:
            with engine.connect() as conn:
                out.append(Snapshotter(data=data).signature(conn))
        finally:
            engine.dispose()
    return out


def _snapshots(urls: list[str], dialect: str, data: bool = True) -> list[str]:
    out = []
    for url in urls:
        engine = _engine(dialect, url)
        try:
            with engine.connect() as conn:
                out.append(take_snapshot(conn, data=data).canonical())
        finally:
            engine.dispose()
    return out


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_signatures_of_two_databases_built_alike_are_equal_after_every_step(dialect, make_db):
    """The steps of every kind of change, run on two databases (one with a tracking table
    of its own, as verify's legacy and Alembic databases have): after every step their
    signatures are equal, and so are their full snapshots."""
    urls = [make_db(dialect), make_db(dialect)]
    engines = [_engine(dialect, url) for url in urls]
    try:
        with engines[1].begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)"
            )
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('abc')")
        for k, step in enumerate(_steps(dialect)):
            for engine in engines:
                with engine.begin() as conn:
                    for sql in step:
                        conn.exec_driver_sql(sql)
            for data in (True, False):
                a, b = _signatures(urls, dialect, data)
                assert a is not None and a == b, f"step {k + 1}: {step}"
                first, second = _snapshots(urls, dialect, data)
                assert first == second, f"step {k + 1}: {step}"
    finally:
        for engine in engines:
            engine.dispose()


# (statements for both databases, then one database's, then the other's): each pair leaves
# two databases whose snapshots differ in one detail only
_DIFFERENT = {
    "sqlite": [
        ([], ["CREATE TABLE t (a INT)"], ["CREATE TABLE t (a INTEGER)"]),
        (["CREATE TABLE t (a)"], ["INSERT INTO t VALUES (0.0)"], ["INSERT INTO t VALUES (-0.0)"]),
        (["CREATE TABLE t (a)"], ["INSERT INTO t VALUES ('x')"], ["INSERT INTO t VALUES (X'78')"]),
        (["CREATE TABLE t (a REAL)"], ["INSERT INTO t VALUES (0.3)"], ["INSERT INTO t VALUES (0.1 + 0.2)"]),
        (["CREATE TABLE t (a TEXT)"], ["CREATE INDEX ix ON t (a)"], ["CREATE INDEX ix ON t (a DESC)"]),
        (["CREATE TABLE t (a TEXT)"], ["CREATE VIEW v AS SELECT a FROM t"], ["CREATE VIEW v AS SELECT a AS b FROM t"]),
    ],
    "postgresql": [
        (["CREATE TABLE t (a text)"], ["ALTER TABLE t ALTER a SET DEFAULT 'x'"], ["ALTER TABLE t ALTER a SET DEFAULT 'y'"]),
        (["CREATE TABLE t (a float8)"], ["INSERT INTO t VALUES (0.3)"], ["INSERT INTO t VALUES (0.30000000000000004)"]),
        (["CREATE TABLE t (a int)"], ["COMMENT ON COLUMN t.a IS 'one'"], ["COMMENT ON COLUMN t.a IS 'two'"]),
        ([], ["CREATE TYPE e AS ENUM ('a', 'b')"], ["CREATE TYPE e AS ENUM ('b', 'a')"]),
        (["CREATE TABLE t (a int)"], ["ALTER TABLE t ADD CHECK (a > 0)"], ["ALTER TABLE t ADD CHECK (a > 0) NOT VALID"]),
        (
            ["CREATE TABLE t (a int)", "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
             "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"],
            [],
            ["ALTER TABLE t DISABLE TRIGGER tr"],
        ),
        (["CREATE TABLE t (a int)"], ["CREATE MATERIALIZED VIEW m AS SELECT a FROM t", "CREATE INDEX ix ON m (a)"],
         ["CREATE MATERIALIZED VIEW m AS SELECT a FROM t", "CREATE UNIQUE INDEX ix ON m (a)"]),
        ([], ["CREATE SEQUENCE s INCREMENT 1"], ["CREATE SEQUENCE s INCREMENT 2"]),
        ([], ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"], ["CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2'"]),
    ],
    "mysql": [
        (["CREATE TABLE t (a varchar(10))"], ["INSERT INTO t VALUES ('a')"], ["INSERT INTO t VALUES ('A')"]),
        (["CREATE TABLE t (a double)"], ["INSERT INTO t VALUES (0.3)"], ["INSERT INTO t VALUES (1e-1 + 2e-1)"]),
        ([], ["CREATE TABLE t (a varchar(10) CHARACTER SET latin1)"], ["CREATE TABLE t (a varchar(10) CHARACTER SET utf8mb4)"]),
        (["CREATE TABLE t (a int, b int)"], ["CREATE INDEX i1 ON t (a)", "CREATE INDEX i2 ON t (b)"],
         ["CREATE INDEX i2 ON t (b)", "CREATE INDEX i1 ON t (a)"]),
        (["CREATE TABLE t (a int)"], ["ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)"], ["ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1)"]),
        (["CREATE TABLE t (a int)"], ["CREATE VIEW v AS SELECT a FROM t"], ["CREATE VIEW v AS SELECT a AS b FROM t"]),
        (["CREATE TABLE t (a int)", "CREATE TABLE u (a int)"],
         ["CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO u VALUES (NEW.a)"],
         ["CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW INSERT INTO u VALUES (NEW.a + 1)"]),
        (["CREATE TABLE t (a int)"], ["ALTER TABLE t COMMENT 'one'"], ["ALTER TABLE t COMMENT 'two'"]),
    ],
}  # fmt: skip


@pytest.mark.parametrize(
    "dialect, case",
    [(d, k) for d, cases in _DIFFERENT.items() for k in range(len(cases))],
)
def test_signatures_differ_where_the_snapshots_differ(dialect, case, make_db):
    both, one, other = _DIFFERENT[dialect][case]
    urls = [make_db(dialect), make_db(dialect)]
    for url, own in zip(urls, (one, other), strict=True):
        engine = _engine(dialect, url)
        try:
            with engine.begin() as conn:
                for sql in [*both, *own]:
                    conn.exec_driver_sql(sql)
        finally:
            engine.dispose()
    first, second = _snapshots(urls, dialect)
    assert first != second  # the case is a real difference
    a, b = _signatures(urls, dialect)
    assert a is not None and b is not None and a != b


# ---------------------------------------------------------------------------------------
# Alembic through one open connection; scratch databases that do not wait for the disk


def _history(tmp_path: Path) -> Path:
    legacy = _plain_history(tmp_path)
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101", style="sql"))
    return out


def test_kept_connected_every_step_runs_through_one_connection(tmp_path):
    from converter.history import AlembicHistory
    from converter.scratch import not_durable

    history = AlembicHistory(_history(tmp_path))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    connects: list[object] = []

    def prepare(engine: sa.Engine) -> None:
        not_durable(engine)
        sa.event.listen(engine, "connect", lambda dbapi, record: connects.append(dbapi))

    history.keep_connected(url, prepare)
    try:
        for rev in history.chain():
            history.upgrade(url, rev.revision)
        assert len(connects) == 1  # five steps, one connection (env.py made none of its own)
        with history._engines[url].connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0  # OFF
    finally:
        history.close()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                history.chain()[-1].revision
            )
            assert conn.exec_driver_sql("SELECT n FROM b").scalar() == 10
    finally:
        engine.dispose()


def test_an_env_py_that_ignores_the_connection_still_runs(tmp_path):
    """A hand-written env.py that only reads the URL: it connects by itself, as before."""
    from converter.history import AlembicHistory

    out = _history(tmp_path)
    (out / "env.py").write_text(
        "from alembic import context\n"
        "from sqlalchemy import create_engine, pool\n\n"
        "engine = create_engine(context.config.get_main_option('sqlalchemy.url'), "
        "poolclass=pool.NullPool)\n"
        "with engine.connect() as connection:\n"
        "    context.configure(connection=connection)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n"
    )
    legacy = tmp_path / "legacy"
    report = verify(legacy, out, VerifyOptions())
    assert report.equivalent, report.text()
    history = AlembicHistory(out)
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    history.keep_connected(url)
    try:
        history.upgrade(url, "head")
    finally:
        history.close()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT n FROM b").scalar() == 10
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_scratch_engines_do_not_wait_for_the_disk_and_still_roll_back(dialect, make_db):
    from converter.scratch import engine_for

    engine = engine_for(make_db(dialect), pooled=True, scratch=True)
    try:
        with engine.connect() as conn:
            if dialect == "sqlite":
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 0
            else:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id int)")
        with pytest.raises(ZeroDivisionError), engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE u (id int)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            raise ZeroDivisionError
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
            assert "u" not in sa.inspect(conn).get_table_names()  # DDL rolled back too
    finally:
        engine.dispose()


def test_a_mariadb_signature_leaves_the_session_as_it_found_it(mysql_url):
    """The signature's connection is the one legacy migrations run on."""
    engine = _engine("mysql", mysql_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE t (a int)")
            conn.exec_driver_sql("SET SESSION group_concat_max_len = 1024")
            assert Snapshotter().signature(conn) is not None
            assert conn.exec_driver_sql("SELECT @@SESSION.group_concat_max_len").scalar() == 1024
    finally:
        engine.dispose()
