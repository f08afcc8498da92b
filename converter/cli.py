"""The command line: click lives here and nowhere else.

Each command is a few lines: call the library, print, and turn the library's errors into
exit codes at the edge. Why one module of about 900 lines: most of it is the declarations of
the options of six commands (each with its help text), and keeping click in one module is
the rule the rest of the package relies on; the tables are built in `reports.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from converter import __version__
from converter.callbacks import describe
from converter.convert import ConvertOptions, ConvertResult
from converter.convert import convert as convert_directory
from converter.dialects import DIALECTS
from converter.errors import ConverterError
from converter.formats import FORMAT_MODULES
from converter.formats.base import ReadOptions
from converter.legacy import scan as scan_directory
from converter.parallel import default_jobs
from converter.scratch import mask_text

EXIT_PLACEHOLDERS = 3  # convert: written, but placeholder revisions remain to be ported
PROGRESS_AFTER_SECONDS = 0.5  # work shorter than this shows no progress bar

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def handle_errors(func):
    """The one exception boundary: every error becomes one message (secrets masked) and an
    exit code: the error's own for the library's errors; 2 for the environment (a file that
    cannot be written or read, a full disk, a database that cannot be reached, a driver that
    is missing); 130 for Ctrl-C; 1 for anything unexpected. `--debug` keeps the traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            message, code = error_message(exc)
            for note in getattr(exc, "__notes__", ()):  # e.g. scratch databases not dropped
                message += f"\n  note: {note}"
            secrets = [*(ctx.params.get("urls") or ()), ctx.params.get("url")]
            secrets.append(ctx.params.get("scratch_url"))
            text = mask_text(message, *(s for s in secrets if isinstance(s, str)))
            err_console.print(f"[bold red]error:[/] {escape(text)}", soft_wrap=True)
            sys.exit(code)
        except KeyboardInterrupt:
            if ctx.find_root().params.get("debug"):
                raise
            err_console.print("[bold red]interrupted[/] (Ctrl-C): cleaned up, nothing half-written")
            sys.exit(130)

    return wrapper


def error_message(exc: Exception) -> tuple[str, int]:
    """What to print for an error that reached the command line, and the exit code."""
    import errno

    import sqlalchemy as sa

    if isinstance(exc, ConverterError):
        return str(exc), exc.exit_code
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        what = exc.strerror or str(exc) or type(exc).__name__
        hint = {
            errno.ENOSPC: "free some disk space (or write elsewhere) and run again",
            errno.EROFS: "write to a writable location (--out, --json, --junit)",
            errno.EACCES: "check the permissions, or write elsewhere",
        }.get(exc.errno or 0)
        return where + what + (f"\n  hint: {hint}" if hint else ""), 2
    if isinstance(exc, sa.exc.DBAPIError):
        orig = getattr(exc, "orig", None) or exc
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return f"database error: {first}", 2
    if isinstance(exc, ImportError):
        return f"{exc}\n  hint: install the missing package (pip install -e '.[postgres,mysql]')", 2
    return (
        f"unexpected error: {type(exc).__name__}: {exc}\n  hint: run with --debug for the "
        "traceback, and please report it",
        1,
    )


def timeout_option(func):
    """--timeout SECONDS: how long to wait for a database server to answer a connection."""
    from converter.scratch import DEFAULT_CONNECT_TIMEOUT, set_connect_timeout

    def _set(ctx, param, value):
        if value is not None:
            set_connect_timeout(value)
        return value

    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_CONNECT_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        callback=_set,
        help="Seconds to wait for a database server to answer a connection (a server that "
        "does not answer is reported as timed out).",
    )(func)


def format_option(func):
    return click.option(
        "--format",
        "format_name",
        metavar="NAME",
        help="Force the legacy format instead of detecting it: " + ", ".join(FORMAT_MODULES) + ".",
    )(func)


def java_dir_option(func):
    return click.option(
        "--java-dir",
        "java_dirs",
        multiple=True,
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="Flyway: a source folder holding Java migrations (repeatable; searched recursively).",
    )(func)


def goose_tool_option(func):
    from converter.config import GOOSE_TOOLS

    return click.option(
        "--goose-tool",
        type=click.Choice(GOOSE_TOOLS),
        help="goose: the goose the folder was written for. liamstask: the original goose "
        "(skips a last statement without `;`, with a warning); pressly: current goose (refuses "
        "it); auto: liamstask when a dbconf.yml lies beside the migrations or one level up. "
        "Default: `goose-tool` in the configuration, else auto.",
    )(func)


def encoding_option(func):
    return click.option(
        "--encoding",
        metavar="CODEC",
        help="Encoding of the legacy files (default UTF-8; a BOM is always accepted).",
    )(func)


# -- configuration: converter.config finds and checks the file; its values become each
# command's default_map, so click's own precedence holds (command line > environment >
# configuration file > default). Every command of the group gets --config FILE.

CONFIG_META = "converter.config"
# keyed by what click.Context.get_parameter_source returns (None for a parameter never set)
PARAMETER_SOURCES: dict[click.core.ParameterSource | None, str] = {
    click.core.ParameterSource.COMMANDLINE: "command line",
    click.core.ParameterSource.ENVIRONMENT: "environment",
    click.core.ParameterSource.DEFAULT_MAP: "config",
    click.core.ParameterSource.DEFAULT: "default",
    click.core.ParameterSource.PROMPT: "prompt",
}


def option_specs(command: click.Command) -> dict:
    """The command's options as configuration keys (the long name without dashes)."""
    from converter.config import OptionSpec

    specs = {}
    for p in command.params:
        long = next((o for o in p.opts if o.startswith("--")), None)
        if not isinstance(p, click.Option) or long is None or p.name in (None, "config_file"):
            continue
        kind = "str"
        choices: tuple[str, ...] = ()
        if isinstance(p.type, click.Choice):
            kind, choices = "choice", tuple(str(c) for c in p.type.choices)
        elif p.is_flag:
            kind = "bool"
        elif isinstance(p.type, click.Path):
            kind = "path"
        elif isinstance(p.type, click.types.IntParamType):
            kind = "int"
        elif isinstance(p.type, click.types.FloatParamType):
            kind = "float"
        specs[long[2:]] = OptionSpec(long[2:], p.name, kind, choices, p.multiple)
    return specs


class ConfiguredCommand(click.Command):
    """A command whose option defaults come from the configuration file."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(
            click.Option(
                ["--config", "config_file"],
                metavar="FILE",
                type=click.Path(path_type=Path, dir_okay=False),
                envvar="CONVERTER_CONFIG",
                expose_value=False,
                help="Take settings from FILE instead of the converter.toml or pyproject.toml [tool.converter] found from the legacy directory (see `converter config`).",
            )
        )

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        config, named = handle_errors(self.read_config)(ctx, args)
        ctx.meta[CONFIG_META] = config
        ctx.meta[CONFIG_META + ".named"] = named
        ctx.default_map = {
            **config.defaults(self.name, option_specs(self)),
            **(ctx.default_map or {}),
        }
        return super().parse_args(ctx, args)

    def read_config(self, ctx: click.Context, args: list[str]):
        import os

        from converter.config import find_config, load_config
        from converter.errors import UsageError

        explicit, start = self.peek(ctx, args)
        explicit = explicit or os.environ.get("CONVERTER_CONFIG")
        path = Path(explicit) if explicit else find_config(Path(start) if start else None)
        group = ctx.find_root().command
        commands = getattr(group, "commands", {self.name: self})
        config = load_config(
            path,
            {n: option_specs(c) for n, c in commands.items() if isinstance(c, ConfiguredCommand)},
        )
        params = {p.name: p for p in self.params}
        for dest, setting in config.command_settings(self.name, option_specs(self)).items():
            try:  # what click itself would refuse (ranges, ...), said with the file and line
                params[dest].type_cast_value(ctx, setting.value)
            except click.BadParameter as exc:
                raise UsageError(
                    f"wrong value for {setting.key}: {exc.message}",
                    path=setting.path,
                    line=setting.line,
                ) from None
        return config, bool(explicit)

    def peek(self, ctx: click.Context, args: list[str]) -> tuple[str | None, str | None]:
        """--config and the legacy directory (the first directory argument, or --legacy-dir),
        from a parse that processes nothing; a usage error is left to the real parse."""
        try:
            opts, _, _ = self.make_parser(ctx).parse_args(args=list(args))
        except click.UsageError:
            return None, None
        anchors = [
            p.name
            for p in self.params
            if isinstance(p, click.Argument) and isinstance(p.type, click.Path)
        ]
        start = next(
            (opts[n] for n in [*anchors, "legacy_dir"] if isinstance(opts.get(n), str)), None
        )
        config = opts.get("config_file")
        return (config if isinstance(config, str) else None), start

    def invoke(self, ctx: click.Context):
        """A file named with --config is the one readers follow too; a file found is found
        again by each reader from its own directory (a per-database folder may have its own)."""
        from converter.config import using

        with using(ctx.meta.get(CONFIG_META) if ctx.meta.get(CONFIG_META + ".named") else None):
            return super().invoke(ctx)


class ConfiguredGroup(click.Group):
    command_class = ConfiguredCommand


@click.group(cls=ConfiguredGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="converter")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
def cli(debug: bool) -> None:
    """Move a legacy migrations/ directory onto Alembic, and prove nothing changed."""


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@format_option
@encoding_option
@java_dir_option
@goose_tool_option
@click.option(
    "--dialect", type=click.Choice(DIALECTS), help="Pick per-database sources for this database."
)
@click.option("--json", "as_json", is_flag=True, help="Print the migrations and problems as JSON.")
@handle_errors
def scan(
    directory: Path,
    format_name: str | None,
    encoding: str | None,
    java_dirs: tuple[Path, ...],
    goose_tool: str | None,
    dialect: str | None,
    as_json: bool,
) -> None:
    """List the legacy migrations found in DIRECTORY, in the order the legacy tool runs them,
    and the problems found on the way. Exits 1 when there is an error-level problem.

    Example: converter scan samples/flyway/postgresql
    """
    read = ReadOptions(
        encoding=encoding, dialect=dialect, java_dirs=java_dirs, goose_tool=goose_tool
    )
    result = scan_directory(directory, format_name, read, statements=True)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "format": result.format,
                    "root": str(result.root),
                    "migrations": [m.to_json() for m in result.migrations],
                    "problems": [p.to_json() for p in result.problems],
                    "callbacks": [
                        {"event": c.event, "path": str(c.script.path), "runs": describe(c)}
                        for c in result.callbacks
                    ],
                },
                indent=2,
            )
        )
    else:
        table = Table(title=f"{result.root} ({result.format}): {len(result.migrations)} migrations")
        for col in ("version", "description", "kind", "up/down", "transactional", "script"):
            table.add_column(col)
        for m in result.migrations:
            table.add_row(
                m.version,
                m.description,
                m.kind.value,
                "up/down" if m.has_down else "up",
                "yes" if m.transactional else "no",
                f"sql ({m.code})" if m.code and not m.placeholder else m.script,
            )
        console.print(table)
        if result.callbacks:
            console.print("callbacks (carried: the converted env.py runs them):")
        for c in result.callbacks:
            console.print("  " + escape(describe(c)), soft_wrap=True)
        for p in result.problems:
            color = "red" if p.severity.value == "error" else "yellow"
            console.print(
                f"[{color}]{p.severity.value}[/]: " + escape(str(p).split(": ", 1)[1]),
                soft_wrap=True,
            )
        if not result.problems:
            console.print("no problems found")
    if result.errors:
        sys.exit(1)


@cli.command()
@click.argument("legacy_dir", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The Alembic script directory to write (created, or updated in place).",
)
@click.option(
    "--dialect",
    required=True,
    metavar="postgresql|mysql|sqlite[,...]|all",
    help="The database the legacy SQL is written for; several (or all) for a history with per-database variants: one Alembic history that runs the right variant.",
)
@click.option(
    "--missing-variant",
    type=click.Choice(["error", "skip"]),
    default="error",
    show_default=True,
    help="Several dialects: what a database gets when a migration has no variant for it.",
)
@format_option
@encoding_option
@java_dir_option
@goose_tool_option
@click.option(
    "--style",
    type=click.Choice(["ops", "sql"]),
    default="ops",
    show_default=True,
    help="ops: structured op.* calls where lossless; sql: every statement verbatim.",
)
@click.option(
    "--rev-id",
    type=click.Choice(["slug", "hash", "version"]),
    default="slug",
    show_default=True,
    help="How revision ids are made.",
)
@click.option(
    "--date-from",
    default="name",
    show_default=True,
    metavar="name|git|mtime|YYYYMMDD",
    help="Date of revisions whose legacy name has no timestamp.",
)
@click.option(
    "--before-base",
    is_flag=True,
    help="Insert the legacy history before the base of an existing Alembic history instead of after its head.",
)
@click.option(
    "--modules",
    is_flag=True,
    help="Each subfolder of LEGACY_DIR is a module with its own history: one Alembic branch per module.",
)
@click.option(
    "--depends",
    multiple=True,
    metavar="MODULE:REVISION",
    help="With --modules: the module's first revision depends on REVISION (repeatable).",
)
@click.option(
    "--code-migrations",
    type=click.Choice(["placeholder", "error"]),
    default="placeholder",
    show_default=True,
    help="A Go/Java migration that is not straight-line SQL: a placeholder revision to port "
    "by hand (exit 3), or an error.",
)
@click.option(
    "--baseline-at",
    metavar="VERSION",
    help="Fold the legacy history up to and including VERSION into one baseline revision, "
    "built from the schema (and chosen data) a scratch database has after it.",
)
@click.option(
    "--baseline-data",
    metavar="TABLES",
    help="With --baseline-at: the tables whose rows the baseline carries: names, glob "
    "patterns and max-rows:N (tables with at most N rows), comma-separated.",
)
@click.option(
    "--url",
    metavar="URL",
    help="With --baseline-at on PostgreSQL or MySQL/MariaDB: a server to build the "
    "baseline's scratch database on (dropped afterwards).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Regenerate revisions that were edited by hand (by default they are kept as they are).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=default_jobs,
    show_default="the number of CPUs",
    help="Processes translating and proving migrations at once (output is the same for any "
    "number; a small history is planned in one process).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 when a re-run would change anything (new legacy migrations, "
    "renames, stale files, hand edits): the CI guard of the transition period.",
)
@click.option(
    "--report", type=click.Choice(["json"]), help="Print the summary as JSON instead of a table."
)
@handle_errors
def convert(
    legacy_dir: Path,
    out_dir: Path,
    dialect: str,
    missing_variant: str,
    format_name: str | None,
    encoding: str | None,
    java_dirs: tuple[Path, ...],
    goose_tool: str | None,
    style: str,
    rev_id: str,
    date_from: str,
    before_base: bool,
    modules: bool,
    depends: tuple[str, ...],
    code_migrations: str,
    baseline_at: str | None,
    baseline_data: str | None,
    url: str | None,
    force: bool,
    jobs: int,
    dry_run: bool,
    check: bool,
    report: str | None,
) -> None:
    """Convert the legacy migrations in LEGACY_DIR into Alembic revisions in --out.

    A re-run on the same --out keeps what is there: revision ids, hand-edited revisions and
    native Alembic revisions; new legacy migrations go after the current head. Exits 3 when
    placeholder revisions for code migrations remain to be ported by hand.

    Example: converter convert samples/flyway/sqlite --out /tmp/alembic --dialect sqlite
    """
    options = ConvertOptions(
        dialect=dialect,
        format=format_name,
        style=style,
        rev_id=rev_id,
        date_from=date_from,
        encoding=encoding,
        force=force,
        dry_run=dry_run,
        check=check,
        before_base=before_base,
        modules=modules,
        depends=depends,
        missing_variant=missing_variant,
        code_migrations=code_migrations,
        java_dirs=java_dirs,
        goose_tool=goose_tool,
        baseline_at=baseline_at,
        baseline_data=baseline_data,
        url=url,
        jobs=jobs,
    )
    with progress_bar("converting") as advance:
        result = convert_directory(legacy_dir, out_dir, options, progress=advance)
    if report == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        print_convert_summary(result, dry_run or check)
    if check:
        if result.up_to_date:
            console.print(f"{escape(str(out_dir))} is up to date with {escape(str(legacy_dir))}")
        else:
            err_console.print(
                f"[red]not up to date[/]: a re-run of convert would change {escape(str(out_dir))} "
                "(see above); run it without --check"
            )
            sys.exit(1)
    if result.placeholders and not check:  # --check answers only "would a re-run change anything"
        sys.exit(EXIT_PLACEHOLDERS)


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A callback (done, total) that shows a rich progress bar on stderr, in a terminal only
    (CI logs get none) and only once the work has taken more than a moment."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )
    task = bar.add_task(label, total=None)
    began, shown = time.monotonic(), False

    def advance(done: int, total: int) -> None:
        nonlocal shown
        if not shown and time.monotonic() - began > PROGRESS_AFTER_SECONDS:
            bar.start()
            shown = True
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if shown:
            bar.stop()


def print_convert_summary(result: ConvertResult, dry_run: bool) -> None:
    from converter.reports import convert_renderables

    terminal = console.is_terminal
    console.print(convert_renderables(result, dry_run, terminal), soft_wrap=not terminal)


@cli.command()
@click.argument("legacy_dir", type=click.Path(path_type=Path))
@click.argument("alembic_dir", type=click.Path(path_type=Path))
@click.option(
    "--url",
    metavar="URL",
    help="A PostgreSQL or MySQL/MariaDB server to make two scratch databases on (dropped afterwards). Default: two temporary SQLite files.",
)
@format_option
@encoding_option
@java_dir_option
@goose_tool_option
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    help="The legacy dialect (default: the URL's; sqlite without --url).",
)
@click.option(
    "--stepwise/--final-only",
    default=True,
    show_default=True,
    help="Compare after every step, or once at the end.",
)
@click.option(
    "--downgrade",
    is_flag=True,
    help="Then walk the Alembic side down, comparing every step with the legacy side.",
)
@click.option(
    "--data/--no-data", default=True, show_default=True, help="Compare table contents too."
)
@click.option(
    "--junit",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write a JUnit XML report (one test case per step).",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write a JSON report.",
)
@timeout_option
@handle_errors
def verify(
    legacy_dir: Path,
    alembic_dir: Path,
    url: str | None,
    format_name: str | None,
    encoding: str | None,
    java_dirs: tuple[Path, ...],
    goose_tool: str | None,
    dialect: str | None,
    stepwise: bool,
    downgrade: bool,
    data: bool,
    junit: Path | None,
    json_file: Path | None,
    timeout: float,
) -> None:
    """Prove that ALEMBIC_DIR builds the same database as the legacy migrations in
    LEGACY_DIR, step by step, schema and data. Exits 0 when equivalent, 1 when not, 2 on
    usage or connection errors. A placeholder revision not yet ported is "needs porting"
    (exit 1); a ported one is applied to both databases and reported "ported".

    Example: converter verify migrations/ alembic/ --url postgresql+psycopg://postgres@localhost/postgres
    """
    from converter.reports import verify_renderables
    from converter.verify import VerifyOptions
    from converter.verify import verify as verify_histories

    options = VerifyOptions(
        url=url,
        format=format_name,
        dialect=dialect,
        stepwise=stepwise,
        downgrade=downgrade,
        data=data,
        junit=junit,
        json=json_file,
        encoding=encoding,
        java_dirs=java_dirs,
        goose_tool=goose_tool,
        progress=lambda line: err_console.print(escape(line), soft_wrap=True, style="dim"),
    )
    with progress_bar("verifying") as advance:
        options = dataclasses.replace(options, advance=advance)
        report = verify_histories(legacy_dir, alembic_dir, options)
    console.print(verify_renderables(report, console.is_terminal), soft_wrap=True)
    sys.exit(0 if report.equivalent else 1)


@cli.command()
@click.option("--url", required=True, metavar="LIVE_URL", help="The live database (only read).")
@click.option(
    "--alembic-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The Alembic script directory.",
)
@click.option(
    "--scratch-url",
    metavar="URL",
    help="A server of the same kind to build the expected schema on (default: the live database's server).",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write a JSON report.",
)
@timeout_option
@handle_errors
def drift(
    url: str, alembic_dir: Path, scratch_url: str | None, json_file: Path | None, timeout: float
) -> None:
    """Compare a live database, read-only, with the schema its Alembic history has at the
    revision it is stamped at. Exits 0 when they match, 1 on drift, 2 on errors.

    Example: converter drift --url postgresql+psycopg://app@db/app --alembic-dir alembic/
    """
    from converter.drift import DriftOptions
    from converter.drift import drift as drift_check
    from converter.reports import drift_renderables

    report = drift_check(
        alembic_dir, DriftOptions(url=url, scratch_url=scratch_url, json=json_file)
    )
    console.print(drift_renderables(report), soft_wrap=True)
    sys.exit(1 if report.drifted else 0)


@cli.command("stamp")
@click.option(
    "--alembic-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The Alembic script directory (the --out of convert).",
)
@click.option(
    "--url", "urls", multiple=True, metavar="URL", help="A database to stamp (repeatable)."
)
@click.option(
    "--urls-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Databases to stamp: one URL per line, # comments.",
)
@click.option(
    "--legacy-dir",
    type=click.Path(path_type=Path),
    help="The legacy migrations: lets stamp compare checksums and read project names.",
)
@format_option
@encoding_option
@goose_tool_option
@click.option(
    "--from-table",
    default="auto",
    show_default=True,
    type=click.Choice(
        [
            "auto",
            "flyway",
            "golang-migrate",
            "dbmate",
            "goose",
            "sqitch",
            "liquibase",
            "yoyo",
            "sqlalchemy-migrate",
            "diesel",
            "none",
        ]
    ),
    help="Which legacy tracking table to read; none: identify each database by its schema.",
)
@click.option(
    "--table",
    metavar="NAME",
    help="The tracking table's name when not the tool's default ({database} is replaced by the database's name).",
)
@click.option(
    "--version-column",
    metavar="COL",
    help="With --table: a table of your own whose COL holds the applied versions.",
)
@click.option(
    "--verify-schema",
    is_flag=True,
    help="Also require the schema to equal the history's at that revision.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be stamped and why; write nothing.")
@click.option(
    "--sql", is_flag=True, help="Print the SQL that would stamp each database; write nothing."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Databases handled at once.",
)
@click.option(
    "--force", is_flag=True, help="Overwrite an alembic_version that names another revision."
)
@click.option(
    "--drop-legacy-table", is_flag=True, help="Drop the legacy tracking table once stamped."
)
@click.option(
    "--scratch-url",
    metavar="URL",
    help="Server for building the schema fingerprints (default: each database's own).",
)
@click.option(
    "--report", type=click.Choice(["json"]), help="Print the results as JSON instead of a table."
)
@timeout_option
@handle_errors
def stamp_command(
    alembic_dir: Path,
    urls: tuple[str, ...],
    urls_file: Path | None,
    legacy_dir: Path | None,
    format_name: str | None,
    encoding: str | None,
    goose_tool: str | None,
    from_table: str,
    table: str | None,
    version_column: str | None,
    verify_schema: bool,
    dry_run: bool,
    sql: bool,
    jobs: int,
    force: bool,
    drop_legacy_table: bool,
    scratch_url: str | None,
    report: str | None,
    timeout: float,
) -> None:
    """Stamp existing databases with the Alembic revision that matches their legacy state,
    read from the legacy tool's tracking table or, without one, from the schema. Refuses
    rather than guesses. Exits 0 when every database is fine, 1 when any was refused, 2 on
    usage errors.

    Example: converter stamp --alembic-dir alembic/ --urls-file fleet.txt --jobs 8
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from converter.reports import stamp_renderables
    from converter.stamp import StampOptions, read_urls_file
    from converter.stamp import stamp as stamp_databases

    all_urls = list(urls) + (read_urls_file(urls_file) if urls_file else [])
    with Progress(
        TextColumn("stamping"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,  # a bar in a terminal only, never in CI logs
    ) as progress:
        task = progress.add_task("stamp", total=len(all_urls))

        def done(result) -> None:
            progress.console.print(
                f"{escape(result.database)}: {result.action} {escape(result.revision or '')}",
                soft_wrap=True,
                style="dim",
            )
            progress.advance(task)

        options = StampOptions(
            urls=all_urls,
            legacy_dir=legacy_dir,
            from_table=from_table,
            table=table,
            version_column=version_column,
            verify_schema=verify_schema,
            dry_run=dry_run,
            sql=sql,
            jobs=jobs,
            force=force,
            drop_legacy_table=drop_legacy_table,
            format=format_name,
            encoding=encoding,
            goose_tool=goose_tool,
            scratch_url=scratch_url,
            progress=done,
        )
        result = stamp_databases(alembic_dir, options)
    if report == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    elif sql:
        for r in result.results:
            if r.sql:
                click.echo(r.sql)
        err_console.print(
            stamp_renderables(result, sql=False, terminal=err_console.is_terminal), soft_wrap=True
        )
    else:
        console.print(stamp_renderables(result, terminal=console.is_terminal), soft_wrap=True)
    sys.exit(result.exit_code)


@cli.command(
    "config",
    cls=click.Command,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="CONVERTER_CONFIG",
    help="Show what FILE sets instead of the file found.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
@click.argument("command_line", nargs=-1, type=click.UNPROCESSED, metavar="[COMMAND [ARGS]...]")
@handle_errors
def config_command(config_file: Path | None, as_json: bool, command_line: tuple[str, ...]) -> None:
    """Show the settings COMMAND runs with and where each comes from: its default, the
    configuration file (path:line), the command line or the environment. Without COMMAND:
    every command, configured from the current directory.

    The configuration is [tool.converter] in pyproject.toml, or a converter.toml, looked for
    from the legacy directory upward (to the repository root), then from the current
    directory; --config FILE (or CONVERTER_CONFIG) names one instead. The command line wins
    over the file, the file over the defaults.

    Example: converter config convert migrations/ --dialect sqlite
    """
    import difflib
    import os

    from converter.errors import UsageError

    root = click.get_current_context().find_root()
    assert isinstance(root.command, click.Group)  # `config` is always a command of the cli group
    commands = {n: c for n, c in root.command.commands.items() if isinstance(c, ConfiguredCommand)}
    targets: dict[str, list[str]] = {n: [] for n in commands}
    if command_line:
        name = command_line[0]
        if name not in commands:
            close = difflib.get_close_matches(name, commands, n=1)
            raise UsageError(
                f"unknown command {name!r}",
                hint=f"did you mean {close[0]!r}?" if close else "commands: " + ", ".join(commands),
            )
        targets = {name: list(command_line[1:])}
    report: dict = {"file": None, "file_source": None, "commands": {}}
    ctx = click.get_current_context()
    for name, args in targets.items():
        given = "--config" in args or any(a.startswith("--config=") for a in args)
        if config_file is not None and not given:
            args = [*args, "--config", str(config_file)]
        sub = commands[name].make_context(name, args, parent=root, resilient_parsing=True)
        loaded = sub.meta[CONFIG_META]
        report["file"] = str(loaded.path) if loaded.path else None
        if given or config_file is not None:
            report["file_source"] = (
                "command line"
                if given
                else PARAMETER_SOURCES[ctx.get_parameter_source("config_file")]
            )
        elif loaded.path is not None:
            report["file_source"] = "environment" if os.environ.get("CONVERTER_CONFIG") else "found"
        specs = option_specs(commands[name])
        settings = loaded.command_settings(name, specs)
        rows = {}
        for key, spec in specs.items():
            source = PARAMETER_SOURCES.get(sub.get_parameter_source(spec.dest), "default")
            value = sub.params.get(spec.dest)
            value = (
                [str(v) for v in value]
                if isinstance(value, tuple)
                else (str(value) if isinstance(value, Path) else value)
            )
            rows[key] = {
                "value": value,
                "source": source,
                "location": settings[spec.dest].where if source == "config" else None,
            }
        report["commands"][name] = rows
    loaded_json = loaded.to_json()
    for section in ("reader", "placeholders", "custom"):
        report[section] = loaded_json[section]
    report = masked(report)  # URLs set in the file carry passwords: never printed
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    console.print(
        f"configuration: {escape(report['file'])} ({report['file_source']})"
        if report["file"]
        else "configuration: none found (defaults and command line only)",
        soft_wrap=True,
    )
    for name, rows in report["commands"].items():
        table = Table(title=name, title_justify="left")
        for col in ("option", "value", "source"):
            table.add_column(col, overflow="fold")
        for key, row in rows.items():
            source = f"config {row['location']}" if row["location"] else row["source"]
            table.add_row(f"--{key}", escape(json.dumps(row["value"])), escape(source))
        console.print(table)
    for section in ("reader", "placeholders", "custom"):
        if report[section]:
            table = Table(title=section, title_justify="left")
            for col in ("key", "value", "source"):
                table.add_column(col, overflow="fold")
            for key, row in report[section].items():
                table.add_row(
                    escape(key), escape(json.dumps(row["value"])), escape(row["location"])
                )
            console.print(table)


def masked(value):
    """`value` (JSON-like) with every secret in its strings hidden (`scratch.mask_text`)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def main() -> None:
    cli(prog_name="converter")
