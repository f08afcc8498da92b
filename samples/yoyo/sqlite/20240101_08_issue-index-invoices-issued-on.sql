-- index invoices issued on
-- depends: 20240101_07_phone-add-customer-phone
-- transactional: false

CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);
