"""Seed plans and customers."""
from yoyo import step

__depends__ = {"20240101_04_invcs-create-invoices"}

steps = [
    step(
        """INSERT INTO plans (name, speed_mbps, price) VALUES
    ('Basic 50', 50, 19.99),
    ('Fiber 500', 500, 49.99),
    ('Business :gold 100%', 1000, 99.00);""",
        """DELETE FROM plans WHERE name IN ('Basic 50', 'Fiber 500', 'Business :gold 100%');""",
    ),
    step(
        """INSERT INTO customers (email, full_name) VALUES
    ('  Ada@Example.COM ', 'Ada Lovelace'),
    ('grace@example.com', 'Grace O''Hopper');""",
        """DELETE FROM customers WHERE full_name IN ('Ada Lovelace', 'Grace O''Hopper');""",
    ),
]
