-- Revert isp:create_plans from mysql

BEGIN;

DROP TABLE plans;

COMMIT;
