"""Snapshots and their diff: the oracle that says two databases are the same.

Each test builds two real databases of one dialect in different ways and checks that the
diff is empty when they should be equal, and names the difference exactly when not.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from converter.diff import diff_snapshots
from converter.snapshot import (
    DEFAULT_TRACKING_TABLES,
    SchemaSnapshot,
    content_digest,
    is_volatile_default,
    normalise_sql,
    render_value,
    take_snapshot,
)

DIALECTS = ["sqlite", "postgresql", "mysql"]


# ---------------------------------------------------------------------------------------
# Two scratch databases of one dialect


def _make_pair(make_db, dialect: str):
    engines = tuple(sa.create_engine(make_db(dialect)) for _ in range(2))
    yield engines
    for engine in engines:
        engine.dispose()


@pytest.fixture(params=DIALECTS)
def pair(request, make_db):
    """Two fresh, empty databases of one dialect (each dialect in turn)."""
    yield from _make_pair(make_db, request.param)


@pytest.fixture
def pg_pair(pg_server, make_db):
    yield from _make_pair(make_db, "postgresql")


@pytest.fixture
def mysql_pair(mysql_server, make_db):
    yield from _make_pair(make_db, "mysql")


@pytest.fixture
def sqlite_pair(make_db):
    yield from _make_pair(make_db, "sqlite")


def run(engine: sa.Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def snapshot(engine: sa.Engine, **kwargs) -> SchemaSnapshot:
    with engine.connect() as conn:
        return take_snapshot(conn, **kwargs)


def dialect_of(pair) -> str:
    return pair[0].dialect.name


def build_and_diff(pair, a: list[str], b: list[str]):
    run(pair[0], a)
    run(pair[1], b)
    return diff_snapshots(snapshot(pair[0]), snapshot(pair[1]))


# ---------------------------------------------------------------------------------------
# Equal databases built differently


EQUAL_BUILDS = {
    "sqlite": (
        [
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL UNIQUE, "
            "price NUMERIC(10,2) CHECK (price > 0))",
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER "
            "REFERENCES customers(id) ON DELETE CASCADE, total INTEGER)",
            "CREATE INDEX ix_orders_customer ON orders (customer_id)",
            "CREATE INDEX ix_orders_total ON orders (total) WHERE total > 0",
            "CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100",
            "INSERT INTO customers (id, email, price) VALUES (1, 'a@x', 1.5), (2, 'b@x', 2.25), (3, 'c@x', 3)",
            "INSERT INTO orders (id, customer_id, total) VALUES (1, 1, 10), (2, 1, 200), (3, 2, NULL)",
        ],
        [
            # another order, other whitespace, indexes the other way round, rows reversed
            "CREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  customer_id INTEGER "
            "REFERENCES customers (id) ON DELETE CASCADE ,\n  total INTEGER\n)",
            "CREATE TABLE customers ( id INTEGER PRIMARY KEY , email VARCHAR(320) NOT NULL UNIQUE,\n"
            "  price NUMERIC(10, 2) CHECK (price > 0) )",
            "CREATE INDEX ix_orders_total ON orders(total) WHERE total > 0",
            "CREATE INDEX ix_orders_customer ON orders(customer_id)",
            "CREATE VIEW big_orders AS\n  SELECT id FROM orders WHERE total > 100",
            "INSERT INTO orders (id, customer_id, total) VALUES (3, 2, NULL), (2, 1, 200)",
            "INSERT INTO customers (id, email, price) VALUES (3, 'c@x', 3.00), (2, 'b@x', 2.25), (1, 'a@x', 1.50)",
            "INSERT INTO orders (id, customer_id, total) VALUES (1, 1, 10)",
        ],
    ),
    "postgresql": (
        [
            "CREATE TYPE plan_kind AS ENUM ('basic', 'pro')",
            "CREATE TABLE customers (id serial PRIMARY KEY, email varchar(320) NOT NULL UNIQUE, "
            "kind plan_kind NOT NULL DEFAULT 'basic', price numeric(10,2) CHECK (price > 0))",
            "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id) "
            "ON DELETE CASCADE, total int)",
            "CREATE INDEX ix_orders_customer ON orders (customer_id)",
            "CREATE INDEX ix_orders_total ON orders (total) WHERE total > 0",
            "CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100",
            "INSERT INTO customers (email, price) VALUES ('a@x', 1.5), ('b@x', 2.25), ('c@x', 3)",
            "INSERT INTO orders (customer_id, total) VALUES (1, 10), (1, 200), (2, NULL)",
        ],
        [
            # constraints added afterwards (same generated names), indexes in another order,
            # rows in another order with the same ids
            "CREATE TYPE plan_kind AS ENUM ('basic', 'pro')",
            "CREATE TABLE customers (id serial, email varchar(320) NOT NULL, "
            "kind plan_kind NOT NULL DEFAULT 'basic', price numeric(10,2))",
            "ALTER TABLE customers ADD PRIMARY KEY (id)",
            "ALTER TABLE customers ADD UNIQUE (email)",
            "ALTER TABLE customers ADD CHECK (price > 0)",
            "CREATE TABLE orders (id serial PRIMARY KEY, customer_id int, total int)",
            "ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE",
            "CREATE INDEX ix_orders_total ON orders (total) WHERE total > 0",
            "CREATE INDEX ix_orders_customer ON orders (customer_id)",
            "CREATE VIEW big_orders AS\n  SELECT id\n  FROM orders\n  WHERE total > 100",
            "INSERT INTO customers (id, email, price) VALUES (3, 'c@x', 3.00), (2, 'b@x', 2.25), (1, 'a@x', 1.50)",
            "INSERT INTO orders (id, customer_id, total) VALUES (3, 2, NULL), (2, 1, 200), (1, 1, 10)",
            "SELECT setval('customers_id_seq', 3)",
            "SELECT setval('orders_id_seq', 3)",
        ],
    ),
    "mysql": (
        [
            "CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(320) NOT NULL, "
            "price DECIMAL(10,2), UNIQUE KEY uq_email (email), CONSTRAINT ck_price CHECK (price > 0))",
            "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, total INT, "
            "INDEX ix_orders_total (total), "
            "CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE)",
            "CREATE VIEW big_orders AS SELECT id FROM orders WHERE total > 100",
            "INSERT INTO customers (email, price) VALUES ('a@x', 1.5), ('b@x', 2.25), ('c@x', 3)",
            "INSERT INTO orders (customer_id, total) VALUES (1, 10), (1, 200), (2, NULL)",
        ],
        [
            # indexes and constraints created after the table instead of inline
            "CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(320) NOT NULL, "
            "price DECIMAL(10,2))",
            "CREATE UNIQUE INDEX uq_email ON customers (email)",
            "ALTER TABLE customers ADD CONSTRAINT ck_price CHECK (price > 0)",
            "CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, total INT)",
            # the index before the foreign key's own, as above: MariaDB shows that order
            "CREATE INDEX ix_orders_total ON orders (total)",
            "ALTER TABLE orders ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) "
            "REFERENCES customers(id) ON DELETE CASCADE",
            "CREATE VIEW big_orders AS\n  SELECT id FROM orders\n  WHERE total > 100",
            "INSERT INTO customers (id, email, price) VALUES (3, 'c@x', 3.00), (2, 'b@x', 2.25), (1, 'a@x', 1.50)",
            "INSERT INTO orders (id, customer_id, total) VALUES (3, 2, NULL), (2, 1, 200), (1, 1, 10)",
        ],
    ),
}


def test_equal_databases_built_differently_have_no_differences(pair):
    a, b = EQUAL_BUILDS[dialect_of(pair)]
    diff = build_and_diff(pair, a, b)
    assert diff.lines() == []
    assert diff.is_empty
    assert str(diff) == "no differences between legacy and alembic"


def test_snapshot_holds_what_was_built(pair):
    run(pair[0], EQUAL_BUILDS[dialect_of(pair)][0])
    snap = snapshot(pair[0])
    assert sorted(snap.tables) == ["customers", "orders"]
    columns = ["id", "email", "price"]
    if dialect_of(pair) == "postgresql":
        columns = ["id", "email", "kind", "price"]
    assert snap.tables["customers"]["column_order"] == columns
    assert snap.data["customers"]["rows"] == 3
    assert snap.data["orders"]["rows"] == 3
    assert snap.data["orders"]["volatile_columns"] == []
    assert list(snap.objects["views"]) == ["big_orders"]
    fk = next(iter(snap.tables["orders"]["foreign_keys"].values()))
    assert (fk["columns"], fk["referred_table"], fk["referred_columns"], fk["ondelete"]) == (
        ["customer_id"],
        "customers",
        ["id"],
        "CASCADE",
    )


def test_snapshot_json_is_byte_identical_across_runs(pair):
    run(pair[0], EQUAL_BUILDS[dialect_of(pair)][0])
    first, second = snapshot(pair[0]), snapshot(pair[0])
    text = json.dumps(first.to_json(), sort_keys=True)
    assert text == json.dumps(second.to_json(), sort_keys=True)
    assert first.canonical() == second.canonical()
    assert first.fingerprint() == second.fingerprint()
    again = SchemaSnapshot.from_json(json.loads(text))
    assert again == first
    assert diff_snapshots(again, second).is_empty


def test_fingerprint_covers_the_schema_not_the_data(pair):
    run(pair[0], ["CREATE TABLE t (id INTEGER PRIMARY KEY)"])
    run(pair[1], ["CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t (id) VALUES (1)"])
    a, b = snapshot(pair[0]), snapshot(pair[1])
    assert a.fingerprint() == b.fingerprint()
    assert a.canonical() != b.canonical()
    run(pair[1], ["CREATE TABLE u (id INTEGER PRIMARY KEY)"])
    assert snapshot(pair[1]).fingerprint() != a.fingerprint()


def test_schema_only_snapshot_says_data_was_not_compared(pair):
    run(pair[0], ["CREATE TABLE t (id INTEGER PRIMARY KEY)", "INSERT INTO t (id) VALUES (1)"])
    run(pair[1], ["CREATE TABLE t (id INTEGER PRIMARY KEY)"])
    a, b = snapshot(pair[0], data=False), snapshot(pair[1], data=False)
    assert a.data is None
    diff = diff_snapshots(a, b)
    assert diff.is_empty
    assert diff.notes == [
        "data not compared: the legacy and alembic snapshot was taken without data"
    ]


# ---------------------------------------------------------------------------------------
# Each kind of difference, with its exact message


def _sqlite_sql_line(a: str, b: str) -> str:
    return f"table customers: sql {a} vs {b}"


def test_column_type_difference(pair):
    make = "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR({}) NOT NULL)"
    diff = build_and_diff(pair, [make.format(320)], [make.format(300)])
    expected = ["table customers, column email: type VARCHAR(320) vs VARCHAR(300)"]
    if dialect_of(pair) == "sqlite":
        expected.append(
            _sqlite_sql_line(
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL)",
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, email VARCHAR(300) NOT NULL)",
            )
        )
    assert diff.lines() == expected
    assert not diff.is_empty


def test_nullability_difference(pair):
    diff = build_and_diff(
        pair,
        ["CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL)"],
        ["CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(320))"],
    )
    expected = ["table customers, column email: nullable false vs true"]
    if dialect_of(pair) == "sqlite":
        expected.append(
            _sqlite_sql_line(
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL)",
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, email VARCHAR(320))",
            )
        )
    assert diff.lines() == expected


def test_default_difference(pair):
    make = "CREATE TABLE customers (id INTEGER PRIMARY KEY, status VARCHAR(10) DEFAULT '{}')"
    diff = build_and_diff(pair, [make.format("new")], [make.format("open")])
    expected = {
        "sqlite": [
            "table customers, column status: default 'new' vs 'open'",
            _sqlite_sql_line(
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, status VARCHAR(10) DEFAULT 'new')",
                "CREATE TABLE customers(id INTEGER PRIMARY KEY, status VARCHAR(10) DEFAULT 'open')",
            ),
        ],
        "postgresql": [
            "table customers, column status: default 'new'::character varying vs 'open'::character varying"
        ],
        "mysql": ["table customers, column status: default 'new' vs 'open'"],
    }
    assert diff.lines() == expected[dialect_of(pair)]


def test_missing_table(pair):
    diff = build_and_diff(
        pair,
        [
            "CREATE TABLE customers (id INTEGER PRIMARY KEY)",
            "CREATE TABLE plans (id INTEGER PRIMARY KEY)",
        ],
        ["CREATE TABLE customers (id INTEGER PRIMARY KEY)"],
    )
    assert diff.lines() == ["table plans: missing in alembic"]
    reverse = diff_snapshots(snapshot(pair[1]), snapshot(pair[0]))
    assert reverse.lines() == ["table plans: missing in legacy"]
    assert diff.to_json()["differences"] == [
        {
            "kind": "table",
            "name": "plans",
            "member": "",
            "attribute": "",
            "a": diff.differences[0].a,
            "b": None,
            "missing_in": "alembic",
            "text": "table plans: missing in alembic",
        }
    ]


def test_extra_index(pair):
    table = "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200))"
    diff = build_and_diff(
        pair, [table], [table, "CREATE INDEX ix_customers_email ON customers (email)"]
    )
    assert diff.lines() == ["table customers, index ix_customers_email: missing in legacy"]


def test_index_predicate_difference_postgresql(pg_pair):
    table = "CREATE TABLE plans (id int PRIMARY KEY, name text, active boolean)"
    diff = build_and_diff(
        pg_pair,
        [table, "CREATE INDEX ix_plans_name ON plans (name) WHERE active"],
        [table, "CREATE INDEX ix_plans_name ON plans (name) WHERE NOT active"],
    )
    assert diff.lines() == [
        "table plans, index ix_plans_name: definition "
        "CREATE INDEX ix_plans_name ON public.plans USING btree (name) WHERE active vs "
        "CREATE INDEX ix_plans_name ON public.plans USING btree (name) WHERE (NOT active)"
    ]


def test_index_method_difference_postgresql(pg_pair):
    table = "CREATE TABLE plans (id int PRIMARY KEY, name text)"
    diff = build_and_diff(
        pg_pair,
        [table, "CREATE INDEX ix_plans_name ON plans (name)"],
        [table, "CREATE INDEX ix_plans_name ON plans USING hash (name)"],
    )
    assert diff.lines() == [
        "table plans, index ix_plans_name: definition "
        "CREATE INDEX ix_plans_name ON public.plans USING btree (name) vs "
        "CREATE INDEX ix_plans_name ON public.plans USING hash (name)"
    ]


def test_check_constraint_body_difference(pair):
    make = "CREATE TABLE plans (id INTEGER PRIMARY KEY, price INTEGER, CONSTRAINT ck_price CHECK (price {} 0))"
    diff = build_and_diff(pair, [make.format(">")], [make.format(">=")])
    expected = {
        "sqlite": [
            "table plans, check constraint ck_price: sqltext price > 0 vs price >= 0",
            "table plans: sql CREATE TABLE plans(id INTEGER PRIMARY KEY, price INTEGER, CONSTRAINT ck_price "
            "CHECK(price > 0)) vs CREATE TABLE plans(id INTEGER PRIMARY KEY, price INTEGER, CONSTRAINT ck_price "
            "CHECK(price >= 0))",
        ],
        "postgresql": ["table plans, check constraint ck_price: sqltext price > 0 vs price >= 0"],
        "mysql": ["table plans, check constraint ck_price: sqltext `price` > 0 vs `price` >= 0"],
    }
    assert diff.lines() == expected[dialect_of(pair)]


def test_mariadb_column_level_check_is_seen(mysql_pair):
    """SQLAlchemy's reflection misses MariaDB's column-level CHECK; information_schema has it."""
    make = "CREATE TABLE plans (id INT PRIMARY KEY, price INT CHECK (price {} 0))"
    diff = build_and_diff(mysql_pair, [make.format(">")], [make.format(">=")])
    assert diff.lines() == [
        "table plans, check constraint price: sqltext `price` > 0 vs `price` >= 0"
    ]


def test_sqlite_inline_references_on_delete_difference(sqlite_pair):
    """SQLAlchemy reflects no ON DELETE for an inline REFERENCES; PRAGMA foreign_key_list does."""
    customers = "CREATE TABLE customers (id INTEGER PRIMARY KEY)"
    make = "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id){})"
    diff = build_and_diff(
        sqlite_pair, [customers, make.format(" ON DELETE CASCADE")], [customers, make.format("")]
    )
    assert diff.lines() == [
        "table orders, foreign key (customer_id) -> customers(id): ondelete CASCADE vs (none)",
        'table orders: sql differs at character 89: ..."omer_id INTEGER REFERENCES customers(id) '
        'ON DELETE CASCADE)" vs ..."omer_id INTEGER REFERENCES customers(id))"',
    ]


def test_foreign_key_on_delete_difference(pair):
    customers = "CREATE TABLE customers (id INTEGER PRIMARY KEY)"
    make = (
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, CONSTRAINT fk_customer "
        "FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE {})"
    )
    diff = build_and_diff(
        pair, [customers, make.format("CASCADE")], [customers, make.format("SET NULL")]
    )
    expected = ["table orders, foreign key fk_customer: ondelete CASCADE vs SET NULL"]
    if dialect_of(pair) == "sqlite":
        expected.append(
            'table orders: sql differs at character 149: ..."_id) REFERENCES customers(id) ON DELETE '
            'CASCADE)" vs ..."_id) REFERENCES customers(id) ON DELETE SET NULL)"'
        )
    assert diff.lines() == expected


def test_postgresql_enum_label_added(pg_pair):
    diff = build_and_diff(
        pg_pair,
        ["CREATE TYPE plan_kind AS ENUM ('basic', 'pro')"],
        ["CREATE TYPE plan_kind AS ENUM ('basic', 'pro')", "ALTER TYPE plan_kind ADD VALUE 'max'"],
    )
    assert diff.lines() == ['enum plan_kind: labels ["basic", "pro"] vs ["basic", "pro", "max"]']


def test_postgresql_enum_label_order(pg_pair):
    diff = build_and_diff(
        pg_pair,
        ["CREATE TYPE plan_kind AS ENUM ('basic', 'pro', 'max')"],
        [
            "CREATE TYPE plan_kind AS ENUM ('basic', 'pro')",
            "ALTER TYPE plan_kind ADD VALUE 'max' BEFORE 'pro'",
        ],
    )
    assert diff.lines() == [
        'enum plan_kind: labels ["basic", "pro", "max"] vs ["basic", "max", "pro"]'
    ]


def test_view_definition_difference(pair):
    table = "CREATE TABLE plans (id INTEGER PRIMARY KEY, price INTEGER)"
    make = "CREATE VIEW cheap_plans AS SELECT id FROM plans WHERE price < {}"
    diff = build_and_diff(pair, [table, make.format(10)], [table, make.format(20)])
    expected = {
        "sqlite": [
            "view cheap_plans: sql CREATE VIEW cheap_plans AS SELECT id FROM plans WHERE price < 10 vs "
            "CREATE VIEW cheap_plans AS SELECT id FROM plans WHERE price < 20"
        ],
        "postgresql": [
            'view cheap_plans: definition differs at line 3: "  WHERE plans.price < 10;" vs "  WHERE plans.price < 20;"'
        ],
        "mysql": [
            "view cheap_plans: definition select `plans`.`id` AS `id` from `plans` where `plans`.`price` < 10 vs "
            "select `plans`.`id` AS `id` from `plans` where `plans`.`price` < 20"
        ],
    }
    assert diff.lines() == expected[dialect_of(pair)]


TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER trg_plans_audit AFTER INSERT ON plans BEGIN "
        "INSERT INTO audit (plan_id) VALUES (NEW.id); END"
    ],
    "postgresql": [
        "CREATE FUNCTION audit_plan() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO audit (plan_id) VALUES (NEW.id); RETURN NEW; END $$",
        "CREATE TRIGGER trg_plans_audit AFTER INSERT ON plans FOR EACH ROW EXECUTE FUNCTION audit_plan()",
    ],
    "mysql": [
        "CREATE TRIGGER trg_plans_audit AFTER INSERT ON plans FOR EACH ROW "
        "INSERT INTO audit (plan_id) VALUES (NEW.id)"
    ],
}


def test_trigger_added(pair):
    dialect = dialect_of(pair)
    tables = ["CREATE TABLE plans (id INTEGER PRIMARY KEY)", "CREATE TABLE audit (plan_id INTEGER)"]
    extra = TRIGGERS[dialect]
    base = tables + extra[:-1]  # on PostgreSQL the function exists on both sides
    diff = build_and_diff(pair, base, base + extra[-1:])
    name = "trg_plans_audit on plans" if dialect == "postgresql" else "trg_plans_audit"
    assert diff.lines() == [f"trigger {name}: missing in legacy"]


def test_sequence_increment_difference_postgresql(pg_pair):
    diff = build_and_diff(
        pg_pair,
        ["CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 1"],
        ["CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 10"],
    )
    assert diff.lines() == ["sequence invoice_numbers: increment 1 vs 10"]


def test_sequence_current_value_is_not_a_difference_postgresql(pg_pair):
    diff = build_and_diff(
        pg_pair,
        ["CREATE SEQUENCE invoice_numbers"],
        ["CREATE SEQUENCE invoice_numbers", "SELECT nextval('invoice_numbers')"],
    )
    assert diff.is_empty


def test_postgresql_function_body_difference(pg_pair):
    make = (
        "CREATE FUNCTION vat(price numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT price * {} $$"
    )
    diff = build_and_diff(pg_pair, [make.format("0.2")], [make.format("0.25")])
    assert diff.lines() == [
        "function vat(price numeric): definition differs at line 4: "
        '"AS $function$ SELECT price * 0.2 $function$" vs "AS $function$ SELECT price * 0.25 $function$"'
    ]


def test_postgresql_exclusion_constraint_difference(pg_pair):
    table = (
        "CREATE TABLE bookings (room int, during int4range, EXCLUDE USING gist (during WITH {}))"
    )
    diff = build_and_diff(pg_pair, [table.format("&&")], [table.format("=")])
    assert diff.lines() == [
        "table bookings, exclusion constraint bookings_during_excl: definition "
        "EXCLUDE USING gist (during WITH &&) vs EXCLUDE USING gist (during WITH =)"
    ]


def test_postgresql_deferrable_unique_difference(pg_pair):
    make = "CREATE TABLE plans (id int PRIMARY KEY, code text, CONSTRAINT uq_code UNIQUE (code){})"
    diff = build_and_diff(
        pg_pair, [make.format("")], [make.format(" DEFERRABLE INITIALLY DEFERRED")]
    )
    assert diff.lines() == [
        "table plans, unique constraint uq_code: deferrable (none) vs true",
        "table plans, unique constraint uq_code: initially (none) vs DEFERRED",
    ]


def test_mysql_table_collation_difference(mysql_pair):
    make = "CREATE TABLE plans (id INT PRIMARY KEY, code VARCHAR(20)) COLLATE {}"
    diff = build_and_diff(
        mysql_pair, [make.format("utf8mb4_general_ci")], [make.format("utf8mb4_bin")]
    )
    assert diff.lines() == [
        "table plans, column code: collation utf8mb4_general_ci vs utf8mb4_bin",
        "table plans: collation utf8mb4_general_ci vs utf8mb4_bin",
    ]


def test_mysql_auto_increment_counter_is_not_a_difference(mysql_pair):
    table = "CREATE TABLE plans (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20))"
    diff = build_and_diff(
        mysql_pair,
        [table, "INSERT INTO plans (name) VALUES ('a')"],
        [
            table,
            "INSERT INTO plans (name) VALUES ('a'), ('b'), ('c')",
            "DELETE FROM plans WHERE id > 1",
            "ALTER TABLE plans AUTO_INCREMENT = 500",
        ],
    )
    assert diff.is_empty
    with mysql_pair[1].connect() as conn:
        create = conn.exec_driver_sql("SHOW CREATE TABLE plans").one()[1]
    assert "AUTO_INCREMENT=500" in create  # the counters really differ


def test_data_row_count_difference(pair):
    table = "CREATE TABLE plans (id INTEGER PRIMARY KEY, name VARCHAR(20))"
    diff = build_and_diff(
        pair,
        [table, "INSERT INTO plans (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"],
        [table, "INSERT INTO plans (id, name) VALUES (1, 'a'), (2, 'b')"],
    )
    assert diff.lines() == ["table plans, data: 3 rows vs 2 rows"]


def test_data_content_difference(pair):
    table = "CREATE TABLE plans (id INTEGER PRIMARY KEY, name VARCHAR(20))"
    diff = build_and_diff(
        pair,
        [table, "INSERT INTO plans (id, name) VALUES (1, 'a'), (2, 'b')"],
        [table, "INSERT INTO plans (id, name) VALUES (1, 'a'), (2, 'B')"],
    )
    a, b = snapshot(pair[0]).data["plans"]["digest"], snapshot(pair[1]).data["plans"]["digest"]
    assert a != b
    assert diff.lines() == [f"table plans, data: contents differ (digest {a[:12]} vs {b[:12]})"]


def test_data_null_differs_from_empty_string(pair):
    table = "CREATE TABLE plans (id INTEGER PRIMARY KEY, name VARCHAR(20))"
    diff = build_and_diff(
        pair,
        [table, "INSERT INTO plans (id, name) VALUES (1, NULL)"],
        [table, "INSERT INTO plans (id, name) VALUES (1, '')"],
    )
    assert [d.attribute for d in diff.differences] == ["digest"]


VOLATILE_TABLES = {
    "sqlite": "CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
    "postgresql": "CREATE TABLE events (id int PRIMARY KEY, name text, created_at timestamptz DEFAULT now())",
    "mysql": "CREATE TABLE events (id INT PRIMARY KEY, name TEXT, created_at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))",
}


def test_volatile_column_is_compared_by_count_only(pair):
    dialect = dialect_of(pair)
    run(
        pair[0],
        [VOLATILE_TABLES[dialect], "INSERT INTO events (id, name) VALUES (1, 'a'), (2, 'b')"],
    )
    run(pair[1], [VOLATILE_TABLES[dialect]])
    # different times in the other database, on purpose
    run(
        pair[1],
        ["INSERT INTO events (id, name, created_at) VALUES (1, 'a', '2001-02-03 04:05:06')"],
    )
    run(
        pair[1],
        ["INSERT INTO events (id, name, created_at) VALUES (2, 'b', '2002-02-03 04:05:06')"],
    )
    a, b = snapshot(pair[0]), snapshot(pair[1])
    assert a.data["events"]["volatile_columns"] == ["created_at"]
    diff = diff_snapshots(a, b)
    assert diff.is_empty
    assert diff.notes == ["table events: created_at compared by row count only (volatile default)"]
    assert str(diff) == (
        "no differences between legacy and alembic\n"
        "note: table events: created_at compared by row count only (volatile default)"
    )
    run(pair[1], ["UPDATE events SET name = 'c' WHERE id = 2"])
    assert [d.attribute for d in diff_snapshots(a, snapshot(pair[1])).differences] == ["digest"]


def test_serial_ids_are_compared(pg_pair):
    """nextval() is not volatile: the same inserts give the same ids, other inserts do not."""
    table = "CREATE TABLE plans (id serial PRIMARY KEY, name text)"
    diff = build_and_diff(
        pg_pair,
        [table, "INSERT INTO plans (name) VALUES ('a'), ('b')"],
        [table, "INSERT INTO plans (name) VALUES ('b'), ('a')"],
    )
    assert snapshot(pg_pair[0]).data["plans"]["volatile_columns"] == []
    assert [d.attribute for d in diff.differences] == ["digest"]


TRACKING = {
    "sqlite": [
        "CREATE TABLE flyway_schema_history (installed_rank INTEGER PRIMARY KEY, version TEXT)",
        "INSERT INTO flyway_schema_history VALUES (1, '1')",
        "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER)",
        "INSERT INTO goose_db_version (version_id) VALUES (0), (1)",
        "CREATE TABLE _yoyo_log (id TEXT)",
    ],
    "postgresql": [
        "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version text)",
        "INSERT INTO flyway_schema_history VALUES (1, '1')",
        "CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint)",
        "INSERT INTO goose_db_version (version_id) VALUES (0), (1)",
        "CREATE SCHEMA sqitch",
        "CREATE TABLE sqitch.changes (change_id text PRIMARY KEY)",
        "CREATE TABLE databasechangeloglock (id int PRIMARY KEY)",
    ],
    "mysql": [
        "CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version TEXT)",
        "INSERT INTO flyway_schema_history VALUES (1, '1')",
        "CREATE TABLE goose_db_version (id BIGINT AUTO_INCREMENT PRIMARY KEY, version_id BIGINT)",
        "INSERT INTO goose_db_version (version_id) VALUES (0), (1)",
        "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY)",
    ],
}


def test_tracking_tables_are_ignored(pair):
    dialect = dialect_of(pair)
    table = "CREATE TABLE plans (id INTEGER PRIMARY KEY)"
    diff = build_and_diff(
        pair,
        [table, *TRACKING[dialect]],
        [
            table,
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('abc123')",
        ],
    )
    assert diff.lines() == []
    snap = snapshot(pair[0])
    assert list(snap.tables) == ["plans"]
    assert list(snap.data) == ["plans"]
    assert "sequences" not in snap.objects  # goose_db_version_id_seq went with its table
    assert "sqitch" not in snap.objects.get("schemas", {})


def test_tracking_tables_can_be_included(pair):
    run(pair[0], ["CREATE TABLE schema_migrations (version VARCHAR(20) PRIMARY KEY)"])
    snap = snapshot(pair[0], exclude_tables=DEFAULT_TRACKING_TABLES - {"schema_migrations"})
    assert list(snap.tables) == ["schema_migrations"]


def test_postgresql_other_schemas_are_snapshotted(pg_pair):
    base = ["CREATE SCHEMA billing", "CREATE TABLE billing.invoices (id int PRIMARY KEY)"]
    diff = build_and_diff(
        pg_pair, base, base + ["ALTER TABLE billing.invoices ADD COLUMN total int"]
    )
    assert diff.lines() == [
        "table billing.invoices, column total: missing in legacy",
        'table billing.invoices: column order ["id"] vs ["id", "total"]',
    ]
    assert diff.notes == ["table billing.invoices: contents not compared (the columns differ)"]
    assert list(snapshot(pg_pair[0]).objects["schemas"]) == ["billing", "public"]


def test_column_order_difference(pair):
    diff = build_and_diff(
        pair,
        ["CREATE TABLE t (a INTEGER, b INTEGER)"],
        ["CREATE TABLE t (b INTEGER, a INTEGER)"],
    )
    expected = ['table t: column order ["a", "b"] vs ["b", "a"]']
    if dialect_of(pair) == "sqlite":
        expected.append(
            "table t: sql CREATE TABLE t(a INTEGER, b INTEGER) vs CREATE TABLE t(b INTEGER, a INTEGER)"
        )
    assert diff.lines() == expected


# ---------------------------------------------------------------------------------------
# Pure pieces (no database)


def test_normalise_sql_changes_whitespace_only():
    assert normalise_sql("CREATE  TABLE t (\n  a int ,\n  b text DEFAULT 'x  ,y'\n)") == (
        "CREATE TABLE t(a int, b text DEFAULT 'x  ,y')"
    )
    assert normalise_sql('CREATE TABLE "a  b"(x int,y int)') == 'CREATE TABLE "a  b"(x int, y int)'
    assert normalise_sql(None) is None


def test_render_value_is_canonical():
    assert render_value(Decimal("1.50")) == render_value(Decimal("1.5")) == "n1.5"
    assert render_value(Decimal("0.00")) == render_value(Decimal("0")) == "n0"
    assert render_value(Decimal("1E+2")) == "n100"
    assert render_value(None) is None
    assert render_value("") == "s"
    assert render_value(1) != render_value("1") != render_value(1.0)
    assert render_value(True) == "t"
    assert render_value(b"\x00\xff") == "x00ff"
    assert render_value(memoryview(b"\x01")) == "x01"
    assert render_value(date(2024, 1, 2)) == "d2024-01-02"
    assert render_value(datetime(2024, 1, 2, 3, 4, 5)) == "d2024-01-02T03:04:05"
    assert render_value({"b": 1, "a": [1, 2]}) == 'j{"a":[1,2],"b":1}'
    assert render_value({"b", "a"}) == render_value(["a", "b"]) == 'j["a","b"]'


def test_content_digest_ignores_order_and_counts_duplicates():
    rows = [(1, "a"), (2, "b"), (2, "b")]
    count, digest = content_digest(["id", "name"], rows)
    assert count == 3
    assert content_digest(["id", "name"], list(reversed(rows))) == (3, digest)
    assert content_digest(["id", "name"], rows[:2])[1] != digest
    assert content_digest(["id", "name"], [(1, "a"), (2, "b"), (1, "a")])[1] != digest
    assert content_digest(["id", "title"], rows)[1] != digest
    assert content_digest(["x"], [(None,)])[1] != content_digest(["x"], [("",)])[1]


@pytest.mark.parametrize(
    "default, volatile",
    [
        ("now()", True),
        ("CURRENT_TIMESTAMP", True),
        ("current_timestamp() ON UPDATE current_timestamp()", True),
        ("(datetime('now'))", True),
        ("strftime('%s', 'now')", True),
        ("gen_random_uuid()", True),
        ("uuid()", True),
        ("random()", True),
        ("nextval('plans_id_seq'::regclass)", False),
        ("'now'::text", False),
        ("'uuid()'", False),
        ("0", False),
        (None, False),
    ],
)
def test_volatile_defaults(default, volatile):
    assert is_volatile_default(default) is volatile


def test_long_values_are_shown_where_they_differ():
    from converter.diff import Difference

    a = "x" * 150 + "abc" + "y" * 10
    b = "x" * 150 + "abd" + "y" * 10
    line = Difference("table", "t", "", "sql", a, b).render(("legacy", "alembic"))
    window = "x" * 38 + "ab"
    assert line == (
        f'table t: sql differs at character 153: ..."{window}c{"y" * 10}" vs ..."{window}d{"y" * 10}"'
    )
    multi = Difference("view", "v", "", "definition", "SELECT 1\nFROM a", "SELECT 1\nFROM b")
    assert (
        multi.render(("legacy", "alembic"))
        == 'view v: definition differs at line 2: "FROM a" vs "FROM b"'
    )
    shorter = Difference("view", "v", "", "definition", "SELECT 1\nFROM a", "SELECT 1")
    assert shorter.render(("l", "a")) == 'view v: definition differs at line 2: "FROM a" vs (end)'


def test_snapshot_from_other_format_is_refused():
    with pytest.raises(ValueError, match="snapshot format 0 is not 2"):
        SchemaSnapshot.from_json({"format": 0, "dialect": "sqlite", "tables": {}, "objects": {}})


# ---------------------------------------------------------------------------------------
# Everything each dialect's catalog adds, read back and compared


RICH_SCHEMAS = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        "CREATE DOMAIN positive_int AS integer NOT NULL DEFAULT 1 CONSTRAINT positive CHECK (VALUE > 0)",
        "CREATE TYPE money_amount AS (currency char(3), amount numeric(12,2))",
        "CREATE TABLE plans (id int PRIMARY KEY, qty positive_int, owner text)",
        "CREATE UNLOGGED TABLE cache (k text PRIMARY KEY) WITH (fillfactor=70)",
        "ALTER TABLE plans ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY own_plans ON plans FOR SELECT USING (owner = current_user)",
        "CREATE MATERIALIZED VIEW plan_counts AS SELECT count(*) AS n FROM plans WITH NO DATA",
        "CREATE UNIQUE INDEX ix_plan_counts ON plan_counts (n)",
        "CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + 1'",
        "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
        "CREATE AGGREGATE my_sum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0')",
        "CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at)",
        "CREATE TABLE measurements_2024 PARTITION OF measurements "
        "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "COMMENT ON COLUMN plans.owner IS 'who'",
        "ALTER TABLE plans ADD CONSTRAINT ck_qty CHECK (qty < 100) NOT VALID",
    ],
    "mysql": [
        "CREATE TABLE plans (id INT PRIMARY KEY, n INT, code VARCHAR(10) CHARACTER SET latin1 COMMENT 'c', "
        "total INT AS (n * 2) VIRTUAL) ENGINE=InnoDB ROW_FORMAT=COMPACT",
        "CREATE FUNCTION add_one(i INT) RETURNS INT DETERMINISTIC RETURN i + 1",
        "CREATE PROCEDURE bump(IN by_n INT) BEGIN UPDATE plans SET n = n + by_n; END",
        "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO UPDATE plans SET n = 0",
        "CREATE VIEW v AS SELECT id FROM plans WITH CHECK OPTION",
    ],
    "sqlite": [
        "CREATE TABLE plans (id INTEGER PRIMARY KEY, n INT, total INT GENERATED ALWAYS AS (n * 2) STORED) STRICT",
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT COLLATE NOCASE) WITHOUT ROWID",
        "CREATE INDEX ix_kv_v ON kv (v DESC, lower(k))",
        "CREATE VIEW v AS SELECT id FROM plans",
        "CREATE TRIGGER trg INSTEAD OF INSERT ON v BEGIN INSERT INTO plans (id) VALUES (NEW.id); END",
    ],
}


def test_rich_schema_reads_back_and_compares_equal(pair):
    statements = RICH_SCHEMAS[dialect_of(pair)]
    diff = build_and_diff(pair, statements, statements)
    assert diff.lines() == []
    snap = snapshot(pair[0])
    dialect = dialect_of(pair)
    if dialect == "postgresql":
        assert snap.objects["domains"]["positive_int"] == {
            "type": "integer",
            "not_null": True,
            "default": "1",
            "constraints": {"positive": "CHECK (VALUE > 0)"},
        }
        assert snap.objects["types"]["money_amount"] == {
            "attributes": ["currency character(3)", "amount numeric(12,2)"]
        }
        assert snap.objects["materialized_views"]["plan_counts"]["populated"] is False
        assert snap.objects["materialized_views"]["plan_counts"]["indexes"] == {
            "ix_plan_counts": {
                "definition": "CREATE UNIQUE INDEX ix_plan_counts ON public.plan_counts USING btree (n)"
            }
        }
        assert snap.objects["policies"]["own_plans on plans"]["using"] == "(owner = CURRENT_USER)"
        assert snap.objects["functions"]["my_sum(integer)"] == {
            "kind": "aggregate",
            "transition": "int4pl(integer,integer)",
            "state_type": "integer",
            "initial": "0",
        }
        assert snap.objects["functions"]["noop()"]["kind"] == "procedure"
        assert snap.tables["cache"]["options"] == {
            "persistence": "unlogged",
            "storage_options": ["fillfactor=70"],
        }
        assert snap.tables["plans"]["options"] == {"row_security": True}
        assert snap.tables["plans"]["columns"]["owner"]["comment"] == "who"
        assert snap.tables["plans"]["check_constraints"]["ck_qty"] == {
            "sqltext": "qty::integer < 100",
            "validated": False,
        }
        assert snap.tables["measurements"]["options"] == {"partition_key": "RANGE (at)"}
        assert snap.tables["measurements_2024"]["options"]["inherits"] == ["measurements"]
    elif dialect == "mysql":
        assert (
            snap.objects["procedures"]["bump"]["body"] == "BEGIN UPDATE plans SET n = n + by_n; END"
        )
        assert snap.objects["procedures"]["bump"]["parameters"] == ["IN by_n int(11)"]
        assert snap.objects["functions"]["add_one"]["returns"] == "int(11)"
        assert snap.objects["events"]["nightly"]["body"] == "UPDATE plans SET n = 0"
        assert snap.objects["views"]["v"]["check_option"] == "CASCADED"
        assert snap.tables["plans"]["options"]["row_format"] == "Compact"
        code = snap.tables["plans"]["columns"]["code"]
        assert (code["charset"], code["collation"], code["comment"]) == (
            "latin1",
            "latin1_swedish_ci",
            "c",
        )
        assert snap.tables["plans"]["columns"]["total"]["extra"] == "virtual generated"
    else:
        assert snap.tables["plans"]["options"] == {"strict": True}
        assert snap.tables["kv"]["options"] == {"without_rowid": True}
        assert snap.tables["kv"]["indexes"]["ix_kv_v"]["columns"] == [
            "v DESC COLLATE NOCASE",
            "<expr>",
        ]
        assert snap.tables["kv"]["indexes"]["sqlite_autoindex_kv_1"] == {
            "unique": True,
            "origin": "primary key",
            "columns": ["k"],
        }
        assert snap.objects["triggers"]["trg"]["table"] == "v"


def test_postgresql_materialized_view_and_function_differences(pg_pair):
    table = "CREATE TABLE plans (id int PRIMARY KEY)"
    diff = build_and_diff(
        pg_pair,
        [table, "CREATE MATERIALIZED VIEW plan_ids AS SELECT id FROM plans WITH NO DATA"],
        [table, "CREATE MATERIALIZED VIEW plan_ids AS SELECT id FROM plans"],
    )
    assert diff.lines() == ["materialized view plan_ids: populated false vs true"]


def test_mysql_procedure_body_difference(mysql_pair):
    table = "CREATE TABLE plans (id INT PRIMARY KEY, n INT)"
    make = "CREATE PROCEDURE bump() BEGIN UPDATE plans SET n = n + {}; END"
    diff = build_and_diff(mysql_pair, [table, make.format(1)], [table, make.format(2)])
    assert diff.lines() == [
        "procedure bump: body BEGIN UPDATE plans SET n = n + 1; END vs BEGIN UPDATE plans SET n = n + 2; END"
    ]


def test_postgresql_types_sqlalchemy_does_not_know_are_named(pg_pair):
    diff = build_and_diff(
        pg_pair,
        ["CREATE TABLE t (a pg_lsn)"],
        ["CREATE TABLE t (a txid_snapshot)"],
    )
    assert diff.lines() == ["table t, column a: type pg_lsn vs txid_snapshot"]


def test_sqlite_int_primary_key_is_not_integer_primary_key(sqlite_pair):
    """INT PRIMARY KEY is not a rowid alias: the declared type and the automatic index differ."""
    diff = build_and_diff(
        sqlite_pair,
        ["CREATE TABLE t (id INT PRIMARY KEY)"],
        ["CREATE TABLE t (id INTEGER PRIMARY KEY)"],
    )
    assert diff.lines() == [
        "table t, column id: declared type INT vs (none)",
        "table t, index sqlite_autoindex_t_1: missing in alembic",
        "table t: sql CREATE TABLE t(id INT PRIMARY KEY) vs CREATE TABLE t(id INTEGER PRIMARY KEY)",
    ]


def test_postgresql_autocommit_connection_reads_data_the_same(pg_pair):
    run(
        pg_pair[0],
        [
            "CREATE TABLE t (id int PRIMARY KEY, name text)",
            "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
        ],
    )
    plain_snapshot = snapshot(pg_pair[0])
    engine = pg_pair[0].execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        auto = take_snapshot(conn)
        conn.exec_driver_sql("INSERT INTO t VALUES (3, 'c')")  # still autocommit afterwards
    assert auto == plain_snapshot
    assert snapshot(pg_pair[0]).data["t"]["rows"] == 3
