--liquibase formatted sql

--changeset isp:1
--comment: create plans
CREATE TABLE plans (
    id SERIAL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    speed_mbps INTEGER NOT NULL,
    price NUMERIC(10, 2) NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_plans_name UNIQUE (name)
);
--rollback DROP TABLE plans;

--changeset isp:2
--comment: create customers
CREATE TABLE customers (
    id SERIAL PRIMARY KEY,
    email VARCHAR(320) NOT NULL,
    full_name VARCHAR(200) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'active',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_customers_email UNIQUE (email),
    CONSTRAINT ck_customers_status CHECK (status IN ('active', 'suspended', 'closed'))
);
--rollback DROP TABLE customers;

--changeset isp:3
--comment: create subscriptions
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
--rollback DROP TABLE subscriptions;

--changeset isp:4
--comment: create invoices
CREATE TABLE invoices (
    id SERIAL PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    amount NUMERIC(10, 2) NOT NULL,
    issued_on DATE NOT NULL,
    paid BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT,
    CONSTRAINT fk_invoices_subscription FOREIGN KEY (subscription_id) REFERENCES subscriptions (id)
);
CREATE INDEX ix_invoices_subscription_id ON invoices (subscription_id);
--rollback DROP TABLE invoices;
