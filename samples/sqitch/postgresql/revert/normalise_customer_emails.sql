-- Revert isp:normalise_customer_emails from pg

BEGIN;

-- XXX Add DDLs here.

COMMIT;
