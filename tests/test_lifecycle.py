"""Living with a converted history: convert run again and again on the same Alembic directory.

Conversion is rarely one run. The legacy folder keeps receiving migrations while the team
writes native Alembic revisions, people fix a generated downgrade by hand, an option such as
`--date-from` changes. Each test here builds that life in tmp_path (SQLite, plain numbered
files `NNN_name.sql` with `NNN_name.down.sql`) through the public API only: `convert(...)`,
`alembic.command` the way a user runs it, and the CLI for `--check`'s exit codes.

The promises guarded (issue "Living with a converted history"):

1. a native revision written after a conversion survives a re-run, and new legacy
   migrations go after it, leaving one head;
2. a changed presentation option (`date_from`) renames files, never duplicates revisions;
3. a hand edit is kept (reported), `force` regenerates it, removing the `# converter:` line
   adopts the file (kept silently);
4. `--check` exits 1 when a re-run would change anything, and writes nothing;
5. what cannot be done safely (an out-of-order legacy migration, two heads, a cycle, a
   revision file Python cannot parse) is a clear error, and nothing is written;
6. any sequence of the above keeps a loadable, single-head directory whose `upgrade head`
   builds exactly the tables and columns the legacy migrations and native revisions made.
"""

from __future__ import annotations

import hashlib
import re
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from dbhelpers import alembic_config, engine_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_convert import run_convert, write_legacy

from converter.apply import apply_migration
from converter.cli import cli
from converter.errors import InputError, OutputError

TRAILER = "# converter:"

BASE_HISTORY = {
    "001_customers.sql": "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);\n",
    "001_customers.down.sql": "DROP TABLE customers;\n",
    "002_orders.sql": "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER);\n",
    "002_orders.down.sql": "DROP TABLE orders;\n",
}

# a migration with no down whose statement cannot be inverted: its downgrade raises
SEED = {"003_seed.sql": "INSERT INTO customers (id, name) VALUES (1, 'first');\n"}


@pytest.fixture(autouse=True)
def _no_bytecode(monkeypatch):
    """Alembic imports revision files; a stale __pycache__ beside a file rewritten within the
    same second would hide the new text (and would show up in the directory digests)."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)


# -- helpers -----------------------------------------------------------------------------------


def project(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """(legacy dir, Alembic dir): the Alembic directory and its alembic.ini live in a folder
    of their own, so that `digests` sees everything convert may write."""
    return write_legacy(tmp_path / "migrations", files), tmp_path / "project" / "alembic"


def digests(out: Path) -> dict[str, str]:
    """Every file of the Alembic directory and the alembic.ini beside it -> its sha256."""
    root = out.parent
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def versions(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "versions").glob("*.py"))


def script_dir(out: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(out, "sqlite://"))


def assert_single_head(out: Path) -> ScriptDirectory:
    """Alembic itself loads the directory: one head, `alembic history` walks every file."""
    script = script_dir(out)
    heads = script.get_heads()
    assert len(heads) == 1, f"heads: {heads}"
    walked = list(script.walk_revisions())
    assert len(walked) == len(versions(out)), "walk_revisions did not reach every revision file"
    assert len({s.revision for s in walked}) == len(walked)
    return script


def add_native(
    out: Path,
    message: str,
    upgrade: str,
    downgrade: str = "pass",
    rev_id: str | None = None,
    head: str = "head",
    splice: bool = False,
) -> tuple[str, Path]:
    """A native Alembic revision, made as a user makes one (`alembic revision -m ...`), then
    its body written by hand. -> (revision id, file)."""
    script = command.revision(
        alembic_config(out, "sqlite://"), message=message, rev_id=rev_id, head=head, splice=splice
    )
    path = Path(script.path)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "def upgrade() -> None:\n    pass", f"def upgrade() -> None:\n    {upgrade}"
    )
    text = text.replace(
        "def downgrade() -> None:\n    pass", f"def downgrade() -> None:\n    {downgrade}"
    )
    assert upgrade in text, "the revision template changed: the body was not written"
    path.write_text(text, encoding="utf-8")
    return script.revision, path


def edit_upgrade(path: Path, line: str = "# checked by hand") -> str:
    """A hand edit: a comment line at the top of upgrade()."""
    text = path.read_text(encoding="utf-8")
    edited = text.replace("def upgrade() -> None:\n", f"def upgrade() -> None:\n    {line}\n", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    return edited


def schema(url: str) -> dict[str, set[str]]:
    """Table -> column names, without Alembic's own table."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {
                t: {c["name"] for c in inspector.get_columns(t)}
                for t in inspector.get_table_names()
                if t != "alembic_version"
            }
    finally:
        engine.dispose()


def cli_check(legacy: Path, out: Path, date_from: str = "20240101"):
    return CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--date-from",
            date_from,
            "--check",
        ],
    )


# -- 1. native revisions --------------------------------------------------------------------------


def test_native_revision_survives_a_rerun_and_new_legacy_migrations_go_after_it(tmp_path, make_db):
    """A team writes Alembic revisions of its own while the legacy folder still receives
    migrations: a re-run must not re-point the converted chain (a cycle, or a history that
    differs from what databases are stamped with) and must append new legacy migrations after
    the native revision, in the order things happened, with one head."""
    legacy, out = project(tmp_path, BASE_HISTORY)
    first = run_convert(legacy, out)
    first_id = first.plans[0].revision

    native, native_path = add_native(
        out,
        "add loyalty points",
        'op.add_column("customers", sa.Column("loyalty_points", sa.Integer(), nullable=True))',
        'op.drop_column("customers", "loyalty_points")',
    )
    native_text = native_path.read_bytes()

    again = run_convert(legacy, out)  # no new legacy migration
    assert again.written == []
    assert native_path.read_bytes() == native_text
    script = assert_single_head(out)
    assert script.get_revision(first_id).down_revision is None
    assert script.get_heads() == [native]

    (legacy / "003_email.sql").write_text("ALTER TABLE customers ADD COLUMN email TEXT;\n")
    (legacy / "003_email.down.sql").write_text("ALTER TABLE customers DROP COLUMN email;\n")
    third = run_convert(legacy, out)
    assert third.chained_after == native
    new = third.plans[-1]
    assert new.migration.name.startswith("003_email")
    assert new.down_revision == native
    assert native_path.read_bytes() == native_text
    script = assert_single_head(out)
    assert script.get_heads() == [new.revision]
    assert script.get_revision(first_id).down_revision is None

    url = make_db("sqlite")
    command.upgrade(alembic_config(out, url), "head")
    assert schema(url) == {
        "customers": {"id", "name", "loyalty_points", "email"},
        "orders": {"id", "customer_id"},
    }


# -- 2. presentation options ----------------------------------------------------------------------


def test_changed_date_from_renames_every_revision_and_keeps_ids(tmp_path):
    """File names carry the date; databases are stamped with revision ids. A changed
    `date_from` must rename each file (never leave the old one beside the new: two files
    with one id break Alembic), keep the ids, and not call the old files unproduced."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out, date_from="20240101")
    ids = [p.revision for p in first.plans]
    old_names = versions(out)
    assert all(n.startswith("20240101_") for n in old_names)

    second = run_convert(legacy, out, date_from="20250101")
    assert sorted(second.renamed) == [
        (f"versions/{n}", f"versions/{n.replace('20240101_', '20250101_')}") for n in old_names
    ]
    names = versions(out)
    assert not [n for n in names if n.startswith("20240101_")]
    assert names == [n.replace("20240101_", "20250101_") for n in old_names]
    assert [p.revision for p in second.plans] == ids
    script = assert_single_head(out)
    assert sorted(s.revision for s in script.walk_revisions()) == sorted(ids)
    assert second.moved_stale == [] and not (out / "stale").exists()
    assert not [w for w in second.warnings if "20240101" in w or "stale" in w], second.warnings

    third = run_convert(legacy, out, date_from="20250101")
    assert third.up_to_date and third.renamed == []


# -- 3. hand edits --------------------------------------------------------------------------------

REAL_DOWNGRADE = 'execute_verbatim("DELETE FROM customers WHERE id = 1")'


def write_real_downgrade(path: Path) -> str:
    """Replace the generated `raise NotImplementedError(...)` downgrade with a real one."""
    text = path.read_text(encoding="utf-8")
    edited, n = re.subn(
        r"def downgrade\(\) -> None:\n    raise NotImplementedError\(\n.*?\n    \)\n",
        f"def downgrade() -> None:\n    {REAL_DOWNGRADE}\n",
        text,
        flags=re.S,
    )
    assert n == 1, "the generated downgrade did not raise NotImplementedError"
    path.write_text(edited, encoding="utf-8")
    return edited


def test_hand_written_downgrade_is_kept_and_new_migrations_still_append(tmp_path, make_db):
    """The documented way to fill a downgrade converter could not write is to edit the file:
    a re-run that brings a new legacy migration must keep that edit byte for byte, say so,
    and still append the new revision after the last one."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out)
    seed = out / "versions" / first.plans[2].filename
    edited = write_real_downgrade(seed)

    (legacy / "004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n")
    (legacy / "004_more.down.sql").write_text("DROP TABLE more;\n")
    result = run_convert(legacy, out)
    assert seed.read_text(encoding="utf-8") == edited
    assert result.kept_edits == [f"versions/{seed.name}"]
    assert any("--force" in n for n in result.notes)
    assert result.plans[-1].down_revision == first.plans[-1].revision
    assert result.plans[-1].filename in versions(out)
    assert_single_head(out)

    url = make_db("sqlite")
    cfg = alembic_config(out, url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")  # runs the hand-written downgrade
    assert schema(url) == {}


def test_edit_below_the_converter_line_counts_as_a_hand_edit(tmp_path):
    """Someone appends code (or a comment) after the `# converter:` line: that is a hand edit
    like any other, not a file that is not ours (which would be refused as having "the same
    name" as the revision to write)."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out)
    path = out / "versions" / first.plans[1].filename
    text = path.read_text(encoding="utf-8")
    assert text.rstrip("\n").splitlines()[-1].startswith(TRAILER)
    edited = text + "\n# reviewed by the DBA team\n"
    path.write_text(edited, encoding="utf-8")

    (legacy / "004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n")
    result = run_convert(legacy, out)
    assert result.kept_edits == [f"versions/{path.name}"]
    assert path.read_text(encoding="utf-8") == edited
    assert result.plans[-1].down_revision == first.plans[-1].revision
    assert_single_head(out)


def test_force_regenerates_a_hand_edited_revision(tmp_path):
    """`force` is the way back to the generated text: the edit is overwritten, and the run
    says which files it overwrote."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out)
    seed = out / "versions" / first.plans[2].filename
    generated = seed.read_bytes()
    write_real_downgrade(seed)

    result = run_convert(legacy, out, force=True)
    assert result.overwritten_edits == [f"versions/{seed.name}"]
    assert result.kept_edits == []
    assert seed.read_bytes() == generated
    assert run_convert(legacy, out).up_to_date


def test_removing_the_converter_line_adopts_the_revision_silently(tmp_path):
    """A person who removes the `# converter:` line takes the file over: later runs keep it
    as it is without reporting it as an edit to review each time (and `--check` stays
    green), while still recognising it as the revision of its legacy migration."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out)
    seed = out / "versions" / first.plans[2].filename
    text = write_real_downgrade(seed)
    adopted = "".join(line for line in text.splitlines(True) if not line.startswith(TRAILER))
    seed.write_text(adopted, encoding="utf-8")

    (legacy / "004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n")
    result = run_convert(legacy, out)
    assert seed.read_text(encoding="utf-8") == adopted
    assert result.plans[-1].down_revision == first.plans[-1].revision
    assert len(versions(out)) == 4  # recognised: no second revision for 003
    assert_single_head(out)
    assert result.kept_edits == [], "an adopted file is reported as a hand edit"
    assert not [m for m in result.notes + result.warnings if seed.name in m]

    later = run_convert(legacy, out)
    assert later.kept_edits == [] and later.up_to_date
    assert seed.read_text(encoding="utf-8") == adopted
    res = cli_check(legacy, out)
    assert res.exit_code == 0, res.output
    # --force regenerates converter's files edited by hand, never a file someone adopted
    forced = run_convert(legacy, out, force=True)
    assert seed.read_text(encoding="utf-8") == adopted
    assert forced.overwritten_edits == []


# -- 4. --check -----------------------------------------------------------------------------------


def test_check_passes_right_after_a_convert(tmp_path):
    """`convert --check` is the CI guard of the transition period: it must be green when the
    Alembic directory is what convert would write."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    run_convert(legacy, out)
    before = digests(out)
    res = cli_check(legacy, out)
    assert res.exit_code == 0, res.output
    assert digests(out) == before


def _add_legacy(legacy: Path, out: Path) -> dict:
    (legacy / "004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n")
    return {}


def _change_date(legacy: Path, out: Path) -> dict:
    return {"date_from": "20250101"}


def _edit_by_hand(legacy: Path, out: Path) -> dict:
    edit_upgrade(out / "versions" / versions(out)[0])
    return {}


@pytest.mark.parametrize(
    "change",
    [_add_legacy, _change_date, _edit_by_hand],
    ids=["legacy-migration-added", "date-option-changed", "revision-edited-by-hand"],
)
def test_check_fails_and_writes_nothing_when_a_rerun_would_change_something(tmp_path, change):
    """Each kind of drift between the legacy folder and the Alembic directory must turn the
    CI guard red (exit 1), and a check must never write."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    run_convert(legacy, out)
    options = change(legacy, out)
    before = digests(out)
    res = cli_check(legacy, out, options.get("date_from", "20240101"))
    assert res.exit_code == 1, res.output
    assert digests(out) == before


# -- 5. refused, and nothing written --------------------------------------------------------------


def test_legacy_migration_inserted_before_a_converted_one_is_refused(tmp_path):
    """Databases already past 003 would never run a new 002 appended in its place: an error
    naming the file, and the directory untouched."""
    legacy, out = project(
        tmp_path,
        {
            "001_a.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
            "003_c.sql": "CREATE TABLE c (id INTEGER PRIMARY KEY);\n",
        },
    )
    run_convert(legacy, out)
    (legacy / "002_b.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY);\n")
    before = digests(out)
    with pytest.raises(InputError, match="002_b.sql") as exc:
        run_convert(legacy, out)
    assert "002_b.sql" in str(exc.value)
    assert digests(out) == before


@pytest.mark.parametrize("new_legacy", [False, True], ids=["rerun", "with-new-migration"])
def test_two_heads_in_the_existing_directory_are_refused(tmp_path, new_legacy):
    """Two native revisions on the same parent leave two heads: where a new legacy migration
    goes is ambiguous, so convert refuses, naming both heads, and writes nothing."""
    legacy, out = project(tmp_path, BASE_HISTORY)
    first = run_convert(legacy, out)
    parent = first.plans[-1].revision
    one, _ = add_native(out, "branch one", "pass", rev_id="branch_one")
    two, _ = add_native(out, "branch two", "pass", rev_id="branch_two", head=parent, splice=True)
    assert sorted(script_dir(out).get_heads()) == [one, two]
    if new_legacy:
        (legacy / "003_c.sql").write_text("CREATE TABLE c (id INTEGER PRIMARY KEY);\n")
    before = digests(out)
    with pytest.raises(OutputError) as exc:
        run_convert(legacy, out)
    assert one in str(exc.value) and two in str(exc.value)
    assert "heads" in str(exc.value)
    assert digests(out) == before


def test_hand_edit_that_makes_a_cycle_is_refused(tmp_path):
    """A down_revision edited into a cycle makes Alembic fail on every command: convert must
    say so (not loop, not write over it)."""
    legacy, out = project(tmp_path, BASE_HISTORY | SEED)
    first = run_convert(legacy, out)
    path = out / "versions" / first.plans[0].filename
    text = path.read_text(encoding="utf-8")
    last = first.plans[-1].revision
    cyclic = text.replace("down_revision = None", f'down_revision = "{last}"', 1)
    assert cyclic != text
    path.write_text(cyclic, encoding="utf-8")
    (legacy / "004_more.sql").write_text("CREATE TABLE more (id INTEGER PRIMARY KEY);\n")
    before = digests(out)
    with pytest.raises(OutputError, match="cycle"):
        run_convert(legacy, out)
    assert digests(out) == before


def test_revision_file_with_a_syntax_error_is_refused(tmp_path):
    """convert reads every file of versions/ before writing; one Python cannot parse must be
    named (it breaks Alembic too), and nothing is written."""
    legacy, out = project(tmp_path, BASE_HISTORY)
    run_convert(legacy, out)
    broken = out / "versions" / "20240102_broken.py"
    broken.write_text('revision = "broken"\ndown_revision = None\n\ndef upgrade(:\n    pass\n')
    (legacy / "003_c.sql").write_text("CREATE TABLE c (id INTEGER PRIMARY KEY);\n")
    before = digests(out)
    with pytest.raises(OutputError) as exc:
        run_convert(legacy, out)
    assert "20240102_broken.py" in str(exc.value)
    assert digests(out) == before


# -- 6. any life of the directory -----------------------------------------------------------------

DATES = ("20230101", "20240101", "20240601")

actions = st.one_of(
    st.tuples(st.just("legacy"), st.booleans(), st.integers(0, 20)),
    st.tuples(st.just("native")),
    st.tuples(st.just("edit"), st.integers(0, 20)),
    st.tuples(st.just("date"), st.sampled_from(DATES)),
    st.tuples(st.just("rerun")),
)


@dataclass
class Life:
    """A legacy folder, its Alembic directory, and what the actions so far created."""

    legacy: Path
    out: Path
    date_from: str = "20240101"
    version: int = 0
    legacy_tables: dict[str, list[str]] = field(default_factory=dict)
    native_tables: dict[str, list[str]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def add_legacy(self, create: bool, pick: int) -> None:
        self.version += 1
        v = self.version
        if create or not self.legacy_tables:
            table = f"t{v}"
            name = f"{v:03d}_create_{table}"
            up = f"CREATE TABLE {table} (id INTEGER PRIMARY KEY);\n"
            down = f"DROP TABLE {table};\n"
            self.legacy_tables[table] = ["id"]
        else:
            table = sorted(self.legacy_tables)[pick % len(self.legacy_tables)]
            column = f"c{v}"
            name = f"{v:03d}_add_{column}_to_{table}"
            up = f"ALTER TABLE {table} ADD COLUMN {column} INTEGER;\n"
            down = f"ALTER TABLE {table} DROP COLUMN {column};\n"
            self.legacy_tables[table].append(column)
        (self.legacy / f"{name}.sql").write_text(up)
        (self.legacy / f"{name}.down.sql").write_text(down)
        self.log.append(f"legacy {name}")

    def add_native(self) -> None:
        table = f"n{len(self.native_tables) + 1}"
        add_native(
            self.out,
            f"create {table}",
            f'op.create_table("{table}", sa.Column("id", sa.Integer(), primary_key=True))',
            f'op.drop_table("{table}")',
            rev_id=f"native_{table}",
        )
        self.native_tables[table] = ["id"]
        self.log.append(f"native {table}")

    def edit(self, pick: int) -> None:
        ours = [
            n for n in versions(self.out) if "legacy = {" in (self.out / "versions" / n).read_text()
        ]
        name = ours[pick % len(ours)]
        edit_upgrade(self.out / "versions" / name, f"# hand edit {len(self.log)}")
        self.log.append(f"edit {name}")

    def expected(self) -> dict[str, set[str]]:
        return {t: set(c) for t, c in (self.legacy_tables | self.native_tables).items()}


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=3, max_size=7))
def test_any_sequence_of_changes_keeps_one_head_and_the_same_schema(tmp_path, make_db, steps):
    """Whatever happens between runs (legacy migrations added, native revisions written,
    revisions edited by hand, the date option changed, plain re-runs), each run must leave a
    directory Alembic loads with one head, whose `upgrade head` builds exactly the tables and
    columns the legacy migrations and the native revisions made."""
    root = tmp_path / uuid.uuid4().hex[:8]
    legacy, out = project(root, {})
    life = Life(legacy, out)
    life.add_legacy(True, 0)
    run_convert(legacy, out, date_from=life.date_from)

    for step in steps:
        kind = step[0]
        if kind == "legacy":
            life.add_legacy(step[1], step[2])
        elif kind == "native":
            life.add_native()
        elif kind == "edit":
            life.edit(step[1])
        elif kind == "date":
            life.date_from = step[1]
            life.log.append(f"date {step[1]}")
        else:
            life.log.append("rerun")
        where = " -> ".join(life.log)
        result = run_convert(legacy, out, date_from=life.date_from)
        assert len(result.plans) == life.version, where

        script = assert_single_head(out)
        assert len(list(script.walk_revisions())) == life.version + len(life.native_tables)

        url = make_db("sqlite")
        command.upgrade(alembic_config(out, url), "head")
        assert schema(url) == life.expected(), where

    # the model of the legacy side is right: the legacy tool's way gives its tables
    url = make_db("sqlite")
    engine = engine_for(url)
    try:
        for plan in result.plans:
            apply_migration(engine, plan.migration, "sqlite")
    finally:
        engine.dispose()
    assert schema(url) == {t: set(c) for t, c in life.legacy_tables.items()}
