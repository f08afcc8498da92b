"""Generated Python formatted the way `ruff format` writes it with ruff's defaults.

Revisions are assembled from pieces (Alembic's renderer quotes with '...', long calls stay
on one line), so the text is given to ruff's own formatter, once per convert run for all
files (a temporary folder, one ruff process), before the `# converter:` trailer is added.
ruff changes layout and quotes only, never what the code does or a string's value (the SQL
kept verbatim is untouched). `ruff` is a dependency of converter, not of the output.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from converter.errors import OutputError


def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is a dependency
        raise OutputError(
            "ruff is not installed: converter formats the files it writes with it",
            hint='pip install "ruff>=0.5"',
        ) from None
    return str(find_ruff_bin())


def format_sources(texts: list[str]) -> list[str]:
    """Each text formatted by `ruff format --isolated` (ruff's defaults, no project config)."""
    if not texts:
        return []
    with tempfile.TemporaryDirectory(prefix="converter-format-") as tmp:
        paths = [Path(tmp) / f"m{i}.py" for i in range(len(texts))]
        for path, text in zip(paths, texts, strict=True):
            path.write_text(text, encoding="utf-8")
        done = subprocess.run(
            [ruff_binary(), "format", "--isolated", "--quiet", "--no-cache", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise OutputError(
                "ruff could not format the generated revisions: " + done.stderr.strip()[:2000],
                hint="report this with the legacy file; convert with --style sql meanwhile",
            )
        return [path.read_text(encoding="utf-8") for path in paths]
