"""convert --modules: one Alembic branch per module folder, with depends_on between them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from converter.apply import apply_migration, sqlite_transactional_ddl
from converter.convert import ConvertOptions, convert
from converter.diff import diff_snapshots
from converter.errors import OutputError, UsageError
from converter.snapshot import take_snapshot


def modules_tree(root: Path) -> Path:
    files = {
        "core/001_customers.sql": "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL);\n",
        "core/001_customers.down.sql": "DROP TABLE customers;\n",
        "core/002_customer_phone.sql": "ALTER TABLE customers ADD COLUMN phone VARCHAR(32);\n",
        "ai_chatbot/001_integration.sql": "CREATE TABLE chatbot_sessions (\n    id INTEGER PRIMARY KEY,\n"
        "    customer_id INTEGER NOT NULL REFERENCES customers (id)\n);\n",
        "ai_chatbot/001_integration.down.sql": "DROP TABLE chatbot_sessions;\n",
        "ai_chatbot/002_seed.sql": "INSERT INTO customers (id, email) VALUES (1, 'bot@example.com');\n"
        "INSERT INTO chatbot_sessions (id, customer_id) VALUES (1, 1);\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_each_module_becomes_a_labelled_branch_with_dependencies(tmp_path):
    legacy = modules_tree(tmp_path / "migrations")
    out = tmp_path / "alembic"
    result = convert(
        legacy, out, ConvertOptions(dialect="sqlite", date_from="20240101", modules=True)
    )
    by_rev = {p.revision: p for p in result.plans}
    assert sorted(by_rev) == [
        "ai_chatbot_integration",
        "ai_chatbot_seed",
        "core_customer_phone",
        "core_customers",
    ]
    assert by_rev["ai_chatbot_integration"].branch_labels == ("ai_chatbot",)
    assert by_rev["core_customers"].branch_labels == ("core",)
    assert by_rev["ai_chatbot_integration"].down_revision is None
    assert by_rev["ai_chatbot_seed"].down_revision == "ai_chatbot_integration"
    assert by_rev["ai_chatbot_integration"].depends_on == ("core_customers",)
    assert by_rev["ai_chatbot_seed"].depends_on is None  # already covered by its branch
    names = sorted(p.name for p in (out / "versions").iterdir())
    assert "20240101_ai_chatbot_integration.py" in names
    script = ScriptDirectory(str(out))
    assert sorted(script.get_heads()) == ["ai_chatbot_seed", "core_customer_phone"]


def test_upgrade_heads_builds_what_the_module_histories_build(tmp_path, db_url, make_db):
    dialect = sa.make_url(db_url).get_backend_name()
    legacy = modules_tree(tmp_path / "migrations")
    out = tmp_path / "alembic"
    result = convert(
        legacy, out, ConvertOptions(dialect=dialect, date_from="20240101", modules=True)
    )
    cfg = Config(str(tmp_path / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", db_url)
    command.upgrade(cfg, "heads")
    legacy_url = make_db(dialect)
    engine = sa.create_engine(legacy_url, poolclass=sa.pool.NullPool)
    if dialect == "sqlite":
        sqlite_transactional_ddl(engine)
    order = sorted(result.plans, key=lambda p: (p.migration.module != "core",))  # core first
    for plan in order:
        apply_migration(engine, plan.migration, dialect)
    snaps = []
    for url in (legacy_url, db_url):
        e = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with e.connect() as conn:
            snaps.append(take_snapshot(conn))
        e.dispose()
    engine.dispose()
    diff = diff_snapshots(*snaps)
    assert diff.is_empty, str(diff)


def test_declared_dependencies_and_their_errors(tmp_path):
    legacy = modules_tree(tmp_path / "migrations")
    result = convert(
        legacy,
        tmp_path / "alembic",
        ConvertOptions(
            dialect="sqlite",
            date_from="20240101",
            modules=True,
            depends=("ai_chatbot:core_customer_phone",),
        ),
    )
    bot = next(p for p in result.plans if p.revision == "ai_chatbot_integration")
    assert bot.depends_on == ("core_customer_phone", "core_customers")
    # core's base depending on the chatbot's seed, which depends on core: a cycle Alembic
    # cannot load; refused before anything is written
    with pytest.raises(OutputError, match="cycle"):
        convert(
            legacy,
            tmp_path / "cyclic",
            ConvertOptions(
                dialect="sqlite",
                date_from="20240101",
                modules=True,
                depends=("core:ai_chatbot_seed",),
            ),
        )
    assert not (tmp_path / "cyclic").exists()
    with pytest.raises(UsageError, match="no such revision"):
        convert(
            legacy,
            tmp_path / "x",
            ConvertOptions(
                dialect="sqlite", date_from="20240101", modules=True, depends=("core:nope",)
            ),
        )
    with pytest.raises(UsageError, match="unknown module"):
        convert(
            legacy,
            tmp_path / "y",
            ConvertOptions(
                dialect="sqlite",
                date_from="20240101",
                modules=True,
                depends=("crm:core_customers",),
            ),
        )
    with pytest.raises(UsageError, match="MODULE:REVISION"):
        convert(
            legacy,
            tmp_path / "z",
            ConvertOptions(dialect="sqlite", date_from="20240101", modules=True, depends=("core",)),
        )
    with pytest.raises(UsageError, match="needs --modules"):
        convert(
            legacy,
            tmp_path / "w",
            ConvertOptions(dialect="sqlite", date_from="20240101", depends=("core:x",)),
        )


def test_loose_files_next_to_module_folders_are_refused(tmp_path):
    legacy = modules_tree(tmp_path / "migrations")
    (legacy / "001_stray.sql").write_text("SELECT 1;\n")
    with pytest.raises(UsageError, match="migrations lie at the top: 001_stray.sql"):
        convert(
            legacy,
            tmp_path / "alembic",
            ConvertOptions(dialect="sqlite", date_from="20240101", modules=True),
        )
