-- Verify isp:create_invoices on sqlite

BEGIN;

SELECT id, subscription_id, amount, issued_on, paid, note FROM invoices WHERE 0;

ROLLBACK;
