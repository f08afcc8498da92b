-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY ix_invoices_issued_on ON invoices (issued_on);

-- +goose Down
DROP INDEX CONCURRENTLY ix_invoices_issued_on;
