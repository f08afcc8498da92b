"""verify replays a legacy file the way convert understood it (issue 19, section 6).

A plain file holding a statement that refuses a transaction block (`CREATE INDEX
CONCURRENTLY`, SQLite's `VACUUM`) after ordinary ones: convert runs it in
`autocommit_block()`, and the legacy replay runs it between two transactions by the same rule
(`plan.runs_outside_transaction`), instead of failing "cannot run inside a transaction block".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from converter.convert import ConvertOptions, convert
from converter.model import Kind, LegacyMigration, Script
from converter.plan import runs_outside_transaction
from converter.split import split_script
from converter.verify import VerifyOptions, verify

FILES = {
    "postgresql": {
        "001_create_tickets.sql": (
            "CREATE TYPE ticket_state AS ENUM ('open', 'closed');\n"
            "CREATE TABLE tickets (id serial PRIMARY KEY, state ticket_state NOT NULL,"
            " subject text NOT NULL);\n"
        ),
        "002_waiting_state.sql": (
            "ALTER TYPE ticket_state ADD VALUE 'waiting' BEFORE 'closed';\n"
            "CREATE INDEX CONCURRENTLY ix_tickets_subject ON tickets (subject);\n"
            "INSERT INTO tickets (state, subject) VALUES ('open', 'modem blinks');\n"
        ),
    },
    "sqlite": {
        "001_create_tickets.sql": "CREATE TABLE tickets (id INTEGER PRIMARY KEY, subject TEXT);\n",
        "002_compact.sql": (
            "INSERT INTO tickets (subject) VALUES ('modem blinks');\n"
            "VACUUM;\n"
            "CREATE INDEX ix_tickets_subject ON tickets (subject);\n"
        ),
    },
}


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
def test_verify_replays_statements_that_refuse_a_transaction_outside_one(dialect, server, tmp_path):
    legacy = write(tmp_path / "legacy", FILES[dialect])
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    assert result.plans[1].stats.autocommit == 1
    assert "autocommit_block()" in (out / "versions" / result.plans[1].filename).read_text()
    report = verify(legacy, out, VerifyOptions(url=server(dialect)))
    assert report.equivalent, report.text()


def test_convert_and_the_replay_share_one_rule():
    m = LegacyMigration("plain", "1", "x", kind=Kind.VERSIONED, up=())
    script = Script("sql", "SELECT 1;\nVACUUM;\n", Path("x.sql"), "x.sql")
    first, vacuum = split_script(script, "sqlite")
    assert not runs_outside_transaction(first, m)
    assert runs_outside_transaction(vacuum, m)
    no_tx = LegacyMigration("plain", "1", "x", kind=Kind.VERSIONED, up=(), transactional=False)
    assert runs_outside_transaction(first, no_tx)
