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

// readStmt returns query prepared on the reader pool, preparing it the first
// time. database/sql then prepares it once per connection and keeps it, so
// the hot read queries of public pages are parsed once, not on every call
// (parsing is most of a small query's cost). For queries with a fixed text.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.rstmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.rstmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// readRow runs a one-row query through readStmt, in tx when it is not nil.
func (db *DB) readRow(ctx context.Context, tx *sql.Tx, query string, args ...any) scanner {
	st, err := db.readStmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return st.QueryRowContext(ctx, args...)
}

// readRows runs a query through readStmt, in tx when it is not nil.
func (db *DB) readRows(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	st, err := db.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return st.QueryContext(ctx, args...)
}

// errRow is a row that could not be queried.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
