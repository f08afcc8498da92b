"""The command line: click lives here and nowhere else.

Each command is a few lines: call the library, print, and turn the library's errors into
exit codes at the edge.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from converter import __version__
from converter.errors import ConverterError
from converter.formats import FORMAT_MODULES
from converter.formats.base import ReadOptions
from converter.scan import scan as scan_directory

DIALECTS = ("postgresql", "mysql", "sqlite")

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def handle_errors(func):
    """Turn the library's errors into a clean message and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        try:
            return func(*args, **kwargs)
        except ConverterError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
            sys.exit(exc.exit_code)

    return wrapper


def format_option(func):
    return click.option(
        "--format",
        "format_name",
        metavar="NAME",
        help="Force the legacy format instead of detecting it: " + ", ".join(FORMAT_MODULES) + ".",
    )(func)


def encoding_option(func):
    return click.option(
        "--encoding",
        metavar="CODEC",
        help="Encoding of the legacy files (default UTF-8; a BOM is always accepted).",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="converter")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of short error messages.")
def cli(debug: bool) -> None:
    """Move a legacy migrations/ directory onto Alembic, and prove nothing changed."""


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@format_option
@encoding_option
@click.option("--dialect", type=click.Choice(DIALECTS), help="Pick per-database sources for this database.")
@click.option("--json", "as_json", is_flag=True, help="Print the migrations and problems as JSON.")
@handle_errors
def scan(directory: Path, format_name: str | None, encoding: str | None, dialect: str | None, as_json: bool) -> None:
    """List the legacy migrations found in DIRECTORY, in the order the legacy tool runs them,
    and the problems found on the way. Exits 1 when there is an error-level problem.

    Example: converter scan samples/flyway/postgresql
    """
    result = scan_directory(directory, format_name, ReadOptions(encoding=encoding, dialect=dialect))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "format": result.format,
                    "root": str(result.root),
                    "migrations": [m.to_json() for m in result.migrations],
                    "problems": [p.to_json() for p in result.problems],
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
                m.script,
            )
        console.print(table)
        for p in result.problems:
            color = "red" if p.severity.value == "error" else "yellow"
            console.print(f"[{color}]{p.severity.value}[/]: " + escape(str(p).split(": ", 1)[1]), soft_wrap=True)
        if not result.problems:
            console.print("no problems found")
    if result.errors:
        sys.exit(1)


def main() -> None:
    cli(prog_name="converter")
