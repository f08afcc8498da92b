"""Flyway SQL callbacks (issue 19, section 3): never dropped without a word.

A callback of `flyway migrate` (`afterMigrate__upsert_reference_data.sql`, ...) is named in a
warning by scan and by the convert report (the converted history does not run it yet); a file
that looks like a callback but names no event Flyway knows is an error listing the events.
"""

from __future__ import annotations

import pytest

from converter.convert import ConvertOptions, convert
from converter.errors import InputError
from converter.formats.flyway import CALLBACK_EVENTS
from converter.legacy import scan


def folder(tmp_path, **files):
    root = tmp_path / "sql"
    root.mkdir()
    (root / "V1__plans.sql").write_text("CREATE TABLE plans (id INTEGER PRIMARY KEY, name TEXT);\n")
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_a_migrate_callback_is_named_by_scan_and_convert(tmp_path):
    root = folder(
        tmp_path,
        **{
            "afterMigrate__upsert_reference_data.sql": "INSERT OR REPLACE INTO plans VALUES (1, 'b');\n"
        },
    )
    found = scan(root)
    assert [(p.code, p.path.name) for p in found.warnings] == [
        ("callback-not-carried", "afterMigrate__upsert_reference_data.sql")
    ]
    assert "runs at afterMigrate on every migrate" in found.warnings[0].message
    result = convert(
        root, tmp_path / "alembic", ConvertOptions(dialect="sqlite", date_from="20240101")
    )
    assert [w.split(":")[0] for w in result.warnings] == ["afterMigrate__upsert_reference_data.sql"]


def test_callbacks_of_other_commands_change_nothing_alembic_builds(tmp_path):
    root = folder(tmp_path, **{"beforeClean.sql": "SELECT 1;\n", "afterInfo__x.sql": "SELECT 1;\n"})
    assert not scan(root).problems


@pytest.mark.parametrize(
    "name", ["aftermigrate.sql", "afterMigrates__seed.sql", "beforeEachMigrat.sql"]
)
def test_an_unknown_callback_name_is_an_error_listing_the_known_ones(name, tmp_path):
    root = folder(tmp_path, **{name: "SELECT 1;\n"})
    with pytest.raises(InputError) as caught:
        convert(root, tmp_path / "alembic", ConvertOptions(dialect="sqlite", date_from="20240101"))
    message = str(caught.value)
    assert "is not a Flyway callback event (did you mean" in message
    assert all(event in message for event in CALLBACK_EVENTS)


def test_an_ordinary_word_is_not_taken_for_a_callback(tmp_path):
    root = folder(tmp_path, **{"aftercare.sql": "SELECT 1;\n"})
    assert [p.code for p in scan(root).problems] == ["unmatched-file"]
