"""Readers hand over a file of textio.LARGE_FILE bytes or more as a lazily read TextFile
(formats.base.sql_script). Read that way, every bundled sample must scan to the same
migrations (versions, flags, the tools' own checksums) and split into the same statements
as when every file is read whole; a bad byte in a large file is still a scan error."""

from __future__ import annotations

from pathlib import Path

import pytest

from converter.errors import InputError
from converter.formats import base
from converter.formats.base import ReadOptions
from converter.legacy import scan
from converter.split import iter_statements
from converter.textio import script_source

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DIRS = sorted(
    p
    for fmt in SAMPLES.iterdir()
    if fmt.is_dir() and fmt.name not in ("multi-dialect", "code-migrations")
    for p in fmt.iterdir()
    if p.is_dir()
)


def statements(script, dialect):
    if script.language != "sql":
        return script.text
    return [
        (s.text, s.line, s.kind, s.comment)
        for s in iter_statements(script, dialect, script_source(script))
    ]


def described(root: Path, dialect: str):
    result = scan(root, None, ReadOptions(dialect=dialect))
    return [
        (m.version, m.kind, m.transactional, m.tool_checksum, m.checksum,
         [statements(s, dialect) for s in m.up], [statements(s, dialect) for s in m.down])
        for m in result.migrations
    ], [(p.code, p.line) for p in result.problems]  # fmt: skip


@pytest.mark.parametrize("root", DIRS, ids=lambda p: f"{p.parent.name}-{p.name}")
def test_a_sample_read_lazily_is_the_same_history(root, monkeypatch):
    dialect = root.name
    whole = described(root, dialect)
    monkeypatch.setattr(base, "LARGE_FILE", 0)
    lazy_scan = scan(root, None, ReadOptions(dialect=dialect))
    lazily = described(root, dialect)
    assert lazily == whole
    if root.parent.name in ("plain", "flyway", "golang-migrate", "diesel", "sqitch"):
        # the readers that take whole files as scripts really used the lazy path here
        assert any(s.file is not None for m in lazy_scan.migrations for s in m.up)


def test_a_bad_byte_in_a_large_file_is_a_scan_error(tmp_path, monkeypatch):
    root = tmp_path / "migrations"
    root.mkdir()
    (root / "V1__init.sql").write_bytes(
        b"CREATE TABLE a (id INT);\n" * 3 + b"INSERT INTO a VALUES (1); -- caf\xe9\n"
    )
    monkeypatch.setattr(base, "LARGE_FILE", 0)
    with pytest.raises(InputError) as info:
        scan(root, None, ReadOptions(dialect="sqlite"))
    assert Path(info.value.path).name == "V1__init.sql" and info.value.line == 4
