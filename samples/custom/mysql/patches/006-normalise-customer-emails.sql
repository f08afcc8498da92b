UPDATE customers SET email = LOWER(TRIM(email));
