-- Revert isp:add_customer_phone from sqlite

BEGIN;

DROP INDEX ix_customers_status;
ALTER TABLE customers DROP COLUMN phone;

COMMIT;
