PRAGMA foreign_keys = OFF;
BEGIN TRANSACTION;

-- rebuild customers with a new column
CREATE TABLE customers_new (
    id    INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    plan  TEXT DEFAULT 'home;basic'
);
INSERT INTO customers_new (id, email) SELECT id, email FROM customers;
DROP TABLE customers;
ALTER TABLE customers_new RENAME TO customers;

CREATE TRIGGER customers_plan AFTER UPDATE OF plan ON customers
WHEN NEW.plan IS NULL
BEGIN
    UPDATE customers SET plan = 'home' WHERE id = NEW.id;  -- default it
    SELECT CASE WHEN NEW.id < 0 THEN RAISE(ABORT, 'bad id; stop') END;
END;

COMMIT;
PRAGMA foreign_keys = ON;
VACUUM;
