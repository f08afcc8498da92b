"""convert --baseline-at: a legacy prefix folded into one revision (issue 18, convert side)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from dbhelpers import alembic_config, assert_same, engine_for, snapshot

from converter.apply import apply_history, apply_step
from converter.convert import ConvertOptions, convert, read_legacy
from converter.diff import diff_snapshots
from converter.errors import DatabaseError, UsageError
from converter.history import read_revision_file


def test_legacy_record_reads_baseline_fields(tmp_path: Path) -> None:
    path = tmp_path / "20240101_baseline.py"
    path.write_text(
        'revision = "abc"\n'
        "down_revision = None\n"
        "legacy = {\n"
        '    "format": "flyway",\n'
        '    "version": "3",\n'
        '    "kind": "baseline",\n'
        '    "covers": ["1", "2", "3"],\n'
        '    "files": ["V1__a.sql", "V2__b.sql", "V3__c.sql"],\n'
        '    "sha256": "00",\n'
        '    "tool_checksum": None,\n'
        '    "missing_variants": [],\n'
        '    "dialects": ["sqlite"],\n'
        '    "baseline_data": ["countries"],\n'
        "}\n",
        encoding="utf-8",
    )
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.kind == "baseline"
    assert record.version == "3"
    assert record.covers == ("1", "2", "3")
    assert record.baseline_data == ("countries",)
    assert record.dialects == ("sqlite",)


def test_legacy_record_without_baseline_fields_has_empty_defaults(tmp_path: Path) -> None:
    path = tmp_path / "20240101_x.py"
    path.write_text('revision = "abc"\nlegacy = {"format": "flyway", "version": "1"}\n')
    record = read_revision_file(path).legacy
    assert record is not None
    assert record.covers == () and record.baseline_data == ()


# -- convert --baseline-at on the samples, on the three databases ---------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _legacy(dialect: str, legacy_dir: Path):
    return read_legacy(legacy_dir, ConvertOptions(dialect=dialect), dialect)[1]


def _objects(url: str) -> list[str]:
    """What a database holds besides alembic_version (tables, views, sequences, routines)."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = [t for t in inspector.get_table_names() if t != "alembic_version"]
            names += inspector.get_view_names()
            if conn.dialect.name == "postgresql":
                names += inspector.get_sequence_names()
                names += [f"type {t['name']}" for t in inspector.get_enums()]
                names += [
                    f"function {r[0]}"
                    for r in conn.exec_driver_sql(
                        "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        "WHERE n.nspname = 'public'"
                    )
                ]
            if conn.dialect.name == "mysql":
                for kind, sql in (
                    ("routine", "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA"),
                    ("event", "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA"),
                    ("trigger", "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA"),
                    ("sequence", "SELECT TABLE_NAME FROM information_schema.TABLES "
                     "WHERE TABLE_TYPE = 'SEQUENCE' AND TABLE_SCHEMA"),
                ):  # fmt: skip
                    names += [f"{kind} {r[0]}" for r in conn.exec_driver_sql(f"{sql} = DATABASE()")]
            if conn.dialect.name == "sqlite":
                names += [
                    r[0]
                    for r in conn.exec_driver_sql(
                        "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                        "AND name != 'alembic_version'"
                    )
                    if r[0] not in names
                ]
            return sorted(names)
    finally:
        engine.dispose()


def _baseline_options(dialect: str, server, **kw) -> ConvertOptions:
    return ConvertOptions(
        dialect=dialect,
        date_from="20240101",
        baseline_at=kw.pop("baseline_at", "5"),
        baseline_data=kw.pop("baseline_data", "plans,customers"),
        url=server(dialect),
        **kw,
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_baseline_builds_the_legacy_schema_and_downgrades_to_empty(
    dialect, make_db, server, tmp_path
):
    legacy_dir = SAMPLES / "flyway" / dialect
    out = tmp_path / "alembic"
    result = convert(legacy_dir, out, _baseline_options(dialect, server))
    first = result.plans[0]
    assert first.filename == "20240101_baseline.py"
    record = read_revision_file(out / "versions" / first.filename).legacy
    assert record is not None and record.kind == "baseline"
    assert record.covers == ("1", "2", "3", "4", "5") and record.version == "5"
    assert record.baseline_data == ("customers", "plans")
    assert record.dialects == (dialect,)
    assert result.plans[1].down_revision == first.revision
    assert result.plans[1].migration.version == "6"

    migrations = _legacy(dialect, legacy_dir)
    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    try:
        apply_history(legacy, migrations[:5], dialect)
        command.upgrade(cfg, first.revision)
        assert_same(legacy_url, alembic_url, f"{dialect} at the baseline")
        apply_history(legacy, migrations[5:], dialect)
    finally:
        legacy.dispose()
    command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{dialect} at head")
    # the sample's later migrations 6 and R have no down: the baseline's own downgrade alone
    empty_url = make_db(dialect)
    cfg = alembic_config(out, empty_url)
    command.upgrade(cfg, first.revision)
    assert _objects(empty_url)
    command.downgrade(cfg, "base")
    assert _objects(empty_url) == []

    again = convert(legacy_dir, out, _baseline_options(dialect, server))
    assert again.written == [] and again.up_to_date


# -- every kind of object, per database ------------------------------------------------------------

RICH = {
    "postgresql": [
        """CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE ref_country (code char(2) PRIMARY KEY, name citext NOT NULL);
COMMENT ON TABLE ref_country IS 'ISO countries';
CREATE TABLE people (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name varchar(50) NOT NULL CHECK (name <> ''),
    status varchar(10) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'old')),
    country char(2) REFERENCES ref_country (code),
    feeling mood DEFAULT 'happy',
    age positive_int,
    tags text[] DEFAULT '{}',
    doc jsonb,
    photo bytea
);
COMMENT ON COLUMN people.name IS 'full name';
CREATE SEQUENCE ticket_seq START 100;
CREATE INDEX ix_people_lower_name ON people (lower(name));
CREATE UNIQUE INDEX ux_people_name_happy ON people (name) WHERE feeling = 'happy';
CREATE SCHEMA billing;
CREATE TABLE billing.accounts (id integer PRIMARY KEY, owner text);
CREATE TABLE events (id integer, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE base_thing (id integer, label text);
CREATE TABLE sub_thing (extra integer) INHERITS (base_thing);
ALTER TABLE people ENABLE ROW LEVEL SECURITY;
CREATE POLICY people_mine ON people USING (name = current_user);
""",
        """CREATE FUNCTION people_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM people $$;
CREATE TABLE audit (id serial PRIMARY KEY, what text NOT NULL);
CREATE FUNCTION audit_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit (what) VALUES ('people ' || TG_OP);
    RETURN NEW;
END;
$$;
CREATE TRIGGER people_audit AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_people();
CREATE PROCEDURE touch_audit() LANGUAGE sql AS $$ INSERT INTO audit (what) VALUES ('touch') $$;
CREATE VIEW happy_people AS SELECT id, name FROM people WHERE feeling = 'happy';
CREATE VIEW happy_names AS SELECT name FROM happy_people;
CREATE MATERIALIZED VIEW people_by_country AS
    SELECT country, count(*) AS n FROM people GROUP BY country;
""",
        """INSERT INTO ref_country VALUES ('FR', 'France'), ('JP', 'Japan'), ('NZ', 'It''s \\ here');
INSERT INTO people (name, country, age, tags, doc, photo)
    VALUES ('Ann', 'FR', 30, '{a,b}', '{"k": [1, 2]}', '\\x00ff'), ('Bob', NULL, NULL, '{}', NULL, NULL);
SELECT nextval('ticket_seq');
REFRESH MATERIALIZED VIEW people_by_country;
INSERT INTO events VALUES (1, '2024-05-01'), (2, '2024-06-01');
INSERT INTO base_thing VALUES (1, 'a');
INSERT INTO sub_thing VALUES (2, 'b', 5);
""",
        "ALTER TABLE people ADD COLUMN nick text;\n",
    ],
    "mysql": [
        """CREATE TABLE ref_country (
    code CHAR(2) PRIMARY KEY,
    name VARCHAR(50) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='ISO countries';
CREATE TABLE people (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(50) NOT NULL COMMENT 'full name',
    status ENUM('new', 'old') NOT NULL DEFAULT 'new',
    country CHAR(2),
    born DATE,
    wake TIME,
    photo BLOB,
    name_len INT AS (CHAR_LENGTH(name)) VIRTUAL,
    CONSTRAINT fk_people_country FOREIGN KEY (country) REFERENCES ref_country (code),
    CONSTRAINT ck_people_name CHECK (name <> '')
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ix_people_name ON people (name(10));
""",
        """CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100) NOT NULL);
CREATE TRIGGER people_audit AFTER INSERT ON people FOR EACH ROW
    INSERT INTO audit (what) VALUES (CONCAT('people ', NEW.name));
DELIMITER //
CREATE PROCEDURE touch_audit()
BEGIN
    INSERT INTO audit (what) VALUES ('touch');
    INSERT INTO audit (what) VALUES ('touch again');
END//
CREATE FUNCTION people_count() RETURNS INT READS SQL DATA
BEGIN
    DECLARE n INT;
    SELECT COUNT(*) INTO n FROM people;
    RETURN n;
END//
DELIMITER ;
CREATE VIEW zz_people AS SELECT id, name FROM people;
CREATE VIEW aa_names AS SELECT name FROM zz_people;
CREATE SEQUENCE ticket_seq START WITH 100;
CREATE TABLE tickets (id INT NOT NULL DEFAULT NEXTVAL(ticket_seq) PRIMARY KEY);
CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;
""",
        """INSERT INTO ref_country VALUES ('FR', 'France'), ('JP', 'Japan'), ('NZ', 'It''s \\\\ here');
INSERT INTO people (name, country, born, wake, photo)
    VALUES ('Ann', 'FR', '1990-01-02', '07:30:00', X'00FF'), ('Bob', NULL, NULL, NULL, NULL);
INSERT INTO tickets VALUES (DEFAULT), (DEFAULT);
DELETE FROM people WHERE name = 'Bob';
""",
        "ALTER TABLE people ADD COLUMN nick VARCHAR(20);\n",
    ],
    "sqlite": [
        """CREATE TABLE ref_country (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (name <> ''),
    country TEXT REFERENCES ref_country (code),
    photo BLOB
);
CREATE INDEX ix_people_lower_name ON people (lower(name));
CREATE UNIQUE INDEX ux_people_name ON people (name) WHERE country IS NOT NULL;
CREATE VIRTUAL TABLE notes USING fts5(body);
""",
        """CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT NOT NULL);
CREATE TRIGGER people_audit AFTER INSERT ON people BEGIN
    INSERT INTO audit (what) VALUES ('people ' || NEW.name);
END;
CREATE TABLE people_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (name <> ''),
    country TEXT REFERENCES ref_country (code),
    photo BLOB,
    age INTEGER
);
INSERT INTO people_new (id, name, country, photo) SELECT id, name, country, photo FROM people;
DROP TABLE people;
ALTER TABLE people_new RENAME TO people;
CREATE INDEX ix_people_age ON people (age);
CREATE VIEW people_names AS SELECT name FROM people;
""",
        """INSERT INTO ref_country VALUES ('FR', 'France'), ('NZ', 'It''s here');
INSERT INTO people (name, country, photo) VALUES ('Ann', 'FR', X'00FF'), ('Bob', NULL, NULL);
DELETE FROM people WHERE name = 'Bob';
INSERT INTO notes (body) VALUES ('first note'), ('second note');
""",
        "ALTER TABLE people ADD COLUMN nick TEXT;\n",
    ],
}
RICH_DATA = dict.fromkeys(RICH, "ref_*,people,audit")
RICH_DATA["postgresql"] += ",events*,*_thing"
RICH_DATA["mysql"] += ",tickets"
RICH_DATA["sqlite"] += ",notes"


def write_history(root: Path, scripts: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(scripts, 1):
        (root / f"V{i}__step_{i}.sql").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_baseline_carries_every_kind_of_object(dialect, make_db, server, tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH[dialect])
    out = tmp_path / "alembic"
    options = ConvertOptions(
        dialect=dialect,
        date_from="20240101",
        baseline_at="3",
        baseline_data=RICH_DATA[dialect],
        url=server(dialect),
    )
    result = convert(legacy_dir, out, options)
    assert [p.migration.version for p in result.plans] == ["3", "4"]
    baseline_rev = result.plans[0].revision

    migrations = _legacy(dialect, legacy_dir)
    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    try:
        apply_history(legacy, migrations[:3], dialect)
        command.upgrade(cfg, baseline_rev)
        assert_same(legacy_url, alembic_url, f"{dialect} at the baseline")
        apply_history(legacy, migrations[3:], dialect)
    finally:
        legacy.dispose()
    command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{dialect} at head")
    command.downgrade(cfg, "base")
    assert _objects(alembic_url) == []

    again = convert(legacy_dir, out, options)
    assert again.up_to_date, again.to_json()


# -- re-runs: same, later, earlier, edited --------------------------------------------------------


def _sqlite_options(version: str | None, **kw) -> ConvertOptions:
    return ConvertOptions(dialect="sqlite", date_from="20240101", baseline_at=version, **kw)


def _revisions(out: Path) -> dict[str, object]:
    """versions/ file name -> its legacy record."""
    return {p.name: read_revision_file(p).legacy for p in sorted((out / "versions").glob("*.py"))}


def test_baseline_over_a_full_conversion_keeps_the_ids_databases_are_stamped_with(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    full = convert(legacy_dir, out, _sqlite_options(None))
    ids = {p.migration.version: p.revision for p in full.plans}
    fourth = (out / "versions" / full.plans[3].filename).read_text(encoding="utf-8")

    result = convert(legacy_dir, out, _sqlite_options("3"))
    assert result.plans[0].revision == ids["3"]  # a database at legacy 3 stays right
    assert sorted(result.folded) == sorted(f"versions/{p.filename}" for p in full.plans[:2])
    assert sorted(_revisions(out)) == ["20240101_baseline.py", full.plans[3].filename]
    assert (out / "versions" / full.plans[3].filename).read_text(encoding="utf-8") == fourth
    assert not (out / "stale").exists()

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(out, url), "head")
    assert convert(legacy_dir, out, _sqlite_options("3", check=True)).up_to_date


def test_moving_the_baseline_later_rewrites_it_and_removes_what_it_now_covers(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    first = convert(legacy_dir, out, _sqlite_options("2"))
    third_id = first.plans[1].revision
    assert [p.migration.version for p in first.plans] == ["2", "3", "4"]

    moved = convert(legacy_dir, out, _sqlite_options("3", baseline_data="ref_country"))
    assert moved.plans[0].revision == third_id
    assert moved.folded == ["versions/20240101_baseline.py"]  # the old one: same name, new text
    assert moved.renamed == [("versions/20240101_step_3.py", "versions/20240101_baseline.py")]
    records = _revisions(out)
    assert sorted(records) == ["20240101_baseline.py", "20240101_step_4.py"]
    record = records["20240101_baseline.py"]
    assert record is not None
    assert record.covers == ("1", "2", "3") and record.baseline_data == ("ref_country",)

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(out, url), "head")
    again = convert(legacy_dir, out, _sqlite_options("3", baseline_data="ref_country"))
    assert again.up_to_date


def test_moving_the_baseline_to_the_last_version_leaves_the_baseline_alone(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    result = convert(legacy_dir, out, _sqlite_options("4"))
    assert [p.migration.version for p in result.plans] == ["4"]
    assert sorted(_revisions(out)) == ["20240101_baseline.py"]


def test_moving_the_baseline_earlier_is_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    convert(legacy_dir, out, _sqlite_options("3"))
    with pytest.raises(
        UsageError, match=r"baseline up to legacy 3; --baseline-at 2 would move it earlier"
    ) as exc:
        convert(legacy_dir, out, _sqlite_options("2"))
    assert "20240101_baseline.py" in str(exc.value.path)


def test_a_revision_edited_by_hand_is_not_folded(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    convert(legacy_dir, out, _sqlite_options("2"))
    edited = out / "versions" / "20240101_step_3.py"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("def upgrade", "# mine\ndef upgrade"),
        encoding="utf-8",
    )
    before = sorted(p.name for p in (out / "versions").iterdir())
    with pytest.raises(
        UsageError, match=r"versions/20240101_step_3.py \(legacy 3\) would be folded"
    ):
        convert(legacy_dir, out, _sqlite_options("3"))
    assert sorted(p.name for p in (out / "versions").iterdir()) == before
    forced = convert(legacy_dir, out, _sqlite_options("3", force=True))
    assert sorted(_revisions(out)) == ["20240101_baseline.py", "20240101_step_4.py"]
    assert forced.overwritten_edits == ["versions/20240101_step_3.py"]


# -- errors ---------------------------------------------------------------------------------------


def test_a_version_that_is_not_in_the_history_lists_the_versions(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    with pytest.raises(UsageError, match="--baseline-at 7: no legacy migration") as exc:
        convert(legacy_dir, tmp_path / "out", _sqlite_options("7"))
    assert exc.value.hint == "versions of this history: 1, 2, 3, 4"


def test_a_near_miss_version_is_suggested_among_the_nearby_ones(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", ["SELECT 1;\n"] * 12)
    with pytest.raises(UsageError) as exc:
        convert(legacy_dir, tmp_path / "out", _sqlite_options("7.0"))
    assert exc.value.hint is not None
    assert "did you mean" in exc.value.hint
    assert exc.value.hint.endswith("versions of this history: ..., 6, 7, 8, 9, 10, ...")


def test_several_dialects_are_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    with pytest.raises(UsageError, match="builds the baseline from one database") as exc:
        convert(
            legacy_dir,
            tmp_path / "out",
            ConvertOptions(dialect="sqlite,postgresql", baseline_at="2", url="postgresql://x@h/db"),
        )
    assert "convert once per database" in str(exc.value.hint)


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_server_dialect_needs_a_url(dialect, tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH[dialect])
    with pytest.raises(UsageError, match="no --url names one"):
        convert(legacy_dir, tmp_path / "out", ConvertOptions(dialect=dialect, baseline_at="2"))


def test_a_url_of_another_database_is_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["postgresql"])
    with pytest.raises(UsageError, match="is a mysql server; the baseline is built for postgresql"):
        convert(
            legacy_dir,
            tmp_path / "out",
            ConvertOptions(dialect="postgresql", baseline_at="2", url="mysql://root@127.0.0.1/x"),
        )


def test_baseline_options_without_baseline_at_are_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    with pytest.raises(UsageError, match="are for a baseline"):
        convert(legacy_dir, tmp_path / "out", _sqlite_options(None, baseline_data="people"))


def test_modules_are_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy" / "a", RICH["sqlite"]).parent
    with pytest.raises(UsageError, match="cannot be combined with --modules"):
        convert(legacy_dir, tmp_path / "out", _sqlite_options("2", modules=True))


def test_a_legacy_statement_that_fails_in_the_scratch_database_names_file_and_line(tmp_path):
    legacy_dir = write_history(
        tmp_path / "legacy",
        ["CREATE TABLE a (id INTEGER);\n", "SELECT 1;\nINSERT INTO nope VALUES (1);\n"],
    )
    with pytest.raises(DatabaseError, match="legacy statement failed: no such table: nope") as exc:
        convert(legacy_dir, tmp_path / "out", _sqlite_options("2"))
    assert exc.value.path == str(legacy_dir / "V2__step_2.sql") and exc.value.line == 2
    assert not (tmp_path / "out").exists()


def test_a_code_migration_that_cannot_be_read_cannot_be_folded(tmp_path):
    legacy_dir = SAMPLES / "code-migrations" / "goose" / "sqlite"
    with pytest.raises(UsageError, match="00004_normalise_emails.go is inside the baseline"):
        convert(legacy_dir, tmp_path / "out", _sqlite_options("4"))
    # straight-line Go is read as SQL: it folds like SQL
    result = convert(legacy_dir, tmp_path / "out", _sqlite_options("3"))
    assert result.plans[0].migration.covers == ("1", "2", "3")


def test_data_whose_parent_rows_are_not_chosen_is_refused(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    with pytest.raises(
        UsageError, match="rows of people reference rows of ref_country, which is not chosen"
    ) as exc:
        convert(legacy_dir, tmp_path / "out", _sqlite_options("3", baseline_data="people"))
    assert exc.value.hint == "add ref_country to --baseline-data, or leave people out"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("peeple", r"no such table .* \(did you mean people\?\)"),
        ("zz_*", "the pattern matches no table"),
        ("max-rows:many", "the row limit is not a number"),
    ],
)
def test_bad_data_choices_are_refused(spec, message, tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    with pytest.raises(UsageError, match=message):
        convert(legacy_dir, tmp_path / "out", _sqlite_options("3", baseline_data=spec))


def test_max_rows_chooses_the_small_tables(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "out"
    # at 3: people holds 1 row, ref_country and notes 2 (its FTS5 shadow tables are not
    # tables of their own here), audit none (an empty table carries nothing);
    # people's rows reference ref_country
    with pytest.raises(UsageError, match="rows of people reference rows of ref_country"):
        convert(legacy_dir, out, _sqlite_options("3", baseline_data="max-rows:1"))
    result = convert(legacy_dir, out, _sqlite_options("3", baseline_data="max-rows:2"))
    assert result.plans[0].migration.baseline_data == ("notes", "people", "ref_country")


def test_pg_dump_that_is_not_there_is_a_clear_error(monkeypatch, pg_server, server, tmp_path):
    monkeypatch.setenv("CONVERTER_PG_DUMP", str(tmp_path / "no-pg_dump"))
    legacy_dir = write_history(tmp_path / "legacy", RICH["postgresql"])
    with pytest.raises(UsageError, match="CONVERTER_PG_DUMP=.* is not an executable pg_dump"):
        convert(
            legacy_dir,
            tmp_path / "out",
            ConvertOptions(dialect="postgresql", baseline_at="2", url=server("postgresql")),
        )


def test_pg_dump_older_than_the_server_is_a_clear_error(monkeypatch, pg_server, server, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text(
        "#!/bin/sh\necho 'pg_dump: error: aborting because of server version mismatch' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("CONVERTER_PG_DUMP", str(fake))
    legacy_dir = write_history(tmp_path / "legacy", RICH["postgresql"])
    with pytest.raises(UsageError, match="is older than the server: .*version mismatch") as exc:
        convert(
            legacy_dir,
            tmp_path / "out",
            ConvertOptions(dialect="postgresql", baseline_at="2", url=server("postgresql")),
        )
    assert "major version" in str(exc.value.hint)


# -- large data, the command line and the configuration --------------------------------------------


def test_large_baseline_data_goes_to_a_data_file_beside_the_revision(tmp_path):
    rows = ",\n".join(f"({i}, '{'x' * 60} {i}')" for i in range(20000))
    legacy_dir = write_history(
        tmp_path / "legacy",
        [
            "CREATE TABLE words (id INTEGER PRIMARY KEY, word TEXT NOT NULL);\n",
            f"INSERT INTO words VALUES\n{rows};\n",
            "CREATE INDEX ix_words ON words (word);\n",
        ],
    )
    out = tmp_path / "alembic"
    result = convert(legacy_dir, out, _sqlite_options("2", baseline_data="words"))
    data = out / "versions" / "20240101_baseline.data.sql"
    assert result.plans[0].data_file is not None and data.is_file()
    assert (out / "versions" / "20240101_baseline.py").stat().st_size < 20000
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    command.upgrade(alembic_config(out, url), "head")
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT COUNT(*), MAX(id) FROM words").one() == (
                20000,
                19999,
            )
    finally:
        engine.dispose()
    # moving the baseline later folds the old one, data file included
    moved = convert(legacy_dir, out, _sqlite_options("3", baseline_data="words"))
    assert moved.folded == ["versions/20240101_baseline.py"]
    assert data.is_file()  # the new baseline's own data file, same name


def test_the_command_line_and_the_configuration_take_the_baseline(tmp_path):
    from click.testing import CliRunner

    from converter.cli import cli

    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    (tmp_path / "legacy" / "converter.toml").write_text(
        '[convert]\nbaseline-at = "3"\nbaseline-data = "ref_*,people"\n', encoding="utf-8"
    )
    out = tmp_path / "alembic"
    done = CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy_dir),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--date-from",
            "20240101",
        ],
    )
    assert done.exit_code == 0, done.output
    record = read_revision_file(out / "versions" / "20240101_baseline.py").legacy
    assert record is not None
    assert record.covers == ("1", "2", "3") and record.baseline_data == ("people", "ref_country")
    refused = CliRunner().invoke(
        cli,
        [
            "convert",
            str(legacy_dir),
            "--out",
            str(out),
            "--dialect",
            "sqlite",
            "--baseline-at",
            "9",
        ],
    )
    assert refused.exit_code == 2
    assert "--baseline-at 9: no legacy migration has that version" in refused.output


# -- every sample, at its middle version -----------------------------------------------------------

SAMPLE_FORMATS = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.is_dir() and p.name not in ("multi-dialect", "code-migrations")
)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("fmt", SAMPLE_FORMATS)
def test_every_sample_baselined_at_its_middle_version(fmt, dialect, make_db, server, tmp_path):
    legacy_dir = SAMPLES / fmt / dialect
    _, migrations, callbacks = read_legacy(legacy_dir, ConvertOptions(dialect=dialect), dialect)
    cut = (len(migrations) - 1) // 2
    version = migrations[cut].version
    out = tmp_path / "alembic"
    options = ConvertOptions(
        dialect=dialect,
        date_from="20240101",
        baseline_at=version,
        baseline_data="*",  # every table's rows: the data is compared too
        url=server(dialect),
    )
    result = convert(legacy_dir, out, options)
    assert result.plans[0].migration.covers == tuple(m.version for m in migrations[: cut + 1])

    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    # With migrate callbacks both sides run them, a migrate run per step (the legacy side one
    # per covered migration, the baseline one): the callbacks' own log rows differ in number,
    # so the schemas are compared; without callbacks, schemas and data.
    same = _assert_same_schema if callbacks else assert_same
    try:
        if callbacks:
            applied: set[str] = set()
            for m in migrations[: cut + 1]:
                apply_step(legacy, m, dialect, callbacks, applied)
                applied.add(m.version)
        else:
            apply_history(legacy, migrations[: cut + 1], dialect)
        command.upgrade(cfg, result.plans[0].revision)
        same(legacy_url, alembic_url, f"{fmt}/{dialect} at the baseline ({version})")
        for m, plan in zip(migrations[cut + 1 :], result.plans[1:], strict=True):
            if callbacks:
                apply_step(legacy, m, dialect, callbacks, applied)
                applied.add(m.version)
            else:
                apply_history(legacy, [m], dialect)
            command.upgrade(cfg, plan.revision)
    finally:
        legacy.dispose()
    same(legacy_url, alembic_url, f"{fmt}/{dialect} at head")
    empty_url = make_db(dialect)
    cfg = alembic_config(out, empty_url)
    command.upgrade(cfg, result.plans[0].revision)
    command.downgrade(cfg, "base")
    # what the callbacks create is theirs (env.py runs them; never on downgrade)
    left = [o for o in _objects(empty_url) if not o.startswith("migration_log")]
    assert left == [] and (not callbacks or "migration_log" in _objects(empty_url))
    assert convert(legacy_dir, out, options).up_to_date


def _assert_same_schema(legacy_url: str, alembic_url: str, where: str) -> None:
    diff = diff_snapshots(snapshot(legacy_url, data=False), snapshot(alembic_url, data=False))
    assert diff.is_empty, f"{where}:\n{diff}"


# -- a long generated history ----------------------------------------------------------------------


def _bench_generate():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(
        "bench_generate", SAMPLES.parent / "bench" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_200_migration_history_baselined_at_150(dialect, make_db, server, tmp_path):
    legacy_dir = tmp_path / "legacy"
    _bench_generate().generate_history(legacy_dir, "ddl", 200, dialect)
    migrations = _legacy(dialect, legacy_dir)
    assert len(migrations) == 200
    version = migrations[149].version
    out = tmp_path / "alembic"
    options = ConvertOptions(
        dialect=dialect, date_from="20240101", baseline_at=version, url=server(dialect)
    )
    result = convert(legacy_dir, out, options)
    assert len(result.plans) == 51
    assert result.plans[0].migration.covers == tuple(m.version for m in migrations[:150])
    assert result.plans[1].down_revision == result.plans[0].revision
    assert len(list((out / "versions").glob("*.py"))) == 51

    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    cfg = alembic_config(out, alembic_url)
    try:
        apply_history(legacy, migrations, dialect)
    finally:
        legacy.dispose()
    command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{dialect}: 200 migrations, baseline at 150, at head")
    command.downgrade(cfg, "base")
    assert _objects(alembic_url) == []


def test_new_legacy_migrations_go_after_a_kept_baseline(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"][:3])
    out = tmp_path / "alembic"
    first = convert(legacy_dir, out, _sqlite_options("3"))
    baseline_text = (out / "versions" / "20240101_baseline.py").read_text(encoding="utf-8")
    (legacy_dir / "V4__step_4.sql").write_text(RICH["sqlite"][3], encoding="utf-8")
    result = convert(legacy_dir, out, _sqlite_options("3"))
    assert result.written == ["versions/20240101_step_4.py"]
    assert result.plans[1].down_revision == first.plans[0].revision
    assert (out / "versions" / "20240101_baseline.py").read_text(encoding="utf-8") == baseline_text
    # a legacy file inside the baseline that changed rebuilds it
    (legacy_dir / "V2__step_2.sql").write_text(
        RICH["sqlite"][1] + "CREATE TABLE extra (id INTEGER);\n", encoding="utf-8"
    )
    rebuilt = convert(legacy_dir, out, _sqlite_options("3"))
    assert rebuilt.written == ["versions/20240101_baseline.py"]
    text = (out / "versions" / "20240101_baseline.py").read_text(encoding="utf-8")
    assert '"extra"' in text  # op.create_table("extra", ...)


def test_placeholders_are_replaced_before_the_prefix_is_applied(tmp_path):
    from click.testing import CliRunner

    from converter.cli import cli

    legacy_dir = write_history(
        tmp_path / "legacy",
        ["CREATE TABLE ${table} (id INTEGER PRIMARY KEY);\n", "INSERT INTO ${table} VALUES (1);\n"],
    )
    (legacy_dir / "converter.toml").write_text('[placeholders]\ntable = "things"\n')
    out = tmp_path / "alembic"
    args = ["convert", str(legacy_dir), "--out", str(out), "--dialect", "sqlite"]
    args += ["--date-from", "20240101", "--baseline-at", "2", "--baseline-data", "things"]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    text = (out / "versions" / "20240101_baseline.py").read_text(encoding="utf-8")
    assert '"things"' in text and "${table}" not in text
    (legacy_dir / "converter.toml").write_text("[placeholders]\n")
    refused = CliRunner().invoke(cli, [*args, "--force"])
    assert refused.exit_code == 1
    assert "V1__step_1.sql:1" in refused.output and "table" in refused.output


def test_a_kept_baseline_is_dated_like_a_built_one(tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    options = ConvertOptions(dialect="sqlite", date_from="mtime", baseline_at="3")
    first = convert(legacy_dir, out, options)
    again = convert(legacy_dir, out, options)
    assert again.up_to_date and again.plans[0].date == first.plans[0].date


def test_assert_converted_takes_the_baseline_options(tmp_path):
    from converter.testing import assert_converted

    legacy_dir = write_history(tmp_path / "legacy", RICH["sqlite"])
    out = tmp_path / "alembic"
    convert(legacy_dir, out, _sqlite_options(None))
    with pytest.raises(AssertionError, match=r"remove versions/20240101_step_1.py \(folded"):
        assert_converted(legacy_dir, out, "sqlite", date_from="20240101", baseline_at="2")
    convert(legacy_dir, out, _sqlite_options("2"))
    assert_converted(legacy_dir, out, "sqlite", date_from="20240101", baseline_at="2")


NEXT_VALUES = {  # what the next row or sequence value is, asked the same way of both databases
    "sqlite": ["INSERT INTO people (name) VALUES ('Cy') RETURNING id"],
    "postgresql": [
        "SELECT nextval('ticket_seq')",
        "INSERT INTO people (name) VALUES ('Cy') RETURNING id",
        "INSERT INTO audit (what) VALUES ('x') RETURNING id",
    ],
    "mysql": [
        "INSERT INTO people (name) VALUES ('Cy')",
        "SELECT LAST_INSERT_ID()",
        "INSERT INTO audit (what) VALUES ('x')",
        "SELECT LAST_INSERT_ID()",
    ],
}


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
def test_counters_continue_where_the_legacy_database_left_them(dialect, make_db, server, tmp_path):
    legacy_dir = write_history(tmp_path / "legacy", RICH[dialect])
    out = tmp_path / "alembic"
    options = ConvertOptions(
        dialect=dialect,
        date_from="20240101",
        baseline_at="3",
        baseline_data=RICH_DATA[dialect],
        url=server(dialect),
    )
    result = convert(legacy_dir, out, options)
    legacy_url, alembic_url = make_db(dialect), make_db(dialect)
    legacy = engine_for(legacy_url)
    try:
        apply_history(legacy, _legacy(dialect, legacy_dir)[:3], dialect)
    finally:
        legacy.dispose()
    command.upgrade(alembic_config(out, alembic_url), result.plans[0].revision)

    def next_values(url: str) -> list:
        engine = engine_for(url)
        try:
            with engine.begin() as conn:
                return [
                    conn.exec_driver_sql(sql).rowcount
                    if sql.startswith("INSERT") and "RETURNING" not in sql
                    else conn.exec_driver_sql(sql).scalar()
                    for sql in NEXT_VALUES[dialect]
                ]
        finally:
            engine.dispose()

    expected = next_values(legacy_url)
    assert max(expected) > 2  # the legacy history moved the counters on
    assert next_values(alembic_url) == expected


def test_pg_dump_missing_from_path_is_a_clear_error(monkeypatch, pg_server, server, tmp_path):
    monkeypatch.delenv("CONVERTER_PG_DUMP", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    legacy_dir = write_history(tmp_path / "legacy", RICH["postgresql"])
    with pytest.raises(UsageError, match="pg_dump, which is not installed") as exc:
        convert(
            legacy_dir,
            tmp_path / "out",
            ConvertOptions(dialect="postgresql", baseline_at="2", url=server("postgresql")),
        )
    assert "CONVERTER_PG_DUMP" in str(exc.value.hint)
