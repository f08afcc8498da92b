-- Revert isp:create_subscriptions from pg

BEGIN;

DROP TABLE subscriptions;

COMMIT;
