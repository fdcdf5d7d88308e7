package handlers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"portal/store"
	"portal/views"
)

// ocdsSchemaDir finds the official OCDS schemas, which live outside the
// repository (PRODUCT.md §7: ../shared/ocds from the project): in
// $PORTAL_OCDS_SCHEMAS, or in shared/ocds beside the module root or any
// directory above it (a git worktree sits deeper than the main checkout).
// Missing schemas fail the test when CI=true and skip it otherwise.
func ocdsSchemaDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PORTAL_OCDS_SCHEMAS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; ; dir = filepath.Dir(dir) {
		c := filepath.Join(dir, "shared", "ocds")
		if _, err := os.Stat(filepath.Join(c, "release-package-schema.json")); err == nil {
			return c
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the OCDS schemas are missing: put them in ../shared/ocds beside the project or set PORTAL_OCDS_SCHEMAS")
	}
	t.Skip("skipping: the OCDS schemas (../shared/ocds) are not on this machine")
	return ""
}

// ocdsPackageSchema compiles the official release package schema (draft-04,
// formats asserted), with the release schema it refers to.
func ocdsPackageSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	dir := ocdsSchemaDir(t)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	const base = "https://standard.open-contracting.org/schema/1__1__5/"
	for _, name := range []string{"release-schema.json", "release-package-schema.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource(base+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.Compile(base + "release-package-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// approveNew submits a basket of the buyer's (by default Eastbridge's,
// which has no history) and approves it.
func approveNew(t *testing.T, db *store.DB, slug string, qty int, buyerEmail ...string) store.QuoteRef {
	t.Helper()
	ctx := context.Background()
	email := "buyer@eastbridge.example"
	if len(buyerEmail) > 0 {
		email = buyerEmail[0]
	}
	buyer, err := db.UserByEmail(ctx, store.Operator(), email)
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBasket(ctx, &buyer, "Approved later <b>")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLine(ctx, &buyer, b.ID, store.LineForm{Offering: slug, Quantity: strconv.Itoa(qty), TermMonths: "24"}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetRequirements(ctx, &buyer, b.ID, store.RequirementsForm{Need: "Phones", Budget: "90000", Sites: "2",
		RequiredBy: store.DateInput{ISO: "2030-01-01"}, WeightPrice: "50", WeightQuality: "30", WeightSocial: "20"}); err != nil {
		t.Fatal(err)
	}
	ref, _, err := db.Submit(ctx, &buyer, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"reviewer@ccs.example", "reviewer2@ccs.example"}[:ref.ApprovalsNeeded] {
		reviewer, err := db.UserByEmail(ctx, store.Operator(), email)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Decide(ctx, &reviewer, b.ID, store.DecisionForm{Decision: store.DecisionApprove, QuoteVersion: strconv.Itoa(ref.Version)}); err != nil {
			t.Fatal(err)
		}
	}
	return ref
}

func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, body)
	}
	return rows
}

// poundsToPence reads "1234.56" exactly.
func poundsToPence(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 {
		t.Fatalf("amount %q: want pounds with two decimals", s)
	}
	p, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("amount %q does not parse", s)
	}
	return p*100 + f
}

func TestAwardsCSVMatchesTheQuoteJSON(t *testing.T) {
	e, db := newTestServer(t)
	approveNew(t, db, "business-unlimited-5g-sim", 40)
	w := get(e, "/transparency/awards.csv")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("got %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	rows := readCSV(t, w.Body.Bytes())
	if got := strings.Join(rows[0], ","); got != "reference,version,approved_on,buyer,buyer_identifier,supplier,agreement,net_gbp,vat_gbp,gross_gbp,savings_gbp" {
		t.Fatalf("header %q", got)
	}
	if len(rows) != 5 { // the demo's three, the new one, the header
		t.Fatalf("got %d rows, want 4 awards", len(rows)-1)
	}
	reviewer, _ := db.UserByEmail(context.Background(), store.Operator(), "reviewer@ccs.example")
	for _, r := range rows[1:] {
		v, _ := strconv.Atoi(r[1])
		q, err := db.Quote(context.Background(), &reviewer, r[0], v)
		if err != nil {
			t.Fatal(err)
		}
		var js struct {
			Organisation struct{ Name, Identifier string }
			Agreement    struct{ Slug string }
			Status       string
			Net          int64 `json:"net_total_pence"`
			VAT          int64 `json:"vat_pence"`
			Gross        int64 `json:"gross_total_pence"`
			Savings      int64 `json:"savings_pence"`
			Approvals    []struct{ At string }
		}
		if err := json.Unmarshal(quoteJSONBytes(q), &js); err != nil {
			t.Fatal(err)
		}
		last := js.Approvals[len(js.Approvals)-1].At
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"status", "approved", js.Status},
			{"approved_on", r[2], q.DecidedAt.In(store.London).Format("2006-01-02")},
			{"approved_on is the last approval's day", r[2][:4], last[:4]},
			{"buyer", r[3], js.Organisation.Name},
			{"buyer_identifier", r[4], js.Organisation.Identifier},
			{"agreement", r[6], js.Agreement.Slug},
			{"net", poundsToPence(t, r[7]), js.Net},
			{"vat", poundsToPence(t, r[8]), js.VAT},
			{"gross", poundsToPence(t, r[9]), js.Gross},
			{"savings", poundsToPence(t, r[10]), js.Savings},
		} {
			if c.got != c.want {
				t.Errorf("%s v%s %s: CSV %v, quote JSON %v", r[0], r[1], c.name, c.got, c.want)
			}
		}
	}
}

func TestAwardsCSVIsFormulaSafe(t *testing.T) {
	e, db := newTestServer(t)
	op := store.Operator()
	ctx := context.Background()
	o, err := db.CreateOrganisation(ctx, op, store.NewOrganisation{Name: "=HYPERLINK(\"http://x\")", Type: store.OrgDistrictCouncil, Identifier: "GB-LAC-E07000555"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(ctx, op, store.NewUser{Name: "Formula", Email: "buyer@formula.example", OrgID: o.ID, Role: store.RoleBuyer, Password: "a long enough password"}); err != nil {
		t.Fatal(err)
	}
	approveNew(t, db, "business-unlimited-5g-sim", 2, "buyer@formula.example")
	rows := readCSV(t, get(e, "/transparency/awards.csv").Body.Bytes())
	if got := rows[1][3]; got != "'=HYPERLINK(\"http://x\")" {
		t.Fatalf("buyer cell %q, want it behind a leading '", got)
	}
}

// awardKeys lists "ref vN" from the register's pages, the CSV and the
// OCDS package for one query.
func awardKeys(t *testing.T, e *echo.Echo, query string) (page, csvKeys, ocds []string) {
	t.Helper()
	for n := 1; ; n++ {
		v, _ := url.ParseQuery(query)
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		w := get(e, "/transparency?"+v.Encode())
		if w.Code != http.StatusOK {
			t.Fatalf("register %s: %d", query, w.Code)
		}
		doc := parseHTML(t, w.Body.Bytes())
		page = append(page, texts(doc.Find("#awards .ref"))...)
		if doc.Find(`.pagination a[rel="next"]`).Length() == 0 {
			break
		}
	}
	w := get(e, "/transparency/awards.csv?"+query)
	for _, r := range readCSV(t, w.Body.Bytes())[1:] {
		csvKeys = append(csvKeys, r[0]+" v"+r[1])
	}
	w = get(e, "/transparency/ocds.json?"+query)
	if w.Code == http.StatusOK {
		var pkg struct {
			Releases []struct {
				OCID   string
				Awards []struct{ ID string }
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &pkg); err != nil {
			t.Fatal(err)
		}
		for _, r := range pkg.Releases {
			ref, v, _ := strings.Cut(r.Awards[0].ID, "-v")
			ocds = append(ocds, ref+" v"+v)
		}
	}
	return page, csvKeys, ocds
}

func TestFiltersApplyIdenticallyToPageCSVAndOCDS(t *testing.T) {
	e, db := newTestServer(t)
	later := approveNew(t, db, "business-unlimited-5g-sim", 400)
	for _, query := range []string{"", "sort=value", "organisation=GB-LAC-E10000099", "organisation=GB-LAC-E07000999",
		"agreement=" + store.DemoAgreementMoU, "agreement=" + store.DemoAgreementFFC, "band=under-30k", "band=30k-100k", "band=100k-plus&sort=value",
		"from=2026-06-01", "to=2026-06-30", "from=2026-01-01&to=2026-06-30&sort=value"} {
		t.Run(query, func(t *testing.T) {
			page, csvKeys, ocds := awardKeys(t, e, query)
			if !slices.Equal(page, csvKeys) || !slices.Equal(page, ocds) {
				t.Fatalf("page %v\ncsv  %v\nocds %v\nwant the same awards in the same order", page, csvKeys, ocds)
			}
		})
	}
	t.Run("every filter narrows", func(t *testing.T) {
		all, _, _ := awardKeys(t, e, "")
		east, _, _ := awardKeys(t, e, "organisation=GB-LAC-E07000999")
		if len(all) != 4 || !slices.Equal(east, []string{later.Ref + " v1"}) {
			t.Fatalf("all %v, Eastbridge %v; want 4 awards, Eastbridge only its later one", all, east)
		}
	})
}

func TestOCDSPackage(t *testing.T) {
	schema := ocdsPackageSchema(t)
	e, db, _ := newTestServerWith(t, func(c *Config) { c.PublicURL = "https://buy.example.gov.uk"; c.OCIDPrefix = "ocds-test42" })
	later := approveNew(t, db, "business-unlimited-5g-sim", 40)
	w := get(e, "/transparency/ocds.json", "Host", "evil.example")
	if w.Code != http.StatusOK {
		t.Fatalf("got %d: %s", w.Code, w.Body.String())
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("the package is not valid OCDS 1.1: %v", err)
	}
	// The validator is in earnest: a tag outside the codelist fails.
	broken := bytes.Replace(w.Body.Bytes(), []byte(`"tag":["award","contract"]`), []byte(`"tag":["awarded"]`), 1)
	if bad, err := jsonschema.UnmarshalJSON(bytes.NewReader(broken)); err != nil || schema.Validate(bad) == nil {
		t.Fatalf("a package with tag \"awarded\" passed the schema (%v)", err)
	}
	var pkg struct {
		URI, Version, PublishedDate string
		Releases                    []struct {
			OCID, Date string
			Tag        []string
			Parties    []struct {
				ID         string
				Roles      []string
				Identifier struct{ Scheme, ID string }
			}
			Tender struct {
				Title, AwardCriteria, AwardCriteriaDetails, ProcurementMethod string
			}
			Awards []struct {
				Value struct {
					Amount   json.Number
					Currency string
				}
				Items []struct {
					Classification struct{ Scheme, ID string }
					Quantity       int64
				}
			}
			Contracts []struct {
				Value  struct{ Amount json.Number }
				Period struct{ StartDate, EndDate string }
			}
			RelatedProcesses []struct {
				Relationship []string
				URI          string
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.URI != "https://buy.example.gov.uk/transparency/ocds.json" || pkg.Version != "1.1" {
		t.Errorf("uri %q version %q: want the configured public URL, never the Host header", pkg.URI, pkg.Version)
	}
	if len(pkg.Releases) != 4 {
		t.Fatalf("got %d releases, want 4", len(pkg.Releases))
	}
	seen := map[string]bool{}
	latest := ""
	for _, r := range pkg.Releases {
		if seen[r.OCID] {
			t.Errorf("ocid %s appears twice", r.OCID)
		}
		seen[r.OCID] = true
		latest = max(latest, r.Date)
		if !strings.HasPrefix(r.OCID, "ocds-test42-Q-") {
			t.Errorf("ocid %q: want the prefix, a hyphen and the reference", r.OCID)
		}
		if strings.Contains(r.Tender.Title, "<b>") || !strings.HasPrefix(r.Tender.Title, "Call-off under the ") {
			t.Errorf("tender title %q: want it generated, never the basket's name", r.Tender.Title)
		}
		if r.Tender.AwardCriteria != "ratedCriteria" || !strings.Contains(r.Tender.AwardCriteriaDetails, "social value") || r.Tender.ProcurementMethod != "limited" {
			t.Errorf("tender %+v", r.Tender)
		}
		if r.Awards[0].Value.Currency != "GBP" || r.Awards[0].Value.Amount != r.Contracts[0].Value.Amount {
			t.Errorf("award value %+v, contract %+v: want the same gross in GBP", r.Awards[0].Value, r.Contracts[0].Value)
		}
		for _, it := range r.Awards[0].Items {
			if it.Classification.Scheme != "CPV" || it.Classification.ID == "" || it.Quantity < 1 {
				t.Errorf("item %+v: want a CPV code and a quantity", it)
			}
		}
		if len(r.Parties) != 2 || r.Parties[1].Identifier.Scheme != "GB-COH" || !slices.Equal(r.Parties[0].Roles, []string{"buyer"}) {
			t.Errorf("parties %+v: want the buyer, and the supplier by Companies House number", r.Parties)
		}
		if rp := r.RelatedProcesses; len(rp) != 1 || rp[0].Relationship[0] != "framework" || !strings.HasPrefix(rp[0].URI, "https://buy.example.gov.uk/agreements/") {
			t.Errorf("related processes %+v", rp)
		}
	}
	if pkg.PublishedDate != latest {
		t.Errorf("publishedDate %s, want the latest approval %s", pkg.PublishedDate, latest)
	}
	// The later approval's figures, gross in pounds.
	reviewer, _ := db.UserByEmail(context.Background(), store.Operator(), "reviewer@ccs.example")
	q, err := db.Quote(context.Background(), &reviewer, later.Ref, later.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(pkg.Releases[0].Awards[0].Value.Amount); got != store.FormatPounds(q.Totals.GrossPence) || pkg.Releases[0].OCID != "ocds-test42-"+later.Ref {
		t.Errorf("newest release %s worth %s, want %s worth %s", pkg.Releases[0].OCID, got, later.Ref, store.FormatPounds(q.Totals.GrossPence))
	}

	t.Run("no award answers 404 with one line", func(t *testing.T) {
		w := get(e, "/transparency/ocds.json?band=100k-plus&agreement="+store.DemoAgreementFFC)
		if w.Code != http.StatusNotFound || strings.Count(strings.TrimSpace(w.Body.String()), "\n") != 0 {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	})
	t.Run("bad filters answer 400", func(t *testing.T) {
		for _, p := range []string{"/transparency/ocds.json?from=2026-13-01", "/transparency/awards.csv?band=huge", "/transparency?sort=name"} {
			if w := get(e, p); w.Code != http.StatusBadRequest {
				t.Errorf("%s: got %d, want 400", p, w.Code)
			}
		}
	})
}

func TestExportsRevalidate(t *testing.T) {
	e, db := newTestServer(t)
	for _, path := range []string{"/transparency/awards.csv", "/transparency/ocds.json"} {
		t.Run(path, func(t *testing.T) {
			w := get(e, path)
			tag := w.Header().Get("Etag")
			if w.Code != 200 || tag == "" || w.Header().Get("Last-Modified") == "" {
				t.Fatalf("got %d, ETag %q, Last-Modified %q", w.Code, tag, w.Header().Get("Last-Modified"))
			}
			if w := get(e, path, "If-None-Match", tag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
				t.Fatalf("revalidation: got %d with %d bytes, want 304", w.Code, w.Body.Len())
			}
			if w := get(e, path+"?sort=value", "If-None-Match", tag); w.Code != http.StatusOK {
				t.Fatalf("other filters, same ETag: got %d, want 200", w.Code)
			}
		})
	}
	before := get(e, "/transparency/awards.csv").Header().Get("Etag")
	ref := approveNew(t, db, "business-unlimited-5g-sim", 3)
	w := get(e, "/transparency/awards.csv", "If-None-Match", before)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), ref.Ref) {
		t.Fatalf("after a new approval: got %d without %s, want the new award", w.Code, ref.Ref)
	}
	// The register page (cached for visitors) shows it too.
	if w := get(e, "/transparency"); !strings.Contains(w.Body.String(), ref.Ref) {
		t.Fatalf("the register does not show %s after its approval", ref.Ref)
	}
}

func TestRegisterPage(t *testing.T) {
	e, _ := newTestServer(t)
	w := get(e, "/transparency")
	if w.Code != http.StatusOK {
		t.Fatalf("got %d", w.Code)
	}
	doc := parseHTML(t, w.Body.Bytes())
	if got := len(texts(doc.Find("#awards tbody tr"))); got != 3 {
		t.Errorf("got %d rows, want the demo's 3 approved quotes", got)
	}
	// Northshire is a county council: every award is over £500 net, so
	// each row names the spend duty.
	if got := text(doc.Find("#awards tbody tr").First().Find("td").Last()); !strings.Contains(got, "Spend over £500") {
		t.Errorf("duties %q", got)
	}
	for _, href := range []string{"/transparency/awards.csv", "/transparency/ocds.json", "/transparency/about", "/transparency/savings"} {
		if doc.Find(`a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("no link to %s", href)
		}
	}
	w = get(e, "/transparency?from=2026-02-30")
	if w.Code != http.StatusBadRequest {
		t.Fatalf("bad date: got %d, want 400", w.Code)
	}
	checkErrorSummary(t, parseHTML(t, w.Body.Bytes()), "from", "real date")
}

// TestRegisterPagesPastTheListed asks for pages past the last one the
// register lists (store.RegisterMaxPage): a filter with fewer pages says
// the page is empty and links to its last page; a filter with more pages
// keeps its totals, lists no awards, and says how to narrow the filter or
// download the CSV; a listed page's pager never links past the last
// listed page.
func TestRegisterPagesPastTheListed(t *testing.T) {
	e, _ := newTestServer(t)
	past := strconv.Itoa(store.RegisterMaxPage + 1)
	w := get(e, "/transparency?agreement="+store.DemoAgreementMoU+"&page="+past)
	if w.Code != http.StatusOK {
		t.Fatalf("got %d", w.Code)
	}
	doc := parseHTML(t, w.Body.Bytes())
	if doc.Find("#awards").Length() != 0 || doc.Find("#unlisted").Length() != 0 || doc.Find(`a[href="/transparency?agreement=`+store.DemoAgreementMoU+`"]`).Length() == 0 {
		t.Errorf("page %s of the demo's one page: want no awards, no notice, a link to page 1", past)
	}
	if got := text(doc.Find("#results")); !strings.Contains(got, "3 approved awards") {
		t.Errorf("count %q, want the filter's 3 awards still counted", got)
	}

	// 100,003 awards (2,001 pages), rendered as the handler would.
	render := func(r store.AwardRegister) *goquery.Document {
		t.Helper()
		var buf bytes.Buffer
		if err := views.Register(views.RegisterProps{Page: views.Page{Title: "Transparency register"}, Register: r}).Render(context.Background(), &buf); err != nil {
			t.Fatal(err)
		}
		return parseHTML(t, buf.Bytes())
	}
	q := store.AwardQuery{Agreement: store.DemoAgreementMoU, Page: 1000}
	r := store.AwardRegister{Query: q, Page: q.Page, Pages: 2001, Totals: store.AwardTotals{Count: 100_003}}
	doc = render(r)
	if doc.Find("#unlisted").Length() != 1 || doc.Find("#awards").Length() != 0 {
		t.Fatalf("page 1000 of 2,001: want the notice #unlisted and no awards table")
	}
	for _, href := range []string{"/transparency/awards.csv?agreement=" + store.DemoAgreementMoU,
		"/transparency?agreement=" + store.DemoAgreementMoU + "&page=" + strconv.Itoa(store.RegisterMaxPage)} {
		if doc.Find(`#unlisted a[href="`+href+`"]`).Length() == 0 {
			t.Errorf("the notice does not link to %s", href)
		}
	}
	q.Page = 1
	r.Query, r.Page, r.Awards = q, 1, []store.Award{{Ref: "Q-2026-000001", Version: 1}}
	doc = render(r)
	last := 0
	doc.Find(`nav.pagination a`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u, _ := url.Parse(href)
		n, _ := strconv.Atoi(u.Query().Get("page"))
		last = max(last, n)
	})
	if last != store.RegisterMaxPage {
		t.Errorf("the pager links up to page %d, want %d (the last listed)", last, store.RegisterMaxPage)
	}
}

func TestSpendCSV(t *testing.T) {
	env := newAuthEnv(t)
	ctx := context.Background()
	north := env.users["buyer"]
	reviewer := env.users["reviewer"]
	var refs []store.QuoteRef
	for _, qty := range []int{1, 30} { // £500 or less net, then more
		b, err := env.db.CreateBasket(ctx, &north, "Spend "+strconv.Itoa(qty))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.db.AddLine(ctx, &north, b.ID, store.LineForm{Offering: "iot-sim-1gb", Quantity: strconv.Itoa(qty), TermMonths: "12"}); err != nil {
			t.Fatal(err)
		}
		if err := env.db.SetRequirements(ctx, &north, b.ID, store.RequirementsForm{Need: "Sensors", Budget: "9000", Sites: "1",
			RequiredBy: store.DateInput{ISO: "2030-01-01"}, WeightPrice: "50", WeightQuality: "30", WeightSocial: "20"}); err != nil {
			t.Fatal(err)
		}
		ref, _, err := env.db.Submit(ctx, &north, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.db.Decide(ctx, &reviewer, b.ID, store.DecisionForm{Decision: store.DecisionApprove, QuoteVersion: "1"}); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, ref)
	}
	small, err := env.db.Quote(ctx, &reviewer, refs[0].Ref, 1)
	if err != nil || small.Totals.NetPence > store.SpendLinePence {
		t.Fatalf("the small quote nets %s (%v), want £500 or less", store.FormatPence(small.Totals.NetPence), err)
	}
	big, _ := env.db.Quote(ctx, &reviewer, refs[1].Ref, 1)
	path := "/organisations/" + strconv.FormatInt(env.orgs["north"].ID, 10) + "/spend.csv"

	cl := env.client()
	cl.signIn("buyer")
	w := cl.do("GET", path, nil)
	if w.Code != http.StatusOK {
		t.Fatalf("got %d", w.Code)
	}
	rows := readCSV(t, w.Body.Bytes())
	if got := strings.Join(rows[0], ","); got != "body,body_identifier,date,expense_type,beneficiary,beneficiary_identifier,amount_gbp,irrecoverable_vat,reference" {
		t.Fatalf("header %q", got)
	}
	if len(rows) != 2 || rows[1][8] != refs[1].Ref+"/v1" || poundsToPence(t, rows[1][6]) != big.Totals.NetPence || rows[1][1] != "GB-LAC-E10000001" {
		t.Fatalf("rows %q, want only %s at its net %s", rows[1:], refs[1].Ref, store.FormatPence(big.Totals.NetPence))
	}
	if !strings.Contains(rows[1][3], "IoT connectivity") || rows[1][5] != "GB-COH-00000000" {
		t.Errorf("expense type %q, beneficiary %q", rows[1][3], rows[1][5])
	}
	// The quote page's duty is decided by the same rule.
	if got := store.PublicationDuties(small.Organisation.Type, small.Totals); len(got) != 0 {
		t.Errorf("the small quote's duties %q, want none", got)
	}
	other := env.client()
	other.signIn("buyer2")
	if w := other.do("GET", path, nil); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), refs[1].Ref) {
		t.Fatalf("another organisation's buyer: got %d, want 404 without the data", w.Code)
	}
}
