"""Baseline histories for the tests of the sides that read them (pairing, stamp, verify,
drift), and a seeded legacy history generator.

`fold_into_baseline(alembic_dir, k, ...)` turns a converted history into one whose first k
revisions are replaced by a hand-written baseline revision carrying the record
`convert --baseline-at` writes (kind "baseline", covers, baseline_data): the folded
revision files move to `<alembic_dir>/folded/` (Alembic does not see them) and the baseline
runs their upgrades in order, then deletes the rows of the tables it does not carry; its
downgrade runs their downgrades in reverse. It keeps the id of the k-th revision, so the
revision after it needs no change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from converter.history import AlembicHistory, legacy_record

BASELINE_TEMPLATE = '''"""Baseline of legacy {first}..{last} (test fixture: folds {count} revisions).

Revision ID: {revision}
Revises:
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "{revision}"
down_revision = None
branch_labels = None
depends_on = None

legacy = {record!r}

FOLDED = {files!r}
NOT_CARRIED = {not_carried!r}


def _load(name):
    path = Path(__file__).resolve().parent.parent / "folded" / name
    spec = importlib.util.spec_from_file_location("folded_" + path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    for name in FOLDED:
        _load(name).upgrade()
    for table in NOT_CARRIED:
        op.execute("DELETE FROM " + table)


def downgrade():
    for name in reversed(FOLDED):
        _load(name).downgrade()
'''


def fold_into_baseline(
    alembic_dir: Path,
    k: int,
    dialect: str,
    baseline_data: list[str],
    not_carried: list[str] = (),  # type: ignore[assignment]
    covers: list[str] | None = None,
) -> str:
    """Replace the first k revisions of the chain by a baseline revision (see the module
    doc); `not_carried`: the tables whose rows the baseline deletes at its end. `covers`
    overrides the recorded covers (to test a broken record). Returns the baseline's id."""
    history = AlembicHistory(alembic_dir)
    chain = history.chain()[:k]
    records = [legacy_record(r) for r in chain]
    versions = [r.version for r in records if r is not None and r.version is not None]
    fmt = next((r.format for r in records if r is not None), None)
    folded = alembic_dir / "folded"
    folded.mkdir(exist_ok=True)
    names = []
    for rev in chain:
        path = Path(rev.path)
        shutil.move(path, folded / path.name)
        names.append(path.name)
    record = {
        "format": fmt,
        "version": versions[-1],
        "kind": "baseline",
        "covers": covers if covers is not None else versions,
        "files": [f for r in records if r is not None for f in r.files],
        "sha256": None,
        "tool_checksum": None,
        "missing_variants": [],
        "dialects": [dialect],
        "baseline_data": sorted(baseline_data),
    }
    revision = chain[-1].revision
    (alembic_dir / "versions" / "20240101_baseline.py").write_text(
        BASELINE_TEMPLATE.format(
            first=versions[0],
            last=versions[-1],
            count=k,
            revision=revision,
            record=record,
            files=names,
            not_carried=list(not_carried),
        ),
        encoding="utf-8",
    )
    cache = alembic_dir / "converter-fingerprints.json"
    cache.unlink(missing_ok=True)
    return revision


def generate_flyway_history(root: Path, count: int, seed: int = 18) -> Path:
    """`count` Flyway migrations (`V<n>__<what>.sql` with `U<n>__<what>.sql` undos) for
    SQLite: tables referencing earlier ones, added columns,
    indexes, views, and rows in a reference table (`countries`, filled early) and an event
    table (`events`, filled all along). Deterministic for (count, seed)."""
    import random

    rng = random.Random(f"{seed}:{count}")
    root.mkdir(parents=True, exist_ok=True)
    tables: list[str] = []
    event = 0

    def write(n: int, what: str, up: list[str], down: list[str]) -> None:
        (root / f"V{n}__{what}.sql").write_text("\n".join(up) + "\n", encoding="utf-8")
        (root / f"U{n}__{what}.sql").write_text("\n".join(down) + "\n", encoding="utf-8")

    for n in range(1, count + 1):
        if n == 1:
            write(
                n,
                "countries",
                ["CREATE TABLE countries (code VARCHAR(2) PRIMARY KEY, name VARCHAR(80) NOT NULL);"],
                ["DROP TABLE countries;"],
            )
        elif n == 2:
            write(
                n,
                "events",
                [
                    "CREATE TABLE events (id INTEGER PRIMARY KEY, country VARCHAR(2) "
                    "REFERENCES countries (code), note VARCHAR(100));"
                ],
                ["DROP TABLE events;"],
            )
        elif n % 10 == 3:
            code = f"{chr(65 + (n // 26) % 26)}{chr(65 + n % 26)}"
            write(
                n,
                "country",
                [f"INSERT INTO countries (code, name) VALUES ('{code}', 'Country {n}');"],
                [f"DELETE FROM countries WHERE code = '{code}';"],
            )
        elif n % 10 == 7:
            event += 1
            write(
                n,
                "event",
                [f"INSERT INTO events (id, note) VALUES ({event}, 'event {n}');"],
                [f"DELETE FROM events WHERE id = {event};"],
            )
        elif n % 5 == 1 or not tables:
            name = f"t{n:03d}"
            ref = f", ref_id INTEGER REFERENCES {rng.choice(tables)} (id)" if tables else ""
            write(
                n,
                f"create_{name}",
                [f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label VARCHAR(40){ref});"],
                [f"DROP TABLE {name};"],
            )
            tables.append(name)
        elif n % 5 == 2:
            table = rng.choice(tables)
            write(
                n,
                f"index_{table}",
                [f"CREATE INDEX ix_{n:03d} ON {table} (label);"],
                [f"DROP INDEX ix_{n:03d};"],
            )
        elif n % 5 == 4:
            table = rng.choice(tables)
            write(
                n,
                f"view_{table}",
                [f"CREATE VIEW v{n:03d} AS SELECT id, label FROM {table};"],
                [f"DROP VIEW v{n:03d};"],
            )
        else:
            table = rng.choice(tables)
            write(
                n,
                f"column_{table}",
                [f"ALTER TABLE {table} ADD COLUMN c{n:03d} VARCHAR(20);"],
                [f"ALTER TABLE {table} DROP COLUMN c{n:03d};"],
            )
    return root
