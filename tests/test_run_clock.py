"""The run's own clock (issue 19, section 5; PITFALLS 22).

PostgreSQL folds `'now'::timestamp` and `'today'::date` into constants when a view is created:
the two databases of a stepwise verify, built moments apart, store view definitions that
differ only by the time of the run. Such literals, inside the run's window, compare as equal
with a note; any other literal is compared exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from converter.convert import ConvertOptions, convert
from converter.diff import Difference, RunClock, _only_the_clock
from converter.verify import VerifyOptions, verify

NOW = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)
CLOCK = RunClock(NOW, NOW + timedelta(seconds=30))


def view(a: str, b: str) -> Difference:
    return Difference("view", "recent", "", "definition", a, b)


def test_literals_inside_the_window_fold_and_others_do_not():
    a = "SELECT '2026-03-04 10:00:01.5'::timestamp AS t, '2026-03-04'::date AS d"
    b = "SELECT '2026-03-04 10:00:07.25'::timestamp AS t, '2026-03-04'::date AS d"
    assert _only_the_clock(view(a, b), CLOCK)
    # a timestamp with an offset is placed exactly: 12:00+02 is 10:00 UTC, inside
    assert _only_the_clock(
        view(
            "SELECT '2026-03-04 12:00:03+02'::timestamptz",
            "SELECT '2026-03-04 12:00:09+02'::timestamptz",
        ),
        CLOCK,
    )
    # ... and one a day before the run is not the run's clock
    assert not _only_the_clock(
        view(
            "SELECT '2026-03-03 10:00:03+00'::timestamptz",
            "SELECT '2026-03-04 10:00:09+00'::timestamptz",
        ),
        CLOCK,
    )
    # a fixed date in the history is compared exactly
    assert not _only_the_clock(
        view("WHERE opened > '2020-01-01 00:00:00'", "WHERE opened > '2020-01-02 00:00:00'"), CLOCK
    )
    # anything else that differs still differs
    assert not _only_the_clock(view(a, b.replace("AS d", "AS day")), CLOCK)


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_view_folding_now_verifies_equal_with_a_note(dialect, server, tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "001_tickets.sql").write_text(
        "CREATE TABLE tickets (id serial PRIMARY KEY, opened timestamp NOT NULL);\n"
    )
    (legacy / "002_recent_tickets.sql").write_text(
        "CREATE VIEW recent_tickets AS SELECT id, 'now'::timestamp AS built_at, "
        "'today'::date AS built_on FROM tickets WHERE opened > '2020-01-01'::timestamp;\n"
    )
    (legacy / "003_later.sql").write_text("SELECT pg_sleep(0.05);\n")
    out = tmp_path / "alembic"
    convert(legacy, out, ConvertOptions(dialect=dialect, date_from="20240101"))
    report = verify(legacy, out, VerifyOptions(url=server(dialect)))
    assert report.equivalent, report.text()
    assert any(
        n.startswith("view recent_tickets") and "differs only by the time of the run" in n
        for n in report.notes
    )
