package store

// portal check and portal restore (PRODUCT.md §10): verify a database file
// — SQLite's own integrity and foreign-key checks, and every issued quote
// recomputed from its own snapshot with the pricing rules — and replace the
// live database with a checked backup.

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Finding is one problem that CheckFile found.
type Finding struct {
	Check  string // "integrity", "foreign keys", "schema", "quotes", "approvals", "award totals"
	Detail string
}

func (f Finding) String() string { return f.Check + ": " + f.Detail }

// CheckReport is what CheckFile found, and what it looked at.
type CheckReport struct {
	SchemaVersion int
	Quotes        int // quote versions recomputed
	Findings      []Finding
}

// OK reports whether the check found nothing wrong.
func (r CheckReport) OK() bool { return len(r.Findings) == 0 }

// maxFindings bounds what one check reports per kind (a badly damaged file
// can have thousands).
const maxFindings = 100

// CheckFile verifies the database file at path without changing it: it
// must be an SQLite database that passes integrity_check and
// foreign_key_check, of a schema this portal knows, and every issued quote
// version must recompute, line by line and in total, from its own snapshot
// to the figures it was issued with. A damaged file is a finding, not an
// error; an error means the check could not run (no such file, say). The
// database may be in use by a server meanwhile.
func CheckFile(ctx context.Context, path string) (CheckReport, error) {
	var rep CheckReport
	if _, err := os.Stat(path); err != nil {
		return rep, err
	}
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return rep, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	add := func(check, format string, args ...any) {
		rep.Findings = append(rep.Findings, Finding{Check: check, Detail: fmt.Sprintf(format, args...)})
	}

	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&rep.SchemaVersion); err != nil {
		add("integrity", "not a readable SQLite database: %v", err)
		return rep, nil
	}
	if latest := newestMigration(); rep.SchemaVersion > latest {
		add("schema", "schema version %d is newer than this portal's %d: use the portal that wrote it", rep.SchemaVersion, latest)
	}
	rows, more, err := pragmaRows(ctx, conn, "PRAGMA integrity_check("+strconv.Itoa(maxFindings)+")")
	switch {
	case err != nil:
		add("integrity", "%v", err)
	case len(rows) == 1 && rows[0][0] == "ok":
	default:
		for _, r := range rows {
			add("integrity", "%s", r[0])
		}
	}
	if len(rep.Findings) > 0 || more > 0 {
		return rep, nil // a damaged file: the rest would only repeat it
	}
	rows, more, err = pragmaRows(ctx, conn, "PRAGMA foreign_key_check")
	if err != nil {
		add("foreign keys", "%v", err)
	}
	for _, r := range rows {
		add("foreign keys", "%s row %s refers to a %s row that does not exist", r[0], r[1], r[2])
	}
	if more > 0 {
		add("foreign keys", "and %d more", more)
	}
	checkQuotes(ctx, conn, &rep, add)
	checkApprovals(ctx, conn, add)
	checkSavingsCategories(ctx, conn, add)
	checkAwardDays(ctx, conn, add)
	return rep, nil
}

// awardDayKey is one row of award_day_totals: a UK day, an agreement, a
// value band.
type awardDayKey struct {
	Day       string
	Agreement int64
	Band      string
}

// awardDaySums is what award_day_totals holds for one key.
type awardDaySums struct {
	Awards                         int64
	List, Net, VAT, Gross, Savings int64
}

// checkAwardDays recomputes the register's day totals (award_day_totals,
// kept by triggers) from the approved quote versions, with the Go rules
// for the UK day (Europe/London) and the value band, and reports every row
// that differs.
func checkAwardDays(ctx context.Context, conn *sql.DB, add func(string, string, ...any)) {
	var has bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'award_day_totals')`).Scan(&has); err != nil || !has {
		return // a database from before the day totals existed
	}
	want := map[awardDayKey]awardDaySums{}
	rows, err := conn.QueryContext(ctx, `SELECT v.decided_at, q.agreement_id, v.list_total_pence, v.net_total_pence, v.vat_pence,
		v.gross_total_pence, v.savings_pence FROM quote_versions v JOIN quotes q ON q.id = v.quote_id WHERE v.status = 'approved'`)
	if err != nil {
		add("award totals", "%v", err)
		return
	}
	for rows.Next() {
		var at string
		var k awardDayKey
		var s awardDaySums
		if err := rows.Scan(&at, &k.Agreement, &s.List, &s.Net, &s.VAT, &s.Gross, &s.Savings); err != nil {
			rows.Close()
			add("award totals", "%v", err)
			return
		}
		k.Day, k.Band = parseTimestamp(at).In(London).Format(time.DateOnly), valueBand(s.Gross)
		w := want[k]
		want[k] = awardDaySums{w.Awards + 1, w.List + s.List, w.Net + s.Net, w.VAT + s.VAT, w.Gross + s.Gross, w.Savings + s.Savings}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		add("award totals", "%v", err)
		return
	}
	got := map[awardDayKey]awardDaySums{}
	rows, err = conn.QueryContext(ctx, `SELECT day, agreement_id, band, awards, list_pence, net_pence, vat_pence, gross_pence, savings_pence
		FROM award_day_totals`)
	if err != nil {
		add("award totals", "%v", err)
		return
	}
	for rows.Next() {
		var k awardDayKey
		var s awardDaySums
		if err := rows.Scan(&k.Day, &k.Agreement, &k.Band, &s.Awards, &s.List, &s.Net, &s.VAT, &s.Gross, &s.Savings); err != nil {
			rows.Close()
			add("award totals", "%v", err)
			return
		}
		got[k] = s
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		add("award totals", "%v", err)
		return
	}
	var keys []awardDayKey
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b awardDayKey) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Agreement, b.Agreement), cmp.Compare(a.Band, b.Band))
	})
	bad := 0
	for _, k := range keys {
		if got[k] == want[k] {
			continue
		}
		if bad++; bad <= maxFindings {
			add("award totals", "%s, agreement %d, band %s: the register's day totals hold %s, the approved quotes add up to %s",
				k.Day, k.Agreement, k.Band, got[k], want[k])
		}
	}
	if bad > maxFindings {
		add("award totals", "and %d more", bad-maxFindings)
	}
}

func (s awardDaySums) String() string {
	return fmt.Sprintf("%d awards (list %d, net %d, VAT %d, gross %d, savings %d pence)", s.Awards, s.List, s.Net, s.VAT, s.Gross, s.Savings)
}

// pragmaRows runs a checking pragma and returns its first maxFindings rows
// as text, and how many more there were.
func pragmaRows(ctx context.Context, conn *sql.DB, pragma string) (out [][]string, more int, err error) {
	rows, err := conn.QueryContext(ctx, pragma)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, 0, err
	}
	for rows.Next() {
		if len(out) == maxFindings {
			more++
			continue
		}
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return out, more, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, more, rows.Err()
}

// checkQuotes recomputes every issued quote version from its snapshot.
func checkQuotes(ctx context.Context, conn *sql.DB, rep *CheckReport, add func(string, string, ...any)) {
	var has bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'quote_versions')`).Scan(&has); err != nil || !has {
		return // a database from before quotes existed
	}
	rows, err := conn.QueryContext(ctx, `SELECT q.ref, v.version, v.inlife_bp, v.list_total_pence, v.net_total_pence, v.vat_pence,
		v.gross_total_pence, v.savings_pence, v.approvals_needed, v.snapshot
		FROM quote_versions v JOIN quotes q ON q.id = v.quote_id ORDER BY q.ref, v.version`)
	if err != nil {
		add("quotes", "%v", err)
		return
	}
	defer rows.Close()
	bad := 0
	for rows.Next() {
		var ref, body string
		var version, needed int
		var inlifeBP int64
		var cols Totals
		if err := rows.Scan(&ref, &version, &inlifeBP, &cols.ListPence, &cols.NetPence, &cols.VATPence, &cols.GrossPence, &cols.SavingsPence, &needed, &body); err != nil {
			add("quotes", "%v", err)
			return
		}
		rep.Quotes++
		problems := recomputeQuote(body, inlifeBP, cols, needed)
		for _, p := range problems {
			if bad++; bad <= maxFindings {
				add("quotes", "%s v%d: %s", ref, version, p)
			}
		}
	}
	if err := rows.Err(); err != nil {
		add("quotes", "%v", err)
	}
	if bad > maxFindings {
		add("quotes", "and %d more", bad-maxFindings)
	}
}

// recomputeQuote prices a quote version's snapshot again and lists every
// figure that differs from what was issued.
func recomputeQuote(body string, inlifeBP int64, cols Totals, needed int) (problems []string) {
	defer func() {
		if r := recover(); r != nil { // PriceLine panics on figures beyond int64
			problems = append(problems, fmt.Sprintf("figures out of range: %v", r))
		}
	}()
	var snap QuoteSnapshot
	if err := json.Unmarshal([]byte(body), &snap); err != nil {
		return []string{"snapshot is not readable JSON: " + err.Error()}
	}
	if snap.Inlife.Tier.BP != inlifeBP {
		problems = append(problems, fmt.Sprintf("in-life rate %d bp in the snapshot, %d bp on the version", snap.Inlife.Tier.BP, inlifeBP))
	}
	var prices []LinePrice
	for i, l := range snap.Lines {
		p := PriceLine(LineInput{MonthlyPence: l.MonthlyPence, OneOffPence: l.OneOffPence, MouBP: l.MouBP, InlifeBP: inlifeBP,
			Quantity: l.Quantity, TermMonths: l.TermMonths})
		if p != l.Price {
			problems = append(problems, fmt.Sprintf("line %d (%s) was issued as %s and recomputes to %s", i+1, l.OfferingSlug, priceString(l.Price), priceString(p)))
		}
		prices = append(prices, p)
	}
	t := PriceTotals(prices)
	if t != snap.Totals {
		problems = append(problems, fmt.Sprintf("snapshot totals %s recompute to %s", totalsString(snap.Totals), totalsString(t)))
	}
	cols.MouPence, cols.InlifePence = t.MouPence, t.InlifePence // not stored as columns
	if cols != t {
		problems = append(problems, fmt.Sprintf("stored totals %s recompute to %s", totalsString(cols), totalsString(t)))
	}
	if want := approvalsFor(t.GrossPence); needed != want {
		problems = append(problems, fmt.Sprintf("needs %d approvals, but a gross of %s needs %d", needed, FormatPence(t.GrossPence), want))
	}
	return problems
}

// approvalsFor is how many reviewers must approve a quote of this gross total.
func approvalsFor(grossPence int64) int {
	if grossPence >= TwoApproverGrossPence {
		return 2
	}
	return 1
}

func priceString(p LinePrice) string {
	return fmt.Sprintf("list %d, MoU %d, in-life %d, net %d pence", p.ListPence, p.MouPence, p.InlifePence, p.NetPence)
}

func totalsString(t Totals) string {
	return fmt.Sprintf("(list %d, net %d, VAT %d, gross %d, savings %d pence)", t.ListPence, t.NetPence, t.VATPence, t.GrossPence, t.SavingsPence)
}

// newestMigration is the number of the newest embedded migration.
func newestMigration() int {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	newest := 0
	for _, name := range names {
		n, _ := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		newest = max(newest, n)
	}
	return newest
}

// ErrBackupFails is returned by Restore when the backup does not pass CheckFile.
var ErrBackupFails = errors.New("the backup does not pass the check")

// RestoreResult is what Restore did.
type RestoreResult struct {
	Check CheckReport
	// Aside is where the database that was replaced now is ("" when there
	// was none); its -wal and -shm, if any, moved with it.
	Aside string
}

// Restore replaces the database at dbPath with the backup at from. It takes
// the database's lock first (so no server can be using it, or start while
// it works), checks the backup (ErrBackupFails, changing nothing, when it
// does not pass), copies it beside the database with VACUUM INTO (a clean,
// consistent file, whatever WAL the backup had), moves the old database and
// its -wal and -shm aside as PATH.before-restore-TIME, puts the copy in its
// place and checks it there.
func Restore(ctx context.Context, from, dbPath string, now time.Time) (RestoreResult, error) {
	var res RestoreResult
	lock, err := LockDatabase(dbPath)
	if err != nil {
		return res, err
	}
	defer lock.Unlock()
	if res.Check, err = CheckFile(ctx, from); err != nil {
		return res, err
	}
	if !res.Check.OK() {
		return res, ErrBackupFails
	}
	tmp := dbPath + ".restoring"
	os.Remove(tmp) // a leftover of an interrupted restore
	if err := vacuumInto(ctx, from, tmp); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("copy the backup: %w", err)
	}
	if _, err := os.Stat(dbPath); err == nil {
		res.Aside = dbPath + ".before-restore-" + now.UTC().Format("20060102T150405Z")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dbPath+suffix, res.Aside+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return res, fmt.Errorf("move the old database aside: %w", err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return res, err
	}
	if d, err := os.Open(filepath.Dir(dbPath)); err == nil {
		d.Sync() // the renames survive a crash
		d.Close()
	}
	after, err := CheckFile(ctx, dbPath)
	if err != nil {
		return res, err
	}
	if !after.OK() {
		return res, fmt.Errorf("the restored database does not pass the check: %v", after.Findings)
	}
	return res, nil
}

// vacuumInto writes a consistent copy of the database at from to the new
// file to (mode 0600), reading from as it is, without changing it.
func vacuumInto(ctx context.Context, from, to string) error {
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	conn, err := sql.Open("sqlite", "file:"+(&url.URL{Path: from}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", to)
	return err
}
