-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY ix_invoices_issued_on;
