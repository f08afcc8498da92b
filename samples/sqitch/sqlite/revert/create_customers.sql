-- Revert isp:create_customers from sqlite

BEGIN;

DROP TABLE customers;

COMMIT;
