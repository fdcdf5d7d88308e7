package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// auditRow is the newest audit row, read straight from the table, and the
// number of rows.
type auditRow struct {
	n                                    int
	action, subject, from, to, actorName string
	actorID, orgID, subjectID            sql.NullInt64
	quoteVersion                         sql.NullInt64
	details                              string
}

func readAudit(t testing.TB, db *DB) auditRow {
	t.Helper()
	var r auditRow
	if err := db.r.QueryRow(`SELECT count(*) FROM audit_events`).Scan(&r.n); err != nil {
		t.Fatal(err)
	}
	if r.n == 0 {
		return r
	}
	err := db.r.QueryRow(`SELECT action, subject_kind, subject_id, from_state, to_state, actor_name, actor_id, org_id, quote_version, details
		FROM audit_events ORDER BY id DESC LIMIT 1`).
		Scan(&r.action, &r.subject, &r.subjectID, &r.from, &r.to, &r.actorName, &r.actorID, &r.orgID, &r.quoteVersion, &r.details)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	f := openBasketDB(t)
	f.basket(t, f.north, "Trail")
	for _, q := range []string{`UPDATE audit_events SET comment = 'rewritten'`, `UPDATE audit_events SET at = '2000-01-01T00:00:00Z'`, `DELETE FROM audit_events`} {
		if _, err := f.db.w.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the trigger to refuse", q, err)
		}
	}
	if got := readAudit(t, f.db); got.n != 1 || got.action != "create" {
		t.Errorf("got %d rows ending %q, want the one create row untouched", got.n, got.action)
	}
}

func TestEveryBasketAndQuoteActionWritesOneAuditRow(t *testing.T) {
	f := openBasketDB(t)
	ctx := f.ctx
	// step runs one action and checks that it wrote exactly one row, and
	// what the row says.
	step := func(t *testing.T, name string, action Action, from, to BasketStatus, actor *User, do func() error) auditRow {
		t.Helper()
		before := readAudit(t, f.db).n
		if err := do(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := readAudit(t, f.db)
		if got.n != before+1 {
			t.Fatalf("%s: got %d audit rows, want exactly 1", name, got.n-before)
		}
		if got.action != string(action) || got.from != string(from) || got.to != string(to) || got.subject != SubjectBasket {
			t.Fatalf("%s: got %s %s %s→%s, want basket %s %s→%s", name, got.subject, got.action, got.from, got.to, action, from, to)
		}
		wantActor := sql.NullInt64{}
		if actor != nil {
			wantActor = sql.NullInt64{Int64: actor.ID, Valid: true}
		}
		if got.actorID != wantActor {
			t.Fatalf("%s: got actor %v (%s), want %v", name, got.actorID, got.actorName, wantActor)
		}
		return got
	}
	none := func(t *testing.T, name string, do func() error) {
		t.Helper()
		before := readAudit(t, f.db).n
		do()
		if got := readAudit(t, f.db).n; got != before {
			t.Fatalf("%s: got %d audit rows, want none", name, got-before)
		}
	}
	req := f.requirements()
	var b Basket
	step(t, "create", ActionCreate, "", BasketDraft, f.north, func() (err error) { b, err = f.db.CreateBasket(ctx, f.north, "Audited"); return })
	add := func(slug string, q int) func() error {
		return func() error {
			_, err := f.db.AddLine(ctx, f.north, b.ID, LineForm{slug, strconv.Itoa(q), "24"})
			return err
		}
	}
	r := step(t, "add a line", ActionAddLine, BasketDraft, BasketDraft, f.north, add("business-unlimited-5g-sim", 10))
	if !strings.Contains(r.details, `"quantity":{"old":0,"new":10}`) || !strings.Contains(r.details, `"offering":"business-unlimited-5g-sim"`) {
		t.Errorf("add: got details %s, want the offering and the quantity 0 → 10", r.details)
	}
	r = step(t, "add more of it", ActionAddLine, BasketDraft, BasketDraft, f.north, add("business-unlimited-5g-sim", 5))
	if !strings.Contains(r.details, `"quantity":{"old":10,"new":15}`) {
		t.Errorf("merge: got details %s, want 10 → 15", r.details)
	}
	step(t, "add a second line", ActionAddLine, BasketDraft, BasketDraft, f.north, add("business-unlimited-5g-sim-plus", 1))
	lines := f.get(t, f.north, b.ID).Lines
	r = step(t, "update a line", ActionUpdateLine, BasketDraft, BasketDraft, f.north, func() error {
		return f.db.UpdateLine(ctx, f.north, b.ID, lines[0].ID, LineChange{Quantity: "12", TermMonths: "24"})
	})
	if !strings.Contains(r.details, `"quantity":{"old":15,"new":12}`) {
		t.Errorf("update: got details %s, want 15 → 12", r.details)
	}
	step(t, "remove a line", ActionDeleteLine, BasketDraft, BasketDraft, f.north, func() error {
		return f.db.DeleteLine(ctx, f.north, b.ID, lines[1].ID, "")
	})
	r = step(t, "set requirements", ActionSetRequirements, BasketDraft, BasketDraft, f.north, func() error {
		return f.db.SetRequirements(ctx, f.north, b.ID, req)
	})
	if !strings.Contains(r.details, `"sites":{"old":null,"new":3}`) {
		t.Errorf("requirements: got details %s, want sites null → 3", r.details)
	}
	r = step(t, "submit", ActionSubmit, BasketDraft, BasketSubmitted, f.north, func() error { _, _, err := f.db.Submit(ctx, f.north, b.ID); return err })
	if r.quoteVersion.Int64 != 1 {
		t.Errorf("submit: got quote version %v, want 1", r.quoteVersion)
	}
	none(t, "submitting again changes nothing", func() error { _, _, err := f.db.Submit(ctx, f.north, b.ID); return err })
	none(t, "a refused edit", add("iot-sim-1gb", 1))
	step(t, "withdraw", ActionWithdraw, BasketSubmitted, BasketDraft, f.north, func() error { _, err := f.db.Withdraw(ctx, f.north, b.ID); return err })
	step(t, "submit v2", ActionSubmit, BasketDraft, BasketSubmitted, f.north, func() error { _, _, err := f.db.Submit(ctx, f.north, b.ID); return err })
	none(t, "a decision without a comment", func() error {
		return f.db.write(ctx, func(tx *sql.Tx) error {
			return errOf(decide(ctx, tx, f.db.stmts, f.reviewer, b.ID, ActionRequestChanges, " ", 2, f.db.Now()))
		})
	})
	step(t, "request changes", ActionRequestChanges, BasketSubmitted, BasketChangesRequested, f.reviewer, func() error {
		return f.db.write(ctx, func(tx *sql.Tx) error {
			return errOf(decide(ctx, tx, f.db.stmts, f.reviewer, b.ID, ActionRequestChanges, "Fewer SIMs", 2, f.db.Now()))
		})
	})
	step(t, "the first edit after a request", ActionAddLine, BasketChangesRequested, BasketDraft, f.north, add("iot-sim-1gb", 1))
	r = step(t, "submit v3, superseding v2", ActionSubmit, BasketDraft, BasketSubmitted, f.north, func() error {
		_, _, err := f.db.Submit(ctx, f.north, b.ID)
		return err
	})
	if r.quoteVersion.Int64 != 3 || !strings.Contains(r.details, `"superseded_versions":[2]`) {
		t.Errorf("submit v3: got version %v, details %s; want v3 naming superseded v2 in the same row", r.quoteVersion, r.details)
	}
	step(t, "approve", ActionApprove, BasketSubmitted, BasketApproved, f.reviewer, func() error {
		return f.db.write(ctx, func(tx *sql.Tx) error {
			return errOf(approve(ctx, tx, f.db.stmts, f.reviewer, b.ID, "", 3, f.db.Now()))
		})
	})

	rejected := f.ready(t, f.north, "To reject")
	if _, _, err := f.db.Submit(ctx, f.north, rejected.ID); err != nil {
		t.Fatal(err)
	}
	step(t, "reject", ActionReject, BasketSubmitted, BasketRejected, f.reviewer, func() error {
		return f.db.write(ctx, func(tx *sql.Tx) error {
			return errOf(decide(ctx, tx, f.db.stmts, f.reviewer, rejected.ID, ActionReject, "Not value for money", 0, f.db.Now()))
		})
	})

	lapsed := f.ready(t, f.north, "To lapse")
	if _, _, err := f.db.Submit(ctx, f.north, lapsed.ID); err != nil {
		t.Fatal(err)
	}
	*f.now = f.now.AddDate(0, 0, QuoteValidDays+1)
	r = step(t, "expire (by the portal)", ActionExpire, BasketSubmitted, BasketDraft, nil, func() error {
		for _, res := range f.db.Sweep(ctx) {
			if res.Err != nil {
				return res.Err
			}
		}
		return nil
	})
	if r.actorName != "the portal" || r.subjectID.Int64 != lapsed.ID {
		t.Errorf("expiry: got actor %q on basket %d, want the portal on %d", r.actorName, r.subjectID.Int64, lapsed.ID)
	}
}

func TestAccountAdministrationIsAudited(t *testing.T) {
	f := openBasketDB(t)
	ctx := f.ctx
	admin := &User{ID: f.reviewer.ID, Name: "Ada Admin", Role: RoleAdmin, OrgID: f.reviewer.OrgID} // acting as an admin
	check := func(name string, kind string, action Action, from, to string, wantActor sql.NullInt64) {
		t.Helper()
		r := readAudit(t, f.db)
		if r.subject != kind || r.action != string(action) || r.from != from || r.to != to || r.actorID != wantActor {
			t.Errorf("%s: got %s %s %s→%s by %v (%s), want %s %s %s→%s by %v", name, r.subject, r.action, r.from, r.to, r.actorID, r.actorName,
				kind, action, from, to, wantActor)
		}
	}
	byAdmin := sql.NullInt64{Int64: admin.ID, Valid: true}
	o, err := f.db.CreateOrganisation(ctx, admin, NewOrganisation{Name: "Audit Council", Type: OrgOther, Identifier: "GB-TEST-AUDIT"})
	if err != nil {
		t.Fatal(err)
	}
	check("create organisation", SubjectOrganisation, ActionCreateOrganisation, "", "active", byAdmin)
	u, err := f.db.CreateUser(ctx, admin, NewUser{Name: "Aud Itor", Email: "auditor@audit.example", OrgID: o.ID, Role: RoleBuyer, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	check("create user", SubjectUser, ActionCreateUser, "", "active", byAdmin)
	if _, err := f.db.SetUserActive(ctx, admin, u.ID, false); err != nil {
		t.Fatal(err)
	}
	check("disable user", SubjectUser, ActionDisableUser, "active", "disabled", byAdmin)
	if _, err := f.db.SetOrganisationActive(ctx, admin, o.ID, false); err != nil {
		t.Fatal(err)
	}
	check("disable organisation", SubjectOrganisation, ActionDisableOrganisation, "active", "disabled", byAdmin)
	if _, err := f.db.SetOrganisationActive(ctx, admin, o.ID, true); err != nil {
		t.Fatal(err)
	}
	check("enable organisation", SubjectOrganisation, ActionEnableOrganisation, "disabled", "active", byAdmin)
	if err := f.db.SetPassword(ctx, Operator(), "auditor@audit.example", "another long password"); err != nil {
		t.Fatal(err)
	}
	check("set password from the command line", SubjectUser, ActionSetPassword, "", "", sql.NullInt64{})
	if r := readAudit(t, f.db); !strings.HasPrefix(r.actorName, "command line (") {
		t.Errorf("got actor %q, want the command line with the operating-system user", r.actorName)
	}
	if _, err := f.db.CreateOrganisation(ctx, admin, NewOrganisation{Name: "\x00Evil", Type: OrgOther}); ErrorCode(err) != EINVALID {
		t.Errorf("a NUL in an organisation's name: got %v, want EINVALID", err)
	}
}

func TestBasketEventsMigrateIntoTheAuditTrail(t *testing.T) {
	// A database at schema 3, with the old basket_events trail.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0001_catalogue.sql", "0002_accounts.sql", "0003_baskets.sql"} {
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	setup := []string{
		`PRAGMA user_version = 3`,
		`INSERT INTO organisations (id, name, type, identifier, created_at) VALUES (1, 'Oldshire', 'county_council', 'GB-LAC-OLD', '2026-01-01T00:00:00Z'), (2, 'CCS', 'ccs', 'GB-GOR-CCS', '2026-01-01T00:00:00Z')`,
		`INSERT INTO users (id, email, name, org_id, role, password_hash, created_at) VALUES
			(1, 'b@old.example', 'Bo Buyer', 1, 'buyer', 'x', '2026-01-01T00:00:00Z'),
			(2, 'r@ccs.example', 'Ri Reviewer', 2, 'reviewer', 'x', '2026-01-01T00:00:00Z')`,
		`INSERT INTO baskets (id, org_id, owner_id, name, status, created_at, updated_at) VALUES (7, 1, 1, 'Old basket', 'draft', '2026-01-02T10:00:00Z', '2026-01-02T10:00:00Z')`,
		`INSERT INTO basket_events (basket_id, actor_id, at, action, from_status, to_status, quote_version, comment) VALUES
			(7, 1, '2026-01-02T10:00:00Z', 'create', '', 'draft', NULL, ''),
			(7, 1, '2026-01-03T10:00:00Z', 'submit', 'draft', 'submitted', 1, ''),
			(7, 2, '2026-01-04T10:00:00Z', 'request_changes', 'submitted', 'changes_requested', 1, 'Fewer SIMs'),
			(7, 1, '2026-01-05T10:00:00Z', 'edit', 'changes_requested', 'draft', NULL, ''),
			(7, NULL, '2026-02-05T10:00:00Z', 'expire', 'submitted', 'draft', 2, 'The quote passed its valid-until date without a decision.')`,
	}
	for _, q := range setup {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events []AuditEvent
	err = db.read(ctx, func(tx *sql.Tx) error {
		events, err = auditTrail(ctx, tx, Subject{SubjectBasket, 7}, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.At.Format("01-02")+" "+string(e.Action)+" "+e.From+">"+e.To+" by "+e.Actor.Name+"/"+e.Actor.Role+" v"+strconv.Itoa(e.QuoteVersion)+" "+e.Comment)
	}
	want := []string{
		"01-02 create >draft by Bo Buyer/buyer v0 ",
		"01-03 submit draft>submitted by Bo Buyer/buyer v1 ",
		"01-04 request_changes submitted>changes_requested by Ri Reviewer/reviewer v1 Fewer SIMs",
		"01-05 edit changes_requested>draft by Bo Buyer/buyer v0 ",
		"02-05 expire submitted>draft by the portal/ v2 The quote passed its valid-until date without a decision.",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if events[2].Actor.OrgID != 2 || events[0].OrgID != 1 {
		t.Errorf("got actor organisation %d and record organisation %d, want 2 and 1", events[2].Actor.OrgID, events[0].OrgID)
	}
	var gone int
	if err := db.r.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'basket_events'`).Scan(&gone); err != nil || gone != 0 {
		t.Errorf("basket_events: got %d tables (%v), want it retired", gone, err)
	}
}
