-- Revert isp:normalise_customer_emails from sqlite

BEGIN;

-- XXX Add DDLs here.

COMMIT;
