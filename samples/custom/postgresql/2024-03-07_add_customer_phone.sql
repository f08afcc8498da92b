-- up
ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
CREATE INDEX ix_customers_status ON customers (status);
-- down
DROP INDEX ix_customers_status;
ALTER TABLE customers DROP COLUMN phone;
