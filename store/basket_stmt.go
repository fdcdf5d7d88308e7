package store

// Prepared statements for the basket write path. database/sql prepares every
// query afresh, and parsing SQL is the largest cost of a small write; the
// writer pool has one connection, so a statement prepared on it once is
// reused by every later transaction (Tx.StmtContext finds it on the conn).

import (
	"context"
	"database/sql"
	"sync"
)

type stmtKey struct {
	pool  *sql.DB
	query string
}

// preparedStmts caches statements by pool and query text. Entries for a
// closed pool are harmless: they are only found through that pool.
var preparedStmts sync.Map // stmtKey → *sql.Stmt

type poolKey struct{}

// withPool lets the helpers below use cached statements on pool.
func withPool(ctx context.Context, pool *sql.DB) context.Context {
	return context.WithValue(ctx, poolKey{}, pool)
}

// hotQueries are prepared on the writer before the first basket write.
var hotQueries []string

// preparedPools records pools whose hot queries are prepared.
var preparedPools sync.Map // *sql.DB → bool

// prepareHot prepares the hot queries on pool. It must run outside any
// transaction: the writer pool's one connection is held by an open one.
func prepareHot(ctx context.Context, pool *sql.DB) {
	if _, done := preparedPools.Load(pool); done {
		return
	}
	for _, q := range hotQueries {
		k := stmtKey{pool, q}
		if _, ok := preparedStmts.Load(k); ok {
			continue
		}
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			return // fall back to unprepared queries
		}
		if _, loaded := preparedStmts.LoadOrStore(k, st); loaded {
			st.Close()
		}
	}
	preparedPools.Store(pool, true)
}

// txStmt returns tx's view of the cached statement for query, or nil when
// ctx carries no pool or the query is not prepared (it then runs unprepared).
func txStmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	pool, _ := ctx.Value(poolKey{}).(*sql.DB)
	if pool == nil {
		return nil
	}
	s, ok := preparedStmts.Load(stmtKey{pool, query})
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, s.(*sql.Stmt))
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
