"""convert: a legacy migrations directory -> an Alembic script directory.

`convert(legacy_dir, out_dir, ConvertOptions(...))` is the verb; the CLI only wires options
to it. The pipeline: scan (readers) -> names (ids, dates, files) -> plans (split, parse,
translate) -> render (templates) -> write (atomically). Nothing is written when any step
fails, and nothing at all with `dry_run`.

Why one module over 600 lines: the rules of a re-run (where the chain starts, what moves,
what is kept, the graph check) and of placeholder revisions share the verb's state
(matched, kept, names) and read best beside the verb.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from mako.template import Template

from converter import baseline
from converter.bulk import data_file_name
from converter.callbacks import callback_files
from converter.dialects import DIALECTS
from converter.errors import InputError, OutputError, UsageError, write_error
from converter.existing import (
    ADOPTED,
    EDITED,
    Existing,
    OnDisk,
    check_graph,
    match,
    read_existing,
)
from converter.formats.base import ReadOptions, require_dir
from converter.formats.code_source import CODE_LANGUAGES, awaiting_port, source_file_name
from converter.history import RevisionFile, read_revision_file
from converter.legacy import legacy_root, require_clean, scan
from converter.model import Kind, LegacyCallback, LegacyMigration
from converter.naming import (
    REV_ID_STYLES,
    check_date_from,
    file_names,
    migration_date,
    revision_ids,
)
from converter.parallel import PlanTask, default_jobs, plan_all
from converter.plan import STYLES, RevisionPlan, plan_warnings
from converter.render import render_revisions, scaffold_files
from converter.write import clean_stale_staging, staging_dir, write_file, write_tree

CODE_MIGRATIONS = ("placeholder", "error")
RENDER_CHUNK = 250  # revisions rendered (and formatted by one ruff run) at a time
REVISION_ID_RE = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
DOWN_REVISION_RE = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


@dataclass(frozen=True)
class ConvertOptions:
    dialect: str
    format: str | None = None
    style: str = "ops"
    rev_id: str = "slug"
    date_from: str = "name"
    encoding: str | None = None
    force: bool = False
    check: bool = False  # report whether a re-run would change anything; write nothing
    dry_run: bool = False
    before_base: bool = False
    modules: bool = False
    depends: tuple[str, ...] = ()  # "module:revision": the module's base depends on revision
    missing_variant: str = (
        "error"  # several dialects: a migration with no variant for one -> error | skip
    )
    # a code migration (Go, Java) that is not straight-line SQL: a placeholder revision to
    # port by hand, or an error
    code_migrations: str = "placeholder"
    java_dirs: tuple[Path, ...] = ()  # Flyway: source folders holding Java migrations
    goose_tool: str | None = None  # goose: which goose (None: configuration, else auto)
    # fold the legacy history up to this version into one baseline revision (converter.baseline)
    baseline_at: str | None = None
    baseline_data: str | None = None  # the tables whose rows the baseline carries
    url: str | None = None  # a server for the baseline's scratch database
    jobs: int | None = None  # processes planning revisions at once (None: one per CPU)

    @property
    def dialects(self) -> list[str]:
        return parse_dialects(self.dialect)


@dataclass
class ConvertResult:
    out: Path
    format: str
    plans: list[RevisionPlan]
    written: list[str] = field(default_factory=list)  # files new or changed (relative to out)
    unchanged: list[str] = field(default_factory=list)
    chained_after: str | None = None
    repointed: str | None = None  # --before-base: the existing file whose down_revision changed
    alembic_ini: Path | None = None
    warnings: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new) in versions/
    moved_stale: list[str] = field(default_factory=list)  # versions/<name> -> stale/<name>
    kept_edits: list[str] = field(default_factory=list)  # hand-edited revisions left as they are
    overwritten_edits: list[str] = field(default_factory=list)  # --force
    notes: list[str] = field(default_factory=list)
    # revisions that are still placeholders for code migrations: "versions/<file> (<legacy>)"
    placeholders: list[str] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)  # ours, removed: inside the baseline now
    # the legacy callbacks carried into converter_callbacks.py, per database
    callbacks: dict[str, list[LegacyCallback]] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        """Nothing to write, rename or move, and no hand edit to review (`--check`)."""
        return not (
            self.written
            or self.renamed
            or self.moved_stale
            or self.kept_edits
            or self.alembic_ini
            or self.folded
        )

    def to_json(self) -> dict:
        totals: dict[str, int] = {}
        for p in self.plans:
            for k, v in p.stats.to_json().items():
                totals[k] = totals.get(k, 0) + v
        return {
            "out": str(self.out),
            "format": self.format,
            "revisions": [p.to_json() for p in self.plans],
            "totals": totals,
            "written": self.written,
            "unchanged": self.unchanged,
            "chained_after": self.chained_after,
            "repointed": self.repointed,
            "renamed": [list(r) for r in self.renamed],
            "moved_stale": self.moved_stale,
            "kept_edits": self.kept_edits,
            "overwritten_edits": self.overwritten_edits,
            "notes": self.notes,
            "warnings": self.warnings,
            "placeholders": self.placeholders,
            "folded": self.folded,
            "callbacks": sorted(
                {c.name: c.event for cs in self.callbacks.values() for c in cs}.items()
            ),
            "up_to_date": self.up_to_date,
        }


def parse_dialects(value: str) -> list[str]:
    """`postgresql`, `postgresql,sqlite` or `all` -> the dialects, in the order given."""
    names = list(DIALECTS) if value == "all" else [d.strip() for d in value.split(",") if d.strip()]
    for d in names:
        if d not in DIALECTS:
            raise UsageError(
                f"unknown dialect {d!r}",
                hint="use one or more of " + ", ".join(DIALECTS) + ", or all",
            )
    if not names or len(set(names)) != len(names):
        raise UsageError(f"invalid dialect list {value!r}", hint="e.g. --dialect postgresql,sqlite")
    return names


def check_options(o: ConvertOptions) -> None:
    o.dialects  # noqa: B018 - validates the dialect list
    if o.missing_variant not in ("error", "skip"):
        raise UsageError(
            f"unknown missing-variant rule {o.missing_variant!r}", hint="use error or skip"
        )
    if o.code_migrations not in CODE_MIGRATIONS:
        raise UsageError(
            f"unknown code-migrations rule {o.code_migrations!r}",
            hint="use " + " or ".join(CODE_MIGRATIONS),
        )
    if o.style not in STYLES:
        raise UsageError(f"unknown style {o.style!r}", hint="use one of " + ", ".join(STYLES))
    if o.baseline_at is not None and o.modules:
        raise UsageError(
            "--baseline-at cannot be combined with --modules",
            hint="a baseline folds one linear history; convert without --modules",
        )
    if o.baseline_at is None and (o.baseline_data or o.url):
        raise UsageError(
            "--baseline-data and --url are for a baseline",
            hint="add --baseline-at VERSION, or drop them",
        )
    if o.rev_id not in REV_ID_STYLES:
        raise UsageError(
            f"unknown --rev-id {o.rev_id!r}", hint="use one of " + ", ".join(REV_ID_STYLES)
        )
    check_date_from(o.date_from)
    if o.jobs is not None and o.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {o.jobs}")


def check_paths(legacy_dir: Path, out_dir: Path) -> None:
    legacy, out = legacy_dir.resolve(), out_dir.resolve()
    if out == legacy or legacy in out.parents:
        raise UsageError(
            "the output directory is inside the legacy directory",
            path=out_dir,
            hint="write the Alembic directory elsewhere, e.g. --out alembic next to migrations/",
        )
    if out in legacy.parents:
        raise UsageError(
            "the legacy directory is inside the output directory",
            path=out_dir,
            hint="choose an --out that does not contain the legacy migrations",
        )


def read_legacy(
    legacy_dir: Path, options: ConvertOptions, dialect: str
) -> tuple[str, list[LegacyMigration], list[LegacyCallback]]:
    """The legacy history for one dialect: one directory, or with `modules` one history per
    subfolder; and its migrate callbacks."""
    read = ReadOptions(
        encoding=options.encoding,
        dialect=dialect,
        java_dirs=options.java_dirs,
        goose_tool=options.goose_tool,
    )
    legacy_dir = legacy_root(legacy_dir, dialect)
    if not options.modules:
        found = _checked_scan(legacy_dir, options.format, read, options)
        return found.format, found.migrations, found.callbacks
    require_dir(legacy_dir)
    subdirs = sorted(
        p for p in legacy_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
    )
    loose = sorted(
        p.name for p in legacy_dir.iterdir() if p.is_file() and p.suffix in (".sql", ".py")
    )
    if loose:
        raise UsageError(
            f"--modules expects one subfolder per module, but migrations lie at the top: {', '.join(loose[:3])}",
            path=legacy_dir,
            hint="move them into a module folder, or convert without --modules",
        )
    if not subdirs:
        raise InputError("--modules found no module subfolders", path=legacy_dir)
    formats: set[str] = set()
    migrations: list[LegacyMigration] = []
    callbacks: list[LegacyCallback] = []
    for sub in subdirs:
        found = _checked_scan(sub, options.format, read, options)
        formats.add(found.format)
        migrations.extend(dataclasses.replace(m, module=sub.name) for m in found.migrations)
        callbacks.extend(found.callbacks)
    return ",".join(sorted(formats)), migrations, callbacks


def _checked_scan(root: Path, format: str | None, read: ReadOptions, options: ConvertOptions):
    found = scan(root, format, read)
    missing = [p for p in found.warnings if p.code == "no-variant"]
    return require_clean(
        found, missing if len(options.dialects) == 1 and options.missing_variant == "error" else []
    )


def align(
    histories: dict[str, tuple[str, list[LegacyMigration], list[LegacyCallback]]],
) -> list[dict[str, LegacyMigration | None]]:
    """One row per migration of the union of the dialects' histories, in order; each row
    maps every dialect to its variant, or None where that dialect has none."""
    if len(histories) == 1:  # the reader's order, exactly
        ((d, (_, migrations, _)),) = histories.items()
        return [{d: m} for m in migrations]
    modules: list[str | None] = []
    rows: dict[tuple, dict[str, LegacyMigration | None]] = {}
    for d, (_, migrations, _) in histories.items():
        for m in migrations:
            if m.module not in modules:
                modules.append(m.module)
            key = (modules.index(m.module), m.sort_key or (m.version,), m.version)
            rows.setdefault(key, dict.fromkeys(histories))[d] = m
    return [rows[k] for k in sorted(rows)]


def parse_depends(values: tuple[str, ...]) -> dict[str, list[str]]:
    """`--depends module:revision` -> {module: [revision, ...]}."""
    out: dict[str, list[str]] = {}
    for value in values:
        module, sep, rev = value.partition(":")
        if not sep or not module or not rev:
            raise UsageError(f"invalid --depends {value!r}", hint="write it as MODULE:REVISION")
        out.setdefault(module, []).append(rev)
    return out


def convert(
    legacy_dir: Path,
    out_dir: Path,
    options: ConvertOptions,
    progress: Callable[[int, int], None] | None = None,  # (migrations planned, of)
) -> ConvertResult:
    check_options(options)
    check_paths(legacy_dir, out_dir)
    declared = parse_depends(options.depends)
    if declared and not options.modules:
        raise UsageError("--depends needs --modules", hint="add --modules, or drop --depends")
    dialects = options.dialects
    request = None
    if options.baseline_at is not None:
        request = baseline.BaselineRequest(options.baseline_at, options.baseline_data, options.url)
        baseline.check_dialects(dialects, request)
    histories = {d: read_legacy(legacy_dir, options, d) for d in dialects}
    formats = {h[0] for h in histories.values()}
    if len(formats) > 1:
        raise InputError(
            "the per-database histories are in different formats: " + ", ".join(sorted(formats)),
            path=legacy_dir,
            hint="convert each database's history separately",
        )
    format_name = formats.pop()
    rows = align(histories)
    migrations = [next(m for m in variants.values() if m is not None) for variants in rows]
    if options.code_migrations == "error":
        _refuse_code(migrations)

    existing = read_existing(out_dir)
    fold: baseline.Fold | None = None
    reuse = False
    folded_notes: list[str] = []
    if request is not None:
        cut = baseline.find_cut(migrations, request.version, legacy_dir)
        covered, migrations = migrations[: cut + 1], migrations[cut + 1 :]
        on_disk = match(existing, covered)
        fold = baseline.fold_existing(
            existing, on_disk.get(cut), covered, request.version, options.force
        )
        reuse = baseline.reusable(on_disk.get(cut), covered, dialects[0], request, options.force)
        migrations.insert(
            0, baseline.build(covered, dialects[0], request, folded_notes, reuse=reuse)
        )
        rows = [{dialects[0]: m} for m in migrations]
    matched = match(existing, migrations)
    ids = revision_ids(migrations, options.rev_id, taken=existing.ids())
    for i, found in matched.items():
        ids[i] = found.revision  # a revision keeps its id: databases are stamped with it
    dates = [migration_date(m, options.date_from) for m in migrations]
    names = file_names(migrations, dates)
    kept = {  # hand edits (unless --force), and adopted revisions: theirs now, always kept
        i: found
        for i, found in matched.items()
        if (found.state == EDITED and not options.force) or found.state == ADOPTED
    }
    if reuse:  # the baseline on disk already is this one (baseline.reusable)
        kept[0] = matched[0]
        folded_notes.append(
            f"versions/{matched[0].name} is the baseline of these legacy files and data choice "
            "already: kept as it is, not rebuilt (--force rebuilds it)"
        )
    for i, found in kept.items():
        names[i] = found.name
    clash = set(names) & set(existing.foreign)
    if clash:
        raise OutputError(
            f"a revision file of the existing directory has the same name: {sorted(clash)[0]}",
            path=out_dir / "versions",
            hint="rename the existing file, or convert into another directory",
        )
    _refuse_insertions(migrations, matched)
    removed = {r.name for r in fold.removed} if fold is not None else set()
    stale = sorted(
        r.name
        for r in existing.ours.values()
        if r not in matched.values() and r.name not in removed
    )

    result = ConvertResult(out=out_dir, format=format_name, plans=[])
    result.notes.extend(folded_notes)
    result.callbacks = {d: h[2] for d, h in histories.items()}
    _changed_reruns(migrations, matched, result)
    graph = fold.graph(existing) if fold is not None else existing
    base_down = _chain_start(graph, matched, ids, set(stale) | removed, options, result)

    # data files of very large scripts (converter.bulk) are written here while planning, on
    # the output's file system so that moving them into place is a rename
    try:
        spool = staging_dir(
            _existing_parent(out_dir) or Path(tempfile.gettempdir()), f".{out_dir.name}.data."
        )
    except OSError as exc:
        raise write_error(exc, out_dir, "cannot write output") from None
    previous: dict[str | None, str] = {}  # module -> its last revision so far
    remaining = existing.ids() - {existing.revisions[n].revision for n in (*stale, *removed)}

    def down_of(i: int, module: str | None) -> str | tuple[str, ...] | None:
        """Where revision i hangs: a converted revision keeps the parent it has on disk (it
        is never re-pointed, least of all at a native revision) unless that parent is gone;
        the first new one goes after the current head (`_chain_start`)."""
        found = matched.get(i)
        if i == 0 and fold is not None and fold.repoint:
            return fold.down  # the baseline takes the place of the revisions it folds
        if found is not None:
            down = found.file.down_revision
            parents = (down,) if isinstance(down, str) else down or ()
            if all(d in remaining for d in parents):
                return down
        elif not options.modules and (i == 0 or i - 1 in matched):
            return base_down  # the first new one: after the current head
        if module in previous:
            return previous[module]
        return base_down

    tasks = []
    first_of_module = set()
    for i, m in enumerate(migrations):
        if options.modules and m.module not in previous:
            first_of_module.add(i)
        tasks.append(
            PlanTask(
                variants=rows[i],
                revision=ids[i],
                down_revision=down_of(i, m.module),
                filename=names[i],
                date=dates[i],
                style=options.style,
                spool=spool if len(dialects) == 1 else None,
            )
        )
        previous[m.module] = ids[i]
    # revisions are rendered a few hundred at a time while the rest is planned (the plans
    # of module branches only at the end: their dependencies need every plan)
    streaming = not options.modules
    revisions: dict[str, str] = {}
    pending: list[RevisionPlan] = []

    def render_pending() -> None:
        for p, text in zip(pending, render_revisions(pending), strict=True):
            revisions[f"versions/{p.filename}"] = text
        pending.clear()

    try:
        for i, variants in enumerate(plan_all(tasks, options.jobs or default_jobs())):
            plan = next(p for p in variants.values() if p is not None)
            if len(dialects) > 1:
                plan = dataclasses.replace(
                    plan, variants=variants, missing_variant=options.missing_variant
                )
                plan.merge_variant_stats()
            if i in first_of_module:
                plan.branch_labels = (str(migrations[i].module),)
            result.plans.append(plan)
            result.warnings.extend(plan.stats.sqlglot_log)
            if streaming and i not in kept:
                pending.append(plan)
                if len(pending) >= RENDER_CHUNK:
                    render_pending()
            if progress is not None:
                progress(i + 1, len(migrations))
        if options.modules:
            _module_dependencies(result.plans, declared, set(ids) | existing.ids())
            pending.extend(p for i, p in enumerate(result.plans) if i not in kept)
        render_pending()
        result.warnings.extend(plan_warnings(result.plans))

        files: dict = dict(revisions)
        revisions.clear()
        for i, p in enumerate(result.plans):
            if p.data_file is not None:
                files[f"versions/{p.data_file.name}"] = p.data_file
            _keep_code_source(p, names[i], files, kept.get(i), result)
        files.update(scaffold_files(out_dir, result.warnings))
        versions = {m.version: ids[i] for i, m in enumerate(migrations)}
        files.update(callback_files(out_dir, result.callbacks, result.warnings, versions))

        if options.before_base and existing.foreign:
            if options.modules:
                raise UsageError("--before-base cannot be combined with --modules")
            _repoint_base(existing, ids[-1], files, result)

        moves = _moves(matched, kept, names, stale, result)
        if fold is not None:
            _fold_moves(fold, out_dir, moves, result)
        _companion_moves(moves, out_dir)
        _check_result(existing, files, moves, options, out_dir)
        changed = {}
        for rel, text in files.items():
            current = out_dir / rel
            if not isinstance(text, str):
                same = (
                    current.exists()
                    and current.stat().st_size == text.size
                    and _sha256(current) == text.sha256
                )
            else:
                same = current.exists() and current.read_text(encoding="utf-8") == text
            if same:
                result.unchanged.append(rel)
            else:
                changed[rel] = text
                result.written.append(rel)

        ini = out_dir.parent / "alembic.ini"
        if not ini.exists():
            result.alembic_ini = ini
        if options.dry_run or options.check:
            return result
        left = clean_stale_staging(out_dir, _existing_parent(out_dir))
        if left:
            result.notes.append(
                f"removed {len(left)} staging folder(s) that a killed run left beside the "
                "output: " + ", ".join(p.name for p in left)
            )
        if changed or moves:
            write_tree(out_dir, changed, moves=moves)
        if result.alembic_ini is not None:
            template = (
                resources.files("converter")
                .joinpath("templates", "alembic.ini.mako")
                .read_text(encoding="utf-8")
            )
            write_file(ini, Template(template).render(script_location=out_dir.resolve().name))
        return result
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _changed_reruns(
    migrations: list[LegacyMigration], matched: dict[int, OnDisk], result: ConvertResult
) -> None:
    """Name each converted migration that the legacy tool runs again when it changes (a
    Flyway repeatable, a Liquibase runOnChange changeset) and that changed since: its
    revision is rewritten, so new databases get the new SQL, but a database already past it
    does not run it again under Alembic, as the legacy tool would."""
    for i, found in matched.items():
        m, record = migrations[i], found.file.legacy
        flyway = m.kind is Kind.REPEATABLE and m.format == "flyway"
        on_change = "runOnChange" in m.notes and "runAlways" not in m.notes
        if not (flyway or on_change) or record is None or not isinstance(record.sha256, str):
            continue
        if record.sha256 != m.checksum and found.state != EDITED:
            tool = "Flyway" if flyway else "Liquibase"
            result.warnings.append(
                f"{m.name}: changed since it was converted; {tool} would run it again on "
                f"databases that already ran it, `alembic upgrade` does not (their "
                f"alembic_version is at or past {found.revision}, rewritten with the new SQL "
                "for new databases): to change those too, write a new revision after the head "
                f"that runs the new SQL (the upgrade of versions/{found.name})"
            )


def _module_dependencies(
    plans: list[RevisionPlan], declared: dict[str, list[str]], known: set[str]
) -> None:
    """depends_on between module branches: declared with --depends, or found where a
    module's migration references a table that another module's migration creates."""
    creator: dict[str, RevisionPlan] = {}
    for plan in plans:
        for table in plan.creates:
            creator.setdefault(table, plan)
    modules = {str(p.migration.module) for p in plans}
    for module in declared:
        if module not in modules:
            raise UsageError(
                f"--depends names an unknown module {module!r}",
                hint="known modules: " + ", ".join(sorted(modules)),
            )
    covered: dict[str, set[str]] = {}
    for plan in plans:
        module = str(plan.migration.module)
        seen = covered.setdefault(module, set())
        needs: list[str] = []
        if plan.branch_labels:
            for rev in declared.get(module, []):
                if rev not in known:
                    raise UsageError(
                        f"--depends {module}:{rev}: no such revision",
                        hint="use a revision id of the converted output",
                    )
                needs.append(rev)
        for table in sorted(plan.references):
            owner = creator.get(table)
            if owner is not None and owner.migration.module != module:
                needs.append(owner.revision)
        needs = [r for r in dict.fromkeys(needs) if r not in seen]
        if needs:
            plan.depends_on = tuple(needs)
            seen.update(needs)


def _refuse_code(migrations: list[LegacyMigration]) -> None:
    """`--code-migrations error`: a code migration that cannot be read stops the run."""
    unread = [m for m in migrations if m.placeholder]
    if unread:
        more = f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""
        raise InputError(
            f"{unread[0].placeholder}{more}",
            path=unread[0].path,
            hint="rewrite it as an SQL migration, or convert without --code-migrations error "
            "to get a placeholder revision to port by hand",
        )


def _keep_code_source(
    plan: RevisionPlan,
    name: str,
    files: dict,
    kept: OnDisk | None,
    result: ConvertResult,
) -> None:
    """A placeholder's original code goes beside its revision; it is listed while it is
    still a placeholder (a revision kept as edited by hand may hold the port)."""
    m = plan.migration
    if not m.placeholder:
        return
    files[f"versions/{source_file_name(name, m.script)}"] = m.up[0].text
    if kept is None or awaiting_port(kept.text):
        result.placeholders.append(f"versions/{name} ({m.name})")


def _fold_moves(
    fold: baseline.Fold, out_dir: Path, moves: dict[str, str | None], result: ConvertResult
) -> None:
    """The revisions the baseline now covers are removed (with their data files)."""
    for r in fold.removed:
        moves[f"versions/{r.name}"] = None
        result.folded.append(f"versions/{r.name}")
        data = f"versions/{data_file_name(r.name)}"
        if (out_dir / data).is_file():
            moves[data] = None
    if result.folded:
        result.notes.append(f"folded into the baseline (removed): {', '.join(result.folded)}")


def _companion_moves(moves: dict[str, str | None], out_dir: Path) -> None:
    """The kept source of a placeholder (`<stem>.go.txt`) goes where its revision goes."""
    for rel, target in list(moves.items()):
        for language in CODE_LANGUAGES:
            companion = f"{rel.removesuffix('.py')}.{language}.txt"
            if companion not in moves and (out_dir / companion).is_file():
                moves[companion] = (
                    None if target is None else f"{target.removesuffix('.py')}.{language}.txt"
                )


def _refuse_insertions(migrations: list[LegacyMigration], matched: dict[int, OnDisk]) -> None:
    """A legacy migration that is new but sorts before one converted already cannot be
    appended in its place: databases past that point would never run it."""
    if not matched:
        return
    last = max(matched)
    inserted = [i for i in range(last) if i not in matched]
    if inserted:
        m = migrations[inserted[0]]
        raise InputError(
            f"legacy migration {m.name} is new but comes before {migrations[last].name}, which "
            f"was converted already ({matched[last].name}): databases past that point would never "
            "run it",
            path=m.path,
            hint="give it a version after the last converted migration (the legacy tools refuse "
            "out-of-order migrations too), or convert into a new directory",
        )


def _chain_start(
    existing: Existing,
    matched: dict[int, OnDisk],
    ids: list[str],
    stale: set[str],
    options: ConvertOptions,
    result: ConvertResult,
) -> str | None:
    """Where the first revision without one on disk goes: after the current single head of
    the directory (a native revision written since the last conversion included: the order
    in which things happened), or at base. Several heads are refused."""
    if options.before_base or options.modules:
        return None
    heads = existing.heads(without=stale)
    if not heads:
        return None
    if len(heads) > 1:
        raise OutputError(
            f"the existing Alembic directory has several heads: {', '.join(heads)}",
            path=existing.root,
            hint="merge them first (`alembic merge heads`), then convert again",
        )
    head = heads[0]
    last_ours = ids[max(matched)] if matched else None
    if head == last_ours:
        return head
    if len(matched) < len(ids):
        result.chained_after = head
        if last_ours is not None:
            result.notes.append(
                f"new legacy migrations go after {head}, the current head (revisions were added "
                f"after the last converted one, {last_ours}): they run in the order things happened"
            )
    return head


def _moves(
    matched: dict[int, OnDisk],
    kept: dict[int, OnDisk],
    names: list[str],
    stale: list[str],
    result: ConvertResult,
) -> dict[str, str | None]:
    """Files of ours to remove or move: an old name whose revision is written under a new
    one (never left beside its replacement), and revisions no legacy migration produces any
    more (moved to stale/, content kept)."""
    moves: dict[str, str | None] = {}
    for i, found in sorted(matched.items()):
        if i in kept:
            if found.state == EDITED:
                result.kept_edits.append(f"versions/{found.name}")
            continue
        if found.state == EDITED:
            result.overwritten_edits.append(f"versions/{found.name}")
        if found.name != names[i]:
            moves[f"versions/{found.name}"] = None
            result.renamed.append((f"versions/{found.name}", f"versions/{names[i]}"))
    for name in stale:
        moves[f"versions/{name}"] = f"stale/{name}"
        result.moved_stale.append(f"versions/{name}")
    if result.kept_edits:
        result.notes.append(
            "kept as edited by hand (pass --force to regenerate them): "
            + ", ".join(result.kept_edits)
        )
    if result.moved_stale:
        result.warnings.append(
            "no legacy migration produces these revisions any more; moved to stale/ (content "
            "kept): " + ", ".join(result.moved_stale)
        )
    return moves


def _check_result(
    existing: Existing,
    files: dict[str, object],
    moves: dict[str, str | None],
    options: ConvertOptions,
    out_dir: Path,
) -> None:
    """The directory as it would be after this run must load in Alembic: no cycle, no
    dangling down_revision, no duplicate id, no more heads than before."""
    before = existing.heads() if existing.revisions else []
    final: dict[str, RevisionFile] = {
        n: r.file for n, r in existing.revisions.items() if f"versions/{n}" not in moves
    }
    for rel, text in files.items():
        if rel.startswith("versions/") and rel.endswith(".py") and isinstance(text, str):
            name = rel.split("/", 1)[1]
            final[name] = read_revision_file(out_dir / rel, text)
    limit = max(1, len(before))
    if options.modules:
        limit = len(final) or 1  # module branches are heads by design
    check_graph(list(final.values()), out_dir, limit)


def _repoint_base(
    existing: Existing, last: str, files: dict[str, str], result: ConvertResult
) -> None:
    """--before-base: the one base of the existing (native) history now comes after the last
    converted revision. The only time converter changes a file it did not write, on request."""
    bases = [r for r in existing.foreign.values() if r.file.down_revision in (None, last)]
    if len(bases) != 1:
        raise OutputError(
            f"--before-base needs exactly one base revision in the existing directory, found {len(bases)}",
            hint="merge the existing bases first",
        )
    name, text = bases[0].name, bases[0].text
    new = DOWN_REVISION_RE.sub(lambda m: f"down_revision = {last!r}", text, count=1)
    new = re.sub(r"^Revises:[ \t]*$", f"Revises: {last}", new, count=1, flags=re.M)
    if new != text:
        files[f"versions/{name}"] = new
        result.repointed = name


def _existing_parent(path: Path) -> Path | None:
    """The nearest existing folder above `path` (None: the system's temporary folder)."""
    for parent in path.resolve().parents:
        if parent.is_dir():
            return parent
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
