"""Seed the plans and two customers; the runner passes a DB-API cursor and the database."""

PLANS = [(1, "basic", 1900), (2, "fibre pro", 4900), (3, "business", 9900)]


def run_upgrade(cur, database_engine, *args):
    # each driver has its own parameter style
    marker = "?" if database_engine == "sqlite" else "%s"
    insert = f"INSERT INTO plans (id, name, monthly_cents) VALUES ({marker}, {marker}, {marker})"
    for row in PLANS:
        cur.execute(insert, row)
    cur.execute(
        "INSERT INTO customers (email, plan_id) VALUES ('ada@example.org', 2), "
        "('grace@example.org', 1)"
    )
    if database_engine == "postgresql":
        cur.execute("ANALYZE plans")


def run_downgrade(cur, database_engine, *args):
    cur.execute("DELETE FROM customers")
    cur.execute("DELETE FROM plans")
