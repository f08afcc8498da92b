"""convert --baseline-at: a legacy prefix folded into one revision (issue 18, convert side)."""

from __future__ import annotations

from pathlib import Path

from converter.history import read_revision_file


def test_legacy_record_reads_baseline_fields(tmp_path: Path) -> None:
    path = tmp_path / "20240101_baseline.py"
    path.write_text(
        'revision = "abc"\n'
        "down_revision = None\n"
        "legacy = {\n"
        '    "format": "flyway",\n'
        '    "version": "3",\n'
        '    "kind": "baseline",\n'
        '    "covers": ["1", "2", "3"],\n'
        '    "files": ["V1__a.sql", "V2__b.sql", "V3__c.sql"],\n'
        '    "sha256": "00",\n'
        '    "tool_checksum": None,\n'
        '    "missing_variants": [],\n'
        '    "dialects": ["sqlite"],\n'
        '    "baseline_data": ["countries"],\n'
        "}\n",
        encoding="utf-8",
    )
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.kind == "baseline"
    assert record.version == "3"
    assert record.covers == ("1", "2", "3")
    assert record.baseline_data == ("countries",)
    assert record.dialects == ("sqlite",)


def test_legacy_record_without_baseline_fields_has_empty_defaults(tmp_path: Path) -> None:
    path = tmp_path / "20240101_x.py"
    path.write_text('revision = "abc"\nlegacy = {"format": "flyway", "version": "1"}\n')
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.covers == () and record.baseline_data == ()
