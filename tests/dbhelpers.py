"""Helpers shared by the tests that build databases both ways and compare them."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config

from converter.apply import sqlite_transactional_ddl
from converter.diff import diff_snapshots
from converter.snapshot import take_snapshot


def engine_for(url: str) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if engine.dialect.name == "sqlite":
        sqlite_transactional_ddl(engine)
    return engine


def alembic_config(out: Path, url: str, buffer=None) -> Config:
    """A Config for the alembic.ini that convert wrote beside `out`, pointed at `url`."""
    cfg = Config(str(out.parent / "alembic.ini"), output_buffer=buffer)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def snapshot(url: str, data: bool = True):
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return take_snapshot(conn, data=data)
    finally:
        engine.dispose()


def assert_same(legacy_url: str, alembic_url: str, where: str) -> None:
    diff = diff_snapshots(snapshot(legacy_url), snapshot(alembic_url))
    assert diff.is_empty, f"{where}:\n{diff}"


def interruptible() -> None:
    """preexec_fn for a child that must see Ctrl-C: a shell running CI in the background
    ignores SIGINT, and children would inherit that; restore the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def show_create(url: str) -> dict[str, str]:
    """MariaDB's own DDL of every table (`SHOW CREATE TABLE`), without AUTO_INCREMENT=N, which
    depends on the data."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
            return {
                t: re.sub(
                    r" AUTO_INCREMENT=\d+",
                    "",
                    conn.exec_driver_sql(f"SHOW CREATE TABLE `{t}`").one()[1],
                )
                for t in tables
            }
    finally:
        engine.dispose()
