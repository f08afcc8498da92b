-- Deploy isp:normalise_customer_emails to pg
-- requires: seed_plans_and_customers

BEGIN;

UPDATE customers SET email = LOWER(TRIM(email));

COMMIT;
