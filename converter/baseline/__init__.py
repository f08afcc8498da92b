"""Baselines: a legacy prefix folded into one revision (`convert --baseline-at VERSION`).

The legacy history up to and including VERSION is applied to a scratch database of the
target dialect (`converter.scratch`, `converter.apply`: the machinery verify uses; SQLite
needs nothing, a server needs `--url`), and what that database holds is read back as SQL
text, from the database itself:

- PostgreSQL: `pg_dump --schema-only --clean --if-exists --no-owner --no-privileges`
  (`postgresql.py`). pg_dump already knows every kind of object (domains, enums, composite
  types, sequences and identity, partial and expression indexes, exclusion constraints,
  views and materialized views, functions, procedures, triggers, policies, comments,
  extensions) and the one order that builds them, and its `--clean` section is the drop
  order. Rebuilding that from catalog functions (pg_get_viewdef, pg_get_functiondef, ...)
  would mean re-implementing pg_dump's dependency sort; the binary is the faithful route.
  Its session settings (`SET`, `set_config('search_path', ...)`) and psql meta-commands
  (`\\restrict`) are removed: the revision runs in Alembic's session, and every name pg_dump
  writes is schema-qualified anyway.
- MySQL/MariaDB: `SHOW CREATE TABLE/VIEW/FUNCTION/PROCEDURE/TRIGGER` through SQLAlchemy
  (`mysql.py`): the server's own DDL (table options included), with DEFINER clauses and
  the scratch database's name removed; tables in foreign-key order, views in dependency
  order. mariadb-dump would add version comments, temporary view stand-ins and DEFINERs
  to undo; the statements are simpler.
- SQLite: `sqlite_master`'s stored SQL in creation order (`sqlite.py`).

That SQL becomes the up script of one synthetic legacy migration (kind baseline) with a
down script that drops everything in reverse dependency order, and goes through convert's
own pipeline (split, parse, translate, prove): `op.*` where the proof passes, verbatim SQL
elsewhere, a data file beside the revision when the script is large. Data: the rows of the
tables chosen with `--baseline-data` as INSERT statements (`data.py`), then every sequence,
identity, AUTO_INCREMENT and sqlite_sequence counter set to the scratch database's value.

The revision's `legacy` record says `kind: "baseline"`, `version` (VERSION), `covers` (every
legacy version folded in, in history order), their `files`, `sha256` (`covered_checksum`),
`dialects` and `baseline_data`; stamp and verify read it (history.LegacyRecord).

Decisions: a baseline is built from one engine, so several dialects are refused (convert
once per database); VERSION may be the last version (the baseline is then the whole
history); a placeholder code migration inside the prefix is refused (it cannot be applied).
The legacy tool's migrate callbacks (Flyway's `beforeMigrate.sql`, ...) are not run in the
scratch database: the converted history runs them itself (env.py, at every upgrade, around
the baseline as around any revision), so what they create and write stays theirs; a
baseline that also created it would collide with them.

Re-runs (`reusable`, `fold_existing`): an intact baseline built from the same legacy files
(checksum), dialect and data choice is kept as it is, never rebuilt (the rows a history
writes may hold the time it ran; rebuilding could not be byte-identical); --force rebuilds.
Otherwise the baseline takes the revision id of VERSION's revision on disk when there is
one (a converted revision, or the baseline at VERSION), so databases stamped there stay
right, and the revisions of ours it now covers (an earlier baseline included) are removed;
one edited by hand or adopted is refused, naming it. Moving a baseline earlier is refused:
databases stamped at it never ran the revisions that would come back.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from pathlib import Path

from converter.apply import apply_history
from converter.baseline import data as data_rows
from converter.baseline.common import SchemaText, reader_for
from converter.errors import UsageError
from converter.existing import ADOPTED, EDITED, INTACT, Existing, OnDisk
from converter.model import Kind, LegacyMigration, Script, covered_checksum
from converter.scratch import dialect_of, engine_for, mask, scratch_databases

SCRATCH_PREFIX = "converter_baseline"
DESCRIPTION = "baseline"


@dataclass(frozen=True)
class BaselineRequest:
    """What `--baseline-at`, `--baseline-data` and `--url` ask for."""

    version: str
    data: str | None = None  # "a,b", "ref_*", "max-rows:N" (comma-separated, mixed)
    url: str | None = None  # a server to create the scratch database on


def find_cut(migrations: list[LegacyMigration], version: str, where: Path) -> int:
    """The index of the migration whose version is `version`; UsageError listing nearby
    versions when there is none."""
    for i, m in enumerate(migrations):
        if m.version == version and m.kind is not Kind.REPEATABLE:
            return i
    versions = [m.version for m in migrations if m.version and m.kind is not Kind.REPEATABLE]
    close = difflib.get_close_matches(version, versions, n=3, cutoff=0.5)
    around = _around(versions, version)
    hint = "versions of this history: " + ", ".join(around)
    if close:
        hint = f"did you mean {', '.join(close)}? " + hint
    raise UsageError(
        f"--baseline-at {version}: no legacy migration has that version", path=where, hint=hint
    )


def _around(versions: list[str], version: str) -> list[str]:
    """Up to five versions of the history around where `version` would sort."""
    if len(versions) <= 6:
        return versions
    key = _version_key(version)
    at = next((i for i, v in enumerate(versions) if _version_key(v) >= key), len(versions))
    start = max(0, min(at - 2, len(versions) - 5))
    shown = versions[start : start + 5]
    return (["..."] if start else []) + shown + (["..."] if start + 5 < len(versions) else [])


def _version_key(version: str) -> tuple:
    parts = version.replace("_", ".").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def check_dialects(dialects: list[str], request: BaselineRequest) -> str:
    """The one dialect a baseline is built for; its --url checked against it."""
    if len(dialects) > 1:
        raise UsageError(
            f"--baseline-at builds the baseline from one database, and --dialect names {len(dialects)}",
            hint="convert once per database, each into its own --out (e.g. --dialect postgresql "
            "--out alembic_pg, then --dialect sqlite --out alembic_sqlite)",
        )
    dialect = dialects[0]
    if dialect != "sqlite":
        if request.url is None:
            raise UsageError(
                f"--baseline-at on {dialect} applies the legacy history to a scratch database on a "
                f"{dialect} server, and no --url names one",
                hint="pass --url with a server where scratch databases can be created, as for "
                "verify (e.g. postgresql+psycopg://postgres@localhost/postgres)",
            )
        if dialect_of(request.url) != dialect:
            raise UsageError(
                f"--url {mask(request.url)} is a {dialect_of(request.url)} server; the baseline "
                f"is built for {dialect}",
                hint=f"pass --url with a {dialect} server",
            )
    return dialect


def check_covered(covered: list[LegacyMigration]) -> None:
    """Every covered migration must be one the scratch database can run."""
    for m in covered:
        if m.placeholder:
            raise UsageError(
                f"legacy migration {m.name} is inside the baseline but is code that cannot be "
                f"read as SQL ({m.placeholder}): it cannot be applied to build the baseline",
                path=m.path,
                hint="choose a --baseline-at version before it, or rewrite it as an SQL migration",
            )


def reusable(
    on_disk: OnDisk | None,
    covered: list[LegacyMigration],
    dialect: str,
    request: BaselineRequest,
    force: bool,
) -> bool:
    """Whether the baseline on disk already is this one: intact, built for this dialect from
    the same legacy files (same checksum) with the same data choice. It is then kept as it is
    (not rebuilt: the rows a legacy history writes may hold the time it ran), so a re-run
    is a no-op; --force rebuilds it."""
    if on_disk is None or force or on_disk.state != INTACT:
        return False
    record = on_disk.file.legacy
    return (
        record is not None
        and record.covers == tuple(m.version for m in covered)
        and record.sha256 == covered_checksum(covered)
        and record.dialects == (dialect,)
        and (record.baseline_spec or None) == (request.data or None)
    )


def build(
    covered: list[LegacyMigration],
    dialect: str,
    request: BaselineRequest,
    notes: list[str],
    reuse: bool = False,
) -> LegacyMigration:
    """The synthetic legacy migration standing for `covered`: its up script builds what the
    scratch database holds after them, its down script drops all of it."""
    check_covered(covered)
    last = covered[-1]
    if reuse:  # not rebuilt: a stand-in (its file is kept); its path dates it like the real one
        return _synthetic(covered, dialect, request, ("",), (), (), last.path or Path("."))
    with scratch_databases(request.url, ("baseline",), prefix=SCRATCH_PREFIX, notes=notes) as urls:
        engine = engine_for(urls["baseline"])
        try:
            apply_history(engine, covered, dialect)  # without callbacks: see the docstring
            reader = reader_for(dialect)
            with engine.connect() as conn:
                schema: SchemaText = reader.read_schema(conn, urls["baseline"])
                tables = data_rows.choose_tables(conn, request.data)
                inserts = data_rows.insert_statements(conn, tables, reader)
                counters = reader.counters(conn)
        finally:
            engine.dispose()
    up = schema.up + inserts + counters + schema.after_data
    return _synthetic(
        covered, dialect, request, (reader.script(up),), (reader.script(schema.down),),
        tables, last.path or Path("."),
    )  # fmt: skip


def _synthetic(
    covered: list[LegacyMigration],
    dialect: str,
    request: BaselineRequest,
    up: tuple[str, ...],
    down: tuple[str, ...],
    tables: tuple[str, ...] | list[str],
    where: Path,
) -> LegacyMigration:
    last = covered[-1]
    name = f"baseline of {covered[0].version} to {last.version}"
    return LegacyMigration(
        format=last.format,
        version=last.version,
        description=DESCRIPTION,
        kind=Kind.BASELINE,
        up=tuple(Script("sql", text, where, name) for text in up),
        down=tuple(Script("sql", text, where, name + " (down)") for text in down),
        transactional=True,
        date=last.date,
        sort_key=last.sort_key,
        dialect=dialect,
        covers=tuple(m.version for m in covered),
        covered_files=tuple(dict.fromkeys(s.name for m in covered for s in m.up + m.down)),
        covered_sha256=covered_checksum(covered),
        baseline_data=tuple(sorted(tables)),
        baseline_spec=request.data or None,
    )


@dataclass
class Fold:
    """What a (re-)run with a baseline does to the revisions already on disk."""

    removed: list[OnDisk] = field(default_factory=list)  # ours, now inside the baseline
    # where the baseline hangs when the revision whose id it takes had a parent now removed
    down: str | tuple[str, ...] | None = None
    repoint: bool = False
    taken: str | None = None  # the file of the revision whose id the baseline keeps

    def graph(self, existing: Existing) -> Existing:
        """`existing` with the revision the baseline replaces hung where the baseline will
        hang (so that its graph has no parent that is about to be removed)."""
        if not self.repoint:
            return existing
        revisions = {
            n: replace(r, file=replace(r.file, down_revision=self.down))
            if r.file.down_revision is not None and r.name == self.taken
            else r
            for n, r in existing.revisions.items()
        }
        return Existing(existing.root, revisions)


def fold_existing(
    existing: Existing,
    taken: OnDisk | None,
    covered: list[LegacyMigration],
    version: str,
    force: bool,
) -> Fold:
    """The revisions of ours that the baseline replaces, checked before anything is built.

    `taken` is the revision already on disk for VERSION (matched by convert): the baseline
    itself on a re-run, else the revision converted from VERSION, whose id the baseline keeps
    so that databases stamped at it stay right. Refused: a baseline on disk that covers
    versions after VERSION (moving a baseline earlier), and a revision to remove (or to
    turn into the baseline) that was edited by hand."""
    versions = {m.version for m in covered}
    fold = Fold()
    for r in existing.ours.values():
        record = r.file.legacy
        if record is None or record.version is None:
            continue
        if record.covers and not set(record.covers) <= versions:
            raise UsageError(
                f"versions/{r.name} is a baseline up to legacy {record.version}; --baseline-at "
                f"{version} would move it earlier, and databases stamped at it never ran the "
                "revisions that would come back",
                path=existing.root / "versions" / r.name,
                hint=f"keep --baseline-at {record.version} (or a later version), or convert into a new --out",
            )
        if r is taken and record.covers and record.version == version:
            continue  # the baseline itself, on a re-run: convert's usual rules
        if r is not taken and record.version not in versions and not record.covers:
            continue  # after the baseline (or stale): convert's usual rules
        if (r.state == EDITED and not force) or r.state == ADOPTED:
            raise UsageError(
                f"versions/{r.name} (legacy {record.version}) would be folded into the baseline, "
                "but it was edited by hand",
                path=existing.root / "versions" / r.name,
                hint="move your change into a new revision after the baseline and restore the "
                "file (or delete it), or pass --force to overwrite it"
                if r.state == EDITED
                else "it is yours now (its `# converter:` line was removed): delete it or keep "
                "a --baseline-at before its version",
            )
        if r is not taken:
            fold.removed.append(r)
    if taken is not None:
        ids = {r.revision for r in fold.removed}
        down = taken.file.down_revision
        parents = (down,) if isinstance(down, str) else down or ()
        fold.taken = taken.name
        if any(p in ids for p in parents):
            fold.repoint = True
            fold.down = _before(fold.removed, ids)
    return fold


def _before(removed: list[OnDisk], ids: set[str]) -> str | tuple[str, ...] | None:
    """What the first of the removed revisions hung on (base, or a native head)."""
    for r in removed:
        down = r.file.down_revision
        parents = (down,) if isinstance(down, str) else down or ()
        if not any(p in ids for p in parents):
            return down
    return None
