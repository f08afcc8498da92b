CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    email VARCHAR(200) NOT NULL,
    plan_id INTEGER REFERENCES plans (id)
);
