"""sqlalchemy-migrate repositories: `migrate.cfg` and a `versions/` folder of scripts.

The repository root holds `migrate.cfg` (INI, section `[db_settings]`: `repository_id`, the
key of the repository's row in the tracking table; `version_table`; `required_dbs`) and
`versions/`. Every file in `versions/` whose name starts with at least three digits belongs
to the version those digits give, as an integer (`001` and `0001` are the same version);
the tool ignores every other file. A version holds at most one Python script
`NNN_desc.py`, defining `upgrade(migrate_engine)` and `downgrade(migrate_engine)`, and SQL
scripts `NNN[_desc]_<dbms>_<operation>.sql`: split on `_`, the last part is the operation
(`upgrade` / `downgrade`) and the one before it the database (a SQLAlchemy dialect name
such as `postgresql`, `mysql`, `sqlite`, or `default` for every database).

For each operation the tool runs the SQL script for the database it is connected to, else
the `default` SQL script, else the Python script. A SQL script runs in one transaction,
split into statements with comments stripped and `BEGIN`/`END`/`COMMIT` statements
skipped. Python scripts are parsed here, never imported: most use the old changeset API
(`Column(...).create(table)`, `Table(..., autoload=True)`, `migrate_engine.execute(...)`),
which cannot run on SQLAlchemy 2, and that is reported as an error naming the line. The
tool calls the functions with an Engine, so their Scripts say `calling="engine"`.

Over 600 lines: the repository reader, the tracking-table reader and the finder of the old
changeset API in Python scripts (`_LegacyApiFinder`, about 150 lines) of one tool; the finder
is the part to move out first if the module grows.
"""

from __future__ import annotations

import ast
import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.errors import InputError
from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    describe,
    iter_files,
    read_source,
    relname,
)
from converter.formats.python_script import python_functions
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    int_key,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script

CONFIG = "migrate.cfg"
VERSIONS = "versions"

VERSION_FILE = re.compile(r"^(?P<number>\d{3,})")  # the tool's own rule: at least 3 digits
SHORT_NUMBER = re.compile(r"^\d{1,2}(?!\d)[_\-.].*\.(sql|py)$", re.IGNORECASE)
PY_NAME = re.compile(r"^\d+_?(?P<desc>.*)\.py$")
TX_CONTROL = re.compile(
    r"^[ \t]*(BEGIN|COMMIT)([ \t]+(TRANSACTION|WORK))?[ \t]*;[ \t]*$", re.IGNORECASE | re.MULTILINE
)

OPERATIONS = ("upgrade", "downgrade")
DEFAULT_DBMS = "default"
# SQLAlchemy dialect names (engine.name), which is what the tool compares the file's <dbms> with
KNOWN_DBMS = frozenset(
    {
        "default",
        "postgresql",
        "postgres",
        "mysql",
        "mariadb",
        "sqlite",
        "oracle",
        "mssql",
        "firebird",
        "sybase",
        "ibm_db_sa",
        "drizzle",
        "access",
        "informix",
        "maxdb",
    }
)
DBMS_ALIASES = {"postgres": "postgresql"}  # SQLAlchemy < 0.6 called the dialect "postgres"


@dataclass(frozen=True)
class _SqlFile:
    path: Path
    dbms: str  # as written in the file name
    desc: str


@dataclass
class _Version:
    number: int
    python: Path | None = None
    sql: dict[str, dict[str, _SqlFile]] = field(default_factory=dict)  # dbms -> operation -> file
    ignored: list[Path] = field(default_factory=list)  # files of this version the tool never runs

    def first_path(self) -> Path:
        paths = [f.path for ops in self.sql.values() for f in ops.values()] + self.ignored
        if self.python is not None:
            paths.append(self.python)
        return min(paths)

    def has(self, operation: str) -> bool:
        return any(operation in ops for ops in self.sql.values())


@dataclass(frozen=True)
class _Source:
    """The script the tool picks for one operation of one version."""

    path: Path
    language: str  # "sql" | "python"
    dbms: str | None = None  # SQL only: the dialect, or "default"
    raw_dbms: str | None = None
    desc: str = ""

    @property
    def specific(self) -> bool:
        return self.language == "sql" and self.dbms != DEFAULT_DBMS


@dataclass
class _Config:
    repository_id: str | None = None
    version_table: str | None = None

    @property
    def notes(self) -> tuple[str, ...]:
        notes = []
        if self.repository_id:
            notes.append(f"repository_id={self.repository_id}")
        if self.version_table:
            notes.append(f"version_table={self.version_table}")
        return tuple(notes)


# -- the tracking table ----------------------------------------------------------------------------


class SqlalchemyMigrateTrackingReader(TrackingReader):
    """`migrate_version`: one row (the latest version) per repository."""

    required = ("repository_id", "version")

    def key(self, version: str) -> Any:
        return int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(conn, loc, ["repository_id", "repository_path", "version"])
        state = self.state(loc, latest_only=True)
        repos = {str(r["repository_id"]): r for r in rows}
        wanted = options.repository_id
        if wanted is None:
            if len(repos) > 1:
                state.refusals.append(
                    (
                        f"{loc.qualified} holds several repositories ({', '.join(sorted(repos))}) and which "
                        "one this history is cannot be told",
                        "pass --legacy-dir (its migrate.cfg names the repository_id)",
                    )
                )
                return state
            row = next(iter(repos.values()), None)
        else:
            row = repos.get(wanted)
            if row is None and repos:
                state.refusals.append(
                    (
                        f"{loc.qualified} has no row for repository {wanted!r} (it has {', '.join(sorted(repos))})",
                        "check --legacy-dir: its migrate.cfg repository_id must match the database's",
                    )
                )
                return state
        if row is not None and int(row["version"]) > 0:
            state.applied = [Applied(str(row["version"]), str(row["repository_id"]))]
        return state


class SqlalchemyMigrateFormat(LegacyFormat):
    name = "sqlalchemy-migrate"
    title = "sqlalchemy-migrate repository (migrate.cfg + versions/)"
    tracking_tables = ("migrate_version",)
    tracking_reader = SqlalchemyMigrateTrackingReader

    def detect(self, root: Path) -> int:
        config = root / CONFIG
        if not config.is_file():
            return 0
        try:
            marked = b"db_settings" in config.read_bytes()
        except OSError:
            marked = False
        if (root / VERSIONS).is_dir():
            return 100 if marked else 90
        return 50 if marked else 0  # read() then says what is missing

    def read(self, root: Path, options: ReadOptions) -> Scan:
        versions_dir = _repository(root)
        result = Scan(self.name, root)
        config = _read_config(root / CONFIG, options, result)
        versions = _collect(versions_dir, result)
        dialect = DBMS_ALIASES.get(options.dialect or "", options.dialect)
        for number in sorted(versions):
            migration = self._migration(root, versions[number], dialect, config, options, result)
            if migration is not None:
                result.migrations.append(migration)
        return result

    def _migration(
        self,
        root: Path,
        version: _Version,
        dialect: str | None,
        config: _Config,
        options: ReadOptions,
        result: Scan,
    ) -> LegacyMigration | None:
        picked = _pick_upgrade(version, dialect, result)
        if picked is None:
            return None
        up_source, dbms = picked
        down_source = _pick(version, "downgrade", dbms)
        notes = list(config.notes)
        _warn_postgres_alias(version, up_source, result)

        up: tuple[Script, ...] = ()
        down: tuple[Script, ...] = ()
        if up_source.language == "python" or (down_source and down_source.language == "python"):
            assert version.python is not None
            scripts = _python_scripts(root, version, up_source, down_source, options, result, notes)
            if scripts is None:
                return None
            up, down = scripts
        if up_source.language == "sql":
            up = (_sql_script(root, up_source, options, notes),)
        if down_source is not None and down_source.language == "sql":
            down = (_sql_script(root, down_source, options, notes),)

        number = str(version.number)
        specific = [s.dbms for s in (up_source, down_source) if s is not None and s.specific]
        return LegacyMigration(
            format=self.name,
            version=number,
            description=describe(_description(version, up_source)),
            kind=Kind.VERSIONED,
            up=up,
            down=down,
            date=date_from_version(number),
            sort_key=(version.number,),
            dialect=specific[0] if specific else None,
            batch=False,
            notes=tuple(dict.fromkeys(notes)),
        )


FORMAT = SqlalchemyMigrateFormat()


# -- the repository and its files ------------------------------------------------------------


def _repository(root: Path) -> Path:
    """The `versions/` folder of the repository at `root`; an InputError when it is not one."""
    if not (root / CONFIG).is_file():
        parent = root.resolve().parent
        if root.resolve().name == VERSIONS and (parent / CONFIG).is_file():
            raise InputError(
                "this is the versions/ folder of a sqlalchemy-migrate repository, not the repository",
                path=root,
                hint=f"give the repository root holding migrate.cfg instead: {parent}",
            )
        raise InputError(
            "not a sqlalchemy-migrate repository: no migrate.cfg here",
            path=root,
            hint="give the repository root, the folder holding migrate.cfg and versions/",
        )
    versions_dir = root / VERSIONS
    if not versions_dir.is_dir():
        raise InputError(
            "sqlalchemy-migrate repository has no versions/ folder",
            path=root,
            hint="the scripts live in versions/ next to migrate.cfg; give the right repository root",
        )
    return versions_dir


def _read_config(path: Path, options: ReadOptions, result: Scan) -> _Config:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_source(path, options), source=str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        result.error(
            "bad-config",
            f"migrate.cfg does not parse: {first}; fix it",
            path,
            getattr(exc, "lineno", None),
        )
        return _Config()
    if not parser.has_section("db_settings"):
        result.error(
            "bad-config",
            "migrate.cfg has no [db_settings] section; sqlalchemy-migrate reads repository_id "
            "and version_table from it",
            path,
        )
        return _Config()
    config = _Config(
        parser.get("db_settings", "repository_id", fallback="").strip() or None,
        parser.get("db_settings", "version_table", fallback="").strip() or None,
    )
    for key in ("repository_id", "version_table"):
        if getattr(config, key) is None:
            result.error(
                "bad-config",
                f"migrate.cfg [db_settings] has no {key}; sqlalchemy-migrate cannot run without "
                f"it: add the value the database's tracking table was created with",
                path,
            )
    return config


def _collect(versions_dir: Path, result: Scan) -> dict[int, _Version]:
    """The files of `versions/` grouped by version number, as the tool groups them."""
    if (versions_dir / "1").exists():
        result.error(
            "old-layout",
            "versions/1 exists: this is the pre-0.5 layout with one folder per version, which "
            "sqlalchemy-migrate refuses to load; convert the repository to NNN_*.py / *.sql files",
            versions_dir / "1",
        )
    versions: dict[int, _Version] = {}
    for path in iter_files(versions_dir):
        m = VERSION_FILE.match(path.name)
        if not m:
            if SHORT_NUMBER.match(path.name):
                result.warn(
                    "unmatched-file",
                    "sqlalchemy-migrate ignores this file: a script name must start with at "
                    "least three digits (001_...); rename it or remove it",
                    path,
                )
            continue
        number = int(m["number"])
        if path.name.endswith(".py"):
            version = versions.setdefault(number, _Version(number))
            if version.python is not None:
                result.error(
                    "duplicate-script",
                    f"version {number} has two Python scripts ({version.python.name} and "
                    f"{path.name}); sqlalchemy-migrate refuses to load the repository: keep one",
                    path,
                )
                continue
            version.python = path
        elif path.name.endswith(".sql"):
            _add_sql(versions, number, path, result)
        elif path.suffix.lower() in (".sql", ".py"):
            result.warn(
                "unmatched-file",
                f"sqlalchemy-migrate ignores this file: the extension must be lower-case "
                f"{path.suffix.lower()}; rename it",
                path,
            )
    return versions


def _add_sql(versions: dict[int, _Version], number: int, path: Path, result: Scan) -> None:
    base = path.name.replace(".sql", "")
    parts = base.split("_")
    bad_name = (
        "SQL script name must be NNN_description_<database>_<upgrade|downgrade>.sql "
        "(for example 001_add_users_postgresql_upgrade.sql); sqlalchemy-migrate refuses to "
        "load a repository holding this name: rename it"
    )
    if len(parts) < 3 or ("ibm_db_sa" in base and len(parts) != 6):
        result.error("bad-script-name", bad_name, path)
        return
    operation = parts[-1]
    if "ibm_db_sa" in base:
        dbms, desc = "ibm_db_sa", "_".join(parts[1:-4])
    else:
        dbms, desc = parts[-2], "_".join(parts[1:-2])
    version = versions.setdefault(number, _Version(number))
    if operation not in OPERATIONS:
        version.ignored.append(path)
        result.warn(
            "unmatched-file",
            f"operation {operation!r} is neither upgrade nor downgrade, so sqlalchemy-migrate "
            f"never runs this script; rename it to ..._{dbms}_upgrade.sql or ..._{dbms}_downgrade.sql",
            path,
        )
        return
    if dbms not in KNOWN_DBMS:
        version.ignored.append(path)
        result.warn(
            "unknown-dbms",
            f"{dbms!r} is not a database name: sqlalchemy-migrate takes the part before "
            f"_{operation}.sql as the database, so this script never runs; rename it to "
            f"..._default_{operation}.sql (every database) or ..._postgresql_{operation}.sql, "
            f"..._mysql_{operation}.sql, ..._sqlite_{operation}.sql",
            path,
        )
        return
    scripts = version.sql.setdefault(DBMS_ALIASES.get(dbms, dbms), {})
    existing = scripts.get(operation)
    new = _SqlFile(path, dbms, desc)
    if existing is None:
        scripts[operation] = new
    elif existing.dbms == dbms:
        result.error(
            "duplicate-script",
            f"version {number} has two {dbms} {operation} scripts ({existing.path.name} and "
            f"{path.name}); sqlalchemy-migrate runs whichever the file system lists last: keep one",
            path,
        )
    else:  # "postgres" and "postgresql" side by side: SQLAlchemy >= 0.6 only ever says "postgresql"
        keep, drop = (new, existing) if dbms == "postgresql" else (existing, new)
        scripts[operation] = keep
        result.warn(
            "legacy-dbms-name",
            f"version {number} has both a postgres and a postgresql {operation} script; "
            f"sqlalchemy-migrate on SQLAlchemy >= 0.6 runs only {keep.path.name}: remove {drop.path.name}",
            drop.path,
        )


# -- which script runs -----------------------------------------------------------------------


def _pick(version: _Version, operation: str, dbms: str | None) -> _Source | None:
    """The tool's own choice: the dialect's SQL, else the default SQL, else the Python script."""
    for name in (dbms, DEFAULT_DBMS):
        sql = version.sql.get(name, {}).get(operation) if name else None
        if sql is not None:
            return _Source(sql.path, "sql", name, sql.dbms, sql.desc)
    if version.python is not None:
        return _Source(version.python, "python")
    return None


def _pick_upgrade(
    version: _Version, dialect: str | None, result: Scan
) -> tuple[_Source, str | None] | None:
    """The upgrade source and the dialect it ties the version to; None (and a problem) if none."""
    source = _pick(version, "upgrade", dialect)
    if source is not None:
        return source, dialect
    first = version.first_path()
    if not version.sql and version.python is None:
        result.error(
            "no-script",
            f"version {version.number} has no script sqlalchemy-migrate can run, so it stops "
            f"at this version; fix the names of its files (see the warnings about them)",
            first,
        )
        return None
    if not version.has("upgrade"):
        result.error(
            "down-without-up",
            f"version {version.number} has only downgrade scripts; add its upgrade script "
            f"(NNN_desc_<database>_upgrade.sql or NNN_desc.py) or remove the downgrade",
            first,
        )
        return None
    choices = sorted(db for db, ops in version.sql.items() if "upgrade" in ops)
    if dialect is not None:
        result.error(
            "no-script-for-dialect",
            f"version {version.number} has no upgrade script for {dialect} (no "
            f"..._{dialect}_upgrade.sql, no ..._default_upgrade.sql, no .py); sqlalchemy-migrate "
            f"stops at this version on {dialect}. Scripts exist for: {', '.join(choices)}",
            first,
        )
        return None
    if len(choices) == 1:
        chosen = choices[0]
        return _pick(version, "upgrade", chosen), chosen  # type: ignore[return-value]
    result.warn(
        "dialect-choice",
        f"version {version.number} has upgrade scripts for {', '.join(choices)} and no default "
        f"or Python script; pass --dialect to choose one (the version is left out until then)",
        first,
    )
    return None


def _warn_postgres_alias(version: _Version, source: _Source, result: Scan) -> None:
    """A `postgres` script that modern SQLAlchemy would have passed over for default/.py."""
    if source.raw_dbms != "postgres":
        return
    fallback = _pick(version, "upgrade", None)
    if fallback is not None:
        result.warn(
            "legacy-dbms-name",
            f"{source.path.name} is named for 'postgres', the dialect name of SQLAlchemy < 0.6; "
            f"with later SQLAlchemy sqlalchemy-migrate ran {fallback.path.name} instead. Check "
            f"which one your databases really ran, and rename the file to ..._postgresql_upgrade.sql",
            source.path,
        )


def _description(version: _Version, source: _Source) -> str:
    if source.desc:
        return source.desc
    candidates = []
    if version.python is not None:
        m = PY_NAME.match(version.python.name)
        candidates.append(m["desc"] if m else "")
    candidates += [f.desc for _, ops in sorted(version.sql.items()) for _, f in sorted(ops.items())]
    return next((c for c in candidates if c), "")


# -- scripts ---------------------------------------------------------------------------------


def _sql_script(root: Path, source: _Source, options: ReadOptions, notes: list[str]) -> Script:
    text = read_source(source.path, options)
    name = relname(root, source.path)
    if TX_CONTROL.search(text):
        notes.append(
            f"{name}: sqlalchemy-migrate skips its BEGIN/COMMIT statements and runs the whole "
            f"script as one transaction"
        )
    return Script("sql", text, source.path, name)


def _python_scripts(
    root: Path,
    version: _Version,
    up_source: _Source,
    down_source: _Source | None,
    options: ReadOptions,
    result: Scan,
    notes: list[str],
) -> tuple[tuple[Script, ...], tuple[Script, ...]] | None:
    """The up/down Scripts the Python file provides; None (and an error) when the up is unusable."""
    path = version.python
    assert path is not None
    needed_for_up = up_source.language == "python"
    text = read_source(path, options)
    functions = python_functions(text, path, result)
    if functions is None:
        return None if needed_for_up else ((), ())
    name = relname(root, path)
    up: tuple[Script, ...] = ()
    down: tuple[Script, ...] = ()
    if needed_for_up:
        upgrade = functions.get("upgrade")
        if upgrade is None:
            result.error(
                "python-no-upgrade",
                "Python migration defines no upgrade(migrate_engine) function; add one",
                path,
            )
            return None
        _check_signature(upgrade, path, result)
        up = (Script("python", text, path, name, entry="upgrade", calling="engine"),)
        if _is_placeholder(upgrade):
            notes.append(f"{name}: upgrade() does nothing (a placeholder keeping the number)")
    if down_source is not None and down_source.language == "python":
        downgrade = functions.get("downgrade")
        if downgrade is not None and _is_placeholder(downgrade):
            notes.append(f"{name}: downgrade() only passes or raises, so there is no down")
        elif downgrade is not None:
            _check_signature(downgrade, path, result)
            down = (Script("python", text, path, name, entry="downgrade", calling="engine"),)
    if up or down:
        _report_legacy_api(text, path, version.number, result)
    return up, down


def _check_signature(
    function: ast.FunctionDef | ast.AsyncFunctionDef, path: Path, result: Scan
) -> None:
    args = function.args
    if not (args.posonlyargs or args.args or args.vararg):
        result.error(
            "python-signature",
            f"{function.name}() takes no argument, but sqlalchemy-migrate (0.5.4 and later) calls "
            f"{function.name}(migrate_engine); add the parameter",
            path,
            function.lineno,
        )


def _is_placeholder(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """True when the body is only a docstring, `pass`, `...` and/or a `raise`."""
    for node in function.body:
        if isinstance(node, ast.Pass | ast.Raise):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        return False
    return True


# -- the old API, which SQLAlchemy 2 no longer has -------------------------------------------

_WHY = {
    "import": "imports the sqlalchemy-migrate package (remove the import if nothing from it "
    "is used)",
    "column-create": "`Column(...).create(table)` is the sqlalchemy-migrate changeset API",
    "column-drop": "`.drop()` on a column is the sqlalchemy-migrate changeset API",
    "column-alter": "`.alter(...)` on a column is the sqlalchemy-migrate changeset API",
    "changeset-method": "`create_column` / `drop_column` / `alter_column` are the "
    "sqlalchemy-migrate changeset API",
    "rename": "`.rename()` on a table, column or index is the sqlalchemy-migrate changeset API",
    "autoload": "`Table(..., autoload=True)` was removed in SQLAlchemy 2 (use autoload_with=conn)",
    "bound-metadata": "bound metadata (`MetaData(bind=...)`, `meta.bind = ...`) was removed in "
    "SQLAlchemy 2",
    "unbound-create": "`table.create()` / `table.drop()` without an engine relies on bound metadata, "
    "removed in SQLAlchemy 2",
    "engine-execute": "`Engine.execute()` was removed in SQLAlchemy 2 (use `with "
    "migrate_engine.begin() as conn: conn.execute(...)`)",
    "implicit-execute": "`statement.execute()` (implicit execution) was removed in SQLAlchemy 2",
    "string-execute": "`execute()` of a plain string was removed in SQLAlchemy 2 (wrap it in text())",
    "select-list": "`select([...])` with a list was removed in SQLAlchemy 2 (use `select(a, b)`)",
}
_CHANGESET_METHODS = {"create_column", "drop_column", "alter_column"}
_STATEMENT_BUILDERS = {
    "insert",
    "update",
    "delete",
    "select",
    "values",
    "where",
    "returning",
    "text",
}
_TRACKED_CALLS = {"Table", "Column", "Index", "MetaData"}


def _report_legacy_api(text: str, path: Path, number: int, result: Scan) -> None:
    """One error per kind of old construct, at its first line, listing the other lines."""
    try:
        finder = _LegacyApiFinder(ast.parse(text, filename=str(path)))
    except RecursionError:  # the visitor recurses once per level of nesting
        result.warn(
            "legacy-python-unchecked",
            "the script's code is nested too deeply to check it for the sqlalchemy-migrate API; "
            "if it uses that API it cannot run on SQLAlchemy 2: check it by hand",
            path,
        )
        return
    by_kind: dict[str, list[tuple[int, str]]] = {}
    for line, kind, shown in sorted(finder.findings):
        by_kind.setdefault(kind, []).append((line, shown))
    for kind, hits in by_kind.items():
        line, shown = hits[0]
        also = sorted({n for n, _ in hits[1:] if n != line})
        more = (
            f" (also line{'s' if len(also) > 1 else ''} {', '.join(map(str, also))})"
            if also
            else ""
        )
        result.error(
            "legacy-python-api",
            f"`{shown}` at line {line}{more}: {_WHY[kind]}, so this script cannot run on "
            f"SQLAlchemy 2. Rewrite it as SQL or plain SQLAlchemy 2 code, or provide "
            f"{number:03d}_<description>_<dbms>_upgrade.sql / _downgrade.sql scripts "
            f"(they take precedence over the .py)",
            path,
            line,
        )


def _call_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _LegacyApiFinder(ast.NodeVisitor):
    """Finds sqlalchemy-migrate and SQLAlchemy 1.x constructs: (line, kind, source shown)."""

    def __init__(self, tree: ast.Module) -> None:
        self.findings: list[tuple[int, str, str]] = []
        self.engines = {"migrate_engine"}
        for stmt in tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name in OPERATIONS:
                params = stmt.args.posonlyargs + stmt.args.args
                if params:
                    self.engines.add(params[0].arg)
        self.bound: dict[str, str] = {}  # variable -> "Table" | "Column" | ... it was assigned from
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _call_name(node.value) in _TRACKED_CALLS:
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value, ast.Call):
                        self.bound[target.id] = _call_name(node.value) or ""
        self.visit(tree)

    def found(self, node: ast.stmt | ast.expr, kind: str, shown: str | None = None) -> None:
        self.findings.append((node.lineno, kind, shown or _first_line(ast.unparse(node))))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "migrate" or alias.name.startswith("migrate."):
                self.found(node, "import", f"import {alias.name}")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and (module == "migrate" or module.startswith("migrate.")):
            names = ", ".join(a.name for a in node.names)
            self.found(node, "import", f"from {module} import {names}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and target.attr == "bind":
                self.found(node, "bound-metadata", f"{ast.unparse(target)} = ...")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        if name == "Table" and any(k.arg == "autoload" for k in node.keywords):
            self.found(node, "autoload", "Table(..., autoload=True)")
        elif name == "MetaData" and (
            any(k.arg == "bind" for k in node.keywords)
            or (
                node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in self.engines
            )
        ):
            self.found(node, "bound-metadata", "MetaData(bind=...)")
        elif (
            name == "select"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.List | ast.Tuple)
        ):
            self.found(node, "select-list", "select([...])")
        elif name in _CHANGESET_METHODS:
            self.found(node, "changeset-method", f"{_short(node.func)}(...)")
        if isinstance(node.func, ast.Attribute):
            self._method_call(node, node.func.attr, node.func.value)
        self.generic_visit(node)

    def _method_call(self, node: ast.Call, method: str, receiver: ast.expr) -> None:
        shown = f"{_short(receiver)}.{method}(...)"
        kind = self._kind(receiver)
        if method in ("create", "drop", "alter") and kind == "Column":
            self.found(node, f"column-{method}", shown)
        elif method == "rename" and kind in ("Table", "Column", "Index"):
            self.found(node, "rename", shown)
        elif (
            method in ("create", "drop")
            and kind == "Table"
            and not node.args
            and not any(k.arg == "bind" for k in node.keywords)
        ):
            self.found(node, "unbound-create", shown)
        elif method in ("execute", "scalar") and self._is_engine(receiver):
            self.found(node, "engine-execute", shown)
        elif (
            method == "execute"
            and _call_name(receiver) in _STATEMENT_BUILDERS
            and isinstance(receiver, ast.Call)
        ):
            self.found(node, "implicit-execute", shown)
        elif method == "execute" and node.args and not _is_cursor(receiver):
            first = node.args[0]
            if isinstance(first, ast.JoinedStr) or (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                self.found(node, "string-execute", f"{_short(receiver)}.execute('...')")

    def _kind(self, node: ast.expr) -> str | None:
        """ "Column", "Table", ... when the expression is known to be one."""
        if isinstance(node, ast.Call):
            return _call_name(node) if _call_name(node) in _TRACKED_CALLS else None
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            return "Column" if node.value.attr in ("c", "columns") else None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
            return "Column" if node.value.attr in ("c", "columns") else None
        return None

    def _is_engine(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.engines
        return isinstance(node, ast.Attribute) and node.attr == "bind"


def _is_cursor(node: ast.expr) -> bool:
    """A DB-API cursor, whose execute() takes plain strings in every version."""
    name = _call_name(node) if isinstance(node, ast.Call) else _call_name(node)
    return name is not None and "cursor" in name.lower()


def _short(node: ast.expr) -> str:
    text = _first_line(ast.unparse(node))
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text
