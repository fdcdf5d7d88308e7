package store

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkSavings computes the savings dashboard over 10,000 approved
// quotes (the seeded baskets awaiting review, approved by SQL): the cost of
// the dashboard's first render after each approval (the response cache
// holds it until the next).
func BenchmarkSavings(b *testing.B) {
	UseTestPasswordParams()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.LoadDemo(ctx, DemoPasswordDefault); err != nil {
		b.Fatal(err)
	}
	if _, err := db.SeedSubmittedBaskets(ctx, 10_000, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `UPDATE quote_versions SET status = 'approved', decided_at = issued_at WHERE status = 'submitted'`); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		s, err := db.Savings(ctx, SavingsFilter{})
		if err != nil || s.Total.Quotes < 10_000 {
			b.Fatalf("got %d quotes, %v", s.Total.Quotes, err)
		}
	}
}
