-- Verify isp:add_customer_phone on mysql

BEGIN;

SELECT phone FROM customers WHERE FALSE;

ROLLBACK;
