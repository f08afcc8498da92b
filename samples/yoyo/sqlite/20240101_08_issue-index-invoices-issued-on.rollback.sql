-- index invoices issued on

DROP INDEX ix_invoices_issued_on;
