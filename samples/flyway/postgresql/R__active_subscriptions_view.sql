CREATE OR REPLACE VIEW active_subscriptions AS
SELECT id, customer_id, plan_id, started_on
FROM subscriptions
WHERE ended_on IS NULL;
