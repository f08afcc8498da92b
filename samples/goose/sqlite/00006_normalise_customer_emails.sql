-- +goose Up
UPDATE customers SET email = LOWER(TRIM(email));

-- +goose Down
