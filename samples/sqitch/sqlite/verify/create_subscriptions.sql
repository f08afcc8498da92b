-- Verify isp:create_subscriptions on sqlite

BEGIN;

SELECT id, customer_id, plan_id, started_on, ended_on FROM subscriptions WHERE 0;

ROLLBACK;
