package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"portal/static"
	"portal/store"
	"portal/views"
)

// allOfferings lists the whole catalogue as the store sees it.
func allOfferings(t testing.TB, db *store.DB, p store.SearchParams) []store.Offering {
	t.Helper()
	p.MaxMonthly, p.PerPage = max(p.MaxMonthly, -1), -1
	if p.MaxMonthly == 0 {
		p.MaxMonthly = -1
	}
	res, err := db.SearchOfferings(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return res.Offerings
}

func slugs(os []store.Offering) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Slug)
	}
	return out
}

// resultSlugs are the offerings listed on a catalogue page, in order.
func resultSlugs(doc *goquery.Document) []string {
	return attrs(doc.Find(`.results input[type="checkbox"][name="id"]`), "value")
}

// pageCase is one request and what its answer must hold.
type pageCase struct {
	name         string
	path         string
	wantStatus   int
	wantLocation string
	want         []string // selectors that must each match at least one element
	wantNot      []string // selectors that must match nothing
	wantText     []string // text the page must show
	check        func(t *testing.T, doc *goquery.Document)
}

func runPageCases(t *testing.T, e *echo.Echo, cases []pageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := get(e, tc.path)
			if w.Code != tc.wantStatus {
				t.Fatalf("GET %s: got status %d, want %d\n%s", tc.path, w.Code, tc.wantStatus, w.Body.String())
			}
			if got := w.Header().Get("Location"); got != tc.wantLocation {
				t.Errorf("GET %s: got Location %q, want %q", tc.path, got, tc.wantLocation)
			}
			if tc.wantLocation != "" {
				return
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("GET %s: got Content-Type %q, want HTML", tc.path, ct)
			}
			doc := parseHTML(t, w.Body.Bytes())
			for _, sel := range tc.want {
				if doc.Find(sel).Length() == 0 {
					t.Errorf("GET %s: got nothing matching %q, want at least one", tc.path, sel)
				}
			}
			for _, sel := range tc.wantNot {
				if n := doc.Find(sel).Length(); n != 0 {
					t.Errorf("GET %s: got %d matching %q, want none", tc.path, n, sel)
				}
			}
			body := text(doc.Find("body"))
			for _, s := range tc.wantText {
				if !strings.Contains(body, s) {
					t.Errorf("GET %s: page text lacks %q", tc.path, s)
				}
			}
			if tc.check != nil {
				tc.check(t, doc)
			}
		})
	}
}

func TestCataloguePages(t *testing.T) {
	e, db := newTestServer(t)
	all := allOfferings(t, db, store.SearchParams{Sort: store.SortName})
	byPrice := allOfferings(t, db, store.SearchParams{Sort: store.SortPriceAsc})
	ether := allOfferings(t, db, store.SearchParams{Query: "ether"})
	sdwan := allOfferings(t, db, store.SearchParams{Categories: []string{"sd-wan"}})
	n := len(all)
	lastPage := (n + store.PerPage - 1) / store.PerPage
	if lastPage < 3 {
		t.Fatalf("demo catalogue: got %d offerings, want more than two pages", n)
	}
	countIs := func(want int) func(*testing.T, *goquery.Document) {
		return func(t *testing.T, doc *goquery.Document) {
			t.Helper()
			if got := text(doc.Find(".count strong")); got != fmt.Sprintf("%d offerings", want) && !(want == 1 && got == "1 offering") {
				t.Errorf("result count: got %q, want %d offerings", got, want)
			}
		}
	}
	resultsAre := func(want []string) func(*testing.T, *goquery.Document) {
		return func(t *testing.T, doc *goquery.Document) {
			t.Helper()
			if got := resultSlugs(doc); !slices.Equal(got, want) {
				t.Errorf("results: got %v, want %v", got, want)
			}
		}
	}
	both := func(fs ...func(*testing.T, *goquery.Document)) func(*testing.T, *goquery.Document) {
		return func(t *testing.T, doc *goquery.Document) {
			for _, f := range fs {
				f(t, doc)
			}
		}
	}
	runPageCases(t, e, []pageCase{
		{name: "home lists the agreements and links to the catalogue", path: "/", wantStatus: 200,
			want:     []string{`a[href="/agreements/vmo2b-mou"]`, `a[href="/agreements/ffc-framework-demo"]`, `form[action="/offerings"][method="get"] input[name="q"]`, `a[href="/offerings?category=sd-wan"]`, ".phase-banner"},
			wantText: []string{views.ServiceName, "Demo", "Prices are illustrative."}},
		{name: "catalogue lists the first page in name order", path: "/offerings", wantStatus: 200,
			want:    []string{`form[action="/compare"][method="get"] button[type="submit"]`, `.pagination a[aria-current="page"]`, `a[href="/offerings?page=2"][rel="next"]`, `a[href="/offerings.csv"]`},
			wantNot: []string{`a[rel="prev"]`, ".error-summary"},
			check:   both(countIs(n), resultsAre(slugs(all[:store.PerPage])))},
		{name: "a prefix finds Ethernet offerings with the query repeated", path: "/offerings?q=ether", wantStatus: 200,
			wantText: []string{fmt.Sprintf("%d offerings matching “ether”", len(ether))},
			want:     []string{`input[name="q"][value="ether"]`, `a[href="/offerings.csv?q=ether"]`},
			check:    both(countIs(len(ether)), resultsAre(slugs(ether[:min(len(ether), store.PerPage)])))},
		{name: "a category filter narrows the list and can be removed", path: "/offerings?category=sd-wan", wantStatus: 200,
			want:  []string{`.selected-filters a[href="/offerings"]`, `input#category-sd-wan[checked]`},
			check: both(countIs(len(sdwan)), resultsAre(slugs(sdwan)))},
		{name: "supplier, term and trial combine", path: "/offerings?supplier=fictional-fibre-co&term=60&trial=sdwan", wantStatus: 200,
			want:  []string{`input#supplier-fictional-fibre-co[checked]`, `input#term-60[checked]`, `input#trial-sdwan[checked]`},
			check: resultsAre(slugs(allOfferings(t, db, store.SearchParams{Suppliers: []string{store.DemoSupplierFFC}, Term: 60, Trial: store.TrialSDWAN})))},
		{name: "max monthly in pounds keeps cheaper MoU prices", path: "/offerings?max_monthly=8.74&sort=price_asc", wantStatus: 200,
			want:     []string{`input#max_monthly[value="8.74"]`, `.selected-filters a[href="/offerings?sort=price_asc"]`},
			wantText: []string{"Up to £8.74 a month"},
			check:    resultsAre(slugs(allOfferings(t, db, store.SearchParams{MaxMonthly: 874, Sort: store.SortPriceAsc})))},
		{name: "price sort puts the cheapest first", path: "/offerings?sort=price_asc", wantStatus: 200,
			want:  []string{`select#sort option[value="price_asc"][selected]`},
			check: resultsAre(slugs(byPrice[:store.PerPage]))},
		{name: "the last page holds the rest", path: fmt.Sprintf("/offerings?page=%d", lastPage), wantStatus: 200,
			want:    []string{`a[rel="prev"]`, fmt.Sprintf(`.pagination a[aria-current="page"][href="/offerings?page=%d"]`, lastPage)},
			wantNot: []string{`a[rel="next"]`},
			check:   resultsAre(slugs(all[(lastPage-1)*store.PerPage:]))},
		{name: "a page past the end offers the last page", path: fmt.Sprintf("/offerings?page=%d", lastPage+1), wantStatus: 200,
			want:     []string{fmt.Sprintf(`a[href="/offerings?page=%d"]`, lastPage)},
			wantText: []string{fmt.Sprintf("There are no results on page %d", lastPage+1)}},
		{name: "no results says so and suggests what to do", path: "/offerings?q=zebra", wantStatus: 200,
			wantText: []string{"0 offerings", "No offerings match", "There are no offerings matching “zebra”", "removing filters"},
			wantNot:  []string{".results", ".pagination"}},
		{name: "an unknown category finds nothing rather than everything", path: "/offerings?category=Mobile+voice+and+data", wantStatus: 200,
			wantText: []string{"0 offerings"}},
		{name: "offering page", path: "/offerings/ethernet-1gbps-leased-line", wantStatus: 200,
			want:     []string{`a[href="/agreements/vmo2b-mou"]`, "table caption", `a[href="/compare?id=ethernet-1gbps-leased-line"]`, "details summary"},
			wantText: []string{"Ethernet 1Gbps Leased Line", "36 months", "60 months", "Eligible for a free proof-of-value trial"},
			check: func(t *testing.T, doc *goquery.Document) {
				if got := texts(doc.Find("table").First().Find("tbody th[scope=row]")); !slices.Equal(got, []string{"36 months", "60 months"}) {
					t.Errorf("price table rows: got %v, want one per term [36 months 60 months]", got)
				}
				if got := text(doc.Find("h1")); got != "Ethernet 1Gbps Leased Line" {
					t.Errorf("h1: got %q", got)
				}
			}},
		{name: "agreement page", path: "/agreements/vmo2b-mou", wantStatus: 200,
			want: []string{`a[href="/offerings/ethernet-1gbps-leased-line"]`,
				`a[href="/offerings?category=sd-wan&supplier=virgin-media-o2-business"]`, `table.schedule tbody tr.group th[scope="rowgroup"]`},
			wantText: []string{"CCS Memorandum of Understanding with Virgin Media O2 Business", "In-life discount tiers", "From £100,000.00", "1.5%"}},
		{name: "help page", path: "/help/accessibility", wantStatus: 200, wantText: []string{"Accessibility statement"}},
		{name: "unknown offering is a friendly 404", path: "/offerings/no-such-thing", wantStatus: 404,
			want: []string{`a[href="/offerings"]`}, wantText: []string{"Page not found"}},
		{name: "unknown agreement is a friendly 404", path: "/agreements/no-such-thing", wantStatus: 404, wantText: []string{"Page not found"}},
		{name: "unknown page is a friendly 404", path: "/no/such/page", wantStatus: 404, wantText: []string{"Page not found"}},
		{name: "unknown help page is a 404", path: "/help/nope", wantStatus: 404, wantText: []string{"Page not found"}},
		{name: "a trailing slash redirects", path: "/offerings/", wantStatus: 301, wantLocation: "/offerings"},
	})
}

func TestCatalogueBadQueryValues(t *testing.T) {
	e, db := newTestServer(t)
	all := allOfferings(t, db, store.SearchParams{Sort: store.SortName})
	for _, tc := range []struct {
		name, query, field, message string
	}{
		{"negative page", "page=-3", "results", "Page must be a whole number"},
		{"page zero", "page=0", "results", "Page must be a whole number"},
		{"page not a number", "page=abc", "results", "Page must be a whole number"},
		{"huge page", "page=99999999999999999999", "results", "Page must be a whole number"},
		{"max monthly not money", "max_monthly=abc", "max_monthly", "Maximum monthly price must be an amount in pounds"},
		{"max monthly negative", "max_monthly=-5", "max_monthly", "Maximum monthly price must be an amount in pounds"},
		{"max monthly fractions of a penny", "max_monthly=1.234", "max_monthly", "Maximum monthly price must be an amount in pounds"},
		{"unknown sort", "sort=bogus", "sort", "Sort must be"},
		{"term not a number", "term=x", "term-any", "Contract term must be"},
		{"term out of range", "term=0", "term-any", "Contract term must be"},
		{"unknown trial", "trial=free", "trial-any", "Free trial must be"},
	} {
		t.Run(tc.name+" is a 400 with an error summary", func(t *testing.T) {
			t.Parallel()
			w := get(e, "/offerings?q=&"+tc.query)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("got status %d, want 400", w.Code)
			}
			doc := parseHTML(t, w.Body.Bytes())
			checkErrorSummary(t, doc, tc.field, tc.message)
			// The page still works: the bad value is left out of the search.
			if got := resultSlugs(doc); len(got) != store.PerPage || got[0] != all[0].Slug {
				t.Errorf("results: got %v, want the first page of everything", got)
			}
			// The message is also beside the field, tied to it.
			if msg := doc.Find("#" + tc.field + "-error"); msg.Length() != 1 || !strings.Contains(text(msg), tc.message) {
				if tc.field != "results" {
					t.Errorf("inline message #%s-error: got %q, want %q", tc.field, text(msg), tc.message)
				}
			}
		})
	}
	t.Run("the bad amount is shown back and the field marked invalid", func(t *testing.T) {
		doc := parseHTML(t, get(e, "/offerings?max_monthly=abc").Body.Bytes())
		in := doc.Find("input#max_monthly")
		if v, _ := in.Attr("value"); v != "abc" {
			t.Errorf("value: got %q, want abc", v)
		}
		if v, _ := in.Attr("aria-invalid"); v != "true" {
			t.Errorf("aria-invalid: got %q, want true", v)
		}
		if v, _ := in.Attr("aria-describedby"); !strings.Contains(v, "max_monthly-error") {
			t.Errorf("aria-describedby: got %q, want it to name max_monthly-error", v)
		}
		// Not applied, so neither shown as a filter nor carried into links.
		if got := text(doc.Find(".selected-filters")); strings.Contains(got, "abc") {
			t.Errorf("selected filters: got %q, want no filter for the invalid amount", got)
		}
		doc.Find(`a[href*="max_monthly="], input[type="hidden"][name="max_monthly"]`).Each(func(_ int, s *goquery.Selection) {
			h, _ := goquery.OuterHtml(s)
			t.Errorf("got %s carrying the invalid amount, want it dropped", h)
		})
	})
	t.Run("an amount with a pound sign is shown once", func(t *testing.T) {
		doc := parseHTML(t, get(e, "/offerings?max_monthly=%C2%A312.5").Body.Bytes())
		if got := text(doc.Find(".selected-filters")); !strings.Contains(got, "Up to £12.50 a month") {
			t.Errorf("selected filters: got %q, want \"Up to £12.50 a month\"", got)
		}
	})
	t.Run("CSV with a bad value is a 400", func(t *testing.T) {
		if w := get(e, "/offerings.csv?max_monthly=abc"); w.Code != http.StatusBadRequest {
			t.Errorf("got status %d, want 400", w.Code)
		}
	})
}

// compareRows maps each compare table row's label to its cells, and records
// which rows are marked as differing.
func compareRows(doc *goquery.Document) (rows map[string][]string, differs map[string]bool) {
	rows, differs = map[string][]string{}, map[string]bool{}
	doc.Find("table.compare tbody tr").Each(func(_ int, tr *goquery.Selection) {
		th := tr.Find(`th[scope="row"]`)
		if th.Length() == 0 {
			return
		}
		label := strings.TrimSpace(strings.ReplaceAll(text(th), "(differs)", ""))
		label = strings.TrimSpace(strings.TrimSuffix(label, "differs"))
		rows[label] = texts(tr.Find("td"))
		differs[label] = th.Find(".tag").Text() == "differs"
	})
	return rows, differs
}

func TestCompare(t *testing.T) {
	e, db := newTestServer(t)
	const (
		sim    = "business-unlimited-5g-sim"            // 12|24|36
		router = "5g-mobile-broadband-router-unlimited" // 1|12|24
		eth    = "ethernet-1gbps-leased-line"           // 36|60
		ffcEth = "ffc-ethernet-1gbps-leased-line"
		iot    = "iot-sim-1gb"
	)
	offering := func(slug string) store.Offering {
		o, err := db.Offering(context.Background(), slug)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	runPageCases(t, e, []pageCase{
		{name: "no offerings explains how to add them", path: "/compare", wantStatus: 200,
			want: []string{`a[href="/offerings"]`}, wantNot: []string{"table.compare"},
			wantText: []string{"Choose at least two offerings"}},
		{name: "one offering explains and names it", path: "/compare?id=" + sim, wantStatus: 200,
			want: []string{`a[href="/offerings/` + sim + `"]`}, wantNot: []string{"table.compare"},
			wantText: []string{"Choose at least two offerings", "Business Unlimited 5G SIM"}},
		{name: "one offering with a bad quantity still explains", path: "/compare?qty=abc&id=" + sim, wantStatus: 200,
			wantNot: []string{"table.compare", ".error-summary"}},
		{name: "two offerings side by side", path: "/compare?id=" + sim + "&id=" + eth, wantStatus: 200,
			check: func(t *testing.T, doc *goquery.Document) {
				heads := texts(doc.Find(`table.compare thead th[scope="col"] > a:first-child`))
				if !slices.Equal(heads, []string{"Business Unlimited 5G SIM", "Ethernet 1Gbps Leased Line"}) {
					t.Errorf("columns: got %v, want the two offerings in URL order", heads)
				}
				doc.Find("table.compare tbody tr").Each(func(i int, tr *goquery.Selection) {
					if tr.HasClass("group") {
						return
					}
					if n := tr.Find("td").Length(); n != 2 {
						t.Errorf("row %q: got %d cells, want 2", text(tr.Find("th")), n)
					}
				})
			}},
		{name: "four offerings are fine", path: "/compare?id=" + sim + "&id=" + eth + "&id=" + ffcEth + "&id=" + iot, wantStatus: 200,
			check: func(t *testing.T, doc *goquery.Document) {
				if n := doc.Find(`table.compare thead th[scope="col"]`).Length(); n != 4 {
					t.Errorf("columns: got %d, want 4", n)
				}
				if n := doc.Find(`a[href="/offerings"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
					return strings.Contains(text(s), "Add another")
				}).Length(); n != 0 {
					t.Errorf("got an \"add another\" link with four offerings, want none")
				}
			}},
		{name: "a repeated id counts once", path: "/compare?id=" + sim + "&id=" + sim + "&id=" + eth, wantStatus: 200,
			check: func(t *testing.T, doc *goquery.Document) {
				if n := doc.Find(`table.compare thead th[scope="col"]`).Length(); n != 2 {
					t.Errorf("columns: got %d, want 2", n)
				}
			}},
		{name: "five offerings are refused with a clear message", path: "/compare?id=" + sim + "&id=" + eth + "&id=" + ffcEth + "&id=" + iot + "&id=" + router, wantStatus: 400,
			wantNot: []string{"table.compare"}, wantText: []string{"You can compare up to 4 offerings at a time"}},
		{name: "an unknown offering is a 404 naming it", path: "/compare?id=" + sim + "&id=made-up", wantStatus: 404,
			wantText: []string{`There is no offering called "made-up"`}},
		{name: "quantity zero is an error at the quantity field", path: "/compare?qty=0&id=" + sim + "&id=" + eth, wantStatus: 400,
			want: []string{"input#qty[aria-invalid=true]", "table.compare"},
			check: func(t *testing.T, doc *goquery.Document) {
				checkErrorSummary(t, doc, "qty", "Quantity must be a whole number")
			}},
		{name: "quantity not a number is an error", path: "/compare?qty=abc&id=" + sim + "&id=" + eth, wantStatus: 400,
			want: []string{`input#qty[value="abc"]`},
			check: func(t *testing.T, doc *goquery.Document) {
				checkErrorSummary(t, doc, "qty", "Quantity must be a whole number")
			}},
		{name: "quantity over the limit is an error", path: "/compare?qty=100001&id=" + sim + "&id=" + eth, wantStatus: 400,
			check: func(t *testing.T, doc *goquery.Document) {
				checkErrorSummary(t, doc, "qty", "Quantity must be a whole number")
			}},
		{name: "term not a number is an error at the term field", path: "/compare?term=abc&id=" + sim + "&id=" + eth, wantStatus: 400,
			check: func(t *testing.T, doc *goquery.Document) { checkErrorSummary(t, doc, "term", "Contract term must be") }},
	})

	t.Run("prices are for the chosen quantity and term", func(t *testing.T) {
		doc := parseHTML(t, get(e, "/compare?id="+sim+"&id="+router+"&qty=3&term=24").Body.Bytes())
		rows, differs := compareRows(doc)
		var wantList, wantMou, wantNet []string
		var nets []int64
		for _, slug := range []string{sim, router} {
			o := offering(slug)
			lp := store.PriceLine(store.LineInput{MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence, MouBP: o.MouBP, Quantity: 3, TermMonths: 24})
			wantList = append(wantList, store.FormatPence(lp.ListPence))
			wantMou = append(wantMou, store.FormatPence(lp.MouPence))
			wantNet = append(wantNet, store.FormatPence(lp.NetPence))
			nets = append(nets, lp.NetPence)
		}
		// The lowest total is marked, visibly and for screen readers.
		lowest := 0
		if nets[1] < nets[0] {
			lowest = 1
		}
		wantNet[lowest] += " Lowest total of the offerings compared"
		for label, want := range map[string][]string{
			"Term priced":               {"24 months", "24 months"},
			"List price over term":      wantList,
			"MoU discount":              wantMou,
			"Net over term":             wantNet,
			"Free SD-WAN trial":         {"No", "No"},
			"Free proof-of-value trial": {"Yes", "No"},
			"Terms available":           {"12, 24 or 36 months", "1, 12 or 24 months"},
		} {
			if got := rows[label]; !slices.Equal(got, want) {
				t.Errorf("row %q: got %v, want %v", label, got, want)
			}
		}
		// Only rows a buyer decides on are marked as differing.
		if !differs["Net over term"] || !differs["List price over term"] {
			t.Errorf("price rows with different values: got differs=%v, want Net over term and List price over term marked", differs)
		}
		if differs["Term priced"] || differs["Free SD-WAN trial"] || differs["Free proof-of-value trial"] || differs["Terms available"] {
			t.Errorf("got differs=%v, want rows that are equal or not decided on unmarked", differs)
		}
		if v, _ := doc.Find(`#term option[selected]`).Attr("value"); v != "24" {
			t.Errorf("term select: got %q selected, want 24", v)
		}
		if got := text(doc.Find("#compare-caption")); !strings.Contains(got, "quantity of 3") {
			t.Errorf("table heading: got %q, want it to say the quantity priced", got)
		}
	})
	t.Run("attributes are aligned by name, \"Not stated\" where absent", func(t *testing.T) {
		a, b := offering(sim), offering(eth)
		doc := parseHTML(t, get(e, "/compare?id="+sim+"&id="+eth).Body.Bytes())
		rows, _ := compareRows(doc)
		stated := func(s string) string {
			if s == "" {
				return "Not stated"
			}
			return s
		}
		for _, o := range []store.Offering{a, b} {
			for _, attr := range o.Attributes {
				want := []string{stated(a.Attribute(attr.Key)), stated(b.Attribute(attr.Key))}
				if got := rows[attr.Key]; !slices.Equal(got, want) {
					t.Errorf("attribute row %q: got %v, want %v", attr.Key, got, want)
				}
			}
		}
	})
	t.Run("the default term is the shortest common term", func(t *testing.T) {
		rows, _ := compareRows(parseHTML(t, get(e, "/compare?id="+sim+"&id="+router).Body.Bytes()))
		if got := rows["Term priced"]; !slices.Equal(got, []string{"12 months", "12 months"}) {
			t.Errorf("12|24|36 with 1|12|24: got %v, want 12 months for both", got)
		}
	})
	t.Run("with no common term each offering is priced on its shortest", func(t *testing.T) {
		rows, _ := compareRows(parseHTML(t, get(e, "/compare?id="+router+"&id="+eth).Body.Bytes()))
		if got := rows["Term priced"]; !slices.Equal(got, []string{"1 month", "36 months"}) {
			t.Errorf("1|12|24 with 36|60: got %v, want 1 month and 36 months", got)
		}
	})
	t.Run("a term one offering lacks says so in its column", func(t *testing.T) {
		rows, _ := compareRows(parseHTML(t, get(e, "/compare?id="+sim+"&id="+eth+"&term=12").Body.Bytes()))
		if got := rows["Net over term"]; len(got) != 2 || !strings.HasPrefix(got[0], "£") || !strings.Contains(got[1], "Not available on 12 months") {
			t.Errorf("net over 12 months: got %v, want a price and \"Not available on 12 months\"", got)
		}
	})
	t.Run("remove links drop exactly that offering and keep the settings", func(t *testing.T) {
		ids := []string{sim, eth, iot}
		doc := parseHTML(t, get(e, "/compare?id="+sim+"&id="+eth+"&id="+iot+"&qty=5&term=36").Body.Bytes())
		links := doc.Find(`table.compare thead a`).FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.HasPrefix(text(s), "Remove")
		})
		if links.Length() != 3 {
			t.Fatalf("remove links: got %d, want 3", links.Length())
		}
		links.Each(func(i int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			u, err := url.Parse(href)
			if err != nil || u.Path != "/compare" {
				t.Fatalf("remove link %q: want a /compare URL", href)
			}
			want := slices.Delete(slices.Clone(ids), i, i+1)
			if got := u.Query()["id"]; !slices.Equal(got, want) {
				t.Errorf("remove link %d: got ids %v, want %v", i, got, want)
			}
			if u.Query().Get("qty") != "5" || u.Query().Get("term") != "36" {
				t.Errorf("remove link %d: got %q, want qty=5 and term=36 kept", i, u.RawQuery)
			}
			if !strings.Contains(text(a), offering(ids[i]).Name) {
				t.Errorf("remove link %d: got text %q, want it to name the offering for screen readers", i, text(a))
			}
		})
	})
}

func TestCatalogueCSV(t *testing.T) {
	e, db := newTestServer(t)
	header := "slug,name,supplier,agreement,category,unit,monthly_pence,one_off_pence,mou_discount_bp,term_options,pov_trial,sdwan_trial"
	fetch := func(t *testing.T, target string) [][]string {
		t.Helper()
		w := get(e, target)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: got status %d, want 200", target, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("GET %s: got Content-Type %q, want text/csv", target, ct)
		}
		if first, _, _ := strings.Cut(w.Body.String(), "\n"); first != header {
			t.Fatalf("GET %s: got header %q, want %q", target, first, header)
		}
		recs, err := csv.NewReader(w.Body).ReadAll()
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		return recs[1:]
	}
	all := fetch(t, "/offerings.csv")
	want := allOfferings(t, db, store.SearchParams{})
	if len(all) != len(want) {
		t.Fatalf("rows: got %d, want every offering (%d)", len(all), len(want))
	}
	t.Run("rows match the catalogue field by field", func(t *testing.T) {
		byslug := map[string]store.Offering{}
		for _, o := range want {
			byslug[o.Slug] = o
		}
		terms := regexp.MustCompile(`^[0-9]+(\|[0-9]+)*$`)
		for _, r := range all {
			o, ok := byslug[r[0]]
			if !ok {
				t.Errorf("row %v: no such offering", r)
				continue
			}
			wantRow := []string{o.Slug, o.Name, o.Supplier.Slug, o.Agreement.Slug, o.Category.Slug, o.Unit,
				strconv.FormatInt(o.MonthlyPence, 10), strconv.FormatInt(o.OneOffPence, 10), strconv.FormatInt(o.MouBP, 10),
				o.TermsString(), strconv.FormatBool(o.PovTrial), strconv.FormatBool(o.SdwanTrial)}
			if !slices.Equal(r, wantRow) {
				t.Errorf("got row %v, want %v", r, wantRow)
			}
			if !terms.MatchString(r[9]) {
				t.Errorf("%s term_options: got %q, want like 12|24|36", r[0], r[9])
			}
			for _, b := range r[10:] {
				if b != "true" && b != "false" {
					t.Errorf("%s: got boolean %q, want true or false", r[0], b)
				}
			}
		}
	})
	t.Run("the query and filters are honoured", func(t *testing.T) {
		got := fetch(t, "/offerings.csv?q=ether&term=60&sort=price_desc")
		wantSlugs := slugs(allOfferings(t, db, store.SearchParams{Query: "ether", Term: 60, Sort: store.SortPriceDesc}))
		var gotSlugs []string
		for _, r := range got {
			gotSlugs = append(gotSlugs, r[0])
		}
		if !slices.Equal(gotSlugs, wantSlugs) {
			t.Errorf("got %v, want %v", gotSlugs, wantSlugs)
		}
	})
	// Filtering by any value found in the category or supplier column gives
	// exactly the rows with that value.
	for col, param := range map[int]string{4: "category", 2: "supplier"} {
		values := map[string]int{}
		for _, r := range all {
			values[r[col]]++
		}
		for v, n := range values {
			t.Run(param+" "+v+" round-trips", func(t *testing.T) {
				t.Parallel()
				rows := fetch(t, "/offerings.csv?"+param+"="+url.QueryEscape(v))
				if len(rows) != n {
					t.Errorf("got %d rows, want %d", len(rows), n)
				}
				for _, r := range rows {
					if r[col] != v {
						t.Errorf("got %s %q in row %s, want %q", param, r[col], r[0], v)
					}
				}
				page := parseHTML(t, get(e, "/offerings?"+param+"="+url.QueryEscape(v)).Body.Bytes())
				if got := text(page.Find(".count strong")); got != fmt.Sprintf("%d offerings", n) && got != "1 offering" {
					t.Errorf("catalogue page: got %q, want %d offerings", got, n)
				}
			})
		}
	}
}

func TestCSVCellsCannotBeFormulas(t *testing.T) {
	e, db := newTestServer(t)
	err := db.LoadCatalogue(context.Background(), store.Catalogue{Offerings: []store.NewOffering{{
		Slug: "formula", Name: `=HYPERLINK("http://evil.example","x")`, CategorySlug: "sd-wan", AgreementSlug: store.DemoAgreementMoU,
		Unit: "+site", MonthlyPence: 100, Terms: []int{12},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	w := get(e, "/offerings.csv?q=hyperlink")
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("got %v, %v; want the header and one row", recs, err)
	}
	if name, unit := recs[1][1], recs[1][5]; !strings.HasPrefix(name, "'=") || !strings.HasPrefix(unit, "'+") {
		t.Errorf("got name %q and unit %q, want both prefixed with ' so spreadsheets show text", name, unit)
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	e, _ := newTestServer(t)
	const attack = `<script>alert(1)</script>`
	q := url.QueryEscape(attack)
	for _, tc := range []struct {
		name, path string
		status     int
		check      func(t *testing.T, doc *goquery.Document)
	}{
		{"search query", "/offerings?q=" + q, 200, func(t *testing.T, doc *goquery.Document) {
			if v, _ := doc.Find("input#q").Attr("value"); v != attack {
				t.Errorf("search box: got %q, want the query as typed", v)
			}
			if got := text(doc.Find(".count")); !strings.Contains(got, attack) {
				t.Errorf("count: got %q, want the query shown as text", got)
			}
		}},
		{"maximum price", "/offerings?max_monthly=" + q, 400, func(t *testing.T, doc *goquery.Document) {
			if v, _ := doc.Find("input#max_monthly").Attr("value"); v != attack {
				t.Errorf("field: got %q, want the value as typed", v)
			}
		}},
		{"category", "/offerings?category=" + q, 200, func(t *testing.T, doc *goquery.Document) {
			if got := text(doc.Find(".selected-filters")); !strings.Contains(got, attack) {
				t.Errorf("selected filters: got %q, want the value shown as text", got)
			}
		}},
		{"supplier", "/offerings?supplier=" + q, 200, nil},
		{"sort", "/offerings?sort=" + q, 400, nil},
		{"CSV query", "/offerings.csv?max_monthly=" + q, 400, nil},
		{"offering slug", "/offerings/" + url.PathEscape(attack), 404, nil},
		{"agreement slug", "/agreements/" + url.PathEscape(attack), 404, nil},
		{"compare id", "/compare?id=iot-sim-1gb&id=" + q, 404, func(t *testing.T, doc *goquery.Document) {
			if got := text(doc.Find("main")); !strings.Contains(got, attack) {
				t.Errorf("message: got %q, want the unknown id named as text", got)
			}
		}},
		{"compare quantity", "/compare?id=iot-sim-1gb&id=iot-sim-10mb&qty=" + q, 400, func(t *testing.T, doc *goquery.Document) {
			if v, _ := doc.Find("input#qty").Attr("value"); v != attack {
				t.Errorf("field: got %q, want the value as typed", v)
			}
		}},
	} {
		t.Run(tc.name+" comes back escaped", func(t *testing.T) {
			t.Parallel()
			w := get(e, tc.path)
			if w.Code != tc.status {
				t.Errorf("got status %d, want %d", w.Code, tc.status)
			}
			if body := w.Body.String(); strings.Contains(body, "<script>alert") {
				t.Errorf("got a raw <script>alert in the page, want it escaped")
			}
			if tc.check != nil {
				tc.check(t, parseHTML(t, w.Body.Bytes()))
			}
		})
	}
}

func TestStaticAssets(t *testing.T) {
	e, _ := newTestServer(t)
	for _, name := range []string{"app.css", "app.js", "favicon.svg"} {
		t.Run(name+" is served for a year", func(t *testing.T) {
			path := static.Path(name)
			w := get(e, path)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: got %d, want 200", path, w.Code)
			}
			if got := w.Header().Get("Cache-Control"); !strings.Contains(got, "max-age=31536000") || !strings.Contains(got, "immutable") {
				t.Errorf("Cache-Control: got %q, want a year, immutable", got)
			}
			f, _ := static.Lookup(path)
			if !bytes.Equal(w.Body.Bytes(), f.Body) || w.Header().Get("Content-Type") != f.ContentType {
				t.Errorf("got %d bytes of %q, want the file as %q", w.Body.Len(), w.Header().Get("Content-Type"), f.ContentType)
			}
		})
	}
	t.Run("pages link the fingerprinted stylesheet", func(t *testing.T) {
		doc := parseHTML(t, get(e, "/").Body.Bytes())
		if href, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href"); href != static.Path("app.css") {
			t.Errorf("got %q, want %q", href, static.Path("app.css"))
		}
	})
	for _, path := range []string{"/static/app.css", "/static/app.0000000000.css", "/static/x/../../go.mod", "/static/static.go"} {
		t.Run("unknown "+path+" is a 404", func(t *testing.T) {
			if w := get(e, path); w.Code != http.StatusNotFound || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("got %d with Cache-Control %q, want 404, no-store", w.Code, w.Header().Get("Cache-Control"))
			}
		})
	}
}

func TestHeadersOnEveryKindOfAnswer(t *testing.T) {
	e, _ := newTestServer(t)
	for _, path := range []string{"/", "/offerings", "/offerings?page=-3", "/offerings.csv", "/offerings/nope", "/compare?id=a&id=b&id=c&id=d&id=e", "/healthz", static.Path("app.css"), "/static/nope.css"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			h := get(e, path).Header()
			for name, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy: got %q, want default-src 'self' and no unsafe-inline", csp)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	e, db := newTestServer(t)
	w := get(e, "/healthz")
	if w.Code != http.StatusOK || w.Body.String() != "ok" {
		t.Errorf("got %d %q, want 200 ok", w.Code, w.Body.String())
	}
	db.Close()
	if w := get(e, "/healthz"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("with the database closed: got %d %q, want 503", w.Code, w.Body.String())
	}
}

func TestGzip(t *testing.T) {
	e, _ := newTestServer(t)
	plain := get(e, "/offerings")
	for _, path := range []string{"/offerings", "/offerings", "/"} { // the second /offerings comes from the page cache
		w := get(e, path, "Accept-Encoding", "gzip, deflate, br")
		if w.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s: got Content-Encoding %q, want gzip", path, w.Header().Get("Content-Encoding"))
		}
		if !varies(w.Header(), "Accept-Encoding") {
			t.Errorf("GET %s: got Vary %v, want Accept-Encoding", path, w.Header().Values("Vary"))
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body := readAll(t, zr)
		if path == "/offerings" && !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("GET %s: the gzipped page differs from the plain one", path)
		}
		if !bytes.Contains(body, []byte("</html>")) {
			t.Errorf("GET %s: got an incomplete page", path)
		}
	}
	if w := get(e, "/offerings"); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("without Accept-Encoding: got Content-Encoding %q, want none", w.Header().Get("Content-Encoding"))
	}
}

// TestCataloguePageWhileIndexRebuilds holds a search index rebuild open:
// the catalogue page is answered from the previous index meanwhile, and
// that answer is not stored, so once the new index is in the page shows
// the change at once.
func TestCataloguePageWhileIndexRebuilds(t *testing.T) {
	e, db := newTestServer(t)
	ctx := context.Background()
	const target = "/offerings?sort=price_asc"
	before := resultSlugs(parseHTML(t, get(e, target).Body.Bytes()))
	started, release := make(chan struct{}, 1), make(chan struct{})
	db.SetSearchIndexHook(func() {
		started <- struct{}{}
		<-release
	})
	defer db.SetSearchIndexHook(nil)
	err := db.LoadCatalogue(ctx, store.Catalogue{Offerings: []store.NewOffering{{
		Slug: "rebuild-probe", Name: "Rebuild Probe SIM", CategorySlug: "data-only-sim", AgreementSlug: store.DemoAgreementMoU,
		Unit: "SIM", MonthlyPence: 1, Terms: []int{12},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	<-started // the write woke the indexer, which now waits for release
	stale := get(e, target)
	if got := resultSlugs(parseHTML(t, stale.Body.Bytes())); !slices.Equal(got, before) {
		t.Errorf("during the rebuild: got %v, want the previous index's %v", got, before)
	}
	if cc, tag := stale.Header().Get("Cache-Control"), stale.Header().Get("ETag"); cc != "no-store" || tag != "" {
		t.Errorf("during the rebuild: got Cache-Control %q and ETag %q, want no-store and none", cc, tag)
	}
	close(release)
	db.SetSearchIndexHook(nil)
	if err := db.WaitSearchIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := resultSlugs(parseHTML(t, get(e, target).Body.Bytes())); len(got) == 0 || got[0] != "rebuild-probe" {
		t.Errorf("after the rebuild: got first %v, want rebuild-probe (the page from the old index must not have been stored)", got)
	}
}

func TestPageCache(t *testing.T) {
	e, db := newTestServer(t)
	const target = "/offerings?sort=price_asc"
	first := get(e, target).Body.Bytes()
	second := get(e, target).Body.Bytes()
	if !bytes.Equal(first, second) {
		t.Fatalf("the same anonymous page twice: got different bytes, want identical")
	}
	n := len(allOfferings(t, db, store.SearchParams{}))
	err := db.LoadCatalogue(context.Background(), store.Catalogue{Offerings: []store.NewOffering{{
		Slug: "cache-probe", Name: "Cache Probe SIM", CategorySlug: "data-only-sim", AgreementSlug: store.DemoAgreementMoU,
		Unit: "SIM", MonthlyPence: 1, Terms: []int{12},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.WaitSearchIndex(context.Background()); err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, get(e, target).Body.Bytes())
	if got := resultSlugs(doc); len(got) == 0 || got[0] != "cache-probe" {
		t.Errorf("after adding the cheapest offering: got first %v, want cache-probe (the cache must be dropped)", got)
	}
	if got := text(doc.Find(".count strong")); got != fmt.Sprintf("%d offerings", n+1) {
		t.Errorf("count after adding: got %q, want %d offerings", got, n+1)
	}
	t.Run("the cache holds error pages apart", func(t *testing.T) {
		bad := get(e, "/offerings?page=-3")
		good := get(e, "/offerings?page=3")
		if bad.Code != 400 || good.Code != 200 {
			t.Errorf("got %d and %d, want 400 and 200", bad.Code, good.Code)
		}
		if again := get(e, "/offerings?page=-3"); again.Code != 400 {
			t.Errorf("cached error page: got %d, want 400 again", again.Code)
		}
	})
}

func TestRealIP(t *testing.T) {
	_, trusted, _ := net.ParseCIDR("10.0.0.0/8")
	for _, tc := range []struct {
		name    string
		proxies []*net.IPNet
		peer    string
		headers []string
		want    string
	}{
		{"no proxies: X-Forwarded-For is ignored", nil, "192.0.2.10:5555", []string{"X-Forwarded-For", "203.0.113.9"}, "192.0.2.10"},
		{"no proxies: X-Real-IP is ignored", nil, "192.0.2.10:5555", []string{"X-Real-IP", "203.0.113.9"}, "192.0.2.10"},
		{"no proxies: a loopback peer's header is ignored too", nil, "127.0.0.1:5555", []string{"X-Forwarded-For", "203.0.113.9"}, "127.0.0.1"},
		{"no proxies: an IPv6 peer", nil, "[2001:db8::1]:443", []string{"X-Forwarded-For", "203.0.113.9"}, "2001:db8::1"},
		{"trusted proxy: the client it names", []*net.IPNet{trusted}, "10.1.2.3:5555", []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"trusted proxy: the nearest untrusted address, not a spoofed first one", []*net.IPNet{trusted}, "10.1.2.3:5555", []string{"X-Forwarded-For", "198.51.100.7, 203.0.113.9, 10.0.0.1"}, "203.0.113.9"},
		{"trusted proxy configured: an untrusted peer's header is ignored", []*net.IPNet{trusted}, "192.0.2.10:5555", []string{"X-Forwarded-For", "203.0.113.9"}, "192.0.2.10"},
		{"trusted proxy configured: loopback is not trusted by default", []*net.IPNet{trusted}, "127.0.0.1:5555", []string{"X-Forwarded-For", "203.0.113.9"}, "127.0.0.1"},
		{"trusted proxy configured: X-Real-IP is ignored", []*net.IPNet{trusted}, "10.1.2.3:5555", []string{"X-Real-IP", "203.0.113.9"}, "10.1.2.3"},
		{"trusted proxy: garbage in the header falls back to the peer", []*net.IPNet{trusted}, "10.1.2.3:5555", []string{"X-Forwarded-For", "not-an-ip"}, "10.1.2.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.peer
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			if got := ipExtractor(tc.proxies)(req); got != tc.want {
				t.Errorf("ipExtractor: got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("the server's RealIP uses the extractor", func(t *testing.T) {
		e, _, _ := newTestServerWith(t)
		e.GET("/test-real-ip", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
		req := httptest.NewRequest(http.MethodGet, "/test-real-ip", nil)
		req.RemoteAddr = "192.0.2.10:5555"
		if got := serve(e, req, "X-Forwarded-For", "203.0.113.9", "X-Real-IP", "203.0.113.8").Body.String(); got != "192.0.2.10" {
			t.Errorf("got %q, want the peer 192.0.2.10", got)
		}
		e2, _, _ := newTestServerWith(t, func(c *Config) { c.TrustedProxies = []*net.IPNet{trusted} })
		e2.GET("/test-real-ip", func(c echo.Context) error { return c.String(http.StatusOK, c.RealIP()) })
		req = httptest.NewRequest(http.MethodGet, "/test-real-ip", nil)
		req.RemoteAddr = "10.9.9.9:5555"
		if got := serve(e2, req, "X-Forwarded-For", "203.0.113.9").Body.String(); got != "203.0.113.9" {
			t.Errorf("behind a trusted proxy: got %q, want 203.0.113.9", got)
		}
	})
}

func TestParseCatalogueQuery(t *testing.T) {
	t.Run("a long query is cut on a character boundary", func(t *testing.T) {
		q, _, errs := parseCatalogueQuery(url.Values{"q": {strings.Repeat("é", 150)}})
		if len(errs) != 0 || strings.ToValidUTF8(q.Q, "?") != q.Q || len([]rune(q.Q)) > 200 {
			t.Errorf("got %q (%d bytes), errors %v; want at most 200 whole characters", q.Q, len(q.Q), errs)
		}
	})
	t.Run("max monthly in pounds becomes pence", func(t *testing.T) {
		_, p, errs := parseCatalogueQuery(url.Values{"max_monthly": {"£12.50"}})
		if len(errs) != 0 || p.MaxMonthly != 1250 {
			t.Errorf("got %d pence, errors %v; want 1250", p.MaxMonthly, errs)
		}
	})
	t.Run("no max monthly is no limit", func(t *testing.T) {
		if _, p, _ := parseCatalogueQuery(url.Values{}); p.MaxMonthly >= 0 {
			t.Errorf("got %d, want a negative (no limit)", p.MaxMonthly)
		}
	})
	t.Run("empty filter values are dropped", func(t *testing.T) {
		_, p, errs := parseCatalogueQuery(url.Values{"category": {"", " sd-wan "}, "term": {""}, "trial": {""}})
		if len(errs) != 0 || !slices.Equal(p.Categories, []string{"sd-wan"}) || p.Term != 0 || p.Trial != "" {
			t.Errorf("got %+v, errors %v", p, errs)
		}
	})
}
