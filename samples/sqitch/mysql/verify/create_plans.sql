-- Verify isp:create_plans on mysql

BEGIN;

SELECT id, name, speed_mbps, price, created_at FROM plans WHERE FALSE;

ROLLBACK;
