-- Verify isp:create_subscriptions on pg

BEGIN;

SELECT id, customer_id, plan_id, started_on, ended_on FROM subscriptions WHERE FALSE;

ROLLBACK;
