-- Verify isp:create_plans on sqlite

BEGIN;

SELECT id, name, speed_mbps, price, created_at FROM plans WHERE 0;

ROLLBACK;
