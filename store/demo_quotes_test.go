package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

func TestDemoQuotes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := loadCatalogue(ctx, tx, DemoCatalogue()); err != nil {
			return err
		}
		if err := loadDemoAccounts(ctx, tx, "x"); err != nil {
			return err
		}
		return loadDemoQuotes(ctx, tx, db.stmts)
	})
	if err != nil {
		t.Fatal(err)
	}
	user := func(email string) *User {
		var u *User
		if err := db.read(ctx, func(tx *sql.Tx) error {
			var err error
			u, err = demoUser(ctx, tx, email)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return u
	}
	north, east := user("buyer@northshire.example"), user("buyer@eastbridge.example")
	mou, err := db.Agreement(ctx, DemoAgreementMoU)
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Inlife(ctx, north, mou.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Tier.BP != 150 || s.CumulativePence < 17_000_000 || s.CumulativePence > 19_000_000 {
		t.Fatalf("Northshire: got %d bp on %s approved, want 150 bp on about £180,000", s.Tier.BP, FormatPence(s.CumulativePence))
	}
	if bp, _ := db.InlifeBP(ctx, east, mou.ID); bp != 0 {
		t.Fatalf("Eastbridge: got %d bp, want 0", bp)
	}
	quotes, err := db.RecentQuotes(ctx, north, 10)
	if err != nil || len(quotes) != len(demoQuotes) {
		t.Fatalf("got %d quotes (%v), want %d", len(quotes), err, len(demoQuotes))
	}
	for _, qs := range quotes {
		q, err := db.Quote(ctx, north, qs.Ref, qs.Version)
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if q.Totals.GrossPence >= TwoApproverGrossPence {
			want = 2
		}
		if q.Status != QuoteApproved || len(q.Approvals) != want || !q.IssuedAt.Before(db.Now().AddDate(0, 0, -30)) {
			t.Fatalf("%s: got %s with %d approvals issued %s, want approved by %d in the past", q.Ref, q.Status, len(q.Approvals), q.IssuedAt, want)
		}
		if want == 2 && q.Approvals[0].Reviewer == q.Approvals[1].Reviewer {
			t.Fatalf("%s: approved twice by %s, want two different reviewers", q.Ref, q.Approvals[0].Reviewer)
		}
	}
}
