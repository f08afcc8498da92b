"""Every sample, in every dialect: the database built by `alembic upgrade head` on the
converted output equals the one built by running the legacy files the legacy tool's way,
in schema and in data; and walking down again, revision by revision, matches the legacy
downs until the first migration that has none.

PostgreSQL is also compared with `pg_dump --schema-only` and MariaDB with `SHOW CREATE TABLE`,
byte for byte (after normalising pg_dump's random \\restrict key and MySQL's AUTO_INCREMENT=N).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config, assert_same, engine_for, show_create

from converter.apply import apply_migration, apply_step
from converter.convert import ConvertOptions, convert

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FORMATS = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_dir() and p.name not in ("multi-dialect", "code-migrations")
)
DIALECTS = ["sqlite", "postgresql", "mysql"]


def pg_dump(url: str) -> str:
    u = sa.make_url(url)
    out = subprocess.run(
        [
            "pg_dump",
            "--schema-only",
            "--no-owner",
            "--restrict-key=converter",
            "--exclude-table=alembic_version",
            "-h",
            u.host,
            "-p",
            str(u.port or 5432),
            "-U",
            u.username,
            u.database,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_converts_to_an_equivalent_history(fmt, dialect, make_db, tmp_path):
    legacy_dir = SAMPLES / fmt / dialect
    if not legacy_dir.is_dir():
        pytest.fail(f"sample {fmt}/{dialect} is missing")
    out = tmp_path / "alembic"
    result = convert(legacy_dir, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    legacy_url, alembic_url = make_db(dialect), make_db(dialect)

    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    callbacks = result.callbacks[dialect]
    try:
        for plan in result.plans:
            if callbacks:  # one migrate run per migration on both sides, callbacks and all
                apply_step(legacy, plan.migration, dialect, callbacks)
                command.upgrade(cfg, plan.revision)
            else:
                apply_migration(legacy, plan.migration, dialect)
    finally:
        legacy.dispose()
    if not callbacks:
        command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{fmt}/{dialect} at head")
    if dialect == "postgresql" and shutil.which("pg_dump"):
        assert pg_dump(legacy_url) == pg_dump(alembic_url)
    if dialect == "mysql":
        assert show_create(legacy_url) == show_create(alembic_url)

    # Down again, in lockstep with the legacy downs, while there are downs to run.
    legacy = engine_for(legacy_url)
    walked = 0
    try:
        for plan in reversed(result.plans):
            if plan.downgrade.source == "none":
                break
            command.downgrade(cfg, "-1")
            if plan.migration.down:
                apply_migration(legacy, plan.migration, dialect, direction="down")
            walked += 1
            assert_same(
                legacy_url, alembic_url, f"{fmt}/{dialect} after downgrading {plan.revision}"
            )
    finally:
        legacy.dispose()
    has_downs = [p for p in result.plans if p.downgrade.source != "none"]
    assert walked or not has_downs or result.plans[-1].downgrade.source == "none"
