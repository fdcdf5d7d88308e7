package store

import (
	"context"
	"slices"
	"testing"
)

// TestSearchPostingsOptional checks that a database without the fts5vocab
// row table (created before migration 0001 had it) searches the same,
// reading every term from the vocab instance table.
func TestSearchPostingsOptional(t *testing.T) {
	ctx := context.Background()
	db := benchSearchDB(t, 150)
	search := func() (ids []int64, postings int) {
		t.Helper()
		db.ResetSearchCache()
		res, err := db.SearchOfferings(ctx, SearchParams{Query: "s", MaxMonthly: -1, PerPage: -1})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Offerings {
			ids = append(ids, o.ID)
		}
		idx, _, err := db.catalogueIndex(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ids, len(idx.fts.postings)
	}
	want, n := search()
	if n == 0 || len(want) == 0 {
		t.Fatalf("%d results, %d terms with postings; want some of each", len(want), n)
	}
	// Dropping the table bumps no catalogue version: rebuild by hand.
	if _, err := db.w.ExecContext(ctx, "DROP TABLE offerings_fts_row"); err != nil {
		t.Fatal(err)
	}
	idx, err := db.buildIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.search.mu.Lock()
	db.search.index = idx
	db.search.mu.Unlock()
	got, n := search()
	if n != 0 {
		t.Errorf("%d terms with postings without the row table", n)
	}
	if !slices.Equal(got, want) {
		t.Errorf("without postings: %d results, with: %d (or in another order)", len(got), len(want))
	}
}
