-- +goose Up
ALTER TABLE customers ADD COLUMN phone VARCHAR(32);

-- +goose Down
ALTER TABLE customers DROP COLUMN phone;
