"""The Alembic side of a conversion: an Alembic directory read through Alembic's own API.

`AlembicHistory` loads ALEMBIC_DIR's `ScriptDirectory` once and runs upgrade, downgrade and
stamp through its own env.py against a given URL (as `alembic upgrade` does). A caller that
runs many steps against one database (verify) asks `keep_connected(url)`: env.py is then
handed one pooled engine for that URL in `config.attributes["connection"]` (the generated
env.py uses it; another env.py builds its own from the URL, as before), and env.py is compiled
once per history instead of once per step. The helpers
here read what a revision knows about its legacy source (`legacy_version`) and what a
database has in `alembic_version` (`current_heads`). verify, stamp, drift and the fingerprint
cache all stand on this module; none of them reads an Alembic directory another way.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import os
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from converter.dialects import DIALECTS, database
from converter.errors import ConverterError, InputError, UsageError
from converter.formats import code_source

BASE = "base"  # Alembic's name for "no revision"


class AlembicHistory:
    """ALEMBIC_DIR: its configuration, its revisions (loaded once), and the upgrade,
    downgrade and stamp commands run through its own env.py against a given URL.

    The URL reaches env.py three ways at once (`-x url=`, DATABASE_URL, sqlalchemy.url), so
    an env.py that prefers any of them cannot wander off to another database."""

    def __init__(self, alembic_dir: Path) -> None:
        directory = alembic_dir.resolve()
        if not directory.is_dir():
            raise UsageError("the Alembic directory does not exist", path=alembic_dir)
        if not (directory / "env.py").is_file():
            raise UsageError(
                "this is not an Alembic script directory (no env.py)",
                path=alembic_dir,
                hint="pass the directory that holds env.py and versions/ (the --out of convert)",
            )
        self.dir = directory
        self.ini = find_ini(directory)
        self._engines: dict[str, sa.Engine] = {}  # see keep_connected
        self._env: types.CodeType | None = None  # env.py compiled, see _run_env
        if str(directory) not in sys.path:  # the revisions import converter_helpers from here
            sys.path.insert(0, str(directory))
        try:
            with _no_bytecode():
                self.script = ScriptDirectory.from_config(self.config(None))
                self.script.revision_map.heads  # noqa: B018 - loads every revision file now
        except CommandError as exc:
            raise UsageError(f"cannot read the Alembic history: {exc}", path=alembic_dir) from None
        except ConverterError:
            raise
        except Exception as exc:  # noqa: BLE001 - a revision file that fails to import
            where = getattr(exc, "filename", None) or alembic_dir
            raise InputError(
                f"a revision file cannot be loaded: {type(exc).__name__}: {exc}", path=where
            ) from None

    def config(self, url: str | None) -> Config:
        cfg = Config(str(self.ini) if self.ini else None)
        cfg.set_main_option("script_location", str(self.dir))
        # env.py's fileConfig() would reconfigure converter's own logging (Alembic's cookbook
        # switch for programmatic use)
        cfg.attributes["configure_logger"] = False
        if url is not None:
            cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
            cfg.cmd_opts = argparse.Namespace(x=[f"url={url}"])
        return cfg

    def chain(self) -> list[Script]:
        """The revisions from base to head; one linear history only."""
        heads, bases = self.script.get_heads(), self.script.get_bases()
        if not heads:
            raise UsageError("the Alembic directory has no revisions", path=self.dir / "versions")
        if len(heads) > 1 or len(bases) > 1:
            raise UsageError(
                f"the Alembic history is not one line: heads {', '.join(sorted(heads))}; "
                f"bases {', '.join(sorted(bases))}",
                path=self.dir,
                hint="verify walks one linear history (the branches of convert --modules are not supported yet); "
                "merge the heads (`alembic merge heads`)",
            )
        revisions = list(self.script.walk_revisions("base", "heads"))
        revisions.reverse()
        for rev in revisions:
            if rev.is_merge_point or rev.is_branch_point:
                raise UsageError(
                    f"revision {rev.revision} is a branch or merge point",
                    path=rev.path,
                    hint="verify walks one linear history",
                )
        return revisions

    def upgrade(self, url: str, target: str) -> None:
        self._run(url, target, lambda rev, ctx: self.script._upgrade_revs(target, rev))

    def downgrade(self, url: str, target: str) -> None:
        self._run(url, target, lambda rev, ctx: self.script._downgrade_revs(target, rev))

    def stamp(self, url: str, target: str) -> None:
        self._run(url, target, lambda rev, ctx: self.script._stamp_revs((target,), rev))

    def keep_connected(self, url: str, prepare: Callable[[sa.Engine], None] | None = None) -> None:
        """Run every later command against `url` through one pooled engine (one connection
        kept open), handed to env.py as `config.attributes["connection"]`, instead of
        env.py building an engine and connecting for each command; `prepare` is called
        with the new engine (event listeners). `close()` disposes it."""
        if url not in self._engines:
            engine = sa.create_engine(url, pool_size=1, max_overflow=0)
            if prepare is not None:
                prepare(engine)
            self._engines[url] = engine

    def close(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()

    def _run(self, url: str, destination: str, fn: Callable) -> None:
        cfg = self.config(url)
        if url in self._engines:
            cfg.attributes["connection"] = self._engines[url]
        with (
            _no_bytecode(),
            _database_url(url),
            EnvironmentContext(
                cfg,
                self.script,
                fn=fn,
                as_sql=False,
                starting_rev=None,
                destination_rev=destination,
                tag=None,
            ),
        ):
            self._run_env()

    def _run_env(self) -> None:
        """`ScriptDirectory.run_env()`: env.py run as a new module, as Alembic loads it, but
        compiled once (Alembic compiles it on every call when no bytecode may be written)."""
        path = self.dir / "env.py"
        if self._env is None:
            self._env = compile(path.read_bytes(), str(path), "exec")
        module = types.ModuleType("env_py")
        module.__file__ = str(path)
        exec(self._env, module.__dict__)  # noqa: S102 - env.py, as `alembic upgrade` runs it


def find_ini(directory: Path) -> Path | None:
    """The alembic.ini beside the script directory whose script_location is it, if any."""
    ini = directory.parent / "alembic.ini"
    if not ini.is_file():
        return None
    try:
        location = Config(str(ini)).get_main_option("script_location")
    except Exception:  # noqa: BLE001 - an unreadable ini is simply not used
        return None
    if not location:
        return None
    path = Path(location)
    if not path.is_absolute():
        path = ini.parent / path
    return ini if path.resolve() == directory else None


@contextlib.contextmanager
def _no_bytecode() -> Iterator[None]:
    """Write no __pycache__ into ALEMBIC_DIR: verify leaves the directory as it found it,
    and a revision edited within the same second is never run from a stale .pyc we wrote."""
    old = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = old


@contextlib.contextmanager
def _database_url(url: str) -> Iterator[None]:
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = old


def legacy_version(rev: Script) -> str | None:
    """The legacy version a revision was converted from (None: not converted, or a
    repeatable migration)."""
    record = legacy_record(rev)
    return record.version if record is not None else None


def current_heads(conn: sa.Connection) -> tuple[str, ...] | None:
    """The revisions in alembic_version; None when there is no such table."""
    ctx = MigrationContext.configure(conn)
    if not ctx._has_version_table():
        return None
    return tuple(sorted(ctx.get_current_heads()))


@dataclass(frozen=True)
class LegacyRecord:
    """What a converted revision knows about its legacy source (its `legacy = {...}`)."""

    format: str | None
    version: str | None
    kind: str = "versioned"
    files: tuple[str, ...] = ()
    sha256: str | None = None
    tool_checksum: str | dict[str, str | None] | None = None
    missing_variants: tuple[str, ...] = ()
    dialects: tuple[str, ...] = ()  # converted for these databases (empty: not recorded)
    code: str | None = None  # "go" / "java": converted from a code migration
    placeholder: bool = False  # written as a placeholder (see awaiting_port: still one?)
    # values the legacy files themselves write into alembic_version (never run by Alembic)
    alembic_version_values: tuple[str, ...] = ()
    # kind "baseline": every legacy version the revision replaces, in history order
    covers: tuple[str, ...] = ()
    # kind "baseline": the tables whose rows the baseline carries, sorted
    baseline_data: tuple[str, ...] = ()
    baseline_spec: str | None = None  # kind "baseline": `--baseline-data` as given (`data_spec`)

    def tool_checksum_for(self, dialect: str) -> str | None:
        """The legacy tool's checksum of the variant run on `dialect`."""
        if isinstance(self.tool_checksum, dict):
            return self.tool_checksum.get(dialect)
        return self.tool_checksum


@dataclass(frozen=True)
class RevisionFile:
    """A revision file read with `ast`, never executed: its identity, its place in the graph
    and, for converted revisions, its legacy record."""

    path: Path
    revision: str | None
    down_revision: str | tuple[str, ...] | None
    branch_labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    legacy: LegacyRecord | None = None


def read_revision_file(path: Path, text: str | None = None) -> RevisionFile:
    """The module-level assignments of a revision file, read with `ast` (nothing runs).

    A revision converted by an earlier release has only `legacy_version = "..."`: its record
    then holds the version alone. Raises InputError when the file is not Python."""
    source = path.read_text(encoding="utf-8") if text is None else text
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise InputError(
            f"the revision file is not valid Python: {exc.msg}", path=path, line=exc.lineno
        ) from None
    values: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _READ and value is not None:
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    values[target.id] = _NOT_LITERAL
    record = values.get("legacy")
    legacy = None
    if isinstance(record, dict):
        legacy = LegacyRecord(
            format=record.get("format"),
            version=record.get("version"),
            kind=record.get("kind") or "versioned",
            files=tuple(record.get("files") or ()),
            sha256=record.get("sha256"),
            tool_checksum=record.get("tool_checksum"),
            missing_variants=tuple(record.get("missing_variants") or ()),
            dialects=tuple(record.get("dialects") or ()),
            code=record.get("code"),
            placeholder=record.get("placeholder") is True,
            alembic_version_values=tuple(record.get("alembic_version_values") or ()),
            covers=tuple(record.get("covers") or ()),
            baseline_data=tuple(record.get("baseline_data") or ()),
            baseline_spec=record.get("data_spec"),
        )
    elif isinstance(values.get("legacy_version"), str):
        legacy = LegacyRecord(format=None, version=values["legacy_version"])
    revision = values.get("revision")
    return RevisionFile(
        path,
        revision if isinstance(revision, str) else None,
        _revisions(values.get("down_revision")),
        _tuple(values.get("branch_labels")),
        _tuple(values.get("depends_on")),
        legacy,
    )


_READ = {"revision", "down_revision", "branch_labels", "depends_on", "legacy", "legacy_version"}
_NOT_LITERAL = object()


def _tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _revisions(value: Any) -> str | tuple[str, ...] | None:
    if isinstance(value, str) or value is None:
        return value
    found = _tuple(value)
    return found or None


def legacy_record(rev: Script) -> LegacyRecord | None:
    """The legacy record of a revision Alembic loaded (read from its file with ast, once per
    version of the file)."""
    path = Path(rev.path)
    stat = path.stat()
    return _record_of(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8192)
def _record_of(path: str, mtime_ns: int, size: int) -> LegacyRecord | None:
    return read_revision_file(Path(path)).legacy


def require_converted_for(history: AlembicHistory, dialect: str, url: str | None) -> None:
    """A history converted for other databases (its revisions' `legacy` records say which)
    is not compared on `dialect` (`url`: the masked server URL, None for SQLite): SQLite would report differences that are only the
    databases' (SERIAL vs nothing), not the conversion's."""
    recorded: set[str] = set()
    for rev in history.chain():
        record = legacy_record(rev)
        if record is not None and record.dialects:
            recorded.update(record.dialects)
    if not recorded or dialect in recorded:
        return
    names = " or ".join(sorted(recorded))
    example = next(d for d in DIALECTS if d in recorded)
    server = database(example).url_example
    if url is None:
        raise UsageError(
            f"{history.dir} was converted for {names}: comparing it on SQLite (no --url) would "
            "only show the differences between the databases",
            hint=f"pass --url with a {names} server, e.g. --url {server}"
            if server
            else f"pass --url with a {names} database",
        )
    raise UsageError(
        f"{history.dir} was converted for {names}, not for {dialect} ({url})",
        hint=f"pass --url with a {names} server" + (f", e.g. --url {server}" if server else ""),
    )


def awaiting_port(rev: Script) -> bool:
    """True when a revision is a placeholder for a code migration, not yet ported by hand."""
    record = legacy_record(rev)
    if record is None or not record.placeholder:
        return False
    return code_source.awaiting_port(Path(rev.path).read_text(encoding="utf-8"))
