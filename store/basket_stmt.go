package store

// Prepared statements for the basket write path.

import (
	"context"
	"database/sql"
)

// prepareStmts prepares queries on the writer pool. database/sql would
// prepare every query afresh, and parsing SQL is the largest cost of a small
// write; with one writer connection a statement prepared once is reused by
// every later transaction (Tx.StmtContext finds it on the connection). A
// query that fails to prepare simply runs unprepared.
func prepareStmts(ctx context.Context, w *sql.DB, queries []string) map[string]*sql.Stmt {
	m := make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		if st, err := w.PrepareContext(ctx, q); err == nil {
			m[q] = st
		}
	}
	return m
}

type stmtsKey struct{}

// withStmts lets the (ctx, tx) helpers below use the database's prepared
// statements.
func (db *DB) withStmts(ctx context.Context) context.Context {
	return context.WithValue(ctx, stmtsKey{}, db.stmts)
}

// txStmt returns tx's view of the prepared statement for query, or nil when
// ctx carries none (the query then runs unprepared).
func txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	stmts, _ := ctx.Value(stmtsKey{}).(map[string]*sql.Stmt)
	st := stmts[query]
	if st == nil {
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// qrow is tx.QueryRowContext through the statement cache.
func qrow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s := txStmt(ctx, tx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}

// qexec is tx.ExecContext through the statement cache.
func qexec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s := txStmt(ctx, tx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// qrows is tx.QueryContext through the statement cache.
func qrows(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if s := txStmt(ctx, tx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}
