"""One legacy tree with per-database variants -> ONE Alembic history that runs the right
variant on each database, equal to each database's own legacy history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config, assert_same, engine_for

from converter.apply import apply_migration
from converter.convert import ConvertOptions, convert
from converter.errors import InputError, UsageError
from converter.formats.base import ReadOptions
from converter.legacy import scan

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "multi-dialect"


def build_both_ways(legacy_dir: Path, out: Path, url: str, make_db) -> tuple[str, list]:
    dialect = sa.make_url(url).get_backend_name()
    cfg = alembic_config(out, url)
    command.upgrade(cfg, "head")
    legacy_url = make_db(dialect)
    engine = engine_for(legacy_url)
    try:
        found = scan(legacy_dir, None, ReadOptions(dialect=dialect))
        for m in found.migrations:
            apply_migration(engine, m, dialect)
    finally:
        engine.dispose()
    return legacy_url, found.migrations


def test_one_history_for_three_databases(tmp_path, db_url, make_db):
    out = tmp_path / "alembic"
    result = convert(
        SAMPLE, out, ConvertOptions(dialect="all", date_from="20240101", missing_variant="skip")
    )
    assert len(result.plans) == 8
    assert result.plans[-1].to_json()["variants"] == {
        "postgresql": "008_customer_email_lower.postgresql.sql",
        "mysql": None,
        "sqlite": None,
    }
    legacy_url, migrations = build_both_ways(SAMPLE, out, db_url, make_db)
    dialect = sa.make_url(db_url).get_backend_name()
    assert len(migrations) == (8 if dialect == "postgresql" else 7)
    assert_same(legacy_url, db_url, f"multi-dialect on {dialect}")


def test_revisions_dispatch_only_where_variants_differ(tmp_path):
    out = tmp_path / "alembic"
    convert(SAMPLE, out, ConvertOptions(dialect="postgresql,sqlite", date_from="20240101"))
    seed = (out / "versions/20240101_seed_plans_and_customers.py").read_text()
    assert "dialect = op.get_context().dialect.name" not in seed  # one generic file
    plans = (out / "versions/20240101_create_plans.py").read_text()
    assert 'if dialect == "postgresql":' in plans and 'elif dialect == "sqlite":' in plans
    assert "has no variant for this database" in plans


def test_missing_variant_raises_naming_the_file_unless_skipped(tmp_path, sqlite_url):
    out = tmp_path / "alembic"
    convert(SAMPLE, out, ConvertOptions(dialect="all", date_from="20240101"))
    cfg = alembic_config(out, sqlite_url)
    with pytest.raises(
        NotImplementedError,
        match=r"008 \(008_customer_email_lower.postgresql.sql\) has no variant for this database: sqlite",
    ):
        command.upgrade(cfg, "head")


def test_single_dialect_conversion_of_a_variant_tree_refuses_a_missing_variant(tmp_path):
    with pytest.raises(InputError, match="no sqlite variant"):
        convert(
            SAMPLE, tmp_path / "alembic", ConvertOptions(dialect="sqlite", date_from="20240101")
        )
    result = convert(
        SAMPLE,
        tmp_path / "alembic",
        ConvertOptions(dialect="sqlite", date_from="20240101", missing_variant="skip"),
    )
    assert len(result.plans) == 7


def test_one_folder_per_database(tmp_path, sqlite_url, make_db):
    legacy = tmp_path / "migrations"
    for d in ("postgresql", "sqlite"):
        shutil.copytree(
            Path(__file__).resolve().parent.parent / "samples" / "plain" / d, legacy / d
        )
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect="postgresql,sqlite", date_from="20240101"))
    assert len(result.plans) == 7
    legacy_url, _ = build_both_ways(legacy / "sqlite", out, sqlite_url, make_db)
    assert_same(legacy_url, sqlite_url, "per-database folders on sqlite")
    with pytest.raises(InputError, match="no mysql folder"):
        convert(legacy, tmp_path / "x", ConvertOptions(dialect="all", date_from="20240101"))


@pytest.mark.parametrize("value", ["oracle", "sqlite,sqlite", ","])
def test_bad_dialect_lists_are_usage_errors(tmp_path, value):
    with pytest.raises(UsageError):
        convert(SAMPLE, tmp_path / "alembic", ConvertOptions(dialect=value, date_from="20240101"))
