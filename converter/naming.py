"""Names of the generated revisions: ids, file names and dates.

All of it is deterministic: the same legacy history gives the same names on every machine.
Revision ids are at most 32 characters (alembic_version.version_num is VARCHAR(32)), contain
only `[a-z0-9_]` (Alembic forbids `@ - + :`), and are unique: collisions get `_2`, `_3`...
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from pathlib import Path

from converter.errors import InputError, UsageError
from converter.model import LegacyMigration

MAX_ID = 32
REV_ID_STYLES = ("slug", "hash", "version")
FIXED_DATE = re.compile(r"^\d{8}$")


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug[:limit].rstrip("_") or "migration"


def base_id(m: LegacyMigration, style: str) -> str:
    prefix = f"{slugify(m.module)}_" if m.module else ""
    if style == "slug":
        core = slugify(m.description or m.version)
    elif style == "version":
        core = "v" + slugify(m.version) if m.version else "r_" + slugify(m.description)
    elif style == "hash":
        key = f"{m.format}\0{m.module or ''}\0{m.kind.value}\0{m.version}\0{m.name}"
        return hashlib.sha1(key.encode()).hexdigest()[:12]
    else:
        raise UsageError(
            f"unknown --rev-id style {style!r}", hint="use one of " + ", ".join(REV_ID_STYLES)
        )
    return (prefix + core)[:MAX_ID].rstrip("_")


# names Alembic gives a meaning of its own in revision arguments: never a revision id
RESERVED_IDS = frozenset({"base", "head", "heads", "current"})


def revision_ids(
    migrations: list[LegacyMigration], style: str, taken: AbstractSet[str] = frozenset()
) -> list[str]:
    """One unique id per migration, in order; `taken` holds ids already used elsewhere."""
    used = set(taken) | RESERVED_IDS
    ids = []
    for m in migrations:
        base = base_id(m, style)
        rev, n = base, 1
        while rev in used:
            n += 1
            suffix = f"_{n}"
            rev = base[: MAX_ID - len(suffix)].rstrip("_") + suffix
        used.add(rev)
        ids.append(rev)
    return ids


def migration_date(m: LegacyMigration, date_from: str) -> datetime:
    """The revision's date: the legacy timestamp when there is one, else `date_from`."""
    if m.date is not None:
        return m.date
    if FIXED_DATE.match(date_from):
        return datetime.strptime(date_from, "%Y%m%d")
    if date_from == "mtime" and m.path is not None:
        return datetime.fromtimestamp(int(m.path.stat().st_mtime), UTC).replace(tzinfo=None)
    if date_from == "git" and m.path is not None:
        return _git_first_commit_date(m.path)
    raise InputError(
        f"migration {m.version or m.description} has no date in its name",
        path=m.path,
        hint="pass --date-from git (first commit of the file), --date-from mtime, or a fixed "
        "--date-from YYYYMMDD",
    )


def check_date_from(date_from: str) -> None:
    if date_from in ("name", "git", "mtime"):
        return
    if FIXED_DATE.match(date_from):
        try:
            datetime.strptime(date_from, "%Y%m%d")
            return
        except ValueError:
            pass
    raise UsageError(
        f"invalid --date-from {date_from!r}", hint="use name, git, mtime, or a date as YYYYMMDD"
    )


def _git_first_commit_date(path: Path) -> datetime:
    try:
        out = subprocess.run(
            ["git", "log", "--follow", "--diff-filter=A", "--format=%at", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = []
    if not out:
        raise InputError(
            "no git history for this file",
            path=path,
            hint="commit it first, or use --date-from mtime or --date-from YYYYMMDD",
        )
    return datetime.fromtimestamp(int(out[-1]), UTC).replace(tzinfo=None)


def file_names(migrations: list[LegacyMigration], dates: list[datetime]) -> list[str]:
    """`YYYYMMDD_snake_case_description.py`, unique, in order."""
    used: set[str] = set()
    names = []
    for m, d in zip(migrations, dates, strict=True):
        prefix = f"{slugify(m.module)}_" if m.module else ""
        stem = f"{d:%Y%m%d}_{prefix}{slugify(m.description or m.version)}"
        name, n = f"{stem}.py", 1
        while name in used:
            n += 1
            name = f"{stem}_{n}.py"
        used.add(name)
        names.append(name)
    return names
