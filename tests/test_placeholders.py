"""Placeholders: `${name}` replaced with configured values the way Flyway replaces them, and
an error naming the file, line and placeholder when a value is missing (never an empty
string); Flyway's built-ins used or refused clearly; nothing touched unless configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from converter.config import load_config
from converter.errors import InputError, UsageError
from converter.formats.base import ReadOptions
from converter.legacy import scan
from converter.model import Kind, LegacyMigration, Scan, Script
from converter.placeholders import (
    Placeholders,
    apply_placeholders,
    placeholders_for,
    substitute,
    substitute_script,
)

VALUES = Placeholders({"schema": "app", "Owner": "admin", "empty": ""})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_placeholders_are_replaced_everywhere_in_the_text():
    text = "CREATE TABLE ${schema}.users (note TEXT DEFAULT '${schema}'); -- in ${schema}\n"
    assert (
        substitute(text, VALUES) == "CREATE TABLE app.users (note TEXT DEFAULT 'app'); -- in app\n"
    )


def test_names_match_whatever_their_case():
    assert substitute("${OWNER} ${owner} ${SCHEMA}", VALUES) == "admin admin app"


def test_an_empty_value_that_is_configured_is_used():
    assert substitute("a${empty}b", VALUES) == "ab"


def test_text_without_placeholders_and_dollar_quotes_are_left_alone():
    text = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql; SELECT '$1', '{x}';\n"
    assert substitute(text, VALUES) == text


def test_flyway_has_no_escape_so_a_doubled_dollar_is_a_dollar_then_a_placeholder():
    assert substitute("$${schema}", VALUES) == "$app"


def test_prefix_and_suffix_can_be_changed():
    p = Placeholders({"schema": "app"}, prefix="#[", suffix="]")
    assert substitute("SELECT '${schema}' FROM #[schema].t", p) == "SELECT '${schema}' FROM app.t"


def test_an_undefined_placeholder_names_file_line_column_and_placeholder(tmp_path):
    text = "-- header\nCREATE TABLE t (\n    id INT\n) TABLESPACE ${tablespace};\n"
    with pytest.raises(InputError) as info:
        substitute(text, VALUES, path=tmp_path / "V2__t.sql", line=10)
    err = info.value
    assert err.message == "no value for the placeholder ${tablespace}"
    assert (err.path, err.line, err.column) == (str(tmp_path / "V2__t.sql"), 13, 14)
    assert 'tablespace = "..."' in err.hint


def test_the_hint_names_the_configuration_table_and_file(tmp_path):
    config = write(tmp_path / "converter.toml", '[placeholders]\nschema = "app"\n')
    p = Placeholders.from_config(load_config(config))
    with pytest.raises(InputError) as info:
        substitute("${nope}", p, path="x.sql")
    assert f"[placeholders] in {config}" in info.value.hint


def test_an_unterminated_placeholder_is_an_error():
    with pytest.raises(InputError) as info:
        substitute("SELECT 1;\nSELECT '${oops';\n", VALUES, path="x.sql")
    assert "never ends" in info.value.message and (info.value.line, info.value.column) == (2, 9)


def test_flyway_filename_is_the_script_s_file_name():
    assert (
        substitute("-- ${flyway:filename}", VALUES, script_name="sql/V1__a.sql") == "-- V1__a.sql"
    )


@pytest.mark.parametrize(
    "name",
    [
        "flyway:defaultSchema",
        "flyway:user",
        "flyway:database",
        "flyway:timestamp",
        "flyway:workingDirectory",
        "flyway:table",
        "flyway:environment",
    ],
)
def test_flyway_built_ins_that_depend_on_the_run_are_refused_unless_configured(name):
    with pytest.raises(InputError) as info:
        substitute("GRANT SELECT ON SCHEMA ${" + name + "} TO x;", VALUES, path="V1__a.sql")
    assert f"the Flyway built-in placeholder ${{{name}}}" in info.value.message
    assert "only known when Flyway runs" in info.value.message
    assert f'"{name}" = "..."' in info.value.hint
    given = Placeholders({name: "value"})
    assert substitute("${" + name + "}", given) == "value"


def test_an_unknown_flyway_name_is_refused():
    with pytest.raises(InputError) as info:
        substitute("${flyway:schema}", VALUES, path="V1__a.sql")
    assert "is not one of Flyway's built-in placeholders" in info.value.message
    assert "${flyway:defaultSchema}" in info.value.hint


def test_nothing_is_replaced_unless_placeholders_are_configured(tmp_path):
    off = Placeholders.from_config(
        load_config(write(tmp_path / "converter.toml", 'format = "plain"\n'))
    )
    assert not off.enabled
    assert substitute("${anything}", off) == "${anything}"
    on = Placeholders.from_config(
        load_config(write(tmp_path / "converter.toml", "[placeholders]\n"))
    )
    assert on.enabled
    with pytest.raises(InputError):
        substitute("${anything}", on, path="x.sql")


def test_prefix_and_suffix_from_the_configuration(tmp_path):
    path = write(
        tmp_path / "converter.toml",
        'placeholder-prefix = "%{"\nplaceholder-suffix = "}%"\n[placeholders]\nx = 1\n',
    )
    p = Placeholders.from_config(load_config(path))
    assert (p.prefix, p.suffix) == ("%{", "}%") and substitute("%{x}% ${x}", p) == "1 ${x}"
    write(path, 'placeholder-prefix = ""\n[placeholders]\n')
    with pytest.raises(UsageError) as info:
        Placeholders.from_config(load_config(path))
    assert "placeholder-prefix must not be empty" in info.value.message and info.value.line == 1


def test_scripts_keep_their_place_and_python_is_left_alone(tmp_path):
    sql = Script("sql", "SELECT 1;\nSELECT ${nope};\n", tmp_path / "1_a.sql", "1_a.sql", line=7)
    with pytest.raises(InputError) as info:
        substitute_script(sql, VALUES)
    assert (info.value.path, info.value.line) == (str(tmp_path / "1_a.sql"), 8)
    python = Script("python", "x = '${nope}'\n", tmp_path / "1_a.py", "1_a.py", entry="upgrade")
    assert substitute_script(python, VALUES) is python


def test_a_scan_of_a_custom_layout_gets_its_placeholders(tmp_path):
    """Called the way converter.scan should call it: after the reader, with the directory's
    configuration. Sections split by markers keep their file lines in errors."""
    (tmp_path / ".git").mkdir()
    root = tmp_path / "migrations"
    write(
        root / "converter.toml",
        """\
[custom]
pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'
up-marker = '-- up'
down-marker = '-- down'

[placeholders]
schema = "app"
""",
    )
    write(
        root / "1_users.sql",
        "-- up\nCREATE TABLE ${schema}.users (id INT);\n-- down\nDROP TABLE ${schema}.users;\n",
    )
    result = apply_placeholders(scan(root, options=ReadOptions()), placeholders_for(root))
    (m,) = result.migrations
    assert m.up[0].text == "CREATE TABLE app.users (id INT);\n"
    assert m.down[0].text == "DROP TABLE app.users;\n"

    write(root / "2_posts.sql", "-- up\nSELECT 1;\n-- down\nDROP TABLE ${owner}.posts;\n")
    with pytest.raises(InputError) as info:
        apply_placeholders(scan(root), placeholders_for(root))
    assert (Path(info.value.path).name, info.value.line, info.value.column) == (
        "2_posts.sql",
        4,
        12,
    )
    assert "${owner}" in info.value.message


def test_apply_leaves_a_scan_alone_when_nothing_is_configured(tmp_path):
    script = Script("sql", "SELECT '${x}';\n", tmp_path / "1.sql", "1.sql")
    m = LegacyMigration("plain", "1", "a", Kind.VERSIONED, (script,))
    result = Scan("plain", tmp_path, [m])
    assert apply_placeholders(result, Placeholders(enabled=False)).migrations[0] is m
