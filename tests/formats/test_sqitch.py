"""The Sqitch reader: samples, detection, plan syntax, reworked changes, sqitch.conf, problems."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from formats.contract import (
    DIALECTS,
    ISP,
    SAMPLES,
    FormatContract,
    assert_ranks_first,
    codes,
    write,
)

from converter.formats.base import ReadOptions
from converter.formats.sqitch import FORMAT, PlanError, parse_plan, read_config
from converter.legacy import scan

ENGINES = {"postgresql": "pg", "mysql": "mysql", "sqlite": "sqlite"}

PLANNER = "Ada Planner <ada@example.com>"
HEADER = "%syntax-version=1.0.0\n%project=isp\n\n"
TEMPLATE_REVERT = "-- Revert isp:{name} from pg\n\nBEGIN;\n\n-- XXX Add DDLs here.\n\nCOMMIT;\n"


def change(name: str, deps: str = "", when: str = "2021-04-22T10:00:00Z", note: str = "") -> str:
    line = f"{name} {f'[{deps}] ' if deps else ''}{when} {PLANNER}"
    return line + (f" # {note}" if note else "") + "\n"


def project(
    root: Path, plan_body: str, scripts: dict[str, str] | None = None, conf: str | None = None
) -> Path:
    """A Sqitch project: the plan, a deploy (and revert) script per name in `scripts`."""
    write(root / "sqitch.plan", HEADER + plan_body)
    for name, sql in (scripts or {}).items():
        write(root / "deploy" / f"{name}.sql", sql)
    if conf is not None:
        write(root / "sqitch.conf", conf)
    return root


class TestContract(FormatContract):
    format = "sqitch"


# -- samples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sample_reads_as_the_isp_history(dialect):
    root = SAMPLES / "sqitch" / dialect
    result = scan(root, "sqitch")
    assert result.problems == []
    ms = result.migrations
    steps = ISP.steps(dialect)
    assert [m.version for m in ms] == [slug for _, slug, _, _, _ in steps]
    assert [m.description for m in ms] == [desc for _, _, desc, _, _ in steps]
    assert [m.sort_key for m in ms] == [(i,) for i in range(7)]
    assert [m.name for m in ms] == [f"deploy/{slug}.sql" for _, slug, _, _, _ in steps]
    assert [m.date for m in ms] == [
        datetime(2021, 4, 22, 10, 0),
        datetime(2021, 4, 22, 10, 5),
        datetime(2021, 4, 22, 10, 10),
        datetime(2021, 4, 22, 10, 15),
        datetime(2021, 5, 3, 8, 30),
        datetime(2021, 5, 3, 8, 45),
        datetime(2021, 5, 10, 14, 0),
    ]
    assert [m.depends for m in ms] == [
        (),
        (),
        ("create_customers", "create_plans"),
        ("create_subscriptions",),
        ("create_plans", "create_customers"),
        ("seed_plans_and_customers",),
        ("create_customers",),
    ]
    assert [m.has_down for m in ms] == [True] * 5 + [False, True]  # step 6: template-only revert
    assert all(
        m.format == "sqitch" and m.batch and m.transactional and m.kind.value == "versioned"
        for m in ms
    )
    assert all(m.dialect == dialect for m in ms)
    assert [m.notes for m in ms] == [("project isp",)] * 3 + [("project isp", "tag @v1.0")] + [
        ("project isp",)
    ] * 3
    for m, (_, slug, _, up, down) in zip(ms, steps, strict=False):
        (up_script,) = m.up
        engine = ENGINES[dialect]
        assert up_script.text.startswith(f"-- Deploy isp:{slug} to {engine}\n")
        assert f"\nBEGIN;\n\n{up}\nCOMMIT;\n" in up_script.text  # kept as is, BEGIN/COMMIT too
        assert up_script.text == (root / "deploy" / f"{slug}.sql").read_text()
        assert (up_script.line, up_script.split) == (1, True)
        assert (
            m.tool_checksum
            == hashlib.sha1((root / "deploy" / f"{slug}.sql").read_bytes()).hexdigest()
        )
        if down is None:
            assert m.down == ()
        else:
            (down_script,) = m.down
            assert down_script.name == f"revert/{slug}.sql"
            assert f"\nBEGIN;\n\n{down}\nCOMMIT;\n" in down_script.text


def test_tool_checksum_is_what_sqitch_records_as_script_hash():
    # recorded by sqitch 1.3.1 in sqitch.changes.script_hash after deploying the sample
    ms = scan(SAMPLES / "sqitch" / "postgresql", "sqitch").migrations
    assert ms[0].tool_checksum == "9e685de91fe33e944dfe48952a816db1ca3dd837"
    assert ms[6].tool_checksum == "82273b81893f56960eee871611aa59137b5143d0"


def test_detect_follows_the_plan_file_named_in_sqitch_conf(tmp_path):
    write(tmp_path / "sqitch.conf", "[core]\n\tengine = pg\n\tplan_file = db/changes.plan\n")
    conf_only = FORMAT.detect(tmp_path)
    assert conf_only > 0
    write(tmp_path / "db" / "changes.plan", HEADER)
    assert FORMAT.detect(tmp_path) > conf_only
    assert_ranks_first(tmp_path, "sqitch")


# -- plan order, notes, dependencies ----------------------------------------------------------


def test_plan_order_wins_over_dates(tmp_path):
    body = change("b_later", when="2022-01-01T00:00:00Z") + change(
        "a_earlier", when="2020-01-01T00:00:00Z"
    )
    project(tmp_path, body, {"b_later": "SELECT 1;\n", "a_earlier": "SELECT 2;\n"})
    ms = scan(tmp_path, "sqitch").migrations
    assert [m.version for m in ms] == ["b_later", "a_earlier"]
    assert [m.sort_key for m in ms] == [(0,), (1,)]
    assert ms[0].description == "b_later"  # no note: the name


def test_note_is_everything_after_the_first_hash(tmp_path):
    project(tmp_path, change("users", note="Adds users # and more"), {"users": "SELECT 1;\n"})
    (m,) = scan(tmp_path, "sqitch").migrations
    assert m.description == "Adds users # and more"


def test_conflicts_are_kept_in_notes_not_in_depends(tmp_path):
    body = change("users") + change("widgets", "users !dr_evil")
    project(tmp_path, body, {"users": "SELECT 1;\n", "widgets": "SELECT 2;\n"})
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    widgets = result.migrations[1]
    assert widgets.depends == ("users",)
    assert widgets.notes == ("project isp", "conflicts !dr_evil")


def test_dependency_on_another_project_is_warned(tmp_path):
    project(tmp_path, change("widgets", "auth:users"), {"widgets": "SELECT 1;\n"})
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["external-dependency"]
    assert result.problems[0].line == 4
    (m,) = result.migrations
    assert m.depends == ()
    assert m.notes == ("project isp", "requires auth:users")


def test_same_project_prefix_and_tag_dependencies(tmp_path):
    body = (
        change("users")
        + "@v1 2021-04-23T00:00:00Z "
        + PLANNER
        + "\n"
        + change("widgets", "isp:users @v1 users@v1")
    )
    project(tmp_path, body, {"users": "SELECT 1;\n", "widgets": "SELECT 2;\n"})
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    assert result.migrations[1].depends == ("users", "@v1", "users@v1")


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            change("widgets", "users") + change("users"),
            4,
            'requires "users", which is not declared before it',
        ),
        (change("users", "users"), 4, "requires itself"),
        (change("users") + change("widgets", "users@v9"), 5, "users@v9"),
        (change("users", "bad:dep:x"), 4, "not a valid dependency"),
        (change("users") + change("widgets", "users users"), 5, "duplicate dependency"),
    ],
)
def test_dependency_errors_name_the_plan_line(tmp_path, body, line, words):
    project(tmp_path, body, {"users": "SELECT 1;\n", "widgets": "SELECT 2;\n"})
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["plan-syntax"]
    assert (result.problems[0].path, result.problems[0].line) == (tmp_path / "sqitch.plan", line)
    assert words in result.problems[0].message
    assert result.migrations == []


def test_change_names_with_slashes_live_in_subdirectories(tmp_path):
    project(tmp_path, change("functions/add_user"))
    write(tmp_path / "deploy" / "functions" / "add_user.sql", "SELECT 1;\n")
    write(tmp_path / "revert" / "functions" / "add_user.sql", "SELECT 2;\n")
    (m,) = scan(tmp_path, "sqitch").migrations
    assert (m.version, m.name, m.down[0].name) == (
        "functions/add_user",
        "deploy/functions/add_user.sql",
        "revert/functions/add_user.sql",
    )


def test_minus_operator_is_ignored_by_sqitch_and_warned(tmp_path):
    project(
        tmp_path,
        change("+users") + change("-widgets"),
        {"users": "SELECT 1;\n", "widgets": "SELECT 2;\n"},
    )
    result = scan(tmp_path, "sqitch")
    assert [m.version for m in result.migrations] == ["users", "widgets"]
    assert codes(result) == ["revert-operator"]
    assert result.problems[0].line == 5


# -- reworked changes -------------------------------------------------------------------------


def test_reworked_change_reads_its_earlier_scripts_from_name_at_tag(tmp_path):
    body = (
        change("users", note="first")
        + f"@v1.0 2021-04-23T00:00:00Z {PLANNER}\n"
        + change("users", "users@v1.0", "2021-05-01T00:00:00Z", note="second")
    )
    project(tmp_path, body)
    write(tmp_path / "deploy" / "users@v1.0.sql", "CREATE TABLE users (id INT);\n")
    write(tmp_path / "revert" / "users@v1.0.sql", "DROP TABLE users;\n")
    write(tmp_path / "deploy" / "users.sql", "ALTER TABLE users ADD name TEXT;\n")
    write(tmp_path / "revert" / "users.sql", "ALTER TABLE users DROP name;\n")
    result = scan(tmp_path, "sqitch")
    assert result.problems == []  # same name twice, but not a duplicate
    first, second = result.migrations
    assert (first.version, first.sort_key, first.name, first.down[0].name) == (
        "users",
        (0,),
        "deploy/users@v1.0.sql",
        "revert/users@v1.0.sql",
    )
    assert first.up[0].text == "CREATE TABLE users (id INT);\n"
    assert first.notes == ("project isp", "tag @v1.0", "reworked later")
    assert (second.version, second.sort_key, second.name) == ("users", (1,), "deploy/users.sql")
    assert second.depends == ("users@v1.0",)
    assert second.description == "second"


def _rework_plan(tmp_path: Path) -> Path:
    body = (
        change("users")
        + f"@alpha 2021-04-23T00:00:00Z {PLANNER}\n"
        + change("widgets")
        + f"@beta 2021-04-24T00:00:00Z {PLANNER}\n"
        + change("users", "users@alpha")
    )
    return project(tmp_path, body, {"users": "SELECT 3;\n", "widgets": "SELECT 2;\n"})


def test_rework_suffix_is_the_first_existing_of_the_later_tags_then_its_own(tmp_path):
    _rework_plan(tmp_path)  # sqitch searches @beta (newest change first), then @alpha
    write(tmp_path / "deploy" / "users@alpha.sql", "SELECT 1;\n")
    assert scan(tmp_path, "sqitch").migrations[0].name == "deploy/users@alpha.sql"
    write(tmp_path / "deploy" / "users@beta.sql", "SELECT 1;\n")
    assert scan(tmp_path, "sqitch").migrations[0].name == "deploy/users@beta.sql"


def test_missing_reworked_script_names_the_first_candidate(tmp_path):
    _rework_plan(tmp_path)
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["missing-script"]
    assert result.problems[0].line == 4
    assert "deploy/users@beta.sql" in result.problems[0].message
    assert [m.name for m in result.migrations] == ["deploy/widgets.sql", "deploy/users.sql"]


def test_same_change_twice_without_a_tag_between_is_an_error(tmp_path):
    project(
        tmp_path, change("users") + change("widgets") + change("users"), {"users": "SELECT 1;\n"}
    )
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["plan-syntax"]
    assert result.problems[0].line == 6
    assert "line 4" in result.problems[0].message


# -- down scripts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "revert",
    [
        TEMPLATE_REVERT.format(name="users"),
        "-- Revert isp:users from mysql\r\n\r\nSTART TRANSACTION;\r\n-- nothing\r\nCOMMIT;",
        "/* nothing to undo */\nBEGIN WORK;\nEND;\n",
        "",
    ],
)
def test_template_only_revert_is_no_down(tmp_path, revert):
    project(tmp_path, change("users"), {"users": "BEGIN;\nCREATE TABLE users (id INT);\nCOMMIT;\n"})
    write(tmp_path / "revert" / "users.sql", revert)
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    assert result.migrations[0].down == ()


def test_revert_with_a_statement_is_a_down(tmp_path):
    project(tmp_path, change("users"), {"users": "BEGIN;\nCREATE TABLE users (id INT);\nCOMMIT;\n"})
    text = "-- Revert isp:users from pg\n\nBEGIN;\n\nDROP TABLE users;\n\nCOMMIT;\n"
    write(tmp_path / "revert" / "users.sql", text)
    (m,) = scan(tmp_path, "sqitch").migrations
    (down,) = m.down
    assert (down.text, down.name, down.line) == (text, "revert/users.sql", 1)


def test_missing_revert_script_is_no_down(tmp_path):
    project(tmp_path, change("users"), {"users": "SELECT 1;\n"})
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    assert result.migrations[0].down == ()


# -- transactions ----------------------------------------------------------------------------


def test_script_without_its_own_begin_is_not_transactional(tmp_path):
    body = change("users") + change("users_idx")
    scripts = {
        "users": "-- Deploy\nBEGIN;\nCREATE TABLE users (id INT);\nCOMMIT;\n",
        "users_idx": "-- BEGIN; in a comment does not count\nCREATE INDEX CONCURRENTLY i ON users (id);\n",
    }
    project(tmp_path, body, scripts)
    ms = scan(tmp_path, "sqitch").migrations
    assert [m.transactional for m in ms] == [True, False]


def test_template_only_deploy_is_warned(tmp_path):
    project(
        tmp_path,
        change("users"),
        {"users": "-- Deploy isp:users to pg\n\nBEGIN;\n\n-- XXX Add DDLs here.\n\nCOMMIT;\n"},
    )
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["template-only-deploy"]
    assert result.problems[0].path == tmp_path / "deploy" / "users.sql"


# -- problems ---------------------------------------------------------------------------------


def test_missing_deploy_script_is_an_error_on_its_plan_line(tmp_path):
    project(tmp_path, change("users") + change("widgets"), {"users": "SELECT 1;\n"})
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["missing-script"]
    problem = result.problems[0]
    assert (problem.path, problem.line) == (tmp_path / "sqitch.plan", 5)
    assert "plan line 5" in problem.message and "deploy/widgets.sql" in problem.message
    assert [m.version for m in result.migrations] == ["users"]


@pytest.mark.parametrize(
    ("plan", "line", "words"),
    [
        (HEADER + "users\n", 4, "missing timestamp and planner"),
        (HEADER + "users 2021-04-22T10:00:00Z\n", 4, "missing planner"),
        (HEADER + f"users {PLANNER}\n", 4, "missing timestamp"),
        (HEADER + f"users 2021-04-22 {PLANNER}\n", 4, "missing timestamp"),  # date without time
        (HEADER + f"bad:name 2021-04-22T10:00:00Z {PLANNER}\n", 4, "cannot read plan line"),
        (HEADER + f"users! 2021-04-22T10:00:00Z {PLANNER}\n", 4, "cannot read plan line"),
        (HEADER + f"HEAD 2021-04-22T10:00:00Z {PLANNER}\n", 4, "reserved"),
        (HEADER + f"users 2021-13-22T10:00:00Z {PLANNER}\n", 4, "invalid timestamp"),
        (
            HEADER + change("users") + f"@v1 2021-02-30T10:00:00Z {PLANNER}\n",
            5,
            "invalid timestamp",
        ),
        (HEADER + f"@v1 2021-04-22T10:00:00Z {PLANNER}\n", 4, "before any change"),
        (
            HEADER + change("users") + f"@v1 [x] 2021-04-22T10:00:00Z {PLANNER}\n",
            5,
            "tags may not have dependencies",
        ),
        (HEADER + change("users") + f"@v1 2021-04-22T10:00:00Z {PLANNER}\n" * 2, 6, "repeats"),
        ("%project=isp\n" + change("users"), 2, "a blank line must come between"),
        ("%syntax-version=1.0.0\n\n" + change("users"), None, "missing %project"),
        ("%project=-isp\n\n", 1, "invalid project name"),
    ],
)
def test_unreadable_plan_is_an_error_with_its_line(tmp_path, plan, line, words):
    write(tmp_path / "sqitch.plan", plan)
    write(tmp_path / "deploy" / "users.sql", "SELECT 1;\n")
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["plan-syntax"]
    assert (result.problems[0].path, result.problems[0].line) == (tmp_path / "sqitch.plan", line)
    assert words in result.problems[0].message
    assert result.migrations == []


def test_missing_plan_is_an_error(tmp_path):
    write(tmp_path / "sqitch.conf", "[core]\n\tengine = pg\n")
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["no-plan"]


def test_deploy_script_not_in_the_plan_is_warned(tmp_path):
    project(tmp_path, change("users"), {"users": "SELECT 1;\n", "forgotten": "SELECT 2;\n"})
    write(tmp_path / "deploy" / "notes.txt", "not a script\n")
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["unplanned-script"]
    assert result.problems[0].path == tmp_path / "deploy" / "forgotten.sql"


# -- sqitch.conf ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("engine", "dialect"),
    [("pg", "postgresql"), ("mysql", "mysql"), ("sqlite", "sqlite"), (None, None)],
)
def test_engine_in_sqitch_conf_sets_the_dialect(tmp_path, engine, dialect):
    conf = f"[core]\n\tengine = {engine}\n" if engine else None
    project(tmp_path, change("users"), {"users": "SELECT 1;\n"}, conf)
    (m,) = scan(tmp_path, "sqitch").migrations
    assert m.dialect == dialect


def test_engine_from_the_target_uri(tmp_path):
    conf = '[core]\n\ttarget = prod\n[target "prod"]\n\turi = db:mysql://db.example.com/isp\n'
    project(tmp_path, change("users"), {"users": "SELECT 1;\n"}, conf)
    (m,) = scan(tmp_path, "sqitch").migrations
    assert m.dialect == "mysql"


def test_unsupported_engine_is_warned(tmp_path):
    project(tmp_path, change("users"), {"users": "SELECT 1;\n"}, "[core]\n\tengine = oracle\n")
    result = scan(tmp_path, "sqitch")
    assert codes(result) == ["unsupported-engine"]
    assert result.migrations[0].dialect is None


def test_asked_dialect_that_differs_from_the_engine_is_warned(tmp_path):
    project(tmp_path, change("users"), {"users": "SELECT 1;\n"}, "[core]\n\tengine = pg\n")
    result = scan(tmp_path, "sqitch", ReadOptions(dialect="mysql"))
    assert codes(result) == ["dialect-mismatch"]


def test_top_dir_and_engine_overrides_move_the_project(tmp_path):
    conf = (
        "[core]\n"
        "\tengine = pg\n"
        "\ttop_dir = db  ; the scripts live in db/\n"
        '[engine "pg"]\n'
        '\tdeploy_dir = "db/up"\n'
        "\textension = psql\n"
    )
    write(tmp_path / "sqitch.conf", conf)
    write(tmp_path / "db" / "sqitch.plan", HEADER + change("users"))
    write(tmp_path / "db" / "up" / "users.psql", "SELECT 1;\n")
    write(tmp_path / "db" / "revert" / "users.psql", "SELECT 2;\n")
    assert_ranks_first(tmp_path, "sqitch")
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    (m,) = result.migrations
    assert (m.name, m.down[0].name, m.dialect) == (
        "db/up/users.psql",
        "db/revert/users.psql",
        "postgresql",
    )


def test_read_config_handles_git_config_syntax():
    text = (
        "# comment\n"
        "[core]\n"
        "\tEngine = pg\n"
        '\tplan_file = "my plan.plan" # trailing comment\n'
        '[engine "pg"]\n'
        "\ttarget = db:pg:isp\n"
        "[target.prod]\n"
        "\turi = db:pg://x/isp\n"
        "\tverify\n"
    )
    assert read_config(text) == {
        "core.engine": "pg",
        "core.plan_file": "my plan.plan",
        "engine.pg.target": "db:pg:isp",
        "target.prod.uri": "db:pg://x/isp",
        "target.prod.verify": "true",
    }


def test_parse_plan_keeps_pragmas_and_tags():
    plan = parse_plan(
        HEADER.replace("\n\n", "\n%uri=https://example.com/\n\n")
        + change("users")
        + f"@v1 2021-04-23T00:00:00Z {PLANNER} # one\n"
    )
    assert plan.project == "isp"
    assert plan.pragmas == {
        "syntax-version": "1.0.0",
        "project": "isp",
        "uri": "https://example.com/",
    }
    (users,) = plan.changes
    assert users.tags == ["v1"]
    with pytest.raises(PlanError):
        parse_plan("")


# -- real-world file quirks -------------------------------------------------------------------


def test_crlf_bom_and_no_trailing_newline(tmp_path):
    plan = "\ufeff%syntax-version=1.0.0\r\n%project=isp\r\n\r\n" + change(
        "users", note="Adds users"
    ).rstrip("\n").replace("\n", "\r\n")
    write(tmp_path / "sqitch.plan", plan.encode("utf-8"))
    write(
        tmp_path / "deploy" / "users.sql",
        b"\xef\xbb\xbfBEGIN;\r\nCREATE TABLE users (id INT);\r\nCOMMIT;",
    )
    write(tmp_path / "revert" / "users.sql", b"BEGIN;\r\nDROP TABLE users;\r\nCOMMIT;")
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    (m,) = result.migrations
    assert m.description == "Adds users"
    assert m.up[0].text == "BEGIN;\nCREATE TABLE users (id INT);\nCOMMIT;"
    assert m.down[0].text == "BEGIN;\nDROP TABLE users;\nCOMMIT;"
    # sqitch hashes the raw bytes, BOM and CRLF included
    raw = (tmp_path / "deploy" / "users.sql").read_bytes()
    assert m.tool_checksum == hashlib.sha1(raw).hexdigest()


def test_comment_and_blank_lines_in_the_plan(tmp_path):
    body = "# Release one\n\n   \n" + change("users") + "  # indented comment\n"
    project(tmp_path, body, {"users": "SELECT 1;\n"})
    result = scan(tmp_path, "sqitch")
    assert result.problems == []
    assert [m.version for m in result.migrations] == ["users"]
