package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Catalogue search tests run against a small hand-made catalogue whose every
// answer can be worked out by reading fixtureCatalogue, and against the demo
// catalogue where the product brief names behaviour (typing "ether").

// fixtureCatalogue is ten offerings from two suppliers in four categories.
// Fibre Backup and Basic Broadband have the same MoU monthly price (£36.00)
// to pin the name tie-break of the price sorts; Fibre Backup mentions
// ethernet only in its description, to pin bm25's preference for names.
func fixtureCatalogue() Catalogue {
	off := func(slug, name, cat, agr string, monthly, bp int64, terms []int, pov, sdwan bool, desc string) NewOffering {
		return NewOffering{Slug: slug, Name: name, CategorySlug: cat, AgreementSlug: agr, Unit: "connection",
			Summary: name + " for public bodies", Description: desc, MonthlyPence: monthly, MouBP: bp, Terms: terms,
			Attributes: []Attribute{{"Speed", "fast"}}, SocialValue: []string{"Apprenticeships"}, PovTrial: pov, SdwanTrial: sdwan}
	}
	return Catalogue{
		Suppliers:  []Supplier{{Slug: "acme", Name: "Acme Networks"}, {Slug: "bolt", Name: "Bolt Telecom"}},
		Categories: []Category{{Slug: "leased", Name: "Leased lines"}, {Slug: "broadband", Name: "Broadband"}, {Slug: "mobile", Name: "Mobile"}, {Slug: "sdwan", Name: "SD-WAN"}},
		Agreements: []NewAgreement{
			{Slug: "acme-mou", CCSRef: "MOU-1", Title: "Acme MoU", SupplierSlug: "acme", StartsOn: "2025-01-01", EndsOn: "2027-12-31",
				Tiers: []Tier{{FromPence: 0, BP: 0}, {FromPence: 10_000_000, BP: 150}}},
			{Slug: "bolt-fw", CCSRef: "FW-2", Title: "Bolt framework", SupplierSlug: "bolt", StartsOn: "2025-01-01", EndsOn: "2027-12-31"},
		},
		Offerings: []NewOffering{
			off("acme-ethernet-1g", "Ethernet 1G Circuit", "leased", "acme-mou", 30000, 1000, []int{36, 60}, true, false, "A dedicated circuit."),
			off("bolt-ethernet-100m", "Ethernet 100M Circuit", "leased", "bolt-fw", 20000, 500, []int{36, 60}, false, false, "A dedicated circuit."),
			off("acme-fibre-backup", "Fibre Backup", "broadband", "acme-mou", 4000, 1000, []int{12, 24}, false, false, "Hands off over an ethernet port to your router."),
			off("acme-fibre-500", "Fibre 500", "broadband", "acme-mou", 5000, 1000, []int{12, 24, 36}, true, false, "Full fibre."),
			off("bolt-basic-broadband", "Basic Broadband", "broadband", "bolt-fw", 4000, 1000, []int{12, 24}, false, false, "Copper."),
			off("acme-sim-unlimited", "Unlimited SIM", "mobile", "acme-mou", 2000, 1500, []int{12, 24}, false, false, "Unlimited data."),
			off("bolt-sim-10gb", "SIM 10GB", "mobile", "bolt-fw", 999, 1250, []int{1, 12}, false, false, "Ten gigabytes."),
			off("acme-sdwan-branch", "SD-WAN Branch", "sdwan", "acme-mou", 10000, 1000, []int{36}, false, true, "Managed branch."),
			off("bolt-sdwan-hub", "SD-WAN Hub", "sdwan", "bolt-fw", 30000, 500, []int{36, 60}, true, true, "Managed hub."),
			off("acme-iot-sim", "IoT SIM Starter", "mobile", "acme-mou", 300, 1500, []int{1, 12, 24}, false, false, "Low data."),
		},
	}
}

// openTestDB opens a fresh database in a temporary directory.
func openTestDB(t testing.TB) (*DB, context.Context) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db, ctx
}

// openFixtureDB opens a fresh database holding fixtureCatalogue.
func openFixtureDB(t testing.TB) (*DB, context.Context) {
	t.Helper()
	db, ctx := openTestDB(t)
	if err := db.LoadCatalogue(ctx, fixtureCatalogue()); err != nil {
		t.Fatalf("LoadCatalogue: %v", err)
	}
	return db, ctx
}

// testExec runs one statement on the writer connection: the test's way of
// making catalogue changes that have no store method yet.
func testExec(t testing.TB, db *DB, query string, args ...any) {
	t.Helper()
	err := db.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
}

// setOfferingActive withdraws (false) or restores (true) an offering.
func setOfferingActive(t testing.TB, db *DB, slug string, active bool) {
	t.Helper()
	v := 0
	if active {
		v = 1
	}
	testExec(t, db, "UPDATE offerings SET active = ? WHERE slug = ?", v, slug)
}

// search runs SearchOfferings on an index of the catalogue as it is now,
// and fails the test on an error.
func search(t testing.TB, db *DB, p SearchParams) SearchResult {
	t.Helper()
	// Searches answer from the previous index while a rebuild runs; these
	// tests read their own writes back, so they wait for it.
	if err := db.WaitSearchIndex(context.Background()); err != nil {
		t.Fatalf("WaitSearchIndex: %v", err)
	}
	res, err := db.SearchOfferings(context.Background(), p)
	if err != nil {
		t.Fatalf("SearchOfferings(%+v): %v", p, err)
	}
	return res
}

// everything is the parameter set that lists the whole catalogue on one page.
func everything() SearchParams { return SearchParams{MaxMonthly: -1, PerPage: -1} }

func slugsOf(os []Offering) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Slug
	}
	return out
}

func sortedSlugs(os []Offering) []string {
	s := slugsOf(os)
	slices.Sort(s)
	return s
}

// ftsIntegrity fails the test when the FTS index disagrees with its content.
func ftsIntegrity(t testing.TB, db *DB) {
	t.Helper()
	testExec(t, db, "INSERT INTO offerings_fts (offerings_fts, rank) VALUES ('integrity-check', 1)")
}

func TestSearchText(t *testing.T) {
	db, _ := openFixtureDB(t)
	demo, _ := openDemoCatalogueDB(t)

	t.Run("prefix of a word finds Ethernet offerings in the demo catalogue", func(t *testing.T) {
		res := search(t, demo, SearchParams{Query: "ether", MaxMonthly: -1, PerPage: -1})
		if res.Total < 5 {
			t.Fatalf("got %d results for %q, want the demo's Ethernet leased lines (at least 5)", res.Total, "ether")
		}
		for _, o := range res.Offerings[:5] {
			if !strings.Contains(o.Name, "Ethernet") {
				t.Errorf("got %q among the first five results for %q, want only Ethernet offerings first", o.Name, "ether")
			}
		}
	})
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"supplier name finds all its offerings", "bolt", []string{"bolt-basic-broadband", "bolt-ethernet-100m", "bolt-sdwan-hub", "bolt-sim-10gb"}},
		{"supplier name prefix in any case finds all its offerings", "TELEC", []string{"bolt-basic-broadband", "bolt-ethernet-100m", "bolt-sdwan-hub", "bolt-sim-10gb"}},
		{"category name finds the category", "leased", []string{"acme-ethernet-1g", "bolt-ethernet-100m"}},
		{"words are all required", "sim starter", []string{"acme-iot-sim"}},
		{"punctuation between words is ignored", "sd-wan, hub!", []string{"bolt-sdwan-hub"}},
		{"description text is searched", "copper", []string{"bolt-basic-broadband"}},
		{"unknown word finds nothing", "zebra", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, db, SearchParams{Query: tc.query, MaxMonthly: -1, PerPage: -1})
			if got := sortedSlugs(res.Offerings); !slices.Equal(got, tc.want) {
				t.Errorf("query %q: got %v, want %v", tc.query, got, tc.want)
			}
			if res.Total != len(tc.want) {
				t.Errorf("query %q: got total %d, want %d", tc.query, res.Total, len(tc.want))
			}
		})
	}
	t.Run("bm25 ranks name matches before description matches", func(t *testing.T) {
		res := search(t, db, SearchParams{Query: "ethernet", MaxMonthly: -1, PerPage: -1})
		got := slugsOf(res.Offerings)
		if len(got) != 3 || got[2] != "acme-fibre-backup" {
			t.Errorf("got %v, want the two Ethernet circuits first and acme-fibre-backup (description only) last", got)
		}
	})
	t.Run("relevance is the default order when there is a query", func(t *testing.T) {
		a := search(t, db, SearchParams{Query: "ethernet", MaxMonthly: -1})
		b := search(t, db, SearchParams{Query: "ethernet", MaxMonthly: -1, Sort: SortRelevance})
		if !slices.Equal(slugsOf(a.Offerings), slugsOf(b.Offerings)) {
			t.Errorf("got %v with no sort, want the relevance order %v", slugsOf(a.Offerings), slugsOf(b.Offerings))
		}
	})
}

func TestSearchNeverFailsOnQuerySyntax(t *testing.T) {
	db, _ := openFixtureDB(t)
	all := search(t, db, everything()).Total
	for _, tc := range []struct {
		name  string
		query string
		want  int // -1: any number, but no error
	}{
		{"unbalanced quote searches the word", `"unbalanced`, 0},
		{"unbalanced quote before a real word finds it", `"ethernet`, 3},
		{"bare AND OR are words, not operators", "AND OR", 0},
		{"NEAR with a parenthesis is a word", "NEAR(", 0},
		{"a lone star lists everything", "*", all},
		{"column filter syntax is a word", "name:ethernet", 0},
		{"caret and minus are ignored", "^ethernet -circuit", 2},
		{"script tag is just words", "<script>alert(1)</script>", 0},
		{"empty lists everything", "", all},
		{"spaces only lists everything", "   \t ", all},
		{"accented letters match without accents", "éthernet", 3},
		{"non-Latin script is searchable without error", "гигабит 東京", 0},
		{"emoji and symbols list everything", "🚀 ™ ©", all},
		{"a very long word is cut without error", "a" + strings.Repeat("é", 100), 0},
		{"many words are capped without error", strings.Repeat("fibre ", 40), -1},
		{"NUL byte is ignored", "ether\x00net", -1},
		{"invalid UTF-8 is ignored", "ether\xffnet", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := db.SearchOfferings(context.Background(), SearchParams{Query: tc.query, MaxMonthly: -1, PerPage: -1})
			if err != nil {
				t.Fatalf("query %q: got error %v, want results", tc.query, err)
			}
			if tc.want >= 0 && res.Total != tc.want {
				t.Errorf("query %q: got %d results %v, want %d", tc.query, res.Total, slugsOf(res.Offerings), tc.want)
			}
		})
	}
}

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ethernet 1G", `"ethernet"* "1g"*`},
		{`"unbalanced`, `"unbalanced"*`},
		{"AND OR NOT", `"and"* "or"* "not"*`},
		{"NEAR(a b)", `"near"* "a"* "b"*`},
		{"***", ""},
		{"", ""},
	} {
		if got := ftsQuery(tc.in); got != tc.want {
			t.Errorf("ftsQuery(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	t.Run("a cut word stays valid UTF-8", func(t *testing.T) {
		got := ftsQuery("a" + strings.Repeat("é", 100))
		if !strings.HasPrefix(got, `"`) || !strings.HasSuffix(got, `"*`) || !isValidUTF8(got) {
			t.Errorf("got %q, want one quoted prefix term of valid UTF-8", got)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// passes reports whether o passes the filters of p other than skip, worked
// out independently of the store's code.
func passes(o Offering, p SearchParams, skip string) bool {
	if skip != "category" && len(p.Categories) > 0 && !slices.Contains(p.Categories, o.Category.Slug) {
		return false
	}
	if skip != "supplier" && len(p.Suppliers) > 0 && !slices.Contains(p.Suppliers, o.Supplier.Slug) {
		return false
	}
	if skip != "term" && p.Term > 0 && !o.HasTerm(p.Term) {
		return false
	}
	if skip != "trial" && (p.Trial == TrialPOV && !o.PovTrial || p.Trial == TrialSDWAN && !o.SdwanTrial) {
		return false
	}
	if p.MaxMonthly >= 0 && MonthlyPrice(o.MonthlyPence, o.MouBP, 0).NetPence > p.MaxMonthly {
		return false
	}
	return true
}

func facetMap(vs []FacetValue) map[string]int {
	m := map[string]int{}
	for _, v := range vs {
		m[v.Value] = v.Count
	}
	return m
}

func selectedValues(vs []FacetValue) []string {
	var out []string
	for _, v := range vs {
		if v.Selected {
			out = append(out, v.Value)
		}
	}
	return out
}

func TestSearchFiltersAndFacets(t *testing.T) {
	db, _ := openFixtureDB(t)
	all := search(t, db, everything()).Offerings
	if len(all) != 10 {
		t.Fatalf("fixture: got %d offerings, want 10", len(all))
	}
	// In this table MaxMonthly 0 means no limit, except with zeroLimit.
	for _, tc := range []struct {
		name      string
		p         SearchParams
		zeroLimit bool
		want      []string // the literal pins the intent; passes() must agree
	}{
		{"no filter lists everything", SearchParams{}, false, nil},
		{"one category", SearchParams{Categories: []string{"broadband"}}, false, []string{"acme-fibre-500", "acme-fibre-backup", "bolt-basic-broadband"}},
		{"two categories are either", SearchParams{Categories: []string{"leased", "sdwan"}}, false, []string{"acme-ethernet-1g", "acme-sdwan-branch", "bolt-ethernet-100m", "bolt-sdwan-hub"}},
		{"supplier", SearchParams{Suppliers: []string{"bolt"}}, false, []string{"bolt-basic-broadband", "bolt-ethernet-100m", "bolt-sdwan-hub", "bolt-sim-10gb"}},
		{"term", SearchParams{Term: 60}, false, []string{"acme-ethernet-1g", "bolt-ethernet-100m", "bolt-sdwan-hub"}},
		{"term nobody offers", SearchParams{Term: 7}, false, []string{}},
		{"proof-of-value trial", SearchParams{Trial: TrialPOV}, false, []string{"acme-ethernet-1g", "acme-fibre-500", "bolt-sdwan-hub"}},
		{"SD-WAN trial", SearchParams{Trial: TrialSDWAN}, false, []string{"acme-sdwan-branch", "bolt-sdwan-hub"}},
		// SIM 10GB: £9.99 less 12.5% = 999 − round(124.875) = 874 pence.
		{"max monthly includes the exact MoU price", SearchParams{MaxMonthly: 874}, false, []string{"acme-iot-sim", "bolt-sim-10gb"}},
		{"max monthly one penny under excludes it", SearchParams{MaxMonthly: 873}, false, []string{"acme-iot-sim"}},
		{"max monthly compares the MoU price, not the list price", SearchParams{MaxMonthly: 3600}, false, []string{"acme-fibre-backup", "acme-iot-sim", "acme-sim-unlimited", "bolt-basic-broadband", "bolt-sim-10gb"}},
		{"max monthly zero finds nothing dearer than free", SearchParams{}, true, []string{}},
		{"combined filters", SearchParams{Categories: []string{"broadband", "leased"}, Suppliers: []string{"acme"}, Term: 24}, false, []string{"acme-fibre-500", "acme-fibre-backup"}},
		{"combined with a query", SearchParams{Query: "fibre", Suppliers: []string{"acme"}, Trial: TrialPOV, MaxMonthly: 5000}, false, []string{"acme-fibre-500"}},
		{"unknown category finds nothing", SearchParams{Categories: []string{"no-such-category"}}, false, []string{}},
		{"unknown supplier finds nothing", SearchParams{Suppliers: []string{"Bolt Telecom"}}, false, []string{}},
		{"a known and an unknown category find the known one", SearchParams{Categories: []string{"sdwan", "nope"}}, false, []string{"acme-sdwan-branch", "bolt-sdwan-hub"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			if p.MaxMonthly == 0 && !tc.zeroLimit {
				p.MaxMonthly = -1
			}
			p.PerPage = -1
			// The query's matches, independently of the filters.
			base := all
			if p.Query != "" {
				base = search(t, db, SearchParams{Query: p.Query, MaxMonthly: -1, PerPage: -1}).Offerings
			}
			var want []string
			for _, o := range base {
				if passes(o, p, "") {
					want = append(want, o.Slug)
				}
			}
			slices.Sort(want)
			if tc.want != nil && !slices.Equal(want, tc.want) {
				t.Fatalf("test expectation: passes() gives %v, the table says %v", want, tc.want)
			}
			res := search(t, db, p)
			if got := sortedSlugs(res.Offerings); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("got %v, want %v", got, want)
			}
			if res.Total != len(want) {
				t.Errorf("got total %d, want %d", res.Total, len(want))
			}

			// Each facet's counts apply every other active filter, not its own.
			wantFacets := map[string]map[string]int{"category": {}, "supplier": {}, "term": {}, "trial": {}}
			for _, c := range []string{"leased", "broadband", "mobile", "sdwan"} {
				wantFacets["category"][c] = 0
			}
			wantFacets["supplier"]["acme"], wantFacets["supplier"]["bolt"] = 0, 0
			for _, m := range []int{1, 12, 24, 36, 60} {
				wantFacets["term"][fmt.Sprint(m)] = 0
			}
			wantFacets["trial"][TrialPOV], wantFacets["trial"][TrialSDWAN] = 0, 0
			for _, o := range base {
				if passes(o, p, "category") {
					wantFacets["category"][o.Category.Slug]++
				}
				if passes(o, p, "supplier") {
					wantFacets["supplier"][o.Supplier.Slug]++
				}
				if passes(o, p, "term") {
					for _, m := range o.Terms {
						wantFacets["term"][fmt.Sprint(m)]++
					}
				}
				if passes(o, p, "trial") {
					if o.PovTrial {
						wantFacets["trial"][TrialPOV]++
					}
					if o.SdwanTrial {
						wantFacets["trial"][TrialSDWAN]++
					}
				}
			}
			gotFacets := map[string]map[string]int{
				"category": facetMap(res.Facets.Categories),
				"supplier": facetMap(res.Facets.Suppliers),
				"term":     facetMap(res.Facets.Terms),
				"trial":    facetMap(res.Facets.Trials),
			}
			for _, group := range []string{"category", "supplier", "term", "trial"} {
				if !maps.Equal(gotFacets[group], wantFacets[group]) {
					t.Errorf("%s facet counts: got %v, want %v", group, gotFacets[group], wantFacets[group])
				}
			}

			// The facets mark what is selected.
			if got := selectedValues(res.Facets.Categories); !slices.Equal(got, knownOnly(p.Categories, "leased", "broadband", "mobile", "sdwan")) {
				t.Errorf("selected categories: got %v, want %v", got, p.Categories)
			}
			if got := selectedValues(res.Facets.Suppliers); !slices.Equal(got, knownOnly(p.Suppliers, "acme", "bolt")) {
				t.Errorf("selected suppliers: got %v, want %v", got, p.Suppliers)
			}
		})
	}
	t.Run("facet labels are the names people read", func(t *testing.T) {
		res := search(t, db, everything())
		if got := res.Facets.Categories[0]; got.Value != "leased" || got.Label != "Leased lines" {
			t.Errorf("first category facet: got %+v, want leased / Leased lines (catalogue order)", got)
		}
		if got := res.Facets.Suppliers[1]; got.Value != "bolt" || got.Label != "Bolt Telecom" {
			t.Errorf("second supplier facet: got %+v, want bolt / Bolt Telecom", got)
		}
		if got := res.Facets.Terms[0]; got.Value != "1" || got.Label != "1 month" {
			t.Errorf("first term facet: got %+v, want 1 month", got)
		}
	})
}

// knownOnly returns the values of want that are among known, in known's order.
func knownOnly(want []string, known ...string) []string {
	var out []string
	for _, k := range known {
		if slices.Contains(want, k) {
			out = append(out, k)
		}
	}
	return out
}

func TestSearchSorts(t *testing.T) {
	db, _ := openFixtureDB(t)
	price := func(o Offering) int64 { return MonthlyPrice(o.MonthlyPence, o.MouBP, 0).NetPence }
	for _, tc := range []struct {
		name string
		p    SearchParams
		want []string
	}{
		{"price low to high, equal prices by name", SearchParams{Sort: SortPriceAsc},
			[]string{"acme-iot-sim", "bolt-sim-10gb", "acme-sim-unlimited", "bolt-basic-broadband", "acme-fibre-backup", "acme-fibre-500", "acme-sdwan-branch", "bolt-ethernet-100m", "acme-ethernet-1g", "bolt-sdwan-hub"}},
		{"price high to low, equal prices by name", SearchParams{Sort: SortPriceDesc},
			[]string{"bolt-sdwan-hub", "acme-ethernet-1g", "bolt-ethernet-100m", "acme-sdwan-branch", "acme-fibre-500", "bolt-basic-broadband", "acme-fibre-backup", "acme-sim-unlimited", "bolt-sim-10gb", "acme-iot-sim"}},
		{"name ignores case", SearchParams{Sort: SortName},
			[]string{"bolt-basic-broadband", "bolt-ethernet-100m", "acme-ethernet-1g", "acme-fibre-500", "acme-fibre-backup", "acme-iot-sim", "acme-sdwan-branch", "bolt-sdwan-hub", "bolt-sim-10gb", "acme-sim-unlimited"}},
		{"relevance without a query is by name", SearchParams{Sort: SortRelevance},
			[]string{"bolt-basic-broadband", "bolt-ethernet-100m", "acme-ethernet-1g", "acme-fibre-500", "acme-fibre-backup", "acme-iot-sim", "acme-sdwan-branch", "bolt-sdwan-hub", "bolt-sim-10gb", "acme-sim-unlimited"}},
		{"query sorted by price", SearchParams{Query: "ethernet", Sort: SortPriceAsc},
			[]string{"acme-fibre-backup", "bolt-ethernet-100m", "acme-ethernet-1g"}},
		{"query sorted by price, high to low", SearchParams{Query: "ethernet", Sort: SortPriceDesc},
			[]string{"acme-ethernet-1g", "bolt-ethernet-100m", "acme-fibre-backup"}},
		{"query sorted by name", SearchParams{Query: "sim", Sort: SortName},
			[]string{"acme-iot-sim", "bolt-sim-10gb", "acme-sim-unlimited"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.MaxMonthly, p.PerPage = -1, -1
			res := search(t, db, p)
			if got := slugsOf(res.Offerings); !slices.Equal(got, tc.want) {
				var prices []string
				for _, o := range res.Offerings {
					prices = append(prices, fmt.Sprintf("%s=%d", o.Slug, price(o)))
				}
				t.Errorf("got %v, want %v\n(prices %v)", got, tc.want, prices)
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	db, _ := openDemoCatalogueDB(t)
	all := search(t, db, SearchParams{MaxMonthly: -1, PerPage: -1, Sort: SortName})
	n := all.Total
	if n <= 2*PerPage {
		t.Fatalf("demo catalogue: got %d offerings, want more than %d to test three pages", n, 2*PerPage)
	}
	wantPages := (n + PerPage - 1) / PerPage
	var seen []string
	for page := 1; page <= wantPages; page++ {
		res := search(t, db, SearchParams{MaxMonthly: -1, Sort: SortName, Page: page})
		wantLen := PerPage
		if page == wantPages {
			wantLen = n - (wantPages-1)*PerPage
		}
		if len(res.Offerings) != wantLen || res.Total != n || res.Pages != wantPages || res.Page != page {
			t.Errorf("page %d: got %d offerings, total %d, pages %d, page %d; want %d, %d, %d, %d",
				page, len(res.Offerings), res.Total, res.Pages, res.Page, wantLen, n, wantPages, page)
		}
		seen = append(seen, slugsOf(res.Offerings)...)
	}
	if !slices.Equal(seen, slugsOf(all.Offerings)) {
		t.Errorf("pages in turn: got %v, want every offering once in name order %v", seen, slugsOf(all.Offerings))
	}
	t.Run("a page past the end is empty but keeps the totals", func(t *testing.T) {
		res := search(t, db, SearchParams{MaxMonthly: -1, Page: wantPages + 1})
		if len(res.Offerings) != 0 || res.Total != n || res.Pages != wantPages {
			t.Errorf("got %d offerings, total %d, pages %d; want 0, %d, %d", len(res.Offerings), res.Total, res.Pages, n, wantPages)
		}
	})
	t.Run("page zero or less is the first page", func(t *testing.T) {
		res := search(t, db, SearchParams{MaxMonthly: -1, Sort: SortName, Page: -3})
		if res.Page != 1 || !slices.Equal(slugsOf(res.Offerings), slugsOf(all.Offerings[:PerPage])) {
			t.Errorf("got page %d %v, want page 1", res.Page, slugsOf(res.Offerings))
		}
	})
	t.Run("no results is one page", func(t *testing.T) {
		res := search(t, db, SearchParams{Query: "zebra", MaxMonthly: -1})
		if res.Total != 0 || res.Pages != 1 || len(res.Offerings) != 0 {
			t.Errorf("got total %d, pages %d, %d offerings; want 0, 1, 0", res.Total, res.Pages, len(res.Offerings))
		}
	})
	t.Run("all results on one page for CSV", func(t *testing.T) {
		if len(all.Offerings) != n || all.Pages != 1 {
			t.Errorf("got %d offerings on %d pages, want %d on 1", len(all.Offerings), all.Pages, n)
		}
	})
}

func TestSearchWithdrawnOfferings(t *testing.T) {
	db, ctx := openFixtureDB(t)
	setOfferingActive(t, db, "bolt-sdwan-hub", false)

	res := search(t, db, everything())
	if slices.Contains(slugsOf(res.Offerings), "bolt-sdwan-hub") || res.Total != 9 {
		t.Errorf("catalogue: got %d offerings %v, want 9 without the withdrawn bolt-sdwan-hub", res.Total, slugsOf(res.Offerings))
	}
	if got := search(t, db, SearchParams{Query: "hub", MaxMonthly: -1}).Total; got != 0 {
		t.Errorf("search for the withdrawn offering's name: got %d results, want 0", got)
	}
	if got := facetMap(res.Facets.Trials)[TrialSDWAN]; got != 1 {
		t.Errorf("SD-WAN trial facet: got %d, want 1 (the withdrawn hub not counted)", got)
	}
	if got := facetMap(res.Facets.Terms)["60"]; got != 2 {
		t.Errorf("60-month facet: got %d, want 2", got)
	}
	o, err := db.Offering(ctx, "bolt-sdwan-hub")
	if err != nil || o.Active {
		t.Errorf("withdrawn offering by slug: got active=%v, err %v; want it found and inactive", o.Active, err)
	}

	setOfferingActive(t, db, "bolt-sdwan-hub", true)
	if got := search(t, db, SearchParams{Query: "hub", MaxMonthly: -1}).Total; got != 1 {
		t.Errorf("after restoring: got %d results for hub, want 1", got)
	}
}

func TestCatalogueVersionInvalidatesCachedResults(t *testing.T) {
	db, _ := openFixtureDB(t)
	v1 := db.Versions()[DataCatalogue]
	p := SearchParams{MaxMonthly: -1, Sort: SortPriceAsc}
	before := search(t, db, p)
	if again := search(t, db, p); !slices.Equal(slugsOf(again.Offerings), slugsOf(before.Offerings)) {
		t.Fatalf("same search twice: got %v then %v", slugsOf(before.Offerings), slugsOf(again.Offerings))
	}
	searchFibre := search(t, db, SearchParams{Query: "fibre", MaxMonthly: -1})

	// The dearest offering becomes the cheapest.
	testExec(t, db, "UPDATE offerings SET monthly_pence = 1 WHERE slug = 'bolt-sdwan-hub'")
	v2 := db.Versions()[DataCatalogue]
	if v2 <= v1 {
		t.Errorf("catalogue version: got %d after a price change, want more than %d", v2, v1)
	}
	after := search(t, db, p)
	if got := after.Offerings[0]; got.Slug != "bolt-sdwan-hub" || got.MonthlyPence != 1 {
		t.Errorf("cheapest after the price change: got %s at %d pence, want bolt-sdwan-hub at 1", got.Slug, got.MonthlyPence)
	}

	for _, tc := range []struct {
		name, stmt string
	}{
		{"renaming an offering", "UPDATE offerings SET name = 'Fibre Hub' WHERE slug = 'bolt-sdwan-hub'"},
		{"adding a term", "INSERT INTO offering_terms (offering_id, months) SELECT id, 48 FROM offerings WHERE slug = 'acme-fibre-500'"},
		{"removing a term", "DELETE FROM offering_terms WHERE months = 48"},
		{"renaming a supplier", "UPDATE suppliers SET name = 'Bolt Telecoms' WHERE slug = 'bolt'"},
		{"renaming a category", "UPDATE categories SET name = 'Fixed broadband' WHERE slug = 'broadband'"},
		{"adding a category", "INSERT INTO categories (slug, name) VALUES ('voice', 'Voice')"},
		{"changing an agreement", "UPDATE agreements SET title = 'Acme MoU 2' WHERE slug = 'acme-mou'"},
	} {
		t.Run(tc.name+" bumps the version", func(t *testing.T) {
			before := db.Versions()[DataCatalogue]
			testExec(t, db, tc.stmt)
			after := db.Versions()[DataCatalogue]
			if after <= before {
				t.Errorf("got version %d after %q, want more than %d", after, tc.stmt, before)
			}
		})
	}
	t.Run("a cached text search sees the renamed offering", func(t *testing.T) {
		got := search(t, db, SearchParams{Query: "fibre", MaxMonthly: -1})
		if got.Total != searchFibre.Total+1 || !slices.Contains(slugsOf(got.Offerings), "bolt-sdwan-hub") {
			t.Errorf("got %v, want %v plus the renamed bolt-sdwan-hub", slugsOf(got.Offerings), slugsOf(searchFibre.Offerings))
		}
	})
	t.Run("the term facet sees the added category and term changes", func(t *testing.T) {
		res := search(t, db, everything())
		if _, ok := facetMap(res.Facets.Terms)["48"]; ok {
			t.Errorf("term facet: got a 48-month entry after the term was removed")
		}
		if c, ok := facetMap(res.Facets.Categories)["voice"]; !ok || c != 0 {
			t.Errorf("category facet: got voice=%d (present %v), want the new empty category with 0", c, ok)
		}
	})
}

func TestFTSStaysInSync(t *testing.T) {
	db, _ := openFixtureDB(t)
	ftsIntegrity(t, db)
	find := func(q string) []string {
		t.Helper()
		return sortedSlugs(search(t, db, SearchParams{Query: q, MaxMonthly: -1, PerPage: -1}).Offerings)
	}
	t.Run("offering renamed", func(t *testing.T) {
		testExec(t, db, "UPDATE offerings SET name = 'Quasar Link', summary = 'x', description = 'y' WHERE slug = 'acme-ethernet-1g'")
		ftsIntegrity(t, db)
		if got := find("quasar"); !slices.Equal(got, []string{"acme-ethernet-1g"}) {
			t.Errorf("new name: got %v, want [acme-ethernet-1g]", got)
		}
		if got := find("ethernet"); slices.Contains(got, "acme-ethernet-1g") {
			t.Errorf("old name: got %v, want acme-ethernet-1g gone", got)
		}
	})
	t.Run("offering moved to another category", func(t *testing.T) {
		testExec(t, db, "UPDATE offerings SET category_id = (SELECT id FROM categories WHERE slug = 'mobile') WHERE slug = 'acme-fibre-500'")
		ftsIntegrity(t, db)
		if got := find("mobile"); !slices.Contains(got, "acme-fibre-500") {
			t.Errorf("new category name: got %v, want acme-fibre-500 among them", got)
		}
	})
	t.Run("supplier renamed", func(t *testing.T) {
		testExec(t, db, "UPDATE suppliers SET name = 'Zephyr Comms' WHERE slug = 'bolt'")
		ftsIntegrity(t, db)
		want := []string{"bolt-basic-broadband", "bolt-ethernet-100m", "bolt-sdwan-hub", "bolt-sim-10gb"}
		if got := find("zephyr"); !slices.Equal(got, want) {
			t.Errorf("new supplier name: got %v, want %v", got, want)
		}
		if got := find("bolt"); len(got) != 0 {
			t.Errorf("old supplier name: got %v, want nothing", got)
		}
	})
	t.Run("category renamed", func(t *testing.T) {
		testExec(t, db, "UPDATE categories SET name = 'Private circuits' WHERE slug = 'leased'")
		ftsIntegrity(t, db)
		if got := find("private circuits"); !slices.Equal(got, []string{"acme-ethernet-1g", "bolt-ethernet-100m"}) {
			t.Errorf("new category name: got %v, want the two leased lines", got)
		}
		if got := find("leased"); len(got) != 0 {
			t.Errorf("old category name: got %v, want nothing", got)
		}
	})
	t.Run("offering deleted", func(t *testing.T) {
		testExec(t, db, "DELETE FROM offerings WHERE slug = 'bolt-sim-10gb'")
		ftsIntegrity(t, db)
		if got := find("10gb"); len(got) != 0 {
			t.Errorf("deleted offering: got %v, want nothing", got)
		}
		if got := search(t, db, everything()).Total; got != 9 {
			t.Errorf("catalogue after delete: got %d offerings, want 9", got)
		}
	})
	t.Run("offering added", func(t *testing.T) {
		err := db.LoadCatalogue(context.Background(), Catalogue{Offerings: []NewOffering{{
			Slug: "acme-new", Name: "Nebula Voice", CategorySlug: "mobile", AgreementSlug: "acme-mou", Unit: "user",
			MonthlyPence: 100, Terms: []int{12},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		ftsIntegrity(t, db)
		if got := find("nebula"); !slices.Equal(got, []string{"acme-new"}) {
			t.Errorf("new offering: got %v, want [acme-new]", got)
		}
	})
}

// TestSearchConcurrentWithWrites searches from several goroutines while the
// catalogue changes underneath. Every write inserts an offering whose name
// sorts first, which moves every other offering's position in the in-memory
// index, so an answer computed from the old index but cached for the new one
// shows the wrong offerings. After each write the searchers pause and every
// cached answer must match a second handle on the same database file.
func TestSearchConcurrentWithWrites(t *testing.T) {
	db, ctx := openFixtureDB(t)
	fresh, err := Open(ctx, db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	queries := []SearchParams{
		{Query: "ethernet", MaxMonthly: -1},
		{Query: "sim", MaxMonthly: -1, Sort: SortPriceAsc},
		{Query: "aaa", MaxMonthly: -1},
		{MaxMonthly: -1, Sort: SortName},
		{MaxMonthly: 5000, Categories: []string{"mobile"}},
	}
	for round := range 10 {
		var wg sync.WaitGroup
		var searches atomic.Int64
		stop := make(chan struct{})
		errs := make(chan error, 4)
		for i := range 4 {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := db.SearchOfferings(ctx, queries[(i+n)%len(queries)]); err != nil {
						errs <- err
						return
					}
					searches.Add(1)
				}
			})
		}
		for searches.Load() < 8 && len(errs) == 0 { // searching before the write
			runtime.Gosched()
		}
		err := db.LoadCatalogue(ctx, Catalogue{Offerings: []NewOffering{{
			Slug: fmt.Sprintf("aaa-%d", round), Name: fmt.Sprintf("AAA Ethernet SIM %d", 99-round), CategorySlug: "mobile",
			AgreementSlug: "bolt-fw", Unit: "SIM", MonthlyPence: int64(100 + round), Terms: []int{12},
		}}})
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatal(err)
		}
		for after := searches.Load(); searches.Load() < after+40 && len(errs) == 0; { // and after it
			runtime.Gosched()
		}
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: concurrent search: %v", round, err)
		}
		// The second handle stands for another process: it learns of the
		// write when it next reads the data versions (WatchVersions).
		if err := fresh.RefreshVersions(ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range queries {
			got, want := search(t, db, p), search(t, fresh, p)
			if !slices.Equal(slugsOf(got.Offerings), slugsOf(want.Offerings)) || got.Total != want.Total {
				t.Fatalf("round %d, %+v: got %v (%d), want %v (%d) as a fresh handle says",
					round, p, slugsOf(got.Offerings), got.Total, slugsOf(want.Offerings), want.Total)
			}
		}
	}
}
