-- Verify isp:normalise_customer_emails on pg

BEGIN;

SELECT email FROM customers WHERE FALSE;

ROLLBACK;
