-- +goose Up
ALTER TABLE customers ADD COLUMN phone TEXT;

-- +goose Down
ALTER TABLE customers DROP COLUMN phone;
