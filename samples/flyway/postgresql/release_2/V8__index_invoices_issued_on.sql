-- CONCURRENTLY cannot run inside a transaction: see the .sql.conf next to this file
CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);
