"""The legacy tools' tracking tables: each reader against tables filled the way its tool
fills them (on the three databases), and `resolve` on its own (pure: no database).

`fill_tracking` is also used by test_stamp.py: it creates the tool's table with the tool's
columns and writes the rows the tool writes after applying the given migrations.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbhelpers import engine_for

from converter.model import Kind, LegacyMigration
from converter.tracking import (
    BASELINE,
    CUSTOM_READER,
    READERS,
    REPEATABLE,
    Applied,
    HistoryStep,
    Refusal,
    TrackingOptions,
    TrackingState,
    resolve,
    sqlite_registry_path,
    yoyo_hash,
)

T0 = datetime(2024, 1, 1, 12, 0, 0)


# ---------------------------------------------------------------------------------------
# Filling tracking tables as the tools do


def _liquibase_names(dialect: str) -> tuple[str, callable]:
    """Liquibase creates DATABASECHANGELOG unquoted: lower case on PostgreSQL."""
    if dialect == "postgresql":
        return "databasechangelog", str.lower
    return "DATABASECHANGELOG", str.upper


def flyway_table(name: str = "flyway_schema_history") -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("installed_rank", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(50)),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("script", sa.String(1000), nullable=False),
        sa.Column("checksum", sa.Integer),
        sa.Column("installed_by", sa.String(100), nullable=False),
        sa.Column(
            "installed_on", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()
        ),
        sa.Column("execution_time", sa.Integer, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Index(f"{name}_s_idx", "success"),
    )


def flyway_rows(migrations: list[LegacyMigration], start: int = 1) -> list[dict]:
    return [
        {
            "installed_rank": i,
            "version": m.version or None,
            "description": m.description,
            "type": "SQL",
            "script": m.name,
            "checksum": int(m.tool_checksum),
            "installed_by": "flyway",
            "installed_on": T0 + timedelta(seconds=i),
            "execution_time": 12,
            "success": True,
        }
        for i, m in enumerate(migrations, start=start)
    ]


def golang_migrate_table() -> sa.Table:
    return sa.Table(
        "schema_migrations",
        sa.MetaData(),
        sa.Column("version", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("dirty", sa.Boolean, nullable=False),
    )


def dbmate_table() -> sa.Table:
    return sa.Table(
        "schema_migrations", sa.MetaData(), sa.Column("version", sa.String(128), primary_key=True)
    )


def goose_table() -> sa.Table:
    return sa.Table(
        "goose_db_version",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version_id", sa.BigInteger, nullable=False),
        sa.Column("is_applied", sa.Boolean, nullable=False),
        sa.Column("tstamp", sa.DateTime, server_default=sa.func.current_timestamp()),
    )


def liquibase_table(dialect: str) -> sa.Table:
    name, case = _liquibase_names(dialect)
    cols = [
        ("ID", 255, False),
        ("AUTHOR", 255, False),
        ("FILENAME", 255, False),
        ("EXECTYPE", 10, False),
        ("MD5SUM", 35, True),
        ("DESCRIPTION", 255, True),
        ("COMMENTS", 255, True),
        ("TAG", 255, True),
        ("LIQUIBASE", 20, True),
        ("CONTEXTS", 255, True),
        ("LABELS", 255, True),
        ("DEPLOYMENT_ID", 10, True),
    ]
    return sa.Table(
        name,
        sa.MetaData(),
        *(sa.Column(case(c), sa.String(n), nullable=null) for c, n, null in cols[:3]),
        sa.Column(case("DATEEXECUTED"), sa.DateTime, nullable=False),
        sa.Column(case("ORDEREXECUTED"), sa.Integer, nullable=False),
        *(sa.Column(case(c), sa.String(n), nullable=null) for c, n, null in cols[3:]),
    )


def changeset_identity(m: LegacyMigration) -> tuple[str, str, str]:
    note = next(n for n in m.notes if n.startswith("changeset:"))
    path, _, rest = note.removeprefix("changeset:").partition("::")
    cid, _, author = rest.partition("::")
    return cid, author, path


def liquibase_rows(
    dialect: str, migrations: list[LegacyMigration], exectype: str = "EXECUTED"
) -> list[dict]:
    _, case = _liquibase_names(dialect)
    rows = []
    for i, m in enumerate(migrations, start=1):
        cid, author, path = changeset_identity(m)
        row = {
            "ID": cid,
            "AUTHOR": author,
            "FILENAME": path,
            "DATEEXECUTED": T0 + timedelta(seconds=i),
            "ORDEREXECUTED": i,
            "EXECTYPE": exectype,
            "MD5SUM": m.tool_checksum,
            "DESCRIPTION": "sql",
            "COMMENTS": m.description,
            "LIQUIBASE": "4.29.2",
            "DEPLOYMENT_ID": "4090000001",
        }
        rows.append({case(k): v for k, v in row.items()})
    return rows


def yoyo_tables() -> tuple[sa.Table, ...]:
    md = sa.MetaData()
    return (
        sa.Table(
            "_yoyo_migration",
            md,
            sa.Column("migration_hash", sa.String(64), primary_key=True),
            sa.Column("migration_id", sa.String(255)),
            sa.Column("applied_at_utc", sa.DateTime),
        ),
        sa.Table(
            "_yoyo_log",
            md,
            sa.Column("id", sa.String(36), primary_key=True),
            sa.Column("migration_hash", sa.String(64)),
            sa.Column("migration_id", sa.String(255)),
            sa.Column("operation", sa.String(10)),
            sa.Column("username", sa.String(255)),
            sa.Column("hostname", sa.String(255)),
            sa.Column("comment", sa.String(255)),
            sa.Column("created_at_utc", sa.DateTime),
        ),
        sa.Table(
            "_yoyo_version",
            md,
            sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("installed_at_utc", sa.DateTime),
        ),
    )


def migrate_version_table(name: str = "migrate_version") -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("repository_id", sa.String(250), primary_key=True),
        sa.Column("repository_path", sa.Text),
        sa.Column("version", sa.Integer),
    )


def diesel_table() -> sa.Table:
    return sa.Table(
        "__diesel_schema_migrations",
        sa.MetaData(),
        sa.Column("version", sa.String(50), primary_key=True),
        sa.Column(
            "run_on", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()
        ),
    )


def sqitch_tables(schema: str | None) -> tuple[sa.Table, ...]:
    md = sa.MetaData(schema=schema)
    text = sa.String(255)
    return (
        sa.Table(
            "projects",
            md,
            sa.Column("project", text, primary_key=True),
            sa.Column("uri", text),
            sa.Column("created_at", sa.DateTime),
            sa.Column("creator_name", text),
            sa.Column("creator_email", text),
        ),
        sa.Table(
            "changes",
            md,
            sa.Column("change_id", sa.String(40), primary_key=True),
            sa.Column("script_hash", sa.String(40)),
            sa.Column("change", text, nullable=False),
            sa.Column("project", text, nullable=False),
            sa.Column("note", sa.Text, nullable=False),
            sa.Column("committed_at", sa.DateTime, nullable=False),
            sa.Column("committer_name", text),
            sa.Column("committer_email", text),
            sa.Column("planned_at", sa.DateTime),
            sa.Column("planner_name", text),
            sa.Column("planner_email", text),
        ),
        sa.Table(
            "tags",
            md,
            sa.Column("tag_id", sa.String(40), primary_key=True),
            sa.Column("tag", text),
            sa.Column("project", text),
            sa.Column("change_id", sa.String(40)),
            sa.Column("note", sa.Text),
            sa.Column("committed_at", sa.DateTime),
            sa.Column("committer_name", text),
            sa.Column("committer_email", text),
            sa.Column("planned_at", sa.DateTime),
            sa.Column("planner_name", text),
            sa.Column("planner_email", text),
        ),
        sa.Table(
            "events",
            md,
            sa.Column("event", sa.String(6)),
            sa.Column("change_id", sa.String(40)),
            sa.Column("change", text),
            sa.Column("project", text),
            sa.Column("note", sa.Text),
            sa.Column("committed_at", sa.DateTime, primary_key=True),
        ),
    )


def sqitch_change_id(project: str, m: LegacyMigration) -> str:
    """Sqitch's change id: SHA-1 of `change <length>\\0<info>` (info: project, change, planner, date)."""
    info = f"project {project}\nchange {m.version}\nplanner Ada Planner <ada@example.com>\ndate {m.date}\n"
    return hashlib.sha1(f"change {len(info.encode())}\0{info}".encode()).hexdigest()


def _sqitch_fill(
    conn: sa.Connection, schema: str | None, migrations: list[LegacyMigration], project: str
) -> None:
    projects, changes, tags, events = sqitch_tables(schema)
    for t in (projects, changes, tags, events):
        t.create(conn)
    conn.execute(
        projects.insert(),
        {
            "project": project,
            "uri": "https://example.com/isp/",
            "created_at": T0,
            "creator_name": "Ada",
            "creator_email": "ada@example.com",
        },
    )
    for i, m in enumerate(migrations, start=1):
        cid = sqitch_change_id(project, m)
        at = T0 + timedelta(seconds=i)
        conn.execute(
            changes.insert(),
            {
                "change_id": cid,
                "script_hash": m.tool_checksum,
                "change": m.version,
                "project": project,
                "note": m.description,
                "committed_at": at,
                "committer_name": "Ada",
                "committer_email": "ada@example.com",
                "planned_at": m.date,
                "planner_name": "Ada Planner",
                "planner_email": "ada@example.com",
            },
        )
        conn.execute(
            events.insert(),
            {
                "event": "deploy",
                "change_id": cid,
                "change": m.version,
                "project": project,
                "note": m.description,
                "committed_at": at,
            },
        )
        for note in m.notes:
            if note.startswith("tag @"):
                conn.execute(
                    tags.insert(),
                    {
                        "tag_id": hashlib.sha1(note.encode()).hexdigest(),
                        "tag": note[4:],
                        "project": project,
                        "change_id": cid,
                        "note": "",
                        "committed_at": at,
                    },
                )


def fill_tracking(
    url: str,
    tool: str,
    migrations: list[LegacyMigration],
    *,
    registry: str | None = None,
    project: str = "isp",
    table: str | None = None,
) -> None:
    """Create `tool`'s tracking table in the database and record `migrations` as applied,
    in that order, as the tool itself would."""
    engine = engine_for(url)
    dialect = engine.dialect.name
    try:
        if tool == "sqitch":
            _fill_sqitch(engine, url, migrations, registry or "sqitch", project)
            return
        with engine.begin() as conn:
            if tool == "flyway":
                t = flyway_table(table or "flyway_schema_history")
                t.create(conn)
                if migrations:
                    conn.execute(t.insert(), flyway_rows(migrations))
            elif tool == "golang-migrate":
                t = golang_migrate_table()
                t.create(conn)
                if migrations:  # one row: the latest version
                    conn.execute(
                        t.insert(), {"version": int(migrations[-1].version), "dirty": False}
                    )
            elif tool == "dbmate":
                t = dbmate_table()
                t.create(conn)
                for m in migrations:
                    conn.execute(t.insert(), {"version": m.version})
            elif tool == "goose":
                t = goose_table()
                t.create(conn)
                conn.execute(t.insert(), {"version_id": 0, "is_applied": True})  # goose's first row
                for m in migrations:
                    conn.execute(t.insert(), {"version_id": int(m.version), "is_applied": True})
            elif tool == "liquibase":
                t = liquibase_table(dialect)
                t.create(conn)
                if migrations:
                    conn.execute(t.insert(), liquibase_rows(dialect, migrations))
            elif tool == "yoyo":
                mig, log, version = yoyo_tables()
                for t in (mig, log, version):
                    t.create(conn)
                conn.execute(version.insert(), {"version": 2, "installed_at_utc": T0})
                for i, m in enumerate(migrations, start=1):
                    at = T0 + timedelta(seconds=i)
                    conn.execute(
                        mig.insert(),
                        {
                            "migration_hash": yoyo_hash(m.version),
                            "migration_id": m.version,
                            "applied_at_utc": at,
                        },
                    )
                    conn.execute(
                        log.insert(),
                        {
                            "id": str(uuid.uuid4()),
                            "migration_hash": yoyo_hash(m.version),
                            "migration_id": m.version,
                            "operation": "apply",
                            "username": "u",
                            "hostname": "h",
                            "comment": None,
                            "created_at_utc": at,
                        },
                    )
            elif tool == "sqlalchemy-migrate":
                t = migrate_version_table(table or "migrate_version")
                t.create(conn)
                version = (
                    int(migrations[-1].version) if migrations else 0
                )  # version_control starts at 0
                conn.execute(
                    t.insert(),
                    {
                        "repository_id": "isp",
                        "repository_path": "/srv/isp/migrations",
                        "version": version,
                    },
                )
            elif tool == "diesel":
                t = diesel_table()
                t.create(conn)
                for i, m in enumerate(migrations):
                    conn.execute(
                        t.insert(), {"version": m.version, "run_on": T0 + timedelta(seconds=i // 3)}
                    )
            else:
                raise AssertionError(f"no such tool {tool}")
    finally:
        engine.dispose()


def _fill_sqitch(
    engine: sa.Engine, url: str, migrations: list[LegacyMigration], registry: str, project: str
) -> None:
    dialect = engine.dialect.name
    if dialect == "sqlite":
        path = sqlite_registry_path(url, registry)
        reg = engine_for(f"sqlite:///{path}")
        try:
            with reg.begin() as conn:
                _sqitch_fill(conn, None, migrations, project)
        finally:
            reg.dispose()
        return
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE SCHEMA "{registry}"'
            if dialect == "postgresql"
            else f"CREATE DATABASE `{registry}`"
        )
        _sqitch_fill(conn, registry, migrations, project)


def drop_mysql_database(server: sa.Engine, name: str) -> None:
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


def execute(url: str, *statements: str) -> None:
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            for s in statements:
                conn.exec_driver_sql(s)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------
# A small history for the reader tests


def mig(
    version: str,
    name: str | None = None,
    checksum: str | None = None,
    kind: Kind = Kind.VERSIONED,
    notes: tuple[str, ...] = (),
) -> LegacyMigration:
    from converter.model import Script

    name = name or f"V{version}__m.sql"
    return LegacyMigration(
        "flyway",
        version,
        f"m {version}",
        kind,
        (Script("sql", "SELECT 1;", Path(name), name),),
        tool_checksum=checksum,
        notes=notes,
    )


def steps_of(versions: list[str], **kw) -> list[HistoryStep]:
    return [
        HistoryStep(i, f"rev{v}", v, files=(f"V{v}__m.sql",), **kw)
        for i, v in enumerate(versions, start=1)
    ]


def read(url: str, tool: str, options: TrackingOptions | None = None) -> TrackingState:
    options = options or TrackingOptions(url=url)
    reader = READERS[tool] if tool in READERS else CUSTOM_READER
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            locs = [
                loc
                for loc in reader.locate(conn, options)
                if loc.problem is None and reader.fits(loc)
            ]
            assert len(locs) == 1, locs
            return reader.read(conn, locs[0], options)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------
# Readers on real databases


def test_flyway_reads_versions_in_rank_order_with_baseline_undo_and_repeatables(db_url):
    engine = engine_for(db_url)
    t = flyway_table()
    rows = [
        (1, None, "<< Flyway Schema Creation >>", "SCHEMA", "public", None, True),
        (2, "1", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", None, True),
        (3, "2", "two", "SQL", "V2__two.sql", 123, True),
        (4, "3", "three", "SQL", "V3__three.sql", 456, True),
        (5, "3", "three", "UNDO_SQL", "U3__three.sql", 789, True),
        (6, None, "view", "SQL", "R__view.sql", 11, True),
        (7, None, "view", "SQL", "R__view.sql", 12, True),
    ]
    with engine.begin() as conn:
        t.create(conn)
        conn.execute(
            t.insert(),
            [
                {
                    "installed_rank": r,
                    "version": v,
                    "description": d,
                    "type": ty,
                    "script": s,
                    "checksum": c,
                    "installed_by": "me",
                    "execution_time": 1,
                    "success": ok,
                }
                for r, v, d, ty, s, c, ok in rows
            ],
        )
    engine.dispose()
    state = read(db_url, "flyway")
    assert [(a.version, a.kind, a.checksum) for a in state.applied] == [
        ("1", BASELINE, None),
        ("2", "versioned", "123"),
        (None, REPEATABLE, "12"),
    ]
    assert not state.refusals


def test_flyway_failed_row_is_a_refusal_and_old_table_name_is_found(db_url):
    fill_tracking(db_url, "flyway", [mig("1", checksum="5")], table="schema_version")
    execute(
        db_url,
        "UPDATE schema_version SET success = " + ("false" if "postgresql" in db_url else "0"),
    )
    state = read(db_url, "flyway")
    assert state.table.endswith("schema_version")
    assert "V1__m.sql" in state.refusals[0][0] and "success = false" in state.refusals[0][0]


def test_schema_migrations_tells_golang_migrate_from_dbmate(db_url):
    fill_tracking(db_url, "golang-migrate", [mig("1"), mig("7")])
    engine = engine_for(db_url)
    with engine.connect() as conn:
        assert READERS["dbmate"].locate(conn, TrackingOptions())[0].problem  # has `dirty`
    engine.dispose()
    state = read(db_url, "golang-migrate")
    assert state.latest_only and [a.version for a in state.applied] == ["7"]
    execute(
        db_url,
        "UPDATE schema_migrations SET dirty = " + ("true" if "postgresql" in db_url else "1"),
    )
    assert "dirty at version 7" in read(db_url, "golang-migrate").refusals[0][0]


def test_dbmate_rows(db_url):
    fill_tracking(db_url, "dbmate", [mig("20240101000001"), mig("20240101000002")])
    engine = engine_for(db_url)
    with engine.connect() as conn:
        assert (
            "no column dirty"
            in READERS["golang-migrate"].locate(conn, TrackingOptions())[0].problem
        )
    engine.dispose()
    assert [a.version for a in read(db_url, "dbmate").applied] == [
        "20240101000001",
        "20240101000002",
    ]


def test_goose_latest_row_per_version_counts_and_version_zero_is_ignored(db_url):
    fill_tracking(db_url, "goose", [mig("1"), mig("2"), mig("3")])
    engine = engine_for(db_url)
    t = goose_table()
    with engine.begin() as conn:  # `goose down` then `goose up` on 3, `goose down` on 2 (old goose)
        conn.execute(
            t.insert(),
            [
                {"version_id": 3, "is_applied": False},
                {"version_id": 3, "is_applied": True},
                {"version_id": 2, "is_applied": False},
            ],
        )
    engine.dispose()
    assert [a.version for a in read(db_url, "goose").applied] == ["1", "3"]


def test_liquibase_identity_order_and_failed_rows(db_url):
    dialect = sa.make_url(db_url).get_backend_name()
    ms = [
        mig(str(i), notes=(f"changeset:changes/001.sql::{i}::isp",), checksum=f"9:{i}")
        for i in (1, 2, 3)
    ]
    fill_tracking(db_url, "liquibase", ms)
    state = read(db_url, "liquibase")
    assert [a.identity for a in state.applied] == [
        (str(i), "isp", "changes/001.sql") for i in (1, 2, 3)
    ]
    name, case = _liquibase_names(dialect)
    quote = '"' if dialect != "mysql" else "`"
    execute(
        db_url,
        f"UPDATE {quote}{name}{quote} SET {quote}{case('EXECTYPE')}{quote} = 'FAILED' "
        f"WHERE {quote}{case('ID')}{quote} = '3'",
    )
    assert "isp:3 (changes/001.sql) as FAILED" in read(db_url, "liquibase").refusals[0][0]


def test_yoyo_hashes_are_checked(db_url):
    fill_tracking(db_url, "yoyo", [mig("20240101_01_a"), mig("20240101_02_b")])
    assert [a.version for a in read(db_url, "yoyo").applied] == ["20240101_01_a", "20240101_02_b"]
    execute(
        db_url,
        "UPDATE _yoyo_migration SET migration_id = '20240101_03_c' WHERE migration_id = '20240101_02_b'",
    )
    assert "is not sha256('20240101_03_c')" in read(db_url, "yoyo").refusals[0][0]


def test_migrate_version_picks_the_repository(db_url):
    fill_tracking(db_url, "sqlalchemy-migrate", [mig("1"), mig("4")])
    execute(
        db_url,
        "INSERT INTO migrate_version (repository_id, repository_path, version) VALUES ('other', 'x', 9)",
    )
    assert [
        a.version
        for a in read(db_url, "sqlalchemy-migrate", TrackingOptions(repository_id="isp")).applied
    ] == ["4"]
    several = read(db_url, "sqlalchemy-migrate")
    assert "several repositories (isp, other)" in several.refusals[0][0]


def test_diesel_and_custom_tables(db_url):
    fill_tracking(db_url, "diesel", [mig("20240101000001"), mig("20240101000002")])
    assert [a.version for a in read(db_url, "diesel").applied] == [
        "20240101000001",
        "20240101000002",
    ]
    execute(db_url, "CREATE TABLE app_schema (v INTEGER)", "INSERT INTO app_schema (v) VALUES (3)")
    custom = read(db_url, "custom", TrackingOptions(table="app_schema", version_column="v"))
    assert custom.latest_only and [a.version for a in custom.applied] == ["3"]
    execute(db_url, "INSERT INTO app_schema (v) VALUES (1)")
    custom = read(db_url, "custom", TrackingOptions(table="app_schema", version_column="V"))
    assert not custom.latest_only and sorted(a.version for a in custom.applied) == ["1", "3"]


def test_sqitch_registry_per_dialect(db_url, make_db):
    dialect = sa.make_url(db_url).get_backend_name()
    registry = "sqitch"
    if dialect == "mysql":  # a registry is a database of its own there: a unique one per test
        registry = make_db.reserve("mysql", "sqitch_")
    ms = [mig("create_plans", notes=("tag @v1.0",)), mig("create_customers")]
    fill_tracking(db_url, "sqitch", ms, registry=registry)
    state = read(db_url, "sqitch", TrackingOptions(url=db_url, registry=registry, project="isp"))
    assert [a.version for a in state.applied] == ["create_plans", "create_customers"]
    other = read(db_url, "sqitch", TrackingOptions(url=db_url, registry=registry, project="crm"))
    assert other.applied == [] and "no change of project crm" in other.notes[0]


# ---------------------------------------------------------------------------------------
# resolve: pure


def state(tool: str, *applied: Applied, latest_only: bool = False) -> TrackingState:
    return TrackingState(tool, "t", list(applied), latest_only=latest_only)


def test_resolve_prefix_gives_the_last_step():
    steps = steps_of(["1", "2", "3"])
    res = resolve(
        state("goose", Applied("1", order=1), Applied("2", order=2)), steps, READERS["goose"], False
    )
    assert res.step is steps[1]
    assert resolve(state("goose"), steps, READERS["goose"], False).step is None


def test_resolve_flyway_compares_versions_numerically():
    steps = steps_of(["1", "1.1", "2"])
    res = resolve(
        state("flyway", Applied("1.0", order=1), Applied("001.1", order=2)),
        steps,
        READERS["flyway"],
        False,
    )
    assert res.step is steps[1]


def test_resolve_refuses_gaps_naming_them():
    steps = steps_of(["1", "2", "3", "4"])
    for tool in ("flyway", "dbmate"):
        with pytest.raises(Refusal, match=r"2 \(V2__m.sql\) is not applied, but later 3"):
            resolve(
                state(tool, Applied("1", order=1), Applied("3", order=2)),
                steps,
                READERS[tool],
                False,
            )


def test_resolve_refuses_out_of_order():
    steps = steps_of(["1", "2", "3"])
    with pytest.raises(Refusal, match="out of order: 3 was applied before 2"):
        resolve(
            state("flyway", Applied("1", order=1), Applied("3", order=2), Applied("2", order=3)),
            steps,
            READERS["flyway"],
            False,
        )


def test_resolve_orders_rows_recorded_at_the_same_moment_by_the_history():
    steps = steps_of(["a", "b", "c"])
    res = resolve(
        state("yoyo", Applied("b", order=T0), Applied("a", order=T0), Applied("c", order=T0)),
        steps,
        READERS["yoyo"],
        False,
    )
    assert res.step is steps[2]


def test_resolve_refuses_unknown_versions_and_several_answers():
    steps = steps_of(["1", "2"])
    with pytest.raises(Refusal, match="records 9 as applied, but no migration"):
        resolve(state("dbmate", Applied("1"), Applied("9")), steps, READERS["dbmate"], False)
    twice = [HistoryStep(1, "a", "1"), HistoryStep(2, "b", "1.0")]
    with pytest.raises(Refusal, match="several revisions claim: a"):
        resolve(state("flyway", Applied("1"), latest_only=True), twice, READERS["flyway"], False)


def test_resolve_golang_migrate_latest_implies_earlier():
    steps = steps_of(["1", "2", "10"])
    res = resolve(
        state("golang-migrate", Applied("10"), latest_only=True),
        steps,
        READERS["golang-migrate"],
        False,
    )
    assert res.step is steps[2]


def test_resolve_flyway_checksums_name_the_edited_file():
    steps = [
        HistoryStep(1, "r1", "1", files=("V1__a.sql",), checksum="10"),
        HistoryStep(2, "r2", "2", files=("sub/V2__b.sql",), checksum="20"),
    ]
    with pytest.raises(Refusal, match=r"sub/V2__b.sql was edited after it was applied"):
        resolve(
            state(
                "flyway", Applied("1", checksum="10", order=1), Applied("2", checksum="21", order=2)
            ),
            steps,
            READERS["flyway"],
            True,
        )
    res = resolve(
        state("flyway", Applied("1", checksum="99", order=1)), steps, READERS["flyway"], False
    )
    assert res.step is steps[0] and "not compared" in res.notes[0]


def test_resolve_flyway_baseline_and_repeatables():
    steps = [
        *steps_of(["1", "2", "3"]),
        HistoryStep(4, "view", "", REPEATABLE, ("R__view.sql",), checksum="7"),
    ]
    applied = [Applied("2", kind=BASELINE, order=1), Applied("3", order=2, checksum=None)]
    res = resolve(
        state("flyway", *applied, Applied(None, "R__view.sql", "7", REPEATABLE, 3)),
        steps,
        READERS["flyway"],
        True,
    )
    assert res.step is steps[3]  # every versioned one applied and the view is current
    changed = resolve(
        state("flyway", *applied, Applied(None, "R__view.sql", "6", REPEATABLE, 3)),
        steps,
        READERS["flyway"],
        True,
    )
    assert changed.step is steps[2] and any("runs it again" in n for n in changed.notes)
    early = resolve(
        state("flyway", Applied("1", order=1), Applied(None, "R__view.sql", "7", REPEATABLE, 2)),
        steps,
        READERS["flyway"],
        True,
    )
    assert early.step is steps[0]


def test_resolve_liquibase_matches_identity_with_a_different_path_prefix():
    steps = [
        HistoryStep(1, "a", "1", identity=("1", "isp", "changes/001.sql")),
        HistoryStep(2, "b", "2", identity=("2", "isp", "changes/001.sql")),
    ]
    applied = Applied("1", identity=("1", "isp", "classpath:db/changes/001.sql"), order=1)
    assert resolve(state("liquibase", applied), steps, READERS["liquibase"], True).step is steps[0]
    stranger = Applied("1", identity=("1", "bob", "changes/001.sql"), order=1)
    with pytest.raises(Refusal, match="no migration"):
        resolve(state("liquibase", stranger), steps, READERS["liquibase"], True)


def test_the_formats_list_every_table_snapshots_leave_out():
    """One list of tracking tables: the formats' (`tracking_tables()`) is the one snapshots
    exclude, and each reader looks for its own format's tables."""
    from converter.formats import get_format, tracking_tables
    from converter.snapshot import DEFAULT_TRACKING_TABLES

    assert tracking_tables() == DEFAULT_TRACKING_TABLES
    for tool, reader in READERS.items():
        fmt = get_format(tool)
        assert (reader.tool, reader.tables, reader.companions) == (
            fmt.name,
            fmt.tracking_tables,
            fmt.tracking_companions,
        )
    assert CUSTOM_READER.tables == ()
