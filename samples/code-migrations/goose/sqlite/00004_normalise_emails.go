package migrations

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pressly/goose/v3"
)

func init() {
	goose.AddMigrationContext(upNormaliseEmails, nil)
}

// Not straight-line: it reads rows and computes new values in Go.
func upNormaliseEmails(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, email FROM customers")
	if err != nil {
		return err
	}
	defer rows.Close()
	updates := map[int64]string{}
	for rows.Next() {
		var id int64
		var email string
		if err := rows.Scan(&id, &email); err != nil {
			return err
		}
		updates[id] = strings.ToLower(strings.TrimSpace(email))
	}
	for id, email := range updates {
		if _, err := tx.ExecContext(ctx, "UPDATE customers SET email = ? WHERE id = ?", email, id); err != nil {
			return err
		}
	}
	return rows.Err()
}
