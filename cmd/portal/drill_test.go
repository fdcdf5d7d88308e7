package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portal/store"
)

// copyFile copies a database file (closed, checkpointed) to a new path.
func copyFile(t *testing.T, from string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}

// tamper runs SQL on a database file directly, as damage from outside the
// portal would: with foreign keys off and the immutability triggers gone.
func tamper(t *testing.T, path string, stmts ...string) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, s := range stmts {
		if _, err := conn.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// corrupt overwrites the first bytes of the offerings table's root page, as
// a failing disk would.
func corrupt(t *testing.T, path string) {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	if err := conn.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'offerings'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	conn.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	conn.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", 64))
	if _, err := f.WriteAt(garbage, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

// exitStatus is the status main would exit with for err.
func exitStatus(err error) int {
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	}
	return 2
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	demo := demoDB(t)
	firstQuote := `(SELECT min(id) FROM quote_versions)`
	tests := []struct {
		name     string
		damage   func(t *testing.T, path string)
		wantCode int
		want     *regexp.Regexp
	}{
		{"the demo database passes, every quote recomputed", nil, 0,
			regexp.MustCompile(`(?m)^ok   .*: schema version \d+, SQLite integrity and foreign keys, [1-9]\d* issued quote versions recomputed from their snapshots$`)},
		{"a stored total that does not add up", func(t *testing.T, p string) {
			tamper(t, p, `DROP TRIGGER quote_versions_immutable`, `UPDATE quote_versions SET net_total_pence = net_total_pence + 1 WHERE id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL quotes: Q-\d{4}-\d{6} v1: stored totals \(list \d+, net \d+,.*recompute to`)},
		{"a snapshot line whose figures are not its price", func(t *testing.T, p string) {
			tamper(t, p, `DROP TRIGGER quote_versions_immutable`,
				`UPDATE quote_versions SET snapshot = json_set(snapshot, '$.lines[0].quantity', json_extract(snapshot, '$.lines[0].quantity') + 1) WHERE id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL quotes: Q-\d{4}-\d{6} v1: line 1 \([a-z0-9-]+\) was issued as list \d+.* and recomputes to list \d+`)},
		{"a quote that needs the wrong number of approvals", func(t *testing.T, p string) {
			tamper(t, p, `DROP TRIGGER quote_versions_immutable`, `UPDATE quote_versions SET approvals_needed = 3 - approvals_needed WHERE id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL quotes: .* needs [12] approvals, but a gross of £[\d,.]+ needs [12]$`)},
		{"an approval count that is not the approvals", func(t *testing.T, p string) {
			tamper(t, p, `UPDATE quote_versions SET approvals = approvals + 1 WHERE id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL approvals: Q-\d{4}-\d{6} v1 counts [1-9] approvals but has \d$`)},
		{"an approved quote short of its approvals", func(t *testing.T, p string) {
			tamper(t, p, `DROP TRIGGER quote_approvals_no_delete`, `DELETE FROM quote_approvals WHERE quote_version_id = `+firstQuote,
				`UPDATE quote_versions SET approvals = 0 WHERE id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL approvals: Q-\d{4}-\d{6} v1 is approved with 0 of the [12] approvals it needs$`)},
		{"savings by category that do not add up to the quote", func(t *testing.T, p string) {
			tamper(t, p, `UPDATE quote_version_categories SET savings_pence = savings_pence + 1 WHERE quote_version_id = `+firstQuote)
		}, 1, regexp.MustCompile(`(?m)^FAIL savings: Q-\d{4}-\d{6} v1: its lines by category add up to list \d+, net \d+, savings \d+, but its totals are \d+, \d+, \d+$`)},
		{"a row whose parent is missing", func(t *testing.T, p string) {
			tamper(t, p, `INSERT INTO basket_lines (basket_id, offering_id, quantity, term_months) VALUES (999999, 1, 1, 12)`)
		}, 1, regexp.MustCompile(`(?m)^FAIL foreign keys: basket_lines row \d+ refers to a baskets row that does not exist$`)},
		{"a damaged page", corrupt, 1, regexp.MustCompile(`(?m)^FAIL integrity: `)},
		{"a file that is not a database", func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(strings.Repeat("not a database\n", 500)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, 1, regexp.MustCompile(`(?m)^FAIL integrity: `)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := copyFile(t, demo)
			if tt.damage != nil {
				tt.damage(t, path)
			}
			out, errOut, err := runCLI("check", "-db", path)
			if got := exitStatus(err); got != tt.wantCode {
				t.Fatalf("exit status %d, want %d (err %v)\n%s%s", got, tt.wantCode, err, out, errOut)
			}
			if !tt.want.MatchString(out) {
				t.Fatalf("output does not match %s:\n%s", tt.want, out)
			}
		})
	}
	t.Run("a missing file is an error, not a pass", func(t *testing.T) {
		_, _, err := runCLI("check", "-db", filepath.Join(t.TempDir(), "nope.db"))
		if exitStatus(err) != 2 || !strings.Contains(err.Error(), "no such file") {
			t.Fatalf("err %v, want exit 2 saying there is no such file", err)
		}
	})
}

// TestBackupRestoreDrill is the operator's drill: back up a live portal,
// lose data, restore the backup (refused while the server runs, and refused
// for a damaged backup), check it, and serve it again.
func TestBackupRestoreDrill(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "portal.db")
	p, err := launchPortal(withDB(dbPath), withDemo())
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()

	t.Run("a second server refuses the database", func(t *testing.T) {
		_, errOut, err := runCLI("serve", "-addr", "127.0.0.1:0", "-db", dbPath)
		if err == nil || !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
			t.Fatalf("second serve: err %v, stderr %q; want it refused naming the server's process", err, errOut)
		}
	})

	backup := filepath.Join(dir, "backup.db")
	if _, errOut, err := runCLI("backup", "-db", dbPath, "-to", backup); err != nil {
		t.Fatalf("backup of the live database: %v\n%s", err, errOut)
	}
	// After the backup: an account added, which the restore must undo.
	if _, _, err := runCLI("check", "-db", backup); err != nil {
		t.Fatalf("the fresh backup fails the check: %v", err)
	}
	addUser(t, dbPath, "after.backup@example.gov.uk")

	t.Run("restore is refused while the server runs", func(t *testing.T) {
		_, errOut, err := runCLI("restore", "-db", dbPath, "-from", backup)
		if exitStatus(err) != 1 || !strings.Contains(errOut, "refused") || !strings.Contains(errOut, "Stop the server first") {
			t.Fatalf("restore under a running server: exit %d, stderr %q", exitStatus(err), errOut)
		}
		if !hasUser(t, dbPath, "after.backup@example.gov.uk") {
			t.Fatal("the refused restore changed the database")
		}
	})
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}

	t.Run("a damaged backup is refused and changes nothing", func(t *testing.T) {
		damaged := copyFile(t, backup)
		corrupt(t, damaged)
		out, errOut, err := runCLI("restore", "-db", dbPath, "-from", damaged)
		if exitStatus(err) != 1 || !strings.Contains(out, "FAIL integrity") || !strings.Contains(errOut, "does not pass the check; nothing was changed") {
			t.Fatalf("restore of a damaged backup: exit %d\n%s%s", exitStatus(err), out, errOut)
		}
		if !hasUser(t, dbPath, "after.backup@example.gov.uk") {
			t.Fatal("the refused restore changed the database")
		}
	})

	out, errOut, err := runCLI("restore", "-db", dbPath, "-from", backup)
	if err != nil {
		t.Fatalf("restore: %v\n%s%s", err, out, errOut)
	}
	m := regexp.MustCompile(`the database it replaced is kept as (\S+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "restored "+backup+" to "+dbPath) {
		t.Fatalf("restore output %q", out)
	}
	if _, _, err := runCLI("check", "-db", dbPath); err != nil {
		t.Fatalf("check after the restore: %v", err)
	}
	if hasUser(t, dbPath, "after.backup@example.gov.uk") {
		t.Fatal("the restored database has the account added after the backup")
	}
	if !hasUser(t, m[1], "after.backup@example.gov.uk") {
		t.Fatal("the replaced database, kept aside, lost the account added after the backup")
	}

	// The restored database serves: the demo buyer signs in.
	p2 := startPortal(t, withDB(dbPath))
	c := e2eClient(t)
	_, body := e2eGet(t, c, p2.url+"/login")
	resp, _ := e2ePost(t, c, p2.url+"/login", url.Values{"_csrf": {formToken(t, body, "/login")}, "email": {"buyer@northshire.example"}, "password": {store.DemoPasswordDefault}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on the restored database: %d", resp.StatusCode)
	}
}

// addUser adds an admin account with the CLI (safe beside a running server).
func addUser(t *testing.T, dbPath, email string) {
	t.Helper()
	var out, errOut strings.Builder
	err := runUser(context.Background(), []string{"add", "-db", dbPath, "-email", email, "-name", "After Backup",
		"-org", "Crown Commercial Service", "-role", "admin"}, strings.NewReader("sorrel kettle umbrella\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("add %s: %v\n%s", email, err, errOut.String())
	}
}

// hasUser reports whether the database at path has an account for email.
func hasUser(t *testing.T, path, email string) bool {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}
