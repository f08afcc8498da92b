"""yoyo-migrations: one file per migration, `<id>.sql` or `<id>.py`, directly in the directory.

    20240101_01_abcde-create-plans.sql            -- depends: / -- transactional: false
    20240101_01_abcde-create-plans.rollback.sql   its rollback
    20240101_02_fghij-seed.py                     steps = [step("INSERT ...", "DELETE ...")]

The id is the file name without its extension (`yoyo new` makes `<date>_<nn>_<random>-<slug>`);
`_yoyo_migration` stores sha256(id). Files are read in name order, then sorted topologically
by their dependencies: yoyo always runs the ready migration that comes first by name. SQL
migrations declare `-- depends: a b` and `-- transactional: false` in the comments at the top of
the file only; yoyo splits the file into statements (one step each) and runs `<id>.rollback.sql`
in file order to roll back. Python migrations set `__depends__` / `__transactional__` and
register steps with `step(apply, rollback)`: strings are SQL sent as one statement, functions get
the DB-API connection. Scripts are parsed with `ast`, never imported. `post-apply*` files are
hooks run after every apply, not migrations.

Over 600 lines: SQL and Python migrations (`PythonSteps` reads `step(...)` calls) and the
tracking-table reader of one tool; the Python step reader is the part to move out first if
the module grows.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    check_not_dangling,
    date_from_version,
    describe,
    file_head,
    read_source,
    relname,
    sql_script,
)
from converter.formats.python_script import parse_python, syntax_problem
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    select_rows,
)
from converter.model import WARNING, Kind, LegacyMigration, Scan, Script

GENERATED_ID = re.compile(
    r"^(?P<prefix>.*?)(?P<date>\d{8})_(?P<number>\d+)_(?P<random>[A-Za-z0-9]{5})(?:-(?P<slug>.+))?$"
)
LEADING_DIGITS = re.compile(r"^\d+")
NUMBER_PREFIX = re.compile(r"^\d+[._\-]*")
# yoyo's own patterns (yoyo/migrations.py parse_metadata_from_sql_comments)
DIRECTIVE = re.compile(r"^\s*--\s*(transactional|depends)\s*:\s*(.*)$")
DIRECTIVE_ANY_CASE = re.compile(r"^\s*--\s*(transactional|depends)\s*:", re.IGNORECASE)
COMMENT_OR_EMPTY = re.compile(r"^(\s*|\s*--.*)$")
YOYO_IMPORT = re.compile(r"^\s*(from\s+yoyo\s+import|import\s+yoyo)\b", re.MULTILINE)
TEMPFILE_PREFIX = "_tmp_yoyonew"  # yoyo new's editor files, which yoyo skips
ROLLBACK_SUFFIX = ".rollback.sql"
POST_APPLY = "post-apply"


@dataclass(eq=False)  # identity: group() removes these very steps
class _Step:
    """One `step(apply, rollback, ignore_errors)` call of a Python migration."""

    apply: Script | None
    rollback: Script | None
    ignore_errors: str | None = None


@dataclass(eq=False)
class _Group:
    items: list = field(default_factory=list)


@dataclass
class Candidate:
    """A migration file as loaded, before ordering."""

    id: str
    path: Path
    up: tuple[Script, ...] = ()
    down: tuple[Script, ...] = ()
    depends: list[tuple[str, int]] = field(default_factory=list)  # (id, line)
    transactional: bool = True
    batch: bool = False
    notes: list[str] = field(default_factory=list)
    doc: str = ""

    @property
    def is_sql(self) -> bool:
        return self.path.suffix == ".sql"


class StepError(Exception):
    """A Python migration whose steps cannot be read without running it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


# -- ordering -------------------------------------------------------------------------------------


def topological_order(ids: list[str], depends: dict[str, set[str]]) -> tuple[list[str], list[str]]:
    """yoyo's topological_sort: repeatedly take the first ready id in input order.

    Returns (ordered, unresolved): `unresolved` holds the ids caught in or behind a cycle, in
    input order (yoyo names them all in its error).
    """
    known = set(ids)
    waiting = {m: {d for d in depends.get(m, ()) if d in known} for m in ids}
    done: set[str] = set()  # a migration depending on itself never gets ready: a cycle
    ordered: list[str] = []
    remaining = list(ids)
    while True:
        ready = next((m for m in remaining if waiting[m] <= done), None)
        if ready is None:
            break
        ordered.append(ready)
        done.add(ready)
        remaining.remove(ready)
    return ordered, remaining


# -- SQL migrations -------------------------------------------------------------------------------


def sql_metadata(text: str, path: Path, result: Scan) -> tuple[dict[str, tuple[str, int]], str]:
    """The directives and the leading comment of an SQL migration, as yoyo reads them.

    Only the comment lines before the first SQL line count; a directive written later is ignored
    by yoyo (warned here). Repeated directives are joined with a space, as yoyo does.
    """
    directives: dict[str, tuple[str, int]] = {}
    comments: list[str] = []
    lines = text.split("\n")
    body_start = len(lines)
    for number, line in enumerate(lines, start=1):
        m = DIRECTIVE.match(line)
        if m:
            key, value = m[1], m[2]
            if key in directives:
                old, first = directives[key]
                directives[key] = (f"{old} {value}", first)
            else:
                directives[key] = (value, number)
        elif COMMENT_OR_EMPTY.match(line):
            if DIRECTIVE_ANY_CASE.match(line):
                result.warn(
                    "directive-case",
                    f"yoyo reads only lower-case directives: {line.strip()!r} is a plain comment; "
                    "write it in lower case",
                    path,
                    number,
                )
            comments.append(line.strip().lstrip("-").strip())
        else:
            body_start = number
            break
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        if DIRECTIVE_ANY_CASE.match(line):
            result.warn(
                "directive-ignored",
                f"{line.strip()!r} comes after the first SQL line: yoyo reads directives only in the "
                "comments at the top of the file, so it ignores this one; move it up",
                path,
                number,
            )
    doc = next((c for c in comments if c), "")
    return directives, doc


def load_sql(candidate: Candidate, root: Path, options: ReadOptions, result: Scan) -> bool:
    path = candidate.path
    text = read_source(path, options)
    directives, candidate.doc = sql_metadata(text, path, result)
    value, line = directives.get("transactional", ("true", 0))
    flag = {"true": True, "false": False}.get(value.lower())
    if flag is None:
        result.error(
            "bad-directive",
            f"`-- transactional: {value}`: yoyo accepts only true or false (and fails on this file)",
            path,
            line,
        )
        return False
    candidate.transactional = flag
    depends, line = directives.get("depends", ("", 0))
    candidate.depends = [(d, line) for d in dict.fromkeys(depends.split())]
    candidate.up = (Script("sql", text, path, relname(root, path)),)
    return True


# -- Python migrations ----------------------------------------------------------------------------


class PythonSteps:
    """Reads the steps a yoyo Python migration registers, from its syntax tree."""

    def __init__(self, tree: ast.Module, text: str, path: Path, name: str) -> None:
        self.text, self.path, self.name = text, path, name
        self.step_names = {"step"}
        self.group_names = {"group", "transaction"}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.strings: dict[str, tuple[str, int]] = {}
        self.env: dict[str, object] = {}
        self.collected: list[_Step | _Group] = []
        self.tree = tree

    def run(self) -> list[_Step]:
        for node in self.tree.body:
            self._statement(node)
        return self._flatten(self.collected)

    def _flatten(self, items: list) -> list[_Step]:
        out: list[_Step] = []
        for item in items:
            out += self._flatten(item.items) if isinstance(item, _Group) else [item]
        return out

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.ImportFrom) and node.module == "yoyo":
            for alias in node.names:
                if alias.name == "step":
                    self.step_names.add(alias.asname or alias.name)
                elif alias.name in ("group", "transaction"):
                    self.group_names.add(alias.asname or alias.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.functions[node.name] = node
        elif isinstance(node, ast.Expr):
            self._value(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = self._value(node.value)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    self.env[target.id] = value
                    if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                        self.strings[target.id] = (node.value.value, node.value.lineno)
        elif not isinstance(node, ast.ClassDef | ast.Import) and self._registers(node):
            raise StepError(
                "steps registered inside an if/for/with/try block depend on running the script: "
                "move the step() calls to the top level of the file",
                node.lineno,
            )

    def _registers(self, node: ast.AST) -> bool:
        return any(
            isinstance(n, ast.Call) and self._called(n) in self.step_names | self.group_names
            for n in ast.walk(node)
        )

    @staticmethod
    def _called(call: ast.Call) -> str | None:
        if isinstance(call.func, ast.Name):
            return call.func.id
        if isinstance(call.func, ast.Attribute):
            return call.func.attr
        return None

    def _value(self, node: ast.AST) -> object:
        if isinstance(node, ast.Call):
            called = self._called(node)
            if called in self.step_names:
                return self._step(node)
            if called in self.group_names:
                return self._group(node)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return [self._value(e) for e in node.elts]
        if isinstance(node, ast.Name):
            return self.env.get(node.id)
        for child in ast.iter_child_nodes(node):
            self._value(child)
        return None

    def _group(self, node: ast.Call) -> _Group:
        members: list = []
        for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "steps")]:
            value = self._value(arg)
            members += value if isinstance(value, list) else [value]
        group = _Group([m for m in members if isinstance(m, _Step | _Group)])
        for member in group.items:
            if member in self.collected:
                self.collected.remove(member)
        self.collected.append(group)
        return group

    def _step(self, node: ast.Call) -> _Step:
        args = dict(zip(("apply", "rollback", "ignore_errors"), node.args, strict=False))
        args.update({k.arg: k.value for k in node.keywords if k.arg})
        apply = self._script(args.get("apply"), node)
        rollback = self._script(args.get("rollback"), node)
        ignore = args.get("ignore_errors")
        ignore_value = ignore.value if isinstance(ignore, ast.Constant) else None
        step = _Step(apply, rollback, ignore_value if isinstance(ignore_value, str) else None)
        self.collected.append(step)
        return step

    def _script(self, node: ast.AST | None, call: ast.Call) -> Script | None:
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return None
        sql = self._string(node)
        if sql is not None:
            text, line = sql
            return Script("sql", text, self.path, self.name, line=line, split=False)
        if isinstance(node, ast.Name) and node.id in self.functions:
            return Script("python", self.text, self.path, self.name, entry=node.id, calling="dbapi")
        what = "a lambda" if isinstance(node, ast.Lambda) else f"`{ast.unparse(node)}`"
        raise StepError(
            f"step() gets {what}: only SQL string literals and functions defined with `def` at the "
            "top level of the file can be converted without running the script",
            getattr(node, "lineno", call.lineno),
        )

    def _string(self, node: ast.AST) -> tuple[str, int] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, node.lineno
        if isinstance(node, ast.Name) and node.id in self.strings:
            return self.strings[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._string(node.left), self._string(node.right)
            if left is not None and right is not None:
                return left[0] + right[0], left[1]
        return None


def _module_constant(tree: ast.Module, name: str) -> tuple[object, int] | None:
    """The literal value assigned to a module-level `name`, with its line; ValueError if not literal."""
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            found = (ast.literal_eval(node.value), node.lineno)
    return found


def load_python(candidate: Candidate, root: Path, options: ReadOptions, result: Scan) -> bool:
    path = candidate.path
    text = read_source(path, options)
    try:
        tree = parse_python(text, path)
    except SyntaxError as exc:
        result.error(
            "python-syntax",
            f"Python migration does not parse: {syntax_problem(exc)}; fix the script",
            path,
            exc.lineno,
        )
        return False
    candidate.doc = next(
        (line.strip() for line in (ast.get_docstring(tree) or "").split("\n") if line.strip()), ""
    )
    if not _python_metadata(candidate, tree, result):
        return False
    try:
        steps = PythonSteps(tree, text, path, relname(root, path)).run()
    except StepError as exc:
        result.error("python-step-unsupported", str(exc), path, exc.line)
        return False
    steps = [s for s in steps if s.apply is not None or s.rollback is not None]
    if not steps:
        # yoyo loads it all the same: a migration with no steps, recorded as applied
        message = (
            "the Python migration registers no steps (no step(...) call at the top level): yoyo "
            "applies it doing nothing and records it, and so does the revision (an empty "
            "upgrade); add its steps or remove the file if that is not what you meant"
        )
        result.warn("python-no-steps", message, path, 1)
        candidate.notes.append(f"{WARNING}{relname(root, path)}:1: {message}")
        candidate.up = (Script("sql", "", path, relname(root, path)),)  # names the file
        return True
    candidate.up = tuple(s.apply for s in steps if s.apply is not None)
    candidate.down = tuple(s.rollback for s in reversed(steps) if s.rollback is not None)
    scripts = candidate.up + candidate.down
    if any(s.language == "python" for s in scripts):
        candidate.notes.append("dbapi")
    candidate.batch = any(s.language == "sql" for s in scripts)
    for s in steps:
        if s.ignore_errors:
            candidate.notes.append(f"ignore_errors:{s.ignore_errors}")
            script = s.apply or s.rollback
            result.warn(
                "ignore-errors",
                f"a step has ignore_errors={s.ignore_errors!r}: yoyo carries on when it fails, the "
                "converted migration stops; check the step can fail harmlessly",
                path,
                script.line if script and script.language == "sql" else None,
            )
    return True


def _python_metadata(candidate: Candidate, tree: ast.Module, result: Scan) -> bool:
    path = candidate.path
    for name in ("__depends__", "__transactional__"):
        try:
            found = _module_constant(tree, name)
        except (ValueError, SyntaxError, TypeError):
            line = next(
                n.lineno
                for n in tree.body
                if isinstance(n, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
            )
            result.error(
                "bad-directive", f"{name} must be a literal value (it is computed)", path, line
            )
            return False
        if found is None:
            continue
        value, line = found
        if name == "__transactional__":
            candidate.transactional = bool(value)
            continue
        if isinstance(value, str):
            value = [value]
        elif value == {}:
            value = []  # `{}` is an empty dict, which yoyo reads as no dependencies
        if not isinstance(value, list | tuple | set | frozenset) or not all(
            isinstance(v, str) for v in value
        ):
            result.error(
                "bad-directive", "__depends__ must be a migration id or a set of ids", path, line
            )
            return False
        candidate.depends = (
            [(d, line) for d in sorted(value)]
            if isinstance(value, set | frozenset)
            else [(d, line) for d in dict.fromkeys(value)]
        )
    return True


# -- the reader -----------------------------------------------------------------------------------


def describe_id(migration_id: str, doc: str) -> str:
    m = GENERATED_ID.match(migration_id)
    if m and m["slug"]:
        return describe(m["slug"])
    if doc:
        return doc
    return describe(NUMBER_PREFIX.sub("", migration_id)) or migration_id


def id_date(migration_id: str) -> datetime | None:
    """The date `yoyo new` put in the id (after any prefix), else the id's leading digits."""
    generated = GENERATED_ID.match(migration_id)
    digits = generated["date"] if generated else LEADING_DIGITS.match(migration_id)
    if digits is None:
        return None
    return date_from_version(digits if isinstance(digits, str) else digits[0])


# -- the tracking table ----------------------------------------------------------------------------


class YoyoTrackingReader(TrackingReader):
    """`_yoyo_migration`: one row per applied migration; `migration_hash` = sha256(migration id)."""

    required = ("migration_hash", "migration_id")

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(
            conn,
            loc,
            ["migration_hash", "migration_id", "applied_at_utc"],
            order=["applied_at_utc"],
        )
        state = self.state(loc)
        for row in rows:
            mid = str(row["migration_id"])
            expected = yoyo_hash(mid)
            if str(row["migration_hash"]) != expected:
                state.refusals.append(
                    (
                        f"{loc.qualified}: migration_hash {row['migration_hash']} is not sha256({mid!r}); "
                        "yoyo would not recognise that row",
                        "check the table (was it edited by hand?), fix the row, then stamp again",
                    )
                )
                continue
            state.applied.append(Applied(mid, mid, order=row.get("applied_at_utc")))
        return state


def yoyo_hash(migration_id: str) -> str:
    return hashlib.sha256(migration_id.encode("utf-8")).hexdigest()


class YoyoFormat(LegacyFormat):
    name = "yoyo"
    title = "yoyo-migrations SQL and Python migrations"
    tracking_tables = ("_yoyo_migration",)
    tracking_companions = ("_yoyo_log", "_yoyo_version", "yoyo_lock")
    tracking_reader = YoyoTrackingReader

    def detect(self, root: Path) -> int:
        if (root / "yoyo.ini").is_file():
            return 100
        files = [p for p in root.iterdir() if p.is_file()]
        score = 0
        if (root.parent / "yoyo.ini").is_file() and any(p.suffix in (".sql", ".py") for p in files):
            score = 95
        for path in files:
            name = path.name
            if name.endswith(ROLLBACK_SUFFIX):
                score = max(score, 85)
            elif path.suffix == ".py" and YOYO_IMPORT.search(_head(path)):
                score = max(score, 90)
            elif path.suffix == ".sql" and _has_leading_directive(_head(path)):
                score = max(score, 80)
            elif path.suffix in (".sql", ".py") and GENERATED_ID.match(path.stem):
                score = max(score, 60)
        return score

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        candidates, rollbacks = self._files(root, result)
        loaded: dict[str, Candidate] = {}
        for candidate in candidates:
            if candidate.id in loaded:
                result.error(
                    "migration-conflict",
                    f"two migrations have the id {candidate.id!r} ({loaded[candidate.id].path.name} and "
                    f"{candidate.path.name}): yoyo refuses them; rename one",
                    candidate.path,
                )
                continue
            load = load_sql if candidate.is_sql else load_python
            if load(candidate, root, options, result):
                loaded[candidate.id] = candidate
        self._attach_rollbacks(root, loaded, rollbacks, options, result)
        self._emit(loaded, result)
        return result

    def _files(self, root: Path, result: Scan) -> tuple[list[Candidate], dict[str, Path]]:
        """yoyo's file rules: `.sql` / `.py` directly in the directory, in name order."""
        candidates: list[Candidate] = []
        rollbacks: dict[str, Path] = {}
        for path in sorted(root.iterdir(), key=lambda p: str(p)):
            if path.suffix in (".sql", ".py"):
                check_not_dangling(path)
            if path.is_dir():
                self._check_subdirectory(path, result)
                continue
            if path.suffix not in (".sql", ".py") or path.name.startswith(TEMPFILE_PREFIX):
                continue
            if path.name.startswith("."):
                result.warn(
                    "hidden-file",
                    "yoyo loads hidden .sql/.py files as migrations too; this one is skipped here: "
                    "remove it or rename it without the leading dot",
                    path,
                )
                continue
            if path.name.endswith(ROLLBACK_SUFFIX):
                rollbacks[path.name[: -len(ROLLBACK_SUFFIX)]] = path
                continue
            if path.stem.startswith(POST_APPLY):
                result.warn(
                    "post-apply-hook",
                    "yoyo runs post-apply hooks after every `yoyo apply`: it is not a migration and "
                    "is not converted; run what it does (grants, views) from your deploy instead",
                    path,
                )
                continue
            if path.name == "__init__.py" and not _has_steps(path):
                result.warn(
                    "init-file",
                    "yoyo loads __init__.py as a migration with id `__init__` and no steps (recorded "
                    "as applied, doing nothing); it is skipped here",
                    path,
                )
                continue
            candidates.append(Candidate(path.stem, path))
        return candidates, rollbacks

    @staticmethod
    def _check_subdirectory(path: Path, result: Scan) -> None:
        if path.name.startswith(".") or path.name == "__pycache__":
            return
        if any(p.suffix in (".sql", ".py") for p in path.rglob("*") if p.is_file()):
            result.warn(
                "nested-file",
                "yoyo reads only the files directly in the migrations directory: the migrations in "
                "this subdirectory are not read (list it as another source if they belong here)",
                path,
            )

    @staticmethod
    def _attach_rollbacks(
        root: Path,
        loaded: dict[str, Candidate],
        rollbacks: dict[str, Path],
        options: ReadOptions,
        result: Scan,
    ) -> None:
        for migration_id, path in rollbacks.items():
            candidate = loaded.get(migration_id)
            if candidate is None:
                if (
                    not (path.parent / f"{migration_id}.sql").exists()
                    and not (path.parent / f"{migration_id}.py").exists()
                ):
                    # yoyo skips .rollback.sql files when it lists migrations and reads one
                    # only beside its .sql migration: this one is never read, nothing refuses it
                    result.warn(
                        "down-without-up",
                        f"rollback file without its migration {migration_id}.sql: yoyo never "
                        "reads it, so it is left out; rename it to match its migration, or "
                        "remove it",
                        path,
                    )
                continue
            if not candidate.is_sql:
                result.warn(
                    "rollback-ignored",
                    f"yoyo reads .rollback.sql files only for SQL migrations; {candidate.path.name} is "
                    "Python, so this rollback is never run: put it in the steps' rollback",
                    path,
                )
                continue
            candidate.down = (sql_script(root, path, options),)

    @staticmethod
    def _emit(loaded: dict[str, Candidate], result: Scan) -> None:
        ids = list(loaded)
        for candidate in loaded.values():
            for dep, line in candidate.depends:
                if dep not in loaded:
                    result.error(
                        "unknown-dependency",
                        f"depends on {dep!r}, which is no migration here: yoyo cannot resolve it; "
                        "fix the id or add the migration",
                        candidate.path,
                        line or None,
                    )
        graph = {c.id: {d for d, _ in c.depends} for c in loaded.values()}
        ordered, unresolved = topological_order(ids, graph)
        if unresolved:
            result.error(
                "dependency-cycle",
                "circular dependencies among these migrations: "
                + ", ".join(unresolved)
                + "; yoyo cannot order them, remove one of the dependencies",
                loaded[unresolved[0]].path,
            )
        for index, migration_id in enumerate(ordered + unresolved):
            c = loaded[migration_id]
            result.migrations.append(
                LegacyMigration(
                    format=YoyoFormat.name,
                    version=c.id,
                    description=describe_id(c.id, c.doc),
                    kind=Kind.VERSIONED,
                    up=c.up,
                    down=c.down,
                    transactional=c.transactional,
                    date=id_date(c.id),
                    sort_key=(index,),
                    depends=tuple(d for d, _ in c.depends if d in loaded),
                    batch=c.batch,
                    notes=tuple(c.notes),
                )
            )


def _head(path: Path, size: int = 8192) -> str:
    return (
        file_head(path, size)
        .decode("utf-8", errors="replace")
        .lstrip("\ufeff")
        .replace("\r\n", "\n")
    )


def _has_leading_directive(text: str) -> bool:
    for line in text.split("\n"):
        if DIRECTIVE.match(line):
            return True
        if not COMMENT_OR_EMPTY.match(line):
            return False
    return False


def _has_steps(path: Path) -> bool:
    try:
        tree = parse_python(path.read_text(encoding="utf-8", errors="replace"), path)
    except SyntaxError:
        return True  # let the loader report it
    return any(
        isinstance(n, ast.Call) and PythonSteps._called(n) in ("step", "group", "transaction")
        for n in ast.walk(tree)
    )


FORMAT = YoyoFormat()
