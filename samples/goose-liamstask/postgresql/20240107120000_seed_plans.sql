-- +goose Up
INSERT INTO plans (id, name, monthly_price) VALUES (1, 'basic', 19.00);
INSERT INTO plans (id, name, monthly_price) VALUES (2, 'fibre', 49.00);

-- +goose Down
DELETE FROM plans WHERE id IN (1, 2)
