"""The custom format: in-house layouts described by a pattern in the configuration.

The three samples (samples/custom/<dialect>/) are three naming schemes; each also converts
and upgrades on SQLite here, built from the ISP history's SQLite SQL. Then: detection next to
the known formats, the four version orders, down pairing, in-file markers, per-database
variants, and every error the configuration or a file name can cause.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from dbhelpers import alembic_config, assert_same, engine_for
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    assert_ranks_first,
    located_codes,
    write,
)

from converter.apply import apply_migration
from converter.config import Config, load_config, using
from converter.convert import ConvertOptions, convert
from converter.errors import InputError, UsageError
from converter.formats import detect_format
from converter.formats.base import ReadOptions
from converter.formats.custom import FORMAT, parse_date
from converter.legacy import scan


@pytest.fixture
def root(tmp_path) -> Path:
    """A legacy directory inside a repository root, so no file above it is ever found."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "migrations").mkdir()
    return tmp_path / "migrations"


def configure(root: Path, custom: str, extra: str = "") -> Path:
    return write(root / "converter.toml", "[custom]\n" + custom + "\n" + extra)


def read(root: Path, dialect: str | None = None):
    return scan(root, "custom", ReadOptions(dialect=dialect))


class TestContract(FormatContract):
    format = "custom"


# -- the three samples: three in-house naming schemes ----------------------------------------

SCHEME_VERSIONS = {
    "sqlite": ["0001", "0002", "0003", "0004", "0005", "0006", "0007"],
    "postgresql": [f"2024-03-0{i}" for i in range(1, 8)],
    "mysql": ["001", "002", "003", "004", "005", "006", "007"],
}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_holds_the_isp_history(dialect):
    result = scan(SAMPLES / "custom" / dialect)  # detected from its configuration
    assert result.format == "custom" and result.problems == []
    ms = result.migrations
    assert [m.version for m in ms] == SCHEME_VERSIONS[dialect]
    for m, (_num, _slug, description, up, down) in zip(ms, ISP.steps(dialect), strict=True):
        assert m.description.lower() == description
        assert m.up[0].text == up
        assert (m.down[0].text if m.down else None) == down


def test_sample_schemes_name_their_files_their_own_way():
    by_scheme = {d: scan(SAMPLES / "custom" / d).migrations[-1] for d in DIALECTS}
    assert (by_scheme["sqlite"].name, by_scheme["sqlite"].down[0].name) == (
        "V0007.Add_Customer_Phone.up.sql",
        "V0007.Add_Customer_Phone.down.sql",
    )
    pg = by_scheme["postgresql"]
    assert pg.name == pg.down[0].name == "2024-03-07_add_customer_phone.sql"
    assert (pg.up[0].line, pg.down[0].line) == (2, 5)  # the lines after `-- up` and `-- down`
    assert pg.date.isoformat() == "2024-03-07T00:00:00"
    assert (by_scheme["mysql"].name, by_scheme["mysql"].down[0].name) == (
        "patches/007-add-customer-phone.sql",
        "patches/undo/007.sql",
    )


def test_a_pattern_that_matches_nothing_leaves_a_known_format_the_winner(root):
    shutil.copytree(SAMPLES / "flyway" / "sqlite", root, dirs_exist_ok=True)
    configure(root, "pattern = 'patch_(?P<version>\\d+)\\.sql'")
    assert FORMAT.detect(root) > 0  # the configuration still claims it, weakly
    assert detect_format(root).name == "flyway"
    assert_ranks_first(root, "flyway")


def test_without_a_pattern_custom_is_never_detected_and_cannot_read(root):
    write(root / "001_a.sql")
    assert FORMAT.detect(root) == 0
    with pytest.raises(InputError, match="needs a pattern in the configuration"):
        read(root)


# -- converted and upgraded on SQLite ---------------------------------------------------------


def scheme_numbered_pairs(root: Path) -> None:
    configure(
        root,
        "pattern = 'V(?P<version>\\d{4})\\.(?P<description>\\w+)\\.(?P<direction>up|down)\\.sql'",
    )
    for num, slug, _d, up, down in ISP.steps("sqlite"):
        name = "_".join(p.capitalize() for p in slug.split("_"))
        write(root / f"V{int(num):04d}.{name}.up.sql", up)
        if down:
            write(root / f"V{int(num):04d}.{name}.down.sql", down)


def scheme_dated_sections(root: Path) -> None:
    write(
        root / "pyproject.toml",
        """[tool.converter.custom]
pattern = '(?P<version>\\d{4}-\\d{2}-\\d{2})_(?P<description>[a-z0-9_]+)\\.sql'
order = "date"
up-marker = '--\\s*up'
down-marker = '--\\s*down'
""",
    )
    for num, slug, _d, up, down in ISP.steps("sqlite"):
        write(
            root / f"2024-03-{int(num):02d}_{slug}.sql",
            "-- up\n" + up + ("-- down\n" + down if down else ""),
        )


def scheme_patch_folders(root: Path) -> None:
    configure(
        root,
        """pattern = 'patches/(?:(?P<direction>undo)/)?(?P<version>\\d{3})(?:-(?P<description>[a-z0-9-]+))?\\.sql'
down-pairing = "version"
recursive = true""",
    )
    for num, slug, _d, up, down in ISP.steps("sqlite"):
        write(root / f"patches/{int(num):03d}-{slug.replace('_', '-')}.sql", up)
        if down:
            write(root / f"patches/undo/{int(num):03d}.sql", down)


SCHEMES = {
    "numbered-pairs": (scheme_numbered_pairs, SCHEME_VERSIONS["sqlite"]),
    "dated-sections": (scheme_dated_sections, SCHEME_VERSIONS["postgresql"]),
    "patch-folders": (scheme_patch_folders, SCHEME_VERSIONS["mysql"]),
}


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_scheme_converts_and_upgrades_on_sqlite(scheme, root, tmp_path, make_db):
    build, versions = SCHEMES[scheme]
    build(root)
    out = tmp_path / "alembic"
    result = convert(root, out, ConvertOptions(dialect="sqlite", date_from="20240101"))
    assert result.format == "custom"
    assert [p.migration.version for p in result.plans] == versions
    assert [p.downgrade.source for p in result.plans].count("legacy") == 6

    legacy_url, alembic_url = make_db("sqlite"), make_db("sqlite")
    engine = engine_for(legacy_url)
    try:
        for plan in result.plans:
            apply_migration(engine, plan.migration, "sqlite")
    finally:
        engine.dispose()
    cfg = alembic_config(out, alembic_url)
    command.upgrade(cfg, "head")
    assert_same(legacy_url, alembic_url, f"{scheme} at head")
    revisions = list(ScriptDirectory.from_config(cfg).walk_revisions())
    assert [r.module.legacy["version"] for r in reversed(revisions)] == versions
    command.downgrade(cfg, "-1")  # the last one has a legacy down
    engine = engine_for(legacy_url)
    try:
        apply_migration(engine, result.plans[-1].migration, "sqlite", direction="down")
    finally:
        engine.dispose()
    assert_same(legacy_url, alembic_url, f"{scheme} after one downgrade")


# -- orders ----------------------------------------------------------------------------------


def versions(root: Path) -> list[str]:
    result = read(root)
    assert result.errors == [], result.problems
    return [m.version for m in result.migrations]


def test_numeric_order(root):
    configure(root, "pattern = '(?P<version>\\d+)_(?P<description>.+)\\.sql'")
    for name in ("10_c.sql", "2_b.sql", "001_a.sql"):
        write(root / name)
    assert versions(root) == ["001", "2", "10"]


def test_dotted_order(root):
    configure(
        root, "pattern = 'v(?P<version>[\\d._]+)-(?P<description>\\w+)\\.sql'\norder = 'dotted'"
    )
    for name in ("v1.10-c.sql", "v1.9-b.sql", "v1_2-a.sql", "v2-d.sql"):
        write(root / name)
    assert versions(root) == ["1_2", "1.9", "1.10", "2"]
    write(root / "v2.0-e.sql")  # 2.0 is 2
    assert ("error", "duplicate-version", "v2.0-e.sql") in located_codes(read(root)) or (
        "error",
        "duplicate-version",
        "v2-d.sql",
    ) in located_codes(read(root))


def test_lexical_order(root):
    configure(root, "pattern = '(?P<version>[a-z]+\\d+)\\.sql'\norder = 'lexical'")
    for name in ("b9.sql", "b10.sql", "a5.sql"):
        write(root / name)
    assert versions(root) == ["a5", "b10", "b9"]


def test_date_order_understands_iso_and_timestamps(root):
    configure(
        root, "pattern = '(?P<version>[\\dT:_-]+)__(?P<description>\\w+)\\.sql'\norder = 'date'"
    )
    for name in (
        "2024-03-01T12:00__c.sql",
        "20240301__b.sql",
        "2023-12-31__a.sql",
        "2024-03-01_1300__d.sql",
    ):
        write(root / name)
    assert versions(root) == ["2023-12-31", "20240301", "2024-03-01T12:00", "2024-03-01_1300"]


def test_date_order_with_a_date_format(root):
    configure(
        root,
        "pattern = '(?P<version>\\d\\d\\.\\d\\d\\.\\d{4})-(?P<description>\\w+)\\.sql'\norder = 'date'\ndate-format = '%d.%m.%Y'",
    )
    for name in ("02.01.2024-b.sql", "31.12.2023-a.sql"):
        write(root / name)
    assert versions(root) == ["31.12.2023", "02.01.2024"]
    assert read(root).migrations[1].date.isoformat() == "2024-01-02T00:00:00"


@pytest.mark.parametrize(
    ("order", "name", "says"),
    [
        ("numeric", "1a_x.sql", "not a whole number"),
        ("dotted", "1.a_x.sql", "not numbers separated"),
        ("date", "2024-13-45_x.sql", "not a date"),
    ],
)
def test_a_version_the_order_cannot_read_is_an_error(root, order, name, says):
    configure(root, f"pattern = '(?P<version>[^_]+)_(?P<description>.+)\\.sql'\norder = '{order}'")
    write(root / name)
    (problem,) = read(root).problems
    assert (problem.code, problem.path.name) == ("bad-version", name) and says in problem.message


def test_parse_date_says_what_to_set():
    with pytest.raises(ValueError, match="set date-format"):
        parse_date("March 1st")


# -- pairing downs ---------------------------------------------------------------------------

PAIRS = "pattern = '(?P<version>\\d+)_(?P<description>[a-z_]+)(?:\\.(?P<direction>\\w+))?\\.sql'"


def test_downs_pair_by_version_and_description(root):
    configure(root, PAIRS)
    write(root / "1_users.sql", "CREATE TABLE users (id INT);\n")
    write(root / "1_users.undo.sql", "DROP TABLE users;\n")
    write(root / "2_posts.sql")
    write(root / "2_post.rollback.sql")  # a different description
    result = read(root)
    m1, m2 = result.migrations
    assert m1.down[0].text == "DROP TABLE users;\n" and not m2.down
    (problem,) = result.problems
    assert (problem.code, problem.path.name) == ("down-without-up", "2_post.rollback.sql")
    assert "description 'post'" in problem.message and 'down-pairing = "version"' in problem.message


def test_downs_pair_by_version_alone(root):
    configure(root, PAIRS + "\ndown-pairing = 'version'")
    write(root / "2_posts.sql")
    write(root / "2_post.down.sql", "DROP TABLE posts;\n")
    write(root / "3_x.down.sql")
    result = read(root)
    (m,) = result.migrations
    assert m.down[0].name == "2_post.down.sql"
    assert located_codes(result) == [("error", "down-without-up", "3_x.down.sql")]


def test_a_direction_that_is_neither_up_nor_down(root):
    configure(root, PAIRS)
    write(root / "1_users.sql")
    write(root / "1_users.sideways.sql")
    result = read(root)
    assert located_codes(result) == [("error", "bad-direction", "1_users.sideways.sql")]
    assert "'sideways' is neither up nor down" in result.problems[0].message


def test_two_down_files_for_one_up(root):
    configure(root, PAIRS + "\ndown-pairing = 'version'")
    write(root / "1_users.sql")
    write(root / "1_users.down.sql")
    write(root / "1_people.undo.sql")
    assert ("error", "duplicate-down", "1_users.down.sql") in located_codes(read(root)) or (
        "error",
        "duplicate-down",
        "1_people.undo.sql",
    ) in located_codes(read(root))


# -- markers ---------------------------------------------------------------------------------

MARKED = "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'\nup-marker = '--\\s*up'\ndown-marker = '--\\s*down'"


def test_markers_split_one_file(root):
    configure(root, MARKED)
    write(
        root / "1_users.sql",
        "-- the users table\n--UP\nCREATE TABLE users (id INT);\n-- update: not a marker\n  -- Down  \nDROP TABLE users;\n",
    )
    (m,) = read(root).migrations
    assert (
        m.up[0].text == "CREATE TABLE users (id INT);\n-- update: not a marker\n"
        and m.up[0].line == 3
    )
    assert m.down[0].text == "DROP TABLE users;\n" and m.down[0].line == 6


def test_without_an_up_marker_the_up_is_the_text_before_the_down(root):
    configure(
        root,
        "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'\ndown-marker = '-- rollback'",
    )
    write(root / "1_a.sql", "CREATE TABLE a (id INT);\n-- rollback\nDROP TABLE a;\n")
    write(root / "2_b.sql", "CREATE TABLE b (id INT);\n")  # no marker: all up, no down
    write(root / "3_c.sql", "CREATE TABLE c (id INT);\n-- rollback\n-- nothing to undo\n")
    m1, m2, m3 = read(root).migrations
    assert (m1.up[0].text, m1.down[0].text) == ("CREATE TABLE a (id INT);\n", "DROP TABLE a;\n")
    assert m2.up[0].text == "CREATE TABLE b (id INT);\n" and not m2.down
    assert not m3.down  # a blank down section is no down


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("CREATE TABLE x (id INT);\n-- up\nSELECT 1;\n", 1, "statements before the up marker"),
        ("-- up\nSELECT 1;\n-- up\nSELECT 2;\n", 3, "a second up marker (the first is on line 1)"),
        ("-- down\nSELECT 1;\n-- up\nSELECT 2;\n", 1, "the down marker comes before the up marker"),
    ],
)
def test_marker_mistakes(root, text, line, says):
    configure(root, MARKED)
    write(root / "1_a.sql", text)
    with pytest.raises(InputError) as info:
        read(root)
    assert (
        says in info.value.message
        and info.value.line == line
        and info.value.path.endswith("1_a.sql")
    )


def test_a_down_section_and_a_down_file_is_ambiguous(root):
    configure(
        root,
        "pattern = '(?P<version>\\d+)_(?P<description>[a-z]+)(?:\\.(?P<direction>down))?\\.sql'\ndown-marker = '-- down'",
    )
    write(root / "1_a.sql", "SELECT 1;\n-- down\nSELECT 2;\n")
    write(root / "1_a.down.sql", "SELECT 3;\n")
    result = read(root)
    assert (
        located_codes(result) == [("error", "ambiguous-down", "1_a.down.sql")]
        and result.migrations == []
    )


# -- per-database variants -------------------------------------------------------------------


def test_a_dialect_group_gives_per_database_variants(root):
    configure(
        root, "pattern = '(?P<version>\\d+)_(?P<description>[a-z]+)(?:\\.(?P<dialect>\\w+))?\\.sql'"
    )
    write(root / "1_a.pg.sql", "SELECT 'pg';\n")
    write(root / "1_a.sqlite.sql", "SELECT 'sqlite';\n")
    write(root / "2_b.sql", "SELECT 'any';\n")
    pg = read(root, "postgresql")
    assert [(m.dialect, m.up[0].text) for m in pg.migrations] == [
        ("postgresql", "SELECT 'pg';\n"),
        (None, "SELECT 'any';\n"),
    ]
    mysql = read(root, "mysql")
    assert [m.version for m in mysql.migrations] == ["2"]
    assert located_codes(mysql) == [("warning", "no-variant", "1_a.pg.sql")]


def test_an_unknown_dialect_in_a_name(root):
    configure(
        root, "pattern = '(?P<version>\\d+)_(?P<description>[a-z]+)\\.(?P<dialect>\\w+)\\.sql'"
    )
    write(root / "1_a.oracle.sql")
    assert located_codes(read(root)) == [("error", "bad-dialect", "1_a.oracle.sql")]


# -- files the pattern does not match, and where it looks ------------------------------------


def test_unmatched_files_are_warnings_and_the_configuration_is_not_one(root):
    configure(root, "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'")
    write(root / "1_a.sql")
    write(root / "notes.txt", "x\n")
    write(root / "2-b.sql")
    write(root / "sub/3_c.sql")  # not recursive: not looked at
    result = read(root)
    assert [m.version for m in result.migrations] == ["1"]
    assert located_codes(result) == [
        ("warning", "unmatched-file", "2-b.sql"),
        ("warning", "unmatched-file", "notes.txt"),
    ]
    assert "the custom pattern does not match '2-b.sql'" in result.problems[0].message


def test_a_pattern_with_a_folder_needs_recursive(root):
    configure(root, "pattern = 'sql/(?P<version>\\d+)\\.sql'")
    write(root / "sql/1.sql")
    result = read(root)
    assert result.migrations == [] and ("warning", "no-match", "migrations") in located_codes(
        result
    )
    configure(root, "pattern = 'sql/(?P<version>\\d+)\\.sql'\nrecursive = true")
    assert versions(root) == ["1"]


def test_match_name_reads_every_folder_by_file_name(root):
    configure(
        root,
        "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'\nrecursive = true\nmatch = 'name'",
    )
    write(root / "2024/02_b.sql")
    write(root / "2023/01_a.sql")
    assert [m.name for m in read(root).migrations] == ["2023/01_a.sql", "2024/02_b.sql"]


def test_python_files_are_called_with_the_connection_by_default(root):
    configure(root, "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.(?:sql|py)'")
    write(root / "1_a.py", "def upgrade(conn):\n    pass\n")
    (m,) = read(root).migrations
    (up,) = m.up
    assert (up.language, up.entry, up.calling, up.args, m.down) == (
        "python",
        "upgrade",
        "connection",
        (),
        (),
    )


def test_python_calling_convention_is_configured(root):
    configure(
        root,
        "pattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.py'\n"
        'python-upgrade = "run_upgrade"\npython-downgrade = "run_downgrade"\n'
        'python-args = ["cursor", "dialect", "engine"]',
    )
    write(
        root / "1_a.py",
        "def run_upgrade(cur, engine, *args):\n    pass\n\ndef run_downgrade(cur, e, *a):\n    pass\n",
    )
    (m,) = read(root).migrations
    assert [(s.entry, s.calling, s.args) for s in m.up + m.down] == [
        ("run_upgrade", "cursor", ("dialect", "engine")),
        ("run_downgrade", "cursor", ("dialect", "engine")),
    ]


def test_unknown_python_argument_is_a_usage_error_with_a_guess(root):
    configure(root, "pattern = '(?P<version>\\d+)\\.py'\npython-args = [\"cursr\"]")
    with pytest.raises(UsageError, match="did you mean 'cursor'"):
        read(root)


def test_non_transactional_runner(root):
    configure(root, "pattern = '(?P<version>\\d+)\\.sql'\ntransactional = false")
    write(root / "1.sql")
    assert [m.transactional for m in read(root).migrations] == [False]


# -- the configuration's errors name the key and its line ------------------------------------


@pytest.mark.parametrize(
    ("custom", "line", "says", "hint"),
    [
        (
            "recursive = true\npattern = '(?P<version>\\d+'",
            3,
            "custom.pattern: not a valid regular expression: missing ), unterminated subpattern",
            "literal strings",
        ),
        (
            "pattern = '(?P<num>\\d+)\\.sql'",
            2,
            "custom.pattern: the pattern has no (?P<version>...) group",
            "(?P<version>\\d+)",
        ),
        (
            "pattern = '(?P<version>\\d+)_(?P<desc>\\w+)\\.sql'",
            2,
            "a group (?P<desc>...) the custom format does not know",
            "did you mean (?P<description>...)?",
        ),
        (
            "pattern = '(?P<version>\\d+)'\ndown-marker = '(--'",
            3,
            "custom.down-marker: not a valid regular expression",
            None,
        ),
        (
            "pattern = '(?P<version>\\d+)'\ndate-format = '%Y'",
            3,
            'custom.date-format: date-format is only used with order = "date"',
            None,
        ),
        ("recursive = true", 1, "[custom] has no pattern", "(?P<version>"),
    ],
)
def test_configuration_mistakes(root, custom, line, says, hint):
    path = configure(root, custom)
    write(root / "1.sql")
    for attempt in (lambda: read(root), lambda: FORMAT.detect(root), lambda: scan(root)):
        with pytest.raises(InputError) as info:
            attempt()
        assert says in info.value.message
        assert (info.value.path, info.value.line) == (str(path), line)
        if hint:
            assert hint in info.value.hint


def test_the_running_command_s_configuration_is_the_one_read(root, tmp_path):
    """--config FILE on the command line reaches the reader (converter.config.using)."""
    write(root / "1_a.sql")
    other = write(
        tmp_path / "team.toml",
        "[custom]\npattern = '(?P<version>\\d+)_(?P<description>\\w+)\\.sql'\n",
    )
    assert FORMAT.detect(root) == 0
    with using(load_config(other)):
        assert_ranks_first(root, "custom")
        assert versions(root) == ["1"]
    with using(Config()):  # an explicit "no configuration" hides the directory's own file
        configure(root, "pattern = '(?P<version>\\d+)_.*'")
        assert FORMAT.detect(root) == 0
