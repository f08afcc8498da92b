"""convert --baseline-at: a legacy prefix folded into one revision (issue 18, convert side)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config, assert_same, engine_for

from converter.apply import apply_history
from converter.convert import ConvertOptions, convert, read_legacy
from converter.history import read_revision_file


def test_legacy_record_reads_baseline_fields(tmp_path: Path) -> None:
    path = tmp_path / "20240101_baseline.py"
    path.write_text(
        'revision = "abc"\n'
        "down_revision = None\n"
        "legacy = {\n"
        '    "format": "flyway",\n'
        '    "version": "3",\n'
        '    "kind": "baseline",\n'
        '    "covers": ["1", "2", "3"],\n'
        '    "files": ["V1__a.sql", "V2__b.sql", "V3__c.sql"],\n'
        '    "sha256": "00",\n'
        '    "tool_checksum": None,\n'
        '    "missing_variants": [],\n'
        '    "dialects": ["sqlite"],\n'
        '    "baseline_data": ["countries"],\n'
        "}\n",
        encoding="utf-8",
    )
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.kind == "baseline"
    assert record.version == "3"
    assert record.covers == ("1", "2", "3")
    assert record.baseline_data == ("countries",)
    assert record.dialects == ("sqlite",)


def test_legacy_record_without_baseline_fields_has_empty_defaults(tmp_path: Path) -> None:
    path = tmp_path / "20240101_x.py"
    path.write_text('revision = "abc"\nlegacy = {"format": "flyway", "version": "1"}\n')
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.covers == () and record.baseline_data == ()


# -- convert --baseline-at on the samples, on the three databases ---------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _legacy(dialect: str, legacy_dir: Path):
    return read_legacy(legacy_dir, ConvertOptions(dialect=dialect), dialect)[1]


def _objects(url: str) -> list[str]:
    """What a database holds besides alembic_version (tables, views, sequences, routines)."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = [t for t in inspector.get_table_names() if t != "alembic_version"]
            names += inspector.get_view_names()
            if conn.dialect.name == "postgresql":
                names += inspector.get_sequence_names()
                names += [f"type {t['name']}" for t in inspector.get_enums()]
                names += [
                    f"function {r[0]}"
                    for r in conn.exec_driver_sql(
                        "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        "WHERE n.nspname = 'public'"
                    )
                ]
            if conn.dialect.name == "mysql":
                names += [
                    f"routine {r[0]}"
                    for r in conn.exec_driver_sql(
                        "SELECT ROUTINE_NAME FROM information_schema.ROUTINES "
                        "WHERE ROUTINE_SCHEMA = DATABASE()"
                    )
                ]
            if conn.dialect.name == "sqlite":
                names += [
                    r[0]
                    for r in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                        "AND name != 'alembic_version'"
                    )
                    if r[0] not in names
                ]
            return sorted(names)
    finally:
        engine.dispose()


def _baseline_options(dialect: str, server, **kw) -> ConvertOptions:
    return ConvertOptions(
        dialect=dialect,
        date_from="20240101",
        baseline_at=kw.pop("baseline_at", "5"),
        baseline_data=kw.pop("baseline_data", "plans,customers"),
        url=server(dialect),
        **kw,
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_baseline_builds_the_legacy_schema_and_downgrades_to_empty(
    dialect, make_db, server, tmp_path
):
    legacy_dir = SAMPLES / "flyway" / dialect
    out = tmp_path / "alembic"
    result = convert(legacy_dir, out, _baseline_options(dialect, server))
    first = result.plans[0]
    assert first.filename == "20240101_baseline.py"
    record = read_revision_file(out / "versions" / first.filename).legacy
    assert record is not None and record.kind == "baseline"
    assert record.covers == ("1", "2", "3", "4", "5") and record.version == "5"
    assert record.baseline_data == ("customers", "plans")
    assert record.dialects == (dialect,)
    assert result.plans[1].down_revision == first.revision
    assert result.plans[1].migration.version == "6"

    migrations = _legacy(dialect, legacy_dir)
    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    try:
        apply_history(legacy, migrations[:5], dialect)
        command.upgrade(cfg, first.revision)
        assert_same(legacy_url, alembic_url, f"{dialect} at the baseline")
        apply_history(legacy, migrations[5:], dialect)
    finally:
        legacy.dispose()
    command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{dialect} at head")
    # the sample's later migrations 6 and R have no down: the baseline's own downgrade alone
    empty_url = make_db(dialect)
    cfg = alembic_config(out, empty_url)
    command.upgrade(cfg, first.revision)
    assert _objects(empty_url)
    command.downgrade(cfg, "base")
    assert _objects(empty_url) == []

    again = convert(legacy_dir, out, _baseline_options(dialect, server))
    assert again.written == [] and again.up_to_date
