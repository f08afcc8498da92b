-- Reference rows, put back as they should be after every migrate.
INSERT INTO plans (code, name, price) VALUES
    ('basic', 'Basic 50', 19.90),
    ('fibre', 'Fibre 1000', 49.90)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, price = EXCLUDED.price;
