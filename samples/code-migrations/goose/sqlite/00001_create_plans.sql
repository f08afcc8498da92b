-- +goose Up
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    monthly_cents INTEGER NOT NULL
);

-- +goose Down
DROP TABLE plans;
