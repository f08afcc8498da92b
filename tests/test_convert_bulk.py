"""A very large legacy seed file through the whole tool: convert writes its data statements
into a data file beside the revision (converter.bulk), `alembic upgrade` runs them, verify
proves the result equal to the legacy run, re-runs are byte-identical, and a data file
changed after conversion stops the upgrade before anything of that revision runs."""

from __future__ import annotations

import filecmp
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from dbhelpers import alembic_config, engine_for

from converter import bulk
from converter import convert as convert_module
from converter.convert import ConvertOptions, convert
from converter.verify import VerifyOptions, verify

ROWS_PER_INSERT = 40


def seed_rows(start: int, count: int) -> str:
    values = ",\n  ".join(
        f"({i}, 'customer {i}; naïve café 𝄞 100% %s', '{'x' * (i % 50)}')"
        for i in range(start, start + count)
    )
    return f"INSERT INTO customers (id, name, note) VALUES\n  {values};\n"


def legacy_history(root: Path, megabytes: float = 1.3) -> Path:
    """001 creates the table, 002 is a seed file over bulk.BULK_SCRIPT_CHARS with an index
    created half-way (a statement that stays in the revision, between two data runs), 003
    adds a column and backfills it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "001_customers.sql").write_text(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, note VARCHAR(60));\n",
        encoding="utf-8",
    )
    parts, size, start = ["-- the seed data\n"], 0, 1
    while size < megabytes * 2**20:
        if start == 1 + ROWS_PER_INSERT * 100:
            parts.append(
                "-- an index half-way through\nCREATE INDEX ix_customers_name ON customers (name);\n"
            )
        chunk = seed_rows(start, ROWS_PER_INSERT)
        parts.append(chunk)
        size += len(chunk.encode())
        start += ROWS_PER_INSERT
    (root / "002_seed.sql").write_text("".join(parts), encoding="utf-8")
    (root / "003_tier.sql").write_text(
        "ALTER TABLE customers ADD COLUMN tier INTEGER;\nUPDATE customers SET tier = id % 3;\n",
        encoding="utf-8",
    )
    return root


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return legacy_history(tmp_path / "migrations")


def dialect_of(url: str) -> str:
    return sa.make_url(url).get_backend_name()


def test_the_seed_statements_go_to_a_data_file(history, tmp_path):
    out = tmp_path / "alembic"
    result = convert(history, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    data_files = sorted(p.name for p in (out / "versions").glob("*" + bulk.SUFFIX))
    assert len(data_files) == 1 and "seed" in data_files[0]
    revision = out / "versions" / data_files[0].replace(bulk.SUFFIX, ".py")
    text = revision.read_text(encoding="utf-8")
    assert revision.stat().st_size < 40_000, "the data statements must not be embedded"
    # two runs of data statements with the CREATE INDEX between them, in the legacy order
    body = text[text.index("def upgrade") :]
    calls = [m.start() for m in re.finditer(r"execute_data_file\(", body)]
    assert len(calls) == 2
    assert calls[0] < body.index("ix_customers_name") < calls[1]
    assert "def execute_data_file" not in text  # imported from converter_helpers
    assert f"versions/{data_files[0]}" in result.written
    # the generated revision passes ruff's defaults like every other
    for check in (["check"], ["format", "--check"]):
        lint = subprocess.run([sys.executable, "-m", "ruff", *check, "--isolated", "--no-cache",
                               str(revision)], capture_output=True, text=True)  # fmt: skip
        assert lint.returncode == 0, lint.stdout


def test_the_converted_history_equals_the_legacy_run(history, tmp_path, db_url):
    dialect = dialect_of(db_url)
    out = tmp_path / "alembic"
    convert(history, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    server = None if dialect == "sqlite" else db_url.rsplit("/", 1)[0] + "/"
    report = verify(
        history, out, VerifyOptions(url=server, dialect=dialect, stepwise=True, downgrade=True)
    )
    assert report.equivalent, report.text()
    # and plain alembic runs it: the rows are there, byte for byte
    command.upgrade(alembic_config(out, db_url), "head")
    engine = engine_for(db_url)
    try:
        with engine.connect() as conn:
            count, name = conn.execute(
                sa.text("SELECT count(*), max(name) FROM customers WHERE id = 7")
            ).one()
            total = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
    finally:
        engine.dispose()
    assert count == 1 and name == "customer 7; naïve café 𝄞 100% %s"
    assert total > 4000


def test_converting_twice_is_byte_identical_and_a_rerun_writes_nothing(history, tmp_path):
    a, b = tmp_path / "a" / "alembic", tmp_path / "b" / "alembic"
    convert(history, a, ConvertOptions(dialect="sqlite", date_from="20240101"))
    convert(history, b, ConvertOptions(dialect="sqlite", date_from="20240101"))
    names = sorted(p.name for p in (a / "versions").iterdir())
    assert names == sorted(p.name for p in (b / "versions").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a / "versions", b / "versions", names, shallow=False)
    assert not mismatch and not errors
    again = convert(history, a, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert again.written == [] and any(n.endswith(bulk.SUFFIX) for n in again.unchanged)
    leftovers = [p.name for p in (tmp_path / "a").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_a_changed_data_file_stops_the_upgrade_before_the_revision_runs(
    history, tmp_path, sqlite_url
):
    out = tmp_path / "alembic"
    convert(history, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    data = next((out / "versions").glob("*" + bulk.SUFFIX))
    raw = bytearray(data.read_bytes())
    at = raw.index(b"customer 5;")
    raw[at : at + 10] = b"CUSTOMER 5"
    data.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="SHA-256 differs"):
        command.upgrade(alembic_config(out, sqlite_url), "head")
    engine = engine_for(sqlite_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert rows == 0  # the first revision ran; nothing of the seed revision did
    first = ScriptDirectory.from_config(alembic_config(out, sqlite_url)).get_base()
    assert version == first


def test_a_missing_data_file_is_a_clear_error(history, tmp_path, sqlite_url):
    out = tmp_path / "alembic"
    convert(history, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    data = next((out / "versions").glob("*" + bulk.SUFFIX))
    data.unlink()
    with pytest.raises(FileNotFoundError, match=data.name):
        command.upgrade(alembic_config(out, sqlite_url), "head")


def test_sql_mode_prints_every_seed_statement(history, tmp_path):
    out = tmp_path / "alembic"
    convert(history, out, ConvertOptions(dialect="postgresql", date_from="20240101"))
    buffer = io.StringIO()
    cfg = alembic_config(out, "postgresql+psycopg://u@h/db", buffer)
    command.upgrade(cfg, "head", sql=True)
    sql = buffer.getvalue()
    seed = (history / "002_seed.sql").read_text(encoding="utf-8")
    inserts = seed.count("INSERT INTO customers")
    assert sql.count("INSERT INTO customers") == inserts
    assert "customer 7; naïve café 𝄞 100% %s" in sql  # not %-formatted, not escaped


def test_a_failed_convert_leaves_no_data_files_behind(history, tmp_path, monkeypatch):
    out = tmp_path / "alembic"

    def boom(plans):
        raise RuntimeError("render failed")

    monkeypatch.setattr(convert_module, "render_revisions", boom)
    with pytest.raises(RuntimeError, match="render failed"):
        convert(history, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_dry_run_writes_nothing(history, tmp_path):
    out = tmp_path / "alembic"
    result = convert(
        history, out, ConvertOptions(dialect="sqlite", date_from="20240101", dry_run=True)
    )
    assert any(n.endswith(bulk.SUFFIX) for n in result.written)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.fixture
def lazy_files(monkeypatch):
    """Make the readers hand over every file of 64 KiB or more as a lazily read TextFile, as
    they do for real from textio.LARGE_FILE (16 MiB) on."""
    from converter.formats import base

    monkeypatch.setattr(base, "LARGE_FILE", 64 * 1024)


def test_a_lazily_read_seed_file_is_applied_and_verified(history, tmp_path, db_url, lazy_files):
    from converter.formats.base import ReadOptions
    from converter.legacy import scan

    dialect = dialect_of(db_url)
    seed = next(
        m for m in scan(history, None, ReadOptions(dialect=dialect)).migrations if "seed" in m.name
    )
    assert seed.up[0].file is not None and seed.up[0].text == ""  # the lazy path is the one tested
    out = tmp_path / "alembic"
    convert(history, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    server = None if dialect == "sqlite" else db_url.rsplit("/", 1)[0] + "/"
    report = verify(history, out, VerifyOptions(url=server, dialect=dialect, stepwise=True))
    assert report.equivalent, report.text()
    # the legacy side really ran the seed: the final step compared thousands of rows
    legacy_rows = sum(1 for line in (history / "002_seed.sql").read_text(encoding="utf-8").splitlines()
                      if line.lstrip().startswith("("))  # fmt: skip
    command.upgrade(alembic_config(out, db_url), "head")
    engine = engine_for(db_url)
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one() == legacy_rows
            )
    finally:
        engine.dispose()


def test_placeholders_are_replaced_in_a_lazily_read_file(tmp_path, lazy_files):
    root = legacy_history(tmp_path / "migrations", megabytes=0.2)
    seed = root / "002_seed.sql"
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("customer 7;", "${who} 7;"), encoding="utf-8"
    )
    (root / "converter.toml").write_text('[placeholders]\nwho = "client"\n', encoding="utf-8")
    out = tmp_path / "alembic"
    convert(root, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    written = "".join(
        p.read_text(encoding="utf-8") for p in sorted((out / "versions").iterdir()) if p.is_file()
    )
    assert "client 7;" in written and "${who}" not in written
