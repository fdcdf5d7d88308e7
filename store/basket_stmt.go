package store

// Prepared statements for the basket write path.

import (
	"context"
	"database/sql"
)

// stmt is a query and, once the database has opened, the same query
// prepared on the writer connection. database/sql would otherwise prepare
// every query afresh, and parsing SQL is the largest cost of a small write;
// with one writer connection a statement prepared once is reused by every
// later transaction (Tx.StmtContext finds it on the connection). A query
// that failed to prepare simply runs unprepared.
type stmt struct {
	query    string
	prepared *sql.Stmt
}

// stmts are the basket write path's hot statements. The DB owns one set
// (DB.stmts), prepared when it opens; code inside a write transaction takes
// it explicitly — the door's basketOp carries it — rather than finding it
// in a context.
type stmts struct {
	basketOfOrg  stmt // a basket's row if it is the organisation's (buyers' actions)
	basketNotOrg stmt // a basket's row unless it is the organisation's (reviewers' decisions)
	basketByID   stmt // a basket's row whoever's it is (the system's actions)
	lineOffering stmt // an offering by slug, with what adding a line needs
	findLine     stmt // the line of an offering on a term
	countLines   stmt
	insertLine   stmt
	addToLine    stmt
	touch        stmt // status, agreement, version, updated_at
	dueQuotes    stmt // versions past their validity, undecided
}

// newStmts returns the statements unprepared (they run as plain queries).
func newStmts() *stmts {
	return &stmts{
		basketOfOrg:  stmt{query: qBasketRow + ` AND org_id = ?`},
		basketNotOrg: stmt{query: qBasketRow + ` AND org_id <> ?`},
		basketByID:   stmt{query: qBasketRow},
		lineOffering: stmt{query: qLineOffering},
		findLine:     stmt{query: qFindLine},
		countLines:   stmt{query: qCountLines},
		insertLine:   stmt{query: qInsertLine},
		addToLine:    stmt{query: qAddToLine},
		touch:        stmt{query: qTouch},
		dueQuotes:    stmt{query: qDueQuotes},
	}
}

// prepareStmts prepares every statement on the writer pool w.
func prepareStmts(ctx context.Context, w *sql.DB) *stmts {
	s := newStmts()
	for _, st := range s.all() {
		if p, err := w.PrepareContext(ctx, st.query); err == nil {
			st.prepared = p
		}
	}
	return s
}

func (s *stmts) all() []*stmt {
	return []*stmt{&s.basketOfOrg, &s.basketNotOrg, &s.basketByID, &s.lineOffering, &s.findLine, &s.countLines,
		&s.insertLine, &s.addToLine, &s.touch, &s.dueQuotes}
}

// close releases the prepared statements.
func (s *stmts) close() {
	for _, st := range s.all() {
		if st.prepared != nil {
			st.prepared.Close()
		}
	}
}

func (s *stmt) row(ctx context.Context, tx *sql.Tx, args ...any) *sql.Row {
	if s.prepared != nil {
		return tx.StmtContext(ctx, s.prepared).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, s.query, args...)
}

func (s *stmt) exec(ctx context.Context, tx *sql.Tx, args ...any) (sql.Result, error) {
	if s.prepared != nil {
		return tx.StmtContext(ctx, s.prepared).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, s.query, args...)
}

func (s *stmt) rows(ctx context.Context, tx *sql.Tx, args ...any) (*sql.Rows, error) {
	if s.prepared != nil {
		return tx.StmtContext(ctx, s.prepared).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, s.query, args...)
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
