-- Verify isp:create_plans on pg

BEGIN;

SELECT id, name, speed_mbps, price, created_at FROM plans WHERE FALSE;

ROLLBACK;
