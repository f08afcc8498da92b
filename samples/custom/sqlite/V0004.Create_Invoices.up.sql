CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    amount NUMERIC(10, 2) NOT NULL,
    issued_on DATE NOT NULL,
    paid BOOLEAN NOT NULL DEFAULT 0,
    note TEXT,
    CONSTRAINT fk_invoices_subscription FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
);
CREATE INDEX ix_invoices_subscription_id ON invoices (subscription_id);
