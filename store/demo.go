package store

import (
	"context"
	"database/sql"
)

// LoadDemo loads the demo data set of PRODUCT.md §9 into an empty database,
// in one transaction. On a database that already has data it changes nothing
// and reports loaded=false.
func (db *DB) LoadDemo(ctx context.Context, password string) (loaded bool, err error) {
	// The demo password deliberately skips the new-password policy
	// (checkNewPassword): it is the operator's choice for a demonstration
	// (PORTAL_DEMO_PASSWORD, printed in the start-up banner), not a person's
	// secret, and demo accounts exist only on a database loaded with -demo.
	// Hash once, outside the write transaction (hashing is slow and writes queue).
	hash, err := hashPassword(ctx, password)
	if err != nil {
		return false, err
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		// Any data at all — a catalogue, an account made with `portal user
		// add`, a basket — means this is someone's database: leave it alone.
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM agreements) OR EXISTS (SELECT 1 FROM offerings)
			OR EXISTS (SELECT 1 FROM organisations) OR EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM baskets)`).Scan(&used); err != nil {
			return err
		}
		if used {
			return nil
		}
		if err := loadCatalogue(ctx, tx, DemoCatalogue()); err != nil {
			return err
		}
		if err := loadDemoAccounts(ctx, tx, hash); err != nil {
			return err
		}
		// Northshire's approved quote history; needs the demo accounts.
		if err := loadDemoQuotes(ctx, tx, db.stmts); err != nil {
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
