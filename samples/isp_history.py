"""The canonical ISP history every sample in samples/<format>/<dialect>/ is written from.

Each step: a slug, a description, and per dialect the up SQL and the down SQL (None: the
step has no down). Step 6 is a Python data script where the format allows Python, else the
SQL given. The samples are committed files; this module only documents what they contain
and lets tests check that each sample says the same thing.
"""

PY_NORMALISE_EMAILS = '''"""Normalise customer e-mail addresses: trim spaces and lower-case them."""
from sqlalchemy import text


def upgrade(conn):
    rows = conn.execute(text("SELECT id, email FROM customers ORDER BY id")).all()
    for row_id, email in rows:
        clean = email.strip().lower()
        if clean != email:
            conn.execute(
                text("UPDATE customers SET email = :email WHERE id = :id"),
                {"email": clean, "id": row_id},
            )
'''

SEED_UP = """INSERT INTO plans (name, speed_mbps, price) VALUES
    ('Basic 50', 50, 19.99),
    ('Fiber 500', 500, 49.99),
    ('Business :gold 100%', 1000, 99.00);
INSERT INTO customers (email, full_name) VALUES
    ('  Ada@Example.COM ', 'Ada Lovelace'),
    ('grace@example.com', 'Grace O''Hopper');
"""

SEED_DOWN = """DELETE FROM customers WHERE full_name IN ('Ada Lovelace', 'Grace O''Hopper');
DELETE FROM plans WHERE name IN ('Basic 50', 'Fiber 500', 'Business :gold 100%');
"""

ID = {"postgresql": "id SERIAL PRIMARY KEY", "mysql": "id INT AUTO_INCREMENT PRIMARY KEY", "sqlite": "id INTEGER PRIMARY KEY"}
FALSE = {"postgresql": "FALSE", "mysql": "FALSE", "sqlite": "0"}


def drop_index(dialect, index, table):
    return f"DROP INDEX {index} ON {table};" if dialect == "mysql" else f"DROP INDEX {index};"


def steps(dialect):
    d = dialect
    sub_fk = (
        "customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,"
        if d == "sqlite"
        else "customer_id INTEGER NOT NULL,"
    )
    sub_fk_constraint = (
        ""
        if d == "sqlite"
        else "\n    CONSTRAINT fk_subscriptions_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,"
    )
    return [
        ("1", "create_plans", "create plans",
         f"""CREATE TABLE plans (
    {ID[d]},
    name VARCHAR(100) NOT NULL,
    speed_mbps INTEGER NOT NULL,
    price NUMERIC(10, 2) NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_plans_name UNIQUE (name)
);
""", "DROP TABLE plans;\n"),
        ("2", "create_customers", "create customers",
         f"""CREATE TABLE customers (
    {ID[d]},
    email VARCHAR(320) NOT NULL,
    full_name VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'active',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_customers_email UNIQUE (email),
    CONSTRAINT ck_customers_status CHECK (status IN ('active', 'suspended', 'closed'))
);
""", "DROP TABLE customers;\n"),
        ("3", "create_subscriptions", "create subscriptions",
         f"""CREATE TABLE subscriptions (
    {ID[d]},
    {sub_fk}
    plan_id INTEGER NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,{sub_fk_constraint}
    CONSTRAINT fk_subscriptions_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
);
CREATE INDEX ix_subscriptions_customer_id ON subscriptions (customer_id);
""", "DROP TABLE subscriptions;\n"),
        ("4", "create_invoices", "create invoices",
         f"""CREATE TABLE invoices (
    {ID[d]},
    subscription_id INTEGER NOT NULL,
    amount NUMERIC(10, 2) NOT NULL,
    issued_on DATE NOT NULL,
    paid BOOLEAN NOT NULL DEFAULT {FALSE[d]},
    note TEXT,
    CONSTRAINT fk_invoices_subscription FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
);
CREATE INDEX ix_invoices_subscription_id ON invoices (subscription_id);
""", "DROP TABLE invoices;\n"),
        ("5", "seed_plans_and_customers", "seed plans and customers", SEED_UP, SEED_DOWN),
        # Python where the format allows it (PY_NORMALISE_EMAILS, no downgrade), else this SQL:
        ("6", "normalise_customer_emails", "normalise customer emails",
         "UPDATE customers SET email = LOWER(TRIM(email));\n", None),
        ("7", "add_customer_phone", "add customer phone",
         f"""ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
CREATE INDEX ix_customers_status ON customers (status);
""", f"""{drop_index(d, 'ix_customers_status', 'customers')}
ALTER TABLE customers DROP COLUMN phone;
"""),
    ]
