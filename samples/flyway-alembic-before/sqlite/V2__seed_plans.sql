INSERT INTO plans (id, name, monthly_price) VALUES (1, 'basic', 19.00);
INSERT INTO plans (id, name, monthly_price) VALUES (2, 'fibre', 49.00);
