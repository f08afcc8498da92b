"""The benchmark suite: convert, verify and stamp on synthetic legacy histories, each measured
against what it is compared with, in the same run.

    /work/venv/bin/python bench/run.py            # everything, median of 3 runs
    /work/venv/bin/python bench/run.py --quick    # small corpora, a 10 MB seed, 1 run
    /work/venv/bin/python bench/run.py --suite convert --dialect sqlite --corpus data-1000

Every measurement runs in its own child process (`--worker ...`): the seconds are those of
the work alone (imports, set-up and clean-up excluded, on both sides); the peak RSS is the
child's whole-process maximum (of its largest process: convert's workers are its children), read with `os.wait4` (ru_maxrss) when it exits. Rounds
alternate the measured command and its floor, so noise on a busy machine hits both; a ratio
is computed per round and the median of those is reported, next to the median times.

- convert (`--jobs` as convert's own default, one process per CPU, unless `--jobs N` is
  given): its floor is sqlglot (with sqlglotc when installed) parsing every statement of
  the same corpus: `sqlglot.parse(file, read=dialect, error_level=IGNORE)` per file (IGNORE:
  a statement sqlglot rejects costs what it costs but does not stop the floor). Files over
  1 MB (the seed) are parsed in pieces of about 1 MB cut after a `;` that ends a line, which
  the generator guarantees is a statement end in data files; whole, sqlglot would need
  gigabytes. Targets: ratio <= 1.0; 5,000 migrations <= 5.5x the cost of 1,000; peak RSS
  under 200 MB on the 100 MB seed file.
- verify --stepwise: its floor is applying the legacy chain once (`converter.apply`) to a
  scratch database of the same kind. The Alembic directory is converted with `--style sql`
  beforehand (not timed), so the measurement is verify's own cost. Target: ratio <= 3;
  linear in the number of migrations (300 against 100: <= 3.3x). One round unless --runs
  is given (a stepwise verify of 1,000 migrations took 14 minutes on SQLite when written).
  verify's scratch databases do not wait for the disk on commit (`scratch.not_durable`), the
  floor does: each round also applies the chain that way ("no-fsync apply"), and the ratio
  to it is printed beside, so that a busy disk cannot flatter verify unseen.
- stamp --jobs 4, fingerprints cached (a first stamp builds the cache, not timed): databases
  per second over 40 scratch databases at four states of the ddl-100 history (one round
  unless --runs is given). Targets: 50/s
  on SQLite, 10/s on PostgreSQL (MySQL has no template databases to copy: not measured).

PostgreSQL and MySQL servers come from CONVERTER_TEST_PG / CONVERTER_TEST_MYSQL (the test
suite's defaults otherwise); a suite whose server is down is skipped with a note. Corpora
come from `bench/generate.py`, cached under bench/.data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - bench/ is not a package

CONVERT_TARGET = 1.0  # convert time / floor time
LINEAR_TARGET = 5.5  # 5,000 migrations / 1,000 migrations
RSS_TARGET_MB = 200.0  # peak RSS converting the seed file, and 5,000 migrations
VERIFY_TARGET = 3.0  # verify --stepwise / applying the legacy chain once
VERIFY_LINEAR_TARGET = 3.3  # 300 migrations / 100
STAMP_TARGETS = {"sqlite": 50.0, "postgresql": 10.0}  # databases per second with --jobs 4
STAMP_DATABASES = 40
STAMP_JOBS = 4
FLOOR_CHUNK = 1_000_000
SERVERS = {
    "postgresql": os.environ.get(
        "CONVERTER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("CONVERTER_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/"),
}
SUITES = ("convert", "verify", "stamp")
# verify is measured on small corpora: it costs far more than convert per migration
VERIFY_CORPORA = {
    False: (("ddl", 100), ("data", 100), ("ddl", 300), ("data", 300)),
    True: (("ddl", 100),),
}


# -- workers (each runs in a child process) ---------------------------------------------------


def worker_convert(path: Path, dialect: str, style: str, jobs: int | None = None) -> dict:
    import converter
    from converter.convert import ConvertOptions, convert

    out_parent = Path(tempfile.mkdtemp(prefix="bench-convert-"))
    try:
        options = ConvertOptions(dialect=dialect, style=style, date_from="20240101")
        if jobs is not None:  # convert --jobs (default: one process per CPU)
            options = ConvertOptions(dialect=dialect, style=style, date_from="20240101", jobs=jobs)
        start = time.perf_counter()
        result = convert(path, out_parent / "alembic", options)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "revisions": len(result.plans), "converter": converter.__file__}
    finally:
        shutil.rmtree(out_parent, ignore_errors=True)


def floor_pieces(text: str, size: int = FLOOR_CHUNK):
    """`text` cut into pieces of about `size` characters, after a `;` that ends a line."""
    start = 0
    while start < len(text):
        end = len(text)
        if end - start > size:
            cut = text.find(";\n", start + size)
            end = end if cut < 0 else cut + 2
        yield text[start:end]
        start = end


def worker_floor(path: Path, dialect: str) -> dict:
    import sqlglot
    from sqlglot.errors import ErrorLevel

    read = {"postgresql": "postgres"}.get(dialect, dialect)
    files = sorted(p for p in path.iterdir() if p.suffix == ".sql")
    start = time.perf_counter()
    statements = 0
    for p in files:
        text = p.read_text(encoding="utf-8")
        for piece in floor_pieces(text):
            statements += len(sqlglot.parse(piece, read=read, error_level=ErrorLevel.IGNORE))
        del text
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "statements": statements}


def server_url(dialect: str) -> str | None:
    return SERVERS.get(dialect)


def convert_sql_style(path: Path, dialect: str, out: Path) -> None:
    from converter.convert import ConvertOptions, convert

    convert(path, out, ConvertOptions(dialect=dialect, style="sql", date_from="20240101"))


def worker_verify(path: Path, dialect: str) -> dict:
    from converter.verify import VerifyOptions, verify

    tmp = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    try:
        convert_sql_style(path, dialect, tmp / "alembic")
        options = VerifyOptions(url=server_url(dialect), dialect=dialect, stepwise=True)
        start = time.perf_counter()
        report = verify(path, tmp / "alembic", options)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "equivalent": report.equivalent, "summary": report.summary()}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def legacy_engine(url: str, dialect: str, durable: bool = True):
    import sqlalchemy as sa

    from converter.apply import sqlite_transactional_ddl
    from converter.scratch import not_durable

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if dialect == "sqlite":
        sqlite_transactional_ddl(engine)
    if not durable:
        not_durable(engine)
    return engine


def worker_apply(path: Path, dialect: str, durable: bool = True) -> dict:
    """verify's floor: the legacy chain applied once, the legacy tool's way (`durable`
    False: with commits that do not wait for the disk, as verify's scratch databases)."""
    from converter.apply import apply_migration
    from converter.formats.base import ReadOptions
    from converter.legacy import scan
    from converter.scratch import scratch_databases

    migrations = scan(path, None, ReadOptions(dialect=dialect)).migrations
    with scratch_databases(server_url(dialect), ["legacy"], prefix="bench_apply") as urls:
        engine = legacy_engine(urls["legacy"], dialect, durable)
        try:
            start = time.perf_counter()
            for m in migrations:
                apply_migration(engine, m, dialect)
            seconds = time.perf_counter() - start
        finally:
            engine.dispose()
    return {"seconds": seconds, "migrations": len(migrations)}


def worker_stamp(path: Path, dialect: str) -> dict:
    """STAMP_DATABASES databases at four states of the history, stamped with --jobs 4 by
    schema fingerprint; the fingerprint cache is built by a first, untimed stamp."""
    import sqlalchemy as sa

    from converter.apply import apply_migration
    from converter.formats.base import ReadOptions
    from converter.legacy import scan
    from converter.scratch import admin_engine, scratch_databases
    from converter.stamp import StampOptions, stamp

    migrations = scan(path, None, ReadOptions(dialect=dialect)).migrations
    states = [len(migrations) * k // 4 for k in (1, 2, 3, 4)]
    tmp = Path(tempfile.mkdtemp(prefix="bench-stamp-"))
    labels = (
        [f"s{k}" for k in range(len(states))]
        + ["warm"]
        + [f"db{i}" for i in range(STAMP_DATABASES)]
    )
    try:
        convert_sql_style(path, dialect, tmp / "alembic")
        with scratch_databases(server_url(dialect), labels, prefix="bench_stamp") as urls:
            for k, count in enumerate(states):  # the templates: the legacy chain up to a state
                engine = legacy_engine(urls[f"s{k}"], dialect)
                try:
                    for m in migrations[:count]:
                        apply_migration(engine, m, dialect)
                finally:
                    engine.dispose()
            targets = ["warm"] + [f"db{i}" for i in range(STAMP_DATABASES)]
            if dialect == "sqlite":
                for i, label in enumerate(targets):
                    shutil.copyfile(
                        sa.make_url(urls[f"s{i % 4}"]).database, sa.make_url(urls[label]).database
                    )
            else:
                admin = admin_engine(sa.make_url(server_url(dialect)))
                try:
                    with admin.connect() as conn:
                        for i, label in enumerate(targets):
                            name, template = (
                                sa.make_url(urls[x]).database for x in (label, f"s{i % 4}")
                            )
                            conn.exec_driver_sql(f'DROP DATABASE "{name}"')
                            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                finally:
                    admin.dispose()
            common = {"legacy_dir": path, "from_table": "none", "jobs": STAMP_JOBS}
            warm = stamp(tmp / "alembic", StampOptions(urls=[urls["warm"]], **common))
            timed = [urls[f"db{i}"] for i in range(STAMP_DATABASES)]
            start = time.perf_counter()
            report = stamp(tmp / "alembic", StampOptions(urls=timed, **common))
            seconds = time.perf_counter() - start
        refused = [r.reason for r in report.results if r.refused] + [
            r.reason for r in warm.results if r.refused
        ]
        return {
            "seconds": seconds,
            "databases": len(timed),
            "refused": refused[:3],
            "summary": report.summary(),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


WORKERS = {
    "convert": lambda a: worker_convert(Path(a.path), a.worker_dialect, a.style, a.jobs),
    "floor": lambda a: worker_floor(Path(a.path), a.worker_dialect),
    "verify": lambda a: worker_verify(Path(a.path), a.worker_dialect),
    "apply": lambda a: worker_apply(Path(a.path), a.worker_dialect),
    "apply-nd": lambda a: worker_apply(Path(a.path), a.worker_dialect, durable=False),
    "stamp": lambda a: worker_stamp(Path(a.path), a.worker_dialect),
}


def run_worker(args: argparse.Namespace) -> int:
    print(json.dumps(WORKERS[args.worker](args)))
    return 0


# -- the parent: rounds, medians, tables ------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    rss_mb: float
    info: dict


class WorkerFailed(RuntimeError):
    pass


def measure(worker: str, path: Path, dialect: str, args: argparse.Namespace) -> Sample:
    """Run one worker in a child process; its seconds and its peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", worker, "--path", str(path),
           "--worker-dialect", dialect, "--style", args.style]  # fmt: skip
    if getattr(args, "jobs", None) is not None:
        cmd += ["--jobs", str(args.jobs)]
    env = dict(os.environ)
    if args.source is not None:  # measure the `converter` package of another checkout
        env["PYTHONPATH"] = os.pathsep.join(
            [str(args.source), *filter(None, [env.get("PYTHONPATH")])]
        )
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            lines = err.read().decode(errors="replace").strip().splitlines()
            tail = [
                ln for ln in lines if ln.strip() and not ln.startswith(("(Background", "[SQL", " "))
            ]
            raise WorkerFailed(
                f"{worker} on {path.name} ({dialect}) failed: {(tail or ['?'])[-1][:300]}"
            )
        info = json.loads(out.read().decode().strip().splitlines()[-1])
    return Sample(info["seconds"], usage.ru_maxrss / 1024, info)  # ru_maxrss: KiB on Linux


@dataclass
class Row:
    """One corpus measured against its floor, several rounds."""

    suite: str
    dialect: str
    corpus: generate.Corpus
    tool: list[Sample] = field(default_factory=list)
    floor: list[Sample] = field(default_factory=list)
    floor_nd: list[Sample] = field(default_factory=list)  # verify: the floor without fsync
    error: str | None = None

    @property
    def mb(self) -> float:
        return self.corpus.bytes / 1e6

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.tool)

    @property
    def floor_seconds(self) -> float:
        return statistics.median(s.seconds for s in self.floor)

    @property
    def ratio_nd(self) -> float | None:
        if not self.floor_nd:
            return None
        return statistics.median(
            t.seconds / f.seconds for t, f in zip(self.tool, self.floor_nd, strict=False)
        )

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.tool)

    @property
    def ratio(self) -> float:
        return statistics.median(
            t.seconds / f.seconds for t, f in zip(self.tool, self.floor, strict=False)
        )

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.tool)


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
        )
        mem_gb = f"{int(mem.split()[1]) / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration):
        mem_gb = "?"
    import sqlglot
    from sqlglot import tokens

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlglot": sqlglot.__version__,
        "sqlglotc": bool(getattr(tokens, "SQLGLOTC_INSTALLED", False)),
    }


def server_up(dialect: str) -> bool:
    url = server_url(dialect)
    if url is None:
        return True
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001 - any failure to connect means "no server"
        return False
    finally:
        engine.dispose()


def wanted(args: argparse.Namespace, kind: str, count: float) -> bool:
    name = generate.corpus_name(kind, count)
    return not args.corpus or name in args.corpus or kind in args.corpus


def plan_rows(args: argparse.Namespace) -> list[tuple[str, str, str, float]]:
    """(suite, dialect, kind, count) in the order they run."""
    chosen = []
    for dialect in args.dialect or generate.DIALECTS:
        if "convert" in args.suite:
            for kind, count in generate.corpora(dialect, quick=args.quick):
                if wanted(args, kind, count):
                    chosen.append(("convert", dialect, kind, count))
        if "verify" in args.suite:
            for kind, count in VERIFY_CORPORA[args.quick]:
                if wanted(args, kind, count):
                    chosen.append(("verify", dialect, kind, count))
        if "stamp" in args.suite and dialect in STAMP_TARGETS and wanted(args, "ddl", 100):
            chosen.append(("stamp", dialect, "ddl", 100))
    return chosen


FLOORS = {"convert": "floor", "verify": "apply", "stamp": None}


def run_suite(args: argparse.Namespace) -> list[Row]:
    from rich.console import Console

    console = Console(stderr=True)
    rows: list[Row] = []
    up: dict[str, bool] = {}
    for suite, dialect, kind, count in plan_rows(args):
        with console.status(f"generating {dialect} {generate.corpus_name(kind, count)}"):
            corpus = generate.ensure_corpus(args.data_dir, kind, count, dialect)
        row = Row(suite, dialect, corpus)
        rows.append(row)
        if suite != "convert" and not up.setdefault(dialect, server_up(dialect)):
            row.error = f"no {dialect} server at {server_url(dialect)}"
            continue
        floor = FLOORS[suite]
        runs = args.runs if suite == "convert" or args.runs_given else 1
        try:
            for i in range(runs):
                with console.status(f"{suite} {dialect} {corpus.name}: round {i + 1}/{runs}"):
                    row.tool.append(measure(suite, corpus.root, dialect, args))
                    if floor:
                        row.floor.append(measure(floor, corpus.root, dialect, args))
                    if suite == "verify":
                        row.floor_nd.append(measure("apply-nd", corpus.root, dialect, args))
        except WorkerFailed as exc:
            row.error = str(exc)
            console.log(f"[red]{exc}[/]")
            continue
        extra = f", floor {row.floor_seconds:.2f}s, ratio {row.ratio:.2f}" if row.floor else ""
        console.log(
            f"{suite} {dialect} {corpus.name}: {row.seconds:.2f}s{extra}, peak RSS {row.rss:.0f} MB"
        )
    return rows


def verdict(ok: bool) -> str:
    return "[green]met[/]" if ok else "[red]missed[/]"


def scale_checks(rows: list[Row], suite: str, big: str, small: str, target: float):
    """(dialect, kind, cost of `big` / cost of `small`, met) for rows of `suite`."""
    found = {(r.dialect, r.corpus.name): r for r in rows if r.suite == suite and r.ok}
    checks = []
    for (dialect, name), r in found.items():
        kind, _, count = name.partition("-")
        other = found.get((dialect, f"{kind}-{small}"))
        if count == big and other is not None:
            scale = r.seconds / other.seconds
            checks.append((dialect, kind, scale, scale <= target))
    return checks


def total_ratio(rows: list[Row]) -> float | None:
    done = [r for r in rows if r.suite == "convert" and r.ok]
    if not done:
        return None
    return sum(r.seconds for r in done) / sum(r.floor_seconds for r in done)


def render(rows: list[Row], args: argparse.Namespace) -> dict[str, str]:
    """Print the tables; returns each suite's as plain text too (for --results)."""
    from rich.console import Console
    from rich.table import Table

    # wide tables, never wrapped in a pipe; recorded for --results
    console = Console(width=max(Console().width, 170), record=True)
    convert = [r for r in rows if r.suite == "convert"]
    if convert:
        jobs = getattr(args, "jobs", None) or "one per CPU"
        title = f"convert (--style {args.style}, --jobs {jobs}) vs the floor (sqlglot parsing the corpus), median of {args.runs}"
        table = Table(title=title)
        for col in ("dialect", "corpus", "MB", "statements", "convert s", "MB/s", "stmt/s", "peak RSS MB",
                    "floor s", "floor MB/s", "floor RSS MB", "ratio", f"<= {CONVERT_TARGET}x"):  # fmt: skip
            table.add_column(col, justify="left" if col in ("dialect", "corpus") else "right")
        for r in convert:
            if not r.ok:
                table.add_row(
                    r.dialect,
                    r.corpus.name,
                    f"{r.mb:.1f}",
                    f"{r.corpus.statements:,}",
                    r.error or "",
                )
                continue
            table.add_row(
                r.dialect, r.corpus.name, f"{r.mb:.1f}", f"{r.corpus.statements:,}", f"{r.seconds:.2f}",
                f"{r.mb / r.seconds:.2f}", f"{r.corpus.statements / r.seconds:,.0f}", f"{r.rss:.0f}",
                f"{r.floor_seconds:.2f}", f"{r.mb / r.floor_seconds:.2f}",
                f"{max(s.rss_mb for s in r.floor):.0f}", f"{r.ratio:.2f}", verdict(r.ratio <= CONVERT_TARGET),
            )  # fmt: skip
        console.print(table)
        overall = total_ratio(rows)
        if overall is not None:
            console.print(f"all corpora together: convert {overall:.2f}x the floor")
        checks = scale_checks(rows, "convert", "5000", "1000", LINEAR_TARGET)
        if checks:
            lin = Table(
                title=f"convert cost, 5,000 migrations / 1,000 (target <= {LINEAR_TARGET}x)"
            )
            for col in ("dialect", "kind", "ratio", "target"):
                lin.add_column(col)
            for dialect, kind, scale, ok in checks:
                lin.add_row(dialect, kind, f"{scale:.2f}", verdict(ok))
            console.print(lin)
        seeds = [r for r in convert if r.corpus.name.startswith("seed-") and r.ok] + [
            r for r in convert if r.corpus.migrations >= 5000 and r.ok
        ]
        if seeds:
            mem = Table(
                title="convert peak RSS on the seed file and at 5,000 migrations "
                f"(target < {RSS_TARGET_MB:.0f} MB; the largest process: workers and parent)"
            )
            for col in ("dialect", "corpus", "MB", "peak RSS MB", "target"):
                mem.add_column(col)
            for r in seeds:
                mem.add_row(
                    r.dialect,
                    r.corpus.name,
                    f"{r.mb:.0f}",
                    f"{r.rss:.0f}",
                    verdict(r.rss < RSS_TARGET_MB),
                )
            console.print(mem)
    texts = {}
    if convert:
        texts["convert"] = console.export_text(clear=True, styles=False)
    verify = [r for r in rows if r.suite == "verify"]
    if verify:
        table = Table(title="verify --stepwise vs applying the legacy chain once")
        for col in ("dialect", "corpus", "migrations", "verify s", "apply once s", "ratio",
                    f"<= {VERIFY_TARGET:g}x", "no-fsync apply s", "ratio to it", "peak RSS MB",
                    "result"):  # fmt: skip
            table.add_column(
                col, justify="left" if col in ("dialect", "corpus", "result") else "right"
            )
        for r in verify:
            if not r.ok:
                table.add_row(
                    r.dialect,
                    r.corpus.name,
                    str(r.corpus.migrations),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    r.error or "",
                )
                continue
            equivalent = all(s.info.get("equivalent") for s in r.tool)
            table.add_row(
                r.dialect, r.corpus.name, str(r.corpus.migrations), f"{r.seconds:.2f}",
                f"{r.floor_seconds:.2f}", f"{r.ratio:.2f}", verdict(r.ratio <= VERIFY_TARGET),
                f"{statistics.median(s.seconds for s in r.floor_nd):.2f}" if r.floor_nd else "",
                f"{r.ratio_nd:.2f}" if r.ratio_nd is not None else "", f"{r.rss:.0f}",
                "equivalent" if equivalent else r.tool[-1].info.get("summary", "")[:60],
            )  # fmt: skip
        console.print(table)
        for dialect, kind, scale, ok in scale_checks(
            rows, "verify", "300", "100", VERIFY_LINEAR_TARGET
        ):
            console.print(f"verify {dialect} {kind}: 300 migrations cost {scale:.2f}x 100 "
                          f"(target <= {VERIFY_LINEAR_TARGET:g}x) {verdict(ok)}")  # fmt: skip
    if verify:
        texts["verify"] = console.export_text(clear=True, styles=False)
    stamp = [r for r in rows if r.suite == "stamp"]
    if stamp:
        table = Table(
            title=f"stamp --jobs {STAMP_JOBS}, fingerprints cached, {STAMP_DATABASES} databases"
        )
        for col in (
            "dialect",
            "corpus",
            "databases",
            "seconds",
            "databases/s",
            "target",
            "met",
            "refused",
        ):
            table.add_column(col)
        for r in stamp:
            if not r.ok:
                table.add_row(r.dialect, r.corpus.name, "", "", "", "", "", r.error or "")
                continue
            rate = STAMP_DATABASES / r.seconds
            target = STAMP_TARGETS[r.dialect]
            refused = r.tool[-1].info.get("refused") or []
            table.add_row(r.dialect, r.corpus.name, str(STAMP_DATABASES), f"{r.seconds:.2f}", f"{rate:.1f}",
                          f">= {target:g}/s", verdict(rate >= target), "; ".join(refused)[:60])  # fmt: skip
        console.print(table)
    if stamp:
        texts["stamp"] = console.export_text(clear=True, styles=False)
    return texts


def markers(suite: str) -> tuple[str, str]:
    return (
        f"<!-- measured {suite}: begin (bench/run.py --results) -->",
        f"<!-- measured {suite}: end -->",
    )


def save_results(texts: dict[str, str], args: argparse.Namespace, path: Path) -> None:
    """Write each suite's tables, with the machine and the command, into `path` between
    that suite's markers; what the file says around them (the notes written by hand, the
    suites not run this time) is kept."""
    content = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    for suite, text in texts.items():
        begin, end = markers(suite)
        block = "\n".join([
            begin,
            f"{suite}: measured on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with",
            "",
            "    " + " ".join(["python", "bench/run.py", *sys.argv[1:]]),
            "",
            "Machine: " + ", ".join(f"{k} {v}" for k, v in machine().items()),
            "",
            "```text",
            text.rstrip(),
            "```",
            end,
        ])  # fmt: skip
        if begin in content and end in content:
            head, rest = content.split(begin, 1)
            content = head + block + rest.split(end, 1)[1]
        else:
            content = content.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(content, encoding="utf-8")


def save_json(rows: list[Row], args: argparse.Namespace, path: Path) -> None:
    data = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "style": args.style,
        "runs": args.runs,
        "rows": [
            {
                "suite": r.suite,
                "dialect": r.dialect,
                **r.corpus.manifest(),
                "error": r.error,
                "seconds": [s.seconds for s in r.tool],
                "rss_mb": [s.rss_mb for s in r.tool],
                "floor_seconds": [s.seconds for s in r.floor],
                "floor_rss_mb": [s.rss_mb for s in r.floor],
                "info": [s.info for s in r.tool],
                "ratio": r.ratio if r.ok and r.floor else None,
                "floor_not_durable_seconds": [s.seconds for s in r.floor_nd],
                "ratio_not_durable": r.ratio_nd if r.ok else None,
            }
            for r in rows
        ],
        "convert_total_ratio": total_ratio(rows),
        "convert_linear": [
            {"dialect": d, "kind": k, "ratio": s}
            for d, k, s, _ in scale_checks(rows, "convert", "5000", "1000", LINEAR_TARGET)
        ],
        "verify_linear": [
            {"dialect": d, "kind": k, "ratio": s}
            for d, k, s, _ in scale_checks(rows, "verify", "300", "100", VERIFY_LINEAR_TARGET)
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmark suite and print its tables.")
    parser.add_argument(
        "--runs", type=int, default=None, help="rounds per measurement (default 3, --quick 1)"
    )
    parser.add_argument("--quick", action="store_true", help="small corpora and a 10 MB seed file")
    parser.add_argument("--suite", action="append", choices=SUITES, help="repeatable; default all")
    parser.add_argument(
        "--dialect", action="append", choices=generate.DIALECTS, help="repeatable; default all"
    )
    parser.add_argument(
        "--corpus",
        action="append",
        help="a corpus (ddl-1000) or kind (ddl, data, seed); repeatable",
    )
    parser.add_argument(
        "--style", choices=("ops", "sql"), default="ops", help="convert --style (default ops)"
    )
    parser.add_argument(
        "--jobs", type=int, help="convert --jobs (default: convert's own, one per CPU)"
    )
    parser.add_argument("--data-dir", type=Path, default=generate.DEFAULT_DATA_DIR)
    parser.add_argument("--json", type=Path, help="also write every sample as JSON to this file")
    parser.add_argument(
        "--results",
        type=Path,
        help="also put the tables, machine and command into this Markdown file (bench/RESULTS.md), "
        "between its markers, keeping the rest of it",
    )
    parser.add_argument(
        "--source", type=Path, help="measure the converter package in this directory instead"
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--worker-dialect", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)
    args.runs_given = args.runs is not None
    args.runs = args.runs or (1 if args.quick else 3)
    args.suite = args.suite or list(SUITES)
    print(json.dumps(machine()), file=sys.stderr)
    rows = run_suite(args)
    texts = render(rows, args)
    if args.results:
        save_results(texts, args, args.results)
    if args.json:
        save_json(rows, args, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
