"""An existing output directory, and what a re-run of convert may do to it.

Conversion is rarely one run: the legacy folder keeps receiving migrations while the team
writes Alembic revisions of its own, people fix a generated downgrade by hand, a flag
changes. This module reads what `versions/` holds (every file with `ast`, nothing executed)
and answers, before anything is written:

- which existing revision each legacy migration already has. A converted revision is
  recognised by its legacy record (`legacy = {...}`: version, files), never by its file name
  or id, so a changed `--date-from` or `--rev-id` renames files instead of duplicating them,
  and keeps the revision ids databases are stamped with;
- in which state each of our files is: `intact` (rewritten freely), `edited` (written by
  converter, then changed by hand: kept, and reported), `adopted` (a converted revision
  whose `# converter:` line a person removed: theirs now, kept silently) or `foreign` (a
  native Alembic revision: never touched, never re-pointed);
- whether the resulting graph is sound. `check_graph` builds it with Alembic's own
  `RevisionMap` (what `ScriptDirectory` builds on, without importing the revision modules,
  whose imports may need the team's application) and refuses a cycle, a `down_revision`
  that points nowhere, a duplicate id, and more heads than before.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script.revision import CycleDetected, Revision, RevisionError, RevisionMap

from converter.errors import InputError, OutputError
from converter.history import RevisionFile, read_revision_file
from converter.model import LegacyMigration
from converter.render import generated_state

INTACT, EDITED, ADOPTED, FOREIGN = "intact", "edited", "adopted", "foreign"


@dataclass
class OnDisk:
    """One revision file of versions/."""

    name: str  # file name in versions/
    text: str
    state: str  # intact | edited | adopted | foreign
    file: RevisionFile

    @property
    def revision(self) -> str:
        assert self.file.revision is not None
        return self.file.revision

    @property
    def ours(self) -> bool:
        """Converted from a legacy migration (whoever maintains it now)."""
        return self.state != FOREIGN


@dataclass
class Existing:
    """What an existing output directory already holds."""

    root: Path
    revisions: dict[str, OnDisk] = field(default_factory=dict)  # file name -> revision

    @property
    def ours(self) -> dict[str, OnDisk]:
        return {n: r for n, r in self.revisions.items() if r.ours}

    @property
    def foreign(self) -> dict[str, OnDisk]:
        return {n: r for n, r in self.revisions.items() if not r.ours}

    def ids(self) -> set[str]:
        return {r.revision for r in self.revisions.values()}

    def heads(self, without: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
        """The heads of the graph on disk, leaving out the files named in `without`."""
        files = [r.file for n, r in self.revisions.items() if n not in without]
        return graph_heads(files, self.root)


def read_existing(out_dir: Path) -> Existing:
    existing = Existing(out_dir)
    if not out_dir.exists():
        return existing
    if not out_dir.is_dir():
        raise OutputError("the output path exists and is not a directory", path=out_dir)
    entries = [p for p in out_dir.iterdir() if not p.name.startswith(".")]
    if entries and not (out_dir / "versions").is_dir():
        raise OutputError(
            "the output directory is not empty and is not an Alembic directory (no versions/)",
            path=out_dir,
            hint="choose an empty or new --out, or an existing Alembic script directory",
        )
    versions = out_dir / "versions"
    if not versions.is_dir():
        return existing
    for path in sorted(versions.iterdir()):
        if path.name.startswith((".", "__")) or path.suffix != ".py" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        try:
            parsed = read_revision_file(path, text)
        except InputError as exc:
            raise OutputError(
                f"{exc.message}; convert reads every revision of versions/ before it writes",
                path=path,
                hint="fix the file (alembic cannot load it either), or move it out of versions/",
            ) from None
        if parsed.revision is None:
            raise OutputError(
                "this file in versions/ is not an Alembic revision (no `revision = ...`)",
                path=path,
                hint="move it out of versions/",
            )
        state = generated_state(text)
        if state == FOREIGN and parsed.legacy is not None and parsed.legacy.format is not None:
            state = ADOPTED
        existing.revisions[path.name] = OnDisk(path.name, text, state, parsed)
    return existing


def legacy_keys(migrations: list[LegacyMigration]) -> list[tuple[str, int]]:
    """The identity of each legacy migration: its version (its first file when it has
    none), and which occurrence of that it is (a reworked Sqitch change repeats a name)."""
    seen: Counter[str] = Counter()
    keys = []
    for m in migrations:
        key = m.version or (m.up[0].name if m.up else None) or m.description
        keys.append((key, seen[key]))
        seen[key] += 1
    return keys


def match(existing: Existing, migrations: list[LegacyMigration]) -> dict[int, OnDisk]:
    """Migration index -> the revision already converted from it (by its legacy record)."""
    on_disk: dict[tuple[str, int], OnDisk] = {}
    seen: Counter[str] = Counter()
    ordered = sorted(existing.ours.values(), key=lambda r: r.name)
    for r in _chain_order(ordered):
        record = r.file.legacy
        if record is None:
            continue
        key = record.version or (record.files[0] if record.files else r.revision)
        on_disk[(key, seen[key])] = r
        seen[key] += 1
    return {i: on_disk[k] for i, k in enumerate(legacy_keys(migrations)) if k in on_disk}


def _chain_order(revisions: list[OnDisk]) -> list[OnDisk]:
    """Our revisions in the order of their chain (parents first); ties by file name."""
    by_id = {r.revision: r for r in revisions}
    done: set[str] = set()
    out: list[OnDisk] = []

    def visit(r: OnDisk, stack: set[str]) -> None:
        if r.revision in done or r.revision in stack:
            return
        stack.add(r.revision)
        down = r.file.down_revision
        for d in (down,) if isinstance(down, str) else down or ():
            if d in by_id:
                visit(by_id[d], stack)
        done.add(r.revision)
        out.append(r)

    for r in revisions:
        visit(r, set())
    return out


def graph_heads(files: list[RevisionFile], root: Path) -> list[str]:
    """The heads of the graph these revisions make, checked by Alembic's RevisionMap."""
    return sorted(_revision_map(files, root).heads)


def check_graph(files: list[RevisionFile], root: Path, max_heads: int) -> list[str]:
    """The heads of the resulting directory; OutputError when Alembic could not load it
    (cycle, dangling down_revision, duplicate id) or it has more than `max_heads` heads."""
    heads = graph_heads(files, root)
    if len(heads) > max_heads:
        raise OutputError(
            f"the result would have {len(heads)} heads ({', '.join(heads)}), the directory "
            f"had {max_heads}: nothing was written",
            path=root / "versions",
            hint="merge the heads first (`alembic merge heads`), then convert again",
        )
    return heads


def _revision_map(files: list[RevisionFile], root: Path) -> RevisionMap:
    where = root / "versions"
    ids = Counter(f.revision for f in files)
    dupes = sorted(str(r) for r, n in ids.items() if n > 1)
    if dupes:
        names = sorted(f.path.name for f in files if f.revision == dupes[0])
        raise OutputError(
            f"revision id {dupes[0]} would be in {len(names)} files ({', '.join(names)}): "
            "nothing was written",
            path=where,
            hint="remove the duplicate file (a copy of a revision?), then convert again",
        )
    revisions = [
        Revision(
            f.revision,
            f.down_revision,
            dependencies=f.depends_on or None,
            branch_labels=f.branch_labels or None,
        )
        for f in files
        if f.revision is not None
    ]
    graph = RevisionMap(lambda: iter(revisions))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            graph.heads  # noqa: B018 - builds the map (Alembic checks the graph here)
            list(graph.iterate_revisions("heads", "base"))
    except CycleDetected as exc:
        raise OutputError(
            f"the result would have a cycle in its revisions ({exc}): nothing was written",
            path=where,
            hint="this is a bug in converter or a hand edit of down_revision; check `alembic history`",
        ) from None
    except (RevisionError, UserWarning) as exc:
        message = re.sub(r"\s+", " ", str(exc))
        raise OutputError(
            f"Alembic could not load the result ({message}): nothing was written",
            path=where,
            hint="restore or remove the revision it names, then convert again",
        ) from None
    return graph
