"""What the engine really creates, in the order it shows it (issue 19, section 4; PITFALLS 21).

MariaDB creates the implicit index of each foreign key in declaration order and `SHOW CREATE
TABLE` lists them so; it folds a UNIQUE that repeats the primary key into it. A translation
keeps the order or stays verbatim; verify compares the index order MySQL/MariaDB keep.
"""

from __future__ import annotations

import pytest
from alembic import command
from dbhelpers import alembic_config, engine_for, show_create

from converter.apply import apply_migration
from converter.convert import ConvertOptions, convert
from converter.verify import VerifyOptions, verify

TABLES = {
    "mysql": """CREATE TABLE zones (id INT PRIMARY KEY);
CREATE TABLE accounts (id INT PRIMARY KEY);
CREATE TABLE links (
    id INT PRIMARY KEY,
    zone_id INT NOT NULL,
    account_id INT NOT NULL,
    CONSTRAINT fk_zone FOREIGN KEY (zone_id) REFERENCES zones (id),
    CONSTRAINT fk_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE TABLE settings (`key` VARCHAR(255) PRIMARY KEY UNIQUE NOT NULL, value INT);
""",
    "postgresql": """CREATE TABLE zones (id INT PRIMARY KEY);
CREATE TABLE accounts (id INT PRIMARY KEY);
CREATE TABLE links (
    id INT PRIMARY KEY,
    zone_id INT NOT NULL,
    account_id INT NOT NULL,
    CONSTRAINT fk_zone FOREIGN KEY (zone_id) REFERENCES zones (id),
    CONSTRAINT fk_account FOREIGN KEY (account_id) REFERENCES accounts (id)
);
CREATE TABLE settings ("key" VARCHAR(255) PRIMARY KEY UNIQUE NOT NULL, value INT);
""",
}
TABLES["sqlite"] = TABLES["postgresql"]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_foreign_keys_out_of_order_and_a_unique_primary_key(dialect, server, make_db, tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "V1__tables.sql").write_text(TABLES[dialect])
    out = tmp_path / "alembic"
    result = convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    report = verify(legacy, out, VerifyOptions(url=server(dialect)))
    assert report.equivalent, report.text()
    if dialect != "mysql":
        return
    text = (out / "versions" / result.plans[0].filename).read_text()
    # never the sorted order of Alembic's renderer: declaration order, here verbatim
    assert "CONSTRAINT fk_zone FOREIGN KEY" in text
    legacy_url, alembic_url = make_db("mysql"), make_db("mysql")
    engine = engine_for(legacy_url)
    try:
        apply_migration(engine, result.plans[0].migration, "mysql")
    finally:
        engine.dispose()
    command.upgrade(alembic_config(out, alembic_url), "head")
    assert show_create(legacy_url) == show_create(alembic_url)


def test_verify_sees_the_index_order_mariadb_shows(mysql_server, make_db):
    """The snapshot holds MySQL's index order: the same foreign keys declared in another
    order are a difference, not a pass."""
    from converter.diff import diff_snapshots
    from converter.snapshot import take_snapshot

    snaps = []
    for first, second in (("y", "x"), ("x", "y")):
        engine = engine_for(make_db("mysql"))
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE a (id INT PRIMARY KEY)")
                conn.exec_driver_sql(
                    f"CREATE TABLE l (id INT PRIMARY KEY, x INT, y INT, "
                    f"CONSTRAINT fk_{first} FOREIGN KEY ({first}) REFERENCES a (id), "
                    f"CONSTRAINT fk_{second} FOREIGN KEY ({second}) REFERENCES a (id))"
                )
            with engine.connect() as conn:
                snaps.append(take_snapshot(conn, data=False))
        finally:
            engine.dispose()
    assert snaps[0].tables["l"]["index_order"] == ["PRIMARY", "fk_y", "fk_x"]
    assert diff_snapshots(*snaps).lines() == [
        'table l: index order ["PRIMARY", "fk_y", "fk_x"] vs ["PRIMARY", "fk_x", "fk_y"]'
    ]
