CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);
