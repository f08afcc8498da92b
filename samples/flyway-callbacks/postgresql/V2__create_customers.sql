CREATE TABLE customers (
    id SERIAL PRIMARY KEY,
    email VARCHAR(200) NOT NULL,
    plan_id INTEGER REFERENCES plans (id)
);
