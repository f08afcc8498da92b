package migrations

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

func init() {
	goose.AddMigrationContext(upSeedPlans, downSeedPlans)
}

func upSeedPlans(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO plans (id, name, monthly_cents) VALUES "+
		"(1, 'basic', 1900), (2, 'fibre \u201cpro\u201d', 4900), (3, 'it''s\tbusiness', 9900)")
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO customers (id, email, plan_id) VALUES
    (1, 'ada@example.org', 2),
    (2, 'Grace@Example.org', 1)`)
	return err
}

func downSeedPlans(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM customers"); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM plans")
	return err
}
