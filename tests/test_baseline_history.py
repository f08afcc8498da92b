"""Histories that start with a baseline revision (issue 18, the sides that read them):
pairing, stamp (tracking table and fingerprint), verify (stepwise, --downgrade, the rows a
baseline leaves out), drift and converter.testing. The baselines are written by the real
`convert --baseline-at`."""

from __future__ import annotations

import json
import random
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config, engine_for
from test_tracking import fill_tracking

from converter.apply import apply_migration
from converter.baseline_rows import empty_tables_not_carried
from converter.convert import ConvertOptions, convert
from converter.drift import DriftOptions, drift
from converter.errors import InputError
from converter.history import AlembicHistory, legacy_version
from converter.legacy import read_legacy_history
from converter.model import Kind
from converter.pairing import pair_history
from converter.stamp import REFUSED, STAMPED, WOULD, StampOptions, stamp
from converter.testing import assert_equivalent
from converter.verify import VerifyOptions, verify
from converter.verify_report import DIFFERENT, DOWNGRADE, EQUAL

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FORMATS = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_dir() and p.name not in ("multi-dialect", "code-migrations")
)


def generate_flyway_history(root: Path, count: int, seed: int = 18) -> Path:
    """`count` Flyway migrations for SQLite (`V<n>__<what>.sql`, each with its
    `U<n>__<what>.sql` undo): tables referencing earlier ones, added columns, indexes,
    views, rows in a reference table (`countries`, V3, V13, ...) and in an event table
    (`events`, V7, V17, ...). Deterministic for (count, seed)."""
    rng = random.Random(f"{seed}:{count}")
    root.mkdir(parents=True, exist_ok=True)
    tables: list[str] = []
    event = 0

    def write(n: int, what: str, up: str, down: str) -> None:
        (root / f"V{n}__{what}.sql").write_text(up + "\n", encoding="utf-8")
        (root / f"U{n}__{what}.sql").write_text(down + "\n", encoding="utf-8")

    for n in range(1, count + 1):
        if n == 1:
            write(
                n,
                "countries",
                "CREATE TABLE countries (code VARCHAR(2) PRIMARY KEY, name VARCHAR(80) NOT NULL);",
                "DROP TABLE countries;",
            )
        elif n == 2:
            write(
                n,
                "events",
                "CREATE TABLE events (id INTEGER PRIMARY KEY, country VARCHAR(2) "
                "REFERENCES countries (code), note VARCHAR(100));",
                "DROP TABLE events;",
            )
        elif n % 10 == 3:
            code = f"{chr(65 + (n // 26) % 26)}{chr(65 + n % 26)}"
            write(
                n,
                "country",
                f"INSERT INTO countries (code, name) VALUES ('{code}', 'Country {n}');",
                f"DELETE FROM countries WHERE code = '{code}';",
            )
        elif n % 10 == 7:
            event += 1
            write(
                n,
                "event",
                f"INSERT INTO events (id, note) VALUES ({event}, 'event {n}');",
                f"DELETE FROM events WHERE id = {event};",
            )
        elif n % 5 == 1 or not tables:
            name = f"t{n:03d}"
            ref = f", ref_id INTEGER REFERENCES {rng.choice(tables)} (id)" if tables else ""
            write(
                n,
                f"create_{name}",
                f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label VARCHAR(40){ref});",
                f"DROP TABLE {name};",
            )
            tables.append(name)
        elif n % 5 == 2:
            table = rng.choice(tables)
            write(
                n,
                f"index_{table}",
                f"CREATE INDEX ix_{n:03d} ON {table} (label);",
                f"DROP INDEX ix_{n:03d};",
            )
        elif n % 5 == 4:
            table = rng.choice(tables)
            write(
                n,
                f"view_{table}",
                f"CREATE VIEW v{n:03d} AS SELECT id, label FROM {table};",
                f"DROP VIEW v{n:03d};",
            )
        else:
            table = rng.choice(tables)
            write(
                n,
                f"column_{table}",
                f"ALTER TABLE {table} ADD COLUMN c{n:03d} VARCHAR(20);",
                f"ALTER TABLE {table} DROP COLUMN c{n:03d};",
            )
    return root


def legacy_db(url: str, migrations, tool: str | None = "flyway") -> str:
    """The database at `url` after the legacy tool applied `migrations` (and recorded them
    in its tracking table, unless `tool` is None)."""
    engine = engine_for(url)
    try:
        for m in migrations:
            apply_migration(engine, m, sa.make_url(url).get_backend_name())
        with engine.connect() as conn:  # the file exists even with nothing applied
            conn.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()
    if tool is not None:
        fill_tracking(url, tool, list(migrations))
    return url


def chain_ids(out: Path) -> dict[str | None, str]:
    """legacy version -> revision id, over the chain (the baseline under its version)."""
    return {
        v: r.revision for r in AlembicHistory(out).chain() if (v := legacy_version(r)) is not None
    }


# ---------------------------------------------------------------------------------------
# The held-out-style history: 200 migrations, a baseline at 150


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("big")
    legacy = generate_flyway_history(root / "legacy", 200)
    out = root / "alembic"
    result = convert(
        legacy,
        out,
        ConvertOptions(
            dialect="sqlite", date_from="20240101", baseline_at="150", baseline_data="countries"
        ),
    )
    assert result.plans[0].filename == "20240101_baseline.py"
    migrations = read_legacy_history(legacy, "sqlite", None, None).migrations
    return legacy, out, migrations


def test_200_migrations_baselined_at_150_verify_stepwise_with_downgrade(big):
    legacy, out, _ = big
    report = verify(legacy, out, VerifyOptions(downgrade=True))
    assert report.equivalent, report.text()
    up = [s for s in report.steps if s.phase == "upgrade"]
    assert len(up) == 51  # the baseline, then 151..200 one by one
    assert up[0].legacy_file == "V1__countries.sql .. V150__column_t091.sql (baseline)"
    assert up[0].status == EQUAL and up[1].legacy_version == "151"
    down = [s for s in report.steps if s.phase == DOWNGRADE]
    assert [s.status for s in down] == [EQUAL] * 51  # down to the empty database
    # the event rows of the legacy history were left out, and the report says so
    assert report.baseline_data_left_out == ["events"]
    assert any("in events were left out" in n for n in report.notes), report.notes
    assert report.to_json()["baseline_data_left_out"] == ["events"]
    assert "(the first, the baseline baseline: legacy 1..150 (150 migrations))" in report.summary()


def test_200_migrations_baselined_at_150_stamp_150_170_and_refuse_120(big, make_db):
    legacy, out, migrations = big
    ids = chain_ids(out)
    urls = {k: legacy_db(make_db("sqlite"), migrations[:k]) for k in (150, 170, 120, 0)}
    for legacy_dir in (None, legacy):  # the revisions' records alone, or the legacy folder
        report = stamp(
            out, StampOptions(urls=list(urls.values()), legacy_dir=legacy_dir, dry_run=True)
        )
        got = {k: r for k, r in zip(urls, report.results, strict=True)}
        assert got[150].action == WOULD and got[150].revision == ids["150"], got[150].reason
        assert "the version of the baseline revision" in got[150].reason
        assert got[170].action == WOULD and got[170].revision == ids["170"], got[170].reason
        assert got[0].action == WOULD and got[0].revision == "base"
        refused = got[120]
        assert refused.action == REFUSED
        assert "inside the baseline revision" in refused.reason
        assert "still needs 30 legacy migration(s)" in refused.reason
        needed = [d.strip().split()[0] for d in refused.details[1:]]
        assert needed == [str(v) for v in range(121, 151)]
        assert "bring it to version 150 with the legacy tool first" in refused.reason
        if legacy_dir is not None:
            assert "121 (V121__create_t121.sql)" in refused.reason
    # --verify-schema checks the baseline's own schema (never a state inside it)
    checked = stamp(out, StampOptions(urls=[urls[150]], verify_schema=True, dry_run=True))
    assert checked.results[0].action == WOULD, checked.results[0].reason
    assert any("schema verified" in d for d in checked.results[0].details)
    # stamped for real, then `alembic upgrade head` runs exactly the rest
    report = stamp(out, StampOptions(urls=[urls[150], urls[170]]))
    assert [r.action for r in report.results] == [STAMPED, STAMPED]
    for url in (urls[150], urls[170]):
        command.upgrade(alembic_config(out, url), "head")


def test_200_migrations_baselined_at_150_fingerprints_inside_the_baseline(big, make_db):
    legacy, out, migrations = big
    ids = chain_ids(out)
    urls = {k: legacy_db(make_db("sqlite"), migrations[:k], tool=None) for k in (150, 120, 0)}
    report = stamp(out, StampOptions(urls=list(urls.values()), legacy_dir=legacy, dry_run=True))
    got = dict(zip(urls, report.results, strict=True))
    assert got[150].action == WOULD and got[150].revision == ids["150"], got[150].reason
    assert got[0].action == WOULD and got[0].revision == "base"
    assert got[120].action == REFUSED
    assert got[120].reason.startswith("the schema matches legacy version 120")
    assert "still needs 30 legacy migration(s): 121 (V121__create_t121.sql)" in got[120].reason
    # a data-only migration leaves the schema as it was: the schema cannot tell them apart
    at_122 = legacy_db(make_db("sqlite"), migrations[:122], tool=None)
    twin = stamp(out, StampOptions(urls=[at_122], legacy_dir=legacy, dry_run=True)).results[0]
    assert twin.action == REFUSED
    assert twin.reason.startswith("the schema matches legacy version 122 and 1 later step(s)")
    assert "which of them ran" in twin.reason and "still needs 28" in twin.reason
    # without the legacy folder the states inside the baseline are unknown: it says so
    alone = stamp(out, StampOptions(urls=[urls[120]], dry_run=True, from_table="none"))
    assert alone.results[0].action == REFUSED
    assert "the history starts with a baseline revision" in alone.results[0].reason
    assert "pass --legacy-dir" in alone.results[0].reason


# ---------------------------------------------------------------------------------------
# Every sample, every database: a baseline at the middle version


def legacy_roots(dialect: str) -> list[Path]:
    return [
        SAMPLES / fmt
        for fmt in FORMATS
        if (SAMPLES / fmt / dialect).is_dir()
        or not any((SAMPLES / fmt / d).is_dir() for d in ("sqlite", "postgresql", "mysql"))
    ]


def middle_version(root: Path, dialect: str) -> str | None:
    try:
        found = read_legacy_history(root, dialect, None, None)
    except InputError:
        return None
    versioned = [m for m in found.migrations if m.kind is Kind.VERSIONED and m.version]
    return versioned[(len(versioned) - 1) // 2].version if len(versioned) >= 2 else None


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_every_sample_baselined_at_its_middle_verifies_with_downgrade(dialect, server, tmp_path):
    url = server(dialect)
    ran = []
    for root in legacy_roots(dialect):
        version = middle_version(root, dialect)
        assert version is not None, root
        out = tmp_path / root.name
        convert(
            root,
            out,
            ConvertOptions(
                dialect=dialect,
                date_from="20240101",
                baseline_at=version,
                baseline_data="max-rows:100000",
                url=url,
            ),
        )
        report = verify(root, out, VerifyOptions(url=url, dialect=dialect, downgrade=True))
        assert report.equivalent, f"{root.name} at {version}:\n{report.text()}"
        assert report.steps[0].legacy_file and "(baseline)" in report.steps[0].legacy_file
        ran.append(root.name)
    assert ran == [r.name for r in legacy_roots(dialect)]  # every sample, none passed over


# ---------------------------------------------------------------------------------------
# The flyway sample: pairing problems, data left out, drift, converter.testing

FLYWAY = SAMPLES / "flyway" / "sqlite"


@pytest.fixture
def flyway(tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(FLYWAY, legacy)
    out = tmp_path / "alembic"
    convert(
        legacy,
        out,
        ConvertOptions(
            dialect="sqlite", date_from="20240101", baseline_at="5", baseline_data="plans"
        ),
    )
    return legacy, out


def baseline_file(out: Path) -> Path:
    return out / "versions" / "20240101_baseline.py"


def edit_covers(out: Path, covers: list[str]) -> None:
    path = baseline_file(out)
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(r'"covers": \[[^\]]*\]', f'"covers": {json.dumps(covers)}', text)
    assert n == 1
    path.write_text(text, encoding="utf-8")


def pairs_of(legacy: Path, out: Path):
    found = read_legacy_history(legacy, "sqlite", None, None)
    return pair_history(found.migrations, AlembicHistory(out).chain(), set).pairs


def test_pairing_a_baseline_with_every_migration_it_covers(flyway):
    legacy, out = flyway
    pairs = pairs_of(legacy, out)
    first = pairs[0]
    assert first.problem is None and first.is_baseline
    assert [m.version for m in first.covers] == ["1", "2", "3", "4", "5"]
    assert first.migration is first.covers[-1]
    assert first.baseline_data == ("plans",)
    assert [p.migration.version for p in pairs[1:] if p.migration] == ["6", "7", "8", ""]


@pytest.mark.parametrize(
    ("covers", "expected"),
    [
        (
            ["2", "3", "4", "5"],
            "its entry 1 is version '2', but the legacy tool runs legacy migration V1__",
        ),
        (["1", "2", "4", "3", "5"], "its entry 3 is version '4'"),
        (
            ["1", "2", "2b", "3", "4", "5"],
            "covering legacy version(s) 2b, which the legacy directory",
        ),
        (["1", "2", "3", "4"], "its legacy record says version '5' but its covers end at '4'"),
    ],
)
def test_a_baseline_whose_covers_are_not_the_start_of_the_history_is_a_clear_problem(
    flyway, covers, expected
):
    legacy, out = flyway
    edit_covers(out, covers)
    problem = pairs_of(legacy, out)[0].problem
    assert problem is not None and expected in problem, problem
    assert "convert again with --baseline-at" in problem
    report = verify(legacy, out, VerifyOptions())
    assert not report.equivalent and expected in (report.failure.message or "")
    with pytest.raises(InputError) as raised:
        stamp(out, StampOptions(urls=["sqlite:///nowhere.db"], legacy_dir=legacy))
    assert expected in raised.value.message


def test_a_covered_legacy_file_that_is_gone_is_named(flyway):
    legacy, out = flyway
    (legacy / "V3__create_subscriptions.sql").unlink()
    (legacy / "U3__create_subscriptions.sql").unlink()
    problem = pairs_of(legacy, out)[0].problem
    assert problem is not None and "covering legacy version(s) 3, which the legacy" in problem


def test_a_baseline_that_leaves_out_rows_it_should_carry_differs_at_its_step(flyway):
    legacy, out = flyway
    path = baseline_file(out)
    text = path.read_text(encoding="utf-8")
    # the record claims customers too, the revision carries only plans: the legacy side
    # keeps the customers' rows, the Alembic side has none
    path.write_text(
        text.replace('"baseline_data": ["plans"]', '"baseline_data": ["customers", "plans"]')
    )
    report = verify(legacy, out, VerifyOptions())
    assert not report.equivalent
    failure = report.failure
    assert failure is not None and failure.status == DIFFERENT and failure.number == 1
    assert "customers" in report.text()


def test_drift_and_assert_equivalent_understand_a_baseline_history(flyway, make_db):
    legacy, out = flyway
    report = assert_equivalent(legacy, out, downgrade=True)
    assert report.baseline_data_left_out == ["customers"]
    migrations = read_legacy_history(legacy, "sqlite", None, None).migrations
    url = legacy_db(make_db("sqlite"), migrations[:5])
    assert stamp(out, StampOptions(urls=[url])).results[0].action == STAMPED
    assert not drift(out, DriftOptions(url=url)).drifted
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE plans ADD COLUMN hotfix INTEGER")
    engine.dispose()
    found = drift(out, DriftOptions(url=url))
    assert found.drifted and "hotfix" in "\n".join(found.diff.lines())


# ---------------------------------------------------------------------------------------
# baseline_rows: the legacy side's rows of the tables not carried


def test_rows_not_carried_are_removed_without_cascading_into_carried_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, "
            "parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE)"
        )
        conn.exec_driver_sql("CREATE TABLE empty_one (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("CREATE TABLE flyway_schema_history (v TEXT)")
        conn.exec_driver_sql("INSERT INTO parent VALUES (1)")
        conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
        conn.exec_driver_sql("INSERT INTO flyway_schema_history VALUES ('1')")
        conn.commit()
    assert empty_tables_not_carried(engine, ["CHILD"]) == ["parent"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM child").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM parent").scalar() == 0
        # bookkeeping is never touched
        assert conn.exec_driver_sql("SELECT count(*) FROM flyway_schema_history").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_rows_not_carried_are_removed_on_servers(dialect, make_db):
    url = make_db(dialect)
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        conn.exec_driver_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, "
            "FOREIGN KEY (parent_id) REFERENCES parent (id))"
        )
        conn.exec_driver_sql("INSERT INTO parent VALUES (1)")
        conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
    assert empty_tables_not_carried(engine, []) == ["child", "parent"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM parent").scalar() == 0
    engine.dispose()


# ---------------------------------------------------------------------------------------
# Every tracked sample: stamped at the baseline, refused inside it, by its tool's table

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


@pytest.mark.parametrize("fmt", TRACKED)
def test_every_tracked_sample_stamps_at_its_baseline_and_refuses_inside_it(fmt, make_db, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(SAMPLES / fmt / "sqlite", legacy)
    version = middle_version(legacy, "sqlite")
    assert version is not None
    out = tmp_path / "alembic"
    convert(
        legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101", baseline_at=version)
    )
    versioned = [
        m
        for m in read_legacy_history(legacy, "sqlite", None, None).migrations
        if m.kind is not Kind.REPEATABLE or m.format != "flyway"
    ]
    k = next(i for i, m in enumerate(versioned, start=1) if m.version == version)
    baseline = AlembicHistory(out).chain()[0].revision
    at, below = make_db("sqlite"), make_db("sqlite")
    for url, n in ((at, k), (below, k - 1)):
        legacy_db(url, versioned[:n], tool=None)
        own = "sqitch" if fmt == "sqitch" else None
        fill_tracking(url, fmt, versioned[:n], registry=own)
    for legacy_dir in (None, legacy):
        report = stamp(out, StampOptions(urls=[at, below], legacy_dir=legacy_dir, dry_run=True))
        first, second = report.results
        assert first.action == WOULD and first.revision == baseline, first.reason
        assert second.action == REFUSED, second.reason
        assert "still needs 1 legacy migration(s)" in second.reason, second.reason
        assert f"bring it to version {version}" in second.reason


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_fingerprints_inside_a_baseline_on_every_database(dialect, make_db, server, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(SAMPLES / "flyway" / dialect, legacy)
    out = tmp_path / "alembic"
    options = ConvertOptions(
        dialect=dialect, date_from="20240101", baseline_at="3", url=server(dialect)
    )
    convert(legacy, out, options)
    baseline = AlembicHistory(out).chain()[0].revision
    migrations = read_legacy_history(legacy, dialect, None, None).migrations
    at, below = (legacy_db(make_db(dialect), migrations[:k], tool=None) for k in (3, 1))
    report = stamp(
        out, StampOptions(urls=[at, below], legacy_dir=legacy, from_table="none", dry_run=True)
    )
    first, second = report.results
    assert first.action == WOULD and first.revision == baseline, first.reason
    assert second.action == REFUSED, second.reason
    assert second.reason.startswith("the schema matches legacy version 1")
    assert "still needs 2 legacy migration(s): 2 (V2__create_customers.sql), 3" in second.reason
