"""Revision ids, file names and dates are deterministic, valid and unique."""

from datetime import datetime
from pathlib import Path

import pytest

from converter.errors import InputError, UsageError
from converter.model import Kind, LegacyMigration, Script
from converter.naming import check_date_from, file_names, migration_date, revision_ids, slugify


def mig(version, description, module=None, date=None, name=None):
    name = name or f"{version}_{description}.sql"
    return LegacyMigration(
        format="plain",
        version=version,
        description=description,
        kind=Kind.VERSIONED,
        up=(Script("sql", "SELECT 1;", Path(name), name),),
        module=module,
        date=date,
    )


def test_slug_ids_are_snake_case_and_unique():
    ms = [mig("1", "Create plans"), mig("2", "create-plans"), mig("3", "create plans")]
    assert revision_ids(ms, "slug") == ["create_plans", "create_plans_2", "create_plans_3"]


def test_ids_never_exceed_32_characters_nor_hold_forbidden_characters():
    long = "add a very long description that goes on and on: with @-+ signs"
    ms = [mig(str(i), long) for i in range(12)]
    ids = revision_ids(ms, "slug")
    assert len(set(ids)) == 12
    for rev in ids:
        assert len(rev) <= 32
        assert not set(rev) & set("@-+:")
    assert ids[11].endswith("_12")


def test_ids_avoid_ids_already_taken_by_existing_revisions():
    assert revision_ids([mig("1", "init")], "slug", taken={"init"}) == ["init_2"]


def test_version_and_hash_styles():
    ms = [mig("1.2", "x"), mig("20240101120000", "y")]
    assert revision_ids(ms, "version") == ["v1_2", "v20240101120000"]
    hashed = revision_ids(ms, "hash")
    assert hashed == revision_ids(ms, "hash")  # deterministic
    assert all(len(h) == 12 for h in hashed) and hashed[0] != hashed[1]


def test_module_prefixes_id_and_file_name():
    m = mig("1", "integration", module="ai_chatbot")
    assert revision_ids([m], "slug") == ["ai_chatbot_integration"]
    assert file_names([m], [datetime(2024, 3, 1)]) == ["20240301_ai_chatbot_integration.py"]


def test_unknown_rev_id_style_is_a_usage_error():
    with pytest.raises(UsageError):
        revision_ids([mig("1", "x")], "uuid")


def test_file_names_are_dated_and_unique():
    ms = [mig("1", "Add users"), mig("2", "add users")]
    d = datetime(2024, 1, 2)
    assert file_names(ms, [d, d]) == ["20240102_add_users.py", "20240102_add_users_2.py"]


def test_dates_come_from_the_legacy_timestamp_first():
    m = mig("20230405060708", "x", date=datetime(2023, 4, 5, 6, 7, 8))
    assert migration_date(m, "20240101") == datetime(2023, 4, 5, 6, 7, 8)


def test_fixed_date_and_no_implicit_today():
    m = mig("1", "x")
    assert migration_date(m, "20240229") == datetime(2024, 2, 29)
    with pytest.raises(InputError, match="no date") as exc:
        migration_date(m, "name")
    assert "--date-from" in str(exc.value)


def test_mtime_date(tmp_path):
    p = tmp_path / "1_x.sql"
    p.write_text("SELECT 1;")
    import os

    os.utime(p, (1700000000, 1700000000))
    m = LegacyMigration("plain", "1", "x", Kind.VERSIONED, up=(Script("sql", "", p, p.name),))
    assert migration_date(m, "mtime") == datetime(2023, 11, 14, 22, 13, 20)


def test_git_date_without_history_is_a_clear_error(tmp_path):
    p = tmp_path / "1_x.sql"
    p.write_text("SELECT 1;")
    m = LegacyMigration("plain", "1", "x", Kind.VERSIONED, up=(Script("sql", "", p, p.name),))
    with pytest.raises(InputError, match="no git history"):
        migration_date(m, "git")


@pytest.mark.parametrize("bad", ["today", "2024-01-01", "20241301", "2024011"])
def test_bad_date_from_is_a_usage_error(bad):
    with pytest.raises(UsageError):
        check_date_from(bad)


def test_slugify():
    assert slugify("Add: customers' phone (v2)") == "add_customers_phone_v2"
    assert slugify("---") == "migration"
