-- migrate:up transaction:false
CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);

-- migrate:down transaction:false
DROP INDEX ix_invoices_issued_on;
