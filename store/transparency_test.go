package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSpendLineDueOnTheNet(t *testing.T) {
	for _, tt := range []struct {
		org  string
		net  int64
		want bool
	}{
		{OrgCountyCouncil, 50_000, false}, // £500.00 is not over £500
		{OrgCountyCouncil, 50_001, true},
		{OrgDistrictCouncil, 50_001, true},
		{OrgUnitaryAuthority, 1_000_000, true},
		{OrgNHSBody, 1_000_000, false},
		{OrgCentralGovernment, 1_000_000, false},
	} {
		if got := SpendLineDue(tt.org, tt.net); got != tt.want {
			t.Errorf("SpendLineDue(%s, %s): got %v, want %v", tt.org, FormatPence(tt.net), got, tt.want)
		}
	}
}

func TestPublicationDuties(t *testing.T) {
	tests := []struct {
		org        string
		net, gross int64
		want       []string
	}{
		{OrgCentralGovernment, 999_999, 1_199_999, nil},
		{OrgCentralGovernment, 1_000_000, 1_200_000, []string{"contract details notice"}},
		{OrgNHSBody, 1_000_000, 1_200_000, nil},
		{OrgNHSBody, 2_500_000, 3_000_000, []string{"contract details notice"}},
		{OrgCountyCouncil, 2_499_999, 2_999_999, []string{"over £500.00 net"}},
		{OrgUnitaryAuthority, 2_500_000, 3_000_000, []string{"contract details notice", "over £500.00 net"}},
		// £500.01 net is £600.01 gross: the duty follows the net, so
		// £550 gross (£458.33 net) triggers nothing, which the old test
		// on the gross got wrong.
		{OrgDistrictCouncil, 45_833, 55_000, nil},
		{OrgDistrictCouncil, 50_000, 60_000, nil},
		{OrgDistrictCouncil, 50_001, 60_001, []string{"over £500.00 net"}},
	}
	for _, tt := range tests {
		t.Run(tt.org+"/"+FormatPence(tt.net), func(t *testing.T) {
			got := PublicationDuties(tt.org, Totals{NetPence: tt.net, GrossPence: tt.gross})
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %d duties", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Fatalf("got %q, want it to mention %q", got[i], w)
				}
			}
		})
	}
}

func TestParseAwardQuery(t *testing.T) {
	for _, tt := range []struct {
		name, raw  string
		want       AwardQuery
		wantFields []string
	}{
		{"empty", "", AwardQuery{Page: 1}, nil},
		{"every filter", "agreement=mou&organisation=GB-LAC-E1&from=2026-01-01&to=2026-01-31&band=30k-100k&sort=value&page=3",
			AwardQuery{Agreement: "mou", Organisation: "GB-LAC-E1", From: "2026-01-01", To: "2026-01-31", Band: Band30kTo100k, Sort: AwardSortValue, Page: 3}, nil},
		{"not a date", "from=2026-02-30&to=yesterday", AwardQuery{Page: 1}, []string{"from", "to"}},
		{"to before from", "from=2026-02-01&to=2026-01-31", AwardQuery{From: "2026-02-01", Page: 1}, []string{"to"}},
		{"out of range", "from=1999-12-31", AwardQuery{Page: 1}, []string{"from"}},
		{"unknown band and sort", "band=huge&sort=name", AwardQuery{Page: 1}, []string{"band", "sort"}},
		{"bad page", "page=0", AwardQuery{Page: 1}, []string{"page"}},
		{"control characters", "organisation=GB%00X&agreement=%E2%80%AEx", AwardQuery{Page: 1}, []string{"agreement", "organisation"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.raw)
			got, errs := ParseAwardQuery(v)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("errors on %v (%v), want on %v", fields, errs, tt.wantFields)
			}
			// The canonical form reads back as the same query.
			again, errs := ParseAwardQuery(got.Values())
			if again != got || len(errs) > 0 {
				t.Errorf("round trip: got %+v %v, want %+v", again, errs, got)
			}
		})
	}
}

// registerKeys lists the register's awards as "ref v1", in its order, over
// every page.
func registerKeys(t *testing.T, f *basketFixture, q AwardQuery) ([]string, AwardTotals) {
	t.Helper()
	var keys []string
	var totals AwardTotals
	for page := 1; ; page++ {
		q.Page = page
		r, err := f.db.AwardRegister(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Awards {
			keys = append(keys, a.Ref+" v"+strconv.Itoa(a.Version))
		}
		totals = r.Totals
		if page >= r.Pages {
			break
		}
	}
	var streamed []string
	if err := f.db.EachAward(f.ctx, q, true, func(a Award) error {
		streamed = append(streamed, a.Ref+" v"+strconv.Itoa(a.Version))
		if a.Snapshot == nil || len(a.Snapshot.Lines) == 0 {
			t.Errorf("%s v%d streamed without its snapshot", a.Ref, a.Version)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(streamed, keys) {
		t.Errorf("EachAward gave %v, the register pages %v: the exports and the page must hold the same awards in the same order", streamed, keys)
	}
	return keys, totals
}

func TestRegisterHoldsExactlyTheApprovedQuotes(t *testing.T) {
	f := openBasketDB(t)
	start := *f.now
	approved := func(u *User, name string) QuoteRef {
		id, ref := f.submitted(t, u, name, "business-unlimited-5g-sim", 10, 24)
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", ref.Version); err != nil {
			t.Fatal(err)
		}
		return ref
	}
	a := approved(f.east, "Approved")
	id, ref := f.submitted(t, f.east, "Rejected", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer, id, DecisionReject, "Not needed", ref.Version); err != nil {
		t.Fatal(err)
	}
	id, ref = f.submitted(t, f.east, "Changes", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer, id, DecisionChanges, "Fewer lines", ref.Version); err != nil {
		t.Fatal(err)
	}
	id, _ = f.submitted(t, f.east, "Withdrawn", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.db.Withdraw(f.ctx, f.east, id); err != nil {
		t.Fatal(err)
	}
	// Superseded: changes requested on v1, then v2 submitted and approved.
	id, ref = f.submitted(t, f.north, "Second version", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer, id, DecisionChanges, "Add sites", ref.Version); err != nil {
		t.Fatal(err)
	}
	// Expired: submitted and left past its validity.
	_, _ = f.submitted(t, f.north, "Expired", "business-unlimited-5g-sim", 10, 24)
	f.basket(t, f.north, "Draft only")
	*f.now = f.now.AddDate(0, 0, QuoteValidDays+2)
	f.db.Sweep(f.ctx)
	*f.now = f.now.Add(time.Hour)
	_, _ = f.submitted(t, f.east, "Submitted", "business-unlimited-5g-sim", 10, 24)
	f.add(t, f.north, id, "business-unlimited-5g-sim", 100, 24)
	if err := f.db.SetRequirements(f.ctx, f.north, id, f.requirements()); err != nil {
		t.Fatal(err)
	}
	ref2, _, err := f.db.Submit(f.ctx, f.north, id)
	if err != nil || ref2.Version != 2 {
		t.Fatalf("resubmit: %+v %v", ref2, err)
	}

	keys, totals := registerKeys(t, f, AwardQuery{})
	if want := []string{a.Ref + " v1"}; !slices.Equal(keys, want) {
		t.Fatalf("register: got %v, want only the approved quote %v", keys, want)
	}
	// Every state is present in the database, so absence means something.
	var statuses []string
	rows, err := f.db.r.QueryContext(f.ctx, `SELECT DISTINCT status FROM quote_versions ORDER BY status`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		statuses = append(statuses, s)
	}
	rows.Close()
	if want := []string{"approved", "changes_requested", "expired", "rejected", "submitted", "superseded", "withdrawn"}; !slices.Equal(statuses, want) {
		t.Fatalf("the fixture has versions %v, want one in each state %v", statuses, want)
	}
	q := f.quoteStatus(t, a.Ref, 1)
	if totals.Count != 1 || totals.NetPence != q.Totals.NetPence || totals.GrossPence != q.Totals.GrossPence || totals.VATPence != q.Totals.VATPence || totals.Saved != q.Totals.SavingsPence {
		t.Fatalf("totals %+v, want the one quote's %+v", totals, q.Totals)
	}

	t.Run("a later approval appears, newest first", func(t *testing.T) {
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", 2); err != nil {
			t.Fatal(err)
		}
		keys, totals := registerKeys(t, f, AwardQuery{})
		if want := []string{ref2.Ref + " v2", a.Ref + " v1"}; !slices.Equal(keys, want) {
			t.Fatalf("register: got %v, want %v", keys, want)
		}
		if !totals.Latest.Equal(f.db.Now().Truncate(time.Second)) {
			t.Fatalf("latest approval %v, want now %v", totals.Latest, f.db.Now())
		}
	})

	t.Run("filters", func(t *testing.T) {
		if g := f.quoteStatus(t, ref2.Ref, 2).Totals.GrossPence; g < 3_000_000 || g >= 10_000_000 {
			t.Fatalf("the fixture's second quote is %s gross, want it in the £30,000–£100,000 band", FormatPence(g))
		}
		today := TodayLondon(f.db.Now()).Format(time.DateOnly)
		for _, tt := range []struct {
			name string
			q    AwardQuery
			want []string
		}{
			{"organisation", AwardQuery{Organisation: "GB-LAC-E07000999"}, []string{a.Ref + " v1"}},
			{"organisation in other case", AwardQuery{Organisation: "gb-lac-e10000099"}, []string{ref2.Ref + " v2"}},
			{"unknown organisation", AwardQuery{Organisation: "GB-LAC-NOPE"}, nil},
			{"agreement", AwardQuery{Agreement: DemoAgreementMoU}, []string{ref2.Ref + " v2", a.Ref + " v1"}},
			{"other agreement", AwardQuery{Agreement: DemoAgreementFFC}, nil},
			{"from today", AwardQuery{From: today}, []string{ref2.Ref + " v2"}},
			{"to the first day", AwardQuery{To: start.Format(time.DateOnly)}, []string{a.Ref + " v1"}},
			{"both days", AwardQuery{From: start.Format(time.DateOnly), To: today}, []string{ref2.Ref + " v2", a.Ref + " v1"}},
			{"by value", AwardQuery{Sort: AwardSortValue}, []string{ref2.Ref + " v2", a.Ref + " v1"}},
			{"band under 30k", AwardQuery{Band: BandUnder30k}, []string{a.Ref + " v1"}},
			{"band 30k to 100k", AwardQuery{Band: Band30kTo100k}, []string{ref2.Ref + " v2"}},
			{"band 100k plus", AwardQuery{Band: Band100kPlus}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, totals := registerKeys(t, f, tt.q)
				if !slices.Equal(got, tt.want) || totals.Count != len(tt.want) {
					t.Fatalf("got %v (count %d), want %v", got, totals.Count, tt.want)
				}
			})
		}
	})
}

func TestRegisterPages(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "exact", 10_000)
	var want []string
	for i := range AwardsPerPage + 3 {
		id, ref := f.submitted(t, f.east, fmt.Sprintf("Basket %d", i), "exact", 1+i, 1)
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", ref.Version); err != nil {
			t.Fatal(err)
		}
		want = append(want, ref.Ref+" v1")
		*f.now = f.now.Add(time.Minute)
	}
	slices.Reverse(want)
	got, totals := registerKeys(t, f, AwardQuery{})
	if !slices.Equal(got, want) || totals.Count != len(want) {
		t.Fatalf("got %d awards over the pages, want %d newest first", len(got), len(want))
	}
	r, err := f.db.AwardRegister(f.ctx, AwardQuery{Page: 2})
	if err != nil || r.Pages != 2 || len(r.Awards) != 3 {
		t.Fatalf("page 2: %d awards of %d pages (%v), want 3 of 2", len(r.Awards), r.Pages, err)
	}
	// By value: the quantities grow with i, so the largest is the last.
	got, _ = registerKeys(t, f, AwardQuery{Sort: AwardSortValue})
	if !slices.Equal(got, want) {
		t.Fatalf("by value: got %v…, want the largest first", got[:3])
	}
}

func TestSpendLines(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "net-500", 50_000)
	f.exactOffering(t, "net-500-01", 50_001)
	var refs []string
	for _, slug := range []string{"net-500", "net-500-01"} {
		id, ref := f.submitted(t, f.east, slug, slug, 1, 1)
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", ref.Version); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref.Ref)
	}
	var got []string
	if err := f.db.EachSpendLine(f.ctx, f.east, f.eastOrg, func(a Award) error {
		got = append(got, a.Ref)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, refs[1:]) {
		t.Fatalf("spend lines %v, want only the one over £500 net %v", got, refs[1:])
	}
	for name, tt := range map[string]struct {
		u   *User
		org int64
	}{"another organisation's buyer": {f.north, f.eastOrg}, "a reviewer": {f.reviewer, f.eastOrg}} {
		t.Run(name, func(t *testing.T) {
			err := f.db.EachSpendLine(f.ctx, tt.u, tt.org, func(Award) error { return nil })
			wantCode(t, err, ENOTFOUND)
		})
	}
}

func TestOrganisationIdentifiers(t *testing.T) {
	f := openBasketDB(t)
	for _, tt := range []struct {
		name, identifier, want string
	}{
		{"missing", "", "Enter the organisation’s identifier"},
		{"not an org-id", "12345", "scheme and a number"},
		{"lower-case scheme", "gb-lac-E1", "scheme and a number"},
		{"taken", "GB-LAC-E10000099", "already belongs to Northshire County Council"},
		{"taken in another case", "gb-lac-e10000099", "scheme and a number"},
		{"taken, case aside", "GB-LAC-e10000099", "already belongs to Northshire County Council"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.db.CreateOrganisation(f.ctx, Operator(), NewOrganisation{Name: "New " + tt.name, Type: OrgOther, Identifier: tt.identifier})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(FieldMessage(e.Fields, "identifier"), tt.want) {
				t.Fatalf("got %v, want an identifier message containing %q", err, tt.want)
			}
		})
	}
	if _, err := f.db.w.ExecContext(f.ctx, `UPDATE organisations SET identifier = '' WHERE id = ?`, f.eastOrg); err == nil {
		t.Fatal("the database let an identifier be emptied")
	}
}

// TestIdentifierMigration builds a database as it was before migration
// 0011, with organisations that have no identifier and two that share one,
// and checks that opening it gives every organisation a unique one.
func TestIdentifierMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	sort.Strings(names)
	for _, name := range names {
		n, _ := strconv.Atoi(strings.SplitN(filepath.Base(name), "_", 2)[0])
		if n >= 11 {
			break
		}
		body, _ := migrations.ReadFile(name)
		if _, err := raw.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(`INSERT INTO organisations (id, name, type, identifier, created_at) VALUES
		(1, 'A', 'other', '', '2026-01-01T00:00:00Z'), (2, 'B', 'other', 'GB-LAC-E1', '2026-01-01T00:00:00Z'),
		(3, 'C', 'other', 'gb-lac-e1', '2026-01-01T00:00:00Z'), (4, 'D', 'other', '  ', '2026-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orgs, err := db.Organisations(t.Context(), Operator())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range orgs {
		got[o.Name] = o.Identifier
	}
	want := map[string]string{"A": "GB-PORTAL-000001", "B": "GB-LAC-E1", "C": "gb-lac-e1-3", "D": "GB-PORTAL-000004"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("identifiers after the migration: got %v, want %v", got, want)
	}
}

func TestCopyApprovedQuotesForScale(t *testing.T) {
	UseTestPasswordParams()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadDemo(t.Context(), DemoPasswordDefault); err != nil {
		t.Fatal(err)
	}
	before, _ := db.AwardsSummary(t.Context(), AwardQuery{})
	n, err := db.copyApprovedQuotes(t.Context(), before.Count, 7)
	if err != nil || n != 7 {
		t.Fatalf("copied %d (%v), want 7", n, err)
	}
	after, err := db.AwardsSummary(t.Context(), AwardQuery{})
	if err != nil || after.Count != before.Count+7 {
		t.Fatalf("awards %d (%v), want %d", after.Count, err, before.Count+7)
	}
	refs := map[string]bool{}
	if err := db.EachAward(t.Context(), AwardQuery{}, true, func(a Award) error {
		if refs[a.Ref] {
			t.Errorf("reference %s twice", a.Ref)
		}
		refs[a.Ref] = true
		if a.ApprovedAt.IsZero() || a.Snapshot == nil || len(a.Snapshot.Lines) == 0 {
			t.Errorf("%s copied without its approval time or snapshot", a.Ref)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var bad int
	db.r.QueryRow(`SELECT count(*) FROM quote_versions WHERE status = 'approved' AND approvals <> approvals_needed`).Scan(&bad)
	if bad != 0 {
		t.Fatalf("%d copied versions whose approvals do not match what they needed", bad)
	}
}
