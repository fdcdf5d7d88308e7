package store

import (
	"context"
	"database/sql"
)

// LoadDemo loads the demo data set of PRODUCT.md §9 into an empty database,
// in one transaction. On a database that already has data it changes nothing
// and reports loaded=false.
func (db *DB) LoadDemo(ctx context.Context, password string) (loaded bool, err error) {
	// Hash once, outside the write transaction (hashing is slow and writes queue).
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return false, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM agreements) + (SELECT count(*) FROM offerings)").Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := loadCatalogue(ctx, tx, DemoCatalogue()); err != nil {
			return err
		}
		if err := loadDemoAccounts(ctx, tx, hash); err != nil {
			return err
		}
		// Northshire's approved quote history; needs the demo accounts.
		if err := loadDemoQuotes(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE meta SET value = 1 WHERE key = 'demo'"); err != nil {
			return err
		}
		loaded = true
		return nil
	})
	return loaded, err
}
