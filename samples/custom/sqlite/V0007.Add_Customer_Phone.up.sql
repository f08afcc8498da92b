ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
CREATE INDEX ix_customers_status ON customers (status);
