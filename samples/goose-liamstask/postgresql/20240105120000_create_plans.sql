-- +goose Up
CREATE TABLE plans (
    id INTEGER NOT NULL PRIMARY KEY,
    name VARCHAR(40) NOT NULL,
    monthly_price NUMERIC(10, 2) NOT NULL
);

-- +goose Down
DROP TABLE plans;
