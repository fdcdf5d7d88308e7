package store

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestOfferingBySlug(t *testing.T) {
	db, ctx := openFixtureDB(t)
	t.Run("found with every field", func(t *testing.T) {
		o, err := db.Offering(ctx, "acme-fibre-500")
		if err != nil {
			t.Fatal(err)
		}
		if o.Name != "Fibre 500" || o.Category.Slug != "broadband" || o.Category.Name != "Broadband" ||
			o.Supplier.Slug != "acme" || o.Supplier.Name != "Acme Networks" || o.Agreement.Slug != "acme-mou" ||
			o.Agreement.Title != "Acme MoU" || o.MonthlyPence != 5000 || o.MouBP != 1000 || !o.PovTrial || o.SdwanTrial || !o.Active {
			t.Errorf("got %+v, want Fibre 500 as loaded", o)
		}
		if got := o.TermsString(); got != "12|24|36" {
			t.Errorf("terms: got %q, want 12|24|36", got)
		}
		if !o.HasTerm(24) || o.HasTerm(60) {
			t.Errorf("HasTerm: got 24=%v 60=%v, want true false", o.HasTerm(24), o.HasTerm(60))
		}
		if got := o.Attribute("Speed"); got != "fast" {
			t.Errorf("attribute Speed: got %q, want fast", got)
		}
		if got := o.Attribute("Colour"); got != "" {
			t.Errorf("absent attribute: got %q, want empty", got)
		}
		if o.UpdatedAt.IsZero() {
			t.Errorf("updated at: got the zero time, want when it was loaded")
		}
	})
	t.Run("unknown slug is not found", func(t *testing.T) {
		_, err := db.Offering(ctx, "nope")
		if ErrorCode(err) != ENOTFOUND {
			t.Errorf("got %v, want ENOTFOUND", err)
		}
	})
	t.Run("terms are in ascending order whatever the load order", func(t *testing.T) {
		err := db.LoadCatalogue(ctx, Catalogue{Offerings: []NewOffering{{Slug: "x", Name: "X", CategorySlug: "mobile",
			AgreementSlug: "acme-mou", Unit: "SIM", MonthlyPence: 1, Terms: []int{36, 1, 12}}}})
		if err != nil {
			t.Fatal(err)
		}
		o, err := db.Offering(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(o.Terms, []int{1, 12, 36}) || o.TermsString() != "1|12|36" {
			t.Errorf("got %v (%q), want [1 12 36]", o.Terms, o.TermsString())
		}
		if len(o.Attributes) != 0 || len(o.SocialValue) != 0 {
			t.Errorf("an offering loaded without attributes or social value: got %v and %v, want none", o.Attributes, o.SocialValue)
		}
	})
}

func TestOfferingsBySlug(t *testing.T) {
	db, ctx := openFixtureDB(t)
	t.Run("in the order asked", func(t *testing.T) {
		got, err := db.OfferingsBySlug(ctx, []string{"bolt-sim-10gb", "acme-fibre-500"})
		if err != nil {
			t.Fatal(err)
		}
		if s := slugsOf(got); !slices.Equal(s, []string{"bolt-sim-10gb", "acme-fibre-500"}) {
			t.Errorf("got %v, want [bolt-sim-10gb acme-fibre-500]", s)
		}
	})
	t.Run("none asked is none returned", func(t *testing.T) {
		got, err := db.OfferingsBySlug(ctx, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("got %v, %v; want nothing", got, err)
		}
	})
	t.Run("an unknown slug is not found and named", func(t *testing.T) {
		_, err := db.OfferingsBySlug(ctx, []string{"acme-fibre-500", "made-up"})
		if ErrorCode(err) != ENOTFOUND || !strings.Contains(ErrorMessage(err), "made-up") {
			t.Errorf("got %v, want ENOTFOUND naming made-up", err)
		}
	})
}

func TestPriceHistory(t *testing.T) {
	db, ctx := openFixtureDB(t)
	o, err := db.Offering(ctx, "acme-fibre-500")
	if err != nil {
		t.Fatal(err)
	}
	testExec(t, db, "UPDATE offerings SET monthly_pence = 5200 WHERE id = ?", o.ID)
	testExec(t, db, "UPDATE offerings SET name = 'Fibre 500 Pro' WHERE id = ?", o.ID) // not a price change
	testExec(t, db, "UPDATE offerings SET mou_discount_bp = 1200 WHERE id = ?", o.ID)
	h, err := db.PriceHistory(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int64
	for _, p := range h {
		got = append(got, [2]int64{p.MonthlyPence, p.MouBP})
	}
	want := [][2]int64{{5200, 1200}, {5200, 1000}, {5000, 1000}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want newest first %v", got, want)
	}
	if h[len(h)-1].At.IsZero() {
		t.Errorf("first price: got the zero time, want when it was set")
	}
}

func TestAgreements(t *testing.T) {
	db, ctx := openFixtureDB(t)
	t.Run("by slug with tiers in order", func(t *testing.T) {
		a, err := db.Agreement(ctx, "acme-mou")
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "Acme MoU" || a.Supplier.Name != "Acme Networks" || a.CCSRef != "MOU-1" || a.StartsOn != "2025-01-01" {
			t.Errorf("got %+v, want Acme MoU as loaded", a)
		}
		if !slices.Equal(a.Tiers, []Tier{{FromPence: 0, BP: 0}, {FromPence: 10_000_000, BP: 150}}) {
			t.Errorf("tiers: got %v, want 0 bp then 150 bp from £100,000", a.Tiers)
		}
	})
	t.Run("unknown slug is not found", func(t *testing.T) {
		if _, err := db.Agreement(ctx, "nope"); ErrorCode(err) != ENOTFOUND {
			t.Errorf("got %v, want ENOTFOUND", err)
		}
	})
	t.Run("all by title", func(t *testing.T) {
		all, err := db.Agreements(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range all {
			titles = append(titles, a.Title)
		}
		if !slices.Equal(titles, []string{"Acme MoU", "Bolt framework"}) || len(all[0].Tiers) != 2 {
			t.Errorf("got %v (first with %d tiers), want [Acme MoU Bolt framework] with tiers", titles, len(all[0].Tiers))
		}
	})
	t.Run("offerings of an agreement are active ones by category then name", func(t *testing.T) {
		setOfferingActive(t, db, "acme-sdwan-branch", false)
		a, _ := db.Agreement(ctx, "acme-mou")
		got, err := db.AgreementOfferings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"acme-ethernet-1g", "acme-fibre-500", "acme-fibre-backup", "acme-iot-sim", "acme-sim-unlimited"}
		if s := slugsOf(got); !slices.Equal(s, want) {
			t.Errorf("got %v, want %v", s, want)
		}
		first, total, err := db.AgreementOfferingsUpTo(ctx, a.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if s := slugsOf(first); !slices.Equal(s, want[:2]) || total != len(want) {
			t.Errorf("up to 2: got %v of %d, want %v of %d", s, total, want[:2], len(want))
		}
	})
	t.Run("the discount schedule groups them by category with counts and discount ranges", func(t *testing.T) {
		a, _ := db.Agreement(ctx, "acme-mou")
		// acme-sdwan-branch is withdrawn (above); acme-iot-sim has a 15% discount.
		type cat struct {
			slug         string
			count        int
			minBP, maxBP int64
			listed       []string
		}
		flatten := func(s Schedule) []cat {
			var out []cat
			for _, c := range s.Categories {
				var listed []string
				for _, o := range c.Offerings {
					listed = append(listed, o.Slug)
				}
				out = append(out, cat{c.Category.Slug, c.Count, c.MinBP, c.MaxBP, listed})
			}
			return out
		}
		all, err := db.AgreementSchedule(ctx, a.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []cat{
			{"leased", 1, 1000, 1000, []string{"acme-ethernet-1g"}},
			{"broadband", 2, 1000, 1000, []string{"acme-fibre-500", "acme-fibre-backup"}},
			{"mobile", 2, 1500, 1500, []string{"acme-iot-sim", "acme-sim-unlimited"}},
		}
		if got := flatten(all); !reflect.DeepEqual(got, want) || all.Total != 5 || all.Listed != 5 {
			t.Errorf("got %+v (total %d, listed %d), want %+v (5, 5)", got, all.Total, all.Listed, want)
		}
		if o := all.Categories[0].Offerings[0]; o.Name != "Ethernet 1G Circuit" || o.MonthlyPence != 30000 || o.MouBP != 1000 {
			t.Errorf("first entry: got %+v, want Ethernet 1G Circuit at 30000 pence, 1000 bp", o)
		}
		three, err := db.AgreementSchedule(ctx, a.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		want[1].listed, want[2].listed = want[1].listed[:1], nil
		if got := flatten(three); !reflect.DeepEqual(got, want) || three.Total != 5 || three.Listed != 2 {
			t.Errorf("up to 2: got %+v (total %d, listed %d), want %+v (5, 2)", got, three.Total, three.Listed, want)
		}
	})
	t.Run("the discount schedule reads one index, without sorting", func(t *testing.T) {
		// The categories query may sort its few groups (one per category),
		// never the offerings; the entries query sorts nothing.
		for q, sortFree := range map[string]string{scheduleCategoriesQuery: "TEMP B-TREE FOR GROUP BY", scheduleEntriesQuery: "TEMP B-TREE", scheduleIDsQuery: "TEMP B-TREE"} {
			rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1, 1, 10)
			if err != nil {
				t.Fatal(err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			joined := strings.Join(plan, "; ")
			if !strings.Contains(joined, "COVERING INDEX offerings_agreement_schedule") || strings.Contains(joined, sortFree) ||
				strings.Contains(joined, "SCAN offerings") {
				t.Errorf("plan for %q: got %q, want the covering schedule index and no scan of offerings", q, joined)
			}
		}
	})
}

func TestCategoriesInDisplayOrder(t *testing.T) {
	db, ctx := openFixtureDB(t)
	cats, err := db.Categories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cats {
		got = append(got, c.Slug)
	}
	if want := []string{"leased", "broadband", "mobile", "sdwan"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want the load order %v", got, want)
	}
}

func TestLoadCatalogueRefusesAnUnknownAgreement(t *testing.T) {
	db, ctx := openFixtureDB(t)
	before := search(t, db, everything()).Total
	err := db.LoadCatalogue(ctx, Catalogue{Offerings: []NewOffering{
		{Slug: "ok", Name: "OK", CategorySlug: "mobile", AgreementSlug: "acme-mou", Unit: "SIM", MonthlyPence: 1, Terms: []int{12}},
		{Slug: "bad", Name: "Bad", CategorySlug: "mobile", AgreementSlug: "nope", Unit: "SIM", MonthlyPence: 1, Terms: []int{12}},
	}})
	if ErrorCode(err) != EINVALID {
		t.Errorf("got %v, want EINVALID", err)
	}
	if after := search(t, db, everything()).Total; after != before {
		t.Errorf("offerings: got %d after a failed load, want %d (nothing saved)", after, before)
	}
}

func TestLoadDemo(t *testing.T) {
	db, ctx := openTestDB(t)
	if demo, _ := db.HasDemoData(ctx); demo {
		t.Fatalf("empty database: got demo data, want none")
	}
	loaded, err := db.LoadDemo(ctx, "portal-demo-pass")
	if err != nil || !loaded {
		t.Fatalf("first load: got %v, %v; want loaded", loaded, err)
	}
	if demo, _ := db.HasDemoData(ctx); !demo {
		t.Errorf("after loading: got no demo flag, want it set")
	}
	n := search(t, db, everything()).Total
	v := db.Versions()[DataCatalogue]
	loaded, err = db.LoadDemo(ctx, "portal-demo-pass")
	if err != nil || loaded {
		t.Errorf("second load: got %v, %v; want nothing loaded", loaded, err)
	}
	if got := search(t, db, everything()).Total; got != n {
		t.Errorf("offerings after a second load: got %d, want %d", got, n)
	}
	if got := db.Versions()[DataCatalogue]; got != v {
		t.Errorf("catalogue version after a second load: got %d, want %d (unchanged)", got, v)
	}

	t.Run("a database with its own catalogue is left alone", func(t *testing.T) {
		db, ctx := openFixtureDB(t)
		loaded, err := db.LoadDemo(ctx, "portal-demo-pass")
		if err != nil || loaded {
			t.Errorf("got %v, %v; want nothing loaded", loaded, err)
		}
		if got := search(t, db, everything()).Total; got != 10 {
			t.Errorf("got %d offerings, want the fixture's 10", got)
		}
		if demo, _ := db.HasDemoData(ctx); demo {
			t.Errorf("got the demo flag, want none")
		}
	})
	t.Run("a database with only an organisation is left alone", func(t *testing.T) {
		db, ctx := openTestDB(t)
		if _, err := db.CreateOrganisation(ctx, Operator(), NewOrganisation{Name: "Westshire Council", Type: OrgOther, Identifier: "GB-TEST-WEST"}); err != nil {
			t.Fatal(err)
		}
		loaded, err := db.LoadDemo(ctx, "portal-demo-pass")
		if err != nil || loaded {
			t.Errorf("got %v, %v; want nothing loaded", loaded, err)
		}
		if got := search(t, db, everything()).Total; got != 0 {
			t.Errorf("got %d offerings, want none", got)
		}
	})
}

func TestMouMonthlyPriceMatchesPricing(t *testing.T) {
	// The generated column that max_monthly and the price sorts use must be
	// the §3 price with q = 1, t = 1 and no one-off, for every rounding case.
	db, ctx := openFixtureDB(t)
	var offs []NewOffering
	for i, c := range []struct{ monthly, bp int64 }{
		{999, 1250}, {1, 5000}, {3, 5000}, {5, 1000}, {15, 1000}, {0, 2500}, {98_765_432, 1575}, {10001, 9999}, {7, 10000}, {99_999_999, 1575},
	} {
		offs = append(offs, NewOffering{Slug: "p" + string(rune('a'+i)), Name: "P", CategorySlug: "mobile", AgreementSlug: "acme-mou",
			Unit: "SIM", MonthlyPence: c.monthly, MouBP: c.bp, Terms: []int{12}})
	}
	if err := db.LoadCatalogue(ctx, Catalogue{Offerings: offs}); err != nil {
		t.Fatal(err)
	}
	for _, o := range offs {
		var got int64
		if err := db.r.QueryRowContext(ctx, "SELECT mou_monthly_pence FROM offerings WHERE slug = ?", o.Slug).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if want := MonthlyPrice(o.MonthlyPence, o.MouBP, 0).NetPence; got != want {
			t.Errorf("%d pence at %d bp: got %d, want %d", o.MonthlyPence, o.MouBP, got, want)
		}
	}
}

func TestSearchEmptyCatalogue(t *testing.T) {
	db, _ := openTestDB(t)
	res, err := db.SearchOfferings(context.Background(), SearchParams{Query: "ethernet", MaxMonthly: -1})
	if err != nil || res.Total != 0 || res.Pages != 1 || len(res.Facets.Categories) != 0 {
		t.Errorf("got %+v, %v; want no results, one page, no facets", res, err)
	}
}
