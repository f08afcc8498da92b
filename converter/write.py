"""Writing output trees atomically.

The new tree is built in a temporary directory beside the target, then moved into place, so
a crash or Ctrl-C leaves either the old tree or the complete new one. Replacing an existing
tree takes two renames (old -> backup, new -> target); a run that finds a backup without its
target (a crash between the two) puts the backup back first.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from converter.errors import write_error

BACKUP_SUFFIX = ".converter-backup"
STAGING_MARKER = "converter-staging"  # inside a staging folder: "<pid> <host>"
STALE_OTHER_HOST = 24 * 3600  # a marker from another host is trusted for this long


def staging_dir(parent: Path, prefix: str) -> Path:
    """A new hidden staging folder in `parent`, marked as this process's."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=parent))
    (tmp / STAGING_MARKER).write_text(f"{os.getpid()} {socket.gethostname()}\n")
    return tmp


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_stale_staging(folder: Path) -> bool:
    """True for a staging folder of ours whose run is over (see the module doc)."""
    try:
        pid_text, _, host = (folder / STAGING_MARKER).read_text().strip().partition(" ")
        pid = int(pid_text)
        made = (folder / STAGING_MARKER).stat().st_mtime
    except (OSError, ValueError):
        return False  # not ours (no marker), or unreadable: left alone
    if host != socket.gethostname():
        return time.time() - made > STALE_OTHER_HOST
    return pid != os.getpid() and not _alive(pid)


def clean_stale_staging(target: Path, *folders: Path | None) -> list[Path]:
    """Remove the staging folders of `target` that killed runs left in its parent (and in
    `folders`); returns what was removed."""
    places = {target.absolute().parent, *(Path(f) for f in folders if f is not None)}
    removed = []
    for place in sorted(places):
        if not place.is_dir():
            continue
        for folder in sorted(place.glob(f".{target.name}.*.tmp")):
            if folder.is_dir() and not folder.is_symlink() and is_stale_staging(folder):
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed


def recover(target: Path) -> None:
    """Undo an interrupted swap: restore the backup when the target is missing."""
    backup = target.with_name(target.name + BACKUP_SUFFIX)
    if backup.exists():
        if not target.exists():
            os.rename(backup, target)
        else:
            shutil.rmtree(backup)


def write_tree(
    target: Path,
    files: dict[str, str],
    keep_existing: bool = True,
    moves: dict[str, str | None] | None = None,
) -> None:
    """Make `target` hold `files` (relative path -> text) plus, with keep_existing, every
    file it already had that is not in `files`; `moves` (relative path -> new relative path,
    or None to remove) is applied to the existing files first. All in one rename."""
    target = target.resolve() if target.exists() else target.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        recover(target)
        tmp = staging_dir(target.parent, f".{target.name}.")
    except OSError as exc:
        raise write_error(exc, target, "cannot write output") from None
    try:
        staging = tmp / target.name
        if target.exists() and keep_existing:
            shutil.copytree(target, staging, symlinks=True)
        else:
            staging.mkdir()
        for old, new in sorted((moves or {}).items()):
            source = staging / old
            if not source.exists():
                continue
            if new is None:
                source.unlink()
            else:
                (staging / new).parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, staging / new)
        written = []
        for rel, text in sorted(files.items()):
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if not isinstance(text, str):  # a file written elsewhere (bulk.DataFile): move it in
                shutil.move(str(text.path), path)
            else:
                with open(path, "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(text)
            written.append(path)
        flush_to_disk(written)
        if target.exists():
            backup = target.with_name(target.name + BACKUP_SUFFIX)
            os.rename(target, backup)
            os.rename(staging, target)
            shutil.rmtree(backup)
        else:
            os.rename(staging, target)
    except OSError as exc:
        raise write_error(exc, target, "cannot write output") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def flush_to_disk(paths: list[Path]) -> None:
    """Make what was written reach the disk before a rename publishes it (so a power cut
    cannot leave the new tree with empty files): one sync(2) for the whole tree, where the
    system has it (a thousand fsync calls cost about fifteen times more); else each file's
    fsync."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:
        with open(path, "rb+") as fh:
            os.fsync(fh.fileno())


def write_file(path: Path, text: str) -> None:
    """Write one file atomically (temporary file beside it, then rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(exc, path, "cannot write file") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(exc, path, "cannot write file") from None
