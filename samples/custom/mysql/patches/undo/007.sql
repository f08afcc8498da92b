DROP INDEX ix_customers_status ON customers;
ALTER TABLE customers DROP COLUMN phone;
