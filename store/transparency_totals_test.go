package store

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sumAwards adds up, one by one, the awards EachAward gives for q (read
// from the quote versions, not from the day totals).
func sumAwards(t *testing.T, f *basketFixture, q AwardQuery) AwardTotals {
	t.Helper()
	var s AwardTotals
	if err := f.db.EachAward(f.ctx, q, false, func(a Award) error {
		s.Count++
		s.NetPence += a.Totals.NetPence
		s.VATPence += a.Totals.VATPence
		s.GrossPence += a.Totals.GrossPence
		s.Saved += a.Totals.SavingsPence
		if a.ApprovedAt.After(s.Latest) {
			s.Latest = a.ApprovedAt
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAwardDayTotals approves quotes through the real approval path at
// times either side of UK midnight in winter and in summer time, and
// either side of the value bands' bounds, on two agreements, and checks
// that the register's totals for every filter the day totals answer equal
// the awards summed one by one — before and after a later approval — and
// that portal check finds the day totals right, and finds them wrong once
// they are changed behind the triggers' back.
func TestAwardDayTotals(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "net-24999-99", 2_499_999) // £29,999.99 gross: under £30,000
	f.exactOffering(t, "net-25000", 2_500_000)    // £30,000.00 gross: the 30k–100k band's lower bound
	f.exactOffering(t, "net-90000", 9_000_000)    // £108,000 gross: £100,000 and more, two approvals
	if err := f.db.LoadCatalogue(f.ctx, Catalogue{Offerings: []NewOffering{{Slug: "ffc-line", Name: "FFC line", CategorySlug: "sd-wan",
		AgreementSlug: DemoAgreementFFC, Unit: "site", MonthlyPence: 100_000, Terms: []int{1}}}}); err != nil {
		t.Fatal(err)
	}
	approveAt := func(at time.Time, slug string) {
		t.Helper()
		*f.now = at
		// A council with no history, so no in-life discount moves the
		// figures off the bands' bounds.
		u := f.newBuyer(t, "Council "+at.Format(time.RFC3339))
		id, ref := f.submitted(t, u, slug+" "+at.Format(time.RFC3339), slug, 1, 1)
		for _, r := range []*User{f.reviewer, f.reviewer2} {
			res, err := f.decide(r, id, DecisionApprove, "", ref.Version)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status == QuoteApproved {
				return
			}
		}
		t.Fatalf("%s at %s: not approved after two approvals", slug, at)
	}
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	// 2026: summer time from 01:00 UTC on 29 March to 01:00 UTC on 25 October.
	for _, a := range []struct{ at, slug string }{
		{"2026-03-28T23:30:00Z", "net-24999-99"}, // GMT: 28 March
		{"2026-03-29T00:59:59Z", "net-25000"},    // GMT still: 29 March
		{"2026-03-29T01:00:00Z", "net-90000"},    // BST: 29 March
		{"2026-03-29T23:00:00Z", "ffc-line"},     // BST: 30 March
		{"2026-06-30T22:59:59Z", "net-25000"},    // BST: 30 June
		{"2026-06-30T23:00:00Z", "net-24999-99"}, // BST: 1 July
		{"2026-10-24T23:30:00Z", "net-90000"},    // BST: 25 October
		{"2026-10-25T00:59:59Z", "ffc-line"},     // BST: 25 October
		{"2026-10-25T01:00:00Z", "net-25000"},    // GMT: 25 October
		{"2026-10-25T23:30:00Z", "net-24999-99"}, // GMT: 25 October
		{"2026-12-31T23:59:59Z", "net-25000"},    // GMT: 31 December
	} {
		approveAt(utc(a.at), a.slug)
	}
	filters := []AwardQuery{
		{},
		{Agreement: DemoAgreementMoU},
		{Agreement: DemoAgreementFFC},
		{Agreement: "no-such-agreement"},
		{Band: BandUnder30k}, {Band: Band30kTo100k}, {Band: Band100kPlus},
		{Agreement: DemoAgreementMoU, Band: Band30kTo100k},
		{From: "2026-03-29"}, {To: "2026-03-28"}, {From: "2026-03-29", To: "2026-03-29"}, {From: "2026-03-30", To: "2026-03-30"},
		{From: "2026-06-30", To: "2026-06-30"}, {From: "2026-07-01", To: "2026-07-01"},
		{From: "2026-10-25", To: "2026-10-25"}, {From: "2026-10-24", To: "2026-10-24"},
		{From: "2026-12-31", Band: Band30kTo100k}, {From: "2027-01-01"},
		{From: "2026-04-01", To: "2026-10-31", Agreement: DemoAgreementMoU, Band: Band100kPlus},
		{Sort: AwardSortValue, From: "2026-06-01"},
	}
	compare := func(t *testing.T) {
		t.Helper()
		nonEmpty := 0
		for _, q := range filters {
			r, err := f.db.AwardRegister(f.ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if want := sumAwards(t, f, q); r.Totals != want {
				t.Errorf("%s: register totals %+v, the awards one by one %+v", q.URL("/transparency"), r.Totals, want)
			}
			if r.Totals.Count > 0 {
				nonEmpty++
			}
			var fromDays bool
			if err := f.db.r.QueryRowContext(f.ctx, `SELECT EXISTS (SELECT 1 FROM award_day_totals)`).Scan(&fromDays); err != nil || !fromDays {
				t.Fatalf("the day totals are empty (%v)", err)
			}
		}
		if nonEmpty < len(filters)-4 {
			t.Fatalf("only %d of %d filters match any award: the fixture does not exercise them", nonEmpty, len(filters))
		}
	}
	compare(t)
	// Each band boundary is where the fixture says.
	for _, tt := range []struct {
		q    AwardQuery
		want int
	}{
		{AwardQuery{Band: BandUnder30k}, 5}, {AwardQuery{Band: Band100kPlus}, 2}, {AwardQuery{From: "2026-03-29", To: "2026-03-29"}, 2},
		{AwardQuery{From: "2026-10-25", To: "2026-10-25"}, 4}, {AwardQuery{From: "2026-07-01", To: "2026-07-01"}, 1},
	} {
		if r, _ := f.db.AwardRegister(f.ctx, tt.q); r.Totals.Count != tt.want {
			t.Errorf("%s: %d awards, want %d", tt.q.URL("/transparency"), r.Totals.Count, tt.want)
		}
	}

	// An agreement's page is read from its quotes when it has few awards,
	// along the index otherwise: both plans give the exports' awards in
	// the exports' order (registerKeys compares them).
	saved := fewAgreementAwards
	for _, few := range []int{saved, 0} {
		fewAgreementAwards = few
		for _, q := range []AwardQuery{{Agreement: DemoAgreementMoU}, {Agreement: DemoAgreementFFC, Sort: AwardSortValue},
			{Agreement: DemoAgreementMoU, Band: Band30kTo100k, From: "2026-03-29"}} {
			if keys, _ := registerKeys(t, f, q); len(keys) == 0 {
				t.Errorf("%s: no awards", q.URL("/transparency"))
			}
		}
	}
	fewAgreementAwards = saved

	t.Run("a later approval", func(t *testing.T) {
		approveAt(utc("2027-01-05T10:00:00Z"), "net-90000")
		approveAt(utc("2027-01-05T11:00:00Z"), "ffc-line")
		compare(t)
		if r, _ := f.db.AwardRegister(f.ctx, AwardQuery{}); r.Totals.Count != 13 || !r.Totals.Latest.Equal(utc("2027-01-05T11:00:00Z")) {
			t.Fatalf("totals %+v, want 13 awards, the latest approved at 11:00 on 5 January 2027", r.Totals)
		}
	})

	t.Run("no approval without its time", func(t *testing.T) {
		_, ref := f.submitted(t, f.newBuyer(t, "Council without a time"), "No time", "net-25000", 1, 1)
		_, err := f.db.w.ExecContext(f.ctx, `UPDATE quote_versions SET status = 'approved', decided_at = NULL
			WHERE quote_id = (SELECT id FROM quotes WHERE ref = ?)`, ref.Ref)
		if err == nil || !strings.Contains(err.Error(), "approval time") {
			t.Fatalf("approved without decided_at: %v, want the trigger to refuse it", err)
		}
	})

	t.Run("portal check", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "copy.db")
		if _, err := f.db.w.ExecContext(f.ctx, `VACUUM INTO ?`, path); err != nil {
			t.Fatal(err)
		}
		rep, err := CheckFile(f.ctx, path)
		if err != nil || !rep.OK() {
			t.Fatalf("check of the database as the triggers left it: %v %v", rep.Findings, err)
		}
		// Out of step: a row's net changed and a row removed, behind the
		// triggers' back.
		if _, err := f.db.w.ExecContext(f.ctx, `UPDATE award_day_totals SET net_pence = net_pence + 1 WHERE day = '2026-03-29' AND band = '30k-100k';
			DELETE FROM award_day_totals WHERE day = '2026-07-01'`); err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(t.TempDir(), "broken.db")
		if _, err := f.db.w.ExecContext(f.ctx, `VACUUM INTO ?`, path); err != nil {
			t.Fatal(err)
		}
		rep, err = CheckFile(f.ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, fd := range rep.Findings {
			if fd.Check == "award totals" {
				found = append(found, fd.Detail)
			}
		}
		if len(found) != 2 || !strings.HasPrefix(found[0], "2026-03-29, ") || !strings.HasPrefix(found[1], "2026-07-01, ") {
			t.Fatalf("check findings %q, want the two rows changed (29 March, 1 July)", found)
		}
	})
}

// TestAwardDayTotalsBackfill opens a database with approved quotes made
// before migration 0014 (the scale seeding inserts them in SQL) and checks
// that the migration's backfill gives the totals the versions add up to.
func TestAwardDayTotalsBackfill(t *testing.T) {
	UseTestPasswordParams()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LoadDemo(t.Context(), DemoPasswordDefault); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SeedApprovedQuotes(t.Context(), 60, 1); err != nil {
		t.Fatal(err)
	}
	// As before 0014: no day totals, schema version 13.
	if _, err := db.w.ExecContext(t.Context(), `DROP TRIGGER quotes_award_days_agreement; DROP TRIGGER quote_versions_award_days_d;
		DROP TRIGGER quote_versions_award_days_u; DROP TRIGGER quote_versions_award_days_i; DROP TRIGGER award_day_changes_apply;
		DROP VIEW award_day_changes; DROP TABLE award_day_totals; PRAGMA user_version = 13`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, awards int
	if err := db.r.QueryRowContext(t.Context(), `SELECT count(*), coalesce(sum(awards), 0) FROM award_day_totals`).Scan(&rows, &awards); err != nil {
		t.Fatal(err)
	}
	if awards < 60 || rows < 2 {
		t.Fatalf("after the migration the day totals hold %d awards in %d rows, want every approved quote (60 or more)", awards, rows)
	}
	db.Close()
	rep, err := CheckFile(t.Context(), path)
	if err != nil || !rep.OK() {
		t.Fatalf("check after the backfill: %v %v", rep.Findings, err)
	}
}
