-- up
CREATE TABLE subscriptions (
    id SERIAL PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    plan_id INTEGER NOT NULL,
    started_on DATE NOT NULL,
    ended_on DATE,
    CONSTRAINT fk_subscriptions_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE,
    CONSTRAINT fk_subscriptions_plan FOREIGN KEY (plan_id) REFERENCES plans (id)
);
CREATE INDEX ix_subscriptions_customer_id ON subscriptions (customer_id);
-- down
DROP TABLE subscriptions;
