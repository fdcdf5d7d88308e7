package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portal/store"
)

// runCLI runs the portal command line in-process and returns what it wrote.
func runCLI(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// countOfferings opens the database at path and counts its active offerings.
func countOfferings(t *testing.T, path string) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	res, err := db.SearchOfferings(ctx, store.SearchParams{MaxMonthly: -1, PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

// demoDB creates a database holding the demo data set and returns its path.
func demoDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "portal.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadDemo(ctx, "portal-demo-pass"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new", "portal.db")
	out, errOut, err := runCLI("migrate", "-db", path)
	if err != nil {
		t.Fatalf("portal migrate: %v\n%s", err, errOut)
	}
	m := regexp.MustCompile(`schema version (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output: got %q, want the schema version", out)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("database file: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("database mode: got %o, want 600", got)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(ctx)
	db.Close()
	if err != nil || strconv.Itoa(v) != m[1] || v < 1 {
		t.Errorf("schema version: the database says %d (%v), the command said %s", v, err, m[1])
	}
	t.Run("again changes nothing", func(t *testing.T) {
		out2, _, err := runCLI("migrate", "-db", path)
		if err != nil || out2 != out {
			t.Errorf("second migrate: got %q, %v; want %q", out2, err, out)
		}
	})
}

func TestSeedCommand(t *testing.T) {
	t.Parallel()
	path := demoDB(t)
	before := countOfferings(t, path)
	out, errOut, err := runCLI("seed", "-offerings", "200", "-db", path)
	if err != nil {
		t.Fatalf("portal seed: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "added 200 offerings") {
		t.Errorf("output: got %q, want it to say 200 were added", out)
	}
	if after := countOfferings(t, path); after != before+200 {
		t.Errorf("offerings: got %d after seeding, want %d + 200", after, before)
	}
	t.Run("baskets awaiting review", func(t *testing.T) {
		out, errOut, err := runCLI("seed", "-baskets", "30", "-db", path)
		if err != nil || !strings.Contains(out, "added 30 baskets awaiting review") {
			t.Fatalf("portal seed -baskets: %q %v\n%s", out, err, errOut)
		}
	})
	t.Run("approved quotes", func(t *testing.T) {
		out, errOut, err := runCLI("seed", "-awards", "20", "-db", path)
		if err != nil || !strings.Contains(out, "added 20 approved quotes") {
			t.Fatalf("portal seed -awards: %q %v\n%s", out, err, errOut)
		}
		db, err := store.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sum, err := db.AwardsSummary(context.Background(), store.AwardQuery{})
		if err != nil || sum.Count != 3+20 { // the demo's three and the seeded
			t.Fatalf("awards after seeding: %d (%v), want 23", sum.Count, err)
		}
	})
	t.Run("an empty catalogue cannot be seeded", func(t *testing.T) {
		_, _, err := runCLI("seed", "-offerings", "5", "-db", filepath.Join(t.TempDir(), "empty.db"))
		if err == nil || !strings.Contains(err.Error(), "no agreements") {
			t.Errorf("got %v, want an error saying there are no agreements", err)
		}
	})
}

func TestBackupCommand(t *testing.T) {
	t.Parallel()
	path := demoDB(t)
	want := countOfferings(t, path)
	to := filepath.Join(t.TempDir(), "backup.db")
	out, errOut, err := runCLI("backup", "-db", path, "-to", to)
	if err != nil {
		t.Fatalf("portal backup: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, to) {
		t.Errorf("output: got %q, want it to name %s", out, to)
	}
	fi, err := os.Stat(to)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("backup mode: got %o, want 600", got)
	}
	if got := countOfferings(t, to); got != want {
		t.Errorf("offerings in the backup: got %d, want %d", got, want)
	}
	t.Run("an existing file is refused and kept", func(t *testing.T) {
		existing := filepath.Join(t.TempDir(), "existing.db")
		if err := os.WriteFile(existing, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := runCLI("backup", "-db", path, "-to", existing)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("got %v, want an error saying the file already exists", err)
		}
		if b, _ := os.ReadFile(existing); string(b) != "precious" {
			t.Errorf("existing file: got %q, want it untouched", b)
		}
	})
}

func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "portal.db")
	for _, tc := range []struct {
		name string
		args []string
		want string // in standard error
		// noUsage: the command explains the one problem without the usage.
		noUsage bool
	}{
		{"no command", nil, "Usage:", false},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`, false},
		{"unknown serve flag", []string{"serve", "-bogus", "-db", db}, "flag provided but not defined: -bogus", false},
		{"serve flag without its value", []string{"serve", "-addr"}, "flag needs an argument: -addr", false},
		{"bad trusted proxy", []string{"serve", "-db", db, "-trusted-proxies", "10.0.0.1"}, "is not a CIDR range", false},
		{"no room for the page cache", []string{"serve", "-db", db, "-page-cache-mb", "0"}, "-page-cache-mb must be at least 1", false},
		{"negative memory limit", []string{"serve", "-db", db, "-memory-limit-mb", "-5"}, "-memory-limit-mb must be 0 (no limit)", false},
		{"unknown migrate flag", []string{"migrate", "-nope"}, "flag provided but not defined: -nope", false},
		{"seed without a count", []string{"seed", "-db", db}, "give -offerings N, -baskets N or -awards N", false},
		{"seed with a negative count", []string{"seed", "-db", db, "-offerings", "-3"}, "give -offerings N, -baskets N or -awards N", false},
		{"seed with a word for a count", []string{"seed", "-db", db, "-offerings", "many"}, "invalid value", false},
		{"backup without a file", []string{"backup", "-db", db}, "-to FILE is required", false},
		{"migrate with a stray argument", []string{"migrate", "-db", db, "extra"}, `unexpected argument "extra"`, false},
		{"serve with a stray argument", []string{"serve", "-db", db, "8080"}, `unexpected argument "8080"`, false},
	} {
		t.Run(tc.name+" prints usage and fails", func(t *testing.T) {
			out, errOut, err := runCLI(tc.args...)
			if err == nil {
				t.Fatalf("got no error, want one")
			}
			if !errors.Is(err, flag.ErrHelp) && !strings.Contains(err.Error(), "flag") {
				t.Errorf("got error %v, want flag.ErrHelp or a flag error", err)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("standard error: got %q, want it to contain %q", errOut, tc.want)
			}
			if !tc.noUsage && (!strings.Contains(errOut, "Usage") || !strings.Contains(errOut, "portal serve")) {
				t.Errorf("standard error: got %q, want the usage", errOut)
			}
			if out != "" {
				t.Errorf("standard output: got %q, want nothing", out)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a bad command line created %s, want nothing created", db)
	}
	t.Run("help prints usage to standard output", func(t *testing.T) {
		out, _, err := runCLI("help")
		if err != nil || !strings.Contains(out, "portal backup") {
			t.Errorf("got %q, %v; want the usage and no error", out, err)
		}
	})
}

// The soft memory limit `portal serve` sets: the flag plus the response
// cache, none when the operator set GOMEMLIMIT or asked for none.
func TestSoftMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		gomemlimit string
		wantMiB    int64
	}{
		{"default", nil, "", 72 + 8},
		{"bigger response cache", []string{"-page-cache-mb", "32"}, "", 72 + 32},
		{"flag", []string{"-memory-limit-mb", "200"}, "", 200 + 8},
		{"no limit", []string{"-memory-limit-mb", "0"}, "", 0},
		{"GOMEMLIMIT wins", []string{"-memory-limit-mb", "200"}, "1GiB", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, err := parseServe(append([]string{"-db", filepath.Join(t.TempDir(), "p.db")}, tc.args...), &stderr)
			if err != nil {
				t.Fatalf("parseServe: %v\n%s", err, stderr.String())
			}
			if got := softMemoryLimit(cfg, tc.gomemlimit); got != tc.wantMiB<<20 {
				t.Errorf("limit: got %d bytes, want %d MiB", got, tc.wantMiB)
			}
		})
	}
}
