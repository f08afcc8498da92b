"""Property: any valid legacy history, in any format, converts to an equivalent Alembic history.

`strategies.histories(dialect)` draws random but valid histories (tables created, altered,
renamed and dropped; columns of many types with defaults; unique, partial and plain indexes;
check, unique and foreign-key constraints; rows with awkward literals: quotes, `:name`, `%s`,
`%`, `$$`, backslashes, line breaks, non-ASCII), each step with a down that restores the
state before it where one can be written. `strategies.write_history` lays the history out
in a legacy format. The property, checked by `converter.verify` (two scratch databases, the
legacy side run the legacy tool's way, the Alembic side by its own env.py):

- after every step, both databases are equal in schema and data;
- walking the Alembic side down, every revision whose legacy migration has a down leaves
  the database equal to what that down leaves, which is the state before the step (the
  generator's downs restore it: checked too); with a down everywhere the walk reaches base.

SQLite runs in every test run, for every layout; PostgreSQL and MariaDB with a few examples
each (their servers are required in CI, see conftest.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from strategies import LAYOUTS, Step, histories, write_history

from converter.convert import ConvertOptions, convert
from converter.verify import VerifyOptions, verify
from converter.verify_report import DOWNGRADE, EQUAL, NOT_RUN

PROPERTY = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# On the servers each example costs seconds (two scratch databases): few examples, and no
# shrinking (minutes there); a failure found on a server usually shows on SQLite, shrunk.
SERVER_PROPERTY = settings(
    PROPERTY,
    max_examples=8,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def listing(root: Path, limit: int = 6000) -> str:
    """The legacy files, for a failure message."""
    parts = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        parts.append(f"--- {path.relative_to(root)}\n{path.read_text(encoding='utf-8')}")
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n[...]"


def check_history(fmt: str, dialect: str, steps: list[Step], style: str, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        legacy, out = Path(tmp) / "legacy", Path(tmp) / "alembic"
        write_history(legacy, fmt, dialect, steps)
        result = convert(
            legacy,
            out,
            ConvertOptions(dialect=dialect, format=fmt, style=style, date_from="20240101"),
        )
        assert len(result.plans) == len(steps), listing(legacy)

        report = verify(legacy, out, VerifyOptions(url=url, format=fmt, downgrade=True))
        # an irreversible head (no legacy down, no exact inverse) while other migrations have
        # downs: --downgrade cannot walk at all, and says so as a failure of that step
        failure = report.failure
        head_stuck = (
            failure is not None
            and failure.phase == DOWNGRADE
            and "cannot be downgraded" in (failure.message or "")
            and steps[-1].down is None
            and any(s.down is not None for s in steps)
        )
        assert report.equivalent or head_stuck, (
            f"{report.text()}\n\nlegacy files:\n{listing(legacy)}"
        )

        # downgrades restore: one downgrade step per migration, head first
        downs = [s for s in report.steps if s.phase == DOWNGRADE]
        assert len(downs) == len(steps)
        for step, down in zip(reversed(steps), downs, strict=True):
            if down.status == NOT_RUN:
                break
            if step.down is not None:
                assert down.status == EQUAL, f"{down.title}: {down.status}\n{report.text()}"
                assert "does not restore" not in (down.message or ""), (
                    f"the generated down of {down.legacy_file} is wrong (a test bug): {down.message}"
                )
        if all(s.down is not None for s in steps):
            assert all(d.status == EQUAL for d in downs), report.text()


# A revision file Python warns about (an invalid escape sequence: a stray backslash in its
# source) will not compile on a later Python: an error here.
no_bad_escapes = pytest.mark.filterwarnings("error:invalid escape sequence")


@no_bad_escapes
@pytest.mark.parametrize("fmt", LAYOUTS)
@settings(PROPERTY, max_examples=20)
@given(steps=histories("sqlite"), style=st.sampled_from(["ops", "ops", "sql"]))
def test_sqlite_histories_convert_to_equivalent_revisions(fmt, steps, style):
    check_history(fmt, "sqlite", steps, style, None)


@no_bad_escapes
@settings(SERVER_PROPERTY)
@given(
    fmt=st.sampled_from(LAYOUTS),
    steps=histories("postgresql"),
    style=st.sampled_from(["ops", "ops", "sql"]),
)
def test_postgresql_histories_convert_to_equivalent_revisions(pg_server, fmt, steps, style):
    url = pg_server.url.render_as_string(hide_password=False)
    check_history(fmt, "postgresql", steps, style, url)


@no_bad_escapes
@settings(SERVER_PROPERTY)
@given(
    fmt=st.sampled_from(LAYOUTS),
    steps=histories("mysql"),
    style=st.sampled_from(["ops", "ops", "sql"]),
)
def test_mariadb_histories_convert_to_equivalent_revisions(mysql_server, fmt, steps, style):
    url = mysql_server.url.render_as_string(hide_password=False)
    check_history(fmt, "mysql", steps, style, url)


# ---------------------------------------------------------------------------------------
# The generator itself: it must produce what it promises, or the property proves nothing.


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
@settings(PROPERTY, max_examples=40)
@given(data=st.data())
def test_generated_steps_are_well_formed(dialect, data):
    steps = data.draw(histories(dialect, max_steps=8))
    assert steps and all(s.up for s in steps)
    for s in steps:
        assert all(not stmt.rstrip().endswith(";") for stmt in s.up + (s.down or []))


@pytest.mark.parametrize(
    "needle",
    ["create_table", "insert", "add_column", "rename_column", "rename_table", "drop_column", "drop_table",
     "update", "delete", "create_index", "drop_index", "add_check", "set_default",
     "''", ":name", "%s", "%", "$$", "\\", "line1\nline2", "\U0001f600", "WHERE", "UNIQUE", "FOREIGN KEY",
     "CHECK", "DEFAULT", "RENAME COLUMN", "PRIMARY KEY UNIQUE NOT NULL"],
)  # fmt: skip
def test_the_generator_reaches_every_kind_of_step(needle):
    """Each action, and each awkward piece of text the issue names, can be drawn (else the
    strategy has silently lost its reach and the property proves less than it claims)."""

    def shows(steps: list[Step]) -> bool:
        return any(needle in s.slug or needle in "\n".join(s.up) for s in steps)

    find(
        histories("postgresql"),
        shows,
        settings=settings(max_examples=5000, database=None, phases=[Phase.generate]),
    )


# ---------------------------------------------------------------------------------------
# Minimal failing examples the property found, pinned


@pytest.mark.parametrize(
    "statement",
    [
        'CREATE INDEX "ix" ON "t" ("c")',
        'ALTER TABLE "t" ADD COLUMN "d" INTEGER',
        "ALTER TABLE t ADD COLUMN d SMALLINT NOT NULL DEFAULT 1",
    ],
)
def test_sqlite_keeps_the_text_of_what_it_stores_as_text(statement):
    """SQLite stores the text of CREATE INDEX and of ALTER TABLE ADD COLUMN in sqlite_master
    (the snapshot compares it); rewritten through op.create_index / op.add_column, SQLAlchemy
    writes `ix ON t(c)` for `"ix" ON "t"("c")` and `DEFAULT 1 NOT NULL` for `NOT NULL DEFAULT
    1`, so the converted history is not equivalent (found by the property above)."""
    steps = [
        Step(
            "create_table",
            ['CREATE TABLE "t" (\n    "id" INTEGER PRIMARY KEY,\n    "c" INTEGER\n)'],
            None,
        ),
        Step("change", [statement], None),
    ]
    check_history("plain", "sqlite", steps, "ops", None)


@no_bad_escapes
@pytest.mark.parametrize("comment", ['-- say """hi"""\n', "-- a \\d b\n"])
def test_a_description_with_quotes_or_backslashes_makes_a_loadable_revision(comment):
    """yoyo takes a migration's first comment as its description, which lands unescaped in
    the revision's docstring: `\"\"\"` ends it early (the revision does not compile) and a
    backslash is an invalid escape (a warning now, an error in later Pythons)."""
    steps = [
        Step(
            "create_table",
            ['CREATE TABLE "t" ("id" INTEGER PRIMARY KEY)'],
            ['DROP TABLE "t"'],
            comment,
        )
    ]
    check_history("yoyo", "sqlite", steps, "ops", None)


@pytest.mark.parametrize(
    "down_of_1",
    [
        ['ALTER TABLE "T" RENAME COLUMN "B" TO "A"', 'DROP TABLE "T"'],
        ['ALTER TABLE "T" DROP COLUMN "B"', 'DROP TABLE "T"'],
    ],
    ids=["rename-column", "drop-column"],
)
def test_a_legacy_down_after_a_derived_downgrade_sees_the_schema_it_left(down_of_1):
    """Migration 2 has no down, but its rename inverts exactly, so verify moves the legacy
    database down with the revision's downgrade (Alembic's own connection). SQLite's
    RENAME COLUMN and DROP COLUMN look the column up in the connection's cached schema
    without checking it: the legacy down of migration 1 then ran on verify's pooled
    connection, which still saw "C", and failed with `no such column: "B"` (found by the
    property above, with diesel)."""
    steps = [
        Step(
            "create_table",
            [
                'CREATE TABLE "T" (\n    "id" INTEGER PRIMARY KEY,\n    "A" INTEGER\n)',
                'ALTER TABLE "T" RENAME COLUMN "A" TO "B"',
            ],
            down_of_1,
        ),
        Step("rename_column", ['ALTER TABLE "T" RENAME COLUMN "B" TO "C"'], None),
    ]
    check_history("plain", "sqlite", steps, "ops", None)
