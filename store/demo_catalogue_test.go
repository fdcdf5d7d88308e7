package store

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func openDemoCatalogueDB(t *testing.T) (*DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.LoadCatalogue(ctx, DemoCatalogue()); err != nil {
		t.Fatalf("LoadCatalogue: %v", err)
	}
	return db, ctx
}

func TestDemoCatalogueOfferings(t *testing.T) {
	db, ctx := openDemoCatalogueDB(t)
	res, err := db.SearchOfferings(ctx, SearchParams{MaxMonthly: -1, PerPage: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < 40 || len(res.Offerings) != res.Total {
		t.Fatalf("got %d offerings (total %d), want at least 40", len(res.Offerings), res.Total)
	}

	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	slugs := map[string]bool{}
	underMoU, pov, sdwan := 0, 0, 0
	for _, o := range res.Offerings {
		if slugs[o.Slug] {
			t.Errorf("duplicate slug %q", o.Slug)
		}
		slugs[o.Slug] = true
		if !kebab.MatchString(o.Slug) {
			t.Errorf("slug %q is not kebab-case", o.Slug)
		}
		if o.Agreement.Slug == DemoAgreementMoU {
			underMoU++
		}
		if o.PovTrial {
			pov++
		}
		if o.SdwanTrial {
			sdwan++
			if o.Category.Slug != "sd-wan" {
				t.Errorf("%s: SD-WAN trial offering in category %s", o.Slug, o.Category.Slug)
			}
		}
		if len(o.Terms) < 1 {
			t.Errorf("%s: no term options", o.Slug)
		}
		if len(o.Attributes) < 3 {
			t.Errorf("%s: %d attributes, want at least 3", o.Slug, len(o.Attributes))
		}
		if strings.TrimSpace(o.Summary) == "" || strings.TrimSpace(o.Description) == "" {
			t.Errorf("%s: missing summary or description", o.Slug)
		}
		if n := len(o.SocialValue); n < 1 || n > 3 {
			t.Errorf("%s: %d social value commitments, want 1 to 3", o.Slug, n)
		}
		if o.MonthlyPence <= 0 {
			t.Errorf("%s: monthly price %d", o.Slug, o.MonthlyPence)
		}
		if o.MouBP < 500 || o.MouBP > 2500 {
			t.Errorf("%s: MoU discount %d bp outside 500–2500", o.Slug, o.MouBP)
		}
	}
	if underMoU < 30 {
		t.Errorf("%d offerings under the MoU, want at least 30", underMoU)
	}
	if pov < 2 || sdwan < 2 {
		t.Errorf("trial-eligible offerings: pov %d, sdwan %d; want at least 2 each", pov, sdwan)
	}

	// The facets agree with the offerings and show at least six categories in use.
	used := 0
	for _, f := range res.Facets.Categories {
		if f.Count > 0 {
			used++
		}
	}
	if used < 6 {
		t.Errorf("%d categories used, want at least 6", used)
	}
	for _, f := range res.Facets.Trials {
		if f.Value == TrialPOV && f.Count != pov || f.Value == TrialSDWAN && f.Count != sdwan {
			t.Errorf("trial facet %s count %d, offerings say pov %d sdwan %d", f.Value, f.Count, pov, sdwan)
		}
	}
	suppliers := 0
	for _, f := range res.Facets.Suppliers {
		if f.Count > 0 {
			suppliers++
		}
	}
	if suppliers < 2 {
		t.Errorf("%d suppliers with offerings, want 2", suppliers)
	}
}

func TestDemoCatalogueCategoryOrder(t *testing.T) {
	db, ctx := openDemoCatalogueDB(t)
	cats, err := db.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cats {
		got = append(got, c.Slug)
	}
	want := []string{"mobile-voice-data", "data-only-sim", "iot-connectivity", "business-broadband",
		"ethernet-leased-lines", "sd-wan", "unified-communications"}
	if !slices.Equal(got, want) {
		t.Errorf("categories %v, want %v", got, want)
	}
}

func TestDemoCatalogueAgreements(t *testing.T) {
	db, ctx := openDemoCatalogueDB(t)
	as, err := db.Agreements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("%d agreements, want 2", len(as))
	}
	var mou *Agreement
	for i := range as {
		if as[i].Slug == DemoAgreementMoU {
			mou = &as[i]
		}
		if len(as[i].Tiers) == 0 || as[i].Tiers[0].FromPence != 0 {
			t.Errorf("%s: tiers %v must start from £0", as[i].Slug, as[i].Tiers)
		}
	}
	if mou == nil {
		t.Fatalf("no agreement %q", DemoAgreementMoU)
	}
	wantTiers := []Tier{{0, 0}, {10_000_000, 150}, {25_000_000, 300}, {100_000_000, 500}}
	if !slices.Equal(mou.Tiers, wantTiers) {
		t.Errorf("MoU tiers %v, want %v", mou.Tiers, wantTiers)
	}
	if mou.Supplier.Name != "Virgin Media O2 Business" {
		t.Errorf("MoU supplier %q", mou.Supplier.Name)
	}
	if mou.StartsOn != "2025-04-01" || mou.EndsOn != "2028-03-31" {
		t.Errorf("MoU dates %s to %s", mou.StartsOn, mou.EndsOn)
	}
	tr := mou.Trials
	if tr.PovMinSites != 1 || tr.PovMaxSites != 20 || tr.PovMinDays != 14 || tr.PovMaxDays != 90 ||
		tr.SdwanMinSites != 1 || tr.SdwanMaxSites != 5 || tr.SdwanMinDays != 30 || tr.SdwanMaxDays != 60 || tr.Text == "" {
		t.Errorf("MoU trial terms %+v", tr)
	}
	if len(mou.SocialValue) < 3 || len(mou.LearningDevelopment) < 3 || len(mou.Evaluation) == 0 {
		t.Errorf("MoU social value %v, learning and development %v, evaluation %v: want at least 3 commitments of each and the evaluation approach",
			mou.SocialValue, mou.LearningDevelopment, mou.Evaluation)
	}
}

func TestDemoCatalogueSearch(t *testing.T) {
	db, ctx := openDemoCatalogueDB(t)
	for _, q := range []string{"ether", "5G", "fibre", "SIM", "SD-WAN", "unlimited", "leased line", "IoT"} {
		res, err := db.SearchOfferings(ctx, SearchParams{Query: q, MaxMonthly: -1})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		if res.Total < 2 {
			t.Errorf("search %q found %d offerings, want at least 2", q, res.Total)
		}
	}
	res, err := db.SearchOfferings(ctx, SearchParams{Query: "ether", MaxMonthly: -1, PerPage: -1})
	if err != nil {
		t.Fatal(err)
	}
	agreements := map[string]bool{}
	for _, o := range res.Offerings {
		agreements[o.Agreement.Slug] = true
	}
	if len(agreements) < 2 {
		t.Errorf("search \"ether\" found offerings under %d agreements, want both", len(agreements))
	}
}
