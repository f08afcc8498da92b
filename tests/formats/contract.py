"""The contract every legacy format keeps, and the helpers every format's tests share.

A format's test file holds one class that subclasses `FormatContract` and names the format
(and its sample folder when that differs); it inherits the whole contract, run on each of the
format's samples (samples/<folder>/<dialect>/):

- detection: the sample is detected as this format, which ranks above every other format;
  another format's sample is not claimed at all (plain, the catch-all for numbered files,
  may claim one, ranked below the sample's own format);
- read: the sample's migrations read without problems, in order, each with its up, and a
  down wherever the ISP history (samples/isp_history.py) has one;
- round trip: the SQLite sample converts (converter.convert) and verifies equivalent on
  SQLite, downgrades included (converter.verify).

The same pattern as sqlglot's `Validator` base class for dialect tests. The rest of a format's
file tests what only that format does, with `write()`, `codes()` and the sample lists here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import pytest

from converter.convert import ConvertOptions, convert
from converter.formats import all_formats, detect_format
from converter.legacy import scan
from converter.verify import VerifyOptions, verify

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DIALECTS = ("postgresql", "mysql", "sqlite")


def _isp_history() -> ModuleType:
    spec = importlib.util.spec_from_file_location("isp_history", SAMPLES / "isp_history.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The ISP history every sample holds: ISP.steps(dialect) -> (number, slug, description, up, down)
ISP = _isp_history()


def write(path: Path, text: str | bytes = "SELECT 1;\n") -> Path:
    """Write `text` (UTF-8 when a str) to `path`, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def codes(result) -> list[str]:
    """The problem codes of a scan result, in order."""
    return [p.code for p in result.problems]


def located_codes(result) -> list[tuple[str, str, str]]:
    """(severity, code, file name) of each problem of a scan result, in order."""
    return [(p.severity.value, p.code, p.path.name if p.path else "") for p in result.problems]


def detection_scores(root: Path) -> dict[str, int]:
    """How sure each known format is that `root` is in it (0: not at all)."""
    return {f.name: f.detect(root) for f in all_formats()}


def assert_ranks_first(root: Path, name: str) -> None:
    """`name` claims `root` and ranks strictly above every other format."""
    scores = detection_scores(root)
    others = {n: s for n, s in scores.items() if n != name}
    assert scores[name] > 0 and all(scores[name] > s for s in others.values()), scores


def sample_format(folder: str) -> str:
    """The format of a sample folder: its name (`flyway`), or a format name and what the
    sample shows (`flyway-alembic-before`, `goose-liamstask`)."""
    from converter.formats import FORMAT_MODULES

    names = [n for n in FORMAT_MODULES if folder == n or folder.startswith(n + "-")]
    return max(names, key=len) if names else folder


def other_samples(name: str) -> list[Path]:
    """Every sample folder (samples/<sample>/<dialect>/) of the formats other than `name`."""
    return sorted(
        d
        for d in SAMPLES.glob("*/*")
        if d.is_dir()
        and d.parent.name != "code-migrations"
        and sample_format(d.parent.name) != name
    )


def _words(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().lower()


class FormatContract:
    """Subclass as `class TestContract(FormatContract): format = "flyway"`."""

    format: ClassVar[str]
    samples: ClassVar[str] = ""  # the folder under samples/ when it is not the format's name
    catch_all: ClassVar[bool] = False  # claims other formats' numbered files, below them

    @pytest.fixture(params=DIALECTS)
    def sample(self, request: pytest.FixtureRequest) -> tuple[str, Path]:
        """(dialect, folder) of each of the format's samples."""
        return request.param, SAMPLES / (self.samples or self.format) / request.param

    def test_sample_is_detected_as_this_format(self, sample):
        _, root = sample
        assert detect_format(root).name == self.format

    def test_sample_ranks_this_format_above_every_other(self, sample):
        _, root = sample
        assert_ranks_first(root, self.format)

    def test_other_formats_samples_are_not_claimed(self, other_sample: Path):
        scores = detection_scores(other_sample)
        if self.catch_all:
            assert scores[sample_format(other_sample.parent.name)] > scores[self.format], scores
        else:
            assert scores[self.format] == 0, scores

    def test_sample_reads_in_order_with_ups_and_downs(self, sample):
        dialect, root = sample
        result = scan(root, self.format)
        assert result.problems == []
        ms = result.migrations
        assert all(m.format == self.format and m.up for m in ms)
        keys = [m.sort_key for m in ms]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        # the ISP history's steps are read in their order (a sample may hold a few more)
        described = [_words(m.description) for m in ms]
        position = 0
        for _, _, description, _, down in ISP.steps(dialect):
            assert _words(description) in described[position:], (description, described)
            position = described.index(_words(description), position)
            m = ms[position]
            if down is not None:
                assert m.has_down, m.name
            else:  # no down, or one that says so explicitly (Liquibase's `not required`)
                assert not "".join(s.text for s in m.down).strip(), m.name
            position += 1

    def test_sqlite_sample_round_trips_through_convert_and_verify(self, tmp_path):
        legacy = SAMPLES / (self.samples or self.format) / "sqlite"
        out = tmp_path / "alembic"
        result = convert(legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
        assert result.format == self.format
        report = verify(legacy, out, VerifyOptions(downgrade=True))
        assert report.equivalent, report.text()
