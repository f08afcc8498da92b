"""The pieces of a rendered revision: exact SQL literals, carried Python, the trailer."""

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from converter.model import Script
from converter.render import carry_python, generated_state, py_string, with_trailer


@given(st.text())
def test_py_string_evaluates_to_exactly_the_text(text):
    assert ast.literal_eval(py_string(text)) == text


def test_py_string_keeps_multiline_sql_readable():
    sql = "INSERT INTO t (a) VALUES\n    ('x :name 100%');"
    assert py_string(sql) == f'"""{sql}"""'
    assert py_string("SELECT E'a\\nb'\nFROM t") == 'r"""SELECT E\'a\\nb\'\nFROM t"""'
    assert py_string("SELECT 'it''s'") == "\"SELECT 'it''s'\""


LEGACY = '''"""Normalise e-mails.

Second line.
"""
from sqlalchemy import text


def helper(conn):
    return conn


def upgrade(conn):
    helper(conn).execute(text("SELECT 1"))


def downgrade(conn):
    upgrade(conn)
'''


def test_carry_python_renames_entries_and_references_and_keeps_the_rest():
    script = Script("python", LEGACY, Path("m/006_x.py"), "006_x.py", entry="upgrade")
    imports, code = carry_python(script, {"upgrade", "downgrade"})
    assert imports == ["from sqlalchemy import text"]
    tree = ast.parse(code)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert names == ["helper", "legacy_upgrade", "legacy_downgrade"]
    assert "    legacy_upgrade(conn)" in code
    assert "# Normalise e-mails." in code and "# Second line." in code
    assert '"""Normalise' not in code
    assert code.startswith("# Legacy Python script 006_x.py")


def test_trailer_tells_intact_edited_and_foreign_files():
    text = with_trailer('"""x"""\nrevision = "a"\n')
    assert generated_state(text) == "intact"
    assert generated_state(text.replace('"a"', '"b"')) == "edited"
    assert generated_state('revision = "a"\n') == "foreign"


def test_import_block_is_sorted_the_way_ruff_wants():
    from converter.render import import_block

    block = import_block(
        [
            "from alembic import op",
            "import sqlalchemy as sa",
            "import contextlib",
            "from sqlalchemy import text",
        ],
        ["execute_verbatim", "LegacyEngine"],
    )
    # alembic and the helpers module each after `# isort: split`: ruff classifies them
    # differently depending on where it runs (tests/test_alembic_tools.py runs it)
    assert block == (
        "import contextlib\n\nimport sqlalchemy as sa\nfrom sqlalchemy import text\n\n"
        "# isort: split\nfrom alembic import op\n\n"
        "# isort: split\nfrom converter_helpers import LegacyEngine, execute_verbatim"
    )


def test_portable_source_drops_what_only_yoyo_needs():
    from converter.legacy_python import portable_source

    text = 'from yoyo import step\n\n__depends__ = {"a"}\n\n\ndef apply(conn):\n    pass\n\n\nsteps = [step(apply)]\n'
    assert portable_source(text) == "\n\n\ndef apply(conn):\n    pass\n\n\n"
