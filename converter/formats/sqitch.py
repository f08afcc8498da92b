"""Sqitch: `sqitch.plan` lists the changes in deploy order; each change `name` has
`deploy/name.sql` (the up), `revert/name.sql` (the down) and `verify/name.sql` (ignored).

The plan is authoritative: changes run in plan order, whatever their dates. The plan rules
mirror sqitch 1.3's `App::Sqitch::Plan`: pragmas (`%project=...`) until the first blank
line, then change lines `name [deps] 2021-04-22T10:00:00Z Planner Name <email> # note` and
tag lines `@tag ...`. A change name may repeat once a tag has come between (a "reworked"
change): the earlier instance's scripts are `deploy/name@tag.sql`, where the tag is the first
of the tags that follow it (newest change first, then its own tags) whose file exists, else
the first of them. `sqitch.conf` (git-config syntax) may move the plan and the script
directories and names the engine, which gives each migration its dialect.

Sqitch hands each script whole to the database's own client (psql, mysql, sqlite3), and the
scripts usually hold their own `BEGIN; ... COMMIT;`; the text is kept as it is. A revert
that holds nothing but the `sqitch add` template (comments, `BEGIN;`, `COMMIT;`) reverts
nothing: such a change has no down.

Over 600 lines: the plan parser, the file reader and the registry reader (`# -- the tracking
table`) of one tool, kept together so each tool reads in one place; the plan parser is the
part to move out first if the module grows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    iter_files,
    read_source,
    relname,
    sql_script,
)
from converter.formats.tracking import (
    VERSIONED,
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    columns_by_name,
    find_table,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script, strip_sql_comments
from converter.textio import read_text

PLAN_FILE = "sqitch.plan"
CONF_FILE = "sqitch.conf"

# sqitch's name rule: no leading/trailing punctuation, no blanks, `:`, `@`, `#` or `\`, and
# no `~N`, `^N`, `/N`, `=N`, `%N` (symbolic references) inside
_PUNCT = re.escape("-!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~")
NAME = rf"(?![{_PUNCT}])(?:(?![~/=%^][0-9]+(?:$|[ \t]))[^ \t:@#\\])+(?<![{_PUNCT}])\b"
NAME_RE = re.compile(rf"\A{NAME}\Z")
BLANK_OR_COMMENT = re.compile(r"\A[ \t]*(?:#[ \t]*(?P<note>.+)|$)")
INLINE_NOTE = re.compile(r"[ \t]*(?:#[ \t]*(?P<note>.*))?$")
PRAGMA = re.compile(
    rf"\A[ \t]*%[ \t]*(?P<name>[^{_PUNCT}](?:[^ \t=]*?[^{_PUNCT} \t])?)"
    r"(?:[ \t]*=[ \t]*(?P<value>.+))?\Z"
)
TIMESTAMP = r"(?P<yr>\d{4})-(?P<mo>\d{2})-(?P<dy>\d{2})T(?P<hr>\d{2}):(?P<mi>\d{2}):(?P<sc>\d{2})Z"
TIMESTAMP_RE = re.compile(TIMESTAMP)
PLAN_LINE = re.compile(
    rf"^[ \t]*(?:(?P<tag>@)|[ \t]*(?P<operator>[+-])[ \t]*)?(?P<name>{NAME})[ \t]*"
    r"(?:\[(?P<deps>[^\]]+)\][ \t]*)?"
    rf"(?:{TIMESTAMP}[ \t]*)?"
    r"(?:(?P<planner>[^<]+)[ \t]+<(?P<email>[^>]+)>)?$"
)
DEPENDENCY = re.compile(
    rf"\A(?P<conflicts>!?)(?:(?P<project>{NAME}):)?"
    rf"(?:(?P<id>[0-9a-f]{{40}})|(?P<change>{NAME})(?:@(?P<tag>{NAME}))?|@(?P<tagonly>{NAME}))\Z"
)
RESERVED = {"ROOT", "HEAD"}
SHA1_LIKE = re.compile(r"^[0-9a-f]{40}")

# git-config, as far as sqitch.conf needs it
CONF_SECTION = re.compile(r'^\[\s*(?P<section>[^\]\s"]+)(?:\s+"(?P<sub>(?:[^"\\]|\\.)*)")?\s*\]')
CONF_ENTRY = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_-]*)\s*(?:=\s*(?P<value>.*))?$")

ENGINE_DIALECTS = {
    "pg": "postgresql",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
}

# statements a `sqitch add` template holds around its "-- XXX Add DDLs here." comment
TRANSACTION_ONLY = re.compile(
    r"(?:begin(?:\s+(?:work|transaction))?|start\s+transaction|commit(?:\s+(?:work|transaction))?"
    r"|end(?:\s+transaction)?|rollback)?",
    re.IGNORECASE,
)
OWN_TRANSACTION = re.compile(
    r"^\s*(?:begin(?:\s+(?:work|transaction))?|start\s+transaction)\s*;",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass
class Dependency:
    text: str
    conflicts: bool
    project: str | None
    key: str  # change, change@tag, @tag or a change id
    is_id: bool = False


@dataclass
class PlanChange:
    name: str
    line: int
    timestamp: datetime
    note: str
    requires: list[Dependency] = field(default_factory=list)
    conflicts: list[Dependency] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    rework_tags: list[str] = field(default_factory=list)  # set when a later line reworks it
    operator: str | None = None


@dataclass
class Plan:
    project: str | None = None
    pragmas: dict[str, str] = field(default_factory=dict)
    changes: list[PlanChange] = field(default_factory=list)


@dataclass
class Layout:
    """Where sqitch looks for things, from sqitch.conf (paths relative to the project root)."""

    engine: str | None
    plan_file: Path
    deploy_dir: Path
    revert_dir: Path
    reworked_deploy_dir: Path
    reworked_revert_dir: Path
    extension: str


class PlanError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


# -- sqitch.conf -------------------------------------------------------------------------------


def read_config(text: str) -> dict[str, str]:
    """sqitch.conf as flat `section.subsection.key` -> value (section and key lower-cased)."""
    values: dict[str, str] = {}
    prefix = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        m = CONF_SECTION.match(line)
        if m:
            prefix = m["section"].lower()
            if m["sub"] is not None:  # [section "subsection"]; [section.subsection] also works
                prefix += "." + re.sub(r"\\(.)", r"\1", m["sub"])
            line = line[m.end() :].strip()
            if not line or line[0] in "#;":
                continue
        m = CONF_ENTRY.match(line)
        if m and prefix:
            values[f"{prefix}.{m['key'].lower()}"] = _config_value(m["value"])
    return values


def _config_value(raw: str | None) -> str:
    if raw is None:
        return "true"
    out, quoted, i = [], False, 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(raw):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[i], raw[i]))
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()


def layout_from_config(config: dict[str, str]) -> Layout:
    """Resolve sqitch's settings the way its Target does: target, then engine, then core."""
    engine = config.get("core.engine")
    target = config.get(f"engine.{engine}.target") if engine else None
    target = target or config.get("core.target")
    if target and not target.startswith("db:"):
        uri = config.get(f"target.{target}.uri", "")
        if not engine and uri.startswith("db:"):
            engine = uri[3:].split(":", 1)[0] or None
    elif target and not engine:
        engine = target[3:].split(":", 1)[0] or None

    def fetch(key: str) -> str | None:
        for scope in (
            f"target.{target}" if target else None,
            f"engine.{engine}" if engine else None,
            "core",
        ):
            if scope and config.get(f"{scope}.{key}"):
                return config[f"{scope}.{key}"]
        return None

    top = Path(fetch("top_dir") or ".")
    reworked = Path(fetch("reworked_dir") or top)
    return Layout(
        engine=engine,
        plan_file=Path(fetch("plan_file") or top / PLAN_FILE),
        deploy_dir=Path(fetch("deploy_dir") or top / "deploy"),
        revert_dir=Path(fetch("revert_dir") or top / "revert"),
        reworked_deploy_dir=Path(fetch("reworked_deploy_dir") or reworked / "deploy"),
        reworked_revert_dir=Path(fetch("reworked_revert_dir") or reworked / "revert"),
        extension=fetch("extension") or "sql",
    )


# -- sqitch.plan -------------------------------------------------------------------------------


def parse_plan(text: str) -> Plan:
    """Parse a plan as sqitch does; PlanError (with the 1-based line) where sqitch would fail."""
    plan = Plan()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    body_start = _parse_pragmas(lines, plan)
    if not plan.project:
        raise PlanError("missing %project pragma; add `%project=<name>` at the top", None)

    named: dict[str, PlanChange] = {}  # latest instance of each change name
    since_tag: dict[str, int] = {}  # changes declared since the last tag -> line
    seen: dict[str, int] = {}  # changes and @tags before the last tag -> line
    prev: PlanChange | None = None
    for index in range(body_start, len(lines)):
        number, raw = index + 1, lines[index]
        if BLANK_OR_COMMENT.match(raw):
            continue
        m = INLINE_NOTE.search(raw)
        assert m is not None  # the pattern can match the empty end of any line
        note = (m["note"] or "").strip()
        line = raw[: m.start()]
        p = _plan_line(line, number)
        if p["tag"]:
            _add_tag(p, prev, seen, since_tag, number)
            continue
        change = _new_change(p, note, number)
        if change.name in since_tag:
            raise PlanError(
                f'change "{change.name}" repeats its declaration on line {since_tag[change.name]} '
                "with no tag between; a change may only be reworked after a tag",
                number,
            )
        _check_requires(change, plan.project, seen, since_tag)
        duped = named.get(change.name)
        if duped is not None:
            _mark_reworked(plan.changes, duped)
        since_tag[change.name] = number
        named[change.name] = change
        plan.changes.append(change)
        prev = change
    return plan


def _parse_pragmas(lines: list[str], plan: Plan) -> int:
    """Read the pragma header; returns the index of the first line after it."""
    for index, raw in enumerate(lines):
        blank = BLANK_OR_COMMENT.match(raw)
        if blank:
            if not blank["note"]:
                return index + 1
            continue
        m = INLINE_NOTE.search(raw)
        assert m is not None
        line = raw[: m.start()]
        p = PRAGMA.match(line)
        if not p:
            raise PlanError(
                "not a pragma; a blank line must come between the %pragmas and the changes",
                index + 1,
            )
        if p["name"] == "project":
            if not NAME_RE.match(p["value"] or ""):
                raise PlanError(f"invalid project name {p['value']!r}", index + 1)
            plan.project = p["value"]
        plan.pragmas[p["name"]] = p["value"] or "1"
    return len(lines)


def _plan_line(line: str, number: int) -> dict[str, str | None]:
    m = PLAN_LINE.match(line)
    p = m.groupdict() if m else {}
    if not p.get("name") or (not p.get("yr") and TIMESTAMP_RE.search(line)):
        raise PlanError(
            f"cannot read plan line {line.strip()!r}: names must not begin or end with "
            'punctuation nor contain "@", ":", "#", "\\" or blanks; a change line reads '
            "`name [deps] 2021-04-22T10:00:00Z Planner Name <email> # note`",
            number,
        )
    if not p["yr"] and not p["planner"]:
        raise PlanError("missing timestamp and planner name and email", number)
    if not p["yr"]:
        raise PlanError("missing timestamp (YYYY-MM-DDTHH:MM:SSZ)", number)
    if not p["planner"]:
        raise PlanError("missing planner name and email (`Name <email>`)", number)
    name = p["name"] or ""
    if name in RESERVED:
        raise PlanError(f'"{"@" if p["tag"] else ""}{name}" is a reserved name', number)
    if SHA1_LIKE.match(name):
        raise PlanError(f'"{name}" could be confused with a SHA1 ID; rename it', number)
    return p


def _add_tag(
    p: dict[str, str | None],
    prev: PlanChange | None,
    seen: dict[str, int],
    since_tag: dict[str, int],
    number: int,
) -> None:
    name = p["name"] or ""
    if "/" in name:
        raise PlanError(f'tag "{name}" contains "/"', number)
    if prev is None:
        raise PlanError(f'tag "@{name}" comes before any change', number)
    if "@" + name in seen:
        raise PlanError(f'tag "@{name}" repeats its declaration on line {seen["@" + name]}', number)
    if p["deps"]:
        raise PlanError("tags may not have dependencies", number)
    _timestamp(p, number)  # sqitch refuses an impossible date on a tag line too
    prev.tags.append(name)
    seen.update(since_tag)
    seen["@" + name] = number
    since_tag.clear()


def _timestamp(p: dict[str, str | None], number: int) -> datetime:
    """The plan's UTC timestamp, as a naive datetime like the other readers' dates."""
    year, month, day, hour, minute, second = (
        int(p[k] or 0) for k in ("yr", "mo", "dy", "hr", "mi", "sc")
    )
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError as exc:
        raise PlanError(f"invalid timestamp: {exc}", number) from None


def _new_change(p: dict[str, str | None], note: str, number: int) -> PlanChange:
    change = PlanChange(
        name=p["name"] or "",
        line=number,
        timestamp=_timestamp(p, number),
        note=note,
        operator=p["operator"],
    )
    written: set[str] = set()
    for text in (p["deps"] or "").split():
        d = DEPENDENCY.match(text)
        if not d:
            raise PlanError(f'"{text}" is not a valid dependency', number)
        if text in written:
            raise PlanError(f'duplicate dependency "{text}"', number)
        written.add(text)
        key = (
            d["id"]
            or ((d["change"] or "") + ("@" + d["tag"] if d["tag"] else ""))
            or "@" + d["tagonly"]
        )
        dep = Dependency(text, bool(d["conflicts"]), d["project"], key, is_id=bool(d["id"]))
        (change.conflicts if dep.conflicts else change.requires).append(dep)
    return change


def _check_requires(
    change: PlanChange, project: str, seen: dict[str, int], since_tag: dict[str, int]
) -> None:
    """sqitch's check_changes: every requirement in this project must come earlier."""
    for dep in change.requires:
        if dep.project is not None and dep.project != project:
            continue
        if dep.project is None and dep.is_id:  # an id may name a change of any project
            continue
        if "@" in dep.key[1:]:
            name, tag = dep.key.split("@", 1)
            if "@" + tag in seen and name in seen and seen[name] < seen["@" + tag]:
                continue
        elif dep.key in seen or dep.key in since_tag:
            continue
        what = (
            "itself" if dep.key == change.name else f'"{dep.key}", which is not declared before it'
        )
        raise PlanError(f'change "{change.name}" requires {what}; fix the plan order', change.line)


def _mark_reworked(changes: list[PlanChange], duped: PlanChange) -> None:
    """The tags sqitch searches for the earlier instance's `name@tag` scripts, in its order."""
    tags: list[str] = []
    for earlier in reversed(changes):
        if earlier is duped:
            break
        tags.extend(earlier.tags)
    duped.rework_tags = tags + duped.tags


# -- the reader --------------------------------------------------------------------------------


# -- the tracking table ----------------------------------------------------------------------------


class SqitchTrackingReader(TrackingReader):
    """The registry `sqitch` (a schema on PostgreSQL, a database on MySQL, the file
    `sqitch.<ext>` beside a SQLite database); its `changes` table holds the deployed changes."""

    def registry(self, options: TrackingOptions) -> str:
        return options.registry or options.table or "sqitch"

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        registry = self.registry(options)
        dialect = conn.dialect.name
        if dialect == "sqlite":
            path = sqlite_registry_path(options.url, registry)
            if path is None or not path.is_file():
                return []
            return [
                Location(
                    self.tool,
                    "changes",
                    registry,
                    ("change_id", "change", "project", "committed_at"),
                )
            ]
        if dialect == "postgresql":
            if registry not in sa.inspect(conn).get_schema_names():
                return []
        elif not conn.execute(
            sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": registry},
        ).first():
            return []
        loc = find_table(conn, f"{registry}.changes")
        if loc is None:
            return []
        missing = [
            c for c in ("change", "project", "committed_at") if c not in columns_by_name(loc)
        ]
        problem = (
            f"{registry}.changes is not a Sqitch registry table (no {', '.join(missing)})"
            if missing
            else None
        )
        return [Location(self.tool, loc.table, registry, loc.columns, problem)]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        if conn.dialect.name == "sqlite":
            path = sqlite_registry_path(options.url, loc.schema or "sqitch")
            assert path is not None
            engine = sa.create_engine(
                f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool
            )
            try:
                with engine.connect() as reg:
                    found = find_table(reg, "changes")
                    if found is None:
                        return TrackingState(self.tool, str(path))
                    rows = select_rows(
                        reg,
                        Location(self.tool, found.table, None, found.columns),
                        ["change_id", "change", "project", "script_hash", "committed_at"],
                        order=["committed_at"],
                    )
            finally:
                engine.dispose()
            where = f"{path.name} (Sqitch registry beside the database)"
        else:
            rows = select_rows(
                conn,
                loc,
                ["change_id", "change", "project", "script_hash", "committed_at"],
                order=["committed_at"],
            )
            where = loc.qualified
        state = TrackingState(self.tool, where)
        projects = sorted({str(r["project"]) for r in rows})
        project = options.project
        if project is None and len(projects) > 1:
            state.refusals.append(
                (
                    f"the Sqitch registry {where} holds several projects ({', '.join(projects)}) and "
                    "which one this history is cannot be told",
                    "pass --legacy-dir (its sqitch.plan names the project)",
                )
            )
            return state
        state.applied = [
            Applied(
                str(r["change"]),
                str(r["change"]),
                r.get("script_hash"),
                VERSIONED,
                r["committed_at"],
            )
            for r in rows
            if project is None or r["project"] == project
        ]
        if project is not None and projects and project not in projects:
            state.notes.append(
                f"the Sqitch registry has no change of project {project} (it has {', '.join(projects)})"
            )
        return state


def sqlite_registry_path(url: str | None, registry: str) -> Path | None:
    """Sqitch on SQLite keeps its registry in `<registry><ext>` beside the target file."""
    if url is None:
        return None
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        return None
    if Path(registry).is_absolute():
        return Path(registry)
    target = Path(database)
    return target.with_name(registry + target.suffix)


class SqitchFormat(LegacyFormat):
    name = "sqitch"
    title = "Sqitch plan and deploy/revert scripts"
    tracking_tables = ("sqitch.*",)  # the registry schema (default name); `changes` in it
    tracking_reader = SqitchTrackingReader

    def detect(self, root: Path) -> int:
        if (root / PLAN_FILE).is_file():
            return 100
        conf = root / CONF_FILE
        if conf.is_file():
            try:
                layout = layout_from_config(read_config(read_text(conf)))
            except Exception:  # noqa: BLE001 - a broken conf is still evidence, just weaker
                return 60
            return 100 if (root / layout.plan_file).is_file() else 60
        return 0

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        layout = self._layout(root, options, result)
        plan_path = root / layout.plan_file
        if not plan_path.is_file():
            result.error(
                "no-plan",
                f"no {layout.plan_file.as_posix()}: a Sqitch project needs its plan file",
                plan_path,
            )
            return result
        try:
            plan = parse_plan(read_source(plan_path, options))
        except PlanError as exc:
            result.error("plan-syntax", exc.message, plan_path, exc.line)
            return result

        dialect = ENGINE_DIALECTS.get(layout.engine or "")
        used: set[Path] = set()
        for index, change in enumerate(plan.changes):
            migration = self._migration(
                root, layout, plan, index, change, dialect, options, result, used
            )
            if migration is not None:
                result.migrations.append(migration)
        self._check_unplanned(root, layout, used, plan_path, result)
        return result

    def _layout(self, root: Path, options: ReadOptions, result: Scan) -> Layout:
        conf = root / CONF_FILE
        layout = layout_from_config(
            read_config(read_source(conf, options)) if conf.is_file() else {}
        )
        if layout.engine and layout.engine not in ENGINE_DIALECTS:
            result.warn(
                "unsupported-engine",
                f"sqitch engine {layout.engine!r} is none of pg, mysql, sqlite: the scripts are "
                "written for a database the converter does not target",
                conf,
            )
        dialect = ENGINE_DIALECTS.get(layout.engine or "")
        if options.dialect and dialect and options.dialect != dialect:
            result.warn(
                "dialect-mismatch",
                f"sqitch.conf says engine {layout.engine!r} ({dialect}) but {options.dialect} was asked for",
                conf,
            )
        return layout

    def _migration(
        self,
        root: Path,
        layout: Layout,
        plan: Plan,
        index: int,
        change: PlanChange,
        dialect: str | None,
        options: ReadOptions,
        result: Scan,
        used: set[Path],
    ) -> LegacyMigration | None:
        plan_path = root / layout.plan_file
        deploy = root / _script_path(root, layout, change, "deploy")
        if not deploy.is_file():
            result.error(
                "missing-script",
                f'plan line {change.line} names change "{change.name}" but its deploy script '
                f"{relname(root, deploy)} is missing; restore it or remove the line",
                plan_path,
                change.line,
            )
            return None
        revert = root / _script_path(root, layout, change, "revert")
        used.update((deploy, revert))
        up = sql_script(root, deploy, options)
        down: tuple[Script, ...] = ()
        if revert.is_file():
            text = read_source(revert, options)
            if not _template_only(text):
                down = (Script("sql", text, revert, relname(root, revert)),)
        if up.file is None and _template_only(up.text) and not up.is_blank:
            result.warn(
                "template-only-deploy",
                f'deploy script of "{change.name}" holds only the sqitch template (no statements)',
                deploy,
            )
        if change.operator == "-":
            result.warn(
                "revert-operator",
                f'"-{change.name}": sqitch ignores the `-` operator and deploys the change anyway',
                plan_path,
                change.line,
            )
        return LegacyMigration(
            format=self.name,
            version=change.name,
            description=change.note or change.name,
            kind=Kind.VERSIONED,
            up=(up,),
            down=down,
            transactional=any(
                OWN_TRANSACTION.search(strip_sql_comments(piece)) for piece in up.pieces()
            ),
            date=change.timestamp,
            sort_key=(index,),
            depends=tuple(_depends(change, plan, result, plan_path)),
            dialect=dialect,
            batch=True,
            tool_checksum=_sha1(deploy),
            notes=_notes(change, plan),
        )

    def _check_unplanned(
        self, root: Path, layout: Layout, used: set[Path], plan_path: Path, result: Scan
    ) -> None:
        for folder in {root / layout.deploy_dir, root / layout.reworked_deploy_dir}:
            if not folder.is_dir():
                continue
            for path in iter_files(folder, recursive=True):
                if path.name.endswith("." + layout.extension) and path not in used:
                    result.warn(
                        "unplanned-script",
                        f"deploy script is not in {plan_path.name}; sqitch never runs it: "
                        "add it to the plan (sqitch add) or remove it",
                        path,
                    )


def _script_path(root: Path, layout: Layout, change: PlanChange, kind: str) -> Path:
    """sqitch's path_segments: `name.sql`, or `name@tag.sql` for an instance reworked later."""
    parts = change.name.split("/")
    ext = "." + layout.extension
    if not change.rework_tags:
        base = layout.deploy_dir if kind == "deploy" else layout.revert_dir
        return base.joinpath(*parts[:-1], parts[-1] + ext)
    base = layout.reworked_deploy_dir if kind == "deploy" else layout.reworked_revert_dir
    names = [f"{parts[-1]}@{tag}{ext}" for tag in change.rework_tags]
    # the choice is made in the deploy directory and used for the revert script too
    chosen = next(
        (n for n in names if (root / layout.reworked_deploy_dir).joinpath(*parts[:-1], n).exists()),
        names[0],
    )
    return base.joinpath(*parts[:-1], chosen)


def _sha1(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha1").hexdigest()


def _template_only(text: str) -> bool:
    """True when a script holds nothing but comments and transaction control."""
    return all(
        TRANSACTION_ONLY.fullmatch(part.strip()) for part in strip_sql_comments(text).split(";")
    )


def _depends(change: PlanChange, plan: Plan, result: Scan, plan_path: Path) -> list[str]:
    depends = []
    for dep in change.requires:
        if dep.project is not None and dep.project != plan.project:
            result.warn(
                "external-dependency",
                f'change "{change.name}" requires {dep.text} from another Sqitch project; '
                "deploy that project first: the converted history cannot express it",
                plan_path,
                change.line,
            )
            continue
        depends.append(dep.key)
    return depends


def _notes(change: PlanChange, plan: Plan) -> tuple[str, ...]:
    notes = [f"project {plan.project}"]
    notes += [f"conflicts {dep.text}" for dep in change.conflicts]
    notes += [
        f"requires {dep.text}" for dep in change.requires if dep.project not in (None, plan.project)
    ]
    notes += [f"tag @{tag}" for tag in change.tags]
    if change.rework_tags:
        notes.append("reworked later")
    return tuple(notes)


FORMAT = SqitchFormat()
