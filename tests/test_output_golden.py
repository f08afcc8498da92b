"""The output of convert on every sample, byte for byte.

tests/golden/convert.json holds the SHA-256 of every file convert writes for every sample and
dialect (and the multi-dialect sample for all three). Refactorings must leave it unchanged;
a change of the generated output is deliberate and is recorded by regenerating the manifest:

    CONVERTER_GOLDEN_UPDATE=1 python -m pytest tests/test_output_golden.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from converter.convert import ConvertOptions, convert

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MANIFEST = Path(__file__).resolve().parent / "golden" / "convert.json"
CASES = [
    (f"{fmt.name}/{dialect.name}", dialect.name)
    for fmt in sorted(SAMPLES.iterdir())
    if fmt.is_dir() and fmt.name not in ("multi-dialect", "code-migrations")
    for dialect in sorted(fmt.iterdir())
    if dialect.is_dir()
] + [("multi-dialect", "all")]


def tree_digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def converted(case: str, dialect: str, tmp_path: Path) -> dict[str, str]:
    out = tmp_path / "alembic"
    convert(SAMPLES / case, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    return tree_digests(tmp_path)


def test_every_sample_is_in_the_manifest():
    if os.environ.get("CONVERTER_GOLDEN_UPDATE") == "1":
        pytest.skip("regenerating the manifest")
    assert sorted(json.loads(MANIFEST.read_text())) == sorted(case for case, _ in CASES)


@pytest.mark.parametrize(("case", "dialect"), CASES)
def test_convert_output_is_byte_identical(case, dialect, tmp_path):
    actual = converted(case, dialect, tmp_path)
    if os.environ.get("CONVERTER_GOLDEN_UPDATE") == "1":
        manifest = json.loads(MANIFEST.read_text()) if MANIFEST.exists() else {}
        manifest[case] = actual
        MANIFEST.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        return
    expected = json.loads(MANIFEST.read_text())[case]
    changed = sorted(k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k))
    assert not changed, f"{case}: output differs from tests/golden/convert.json in {changed}"
