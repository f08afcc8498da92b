"""Output trees are written atomically: the old tree or the complete new one, never half."""

import os
from pathlib import Path

import pytest

from converter import write
from converter.errors import OutputError
from converter.write import BACKUP_SUFFIX, recover, write_file, write_tree


def test_new_tree(tmp_path):
    target = tmp_path / "alembic"
    write_tree(target, {"env.py": "x = 1\n", "versions/a.py": "a\n"})
    assert (target / "env.py").read_text() == "x = 1\n"
    assert (target / "versions/a.py").read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alembic"]  # no temp dirs left


def test_existing_tree_keeps_other_files(tmp_path):
    target = tmp_path / "alembic"
    write_tree(target, {"env.py": "mine\n", "versions/a.py": "a\n"})
    write_tree(target, {"versions/b.py": "b\n", "versions/a.py": "a2\n"})
    assert (target / "env.py").read_text() == "mine\n"
    assert (target / "versions/a.py").read_text() == "a2\n"
    assert (target / "versions/b.py").read_text() == "b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alembic"]


def test_failure_while_writing_leaves_the_old_tree(tmp_path, monkeypatch):
    target = tmp_path / "alembic"
    write_tree(target, {"versions/a.py": "old\n"})

    real_rename = os.rename

    def failing_rename(src, dst):
        if str(dst).endswith(BACKUP_SUFFIX):
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing_rename)
    with pytest.raises(OutputError, match="No space left"):
        write_tree(target, {"versions/a.py": "new\n", "versions/b.py": "b\n"})
    assert (target / "versions/a.py").read_text() == "old\n"
    assert not (target / "versions/b.py").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alembic"]


def test_recover_after_a_crash_between_the_two_renames(tmp_path):
    target = tmp_path / "alembic"
    backup = tmp_path / ("alembic" + BACKUP_SUFFIX)
    (backup / "versions").mkdir(parents=True)
    (backup / "versions/a.py").write_text("old\n")
    recover(target)
    assert (target / "versions/a.py").read_text() == "old\n"
    assert not backup.exists()


def test_write_file_is_atomic_and_leaves_no_temp(tmp_path):
    p = tmp_path / "alembic.ini"
    write_file(p, "[alembic]\n")
    assert p.read_text() == "[alembic]\n"
    assert [x.name for x in tmp_path.iterdir()] == ["alembic.ini"]


def test_write_file_gives_the_usual_permissions(tmp_path):
    p = tmp_path / "alembic.ini"
    umask = os.umask(0o022)
    try:
        write_file(p, "[alembic]\n")
    finally:
        os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o644


def test_everything_reaches_the_disk_before_the_rename_publishes_it(tmp_path, monkeypatch):
    target = tmp_path / "alembic"
    seen = []

    def sync():
        staged = sorted(
            p.relative_to(p.parents[1]).as_posix()
            for p in tmp_path.glob(".alembic.*/alembic/versions/*")
        )
        seen.append((staged, target.exists()))

    monkeypatch.setattr(write.os, "sync", sync)
    write.write_tree(target, {"versions/a.py": "a", "versions/b.py": "b"})
    assert seen == [
        (["versions/a.py", "versions/b.py"], False)
    ]  # once, all files, before the rename
    assert (target / "versions" / "b.py").read_text() == "b"


def test_without_sync_each_file_is_fsynced(tmp_path, monkeypatch):
    synced = []
    real_fsync = write.os.fsync
    monkeypatch.delattr(write.os, "sync")
    monkeypatch.setattr(
        write.os,
        "fsync",
        lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real_fsync(fd),
    )
    write.write_tree(tmp_path / "alembic", {"versions/a.py": "a", "versions/b.py": "b"})
    assert sorted(Path(p).name for p in synced) == ["a.py", "b.py"]
