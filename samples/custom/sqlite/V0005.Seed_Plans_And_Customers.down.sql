DELETE FROM customers WHERE full_name IN ('Ada Lovelace', 'Grace O''Hopper');
DELETE FROM plans WHERE name IN ('Basic 50', 'Fiber 500', 'Business :gold 100%');
