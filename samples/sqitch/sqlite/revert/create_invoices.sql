-- Revert isp:create_invoices from sqlite

BEGIN;

DROP TABLE invoices;

COMMIT;
