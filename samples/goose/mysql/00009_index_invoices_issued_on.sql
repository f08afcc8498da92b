-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX ix_invoices_issued_on ON invoices (issued_on);

-- +goose Down
DROP INDEX ix_invoices_issued_on ON invoices;
