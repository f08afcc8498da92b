--liquibase formatted sql

--changeset isp:5
--comment: seed plans and customers
INSERT INTO plans (name, speed_mbps, price) VALUES
    ('Basic 50', 50, 19.99),
    ('Fiber 500', 500, 49.99),
    ('Business :gold 100%', 1000, 99.00);
INSERT INTO customers (email, full_name) VALUES
    ('  Ada@Example.COM ', 'Ada Lovelace'),
    ('grace@example.com', 'Grace O''Hopper');
--rollback DELETE FROM customers WHERE full_name IN ('Ada Lovelace', 'Grace O''Hopper');
--rollback DELETE FROM plans WHERE name IN ('Basic 50', 'Fiber 500', 'Business :gold 100%');

--changeset isp:6
--comment: normalise customer emails
UPDATE customers SET email = LOWER(TRIM(email));
--rollback not required
