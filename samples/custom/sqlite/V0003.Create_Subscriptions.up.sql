CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    plan_id INTEGER NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    CONSTRAINT fk_subscriptions_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
);
CREATE INDEX ix_subscriptions_customer_id ON subscriptions (customer_id);
