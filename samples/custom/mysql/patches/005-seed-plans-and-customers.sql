INSERT INTO plans (name, speed_mbps, price) VALUES
    ('Basic 50', 50, 19.99),
    ('Fiber 500', 500, 49.99),
    ('Business :gold 100%', 1000, 99.00);
INSERT INTO customers (email, full_name) VALUES
    ('  Ada@Example.COM ', 'Ada Lovelace'),
    ('grace@example.com', 'Grace O''Hopper');
