-- Verify isp:add_customer_phone on pg

BEGIN;

SELECT phone FROM customers WHERE FALSE;

ROLLBACK;
