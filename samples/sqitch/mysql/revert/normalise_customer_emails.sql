-- Revert isp:normalise_customer_emails from mysql

BEGIN;

-- XXX Add DDLs here.

COMMIT;
