package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

func TestSeedOfferings(t *testing.T) {
	db, ctx := openDemoCatalogueDB(t)
	all := SearchParams{MaxMonthly: -1, PerPage: -1}
	before, err := db.SearchOfferings(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	got, err := db.SeedOfferings(ctx, n, 42)
	if err != nil {
		t.Fatalf("SeedOfferings: %v", err)
	}
	if got != n {
		t.Fatalf("SeedOfferings added %d, want %d", got, n)
	}
	if err := db.WaitSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := db.SearchOfferings(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != before.Total+n {
		t.Fatalf("offerings went from %d to %d, want +%d", before.Total, after.Total, n)
	}

	slugs := map[string]bool{}
	agreements := map[string]bool{}
	categories := map[string]bool{}
	for _, o := range after.Offerings {
		if slugs[o.Slug] {
			t.Errorf("duplicate slug %q", o.Slug)
		}
		slugs[o.Slug] = true
		agreements[o.Agreement.Slug] = true
		categories[o.Category.Slug] = true
		if o.Name == "" || o.Summary == "" || len(o.Terms) == 0 || len(o.Attributes) < 2 || len(o.SocialValue) == 0 {
			t.Errorf("incomplete offering %+v", o)
		}
		if o.MouBP < 500 || o.MouBP > 2500 {
			t.Errorf("%s: MoU discount %d bp", o.Slug, o.MouBP)
		}
	}
	if len(agreements) != 2 || len(categories) != 7 {
		t.Errorf("offerings span %d agreements and %d categories, want 2 and 7", len(agreements), len(categories))
	}

	rare, err := db.SearchOfferings(ctx, SearchParams{Query: SeedRareTerm, MaxMonthly: -1})
	if err != nil {
		t.Fatal(err)
	}
	if rare.Total == 0 || rare.Total >= after.Total/10 {
		t.Errorf("%q found %d of %d offerings, want some but under 10%%", SeedRareTerm, rare.Total, after.Total)
	}
	common, err := db.SearchOfferings(ctx, SearchParams{Query: SeedCommonTerm, MaxMonthly: -1})
	if err != nil {
		t.Fatal(err)
	}
	if common.Total <= after.Total/2 {
		t.Errorf("%q found %d of %d offerings, want more than half", SeedCommonTerm, common.Total, after.Total)
	}

	// Seeding again never clashes with the slugs already there.
	if _, err := db.SeedOfferings(ctx, 20, 42); err != nil {
		t.Fatalf("second SeedOfferings: %v", err)
	}
}

func TestSeedOfferingsDeterministic(t *testing.T) {
	names := func() []string {
		db, ctx := openDemoCatalogueDB(t)
		if _, err := db.SeedOfferings(ctx, 30, 7); err != nil {
			t.Fatal(err)
		}
		res, err := db.SearchOfferings(ctx, SearchParams{MaxMonthly: -1, PerPage: -1, Sort: SortName})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range res.Offerings {
			out = append(out, o.Slug+"|"+o.Agreement.Slug+"|"+o.TermsString())
		}
		return out
	}
	if a, b := names(), names(); !slices.Equal(a, b) {
		t.Errorf("same seed gave different offerings:\n%v\n%v", a, b)
	}
}

func TestSeedOfferingsEmptyCatalogue(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.SeedOfferings(ctx, 10, 1); err == nil || n != 0 || ErrorCode(err) != EINVALID {
		t.Errorf("SeedOfferings on an empty catalogue = %d, %v; want 0 and an EINVALID error", n, err)
	}
}
