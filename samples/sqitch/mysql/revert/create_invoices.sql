-- Revert isp:create_invoices from mysql

BEGIN;

DROP TABLE invoices;

COMMIT;
