// Package store is the portal's domain: its types, its rules (pricing,
// workflow, permissions) and their persistence in SQLite.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the portal database: one writer connection, so writes queue in Go
// rather than contend in SQLite, and a pool of read-only connections.
type DB struct {
	w, r *sql.DB
	path string
	// stmts are the basket write path's statements, prepared on the writer.
	stmts *stmts
	// search caches the catalogue index and results by catalogue version.
	search searchCache
	// stopIndexer ends the search indexer (search_index.go), at Close.
	stopIndexer context.CancelFunc
	// versions are the data versions as this process knows them
	// (versions.go); versionsStmt reads them inside a write transaction.
	versions     versionsState
	versionsStmt *sql.Stmt
	// refs caches agreements and categories by catalogue version.
	refs atomic.Pointer[refs]
	// rstmts are read queries prepared on the reader pool, by text (readStmt).
	rstmts sync.Map
	// accountKey keys AccountTag (the secrets row 'log_hmac').
	accountKey []byte
	// stats are counters for the server's metrics (stats.go).
	stats dbStats
	// Now is the clock; tests replace it.
	Now func() time.Time
	// ReviewSLA is the review service level (DefaultSLA unless configured).
	ReviewSLA SLA
}

// Open opens (creating with mode 0600 if needed) and migrates the database at path.
func Open(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	// The database holds password hashes and session keys: owner-only.
	// SQLite creates the -wal and -shm files with the main file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database file: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		// -wal and -shm left by an earlier run may have looser modes.
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("restrict database file: %w", err)
		}
	}

	pragmas := "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	w, err := sql.Open("sqlite", base+"?_txlock=immediate&"+pragmas)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{w: w, path: path, stmts: newStmts(), Now: time.Now, ReviewSLA: DefaultSLA}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if db.accountKey, err = loadSecret(ctx, w, "log_hmac"); err != nil {
		w.Close()
		return nil, err
	}
	db.stmts = prepareStmts(ctx, w)
	if db.versionsStmt, err = w.PrepareContext(ctx, versionsQuery); err != nil {
		w.Close()
		return nil, fmt.Errorf("prepare data versions query: %w", err)
	}
	r, err := sql.Open("sqlite", base+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.r = r
	db.search.gate.init(n)
	if err := db.RefreshVersions(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("read data versions: %w", err)
	}
	// The indexer lives as long as the database handle: no request's
	// context can cancel a rebuild.
	life, stop := context.WithCancel(context.Background())
	db.stopIndexer = stop
	db.startIndexer(life)
	return db, nil
}

// Close closes both pools, checkpointing the WAL. The checkpoint does not
// wait for readers in other processes: Litestream keeps a read transaction
// open on a replicated database, and waiting for it would only add the busy
// timeout to every shutdown (the WAL then stays for the next start).
func (db *DB) Close() error {
	var errs []error
	if db.stopIndexer != nil {
		db.stopIndexer()
		<-db.search.ix.done
	}
	db.rstmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	db.stmts.close()
	if _, err := db.w.Exec("PRAGMA busy_timeout = 0"); err != nil {
		errs = append(errs, err)
	}
	if _, err := db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// Ping reports whether the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Backup writes a consistent copy of the database to path (mode 0600).
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return Errorf(EINVALID, "%s already exists; choose a new file", path)
	}
	// Create the file owner-only before SQLite writes into it (VACUUM INTO
	// accepts an empty file), so the copy is never readable by others.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// write runs fn in one IMMEDIATE transaction on the writer connection.
// The data versions it leaves (bumped by triggers when it changed data that
// pages show) are published when it commits, so this process's caches never
// serve a page older than its own last write.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	start := time.Now()
	tx, err := db.w.BeginTx(ctx, nil)
	db.stats.writeWaited(time.Since(start))
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	var v Versions
	if db.versionsStmt != nil { // nil while migrating
		if v, err = scanVersions(tx.StmtContext(ctx, db.versionsStmt).QueryRowContext(ctx)); err != nil {
			return fmt.Errorf("read data versions: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.publishVersions(v)
	return nil
}

// read runs fn in one read transaction (a consistent snapshot).
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// migrate applies the embedded migrations newer than PRAGMA user_version,
// each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var current int
	if err := db.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		if n <= current {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		current = n
	}
	return nil
}

// SchemaVersion returns the number of the last applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
