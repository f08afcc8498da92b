-- +goose Up
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE,
    monthly_cents INTEGER NOT NULL CHECK (monthly_cents >= 0)
);

-- +goose StatementBegin
CREATE FUNCTION plan_label(p plans) RETURNS TEXT AS $$
BEGIN
    RETURN p.name || ' (' || p.monthly_cents || ')';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION plan_label(plans);
DROP TABLE plans;
