-- Verify isp:add_customer_phone on sqlite

BEGIN;

SELECT phone FROM customers WHERE 0;

ROLLBACK;
