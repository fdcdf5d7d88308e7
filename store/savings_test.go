package store

import (
	"reflect"
	"testing"
	"time"
)

// savingsFixture approves two quotes (north in March 2026, east at 00:30 on
// 1 June 2026 UK time, which is still 31 May in UTC) and leaves a quote in
// each other state beside them.
func savingsFixture(t *testing.T) *basketFixture {
	t.Helper()
	f := openBasketDB(t)
	a, _ := f.submitted(t, f.north, "Mobiles", "business-unlimited-5g-sim", 10, 24)
	if _, err := f.decide(f.reviewer, a, "approve", "", 1); err != nil {
		t.Fatal(err)
	}
	// Left behind in March: withdrawn (north) and, once the clock moves
	// past its validity, expired (east).
	w, _ := f.submitted(t, f.north, "Withdrawn", "business-unlimited-5g-sim", 3, 12)
	if _, err := f.db.Withdraw(f.ctx, f.north, w); err != nil {
		t.Fatal(err)
	}
	f.submitted(t, f.east, "Expires", "business-unlimited-5g-sim", 4, 12)

	*f.now = time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)
	b := f.basket(t, f.east, "Sensors and SIMs")
	f.add(t, f.east, b.ID, "business-unlimited-5g-sim", 2, 12)
	f.add(t, f.east, b.ID, "iot-sim-1gb", 10, 12)
	if err := f.db.SetRequirements(f.ctx, f.east, b.ID, f.requirements()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.Submit(f.ctx, f.east, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.decide(f.reviewer, b.ID, "approve", "", 1); err != nil {
		t.Fatal(err)
	}
	f.submitted(t, f.north, "Awaiting", "business-unlimited-5g-sim", 5, 12)
	r, _ := f.submitted(t, f.east, "Rejected", "business-unlimited-5g-sim", 6, 12)
	if _, err := f.decide(f.reviewer, r, "reject", "Not needed", 1); err != nil {
		t.Fatal(err)
	}
	c, _ := f.submitted(t, f.east, "Changes", "business-unlimited-5g-sim", 7, 12)
	if _, err := f.decide(f.reviewer, c, "changes", "Fewer, please", 1); err != nil {
		t.Fatal(err)
	}
	// Superseded: v1 replaced by v2, which awaits a decision.
	s, _ := f.submitted(t, f.north, "Superseded", "business-unlimited-5g-sim", 8, 12)
	if _, err := f.db.Withdraw(f.ctx, f.north, s); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.Submit(f.ctx, f.north, s); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSavingsCountOnlyApprovedQuotes(t *testing.T) {
	f := savingsFixture(t)
	s, err := f.db.Savings(f.ctx, SavingsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// By hand (PRODUCT.md §3, no in-life discount for either council):
	// north: 10 SIMs × £25 × 24 months: list £6,000.00, MoU 15.75% £945.00.
	// east: 2 SIMs × £25 × 12: list £600.00, MoU £94.50; 10 IoT SIMs ×
	// £8.50 × 12: list £1,020.00, MoU 12.5% £127.50.
	want := SavingsFigures{Quotes: 2, ListPence: 600000 + 60000 + 102000, NetPence: 505500 + 50550 + 89250, SavingsPence: 94500 + 9450 + 12750}
	if s.Total != want {
		t.Errorf("total: got %+v, want %+v", s.Total, want)
	}
	if s.Total.SavingsPence != s.Total.ListPence-s.Total.NetPence {
		t.Errorf("savings %d is not list − net (%d − %d)", s.Total.SavingsPence, s.Total.ListPence, s.Total.NetPence)
	}
	if got := s.Total.Share(); got != "15.3%" {
		t.Errorf("share: got %s, want 15.3%%", got)
	}
	wantAgreements := []SavingsGroup{{Label: "CCS Memorandum of Understanding with Virgin Media O2 Business", SavingsFigures: want}}
	if !reflect.DeepEqual(s.ByAgreement, wantAgreements) {
		t.Errorf("by agreement: got %+v, want %+v", s.ByAgreement, wantAgreements)
	}
	wantCategories := []SavingsGroup{
		{Label: "Mobile voice and data", SavingsFigures: SavingsFigures{Quotes: 2, ListPence: 660000, NetPence: 556050, SavingsPence: 103950}},
		{Label: "IoT connectivity", SavingsFigures: SavingsFigures{Quotes: 1, ListPence: 102000, NetPence: 89250, SavingsPence: 12750}},
	}
	if !reflect.DeepEqual(s.ByCategory, wantCategories) {
		t.Errorf("by category: got %+v, want %+v", s.ByCategory, wantCategories)
	}
	if want := time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC); !s.Latest.Equal(want) {
		t.Errorf("latest approval: got %v, want %v", s.Latest, want)
	}
	if len(s.ByMonth) != SavingsMonths {
		t.Fatalf("got %d months, want %d", len(s.ByMonth), SavingsMonths)
	}
	for i, m := range s.ByMonth {
		// July 2025 to June 2026: the 12 months to the latest approval's
		// UK month (1 June, 00:30 BST).
		wantMonth := time.Date(2025, time.July, 1, 0, 0, 0, 0, London).AddDate(0, i, 0)
		if !m.Month.Equal(wantMonth) {
			t.Errorf("month %d: got %v, want %v", i, m.Month, wantMonth)
		}
		var wantFigures SavingsFigures
		switch m.Month.Month() {
		case time.March:
			wantFigures = SavingsFigures{Quotes: 1, ListPence: 600000, NetPence: 505500, SavingsPence: 94500}
		case time.June:
			wantFigures = SavingsFigures{Quotes: 1, ListPence: 162000, NetPence: 139800, SavingsPence: 22200}
		}
		if m.SavingsFigures != wantFigures {
			t.Errorf("%s: got %+v, want %+v", m.Month.Format("January 2006"), m.SavingsFigures, wantFigures)
		}
	}
}

func TestSavingsOfNothingApproved(t *testing.T) {
	f := openBasketDB(t)
	f.submitted(t, f.north, "Awaiting", "business-unlimited-5g-sim", 5, 12)
	s, err := f.db.Savings(f.ctx, SavingsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Total != (SavingsFigures{}) || len(s.ByAgreement)+len(s.ByCategory)+len(s.ByMonth) != 0 || !s.Latest.IsZero() {
		t.Errorf("got %+v, want nothing", s)
	}
	if got := s.Total.Share(); got != "0.0%" {
		t.Errorf("share of nothing: got %s", got)
	}
}

func TestOrgSavingsAreTheBuyersOwn(t *testing.T) {
	f := savingsFixture(t)
	s, err := f.db.OrgSavings(f.ctx, f.north)
	if err != nil {
		t.Fatal(err)
	}
	want := SavingsFigures{Quotes: 1, ListPence: 600000, NetPence: 505500, SavingsPence: 94500}
	if s.Total != want {
		t.Errorf("north's total: got %+v, want %+v", s.Total, want)
	}
	if len(s.ByCategory) != 1 || s.ByCategory[0].Label != "Mobile voice and data" {
		t.Errorf("north's categories: got %+v", s.ByCategory)
	}
	// Tier progress under both demo agreements: £5,055.00 approved under
	// the MoU, £100,000 reaches 1.5%.
	if len(s.Tiers) != 2 {
		t.Fatalf("got %d agreements' tiers, want 2", len(s.Tiers))
	}
	for _, tp := range s.Tiers {
		if tp.Agreement.Slug != DemoAgreementMoU {
			if tp.CumulativePence != 0 {
				t.Errorf("%s: got %d approved, want 0", tp.Agreement.Slug, tp.CumulativePence)
			}
			continue
		}
		if tp.CumulativePence != 505500 || tp.Tier.BP != 0 || !tp.HasNext || tp.Next.BP != 150 || tp.ToNextPence() != 10_000_000-505500 {
			t.Errorf("MoU progress: got %+v (to next %d)", tp.InlifeStatus, tp.ToNextPence())
		}
	}
	for _, u := range []*User{f.reviewer} {
		if _, err := f.db.OrgSavings(f.ctx, u); ErrorCode(err) != EFORBIDDEN {
			t.Errorf("%s: got %v, want forbidden", u.Role, err)
		}
	}
}
