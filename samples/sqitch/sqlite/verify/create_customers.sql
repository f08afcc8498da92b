-- Verify isp:create_customers on sqlite

BEGIN;

SELECT id, email, full_name, status, created_at FROM customers WHERE 0;

ROLLBACK;
