-- index invoices issued on

DROP INDEX CONCURRENTLY ix_invoices_issued_on;
