-- migrate:up
UPDATE customers SET email = LOWER(TRIM(email));

-- migrate:down
