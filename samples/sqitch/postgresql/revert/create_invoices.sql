-- Revert isp:create_invoices from pg

BEGIN;

DROP TABLE invoices;

COMMIT;
