-- Verify isp:create_customers on pg

BEGIN;

SELECT id, email, full_name, status, created_at FROM customers WHERE FALSE;

ROLLBACK;
