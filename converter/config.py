"""Configuration: `[tool.converter]` in pyproject.toml, or a converter.toml.

Which file (the first found wins; files are never merged):

1. `--config FILE` (or the CONVERTER_CONFIG environment variable): that file and no other.
   A file named pyproject.toml is read from its [tool.converter] table, any other name as
   a converter.toml.
2. From the legacy directory (the command's directory argument) upward: in each directory
   `converter.toml`, then `pyproject.toml` if it has a [tool.converter] table. The walk ends
   with the repository root (the first directory holding .git or .hg) or the filesystem root.
3. The same walk from the current directory.

The configuration belongs to the migrations, so it is looked for next to them first; the
current directory is the fallback for a legacy directory kept outside the project.

What the file holds (keys may be written with `-` or `_`):

    [tool.converter]               # shared: the long name of any command's option
    format = "custom"              # applies to every command that has --format
    encoding = "utf-8"
    placeholder-prefix = "${"      # reader settings (converter.placeholders)
    placeholder-suffix = "}"

    [tool.converter.convert]       # one table per command; wins over the shared keys
    dialect = "postgresql"
    out = "alembic"                # paths are relative to the configuration file's folder

    [tool.converter.placeholders]  # ${name} values (converter.placeholders)
    schema = "public"

    [tool.converter.custom]        # the `custom` format (converter.formats.custom)
    pattern = '(?P<version>\\d+)_(?P<description>.+)\\.sql'

In a converter.toml the same keys sit at the top level ([convert], [custom], ...).

Unknown keys and values of the wrong type are usage errors (exit 2, never the 1 that `verify`
uses for "not equivalent") naming the file and the key's line, with "did you mean" where a
known key is close. This module knows no command line: the CLI
describes its options as `OptionSpec`s, and hands `Config.defaults(command, specs)` to click
as the context's default_map, so click's own precedence holds (command line > environment >
configuration > default). Readers find the configuration with `reader_config`.
"""

from __future__ import annotations

import contextvars
import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.errors import UsageError

CONVERTER_TOML = "converter.toml"
PYPROJECT_TOML = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "converter")
REPOSITORY_MARKERS = (".git", ".hg")
CONFIG_FILE_NAMES = (CONVERTER_TOML, PYPROJECT_TOML)


@dataclass(frozen=True)
class OptionSpec:
    """One configurable key: its name in the file, the parameter it sets, the value it takes."""

    key: str  # as written in the file: the option's long name without dashes ("rev-id")
    dest: str  # the parameter it sets ("rev_id")
    kind: str = "str"  # str | path | bool | int | float | choice
    choices: tuple[str, ...] = ()
    multiple: bool = False  # a list of values

    @property
    def expected(self) -> str:
        one = {
            "str": "a string",
            "path": "a path (a string)",
            "bool": "true or false",
            "int": "an integer",
            "float": "a number",
            "choice": "one of " + ", ".join(repr(c) for c in self.choices),
        }[self.kind]
        return f"{one} or a list of them" if self.multiple else one

    def problem(self, value: Any) -> str | None:
        """Why `value` does not fit, or None when it does."""
        if self.multiple:  # a list, or one value standing for a list of one
            one = OptionSpec(self.key, self.dest, self.kind, self.choices)
            for item in value if isinstance(value, list) else [value]:
                why = one.problem(item)
                if why:
                    return why.replace(f"expected {one.expected}", f"expected {self.expected}", 1)
            return None
        ok = {
            "str": isinstance(value, str),
            "path": isinstance(value, str),
            "choice": isinstance(value, str),
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
        }[self.kind]
        if not ok:
            return f"expected {self.expected}, got {type_name(value)}"
        if self.kind == "choice" and value not in self.choices:
            close = difflib.get_close_matches(value, self.choices, n=1, cutoff=0.5)
            guess = f"; did you mean {close[0]!r}?" if close else ""
            return f"{value!r} is not {self.expected}{guess}"
        return None


Schema = Mapping[str, Mapping[str, OptionSpec]]  # command -> key -> spec

# What a Python migration of the custom format can be given (converter.legacy_python.CALLINGS)
PYTHON_ARGUMENTS = ("connection", "cursor", "dbapi", "dialect", "engine")

# Which goose a goose folder was written for: auto (a `dbconf.yml` says the original goose),
# pressly (current goose), liamstask (the original, bitbucket.org/liamstask/goose).
GOOSE_TOOLS = ("auto", "pressly", "liamstask")

# Keys that are not command-line options (but for goose-tool, which is both).
PYTHON_KEYS: dict[str, OptionSpec] = {
    spec.key: spec
    for spec in (
        OptionSpec("python-upgrade", "python_upgrade"),
        OptionSpec("python-downgrade", "python_downgrade"),
        OptionSpec("python-args", "python_args", "choice", PYTHON_ARGUMENTS, multiple=True),
    )
}
READER_KEYS: dict[str, OptionSpec] = {
    "placeholder-prefix": OptionSpec("placeholder-prefix", "placeholder_prefix"),
    "placeholder-suffix": OptionSpec("placeholder-suffix", "placeholder_suffix"),
    **PYTHON_KEYS,  # the plain format's Python calling convention (custom: in its own table)
    # which goose a goose folder was written for (converter.formats.goose; also --goose-tool)
    "goose-tool": OptionSpec("goose-tool", "goose_tool", "choice", GOOSE_TOOLS),
}
CUSTOM_KEYS: dict[str, OptionSpec] = {
    spec.key: spec
    for spec in (
        OptionSpec("pattern", "pattern"),
        OptionSpec("order", "order", "choice", ("numeric", "dotted", "lexical", "date")),
        OptionSpec(
            "down-pairing", "down_pairing", "choice", ("version-and-description", "version")
        ),
        OptionSpec("up-marker", "up_marker"),
        OptionSpec("down-marker", "down_marker"),
        OptionSpec("recursive", "recursive", "bool"),
        OptionSpec("match", "match", "choice", ("path", "name")),
        OptionSpec("date-format", "date_format"),
        OptionSpec("transactional", "transactional", "bool"),
        *PYTHON_KEYS.values(),
    )
}
SECTIONS = ("placeholders", "custom")


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__} ({value})"


def normal_key(key: str) -> str:
    return key.replace("_", "-")


@dataclass(frozen=True)
class Setting:
    """One value from the configuration file, with where it was written."""

    value: Any
    path: Path
    line: int | None
    key: str  # dotted, as in the file: "tool.converter.convert.dialect"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass
class Config:
    """A loaded configuration file (or none: `path` None and every table empty)."""

    path: Path | None = None
    shared: dict[str, Setting] = field(default_factory=dict)
    commands: dict[str, dict[str, Setting]] = field(default_factory=dict)
    placeholders: dict[str, Setting] = field(default_factory=dict)  # name as written -> value (str)
    custom: dict[str, Setting] = field(default_factory=dict)
    reader: dict[str, Setting] = field(default_factory=dict)  # READER_KEYS
    has_placeholders: bool = False  # the file has a placeholders table (even an empty one)
    prefix: tuple[str, ...] = ()  # where the converter's table sits in the file
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)

    def table(self, *keys: str) -> str:
        """How a table is written in this file: `[tool.converter.custom]`, `[custom]`."""
        path = self.prefix + keys
        return "[" + ".".join(path) + "]" if path else "the top level"

    def inside(self, *keys: str) -> str:
        """`in [convert]`, or `at the top level`."""
        where = self.table(*keys)
        return f"in {where}" if where.startswith("[") else f"at {where}"

    def line_of(self, *keys: str) -> int | None:
        return self.lines.get(self.prefix + keys)

    def command_settings(
        self, command: str | None, specs: Mapping[str, OptionSpec]
    ) -> dict[str, Setting]:
        """The settings of one command, by parameter name: its table over the shared keys
        (only those for a command without a name: click.Command.name may be None).
        Relative paths are made relative to the configuration file's folder."""
        merged = {k: v for k, v in self.shared.items() if k in specs}
        if command is not None:
            merged.update(self.commands.get(command, {}))
        out: dict[str, Setting] = {}
        for key, setting in merged.items():
            spec = specs.get(key)
            if spec is None:
                continue
            value = setting.value
            if spec.multiple and not isinstance(value, list):
                value = [value]
            if spec.kind == "path" and self.path is not None:
                base = self.path.parent
                value = [str(base / v) for v in value] if spec.multiple else str(base / value)
            if value is not setting.value:
                setting = Setting(value, setting.path, setting.line, setting.key)
            out[spec.dest] = setting
        return out

    def defaults(self, command: str | None, specs: Mapping[str, OptionSpec]) -> dict[str, Any]:
        """The command's click default_map: parameter name -> value."""
        return {dest: s.value for dest, s in self.command_settings(command, specs).items()}

    def to_json(self) -> dict:
        def values(settings: Mapping[str, Setting]) -> dict:
            return {k: {"value": s.value, "location": s.where} for k, s in settings.items()}

        return {
            "path": str(self.path) if self.path else None,
            "shared": values(self.shared),
            "commands": {c: values(t) for c, t in self.commands.items()},
            "placeholders": values(self.placeholders),
            "custom": values(self.custom),
            "reader": values(self.reader),
        }


# -- finding the file ------------------------------------------------------------------------


def _has_table(pyproject: Path) -> bool:
    """Whether a pyproject.toml has a [tool.converter] table. A file that never says
    `converter` is not parsed at all; one that does must be valid TOML."""
    text = _read(pyproject)
    if "converter" not in text:
        return False
    doc = _parse_toml(pyproject, text)
    return isinstance(doc.get("tool"), dict) and "converter" in doc["tool"]


def _walk_up(start: Path) -> Iterator[Path]:
    here = start.resolve()
    while not here.is_dir() and here != here.parent:  # a legacy dir not created yet
        here = here.parent
    while True:
        yield here
        if any((here / m).exists() for m in REPOSITORY_MARKERS) or here == here.parent:
            return
        here = here.parent


def find_config(start: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The configuration file for a legacy directory `start`: see the module docstring."""
    origins = [p for p in (start, cwd if cwd is not None else Path.cwd()) if p is not None]
    for origin in origins:
        for folder in _walk_up(origin):
            if (folder / CONVERTER_TOML).is_file():
                return folder / CONVERTER_TOML
            if (folder / PYPROJECT_TOML).is_file() and _has_table(folder / PYPROJECT_TOML):
                return folder / PYPROJECT_TOML
    return None


# -- reading it ------------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(
            "no such configuration file", path=path, hint="check the --config path"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot read the configuration file: {exc.strerror or exc}", path=path
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"the configuration file is not valid UTF-8 (byte offset {exc.start})",
            path=path,
            line=data.count(b"\n", 0, exc.start) + 1,
            hint="TOML files are UTF-8: re-save it as UTF-8",
        ) from None


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _parse_toml(path: Path, text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_POSITION.search(message)
        line, column = (int(m[1]), int(m[2])) if m else (None, None)
        if m:
            message = message[: m.start()]
        raise UsageError(
            f"the configuration file is not valid TOML: {message.rstrip('.')}",
            path=path,
            line=line,
            column=column,
            hint="fix the TOML syntax (https://toml.io)",
        ) from None


_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_KEY_LINE = re.compile(rf"^({_KEY}(?:\s*\.\s*{_KEY})*)\s*=(.*)$")
_KEY_PART = re.compile(rf"\s*({_KEY})\s*(?:\.|$)")


def _split_key(text: str) -> tuple[str, ...]:
    parts = []
    for m in _KEY_PART.finditer(text.strip()):
        part = m.group(1)
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
    return tuple(parts)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line each table and key is first written on: tomllib keeps no positions, so the
    text is searched. Good for ordinary files; keys inside inline tables map to nothing."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    open_string: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if open_string:
            if open_string in line:
                open_string = None
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            inner = line[2 : line.find("]]")] if line.startswith("[[") else line[1 : line.find("]")]
            table = _split_key(inner)
            lines.setdefault(table, number)
            continue
        m = _KEY_LINE.match(line)
        if m:
            lines.setdefault(table + _split_key(m[1]), number)
            value = m[2].strip()
            for quotes in ('"""', "'''"):
                if value.startswith(quotes) and value.count(quotes) == 1:
                    open_string = quotes
    return lines


def load_config(path: Path | None, schema: Schema | None = None) -> Config:
    """Read and check `path` (None: no configuration). With `schema` (the CLI's options per
    command) every command table and shared key is checked too; without it only the reader
    sections are (a library caller has no command line)."""
    if path is None:
        return Config()
    text = _read(path)
    doc = _parse_toml(path, text)
    prefix: tuple[str, ...] = ()
    table: Any = doc
    if path.name == PYPROJECT_TOML:
        prefix = PYPROJECT_TABLE
        tool = doc.get("tool")
        table = tool.get("converter") if isinstance(tool, dict) else None
        if table is None:
            raise UsageError(
                "this pyproject.toml has no [tool.converter] table",
                path=path,
                hint="add the table, or name a converter.toml with --config",
            )
    config = Config(path=path, prefix=prefix, lines=key_lines(text))
    if not isinstance(table, dict):
        raise UsageError(
            f"{config.table()} must be a table, got {type_name(table)}",
            path=path,
            line=config.line_of(),
        )
    _Loader(config, schema).load(table)
    return config


class _Loader:
    def __init__(self, config: Config, schema: Schema | None) -> None:
        self.config = config
        self.schema = schema

    def fail(self, message: str, keys: tuple[str, ...], hint: str | None = None) -> UsageError:
        line = self.config.line_of(*keys) or (self.config.line_of(*keys[:-1]) if keys else None)
        return UsageError(message, path=self.config.path, line=line, hint=hint)

    def setting(self, value: Any, keys: tuple[str, ...]) -> Setting:
        assert self.config.path is not None
        return Setting(
            value, self.config.path, self.config.line_of(*keys), ".".join(self.config.prefix + keys)
        )

    def normalised(self, table: dict, keys: tuple[str, ...]) -> dict[str, tuple[str, Any]]:
        """key with `-` -> (key as written, value); `rev_id` and `rev-id` together are an error."""
        out: dict[str, tuple[str, Any]] = {}
        for raw, value in table.items():
            key = normal_key(raw)
            if key in out:
                raise self.fail(
                    f"{raw!r} and {out[key][0]!r} {self.config.inside(*keys)} are the same key",
                    keys + (raw,),
                    hint="keep one of them",
                )
            out[key] = (raw, value)
        return out

    def unknown(self, raw: str, keys: tuple[str, ...], known: list[str]) -> UsageError:
        close = difflib.get_close_matches(normal_key(raw), known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(sorted(known))
        return self.fail(
            f"unknown key {raw!r} {self.config.inside(*keys)}", keys + (raw,), hint=hint
        )

    def checked(
        self, spec: OptionSpec, raw: str, value: Any, keys: tuple[str, ...], hint: str | None = None
    ) -> Setting:
        why = spec.problem(value)
        if why:
            raise self.fail(
                f"wrong value for {raw!r} {self.config.inside(*keys)}: {why}",
                keys + (raw,),
                hint=hint,
            )
        return self.setting(value, keys + (raw,))

    # -- tables -----------------------------------------------------------------------------

    def load(self, table: dict) -> None:
        commands = dict(self.schema or {})
        option_keys = sorted({k for specs in commands.values() for k in specs})
        known = option_keys + list(READER_KEYS) + list(SECTIONS) + list(commands)
        for key, (raw, value) in self.normalised(table, ()).items():
            if (
                key in SECTIONS
                or key in commands
                or (self.schema is None and isinstance(value, dict))
            ):
                if not isinstance(value, dict):
                    raise self.fail(
                        f"{raw!r} must be a table ({self.config.table(raw)}), got {type_name(value)}",
                        (raw,),
                    )
                if key == "placeholders":
                    self.load_placeholders(value, (raw,))
                elif key == "custom":
                    self.config.custom = self.load_table(value, (raw,), CUSTOM_KEYS)
                else:
                    self.config.commands[key] = self.load_command(
                        key, value, (raw,), commands.get(key)
                    )
            elif key in READER_KEYS:
                self.config.reader[key] = self.checked(READER_KEYS[key], raw, value, ())
            elif self.schema is None:
                self.config.shared[key] = self.setting(value, (raw,))
            elif key in option_keys:
                self.config.shared[key] = self.load_shared(key, raw, value, commands)
            else:
                raise self.unknown(raw, (), known)

    def load_shared(
        self, key: str, raw: str, value: Any, commands: Mapping[str, Mapping[str, OptionSpec]]
    ) -> Setting:
        setting = None
        for command, specs in sorted(commands.items()):
            if key in specs:
                setting = self.checked(
                    specs[key],
                    raw,
                    value,
                    (),
                    hint=f"a key at the top level applies to every command that has the option, here "
                    f"`{command}` too; set it in the table of the command it is meant for ({self.config.table('<command>')})",
                )
        assert setting is not None
        return setting

    def load_command(
        self,
        command: str,
        table: dict,
        keys: tuple[str, ...],
        specs: Mapping[str, OptionSpec] | None,
    ) -> dict[str, Setting]:
        out: dict[str, Setting] = {}
        for key, (raw, value) in self.normalised(table, keys).items():
            if specs is None:
                out[key] = self.setting(value, keys + (raw,))
            elif key in specs:
                out[key] = self.checked(specs[key], raw, value, keys)
            else:
                raise self.unknown(raw, keys, list(specs))
        return out

    def load_table(
        self, table: dict, keys: tuple[str, ...], specs: Mapping[str, OptionSpec]
    ) -> dict[str, Setting]:
        out: dict[str, Setting] = {}
        for key, (raw, value) in self.normalised(table, keys).items():
            if key not in specs:
                raise self.unknown(raw, keys, list(specs))
            out[key] = self.checked(specs[key], raw, value, keys)
        return out

    def load_placeholders(self, table: dict, keys: tuple[str, ...]) -> None:
        self.config.has_placeholders = True
        seen: dict[str, str] = {}
        for name, value in table.items():
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise self.fail(
                    f"wrong value for placeholder {name!r} {self.config.inside(*keys)}: "
                    f"expected a string, got {type_name(value)}",
                    keys + (name,),
                    hint=f'write it as a string: {name} = "..."',
                )
            if name.lower() in seen:
                raise self.fail(
                    f"placeholders {seen[name.lower()]!r} and {name!r} differ only in case; "
                    "placeholder names are case-insensitive (as in Flyway)",
                    keys + (name,),
                    hint="keep one of them",
                )
            seen[name.lower()] = name
            self.config.placeholders[name] = self.setting(str(value), keys + (name,))


# -- the configuration readers follow --------------------------------------------------------

_ACTIVE: contextvars.ContextVar[Config | None] = contextvars.ContextVar(
    "converter_config", default=None
)


@contextmanager
def using(config: Config | None) -> Iterator[None]:
    """Make `config` the one readers follow, whatever directory they read (the CLI sets it
    for a file named with --config; None: each reader looks from its own directory)."""
    token = _ACTIVE.set(config)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active_config() -> Config | None:
    return _ACTIVE.get()


def reader_config(root: Path, options: Any = None) -> Config:
    """The configuration a reader of `root` follows: the options' own (`ReadOptions.config`,
    once it exists), else the one the running command uses, else the file found from `root`."""
    given = getattr(options, "config", None)
    if given is not None:
        return given
    active = active_config()
    if active is not None:
        return active
    return load_config(find_config(root))
