-- +goose Up
CREATE TABLE customers (
    id INTEGER NOT NULL PRIMARY KEY,
    email VARCHAR(320) NOT NULL,
    plan_id INTEGER NOT NULL REFERENCES plans (id)
);
CREATE TABLE customer_notes (
    id INTEGER NOT NULL PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    body TEXT NOT NULL
);

-- +goose Down
-- written for the original goose, which skips these two (no semicolons) with a warning
DROP TABLE customer_notes
DROP TABLE customers
