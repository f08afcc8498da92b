-- Revert isp:create_subscriptions from mysql

BEGIN;

DROP TABLE subscriptions;

COMMIT;
