"""Shared reader helpers."""

import os

from converter.formats.base import date_from_version, iter_files


def test_iter_files_survives_a_symlink_loop(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "V1__x.sql").write_text("SELECT 1;")
    os.symlink(tmp_path, tmp_path / "a" / "loop")
    files = [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path, recursive=True)]
    assert files == ["a/V1__x.sql"]


def test_date_from_version():
    assert date_from_version("20240301120000").isoformat() == "2024-03-01T12:00:00"
    assert date_from_version("2024-03-01-120000").isoformat() == "2024-03-01T12:00:00"
    assert date_from_version("20241399") is None
    assert date_from_version("7") is None
