"""Planning: each legacy migration becomes a RevisionPlan, pure data ready to render.

For every statement of the up (and down) sources: transaction control is removed and
counted; statements that cannot run in a transaction go into an autocommit block; with
`style="ops"` the rest is parsed and translated to Alembic operations where that is provably
lossless, else kept verbatim. The downgrade comes from the legacy down when there is one,
else from the exact inverse of the upgrade's operations, else it raises naming the file.

Planning writes nothing. The one exception to "everything is held in the plan" is given by the
caller: the data statements of a very large script (a 100 MB seed) are handed, as they are
split, to the `DataSpool` the caller passes (convert's writes the revision's data file), so
they never sit in memory; the plan keeps the ranges (`DataRange`) that point into it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlglot import exp

from converter.bookkeeping import CREATE, SKIP, Bookkeeping, classify
from converter.bulk import BULK_SCRIPT_CHARS, DataFile, DataRange, DataSpool
from converter.formats.code_source import CODE_LANGUAGES, placeholder_error, source_file_name
from converter.model import DOWN_SKIPPED, WARNING, LegacyMigration, Script
from converter.parse import is_dml, parse_with_reason, sqlglot_log
from converter.split import Statement, StatementKind, iter_statements
from converter.textio import TextFile, script_source
from converter.translate import Rendered, render_ops, reverse, translate

STYLES = ("ops", "sql")


@dataclass
class Block:
    """One piece of a revision body, in execution order."""

    kind: str  # "ops" | "sql" | "python" | "data"
    ops: list = field(default_factory=list)  # alembic MigrateOperation objects
    statement: Statement | None = None  # where the block came from (sql and ops)
    autocommit: bool = False
    script: Script | None = None  # python: the legacy script and its entry function
    data: DataRange | None = None  # data: statements kept in the revision's data file (bulk.py)
    rendered: Rendered | None = None  # ops: the Python the translation was proven with
    bookkeeping: Bookkeeping | None = None  # sql: a statement on a tracking table (bookkeeping.py)

    @property
    def skipped(self) -> bool:
        """A statement the converted history never runs (on alembic_version)."""
        return self.bookkeeping is not None and self.bookkeeping.action == SKIP


@dataclass
class Body:
    """An upgrade() or downgrade() body."""

    blocks: list[Block] = field(default_factory=list)
    source: str = "legacy"  # legacy | inverse | python | empty | none
    error: str | None = None  # set when the body must raise instead (no downgrade known)
    note: str | None = None  # a comment rendered at the top of the body

    @property
    def has_python(self) -> bool:
        return any(b.kind == "python" for b in self.blocks)


@dataclass
class Stats:
    ops: int = 0  # structured Alembic operations emitted
    verbatim: int = 0  # statements kept as written
    unparsed: int = 0  # of which sqlglot could not structure (or refused, see parse.py)
    autocommit: int = 0  # statements run outside a transaction
    removed: int = 0  # transaction-control statements removed (Alembic owns the transaction)
    bookkeeping: int = 0  # statements on migration tracking tables (converter.bookkeeping)
    # where: "file:line: why" for each statement kept verbatim because it did not parse (up
    # and down), and sqlglot's own log records about statements that did ("file:line: ...")
    unparsed_at: list[str] = field(default_factory=list)
    sqlglot_log: list[str] = field(default_factory=list)

    COUNTS = ("ops", "verbatim", "unparsed", "autocommit", "removed", "bookkeeping")

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.COUNTS}


@dataclass
class RevisionPlan:
    migration: LegacyMigration
    revision: str
    down_revision: str | tuple[str, ...] | None
    filename: str
    date: datetime
    upgrade: Body
    downgrade: Body
    dialect: str
    branch_labels: tuple[str, ...] | None = None
    depends_on: tuple[str, ...] | None = None
    stats: Stats = field(default_factory=Stats)
    creates: set[str] = field(default_factory=set)  # tables its upgrade creates
    references: set[str] = field(default_factory=set)  # tables its upgrade uses otherwise
    # several dialects: each one's plan of this revision (None: no variant for that dialect)
    variants: dict[str, RevisionPlan | None] | None = None
    missing_variant: str = "error"  # what a database without a variant gets: error | skip
    data_file: DataFile | None = None  # data statements of a very large script (bulk.py)

    def bookkeeping(self) -> list[Block]:
        """The statements on tracking tables, over every variant, upgrade then downgrade."""
        plans = [p for p in (self.variants or {}).values() if p is not None] or [self]
        return [
            b
            for p in plans
            for body in (p.upgrade, p.downgrade)
            for b in body.blocks
            if b.bookkeeping is not None
        ]

    def alembic_version_values(self) -> list[str]:
        """The values the legacy files write into alembic_version (never run by Alembic)."""
        values = [v for b in self.bookkeeping() if b.skipped for v in b.bookkeeping.values]  # type: ignore[union-attr]
        return list(dict.fromkeys(values))

    def merge_variant_stats(self) -> None:
        """With variants: the statistics, tables and downgrade source over all variants."""
        if not self.variants:
            return
        present = [p for p in self.variants.values() if p is not None]
        self.stats = Stats(**{k: sum(getattr(p.stats, k) for p in present) for k in Stats.COUNTS})
        for p in present:
            self.stats.unparsed_at.extend(p.stats.unparsed_at)
            self.stats.sqlglot_log.extend(p.stats.sqlglot_log)
        self.creates = set().union(*(p.creates for p in present))
        self.references = set().union(*(p.references for p in present))
        sources = sorted({p.downgrade.source for p in present})
        self.downgrade = Body(source=sources[0] if len(sources) == 1 else "+".join(sources))

    def slim(self) -> RevisionPlan:
        """The plan as rendering needs it, small and picklable: every operations block keeps
        its rendered Python (rendered here when it has none yet: an inverse) instead of the
        operation objects, and statements drop their tokens (`Statement.slim`). Rendering
        a slimmed plan gives the same text."""
        for p in [self, *(v for v in (self.variants or {}).values() if v is not None)]:
            for body in (p.upgrade, p.downgrade):
                for b in body.blocks:
                    if b.kind == "ops":
                        if b.rendered is None:
                            imports: set[str] = set()
                            code = render_ops(b.ops, imports)
                            b.rendered = Rendered(code, frozenset(imports))
                        b.ops = []
                    if b.statement is not None:
                        b.statement = b.statement.slim()
        return self

    def to_json(self) -> dict:
        m = self.migration
        extra = {}
        if self.variants:
            extra["variants"] = {
                d: (p.migration.name if p else None) for d, p in self.variants.items()
            }
        return {
            "revision": self.revision,
            "down_revision": self.down_revision,
            "file": self.filename,
            "legacy_version": m.version,
            "legacy_file": m.name,
            "description": m.description,
            "transactional": m.transactional,
            "downgrade": self.downgrade.source,
            **({"code": m.code} if m.code else {}),
            **({"placeholder": m.placeholder} if m.placeholder else {}),
            **self.stats.to_json(),
            "unparsed_statements": self.stats.unparsed_at,
            **extra,
        }


DML_TARGET = re.compile(
    r"^\s*(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"\[]?(\w+)", re.I
)
REFERENCES = re.compile(r"\bREFERENCES\s+[`\"\[]?(\w+)", re.I)


@dataclass
class Tables:
    """Tables a body creates and tables it otherwise uses (for module dependencies)."""

    creates: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)

    def note(self, st: Statement, expr) -> None:
        if expr is None:
            m = DML_TARGET.match(st.text)
            # a data statement has no REFERENCES clause: its (maybe huge) text is not searched
            found = {m.group(1)} if m else set(REFERENCES.findall(st.text))
            self.references.update(t.lower() for t in found)
            return
        created = None
        if isinstance(expr, exp.Create) and (expr.args.get("kind") or "").upper() == "TABLE":
            table = expr.find(exp.Table)
            if table is not None:
                created = table.name.lower()
                self.creates.add(created)
        for table in expr.find_all(exp.Table):
            if table.name and table.name.lower() != created:
                self.references.add(table.name.lower())


def runs_outside_transaction(st: Statement, m: LegacyMigration) -> bool:
    """Whether a statement runs outside a transaction: one the database refuses inside a
    transaction block, or any statement of a migration the legacy tool ran without one. The
    legacy replay (`apply.py`) runs the legacy files by the same rule."""
    return st.no_transaction or not m.transactional


def plan_body(
    scripts: tuple[Script, ...], m: LegacyMigration, dialect: str, style: str, stats: Stats,
    tables: Tables | None = None, spool: DataSpool | None = None,
) -> Body:  # fmt: skip
    tables = tables if tables is not None else Tables()
    body = Body()
    with sqlglot_log() as log:
        for script in scripts:
            _plan_script(script, m, dialect, style, stats, tables, spool, body, log)
    return body


def _plan_script(
    script: Script, m: LegacyMigration, dialect: str, style: str, stats: Stats, tables: Tables,
    spool: DataSpool | None, body: Body, log: list[str],
) -> None:  # fmt: skip
    if script.language == "python":
        body.blocks.append(Block("python", script=script))
        body.source = "python"
        return
    source = script_source(script)
    large = isinstance(source, TextFile) or len(source) >= BULK_SCRIPT_CHARS
    # statements are split (and planned) a few megabytes at a time
    for st in iter_statements(script, dialect, source):
        if st.kind is StatementKind.TRANSACTION:
            stats.removed += 1
            continue
        autocommit = runs_outside_transaction(st, m)
        keeping = classify(st)
        if keeping is not None:  # a tracking table: verbatim, run as bookkeeping.py says
            stats.bookkeeping += 1
            stats.verbatim += 1
            body.blocks.append(
                Block(
                    "sql",
                    statement=st,
                    autocommit=autocommit and keeping.action != SKIP,  # never run
                    bookkeeping=keeping,
                )
            )
            if keeping.action == CREATE:
                tables.note(st, None)
            continue
        # big data statements need no tree: classified from their leading tokens
        dml = is_dml(st)
        if dml and large and spool is not None and not autocommit:
            tables.note(st, None)
            stats.verbatim += 1
            new_run = not body.blocks or body.blocks[-1].kind != "data"
            run = spool.add(st, new_run)
            if run is not None:
                body.blocks.append(Block("data", data=run))
            continue
        expr, why = (None, "") if dml else parse_with_reason(st, dialect)
        where = f"{script.name}:{st.line}"
        if expr is None and not dml:
            stats.unparsed += 1
            stats.unparsed_at.append(f"{where}: {why}")
            log.clear()  # sqlglot's complaint about it says no more than that
        tables.note(st, expr)
        ops = None
        if style == "ops" and expr is not None and not autocommit:
            ops = translate(expr, dialect, st.text, st.tokens)
        if autocommit:
            stats.autocommit += 1
        if ops:
            stats.ops += len(ops)
            body.blocks.append(
                Block("ops", ops=list(ops), statement=st, rendered=getattr(ops, "rendered", None))
            )
        else:
            stats.verbatim += 1
            body.blocks.append(Block("sql", statement=st, autocommit=autocommit))
        stats.sqlglot_log.extend(f"{where}: sqlglot: {record}" for record in log)
        log.clear()


def plan_downgrade(
    m: LegacyMigration,
    upgrade: Body,
    dialect: str,
    style: str,
    spool: DataSpool | None = None,
    log: Stats | None = None,  # receives where the down's statements did not parse
) -> Body:
    if m.down:
        down_stats = Stats()
        down = plan_body(m.down, m, dialect, style, down_stats, spool=spool)
        if log is not None:
            log.unparsed_at.extend(down_stats.unparsed_at)
            log.sqlglot_log.extend(down_stats.sqlglot_log)
        if not down.blocks and down.source != "python":
            down.source = "empty"
            down.note = f"the legacy down ({m.down[0].name}) is declared empty: nothing to undo"
        return down
    if not upgrade.blocks:
        return Body(
            source="empty", note="the legacy migration holds no statements: nothing to undo"
        )
    run = [b for b in upgrade.blocks if not b.skipped]
    if not run:
        return Body(
            source="empty",
            note="the legacy migration only writes alembic_version, which the converted history "
            "never runs: nothing to undo",
        )
    skipped = next(
        (n.removeprefix(DOWN_SKIPPED) for n in m.notes if n.startswith(DOWN_SKIPPED)), None
    )
    if all(b.kind == "ops" for b in run):
        forward = [op for b in run for op in b.ops]
        inverse = reverse(forward, dialect)
        if inverse is not None:
            note = None
            if skipped is not None:  # the legacy down ran nothing: say where this one comes from
                note = f"{m.name}: {skipped}; this downgrade is the exact inverse of the upgrade"
            return Body(blocks=[Block("ops", ops=list(inverse))], source="inverse", note=note)
    if skipped is not None:
        return Body(
            source="none",
            error=f"legacy migration {m.name}: {skipped}, and its upgrade cannot be inverted "
            "exactly; write this downgrade by hand if you need it",
        )
    return Body(
        source="none",
        error=f"legacy migration {m.name} has no down migration and its statements cannot be "
        "inverted exactly; write this downgrade by hand if you need it",
    )


def plan_revision(
    m: LegacyMigration,
    *,
    revision: str,
    down_revision: str | tuple[str, ...] | None,
    filename: str,
    date: datetime,
    dialect: str,
    style: str = "ops",
    spool: DataSpool | None = None,
) -> RevisionPlan:
    """With `spool`, the data statements of a very large legacy script go to it (the
    revision's data file, `plan.data_file`, see converter.bulk) instead of the revision."""
    if m.placeholder is not None:
        return _placeholder_plan(m, revision, down_revision, filename, date, dialect)
    stats = Stats()
    tables = Tables()
    upgrade = plan_body(m.up, m, dialect, style, stats, tables, spool)
    if not upgrade.blocks:
        upgrade.source = "empty"
        upgrade.note = "the legacy migration holds no statements (kept to hold its number)"
    downgrade = plan_downgrade(m, upgrade, dialect, style, spool, stats)
    return RevisionPlan(
        migration=m,
        revision=revision,
        down_revision=down_revision,
        filename=filename,
        date=date,
        upgrade=upgrade,
        downgrade=downgrade,
        dialect=dialect,
        stats=stats,
        creates=tables.creates,
        references=tables.references - tables.creates,
        data_file=spool.close() if spool is not None else None,
    )


def _placeholder_plan(
    m: LegacyMigration,
    revision: str,
    down_revision: str | tuple[str, ...] | None,
    filename: str,
    date: datetime,
    dialect: str,
) -> RevisionPlan:
    """A code migration that could not be read: both directions raise until it is ported."""
    source = source_file_name(filename, m.script)
    error = placeholder_error(m.name or m.version, m.placeholder or "", source)
    note = f"PLACEHOLDER: port {m.name} ({CODE_LANGUAGES.get(m.script, m.script)}) by hand"
    return RevisionPlan(
        migration=m,
        revision=revision,
        down_revision=down_revision,
        filename=filename,
        date=date,
        upgrade=Body(source="placeholder", error=error, note=note),
        downgrade=Body(source="placeholder", error=error, note=note),
        dialect=dialect,
    )


def plan_warnings(plans: list[RevisionPlan]) -> list[str]:
    """`file:line: what happens` for every legacy statement on a migration tracking table,
    and every leniency of the legacy tool the readers followed (a `warning:` note)."""
    lines: dict[str, None] = {}  # variants of several databases often share the statement
    for plan in plans:
        for n in plan.migration.notes:
            if n.startswith(WARNING):
                lines[n.removeprefix(WARNING)] = None
        for block in plan.bookkeeping():
            st, keeping = block.statement, block.bookkeeping
            assert st is not None and keeping is not None
            lines[f"{st.name}:{st.line}: {keeping.describe()}"] = None
    return list(lines)
