-- Verify isp:normalise_customer_emails on mysql

BEGIN;

SELECT email FROM customers WHERE FALSE;

ROLLBACK;
