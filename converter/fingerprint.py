"""Schema fingerprints of every step of an Alembic history, cached beside the revisions.

`stamp` identifies a database that has no legacy tracking table by its schema: the history
is built once into a scratch database (a temporary SQLite file, or a uniquely named
database on the target's server, always dropped), with a schema snapshot (`data=False`)
after every revision. The snapshots and their fingerprints are cached in
`<alembic_dir>/converter-fingerprints.json`, one entry per kind of server ("sqlite",
"postgresql 15", "mariadb 10.11 utf8mb4/utf8mb4_general_ci": reflected schemas differ
between them), each keyed by a hash of the revision files and env.py, so an edited history
is rebuilt rather than trusted. Stamping a fleet then costs one snapshot per database, and
the closest step's diff can be shown without rebuilding.

On SQLite a step also keeps a digest of its `sqlite_master` rows (`catalog_key`): the whole
schema is those rows, so a database whose digest equals a step's has that step's snapshot,
found with one query instead of a reflection. A different digest proves nothing (the same
schema can be spelt differently): the full snapshot then decides, as on other servers.

A revision that fails on this kind of database (a multi-database history without a variant
for it) ends the build there; the steps after it are simply not candidates.

A history that starts with a baseline revision (convert `--baseline-at`) has no revision for
the legacy versions inside it: given the legacy migrations it covers (stamp's
`--legacy-dir`), they are applied one by one into a second scratch database and each state
below the baseline's version is a step too (`inside`: the baseline's version), so that a
database at one of them is recognised, and refused with what it still needs (`locate`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.apply import apply_migration
from converter.diff import SchemaDiff, diff_snapshots
from converter.errors import ConverterError, DatabaseError
from converter.formats import tracking_tables
from converter.history import BASE, AlembicHistory, legacy_version
from converter.model import LegacyMigration
from converter.scratch import (
    connect_error,
    engine_for,
    is_disconnect,
    redact,
    scratch_databases,
)
from converter.snapshot import (
    SCHEMA_VERSION,
    Excluder,
    SchemaSnapshot,
    canonical_json,
    take_snapshot,
)
from converter.write import write_file

CACHE_FILE = "converter-fingerprints.json"
CACHE_FORMAT = 2  # 2: steps carry catalog keys
SCRATCH_PREFIX = "converter_stamp"
# Building runs env.py through Alembic's EnvironmentContext (process-wide state) and sets
# DATABASE_URL for it: one build at a time in a process.
_BUILD_LOCK = threading.Lock()


@dataclass
class Step:
    """The schema after `position` revisions of the chain (0: the empty database)."""

    position: int
    revision: str | None  # None: base
    legacy_version: str | None
    fingerprint: str
    snapshot: SchemaSnapshot
    catalog: str | None = None  # catalog_key of the step's database (SQLite), else None
    # a legacy state inside the baseline revision `revision`, below its version (this one)
    inside: str | None = None

    @property
    def name(self) -> str:
        return self.revision or BASE

    @property
    def title(self) -> str:
        if self.inside is not None:
            return f"legacy {self.legacy_version} (inside the baseline {self.revision})"
        if self.revision is None:
            return "base (empty database)"
        legacy = f", legacy {self.legacy_version}" if self.legacy_version else ""
        return f"step {self.position}: {self.revision}{legacy}"

    def to_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "revision": self.revision,
            "legacy_version": self.legacy_version,
            "fingerprint": self.fingerprint,
            "snapshot": self.snapshot.to_json(),
            "catalog": self.catalog,
            "inside": self.inside,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Step:
        return cls(
            doc["position"],
            doc["revision"],
            doc["legacy_version"],
            doc["fingerprint"],
            SchemaSnapshot.from_json(doc["snapshot"]),
            doc.get("catalog"),
            doc.get("inside"),
        )


@dataclass
class HistoryFingerprints:
    """Every step's schema for one kind of server."""

    key: str
    source_hash: str
    steps: list[Step] = field(default_factory=list)
    stopped: str | None = None  # why the build ended before the head

    def matching(self, fingerprint: str) -> list[Step]:
        return [s for s in self.steps if s.fingerprint == fingerprint]

    def by_catalog(self, catalog: str | None) -> list[Step]:
        """The steps whose database had exactly this catalog (see catalog_key); since the
        snapshot is a function of the catalog, every step with the same fingerprint as
        those, which is what `matching` on the database's own snapshot would give."""
        if catalog is None:
            return []
        same = next((s for s in self.steps if s.catalog == catalog), None)
        return self.matching(same.fingerprint) if same is not None else []

    def at(self, revision: str | None) -> Step | None:
        return next((s for s in self.steps if s.revision == revision and s.inside is None), None)

    def closest(self, snapshot: SchemaSnapshot, labels: tuple[str, str]) -> tuple[Step, SchemaDiff]:
        """The step nearest to `snapshot` (the later one on a tie), and the diff from it.
        Nearness counts differing facts (a missing table weighs as much as all it holds),
        not rendered differences (a missing table is one line, a new column several)."""
        target = _facts(snapshot)
        best = min(self.steps, key=lambda s: (len(_facts(s.snapshot) ^ target), -s.position))
        return best, diff_snapshots(best.snapshot, snapshot, labels=labels)

    def to_json(self) -> dict[str, Any]:
        return {
            "source_hash": self.source_hash,
            "stopped": self.stopped,
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, key: str, doc: dict[str, Any]) -> HistoryFingerprints:
        return cls(
            key, doc["source_hash"], [Step.from_json(s) for s in doc["steps"]], doc.get("stopped")
        )


def _facts(snapshot: SchemaSnapshot) -> set[tuple[str, str]]:
    """Every leaf of the schema as (path, value); lists are one leaf."""
    out: set[tuple[str, str]] = set()

    def walk(path: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{path}/{key}", item)
        else:
            out.add((path, canonical_json(value)))

    walk("tables", snapshot.tables)
    walk("objects", snapshot.objects)
    return out


def server_key(conn: sa.Connection) -> str:
    """The kind of server a snapshot depends on: dialect, flavour, major version (and on
    MySQL the database's character set and collation, which tables inherit)."""
    dialect = conn.dialect
    if dialect.name == "sqlite":
        return "sqlite"
    version = dialect.server_version_info or ()
    if dialect.name == "postgresql":
        return f"postgresql {version[0] if version else '?'}"
    flavour = "mariadb" if getattr(dialect, "is_mariadb", False) else "mysql"
    row = conn.execute(
        sa.text(
            "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata "
            "WHERE schema_name = DATABASE()"
        )
    ).first()
    charset = f" {row[0]}/{row[1]}" if row else ""
    return f"{flavour} {'.'.join(str(v) for v in version[:2])}{charset}"


def source_hash(history: AlembicHistory) -> str:
    """A hash of everything the steps depend on: env.py and every revision file."""
    digest = hashlib.sha256(
        f"converter-fingerprints {CACHE_FORMAT} snapshot {SCHEMA_VERSION}\n".encode()
    )
    files = {Path(rev.path).resolve() for rev in history.script.walk_revisions("base", "heads")}
    files.add(history.dir / "env.py")
    for path in sorted(files):
        try:
            rel = path.relative_to(history.dir).as_posix()
        except ValueError:
            rel = str(path)
        digest.update(rel.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


# (baseline revision, the legacy migrations it covers) for a dialect, when known
Covered = Callable[[str], tuple[str, list[LegacyMigration]] | None]


def build(
    history: AlembicHistory,
    key: str,
    scratch_url: str | None,
    digest: str,
    notes: list[str] | None = None,
    covered: Covered | None = None,
) -> HistoryFingerprints:
    """Build the chain revision by revision into a scratch database, snapshotting each step.
    `scratch_url`: a server URL (a scratch database is made on it) or None (SQLite file).
    `covered`: the legacy migrations inside a baseline revision (see the module doc)."""
    chain = history.chain()
    result = HistoryFingerprints(key, digest)
    dialect = key.split()[0].replace("mariadb", "mysql")
    inside = covered(dialect) if covered is not None else None
    labels = ("fingerprints", "legacy") if inside else ("fingerprints",)
    try:
        with scratch_databases(scratch_url, labels, prefix=SCRATCH_PREFIX, notes=notes) as urls:
            url = urls["fingerprints"]
            if inside:
                result.steps.extend(_inside_steps(urls["legacy"], dialect, *inside))
            engine = engine_for(url)
            try:
                result.steps.append(_step(engine, 0, None, None))
                for position, rev in enumerate(chain, start=1):
                    try:
                        history.upgrade(url, rev.revision)
                    except Exception as exc:  # noqa: BLE001 - the build ends at a failing revision
                        if is_disconnect(exc):  # the server went away: not the revision's fault
                            raise connect_error(exc, url) from None
                        orig = getattr(exc, "orig", None) or exc
                        result.stopped = (
                            f"revision {rev.revision} fails on {key}: "
                            f"{redact(str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__, url)}"
                        )
                        break
                    legacy = legacy_version(rev)
                    result.steps.append(
                        _step(
                            engine,
                            position,
                            rev.revision,
                            legacy if isinstance(legacy, str) else None,
                        )
                    )
            finally:
                engine.dispose()
    except ConverterError:
        raise
    except sa.exc.DBAPIError as exc:
        raise DatabaseError(
            f"building the history's fingerprints failed: {redact(str(exc.orig), scratch_url)}",
            hint="give a server where scratch databases can be created (--scratch-url)",
        ) from None
    return result


def _inside_steps(
    url: str, dialect: str, baseline: str, migrations: list[LegacyMigration]
) -> list[Step]:
    """The states after each legacy migration a baseline covers, but its last (the
    baseline's own state is the chain's step)."""
    engine = engine_for(url)
    steps = []
    try:
        for m in migrations[:-1]:
            try:
                apply_migration(engine, m, dialect)
            except Exception as exc:  # noqa: BLE001 - named, with the legacy file
                if is_disconnect(exc):
                    raise connect_error(exc, url) from None
                orig = getattr(exc, "orig", None) or exc
                raise DatabaseError(
                    f"building the fingerprints inside the baseline {baseline}: legacy migration "
                    f"{m.name} fails: {redact(str(orig).strip() or type(orig).__name__, url)}",
                    hint="check --legacy-dir (the folder the history was converted from)",
                ) from None
            step = _step(engine, 0, baseline, m.version)
            step.inside = migrations[-1].version
            steps.append(step)
    finally:
        engine.dispose()
    return steps


def _step(engine: sa.Engine, position: int, revision: str | None, legacy: str | None) -> Step:
    with engine.connect() as conn:
        snap = take_snapshot(conn, data=False)
        catalog = catalog_key(conn)
    return Step(position, revision, legacy, snap.fingerprint(), snap, catalog)


def catalog_key(conn: sa.Connection, exclude_tables: Iterable[str] | None = None) -> str | None:
    """A digest of every catalog row a SQLite schema snapshot is made from (`sqlite_master`:
    type, name, table and SQL text of each table, index, view and trigger, but those of the
    excluded tables, by default the tools' `tracking_tables()`), or None on other servers. Two
    databases with the same key have the same schema snapshot; the converse does not hold
    (whitespace, quoting)."""
    if conn.dialect.name != "sqlite":
        return None
    excluder = Excluder(tracking_tables() if exclude_tables is None else exclude_tables)
    rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM main.sqlite_master").all()
    kept = sorted(
        (type_, name, table, sql or "")
        for type_, name, table, sql in rows
        if not excluder.table(None, table) and not excluder.table(None, name)
    )
    return hashlib.sha256(json.dumps(kept).encode("utf-8")).hexdigest()


class FingerprintCache:
    """The fingerprints of one Alembic directory, per kind of server; built at most once per
    key (threads asking for a key being built wait for it), read from and written to
    `<alembic_dir>/converter-fingerprints.json`."""

    def __init__(self, history: AlembicHistory, covered: Covered | None = None) -> None:
        self.history = history
        self.covered = covered  # the legacy migrations inside a baseline, per dialect
        self.path = history.dir / CACHE_FILE
        self._digest: str | None = None
        self._memory: dict[str, HistoryFingerprints] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.notes: list[str] = []

    @property
    def digest(self) -> str:
        with self._lock:
            if self._digest is None:
                self._digest = source_hash(self.history)
            return self._digest

    def digest_for(self, key: str) -> str:
        """The source hash of `key`'s entry: with the legacy migrations inside a baseline,
        their checksums count too (an edited legacy file is built again)."""
        inside = self.covered(key.split()[0].replace("mariadb", "mysql")) if self.covered else None
        if not inside:
            return self.digest
        baseline, migrations = inside
        digest = hashlib.sha256(f"{self.digest}\0{baseline}".encode())
        for m in migrations:
            digest.update(f"\0{m.name}\0{m.checksum}".encode())
        return digest.hexdigest()

    def peek(self, key: str) -> HistoryFingerprints | None:
        """The fingerprints for `key` if already in memory or in a fresh cache file."""
        with self._lock:
            found = self._memory.get(key)
        if found is not None:
            return found
        cached = self._read_file().get(key)
        if cached is not None and cached.source_hash == self.digest_for(key):
            with self._lock:
                self._memory.setdefault(key, cached)
                return self._memory[key]
        return None

    def get(self, key: str, scratch_url: str | None) -> HistoryFingerprints:
        found = self.peek(key)
        if found is not None:
            return found
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self.peek(key)
            if found is not None:
                return found
            with _BUILD_LOCK:
                built = build(
                    self.history, key, scratch_url, self.digest_for(key), self.notes, self.covered
                )
            with self._lock:
                self._memory[key] = built
            self._write(key, built)
            return built

    def _read_file(self) -> dict[str, HistoryFingerprints]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT:
            return {}
        out: dict[str, HistoryFingerprints] = {}
        for key, entry in (doc.get("histories") or {}).items():
            with contextlib.suppress(KeyError, TypeError, ValueError):
                out[key] = HistoryFingerprints.from_json(key, entry)
        return out

    def _write(self, key: str, built: HistoryFingerprints) -> None:
        plain = self.digest  # (takes the lock)
        with self._lock:
            try:
                doc = json.loads(self.path.read_text(encoding="utf-8"))
                histories = doc.get("histories", {}) if doc.get("format") == CACHE_FORMAT else {}
            except (OSError, ValueError, AttributeError):
                histories = {}
            histories = {
                k: v
                for k, v in histories.items()
                if isinstance(v, dict) and v.get("source_hash") in (built.source_hash, plain)
            }
            histories[key] = built.to_json()
            text = (
                json.dumps(
                    {"format": CACHE_FORMAT, "histories": histories}, indent=1, sort_keys=True
                )
                + "\n"
            )
            try:
                write_file(self.path, text)
                os.chmod(self.path, 0o644)  # a cache others may read, like the revisions beside it
            except (ConverterError, OSError) as exc:
                why = exc.message if isinstance(exc, ConverterError) else (exc.strerror or str(exc))
                self.notes.append(
                    f"the fingerprint cache could not be written ({why}): "
                    "it is rebuilt on the next run"
                )
