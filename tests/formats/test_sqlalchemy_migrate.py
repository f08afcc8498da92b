"""The sqlalchemy-migrate reader: samples, script choice per dialect, names, the old Python API."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    assert_ranks_first,
    located_codes,
    write,
)

from converter.errors import InputError
from converter.formats.base import ReadOptions
from converter.formats.sqlalchemy_migrate import FORMAT
from converter.legacy import scan
from converter.model import Kind

CFG = "[db_settings]\nrepository_id=shop\nversion_table=migrate_version\nrequired_dbs=[]\n"


def repo(tmp_path: Path, files: dict[str, str | bytes], cfg: str = CFG) -> Path:
    """A repository under tmp_path: migrate.cfg and versions/<name> for each file."""
    root = tmp_path / "repo"
    write(root / "migrate.cfg", cfg)
    (root / "versions").mkdir(parents=True, exist_ok=True)
    write(root / "versions/__init__.py", "")
    for name, text in files.items():
        write(root / f"versions/{name}", text)
    return root


def read(root: Path, dialect: str | None = None, encoding: str | None = None):
    return scan(root, "sqlalchemy-migrate", ReadOptions(encoding=encoding, dialect=dialect))


def problem(result, code: str):
    found = [p for p in result.problems if p.code == code]
    assert len(found) == 1, result.problems
    return found[0]


class TestContract(FormatContract):
    format = "sqlalchemy-migrate"


# -- samples ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_in_version_order(dialect):
    result = scan(SAMPLES / "sqlalchemy-migrate" / dialect, "sqlalchemy-migrate")
    assert result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == ["1", "2", "3", "4", "5", "6", "7"]
    assert [m.sort_key for m in ms] == [(1,), (2,), (3,), (4,), (5,), (6,), (7,)]
    assert [m.description for m in ms] == [
        "create plans",
        "create customers",
        "create subscriptions",
        "create invoices",
        "seed plans and customers",
        "normalise customer emails",
        "add customer phone",
    ]
    seed_dbms = "default" if dialect == "sqlite" else dialect
    assert [m.name for m in ms] == [
        f"versions/001_create_plans_{dialect}_upgrade.sql",
        f"versions/002_create_customers_{dialect}_upgrade.sql",
        f"versions/003_create_subscriptions_{dialect}_upgrade.sql",
        f"versions/004_create_invoices_{dialect}_upgrade.sql",
        f"versions/005_seed_plans_and_customers_{seed_dbms}_upgrade.sql",
        "versions/006_normalise_customer_emails.py",
        f"versions/007_add_customer_phone_{dialect}_upgrade.sql",
    ]
    assert [m.down[0].name if m.down else None for m in ms] == [
        f"versions/001_create_plans_{dialect}_downgrade.sql",
        f"versions/002_create_customers_{dialect}_downgrade.sql",
        f"versions/003_create_subscriptions_{dialect}_downgrade.sql",
        f"versions/004_create_invoices_{dialect}_downgrade.sql",
        f"versions/005_seed_plans_and_customers_{seed_dbms}_downgrade.sql",
        None,
        f"versions/007_add_customer_phone_{dialect}_downgrade.sql",
    ]
    assert [m.dialect for m in ms] == [dialect] * 4 + [
        None if dialect == "sqlite" else dialect,
        None,
        dialect,
    ]
    assert [m.script for m in ms] == ["sql"] * 5 + ["python", "sql"]
    assert all(m.kind is Kind.VERSIONED and m.transactional and not m.batch for m in ms)
    assert all(m.date is None and m.module is None and m.tool_checksum is None for m in ms)
    assert all(m.notes == ("repository_id=isp", "version_table=migrate_version") for m in ms)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_holds_the_isp_history(dialect):
    ms = scan(SAMPLES / "sqlalchemy-migrate" / dialect, "sqlalchemy-migrate").migrations
    for m, (num, _slug, description, up, down) in zip(ms, ISP.steps(dialect), strict=True):
        assert (m.version, m.description) == (num, description)
        if num == "6":
            continue
        assert m.up[0].text == up
        assert (m.down[0].text if m.down else None) == down
    python = ms[5].up[0]
    assert (python.language, python.entry, python.calling) == ("python", "upgrade", "engine")
    assert "def upgrade(migrate_engine):" in python.text
    assert "with migrate_engine.begin() as conn:" in python.text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_read_for_its_own_dialect_is_the_same(dialect):
    plain = scan(SAMPLES / "sqlalchemy-migrate" / dialect, "sqlalchemy-migrate").migrations
    chosen = read(SAMPLES / "sqlalchemy-migrate" / dialect, dialect=dialect)
    assert chosen.problems == []
    assert [(m.name, m.dialect) for m in chosen.migrations] == [(m.name, m.dialect) for m in plain]


def test_sample_read_for_another_dialect_fails_where_the_tool_would():
    result = read(SAMPLES / "sqlalchemy-migrate" / "sqlite", dialect="postgresql")
    # 5 (default SQL) and 6 (Python) run anywhere; the sqlite-only versions do not
    assert [m.version for m in result.migrations] == ["5", "6"]
    assert [p.code for p in result.errors] == ["no-script-for-dialect"] * 5
    first = result.errors[0]
    assert first.path.name == "001_create_plans_sqlite_downgrade.sql"
    assert "version 1 has no upgrade script for postgresql" in first.message
    assert "Scripts exist for: sqlite" in first.message


def test_sample_python_script_runs_on_sqlalchemy_2():
    from converter.legacy_python import call_legacy

    ms = scan(SAMPLES / "sqlalchemy-migrate" / "sqlite", "sqlalchemy-migrate").migrations
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)")
        conn.exec_driver_sql(
            "INSERT INTO customers (email) VALUES ('  Ada@Example.COM '), ('b@x.org')"
        )
        call_legacy(ms[5].up[0], conn)
        rows = conn.exec_driver_sql("SELECT email FROM customers ORDER BY id").all()
    assert rows == [("ada@example.com",), ("b@x.org",)]


def test_detect_scores(tmp_path):
    root = repo(tmp_path, {})
    marked = FORMAT.detect(root)  # migrate.cfg with [db_settings], and versions/
    assert_ranks_first(root, "sqlalchemy-migrate")
    assert FORMAT.detect(root / "versions") == 0
    write(root / "migrate.cfg", "[other]\nx=1\n")
    unmarked = FORMAT.detect(root)
    assert 0 < unmarked < marked
    assert_ranks_first(root, "sqlalchemy-migrate")
    bare = tmp_path / "bare"
    write(bare / "migrate.cfg", CFG)
    assert 0 < FORMAT.detect(bare) < unmarked  # claimed, so that read() says what is missing
    write(tmp_path / "nothing" / "001_a.sql")
    assert FORMAT.detect(tmp_path / "nothing") == 0


# -- the repository --------------------------------------------------------------------------


def test_pointed_at_versions_folder_says_to_use_the_parent(tmp_path):
    root = repo(tmp_path, {"001_a_default_upgrade.sql": "SELECT 1;\n"})
    with pytest.raises(InputError) as info:
        read(root / "versions")
    assert "versions/ folder of a sqlalchemy-migrate repository" in info.value.message
    assert (
        info.value.hint == f"give the repository root holding migrate.cfg instead: {root.resolve()}"
    )


def test_no_migrate_cfg_is_an_input_error(tmp_path):
    write(tmp_path / "x" / "001_a.sql")
    with pytest.raises(InputError, match="no migrate.cfg"):
        read(tmp_path / "x")


def test_no_versions_folder_is_an_input_error(tmp_path):
    write(tmp_path / "x" / "migrate.cfg", CFG)
    with pytest.raises(InputError, match="has no versions/ folder"):
        read(tmp_path / "x")


def test_config_values_go_into_notes(tmp_path):
    cfg = "[db_settings]\nrepository_id = Shop 100%\nversion_table = shop_version\n"
    root = repo(tmp_path, {"001_a.py": "def upgrade(migrate_engine):\n    pass\n"}, cfg)
    (m,) = read(root).migrations
    assert m.notes == (
        "repository_id=Shop 100%",
        "version_table=shop_version",
        "versions/001_a.py: upgrade() does nothing (a placeholder keeping the number)",
    )
    assert m.module is None


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        ("[db_settings]\nversion_table=v\n", "migrate.cfg [db_settings] has no repository_id"),
        ("[db_settings]\nrepository_id=x\n", "migrate.cfg [db_settings] has no version_table"),
        ("[other]\nrepository_id=x\n", "migrate.cfg has no [db_settings] section"),
        ("repository_id=x\n", "migrate.cfg does not parse: File contains no section headers."),
    ],
)
def test_bad_config_is_an_error(tmp_path, cfg, message):
    root = repo(tmp_path, {"001_a_default_upgrade.sql": "SELECT 1;\n"}, cfg)
    result = read(root)
    p = problem(result, "bad-config")
    assert (p.severity.value, p.path.name) == ("error", "migrate.cfg")
    assert p.message.startswith(message)
    assert [m.version for m in result.migrations] == ["1"]


def test_old_layout_with_version_folders_is_an_error(tmp_path):
    root = repo(tmp_path, {"1/__init__.py": ""})
    assert located_codes(read(root)) == [("error", "old-layout", "1")]


# -- file names and versions -----------------------------------------------------------------


def test_versions_are_integers_in_numeric_order(tmp_path):
    root = repo(
        tmp_path,
        {
            "010_ten_default_upgrade.sql": "SELECT 10;\n",
            "002_two.py": "def upgrade(migrate_engine):\n    migrate_engine\n",
            "009_nine_default_upgrade.sql": "SELECT 9;\n",
            "0001_one_default_upgrade.sql": "SELECT 1;\n",
        },
    )
    result = read(root)
    assert [(m.version, m.sort_key, m.description) for m in result.migrations] == [
        ("1", (1,), "one"),
        ("2", (2,), "two"),
        ("9", (9,), "nine"),
        ("10", (10,), "ten"),
    ]
    assert located_codes(result) == [
        ("warning", "gap", "009_nine_default_upgrade.sql"),  # scan's check, not the reader's
    ]


def test_version_with_several_files_uses_all_of_them(tmp_path):
    # 001 and 0001 are one version to the tool: up from one file, down from the other
    root = repo(
        tmp_path,
        {
            "001_add_users_default_upgrade.sql": "CREATE TABLE users (id INT);\n",
            "0001_add_users_default_downgrade.sql": "DROP TABLE users;\n",
        },
    )
    (m,) = read(root).migrations
    assert (m.name, m.down[0].name) == (
        "versions/001_add_users_default_upgrade.sql",
        "versions/0001_add_users_default_downgrade.sql",
    )


def test_timestamp_versions_get_a_date(tmp_path):
    root = repo(tmp_path, {"20240301120000_add_users_default_upgrade.sql": "SELECT 1;\n"})
    (m,) = read(root).migrations
    assert (m.version, m.date.isoformat()) == ("20240301120000", "2024-03-01T12:00:00")


def test_description_without_one_in_the_sql_name(tmp_path):
    root = repo(tmp_path, {"001_postgresql_upgrade.sql": "SELECT 1;\n"})
    (m,) = read(root).migrations
    assert (m.description, m.dialect) == ("", "postgresql")
    root = repo(
        tmp_path,
        {
            "002_default_upgrade.sql": "SELECT 1;\n",
            "002_Add_users_table.py": "def upgrade(e):\n    e\n",
        },
    )
    assert read(root).migrations[1].description == "Add users table"


def test_short_numbers_are_ignored_by_the_tool(tmp_path):
    root = repo(
        tmp_path,
        {"001_a_default_upgrade.sql": "SELECT 1;\n", "02_b_default_upgrade.sql": "SELECT 2;\n"},
    )
    result = read(root)
    assert [m.version for m in result.migrations] == ["1"]
    p = problem(result, "unmatched-file")
    assert (p.severity.value, p.path.name) == ("warning", "02_b_default_upgrade.sql")
    assert "at least three digits" in p.message


def test_non_script_files_are_ignored(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_default_upgrade.sql": "SELECT 1;\n",
            "001_a.pyc": b"\x00\x01",
            "README": "notes\n",
            "notes.txt": "x\n",
            "001_b.SQL": "SELECT 1;\n",
        },
    )
    result = read(root)
    assert [m.version for m in result.migrations] == ["1"]
    assert located_codes(result) == [("warning", "unmatched-file", "001_b.SQL")]


def test_sql_name_without_database_and_operation_is_an_error(tmp_path):
    root = repo(tmp_path, {"001_a.sql": "SELECT 1;\n"})
    result = read(root)
    p = problem(result, "bad-script-name")
    assert (p.severity.value, p.path.name) == ("error", "001_a.sql")
    assert "NNN_description_<database>_<upgrade|downgrade>.sql" in p.message
    assert result.migrations == []


def test_unknown_operation_is_a_warning(tmp_path):
    root = repo(
        tmp_path,
        {"001_a_default_upgrade.sql": "SELECT 1;\n", "001_a_default_up.sql": "SELECT 1;\n"},
    )
    result = read(root)
    assert located_codes(result) == [("warning", "unmatched-file", "001_a_default_up.sql")]
    assert "operation 'up' is neither upgrade nor downgrade" in result.problems[0].message


def test_name_without_database_reads_the_description_as_database(tmp_path):
    root = repo(tmp_path, {"001_create_plans_upgrade.sql": "SELECT 1;\n"})
    result = read(root)
    assert result.migrations == []
    assert located_codes(result) == [
        ("warning", "unknown-dbms", "001_create_plans_upgrade.sql"),
        ("error", "no-script", "001_create_plans_upgrade.sql"),  # the tool stops at version 1
    ]
    assert "'plans' is not a database name" in result.problems[0].message
    assert "..._default_upgrade.sql" in result.problems[0].message


def test_misnamed_file_beside_a_good_one_is_only_a_warning(tmp_path):
    root = repo(
        tmp_path, {"001_a_default_upgrade.sql": "SELECT 1;\n", "001_a_plans_upgrade.sql": "x;\n"}
    )
    result = read(root)
    assert [m.up[0].path.name for m in result.migrations] == ["001_a_default_upgrade.sql"]
    assert located_codes(result) == [("warning", "unknown-dbms", "001_a_plans_upgrade.sql")]


def test_ibm_db_sa_names(tmp_path):
    root = repo(tmp_path, {"001_desc_ibm_db_sa_upgrade.sql": "SELECT 1;\n"})
    (m,) = read(root).migrations
    assert (m.dialect, m.description) == ("ibm_db_sa", "desc")


def test_two_python_scripts_for_one_version_is_an_error(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a.py": "def upgrade(e):\n    e\n",
            "0001_b.py": "def upgrade(e):\n    e\n",
        },
    )
    result = read(root)
    p = problem(result, "duplicate-script")
    assert p.severity.value == "error"
    assert "version 1 has two Python scripts (0001_b.py and 001_a.py)" in p.message


def test_two_sql_scripts_for_one_database_and_operation_is_an_error(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_mysql_upgrade.sql": "SELECT 1;\n",
            "001_b_mysql_upgrade.sql": "SELECT 2;\n",
        },
    )
    p = problem(read(root), "duplicate-script")
    assert p.severity.value == "error"
    assert "version 1 has two mysql upgrade scripts" in p.message


# -- which script runs -----------------------------------------------------------------------


def _all_kinds(tmp_path):
    return repo(
        tmp_path,
        {
            "001_a.py": "def upgrade(migrate_engine):\n    migrate_engine\n\n\n"
            "def downgrade(migrate_engine):\n    migrate_engine\n",
            "001_a_default_upgrade.sql": "SELECT 'default';\n",
            "001_a_postgresql_upgrade.sql": "SELECT 'pg';\n",
            "001_a_postgresql_downgrade.sql": "SELECT 'pg down';\n",
            "001_a_mysql_upgrade.sql": "SELECT 'my';\n",
        },
    )


@pytest.mark.parametrize(
    ("dialect", "up", "down", "migration_dialect"),
    [
        (
            "postgresql",
            "001_a_postgresql_upgrade.sql",
            "001_a_postgresql_downgrade.sql",
            "postgresql",
        ),
        ("mysql", "001_a_mysql_upgrade.sql", "001_a.py", "mysql"),
        ("sqlite", "001_a_default_upgrade.sql", "001_a.py", None),
        (None, "001_a_default_upgrade.sql", "001_a.py", None),
    ],
)
def test_dialect_sql_wins_over_default_which_wins_over_python(
    tmp_path, dialect, up, down, migration_dialect
):
    result = read(_all_kinds(tmp_path), dialect=dialect)
    assert result.problems == []
    (m,) = result.migrations
    assert (m.up[0].path.name, m.down[0].path.name, m.dialect) == (up, down, migration_dialect)
    assert m.down[0].entry == ("downgrade" if down.endswith(".py") else None)


def test_without_dialect_python_wins_over_dialect_sql(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a.py": "def upgrade(migrate_engine):\n    migrate_engine\n",
            "001_a_postgresql_upgrade.sql": "SELECT 1;\n",
        },
    )
    (m,) = read(root).migrations
    assert (m.script, m.up[0].entry, m.up[0].calling, m.dialect) == (
        "python",
        "upgrade",
        "engine",
        None,
    )
    (m,) = read(root, dialect="postgresql").migrations
    assert (m.script, m.dialect) == ("sql", "postgresql")


def test_without_dialect_a_single_dialect_is_used(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_mysql_upgrade.sql": "SELECT 1;\n",
            "001_a_mysql_downgrade.sql": "SELECT 2;\n",
        },
    )
    result = read(root)
    assert result.problems == []
    (m,) = result.migrations
    assert (m.dialect, m.up[0].text, m.down[0].text) == ("mysql", "SELECT 1;\n", "SELECT 2;\n")


def test_without_dialect_several_dialects_is_a_warning_listing_them(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_mysql_upgrade.sql": "SELECT 1;\n",
            "001_a_sqlite_upgrade.sql": "SELECT 1;\n",
            "002_b_default_upgrade.sql": "SELECT 2;\n",
        },
    )
    result = read(root)
    assert [m.version for m in result.migrations] == ["2"]
    p = problem(result, "dialect-choice")
    assert p.severity.value == "warning"
    assert p.message == (
        "version 1 has upgrade scripts for mysql, sqlite and no default or Python script; "
        "pass --dialect to choose one (the version is left out until then)"
    )
    (m,) = read(root, dialect="sqlite").migrations[:1]
    assert m.up[0].path.name == "001_a_sqlite_upgrade.sql"


def test_postgres_is_an_alias_of_postgresql(tmp_path):
    root = repo(tmp_path, {"001_a_postgres_upgrade.sql": "SELECT 1;\n"})
    result = read(root, dialect="postgresql")
    assert result.problems == []
    assert result.migrations[0].dialect == "postgresql"
    assert read(root).migrations[0].dialect == "postgresql"


def test_postgres_script_that_modern_sqlalchemy_would_pass_over_is_a_warning(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_postgres_upgrade.sql": "SELECT 1;\n",
            "001_a_default_upgrade.sql": "SELECT 2;\n",
        },
    )
    result = read(root, dialect="postgresql")
    assert result.migrations[0].up[0].path.name == "001_a_postgres_upgrade.sql"
    assert located_codes(result) == [("warning", "legacy-dbms-name", "001_a_postgres_upgrade.sql")]
    assert "sqlalchemy-migrate ran 001_a_default_upgrade.sql instead" in result.problems[0].message


def test_postgres_and_postgresql_side_by_side_keeps_postgresql(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_postgres_upgrade.sql": "SELECT 1;\n",
            "001_a_postgresql_upgrade.sql": "SELECT 2;\n",
        },
    )
    result = read(root, dialect="postgresql")
    assert result.migrations[0].up[0].path.name == "001_a_postgresql_upgrade.sql"
    assert located_codes(result) == [("warning", "legacy-dbms-name", "001_a_postgres_upgrade.sql")]


def test_down_without_up_is_an_error(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_default_upgrade.sql": "SELECT 1;\n",
            "002_b_mysql_downgrade.sql": "SELECT 2;\n",
        },
    )
    result = read(root, dialect="mysql")
    assert [m.version for m in result.migrations] == ["1"]
    assert located_codes(result) == [("error", "down-without-up", "002_b_mysql_downgrade.sql")]
    assert result.problems[0].message.startswith("version 2 has only downgrade scripts")


def test_default_up_with_dialect_down(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_default_upgrade.sql": "SELECT 1;\n",
            "001_a_sqlite_downgrade.sql": "SELECT 2;\n",
        },
    )
    (m,) = read(root, dialect="sqlite").migrations
    assert (m.up[0].path.name, m.down[0].path.name, m.dialect) == (
        "001_a_default_upgrade.sql",
        "001_a_sqlite_downgrade.sql",
        "sqlite",
    )
    (m,) = read(root, dialect="mysql").migrations
    assert (m.down, m.dialect) == ((), None)


# -- SQL scripts -----------------------------------------------------------------------------


def test_sql_text_is_kept_unchanged_with_begin_commit_noted(tmp_path):
    text = "-- comment\nBEGIN;\nCREATE TABLE a (id INT);\nCOMMIT;\n"
    root = repo(tmp_path, {"001_a_default_upgrade.sql": text})
    (m,) = read(root).migrations
    assert m.up[0].text == text
    assert (m.up[0].split, m.batch, m.transactional, m.up[0].line) == (True, False, True, 1)
    assert m.notes[-1] == (
        "versions/001_a_default_upgrade.sql: sqlalchemy-migrate skips its BEGIN/COMMIT statements "
        "and runs the whole script as one transaction"
    )


def test_plpgsql_begin_end_is_not_noted(tmp_path):
    text = "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n"
    root = repo(tmp_path, {"001_a_postgresql_upgrade.sql": text})
    assert read(root).migrations[0].notes == ("repository_id=shop", "version_table=migrate_version")


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_default_upgrade.sql": b"\xef\xbb\xbfCREATE TABLE a (id INT);\r\nSELECT 1;",
            "001_a_default_downgrade.sql": b"DROP TABLE a;",
        },
    )
    (m,) = read(root).migrations
    assert (m.up[0].text, m.down[0].text) == (
        "CREATE TABLE a (id INT);\nSELECT 1;",
        "DROP TABLE a;",
    )


def test_latin1_needs_the_encoding_option(tmp_path):
    root = repo(
        tmp_path, {"001_a_default_upgrade.sql": "-- caf\u00e9\nSELECT 1;\n".encode("latin-1")}
    )
    with pytest.raises(InputError) as info:
        read(root)
    assert (info.value.line, Path(info.value.path).name) == (1, "001_a_default_upgrade.sql")
    assert "byte 0xe9 at byte offset 6" in info.value.message
    assert read(root, encoding="latin-1").migrations[0].up[0].text == "-- caf\u00e9\nSELECT 1;\n"


def test_empty_script_is_reported_by_scan(tmp_path):
    root = repo(tmp_path, {"001_a_default_upgrade.sql": "-- nothing\n"})
    assert located_codes(read(root)) == [
        ("warning", "empty-migration", "001_a_default_upgrade.sql")
    ]


# -- Python scripts --------------------------------------------------------------------------

LEGACY = """from sqlalchemy import *
from migrate import *

meta = MetaData()


def upgrade(migrate_engine):
    meta.bind = migrate_engine
    users = Table('users', meta, autoload=True)
    phone = Column('phone', String(32))
    phone.create(users)
    Column('fax', String(32)).create(users)
    users.c.legacy.drop()
    migrate_engine.execute("UPDATE users SET phone = ''")


def downgrade(migrate_engine):
    meta.bind = migrate_engine
    users = Table('users', meta, autoload=True)
    users.c.phone.drop()
"""


def test_legacy_changeset_api_is_an_error_per_construct(tmp_path):
    root = repo(tmp_path, {"003_add_phone.py": LEGACY})
    result = read(root)
    (m,) = result.migrations  # kept, as Python
    assert (m.version, m.script, m.up[0].entry, m.down[0].entry) == (
        "3",
        "python",
        "upgrade",
        "downgrade",
    )
    assert all(
        p.code == "legacy-python-api" and p.severity.value == "error" for p in result.problems
    )
    assert all(p.path.name == "003_add_phone.py" for p in result.problems)
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (2, "`from migrate import *` at line 2"),
        (8, "`meta.bind = ...` at line 8 (also line 18)"),
        (9, "`Table(..., autoload=True)` at line 9 (also line 19)"),
        (11, "`phone.create(...)` at line 11 (also line 12)"),
        (13, "`users.c.legacy.drop(...)` at line 13 (also line 20)"),
        (14, "`migrate_engine.execute(...)` at line 14"),
    ]
    message = result.problems[3].message
    assert "sqlalchemy-migrate changeset API, so this script cannot run on SQLAlchemy 2" in message
    assert (
        "Rewrite it as SQL or plain SQLAlchemy 2 code, or provide 003_<description>_<dbms>_upgrade.sql"
        in message
    )


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("    t.create_column(c)\n", "t.create_column(...)"),
        ("    alter_column(c, name='x')\n", "alter_column(...)"),
        (
            "    t = Table('t', MetaData(), Column('id', Integer))\n    t.c.id.alter(type=Text)\n",
            "t.c.id.alter(...)",
        ),
        ("    t = Table('t', MetaData())\n    t.rename('u')\n", "t.rename(...)"),
        ("    t = Table('t', MetaData())\n    t.create()\n", "t.create(...)"),
        ("    m = MetaData(bind=migrate_engine)\n", "MetaData(bind=...)"),
        ("    m = MetaData(migrate_engine)\n", "MetaData(bind=...)"),
        ("    t.insert().execute(id=1)\n", "t.insert().execute(...)"),
        ("    select([t.c.id])\n", "select([...])"),
        (
            "    with migrate_engine.connect() as conn:\n        conn.execute('SELECT 1')\n",
            "conn.execute('...')",
        ),
        ("    import migrate.changeset\n", "import migrate.changeset"),
        (
            "    from migrate.changeset.constraint import ForeignKeyConstraint\n",
            "from migrate.changeset.constraint import ForeignKeyConstraint",
        ),
        ("    migrate_engine.scalar(q)\n", "migrate_engine.scalar(...)"),
    ],
)
def test_each_legacy_construct_is_found(tmp_path, body, shown):
    root = repo(tmp_path, {"001_a.py": "def upgrade(migrate_engine):\n" + body})
    result = read(root)
    assert [p.code for p in result.problems] == ["legacy-python-api"]
    assert result.problems[0].message.startswith(f"`{shown}` at line ")


def test_sqlalchemy_2_code_is_not_flagged(tmp_path):
    code = """import sqlalchemy as sa
from sqlalchemy import text


def upgrade(engine):
    meta = sa.MetaData()
    users = sa.Table("users", meta, autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET x = 1"))
        conn.execute(users.insert(), [{"id": 1}])
        conn.exec_driver_sql("SELECT 1")
        cursor = conn.connection.cursor()
        cursor.execute("SELECT 1")
    users.create(engine)
    sa.Index("ix", users.c.id).create(bind=engine)
    sa.select(users.c.id)
"""
    result = read(repo(tmp_path, {"001_a.py": code}))
    assert result.problems == []
    assert result.migrations[0].up[0].calling == "engine"


def test_python_syntax_error_names_the_line(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a.py": "def upgrade(migrate_engine):\n    x = (\n",
            "002_b_default_upgrade.sql": "SELECT 1;\n",
        },
    )
    result = read(root)
    assert [m.version for m in result.migrations] == ["2"]
    p = problem(result, "python-syntax")
    assert (p.severity.value, p.path.name, p.line) == ("error", "001_a.py", 2)


def test_python_without_upgrade_is_an_error(tmp_path):
    root = repo(tmp_path, {"001_a.py": "def downgrade(migrate_engine):\n    migrate_engine\n"})
    result = read(root)
    assert result.migrations == []
    assert located_codes(result) == [("error", "python-no-upgrade", "001_a.py")]


def test_python_upgrade_without_the_engine_parameter_is_an_error(tmp_path):
    root = repo(tmp_path, {"001_a.py": '"""Doc."""\n\n\ndef upgrade():\n    print(1)\n'})
    result = read(root)
    p = problem(result, "python-signature")
    assert (p.severity.value, p.line) == ("error", 4)
    assert "calls upgrade(migrate_engine)" in p.message
    assert len(result.migrations) == 1


@pytest.mark.parametrize(
    "body",
    [
        "    pass\n",
        "    raise NotImplementedError('Downgrade is unsupported.')\n",
        '    """Nothing."""\n',
    ],
)
def test_placeholder_downgrade_is_no_down(tmp_path, body):
    code = (
        "def upgrade(migrate_engine):\n    migrate_engine\n\n\ndef downgrade(migrate_engine):\n"
        + body
    )
    (m,) = read(repo(tmp_path, {"001_a.py": code})).migrations
    assert m.down == ()
    assert (
        m.notes[-1] == "versions/001_a.py: downgrade() only passes or raises, so there is no down"
    )


def test_broken_python_used_only_for_the_down_keeps_the_sql_up(tmp_path):
    root = repo(tmp_path, {"001_a_default_upgrade.sql": "SELECT 1;\n", "001_a.py": "def (\n"})
    result = read(root)
    (m,) = result.migrations
    assert (m.script, m.down) == ("sql", ())
    assert located_codes(result) == [("error", "python-syntax", "001_a.py")]


def test_python_not_chosen_is_not_checked(tmp_path):
    root = repo(
        tmp_path,
        {
            "001_a_default_upgrade.sql": "SELECT 1;\n",
            "001_a_default_downgrade.sql": "SELECT 2;\n",
            "001_a.py": LEGACY,
        },
    )
    result = read(root)
    assert result.problems == []
    assert result.migrations[0].script == "sql"


def test_python_crlf_and_bom(tmp_path):
    code = b"\xef\xbb\xbfdef upgrade(migrate_engine):\r\n    migrate_engine\r\n"
    (m,) = read(repo(tmp_path, {"001_a.py": code})).migrations
    assert m.up[0].text == "def upgrade(migrate_engine):\n    migrate_engine\n"
