-- Revert isp:create_subscriptions from sqlite

BEGIN;

DROP TABLE subscriptions;

COMMIT;
