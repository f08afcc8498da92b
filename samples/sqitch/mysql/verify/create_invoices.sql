-- Verify isp:create_invoices on mysql

BEGIN;

SELECT id, subscription_id, amount, issued_on, paid, note FROM invoices WHERE FALSE;

ROLLBACK;
