"""Configuration: where the file is found, what it may hold, the errors it gets (file, line,
"did you mean"), and the precedence the commands apply (default < configuration file <
command line), seen through `converter config` and through real commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import ConfiguredCommand, cli, option_specs
from converter.config import (
    Config,
    find_config,
    key_lines,
    load_config,
    reader_config,
    using,
)
from converter.errors import UsageError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def schema() -> dict:
    return {n: option_specs(c) for n, c in cli.commands.items() if isinstance(c, ConfiguredCommand)}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path) -> Path:
    """A repository root: the upward search never leaves it."""
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


@pytest.fixture
def legacy(repo) -> Path:
    """The plain SQLite sample, copied into the repository."""
    target = repo / "db" / "migrations"
    shutil.copytree(SAMPLES / "plain" / "sqlite", target)
    return target


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def config_json(*args: str, env: dict | None = None) -> dict:
    res = run("config", "--json", *args, env=env)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


# -- finding the file ------------------------------------------------------------------------


def test_converter_toml_in_the_legacy_directory_is_found(legacy, repo):
    path = write(legacy / "converter.toml", 'format = "plain"\n')
    assert find_config(legacy, cwd=repo) == path


def test_pyproject_upward_counts_only_with_a_converter_table(legacy, repo):
    write(legacy.parent / "pyproject.toml", '[project]\nname = "app"\n')  # no [tool.converter]
    assert find_config(legacy, cwd=repo) is None
    root = write(repo / "pyproject.toml", '[tool.converter]\nformat = "plain"\n')
    assert find_config(legacy, cwd=repo) == root


def test_nearest_file_wins_and_converter_toml_beats_pyproject(legacy, repo):
    write(repo / "converter.toml", "")
    write(legacy.parent / "pyproject.toml", "[tool.converter]\n")
    assert find_config(legacy, cwd=repo) == legacy.parent / "pyproject.toml"
    write(legacy.parent / "converter.toml", "")
    assert find_config(legacy, cwd=repo) == legacy.parent / "converter.toml"


def test_the_search_stops_at_the_repository_root(tmp_path, legacy, repo):
    write(tmp_path / "converter.toml", 'format = "flyway"\n')  # above the repository: not ours
    assert find_config(legacy, cwd=legacy) is None


def test_a_broken_pyproject_that_never_mentions_converter_is_skipped(legacy, repo):
    write(legacy.parent / "pyproject.toml", "[project\nname = \n")
    assert find_config(legacy, cwd=repo) is None
    write(legacy.parent / "pyproject.toml", "[tool.converter\n")
    with pytest.raises(UsageError, match="not valid TOML"):
        find_config(legacy, cwd=repo)


def test_current_directory_is_the_fallback(tmp_path, legacy, repo):
    here = tmp_path / "elsewhere"
    (here / ".git").mkdir(parents=True)
    path = write(here / "converter.toml", "")
    assert find_config(legacy, cwd=here) == path
    nearer = write(legacy / "converter.toml", "")
    assert find_config(legacy, cwd=here) == nearer  # the legacy directory first


def test_a_legacy_directory_not_created_yet_searches_from_its_parent(repo):
    path = write(repo / "converter.toml", "")
    assert find_config(repo / "no" / "such" / "dir", cwd=repo) == path


# -- what the file may hold ------------------------------------------------------------------


def test_a_full_file_loads_with_lines(tmp_path):
    path = write(
        tmp_path / "pyproject.toml",
        """\
[project]
name = "app"

[tool.converter]
format = "custom"
placeholder-prefix = "#{"

[tool.converter.convert]
dialect = "sqlite"
rev_id = "hash"   # underscores work too
out = "alembic"
depends = ["a:b"]

[tool.converter.placeholders]
schema = "public"
"flyway:defaultSchema" = "app"
retention_days = 30

[tool.converter.custom]
pattern = '(?P<version>\\d+)_.*\\.sql'
recursive = true
""",
    )
    config = load_config(path, schema())
    assert config.shared["format"].value == "custom"
    assert config.shared["format"].where == f"{path}:5"
    assert config.reader["placeholder-prefix"].value == "#{"
    convert = config.command_settings("convert", option_specs(cli.commands["convert"]))
    assert {k: s.value for k, s in convert.items()} == {
        "format_name": "custom",
        "dialect": "sqlite",
        "rev_id": "hash",
        "out_dir": str(tmp_path / "alembic"),  # relative to the file's folder
        "depends": ["a:b"],
    }
    assert convert["rev_id"].line == 10 and convert["rev_id"].key == "tool.converter.convert.rev_id"
    assert {k: s.value for k, s in config.placeholders.items()} == {
        "schema": "public",
        "flyway:defaultSchema": "app",
        "retention_days": "30",
    }
    assert config.placeholders["flyway:defaultSchema"].line == 16
    assert config.custom["recursive"].value is True and config.custom["pattern"].line == 20


def test_key_lines_follow_tables_quoted_dotted_keys_and_skip_multiline_strings():
    text = """\
top = 1
[a]
"quoted key" = 2
b.c = 3
s = '''
x = not a key
'''
[[arr]]
d = 4
"""
    lines = key_lines(text)
    assert lines[("top",)] == 1
    assert lines[("a", "quoted key")] == 3
    assert lines[("a", "b", "c")] == 4
    assert ("x",) not in lines and ("a", "x") not in lines
    assert lines[("arr", "d")] == 9


def test_no_file_is_an_empty_configuration():
    config = load_config(None, schema())
    assert (
        config.path is None
        and config.defaults("convert", option_specs(cli.commands["convert"])) == {}
    )


def test_a_single_value_stands_for_a_list_of_one(tmp_path):
    path = write(tmp_path / "converter.toml", '[stamp]\nurl = "sqlite:///x.db"\n')
    config = load_config(path, schema())
    assert config.defaults("stamp", option_specs(cli.commands["stamp"])) == {
        "urls": ["sqlite:///x.db"]
    }


# -- errors ----------------------------------------------------------------------------------


def error_of(tmp_path: Path, text: str, name: str = "converter.toml") -> UsageError:
    path = write(tmp_path / name, text)
    with pytest.raises(UsageError) as info:
        load_config(path, schema())
    assert info.value.path == str(path)
    return info.value


def test_unknown_shared_key_says_did_you_mean_and_the_line(tmp_path):
    err = error_of(tmp_path, '# settings\n\nformt = "plain"\n')
    assert "unknown key 'formt' at the top level" in err.message
    assert err.line == 3 and err.hint == "did you mean 'format'?"


def test_unknown_key_of_a_command_table(tmp_path):
    err = error_of(
        tmp_path,
        '[tool.converter.convert]\ndialect = "sqlite"\nrev-idd = "hash"\n',
        "pyproject.toml",
    )
    assert "unknown key 'rev-idd' in [tool.converter.convert]" in err.message
    assert (err.line, err.hint) == (3, "did you mean 'rev-id'?")


def test_unknown_command_table(tmp_path):
    err = error_of(tmp_path, '[convrt]\ndialect = "sqlite"\n')
    assert "unknown key 'convrt'" in err.message and (err.line, err.hint) == (
        1,
        "did you mean 'convert'?",
    )


def test_unknown_key_of_the_custom_table(tmp_path):
    err = error_of(tmp_path, "[custom]\npattern = 'x'\nrecursiv = true\n")
    assert "unknown key 'recursiv' in [custom]" in err.message
    assert (err.line, err.hint) == (3, "did you mean 'recursive'?")


def test_far_off_key_lists_the_known_ones(tmp_path):
    err = error_of(tmp_path, "[verify]\nzzz = 1\n")
    assert err.line == 2 and err.hint.startswith("known keys: ") and "stepwise" in err.hint


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("[convert]\nstyle = 3\n", 2, "expected one of 'ops', 'sql', got an integer (3)"),
        ('[convert]\nstyle = "sq"\n', 2, "'sq' is not one of 'ops', 'sql'; did you mean 'sql'?"),
        ('[convert]\nforce = "yes"\n', 2, "expected true or false, got a string ('yes')"),
        ("[convert]\n\ndialect = true\n", 3, "expected a string, got a boolean (true)"),
        (
            "[convert]\ndepends = [1]\n",
            2,
            "expected a string or a list of them, got an integer (1)",
        ),
        ('[stamp]\njobs = "4"\n', 2, "expected an integer, got a string ('4')"),
        ("[custom]\nrecursive = 'yes'\n", 2, "expected true or false"),
        ('[custom]\norder = "numerical"\n', 2, "did you mean 'numeric'?"),
    ],
)
def test_wrong_types_are_errors_with_the_line(tmp_path, text, line, says):
    err = error_of(tmp_path, text)
    assert err.line == line and says in err.message and "wrong value for" in err.message


def test_a_shared_key_must_suit_every_command_that_has_it(tmp_path):
    err = error_of(tmp_path, 'dialect = "all"\n')  # fine for convert, not for scan/verify
    assert "'all' is not one of 'postgresql', 'mysql', 'sqlite'" in err.message
    assert err.line == 1 and "`scan`" in err.hint and "[<command>]" in err.hint


def test_a_command_key_that_is_not_a_table(tmp_path):
    err = error_of(tmp_path, 'convert = "sqlite"\n')
    assert "'convert' must be a table ([convert]), got a string" in err.message and err.line == 1


def test_the_same_key_twice_with_dash_and_underscore(tmp_path):
    err = error_of(tmp_path, '[convert]\nrev_id = "hash"\nrev-id = "slug"\n')
    assert "are the same key" in err.message and err.line == 3


def test_invalid_toml_names_line_and_column(tmp_path):
    err = error_of(tmp_path, '[convert]\ndialect = "sqlite"\nstyle = = "ops"\n')
    assert err.message.startswith("the configuration file is not valid TOML: ")
    assert (err.line, err.column) == (3, 9)


def test_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "converter.toml"
    path.write_bytes(b'format = "plain"\n# caf\xe9\n')
    with pytest.raises(UsageError) as info:
        load_config(path, schema())
    assert "not valid UTF-8" in info.value.message and info.value.line == 2


def test_a_named_pyproject_without_the_table(tmp_path):
    err = error_of(tmp_path, '[project]\nname = "x"\n', "pyproject.toml")
    assert "has no [tool.converter] table" in err.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[placeholders]\nflag = true\n", "expected a string, got a boolean (true)"),
        ('[placeholders]\nSchema = "a"\nschema = "b"\n', "differ only in case"),
    ],
)
def test_placeholder_values_are_checked(tmp_path, text, says):
    err = error_of(tmp_path, text)
    assert says in err.message and err.line is not None


def test_without_a_schema_only_the_reader_tables_are_checked(tmp_path):
    """A library caller (a reader) has no command line to check option names against."""
    path = write(tmp_path / "converter.toml", '[convert]\nwhatever = 1\n[custom]\npattern = "x"\n')
    assert load_config(path).custom["pattern"].value == "x"
    write(path, '[custom]\npatern = "x"\n')
    with pytest.raises(UsageError, match="unknown key 'patern'"):
        load_config(path)


def test_a_missing_named_file(tmp_path):
    with pytest.raises(UsageError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")


# -- the readers' configuration --------------------------------------------------------------


def test_readers_follow_the_running_command_s_configuration(tmp_path, legacy, repo):
    own = write(legacy / "converter.toml", "")
    assert reader_config(legacy).path == own
    other = Config(path=tmp_path / "x.toml")
    with using(other):
        assert reader_config(legacy) is other
    assert reader_config(legacy).path == own

    class Options:  # the proposed ReadOptions.config field
        config = other

    assert reader_config(legacy, Options()) is other


# -- precedence through the CLI --------------------------------------------------------------


def test_default_then_file_then_command_line(legacy, repo):
    write(
        legacy / "converter.toml",
        '[convert]\ndialect = "sqlite"\nstyle = "sql"\nout = "../alembic"\n',
    )
    rows = config_json("convert", legacy, "--style", "ops")["commands"]["convert"]
    assert rows["rev-id"] == {"value": "slug", "source": "default", "location": None}
    assert rows["dialect"] == {
        "value": "sqlite",
        "source": "config",
        "location": f"{legacy / 'converter.toml'}:2",
    }
    assert rows["out"]["value"] == str(legacy / "../alembic") and rows["out"]["source"] == "config"
    assert rows["style"] == {"value": "ops", "source": "command line", "location": None}


def test_a_command_table_beats_a_shared_key(legacy, repo):
    write(legacy / "converter.toml", 'format = "flyway"\n[scan]\nformat = "plain"\n')
    report = config_json("scan", legacy)
    assert report["commands"]["scan"]["format"]["value"] == "plain"
    assert report["commands"]["scan"]["format"]["location"].endswith("converter.toml:3")
    assert config_json("verify", legacy, "x")["commands"]["verify"]["format"]["value"] == "flyway"
    res = run("scan", legacy, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["format"] == "plain"


def test_convert_takes_its_required_options_from_the_file(legacy, repo):
    write(
        legacy / "converter.toml",
        '[convert]\ndialect = "sqlite"\nout = "../alembic"\nstyle = "sql"\ndate-from = "20240101"\n',
    )
    res = run("convert", legacy, "--report", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["totals"]["ops"] == 0  # style = "sql": every statement verbatim
    assert (legacy.parent / "alembic" / "versions").is_dir()  # out, relative to the file
    res = run("convert", legacy, "--style", "ops", "--dry-run", "--report", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["totals"]["ops"] > 0  # the command line wins


def test_named_file_and_environment(tmp_path, legacy, repo):
    write(legacy / "converter.toml", '[scan]\nformat = "flyway"\n')
    named = write(tmp_path / "team.toml", '[scan]\nformat = "plain"\n')
    report = config_json("scan", legacy, "--config", named)
    assert (report["file"], report["file_source"]) == (str(named), "command line")
    assert report["commands"]["scan"]["format"]["value"] == "plain"
    report = config_json("scan", legacy, env={"CONVERTER_CONFIG": str(named)})
    assert (report["file"], report["file_source"]) == (str(named), "environment")
    report = config_json("scan", legacy)
    assert (report["file"], report["file_source"]) == (str(legacy / "converter.toml"), "found")
    assert run("scan", legacy, "--json", "--config", named).exit_code == 0


def test_config_without_a_command_shows_every_command_from_the_current_directory(repo, monkeypatch):
    write(repo / "converter.toml", "[verify]\nstepwise = false\n")
    monkeypatch.chdir(repo)
    report = config_json()
    assert set(report["commands"]) >= {"scan", "convert", "verify", "drift", "stamp"}
    assert report["commands"]["verify"]["stepwise"] == {
        "value": False,
        "source": "config",
        "location": f"{repo / 'converter.toml'}:2",
    }
    res = run("config")
    assert res.exit_code == 0
    assert f"configuration: {repo / 'converter.toml'} (found)" in res.stdout
    assert "--stepwise" in res.stdout and "config" in res.stdout


def test_config_shows_placeholders_and_custom_settings(legacy, repo):
    write(
        legacy / "converter.toml",
        "placeholder-prefix = '#{'\n[placeholders]\nschema = 'public'\n[custom]\npattern = 'x'\n",
    )
    report = config_json("scan", legacy)
    assert report["reader"]["placeholder-prefix"]["value"] == "#{"
    assert report["placeholders"]["schema"]["value"] == "public"
    assert report["custom"]["pattern"]["location"].endswith("converter.toml:5")


def test_config_refuses_an_unknown_command():
    res = run("config", "convrt")
    assert res.exit_code == 2 and "did you mean 'convert'?" in res.stderr


def test_a_broken_file_stops_every_command_with_exit_2(legacy, repo):
    write(legacy / "converter.toml", '[scan]\nformat = "plain"\njsn = true\n')
    for args in (["scan", legacy], ["config", "scan", legacy]):
        res = run(*args)
        assert res.exit_code == 2, res.output
        assert f"{legacy / 'converter.toml'}:3: unknown key 'jsn' in [scan]" in res.stderr
        assert "did you mean 'json'?" in res.stderr


def test_values_click_refuses_are_reported_with_the_file(tmp_path):
    named = write(tmp_path / "c.toml", "[stamp]\njobs = 0\n")
    res = run("stamp", "--alembic-dir", tmp_path / "alembic", "--config", named)
    assert res.exit_code == 2
    assert f"{named}:2: wrong value for stamp.jobs: 0 is not in the range x>=1" in res.stderr


def test_a_missing_named_file_is_a_usage_error(legacy):
    res = run("scan", legacy, "--config", legacy / "nope.toml")
    assert res.exit_code == 2 and "no such configuration file" in res.stderr
