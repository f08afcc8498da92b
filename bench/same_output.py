"""Is convert's output unchanged? Converts bench corpora with another checkout's `converter`
package (the reference, e.g. main's) and with this one, and compares the two trees byte for
byte (every file, its name and its content).

    git -C /work/main archive main converter | tar -x -C /tmp/main-src
    python bench/same_output.py --reference /tmp/main-src              # the full suite
    python bench/same_output.py --reference /tmp/main-src --quick      # the small corpora
    python bench/same_output.py --reference /tmp/main-src --corpus ddl-1000 --dialect sqlite

Each convert runs in a child process (`--style ops`, `--date-from 20240101`, as bench/run.py
measures it) with PYTHONPATH set to the source under test; `--keep DIR` keeps the reference
trees there and reuses them on the next run. Exit status 1 when any tree differs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - bench/ is not a package

CONVERT = (
    "import sys; from pathlib import Path; "
    "from converter.convert import ConvertOptions, convert; "
    "import converter; print(converter.__file__); "
    "convert(Path(sys.argv[1]), Path(sys.argv[2]), "
    "ConvertOptions(dialect=sys.argv[3], date_from='20240101'))"
)


def convert_with(source: Path, corpus: Path, dialect: str, out: Path) -> None:
    """Convert `corpus` into `out` with the `converter` package found in `source`."""
    env = dict(os.environ)
    out.parent.mkdir(parents=True, exist_ok=True)
    env["PYTHONPATH"] = os.pathsep.join([str(source), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-c", CONVERT, str(corpus), str(out), dialect],
        env=env,
        cwd=out.parent,  # not this checkout: `python -c` puts the working folder first
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"convert with {source} failed on {corpus}:\n{done.stderr[-2000:]}")
    used = Path(done.stdout.splitlines()[0]).resolve()
    if not used.is_relative_to(source.resolve()):
        raise SystemExit(f"the child imported {used}, not the converter package in {source}")


def tree(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `root`."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as fh:
                out[str(path.relative_to(root))] = hashlib.file_digest(fh, "sha256").hexdigest()
    return out


def differences(a: dict[str, str], b: dict[str, str]) -> list[str]:
    lines = [f"only in the reference: {p}" for p in sorted(a.keys() - b.keys())]
    lines += [f"only in this checkout: {p}" for p in sorted(b.keys() - a.keys())]
    lines += [f"differs: {p}" for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, required=True, help="folder holding converter/")
    parser.add_argument("--quick", action="store_true", help="the --quick corpora of bench/run.py")
    parser.add_argument("--dialect", action="append", choices=generate.DIALECTS)
    parser.add_argument("--corpus", action="append", help="a corpus name (ddl-1000); repeatable")
    parser.add_argument("--data-dir", type=Path, default=generate.DEFAULT_DATA_DIR)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the reference trees here")
    args = parser.parse_args(argv)
    ours = HERE.parent
    failed = 0
    for dialect in args.dialect or generate.DIALECTS:
        for kind, count in generate.corpora(dialect, quick=args.quick):
            name = generate.corpus_name(kind, count)
            if args.corpus and name not in args.corpus:
                continue
            corpus = generate.ensure_corpus(args.data_dir, kind, count, dialect)
            with tempfile.TemporaryDirectory(prefix="same-output-") as tmp:
                ref = (args.keep or Path(tmp)) / dialect / name / "alembic"
                if not ref.is_dir():
                    convert_with(args.reference, corpus.root, dialect, ref)
                mine = Path(tmp) / "ours" / "alembic"
                convert_with(ours, corpus.root, dialect, mine)
                found = differences(tree(ref), tree(mine))
                shutil.rmtree(mine.parent)
            status = "same" if not found else f"{len(found)} difference(s)"
            print(f"{dialect:<10} {name:<12} {status}", flush=True)
            for line in found[:20]:
                print(f"    {line}")
            failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
