"""Placeholders: `${name}` in legacy SQL replaced with values from the configuration.

    [tool.converter.placeholders]        # [placeholders] in a converter.toml
    schema = "public"
    "flyway:defaultSchema" = "public"

The rules are Flyway's (its PlaceholderReplacingReader and its documentation):

- a placeholder is the prefix `${`, then everything up to the next suffix `}`, anywhere in
  the text: comments and string literals included. `placeholder-prefix` and
  `placeholder-suffix` (shared keys of the configuration) change them, as Flyway's
  placeholderPrefix / placeholderSuffix do;
- names match case-insensitively;
- a placeholder with no value is an error naming the file, line and placeholder, never an
  empty string (Flyway: "No value provided for placeholder");
- Flyway has no escape for a literal `${`: a script that needs one turns replacement off
  (`placeholderReplacement=false` in its .sql.conf) or the project changes the prefix. So
  `$${x}` is `$` followed by the placeholder `${x}`, as in Flyway;
- Flyway's built-ins: `${flyway:filename}` is the script's file name. The others
  (defaultSchema, user, database, timestamp, workingDirectory, table, environment) depend on
  the connection or on the moment Flyway runs: they are used only when the configuration
  gives them a value; otherwise an error says which one and how to set it.

Replacement is off unless the configuration has a placeholders table: without one the text is
left as written (a reader may still warn about `${...}`, as the Flyway reader does).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from converter.config import Config, reader_config
from converter.errors import InputError, UsageError
from converter.model import LegacyMigration, Scan, Script

DEFAULT_PREFIX = "${"
DEFAULT_SUFFIX = "}"
FLYWAY_NAMESPACE = "flyway:"
# Flyway's default placeholders -> what the value is.
FLYWAY_BUILTINS = {
    "flyway:defaultSchema": "the default schema Flyway connects with",
    "flyway:user": "the database user Flyway connects as",
    "flyway:database": "the database name of Flyway's connection URL",
    "flyway:timestamp": "the time Flyway parsed the script (changes on every run)",
    "flyway:filename": "the script's file name",
    "flyway:workingDirectory": "Flyway's working directory",
    "flyway:table": "the name of Flyway's history table (flyway_schema_history by default)",
    "flyway:environment": "the name of the Flyway environment",
}
_BUILTIN = {name.lower(): name for name in FLYWAY_BUILTINS}


@dataclass(frozen=True)
class Placeholders:
    """The values to put in, and how placeholders are written."""

    values: Mapping[str, str] = field(default_factory=dict)  # name as configured -> value
    prefix: str = DEFAULT_PREFIX
    suffix: str = DEFAULT_SUFFIX
    enabled: bool = True  # False: leave every text as written
    source: str | None = (
        None  # where they are configured, for hints ("[placeholders] in converter.toml")
    )

    @classmethod
    def from_config(cls, config: Config) -> Placeholders:
        prefix = config.reader.get("placeholder-prefix")
        suffix = config.reader.get("placeholder-suffix")
        for setting in (prefix, suffix):
            if setting is not None and not setting.value:
                raise UsageError(
                    f"{setting.key} must not be empty",
                    path=setting.path,
                    line=setting.line,
                    hint=f'leave it out for the default ("{DEFAULT_PREFIX}" and "{DEFAULT_SUFFIX}")',
                )
        return cls(
            values={name: s.value for name, s in config.placeholders.items()},
            prefix=prefix.value if prefix else DEFAULT_PREFIX,
            suffix=suffix.value if suffix else DEFAULT_SUFFIX,
            enabled=config.has_placeholders,
            source=f"{config.table('placeholders')} in {config.path}" if config.path else None,
        )

    def value(self, name: str, script_name: str | None) -> str | None:
        lowered = {k.lower(): v for k, v in self.values.items()}
        if name.lower() in lowered:
            return lowered[name.lower()]
        if name.lower() == "flyway:filename" and script_name is not None:
            return Path(script_name).name
        return None


def placeholders_for(root: Path, options: object = None) -> Placeholders:
    """The placeholders configured for the legacy directory `root` (see config.reader_config)."""
    return Placeholders.from_config(reader_config(root, options))


def substitute(
    text: str,
    placeholders: Placeholders,
    *,
    path: Path | str | None = None,
    line: int = 1,
    script_name: str | None = None,
) -> str:
    """`text` with every placeholder replaced. `path` and `line` (the line of `path` where
    `text` starts) place the errors; `script_name` is what `${flyway:filename}` becomes."""
    if not placeholders.enabled:
        return text
    prefix, suffix = placeholders.prefix, placeholders.suffix
    out: list[str] = []
    pos = 0
    while True:
        start = text.find(prefix, pos)
        if start < 0:
            out.append(text[pos:])
            return "".join(out)
        end = text.find(suffix, start + len(prefix))
        where = _position(text, start, line)
        if end < 0:
            raise InputError(
                f"{prefix} opens a placeholder that never ends (no {suffix} after it)",
                path=path,
                line=where[0],
                column=where[1],
                hint=_hint_literal(placeholders),
            )
        name = text[start + len(prefix) : end]
        value = placeholders.value(name, script_name)
        if value is None:
            raise _undefined(name, placeholders, path, where)
        out.append(text[pos:start])
        out.append(value)
        pos = end + len(suffix)


def _position(text: str, offset: int, first_line: int) -> tuple[int, int]:
    line = first_line + text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _hint_literal(p: Placeholders) -> str:
    return (
        f"if {p.prefix} is meant literally, change placeholder-prefix/placeholder-suffix in the "
        "configuration, or remove the placeholders table to leave every script as written"
    )


def _undefined(name: str, p: Placeholders, path, where: tuple[int, int]) -> InputError:
    written = f"{p.prefix}{name}{p.suffix}"
    table = (
        p.source
        or "[tool.converter.placeholders] (pyproject.toml) or [placeholders] (converter.toml)"
    )
    key = f'"{name}"' if not name.replace("_", "").replace("-", "").isalnum() else name
    lowered = name.lower()
    if lowered in _BUILTIN:
        message = (
            f"the Flyway built-in placeholder {written} is {FLYWAY_BUILTINS[_BUILTIN[lowered]]}, which is "
            "only known when Flyway runs"
        )
        hint = f'give it the value Flyway used: {key} = "..." under {table}'
    elif lowered.startswith(FLYWAY_NAMESPACE):
        message = f"{written} is not one of Flyway's built-in placeholders"
        hint = (
            "Flyway knows "
            + ", ".join("${" + n + "}" for n in FLYWAY_BUILTINS)
            + f"; or set {key} under {table}"
        )
    else:
        message = f"no value for the placeholder {written}"
        hint = f'set it under {table}: {key} = "..."; ' + _hint_literal(p)
    return InputError(message, path=path, line=where[0], column=where[1], hint=hint)


def substitute_script(script: Script, placeholders: Placeholders) -> Script:
    """The script with its placeholders replaced (Python scripts are left alone)."""
    if script.language != "sql" or not placeholders.enabled:
        return script
    if script.file is not None:  # a very large file read lazily: placeholders need its text
        script = dataclasses.replace(script, text=script.file.read(), file=None)
    text = substitute(
        script.text, placeholders, path=script.path, line=script.line, script_name=script.name
    )
    return script if text == script.text else dataclasses.replace(script, text=text)


def substitute_migration(m: LegacyMigration, placeholders: Placeholders) -> LegacyMigration:
    up = tuple(substitute_script(s, placeholders) for s in m.up)
    down = tuple(substitute_script(s, placeholders) for s in m.down)
    if up == m.up and down == m.down:
        return m
    return dataclasses.replace(m, up=up, down=down)


def apply_placeholders(result: Scan, placeholders: Placeholders) -> Scan:
    """Replace the placeholders of every SQL script the scan found, in place; returns it.

    Meant to run in `converter.legacy.scan` right after the reader, for every format, with
    `placeholders_for(root, options)`: it does nothing unless placeholders are configured."""
    if placeholders.enabled:
        result.migrations = [substitute_migration(m, placeholders) for m in result.migrations]
        result.callbacks = [
            dataclasses.replace(c, script=substitute_script(c.script, placeholders))
            for c in result.callbacks
        ]
    return result
