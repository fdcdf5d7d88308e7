package store

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// latestMigration is the number of the newest embedded migration.
func latestMigration(t *testing.T) int {
	t.Helper()
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("embedded migrations: got %v, %v", names, err)
	}
	latest := 0
	for _, name := range names {
		n, err := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: name does not start with a number", name)
		}
		latest = max(latest, n)
	}
	return latest
}

func TestOpenMigrates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub dir", "portal #1?.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open on a new path with spaces, # and ?: %v", err)
	}
	want := latestMigration(t)
	if v, err := db.SchemaVersion(ctx); err != nil || v != want {
		t.Errorf("schema version: got %d, %v; want %d", v, err, want)
	}
	if err := db.LoadCatalogue(ctx, fixtureCatalogue()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v, want it at exactly %s", err, path)
	}

	t.Run("opening again changes nothing", func(t *testing.T) {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("second Open: %v", err)
		}
		defer db.Close()
		if v, _ := db.SchemaVersion(ctx); v != want {
			t.Errorf("schema version: got %d, want %d", v, want)
		}
		if got := search(t, db, everything()).Total; got != 10 {
			t.Errorf("offerings: got %d, want the 10 loaded before", got)
		}
	})
	t.Run("files are owner-only", func(t *testing.T) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("mode: got %o, want 600", got)
		}
		if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("created directory: got %v, %v; want mode 700", fi.Mode().Perm(), err)
		}
	})
}

func TestConnectionSettings(t *testing.T) {
	db, ctx := openTestDB(t)
	for _, tc := range []struct {
		name, pragma, want string
	}{
		{"writer uses WAL", "journal_mode", "wal"},
		{"writer enforces foreign keys", "foreign_keys", "1"},
		{"writer waits when busy", "busy_timeout", "5000"},
		{"writer syncs NORMAL", "synchronous", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if err := db.w.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&got); err != nil || got != tc.want {
				t.Errorf("PRAGMA %s: got %q, %v; want %q", tc.pragma, got, err, tc.want)
			}
		})
	}
	t.Run("reader enforces foreign keys and is read-only", func(t *testing.T) {
		var fk, qo string
		if err := db.r.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != "1" {
			t.Errorf("reader foreign_keys: got %q, %v; want 1", fk, err)
		}
		if err := db.r.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil || qo != "1" {
			t.Errorf("reader query_only: got %q, %v; want 1", qo, err)
		}
		if _, err := db.r.ExecContext(ctx, "INSERT INTO suppliers (slug, name) VALUES ('x', 'X')"); err == nil {
			t.Errorf("insert through the reader: got no error, want it refused")
		}
	})
	t.Run("a foreign key violation is refused", func(t *testing.T) {
		if _, err := db.w.ExecContext(ctx, "INSERT INTO agreements (slug, ccs_ref, title, supplier_id, starts_on, ends_on) VALUES ('a', 'r', 't', 999, '2025-01-01', '2026-01-01')"); err == nil {
			t.Errorf("agreement with no supplier: got no error, want a foreign key error")
		}
	})
	t.Run("ping answers", func(t *testing.T) {
		if err := db.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
}

func TestBackup(t *testing.T) {
	db, ctx := openFixtureDB(t)
	dir := t.TempDir()
	to := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, to); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	fi, err := os.Stat(to)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("backup mode: got %o, want 600", got)
	}
	t.Run("the copy is a whole database", func(t *testing.T) {
		cp, err := Open(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		defer cp.Close()
		if got := search(t, cp, SearchParams{Query: "ethernet", MaxMonthly: -1}).Total; got != 3 {
			t.Errorf("search in the copy: got %d, want 3 (the FTS index is copied too)", got)
		}
		if got := search(t, cp, everything()).Total; got != 10 {
			t.Errorf("offerings in the copy: got %d, want 10", got)
		}
	})
	t.Run("an existing file is never overwritten", func(t *testing.T) {
		existing := filepath.Join(dir, "existing.db")
		if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
		err := db.Backup(ctx, existing)
		if ErrorCode(err) != EINVALID {
			t.Errorf("got %v, want EINVALID", err)
		}
		if b, _ := os.ReadFile(existing); string(b) != "keep me" {
			t.Errorf("existing file: got %q, want it untouched", b)
		}
	})
}

func TestCloseCheckpoints(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCatalogue(ctx, fixtureCatalogue()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("WAL after Close: got %d bytes, want none (checkpointed)", fi.Size())
	}
}
