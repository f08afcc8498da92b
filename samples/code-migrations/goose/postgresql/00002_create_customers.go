package migrations

import (
	"database/sql"

	"github.com/pressly/goose/v3"
)

// The table name is a constant of this file: the converter reads it.
const customersTable = "customers"

const createCustomers = `CREATE TABLE ` + customersTable + ` (
    id SERIAL PRIMARY KEY,
    email TEXT NOT NULL, -- checked below; "quotes" and ; stay SQL
    plan_id INTEGER REFERENCES plans (id)
)`

func init() {
	goose.AddMigration(upCreateCustomers, downCreateCustomers)
}

/* Straight-line: only SQL literals, executed in order, and error returns. */
func upCreateCustomers(tx *sql.Tx) error {
	if _, err := tx.Exec(createCustomers); err != nil {
		return err
	}
	_, err := tx.Exec("CREATE UNIQUE INDEX customers_email ON customers (email)")
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

func downCreateCustomers(tx *sql.Tx) error {
	_, err := tx.Exec(`DROP TABLE customers`)
	return err
}
