"""Plain numbered files: `NNN_desc.sql`, downs as `NNN_desc.down.sql` or `NNN_desc_down.sql`,
and Python scripts `NNN_desc.py` defining `upgrade(conn)` and optionally `downgrade(conn)`
(or paired with a `NNN_desc.down.sql` instead).

Versions are the leading integers, ordered numerically; `conn` is an SQLAlchemy Connection,
unless `[tool.converter]` says otherwise (`python-upgrade`, `python-downgrade`, `python-args`:
see converter/formats/custom.py).
Per-database variants of one migration: `NNN_desc.postgresql.sql` (`.mysql.sql`,
`.sqlite.sql`, with `.down` before `.sql` for downs) or `NNN_desc.sql.postgres`. With a
dialect to read for, its variant wins over the generic file; a migration that has variants
but none for that dialect (and no generic file) is left out with a `no-variant` warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from converter.config import reader_config
from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    describe,
    iter_files,
    read_source,
    relname,
    sql_script,
)
from converter.formats.python_script import PythonCalling
from converter.model import Kind, LegacyMigration, Scan, Script

_DB = r"postgresql|postgres|pg|mysql|mariadb|sqlite3|sqlite"
NAME = re.compile(
    rf"^(?P<version>\d+)[_\-.](?P<desc>.*?)(?:\.(?P<db1>{_DB}))?(?P<down>\.down|_down)?"
    rf"\.(?P<ext>sql|py)(?:\.(?P<db2>{_DB}))?$"
)
FILE_DIALECT_ALIASES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pg": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
}
NUMBERED = re.compile(r"^\d+.*\.(sql|py)$", re.IGNORECASE)


class PlainFormat(LegacyFormat):
    name = "plain"
    title = "plain numbered SQL and Python files"

    def detect(self, root: Path) -> int:
        names = [p.name for p in iter_files(root)]
        if any(n.endswith((".up.sql", ".down.sql")) for n in names) and any(
            n.endswith(".up.sql") for n in names
        ):
            return 0  # golang-migrate's pairs
        return 30 if any(NAME.match(n) for n in names) else 0

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        ups: dict[tuple[int, str], dict[str | None, Path]] = {}
        downs: dict[tuple[int, str], dict[str | None, Path]] = {}
        for path in iter_files(root):
            m = NAME.match(path.name)
            if not m:
                if NUMBERED.match(path.name) or path.suffix.lower() == ".sql":
                    result.warn(
                        "unmatched-file",
                        "looks like a migration but matches no pattern of NNN_description.sql; "
                        "rename it or remove it",
                        path,
                    )
                continue
            key = (int(m["version"]), m["version"] + "\0" + m["desc"])
            db = m["db1"] or m["db2"]
            dialect = FILE_DIALECT_ALIASES[db.lower()] if db else None
            if m["down"]:
                if m["ext"] == "py":
                    result.error(
                        "unmatched-file", "Python downs go in the script's downgrade(conn)", path
                    )
                    continue
                if dialect in downs.get(key, {}):
                    result.error(
                        "duplicate-down",
                        f"two down files for one migration ({downs[key][dialect].name} and {path.name}); "
                        "keep one",
                        path,
                    )
                    continue
                downs.setdefault(key, {})[dialect] = path
            elif dialect in ups.get(key, {}):
                result.error(
                    "duplicate-variant",
                    f"two files for one migration and database ({ups[key][dialect].name} and {path.name}); keep one",
                    path,
                )
            else:
                ups.setdefault(key, {})[dialect] = path

        for key, variants in downs.items():
            for dialect, path in variants.items():
                if dialect not in ups.get(key, {}) and None not in ups.get(key, {}):
                    result.error(
                        "down-without-up",
                        "down file has no matching up file (same number and description); "
                        "rename it to match its up, or remove it",
                        path,
                    )

        for key in sorted(ups):
            chosen = choose_variant(ups[key], options.dialect, result)
            if chosen is None:
                continue
            dialect, path = chosen
            m = NAME.match(path.name)
            assert m is not None
            version, desc = m["version"], m["desc"]
            up: tuple[Script, ...]
            down: tuple[Script, ...] = ()
            name = relname(root, path)
            if m["ext"] == "py":
                text = read_source(path, options)
                calling = PythonCalling.from_settings(reader_config(root, options).reader)
                python = calling.scripts(text, path, name, result)
                if python is None:
                    continue
                up, down = python
            else:
                up = (sql_script(root, path, options),)
            down_variants = downs.get(key, {})
            down_path = down_variants.get(dialect, down_variants.get(None))
            if down_path is not None and down:
                result.error(
                    "ambiguous-down",
                    f"the migration has both a downgrade(conn) function and the down file "
                    f"{down_path.name}; keep one",
                    down_path,
                )
            elif down_path is not None:
                down = (sql_script(root, down_path, options),)
            result.migrations.append(
                LegacyMigration(
                    format=self.name,
                    version=version,
                    description=describe(desc),
                    kind=Kind.VERSIONED,
                    up=up,
                    down=down,
                    date=date_from_version(version),
                    sort_key=(int(version),),
                    dialect=dialect,
                )
            )
        return result


def choose_variant(
    variants: dict[str | None, Path], dialect: str | None, result: Scan
) -> tuple[str | None, Path] | None:
    """The file to read for `dialect`: its own variant, else the generic file."""
    if dialect is not None and dialect in variants:
        return dialect, variants[dialect]
    if None in variants:
        return None, variants[None]
    if dialect is None:  # no database named: show the first variant (None is not among them)
        first = sorted(k for k in variants if k is not None)[0]
        return first, variants[first]
    others = ", ".join(p.name for _, p in sorted(variants.items()))
    result.warn(
        "no-variant",
        f"no {dialect} variant of this migration (only {others}); it is left out for {dialect}",
        next(iter(sorted(variants.items())))[1],
    )
    return None


FORMAT = PlainFormat()
