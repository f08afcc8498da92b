"""What the legacy tools run again: Liquibase runAlways / runOnChange, Flyway repeatables.

A Liquibase `runAlways:true` changeset runs at its place in the changelog on every update: its
revision runs it the first time, and the generated env.py runs it again at the start of every
later upgrade (converter_callbacks.py, `after_revision`), as Liquibase does on a database that
already ran it; verify's legacy replay does the same, so a stepwise verify compares like with
like. A changed Flyway repeatable or runOnChange changeset is named by a re-run of convert:
databases that already ran it would run it again under the legacy tool, not under Alembic.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config

from converter.convert import ConvertOptions, convert
from converter.legacy import scan
from converter.verify import VerifyOptions, verify

OPTIONS = ConvertOptions(dialect="sqlite", date_from="20240101")

CHANGELOG = """--liquibase formatted sql

--changeset alice:1
CREATE TABLE counters (id INTEGER PRIMARY KEY, hits INTEGER NOT NULL);
INSERT INTO counters VALUES (1, 0);
--rollback DROP TABLE counters;

--changeset alice:2 runAlways:true
UPDATE counters SET hits = hits + 1 WHERE id = 1;
--rollback UPDATE counters SET hits = hits - 1 WHERE id = 1;

--changeset alice:3
CREATE TABLE t3 (id INTEGER PRIMARY KEY);
--rollback DROP TABLE t3;

--changeset alice:4
CREATE TABLE t4 (id INTEGER PRIMARY KEY);
--rollback DROP TABLE t4;
"""


def changelog(tmp_path: Path) -> Path:
    root = tmp_path / "db"
    root.mkdir()
    (root / "changelog.sql").write_text(CHANGELOG)
    return root


def hits(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT hits FROM counters").scalar_one()
    finally:
        engine.dispose()


def test_a_run_always_changeset_runs_again_on_every_later_upgrade(tmp_path, sqlite_url):
    root = changelog(tmp_path)
    found = scan(root)
    assert [(c.event, c.after_version, c.description) for c in found.callbacks] == [
        ("beforeMigrate", "2", "alice:2")
    ]
    out = tmp_path / "alembic"
    result = convert(root, out, OPTIONS)
    revision = result.plans[1].revision
    assert f'"after_revision": "{revision}"' in (out / "converter_callbacks.py").read_text()
    cfg = alembic_config(out, sqlite_url)
    command.upgrade(cfg, result.plans[0].revision)
    command.upgrade(cfg, revision)  # its own revision runs it the first time
    assert hits(sqlite_url) == 1
    command.upgrade(cfg, "head")  # Liquibase: again, before the pending changesets
    assert hits(sqlite_url) == 2
    command.upgrade(cfg, "head")  # nothing pending: Liquibase update runs it still
    assert hits(sqlite_url) == 3
    command.downgrade(cfg, result.plans[2].revision)  # never on downgrade
    assert hits(sqlite_url) == 3


def test_verify_replays_run_always_as_liquibase_update_does(tmp_path):
    root = changelog(tmp_path)
    out = tmp_path / "alembic"
    convert(root, out, OPTIONS)
    report = verify(root, out, VerifyOptions())
    assert report.equivalent, report.text()
    # the proof can fail: without the callback the counter lags behind Liquibase's
    (out / "converter_callbacks.py").unlink()
    report = verify(root, out, VerifyOptions())
    assert not report.equivalent
    assert "counters" in report.text()


def test_a_changed_flyway_repeatable_is_named_by_a_re_run(tmp_path):
    root = tmp_path / "sql"
    root.mkdir()
    (root / "V1__plans.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY);\n")
    view = root / "R__plan_ids.sql"
    view.write_text("CREATE VIEW plan_ids AS SELECT id FROM plans;\n")
    out = tmp_path / "alembic"
    assert not convert(root, out, OPTIONS).warnings
    assert not convert(root, out, OPTIONS).warnings  # unchanged: nothing to say
    view.write_text("CREATE VIEW plan_ids AS SELECT id FROM plans WHERE id > 0;\n")
    warnings = convert(root, out, OPTIONS).warnings
    assert len(warnings) == 1
    assert warnings[0].startswith("R__plan_ids.sql: changed since it was converted; Flyway")
    assert "write a new revision after the head" in warnings[0]


def test_a_changed_run_on_change_changeset_is_named_and_run_always_is_not(tmp_path):
    root = changelog(tmp_path)
    text = CHANGELOG + "\n--changeset alice:5 runOnChange:true\nCREATE VIEW v5 AS SELECT 1 AS x;\n"
    (root / "changelog.sql").write_text(text)
    out = tmp_path / "alembic"
    assert "run-on-change" in [p.code for p in scan(root).warnings]
    convert(root, out, OPTIONS)
    text = text.replace("SELECT 1 AS x", "SELECT 2 AS x").replace("hits + 1", "hits + 2")
    (root / "changelog.sql").write_text(text)
    warnings = [w for w in convert(root, out, OPTIONS).warnings if "changed since" in w]
    assert len(warnings) == 1  # the runAlways one is carried as a callback: rewritten too
    assert "Liquibase would run it again" in warnings[0]
    assert "hits + 2" in (out / "converter_callbacks.py").read_text()
