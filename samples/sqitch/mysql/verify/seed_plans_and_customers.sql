-- Verify isp:seed_plans_and_customers on mysql

BEGIN;

SELECT 1 / COUNT(*) FROM plans WHERE name = 'Basic 50';

ROLLBACK;
