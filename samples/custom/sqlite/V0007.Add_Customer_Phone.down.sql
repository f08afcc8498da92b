DROP INDEX ix_customers_status;
ALTER TABLE customers DROP COLUMN phone;
