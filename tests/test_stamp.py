"""stamp: databases built at points of each sample's legacy history, with the legacy tool's
tracking table filled as the tool fills it (or with none: fingerprint mode), are stamped,
upgraded with `alembic upgrade head`, and must then equal a database built by the whole
legacy history. Every refusal has a test; so do re-runs, --dry-run, --sql, the fleet and
the lock.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from dbhelpers import alembic_config, assert_same, engine_for
from test_tracking import drop_mysql_database, execute, fill_tracking, flyway_rows, flyway_table

from converter import locate as locate_module
from converter.apply import apply_migration
from converter.cli import cli
from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.fingerprint import CACHE_FILE, FingerprintCache, catalog_key
from converter.formats.flyway import flyway_checksum
from converter.history import AlembicHistory
from converter.model import Kind
from converter.stamp import (
    ALREADY,
    FROM_TABLE_CHOICES,
    REFUSED,
    STAMPED,
    WOULD,
    StampOptions,
    read_urls_file,
    stamp,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DIALECTS = ["sqlite", "postgresql", "mysql"]
TRACKED = [
    "flyway",
    "golang-migrate",
    "dbmate",
    "goose",
    "sqitch",
    "liquibase",
    "yoyo",
    "sqlalchemy-migrate",
    "diesel",
]


@dataclass
class Converted:
    legacy: Path
    out: Path
    plans: list

    @property
    def versioned(self) -> list:
        return [
            p
            for p in self.plans
            if p.migration.kind is not Kind.REPEATABLE or p.migration.format != "flyway"
        ]

    def migrations(self, k: int) -> list:
        return [p.migration for p in self.versioned[:k]]

    def revision(self, k: int) -> str:
        return self.versioned[k - 1].revision if k else "base"


def convert_sample(root: Path, fmt: str, dialect: str) -> Converted:
    legacy = root / "legacy"
    shutil.copytree(SAMPLES / fmt / dialect, legacy)
    out = root / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    return Converted(legacy, out, result.plans)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Each sample converted once per module (tests that edit files convert their own)."""
    cache: dict[tuple[str, str], Converted] = {}

    def get(fmt: str, dialect: str) -> Converted:
        if (fmt, dialect) not in cache:
            cache[(fmt, dialect)] = convert_sample(
                tmp_path_factory.mktemp(f"{fmt}-{dialect}"), fmt, dialect
            )
        return cache[(fmt, dialect)]

    return get


@pytest.fixture
def new_db(make_db):
    """A new empty database; SQLite files each in a folder of their own (Sqitch keeps its
    registry beside the database file)."""

    def make(dialect: str) -> str:
        url = make_db(dialect)
        if dialect == "sqlite":
            sa.create_engine(url).connect().close()  # the file exists, empty
        return url

    return make


def apply(url: str, dialect: str, migrations) -> None:
    engine = engine_for(url)
    try:
        for m in migrations:
            apply_migration(engine, m, dialect)
    finally:
        engine.dispose()


def legacy_db(new_db, conv: Converted, dialect: str, k: int, tool: str | None, **fill) -> str:
    """A database where the legacy tool applied the first k migrations (and recorded them)."""
    url = new_db(dialect)
    apply(url, dialect, conv.migrations(k))
    if tool is not None:
        fill_tracking(url, tool, conv.migrations(k), **fill)
    return url


def alembic_heads(url: str) -> tuple[str, ...] | None:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return tuple(
                sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
            )
    finally:
        engine.dispose()


def reference_db(new_db, conv: Converted, dialect: str) -> str:
    url = new_db(dialect)
    apply(url, dialect, [p.migration for p in conv.plans])
    return url


def one(report):
    assert len(report.results) == 1
    return report.results[0]


def sqitch_registry(dialect: str, request) -> str | None:
    """On MySQL a Sqitch registry is a database of its own: one per target database here."""
    if dialect != "mysql":
        return None
    server = request.getfixturevalue("mysql_server")

    def cleanup():
        with server.connect() as conn:
            names = (
                conn.exec_driver_sql("SHOW DATABASES LIKE 'sqitch\\_conv\\_test\\_%%'")
                .scalars()
                .all()
            )
        for name in names:
            drop_mysql_database(server, name)

    request.addfinalizer(cleanup)
    return "sqitch_{database}"


# ---------------------------------------------------------------------------------------
# Stamp, upgrade, compare: every tracked sample, every dialect


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("fmt", TRACKED)
def test_stamped_databases_upgrade_to_what_the_legacy_history_builds(
    fmt, dialect, converted, new_db, request
):
    conv = converted(fmt, dialect)
    n = len(conv.versioned)
    registry = sqitch_registry(dialect, request) if fmt == "sqitch" else None
    ref = reference_db(new_db, conv, dialect)
    urls, expected = [], []
    for k in (0, 3, n):
        url = new_db(dialect)
        apply(url, dialect, conv.migrations(k))
        own = registry.replace("{database}", sa.make_url(url).database) if registry else None
        fill_tracking(url, fmt, conv.migrations(k), registry=own)
        urls.append(url)
        expected.append(conv.revision(k))
    if fmt == "flyway":  # release 1 then `flyway migrate`: V1..V4 and the repeatable view
        repeatable = next(p for p in conv.plans if p.migration.kind is Kind.REPEATABLE)
        for k, revision in ((4, conv.revision(4)), (n, repeatable.revision)):
            url = new_db(dialect)
            ms = [*conv.migrations(k), repeatable.migration]
            apply(url, dialect, ms)
            fill_tracking(url, fmt, ms)
            urls.append(url)
            expected.append(revision)
    report = stamp(
        conv.out,
        StampOptions(
            urls=urls, legacy_dir=conv.legacy, jobs=3, table=registry if fmt == "sqitch" else None
        ),
    )
    for url, result, revision in zip(urls, report.results, expected, strict=True):
        assert (result.action, result.revision) == (STAMPED, revision), result.reason
        assert alembic_heads(url) == (() if revision == "base" else (revision,))
        command.upgrade(alembic_config(conv.out, url), "head")
        assert_same(ref, url, f"{fmt}/{dialect} stamped at {revision}, then upgraded")
    assert report.exit_code == 0


@pytest.mark.parametrize("dialect", DIALECTS)
def test_fingerprint_mode_stamps_databases_without_a_tracking_table(dialect, converted, new_db):
    conv = converted("plain", dialect)
    ref = reference_db(new_db, conv, dialect)
    points = (0, 1, 3, len(conv.plans))  # 4, 5 and 6 have one schema (5 and 6 change data only)
    urls = [legacy_db(new_db, conv, dialect, k, None) for k in points]
    report = stamp(conv.out, StampOptions(urls=urls, jobs=2))
    for url, k, result in zip(urls, points, report.results, strict=True):
        assert (result.action, result.revision, result.source) == (
            STAMPED,
            conv.revision(k),
            "schema fingerprint",
        ), result.reason
        command.upgrade(alembic_config(conv.out, url), "head")
        assert_same(ref, url, f"plain/{dialect} at step {k}, stamped by fingerprint, then upgraded")
    assert (conv.out / CACHE_FILE).is_file()
    cached = json.loads((conv.out / CACHE_FILE).read_text())
    assert len(cached["histories"]) == 1
    [entry] = cached["histories"].values()
    assert [s["revision"] for s in entry["steps"]] == [None, *(p.revision for p in conv.plans)]


def test_an_edited_history_rebuilds_the_fingerprint_cache(tmp_path, new_db):
    conv = convert_sample(tmp_path, "plain", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 2, None)
    assert one(stamp(conv.out, StampOptions(urls=[url], dry_run=True))).revision == conv.revision(2)
    before = json.loads((conv.out / CACHE_FILE).read_text())["histories"]["sqlite"]["source_hash"]
    path = next((conv.out / "versions").glob("*create_customers.py"))
    path.write_text(path.read_text() + "# touched\n")  # same schema, other files
    assert one(stamp(conv.out, StampOptions(urls=[url], dry_run=True))).revision == conv.revision(2)
    after = json.loads((conv.out / CACHE_FILE).read_text())["histories"]["sqlite"]["source_hash"]
    assert before != after
    # SQLite keeps the CREATE TABLE text: a revision that writes it differently is another schema
    path.write_text(
        path.read_text().replace("CREATE TABLE customers", "CREATE TABLE customers /* edited */")
    )
    r = one(stamp(conv.out, StampOptions(urls=[url], dry_run=True)))
    assert r.action == REFUSED and "the closest is step 2" in r.reason


# ---------------------------------------------------------------------------------------
# Refusals


def test_dirty_golang_migrate_is_refused(converted, new_db):
    conv = converted("golang-migrate", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, "golang-migrate")
    execute(url, "UPDATE schema_migrations SET dirty = 1")
    r = one(stamp(conv.out, StampOptions(urls=[url])))
    assert r.action == REFUSED and "dirty at version 3" in r.reason and "migrate force" in r.reason
    assert alembic_heads(url) is None


@pytest.mark.parametrize("dialect", DIALECTS)
def test_failed_flyway_row_is_refused(dialect, converted, new_db):
    conv = converted("flyway", dialect)
    url = legacy_db(new_db, conv, dialect, 4, "flyway")
    execute(
        url,
        "UPDATE flyway_schema_history SET success = "
        + ("false" if dialect == "postgresql" else "0")
        + " WHERE installed_rank = 4",
    )
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert r.action == REFUSED
    assert "version 4 (V4__create_invoices.sql) as failed (success = false" in r.reason
    assert alembic_heads(url) is None


def test_flyway_checksum_mismatch_names_the_edited_file(tmp_path, new_db):
    conv = convert_sample(tmp_path, "flyway", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 6, "flyway")
    edited = conv.legacy / "release_2" / "V5__seed_plans_and_customers.sql"
    edited.write_text(edited.read_text() + "\n-- edited after it ran\n")
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert r.action == REFUSED
    assert "release_2/V5__seed_plans_and_customers.sql was edited after it was applied" in r.reason
    # without --legacy-dir the checksums recorded at conversion are compared: this database
    # ran the very text that was converted, so it is stamped
    r = one(stamp(conv.out, StampOptions(urls=[url], dry_run=True)))
    assert r.action == WOULD, r.reason


def test_flyway_checksum_is_compared_with_the_conversion_without_the_legacy_folder(
    tmp_path, new_db
):
    """After the conversion the legacy folder is often gone: the checksum the revision was
    converted with (its legacy record) still tells a database that ran another text."""
    conv = convert_sample(tmp_path, "flyway", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 6, "flyway")
    execute(url, "UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '5'")
    r = one(stamp(conv.out, StampOptions(urls=[url])))
    assert r.action == REFUSED
    assert "release_2/V5__seed_plans_and_customers.sql" in r.reason
    assert "converted from a text with checksum" in r.reason
    assert alembic_heads(url) is None


def test_a_legacy_file_edited_since_the_conversion_is_named_with_the_legacy_folder(
    tmp_path, new_db
):
    """With --legacy-dir, stamp also says which legacy files changed since the conversion
    (their SHA-256 differs from the revisions' records): the Alembic history lacks that change."""
    conv = convert_sample(tmp_path, "flyway", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 6, "flyway")
    edited = conv.legacy / "release_2" / "V6__normalise_customer_emails.sql"
    edited.write_text(edited.read_text() + "\n-- edited after the conversion\n")
    # this database ran the edited text (Flyway recorded its checksum)
    checksum = flyway_checksum(edited.read_bytes())
    execute(url, f"UPDATE flyway_schema_history SET checksum = {checksum} WHERE version = '6'")
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy, dry_run=True)))
    assert r.action == WOULD, r.reason
    assert any(edited.name in d and "edited since it was converted" in d for d in r.details), (
        r.details
    )


def test_a_gap_is_refused_naming_the_missing_migration(converted, new_db):
    conv = converted("dbmate", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 4, "dbmate")
    execute(
        url,
        f"DELETE FROM schema_migrations WHERE version = '{conv.versioned[2].migration.version}'",
    )
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert r.action == REFUSED
    assert (
        "20240101000003 (20240101000003_create_subscriptions.sql) is not applied, but later 20240101000004"
        in r.reason
    )


def test_out_of_order_flyway_is_refused(converted, new_db):
    conv = converted("flyway", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 0, None)
    apply(url, "sqlite", conv.migrations(4))
    ms = conv.migrations(4)
    engine = engine_for(url)
    with engine.begin() as conn:
        flyway_table().create(conn)
        rows = flyway_rows([ms[0], ms[1], ms[3], ms[2]])  # outOfOrder=true: 4 ran before 3
        conn.execute(flyway_table().insert(), rows)
    engine.dispose()
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert (
        r.action == REFUSED
        and "out of order: 4 (V4__create_invoices.sql) was applied before 3" in r.reason
    )


def test_a_version_no_file_knows_is_refused(converted, new_db):
    conv = converted("goose", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, "goose")
    execute(url, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (42, 1)")
    r = one(stamp(conv.out, StampOptions(urls=[url])))
    assert (
        r.action == REFUSED
        and "records 42 as applied, but no migration in the history has that version" in r.reason
    )


def test_liquibase_failed_changeset_is_refused(converted, new_db):
    conv = converted("liquibase", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 5, "liquibase")
    execute(url, "UPDATE DATABASECHANGELOG SET EXECTYPE = 'FAILED' WHERE ID = '5'")
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert r.action == REFUSED and "changeset isp:5 (changes/002_data.sql) as FAILED" in r.reason


def test_liquibase_edited_changeset_is_refused(converted, new_db):
    conv = converted("liquibase", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, "liquibase")
    execute(
        url,
        "UPDATE DATABASECHANGELOG SET MD5SUM = '9:00000000000000000000000000000000' WHERE ID = '2'",
    )
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy)))
    assert (
        r.action == REFUSED and "changes/001_schema.sql was edited after it was applied" in r.reason
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_alembic_version_at_another_revision_is_refused_unless_forced(dialect, converted, new_db):
    conv = converted("goose", dialect)
    url = legacy_db(new_db, conv, dialect, 4, "goose")
    stamp(conv.out, StampOptions(urls=[url]))
    execute(url, f"UPDATE alembic_version SET version_num = '{conv.revision(2)}'")
    r = one(stamp(conv.out, StampOptions(urls=[url])))
    assert r.action == REFUSED
    assert f"alembic_version already says {conv.revision(2)}" in r.reason and "--force" in r.reason
    assert alembic_heads(url) == (conv.revision(2),)
    r = one(stamp(conv.out, StampOptions(urls=[url], force=True)))
    assert (r.action, r.revision) == (STAMPED, conv.revision(4))
    assert alembic_heads(url) == (conv.revision(4),)


def test_no_fingerprint_match_shows_the_closest_step_and_its_diff(converted, new_db):
    conv = converted("plain", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, None)
    execute(url, "ALTER TABLE customers ADD COLUMN nickname VARCHAR(40)")
    r = one(stamp(conv.out, StampOptions(urls=[url])))
    assert r.action == REFUSED
    assert (
        f"no step of the history has this schema; the closest is step 3: {conv.revision(3)}"
        in r.reason
    )
    assert "column nickname: missing in expected" in r.reason  # the first difference
    assert r.details[0] == f"differences from step 3: {conv.revision(3)}, legacy 003:"
    assert any("column order" in d for d in r.details[1:])
    assert alembic_heads(url) is None


def test_schema_drift_is_refused_with_verify_schema(converted, new_db):
    conv = converted("flyway", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 4, "flyway")
    execute(url, "CREATE INDEX ix_hotfix ON invoices (amount)")
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy, verify_schema=True)))
    assert r.action == REFUSED
    assert "flyway_schema_history: last applied 4, but the schema differs from step 4" in r.reason
    assert "index ix_hotfix: missing in expected" in "\n".join(r.details)
    assert one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy))).action == STAMPED


def test_verify_schema_passes_on_a_clean_database(converted, new_db):
    conv = converted("yoyo", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 5, "yoyo")
    r = one(stamp(conv.out, StampOptions(urls=[url], legacy_dir=conv.legacy, verify_schema=True)))
    assert r.action == STAMPED and any("schema verified" in d for d in r.details)


def test_several_possible_answers_are_refused(converted, new_db):
    plain = converted("plain", "sqlite")
    url = legacy_db(new_db, plain, "sqlite", 5, None)  # after the seed: same schema as 4 and 6
    r = one(stamp(plain.out, StampOptions(urls=[url])))
    assert r.action == REFUSED and "the schema matches 3 steps equally" in r.reason
    assert alembic_heads(url) is None

    migrate = converted("sqlalchemy-migrate", "sqlite")
    url = legacy_db(new_db, migrate, "sqlite", 3, "sqlalchemy-migrate")
    execute(url, "INSERT INTO migrate_version VALUES ('billing', '/srv/billing', 2)")
    r = one(stamp(migrate.out, StampOptions(urls=[url])))
    assert r.action == REFUSED and "several repositories (billing, isp)" in r.reason
    r = one(
        stamp(migrate.out, StampOptions(urls=[url], legacy_dir=migrate.legacy))
    )  # migrate.cfg says isp
    assert (r.action, r.revision) == (STAMPED, migrate.revision(3))


def test_a_legacy_dir_that_does_not_match_stops_before_any_database(converted, new_db):
    flyway, goose = converted("flyway", "sqlite"), converted("goose", "sqlite")
    url = legacy_db(new_db, flyway, "sqlite", 2, "flyway")
    with pytest.raises(InputError, match="the Alembic history does not match the legacy directory"):
        stamp(flyway.out, StampOptions(urls=[url], legacy_dir=goose.legacy))
    assert alembic_heads(url) is None


def test_a_named_tool_without_its_table_is_refused(converted, new_db):
    conv = converted("goose", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, None)
    r = one(stamp(conv.out, StampOptions(urls=[url], from_table="goose")))
    assert r.action == REFUSED and "no goose tracking table (goose_db_version)" in r.reason


def test_a_custom_table(converted, new_db):
    conv = converted("plain", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 6, None)
    execute(
        url,
        "CREATE TABLE app_schema_version (v VARCHAR(10))",
        "INSERT INTO app_schema_version VALUES ('6')",
    )
    r = one(
        stamp(conv.out, StampOptions(urls=[url], table="app_schema_version", version_column="v"))
    )
    assert (r.action, r.revision, r.legacy_version) == (STAMPED, conv.revision(6), "6")


# ---------------------------------------------------------------------------------------
# Re-runs, dry runs, SQL, dropping the legacy table


@pytest.mark.parametrize("dialect", DIALECTS)
def test_re_running_is_a_no_op_and_upgraded_databases_are_left_alone(dialect, converted, new_db):
    conv = converted("diesel", dialect)
    url = legacy_db(new_db, conv, dialect, 3, "diesel")
    assert one(stamp(conv.out, StampOptions(urls=[url]))).action == STAMPED
    again = one(stamp(conv.out, StampOptions(urls=[url])))
    assert (
        again.action == ALREADY and f"already at {conv.revision(3)}: nothing to do" in again.reason
    )
    command.upgrade(alembic_config(conv.out, url), "head")
    later = one(stamp(conv.out, StampOptions(urls=[url])))
    assert later.action == ALREADY and "upgraded with Alembic since" in later.reason
    assert alembic_heads(url) == (conv.plans[-1].revision,)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_dry_run_and_sql_write_nothing(dialect, converted, new_db):
    conv = converted("yoyo", dialect)
    url = legacy_db(new_db, conv, dialect, 4, "yoyo")
    dry = one(stamp(conv.out, StampOptions(urls=[url], dry_run=True)))
    assert (dry.action, dry.revision) == (WOULD, conv.revision(4)) and "would stamp" in dry.reason
    assert alembic_heads(url) is None
    sql = one(stamp(conv.out, StampOptions(urls=[url], sql=True)))
    assert sql.action == WOULD and "CREATE TABLE alembic_version" in sql.sql
    assert f"INSERT INTO alembic_version (version_num) VALUES ('{conv.revision(4)}')" in sql.sql
    assert alembic_heads(url) is None


def test_drop_legacy_table(converted, new_db):
    conv = converted("yoyo", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 4, "yoyo")
    r = one(stamp(conv.out, StampOptions(urls=[url], drop_legacy_table=True)))
    assert r.action == STAMPED and any("_yoyo_migration" in d for d in r.details)
    engine = engine_for(url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert (
        not {"_yoyo_migration", "_yoyo_log", "_yoyo_version"} & tables
        and "alembic_version" in tables
    )
    assert one(stamp(conv.out, StampOptions(urls=[url], jobs=1))).action == ALREADY  # by schema now


# ---------------------------------------------------------------------------------------
# Fleets, locks, the command line


@pytest.mark.parametrize("dialect", DIALECTS)
def test_two_stampings_of_one_database_at_once(dialect, converted, new_db):
    conv = converted("dbmate", dialect)
    url = legacy_db(new_db, conv, dialect, 4, "dbmate")
    report = stamp(conv.out, StampOptions(urls=[url, url, url], jobs=3))
    assert sorted(r.action for r in report.results) == [ALREADY, ALREADY, STAMPED]
    assert alembic_heads(url) == (conv.revision(4),)


def test_fleet_with_a_bad_url_among_good_ones(converted, new_db, tmp_path):
    conv = converted("goose", "sqlite")
    good = [legacy_db(new_db, conv, "sqlite", k, "goose") for k in (1, 2, 5)]
    bad = "postgresql+psycopg://app:hunter2-secret@127.0.0.1:1/app"
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'app.db'}"
    urls_file = tmp_path / "fleet.txt"
    urls_file.write_text(
        f"# production\n{good[0]}\n\n{bad}\n  {good[1]}\n# staging\n{missing}\n{good[2]}\n"
    )
    assert read_urls_file(urls_file) == [good[0], bad, good[1], missing, good[2]]
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "stamp",
            "--alembic-dir",
            str(conv.out),
            "--urls-file",
            str(urls_file),
            "--jobs",
            "4",
            "--report",
            "json",
        ],
    )
    assert result.exit_code == 2, result.output  # a database could not be reached
    assert "hunter2-secret" not in result.output
    doc = json.loads(result.stdout)
    actions = [(r["action"], r["revision"]) for r in doc["results"]]
    assert actions[0] == (STAMPED, conv.revision(1)) and actions[2] == (STAMPED, conv.revision(2))
    assert actions[4] == (STAMPED, conv.revision(5))
    assert (
        actions[1][0] == "unreachable"
        and "refused" in doc["results"][1]["reason"]  # the driver's reason: connection refused
        and doc["results"][1]["database"] == "postgresql+psycopg://app:***@127.0.0.1:1/app"
    )
    assert actions[3][0] == REFUSED and "no SQLite database file" in doc["results"][3]["reason"]
    table = runner.invoke(
        cli, ["stamp", "--alembic-dir", str(conv.out), "--urls-file", str(urls_file)]
    )
    assert (
        table.exit_code == 2
        and "hunter2-secret" not in table.output
        and "already-stamped" in table.output
    )


def test_cli_usage_errors_exit_2_and_choices_match(converted, new_db):
    conv = converted("goose", "sqlite")
    runner = CliRunner()
    assert runner.invoke(cli, ["stamp", "--alembic-dir", str(conv.out)]).exit_code == 2
    url = legacy_db(new_db, conv, "sqlite", 1, "goose")
    r = runner.invoke(
        cli, ["stamp", "--alembic-dir", str(conv.out), "--url", url, "--version-column", "v"]
    )
    assert r.exit_code == 2 and "--version-column needs --table" in r.output
    assert (
        runner.invoke(
            cli, ["stamp", "--alembic-dir", str(conv.out), "--url", url, "--from-table", "x"]
        ).exit_code
        == 2
    )
    choices = next(p for p in cli.commands["stamp"].params if p.name == "from_table").type.choices
    assert tuple(choices) == FROM_TABLE_CHOICES
    sql = runner.invoke(cli, ["stamp", "--alembic-dir", str(conv.out), "--url", url, "--sql"])
    assert sql.exit_code == 0 and f"VALUES ('{conv.revision(1)}')" in sql.stdout
    assert alembic_heads(url) is None


def test_fifty_sqlite_databases_by_fingerprint(converted, new_db):
    """A fleet of 50 SQLite databases in fingerprint mode, four threads: each stamped at its
    own step (how fast is bench/run.py's business, not a test's)."""
    conv = converted("plain", "sqlite")
    points = [0, 1, 2, 3, 7]
    urls = [legacy_db(new_db, conv, "sqlite", points[i % len(points)], None) for i in range(50)]
    stamp(conv.out, StampOptions(urls=urls[:1], dry_run=True))  # the fingerprints, built once
    report = stamp(conv.out, StampOptions(urls=urls, jobs=4))
    for i, r in enumerate(report.results):
        assert (r.action, r.revision) == (STAMPED, conv.revision(points[i % len(points)])), r.reason


def test_sqlite_catalog_match_needs_no_reflection(converted, new_db, monkeypatch):
    """A database built by the legacy history has the very sqlite_master rows of a step: it
    is identified by the catalog key alone, without a schema snapshot."""
    conv = converted("plain", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 3, None)
    stamp(
        conv.out, StampOptions(urls=[new_db("sqlite")], dry_run=True)
    )  # the fingerprints, built once

    def no_snapshot(*args, **kwargs):
        raise AssertionError("a schema snapshot was taken")

    monkeypatch.setattr(locate_module, "take_snapshot", no_snapshot)
    report = stamp(conv.out, StampOptions(urls=[url]))
    assert (report.results[0].action, report.results[0].revision) == (STAMPED, conv.revision(3)), (
        report.results[0].reason
    )


def test_sqlite_same_schema_spelt_differently_falls_back_to_the_snapshot(converted, new_db):
    """The catalog key differs when a CREATE is spelt differently (layout, case of keywords):
    the full snapshot must still find the step (and stamp it)."""
    conv = converted("plain", "sqlite")
    stamp(conv.out, StampOptions(urls=[new_db("sqlite")], dry_run=True))
    url = legacy_db(new_db, conv, "sqlite", 2, None)
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"
            ).all()
            name, sql = next((n, s) for n, s in rows if not n.startswith("sqlite_"))
            conn.exec_driver_sql("PRAGMA writable_schema = ON")
            respelt = sql.replace("(", "(\n    ", 1)
            conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE name = ?", (respelt, name))
    finally:
        engine.dispose()
    with engine_for(url).connect() as conn:
        assert catalog_key(conn) not in {
            s.catalog for s in FingerprintCache(AlembicHistory(conv.out)).peek("sqlite").steps
        }
    report = stamp(conv.out, StampOptions(urls=[url]))
    assert (report.results[0].action, report.results[0].revision) == (STAMPED, conv.revision(2)), (
        report.results[0].reason
    )


def test_catalog_key_ignores_tracking_tables_and_is_none_off_sqlite(converted, new_db, pg_url):
    conv = converted("plain", "sqlite")
    url = legacy_db(new_db, conv, "sqlite", 2, None)
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            before = catalog_key(conn)
        stamp(conv.out, StampOptions(urls=[url], from_table="none"))  # adds alembic_version
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one() == 1
            assert catalog_key(conn) == before
            conn.exec_driver_sql("CREATE INDEX ix_extra ON alembic_version (version_num)")
            assert catalog_key(conn) == before  # an index on a tracking table is its business
            conn.exec_driver_sql("CREATE TABLE extra (id INTEGER)")
            assert catalog_key(conn) != before
    finally:
        engine.dispose()
    pg = engine_for(pg_url)
    try:
        with pg.connect() as conn:
            assert catalog_key(conn) is None
    finally:
        pg.dispose()


# ---------------------------------------------------------------------------------------
# Module branches (convert --modules): one row per module in alembic_version


def modules_history(root: Path, dialect: str):
    from test_convert_modules import modules_tree

    legacy = modules_tree(root / "migrations")
    out = root / "alembic"
    result = convert(
        legacy, out, ConvertOptions(dialect=dialect, date_from="20240101", modules=True)
    )
    by_module: dict[str, list] = {}
    for p in result.plans:
        by_module.setdefault(p.migration.module, []).append(p)
    return legacy, out, by_module


@pytest.mark.parametrize("dialect", DIALECTS)
def test_module_branches_are_stamped_one_revision_each(dialect, new_db, tmp_path):
    legacy, out, mods = modules_history(tmp_path, dialect)
    ref = new_db(dialect)
    apply(ref, dialect, [p.migration for p in mods["core"] + mods["ai_chatbot"]])
    url = new_db(dialect)
    apply(
        url,
        dialect,
        [mods["core"][0].migration, mods["core"][1].migration, mods["ai_chatbot"][0].migration],
    )
    execute(
        url,
        "CREATE TABLE core_version (version VARCHAR(10))",
        "INSERT INTO core_version VALUES ('001')",
        "INSERT INTO core_version VALUES ('002')",
        "CREATE TABLE ai_chatbot_version (version VARCHAR(10))",
        "INSERT INTO ai_chatbot_version VALUES ('001')",
    )
    options = StampOptions(
        urls=[url], legacy_dir=legacy, table="{module}_version", version_column="version"
    )
    r = one(stamp(out, options))
    assert (r.action, r.revision) == (STAMPED, "ai_chatbot_integration, core_customer_phone"), (
        r.reason
    )
    assert r.legacy_version == "ai_chatbot: 001, core: 002"
    assert alembic_heads(url) == ("ai_chatbot_integration", "core_customer_phone")
    assert one(stamp(out, options)).action == ALREADY
    command.upgrade(alembic_config(out, url), "heads")
    execute(
        url, "DROP TABLE core_version", "DROP TABLE ai_chatbot_version"
    )  # the project's own tables
    assert_same(ref, url, f"modules/{dialect} stamped per module, then upgraded")


def test_module_branches_sharing_one_table_or_without_tables_are_refused(new_db, tmp_path):
    legacy, out, mods = modules_history(tmp_path, "sqlite")
    url = new_db("sqlite")
    apply(url, "sqlite", [mods["core"][0].migration])
    execute(
        url,
        "CREATE TABLE app_version (version VARCHAR(10))",
        "INSERT INTO app_version VALUES ('001')",
        "INSERT INTO app_version VALUES ('002')",
    )
    r = one(stamp(out, StampOptions(urls=[url], table="app_version", version_column="version")))
    assert r.action == REFUSED and "which the modules ai_chatbot, core all have" in r.reason
    r = one(stamp(out, StampOptions(urls=[url])))
    assert (
        r.action == REFUSED
        and "needs one line of history; this one has module branches" in r.reason
    )
    assert alembic_heads(url) is None
