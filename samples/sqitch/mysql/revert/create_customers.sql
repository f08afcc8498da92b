-- Revert isp:create_customers from mysql

BEGIN;

DROP TABLE customers;

COMMIT;
