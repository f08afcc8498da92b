-- Revert isp:add_customer_phone from mysql

BEGIN;

DROP INDEX ix_customers_status ON customers;
ALTER TABLE customers DROP COLUMN phone;

COMMIT;
