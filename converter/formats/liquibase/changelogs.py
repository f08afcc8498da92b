"""Which Liquibase changelogs run, in which order, and what each holds: `ChangelogReader`.

A root-level XML master changelog (`<databaseChangeLog>` with `<include file=...>` /
`<includeAll path=...>`) is followed when there is one; otherwise the directory is read as
`includeAll` reads it: every file below it, ordered by path as Java compares strings. Each
formatted SQL file goes to the parser (`formatted_sql`); a `.sql` file without the header is
one raw changeset; XML, YAML and JSON changesets are reported, not read. Once every file is
read, the changesets get their versions (the shortest unique of id, author:id,
file::id::author) and duplicate identities are refused, as Liquibase refuses them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from converter.formats.base import ReadOptions, iter_files, read_source, relname
from converter.formats.liquibase.checksum import checksum_v9
from converter.formats.liquibase.formatted_sql import (
    Changeset,
    FormattedSqlParser,
    ParseStop,
    Unit,
)
from converter.formats.liquibase.patterns import (
    ALL_SHORT_NAMES,
    CHANGELOG_SUFFIXES,
    EXPRESSION,
    FIRST_LINE,
    dbms_matches,
    is_formatted,
)
from converter.model import Kind, LegacyCallback, LegacyMigration, Scan, Script

# What ET.parse raises on bad XML: ParseError, and LookupError / ValueError for an XML
# declaration naming an unknown (`encoding="UUTF-8"`) or multi-byte (`utf-32`) encoding.
XML_ERRORS = (ET.ParseError, LookupError, ValueError)


def _local_tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def _is_false(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "false"


def _attr(element: ET.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1].lower() == name.lower():
            return value
    return None


def _utf16_key(name: str) -> bytes:
    """Order as Java's String.compareTo does (UTF-16 code units)."""
    return name.encode("utf-16-be")


def xml_changelogs(root: Path) -> list[Path]:
    """The XML changelogs (`<databaseChangeLog>`) at the top of `root`."""
    found = []
    for path in iter_files(root):
        if path.suffix.lower() != ".xml":
            continue
        try:
            element = ET.parse(path).getroot()
        except (*XML_ERRORS, OSError):
            continue
        if _local_tag(element) == "databaseChangeLog":
            found.append(path)
    return found


class ChangelogReader:
    """Reads every changelog of one root, in Liquibase's order, into `result`."""

    def __init__(self, root: Path, options: ReadOptions, result: Scan) -> None:
        self.root = root
        self.options = options
        self.result = result
        # every changeset parsed, in order (rollbacks may name an earlier one)
        self.changesets: list[Changeset] = []
        self.units: list[Unit] = []
        self.global_properties: dict[str, str] = {}
        self.file_index = 0

    # -- which files --------------------------------------------------------------------------

    def run(self) -> None:
        files = self._changelog_files()
        for path in files:
            self._read_file(path)
        self._finish()

    def _changelog_files(self) -> list[Path]:
        masters = xml_changelogs(self.root)
        if masters:
            included = set()
            for master in masters:
                included.update(self._xml_references(master))
            tops = [m for m in masters if m.resolve() not in included]
            if len(tops) == 1:
                files = self._walk_xml(tops[0], set())
                self._warn_not_included(tops[0], files)
                return files
            self.result.warn(
                "master-changelog",
                "several XML changelogs and none includes the others ("
                + ", ".join(m.name for m in masters)
                + "): the files are read in path order, as includeAll would; check the order",
                self.root,
            )
        return self._include_all(self.root, exclude=set(masters))

    def _warn_not_included(self, master: Path, files: list[Path]) -> None:
        used = {f.resolve() for f in files}
        for path in iter_files(self.root, recursive=True):
            if path.suffix.lower() == ".sql" and path.resolve() not in used and is_formatted(path):
                self.result.warn(
                    "not-included",
                    f"{master.name} does not include this changelog, so Liquibase never runs it; "
                    "include it or remove it",
                    path,
                )

    def _xml_references(self, path: Path) -> set[Path]:
        refs: set[Path] = set()
        try:
            element = ET.parse(path).getroot()
        except (*XML_ERRORS, OSError):
            return refs
        for child in element:
            if _local_tag(child) == "include" and _attr(child, "file"):
                target = self._resolve(path, _attr(child, "file") or "", child)
                if target is not None:
                    refs.add(target.resolve())
        return refs

    def _resolve(self, changelog: Path, ref: str, element: ET.Element) -> Path | None:
        """Where an include points: relative to the changelog, to the root, or any tail of it."""
        ref = ref.replace("\\", "/").removeprefix("classpath:").lstrip("/")
        candidates = []
        if _is_true(_attr(element, "relativeToChangelogFile")):
            candidates.append(changelog.parent / ref)
        candidates += [self.root / ref, changelog.parent / ref]
        parts = ref.split("/")
        candidates += [self.root.joinpath(*parts[i:]) for i in range(1, len(parts))]
        return next((c for c in candidates if c.exists()), None)

    def _walk_xml(self, path: Path, seen: set[Path]) -> list[Path]:
        """The changelog files an XML changelog includes, in its order."""
        if path.resolve() in seen:
            self.result.error(
                "include-cycle",
                "this changelog includes itself (directly or not); remove the loop",
                path,
            )
            return []
        seen = seen | {path.resolve()}
        try:
            element = ET.parse(path).getroot()
        except ET.ParseError as exc:
            self.result.error(
                "bad-changelog", f"XML changelog does not parse: {exc}", path, exc.position[0]
            )
            return []
        except XML_ERRORS as exc:  # an XML declaration naming an unknown or multi-byte encoding
            self.result.error("bad-changelog", f"XML changelog cannot be read: {exc}", path)
            return []
        files: list[Path] = []
        for child in element:
            tag = _local_tag(child)
            if tag in ("include", "includeAll") and _is_true(_attr(child, "ignore")):
                continue
            if tag == "include":
                files += self._xml_include(path, child, seen)
            elif tag == "includeAll":
                files += self._xml_include_all(path, child, seen)
            elif tag == "changeSet":
                self.result.error(
                    "unsupported-changelog",
                    f"XML changeset {_attr(child, 'author')}:{_attr(child, 'id')} is not read: only "
                    "formatted SQL changelogs are converted; rewrite it as a formatted SQL changeset",
                    path,
                )
        return files

    def _xml_include(self, changelog: Path, element: ET.Element, seen: set[Path]) -> list[Path]:
        ref = _attr(element, "file")
        target = self._resolve(changelog, ref or "", element) if ref else None
        if target is None or not target.is_file():
            if _is_false(_attr(element, "errorIfMissing")):  # Liquibase skips it, saying so
                self.result.warn(
                    "missing-include",
                    f"<include file={ref!r}> points to no file under the directory; "
                    'errorIfMissing="false", so Liquibase skips it, and so does the converter',
                    changelog,
                )
                return []
            self.result.error(
                "missing-include",
                f"<include file={ref!r}> points to no file under the directory; fix the path "
                '(Liquibase refuses it too, unless errorIfMissing="false")',
                changelog,
            )
            return []
        if target.suffix.lower() == ".xml":
            return self._walk_xml(target, seen)
        return [target]

    def _xml_include_all(self, changelog: Path, element: ET.Element, seen: set[Path]) -> list[Path]:
        ref = (
            (_attr(element, "path") or "").replace("\\", "/").removeprefix("classpath:").strip("/")
        )
        base = (
            changelog.parent if _is_true(_attr(element, "relativeToChangelogFile")) else self.root
        )
        directory = (base / ref) if ref else base
        if not directory.is_dir():
            directory = self._resolve(changelog, ref, element) or directory
        if not directory.is_dir():
            if _is_false(_attr(element, "errorIfMissingOrEmpty")):  # Liquibase skips it
                self.result.warn(
                    "missing-include",
                    f"<includeAll path={ref!r}> is not a directory under the root; "
                    'errorIfMissingOrEmpty="false", so Liquibase skips it, and so does the converter',
                    changelog,
                )
                return []
            self.result.error(
                "missing-include",
                f"<includeAll path={ref!r}> is not a directory under the root; fix the path "
                '(Liquibase refuses it too, unless errorIfMissingOrEmpty="false")',
                changelog,
            )
            return []
        files = []
        for path in self._include_all(directory, exclude={changelog}):
            if path.suffix.lower() == ".xml":
                files += self._walk_xml(path, seen)
            else:
                files.append(path)
        return files

    def _include_all(self, directory: Path, exclude: set[Path]) -> list[Path]:
        """Every file under `directory` in includeAll's order: by path, compared as Java strings."""
        paths = [p for p in iter_files(directory, recursive=True) if p not in exclude]
        return sorted(paths, key=lambda p: _utf16_key(relname(self.root, p)))

    # -- one file -----------------------------------------------------------------------------

    def _read_file(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix in CHANGELOG_SUFFIXES:
            self.result.error(
                "unsupported-changelog",
                f"{suffix[1:].upper()} changelogs are not read: only formatted SQL changelogs are "
                "converted; rewrite its changesets as formatted SQL",
                path,
            )
            return
        if suffix != ".sql":
            return  # includeAll skips files no parser supports
        self.file_index += 1
        text = read_source(path, self.options)
        first = next((line for line in text.split("\n") if line.strip()), None)
        if first is None:
            self.result.warn("empty-file", "empty changelog file: Liquibase skips it", path)
            return
        if not FIRST_LINE.fullmatch(first):
            self._raw_file(path, text)
            return
        try:
            FormattedSqlParser(self, path, text).parse()
        except ParseStop:
            pass

    def _raw_file(self, path: Path, text: str) -> None:
        """A `.sql` file without the header: Liquibase runs it whole as changeset raw::includeAll."""
        name = relname(self.root, path)
        self.result.warn(
            "raw-sql-file",
            "no `--liquibase formatted sql` first line: Liquibase runs the whole file as one "
            "unsplit changeset `raw` by `includeAll`; add the header and changesets if that is "
            "not what you meant",
            path,
        )
        changeset = Changeset(path, name, 1, "includeAll", "raw", {}, name)
        self.changesets.append(changeset)
        script = Script("sql", text, path, name, split=False)
        migration = LegacyMigration(
            format=self.result.format,
            version="raw",
            description=f"raw SQL file {name}",
            kind=Kind.VERSIONED,
            up=(script,),
            batch=True,
            tool_checksum=checksum_v9(text),  # the raw parser hashes the whole file the same way
            notes=(f"changeset:{name}::raw::includeAll", "raw-sql-file"),
        )
        self.units.append(Unit(changeset, (self.file_index, 0), migration))

    # -- after all files ----------------------------------------------------------------------

    def _finish(self) -> None:
        self._check_duplicates()
        ids: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        for unit in self.units:
            c = unit.changeset
            ids[c.id] = ids.get(c.id, 0) + 1
            pairs[(c.author, c.id)] = pairs.get((c.author, c.id), 0) + 1
        for unit in self.units:
            c = unit.changeset
            if ids[c.id] == 1:
                version = c.id
            elif pairs[(c.author, c.id)] == 1:
                version = f"{c.author}:{c.id}"
            else:
                version = f"{c.file_path}::{c.id}::{c.author}"
            self.result.migrations.append(
                replace(unit.migration, version=version, sort_key=unit.sort_key)
            )
            if "runAlways" in unit.migration.notes:  # again at every update, once applied
                self.result.callbacks.append(
                    LegacyCallback(
                        "beforeMigrate",
                        f"{c.author}:{c.id}",
                        unit.migration.up[0],
                        transactional=unit.migration.transactional,
                        position=len(self.result.callbacks),
                        after_version=version,
                    )
                )

    def _check_duplicates(self) -> None:
        """Liquibase refuses two changesets with one identity that would both run."""
        seen: dict[tuple[str, str, str], Unit] = {}
        for unit in self.units:
            c = unit.changeset
            key = (c.file_path, c.author, c.id)
            other = seen.get(key)
            if other is None:
                seen[key] = unit
                continue
            if self.options.dialect is None and not any(
                dbms_matches(other.changeset.attrs.get("dbms"), s)
                and dbms_matches(c.attrs.get("dbms"), s)
                for s in ALL_SHORT_NAMES
            ):
                continue
            self.result.error(
                "duplicate-changeset",
                f"changeset {c.author}:{c.id} appears twice in {c.file_path} (first at line "
                f"{other.changeset.line}): Liquibase refuses duplicate identifiers; give one a new id",
                c.path,
                c.line,
            )

    # -- properties ---------------------------------------------------------------------------

    def expand(self, text: str, local: dict[str, str]) -> str:
        def value(m: re.Match[str]) -> str:
            key = m[1]
            for props in (local, self.global_properties):
                if key in props:
                    return props[key]
            return m[0]

        return EXPRESSION.sub(value, text)
