-- Verify isp:normalise_customer_emails on sqlite

BEGIN;

SELECT email FROM customers WHERE 0;

ROLLBACK;
