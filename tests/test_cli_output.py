"""CLI output that fits CI logs (issue 14): piped at 80 columns (rich's fallback width,
PITFALLS 25), convert, verify and stamp print every revision name and reason whole, one
line per row; statements kept verbatim because they did not parse are listed by file:line
(also in --report json); sqlglot's own log lines never leak to stderr without a place."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from converter import plan as plan_module
from converter.parse import sqlglot_log
from converter.reports import rows_view

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
LONG = "create_subscription_plan_with_a_really_long_descriptive_name_for_tests"


def piped(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """converter run as in a CI log: stdout and stderr are pipes, COLUMNS=80."""
    return subprocess.run(
        [sys.executable, "-m", "converter", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80", "TERM": "dumb"},
        check=False,
    )


def legacy(tmp_path: Path) -> Path:
    root = tmp_path / "migrations"
    root.mkdir()
    (root / f"V1__{LONG}.sql").write_text(f"CREATE TABLE {LONG} (id INTEGER PRIMARY KEY);\n")
    (root / "V2__text_search_and_ownership_settings.sql").write_text(
        "CREATE TABLE t (id int);\n"
        "ALTER TABLE t OWNER TO someone_else;\n"
        "CREATE TEXT SEARCH CONFIGURATION ts (COPY = simple);\n"
    )
    return root


def test_convert_piped_shows_every_revision_and_unparsed_statement_whole(tmp_path):
    out = tmp_path / "alembic"
    args = ("convert", str(legacy(tmp_path)), "--out", str(out), "--dialect", "postgresql")
    done = piped(*args, "--date-from", "20240101", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    revisions = [
        re.search(r'^revision = "(.*)"$', p.read_text(), re.M).group(1)
        for p in sorted((out / "versions").glob("*.py"))
    ]
    assert len(revisions) == 2
    lines = done.stdout.splitlines()
    for revision in revisions:
        assert any(line.startswith(f"{revision} | legacy: ") for line in lines), done.stdout
    assert (
        "V2__text_search_and_ownership_settings.sql:2: sqlglot reads it as an opaque command"
        in done.stdout
    )
    assert (
        "V2__text_search_and_ownership_settings.sql:3: sqlglot reads it as an opaque command"
        in done.stdout
    )
    # sqlglot's "Falling back to parsing as a 'Command'" is said once, by us, with the place
    assert "Falling back" not in done.stderr and "unsupported syntax" not in done.stderr

    report = piped(*args, "--date-from", "20240101", "--report", "json", "--force", cwd=tmp_path)
    revisions_json = json.loads(report.stdout)["revisions"]
    assert revisions_json[1]["unparsed"] == 2
    assert [u.split(": ")[0] for u in revisions_json[1]["unparsed_statements"]] == [
        "V2__text_search_and_ownership_settings.sql:2",
        "V2__text_search_and_ownership_settings.sql:3",
    ]


def test_sqlglot_log_records_become_warnings_with_file_and_line(tmp_path, monkeypatch):
    """A statement that parses but made sqlglot log something: the record is reported as
    our warning with the statement's place, not printed by sqlglot."""
    real = plan_module.parse_with_reason

    def noisy(st, dialect):
        logging.getLogger("sqlglot").warning("something sqlglot wanted to say")
        return real(st, dialect)

    monkeypatch.setattr(plan_module, "parse_with_reason", noisy)
    from converter.convert import ConvertOptions, convert

    root = tmp_path / "m"
    root.mkdir()
    (root / "V1__t.sql").write_text(
        "CREATE TABLE t (id INTEGER);\n\nCREATE TABLE u (id INTEGER);\n"
    )
    result = convert(
        root, tmp_path / "alembic", ConvertOptions(dialect="sqlite", date_from="20240101")
    )
    assert "V1__t.sql:1: sqlglot: something sqlglot wanted to say" in result.warnings
    assert "V1__t.sql:3: sqlglot: something sqlglot wanted to say" in result.warnings


def test_sqlglot_log_is_collected_not_printed(capsys):
    with sqlglot_log() as records:
        logging.getLogger("sqlglot").warning("x contains unsupported syntax")
    logging.getLogger("sqlglot").debug("after")  # the handler is gone again
    assert records == ["x contains unsupported syntax"]
    assert "unsupported" not in capsys.readouterr().err


def test_verify_and_stamp_piped_show_revisions_and_reasons_whole(tmp_path):
    out = tmp_path / "alembic"
    sample = SAMPLES / "flyway" / "sqlite"
    done = piped("convert", str(sample), "--out", str(out), "--dialect", "sqlite", "--date-from", "20240101", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    verify = piped("verify", str(sample), str(out), "--final-only", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "…" not in verify.stdout
    assert "| revision: active_subscriptions_view |" in verify.stdout

    db = tmp_path / "app.db"
    sqlite3.connect(db).execute("CREATE TABLE unrelated (a)").connection.commit()
    stamp = piped("stamp", "--alembic-dir", str(out), "--url", f"sqlite:///{db}", "--from-table", "flyway", cwd=tmp_path)  # fmt: skip
    assert "…" not in stamp.stdout
    line = next(line for line in stamp.stdout.splitlines() if "| action: refused |" in line)
    assert line.endswith(
        "reason: no flyway tracking table (flyway_schema_history, schema_version) in this "
        "database (hint: check --from-table / --table, or identify the database by its schema "
        "with --from-table none)"
    )


def test_in_a_terminal_tables_fold_instead_of_cutting():
    view = rows_view(
        "t", ("revision", "result"), [(LONG * 2, Text("ok", style="green"))], terminal=True
    )
    buf = io.StringIO()
    Console(file=buf, width=80, force_terminal=True, color_system=None).print(view)
    text = buf.getvalue()
    assert "…" not in text
    cells = [line.split("│")[1].strip() for line in text.splitlines() if line.count("│") == 3]
    assert "".join(cells) == LONG * 2  # folded over lines, every character kept
