package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/store"
)

// approvedQuote has the env's buyer submit a basket of one line and a
// reviewer approve it.
func (env *authEnv) approvedQuote(t *testing.T, name, slug string, q, term int) {
	t.Helper()
	ctx := context.Background()
	buyer, reviewer := env.users["buyer"], env.users["reviewer"]
	b, err := env.db.CreateBasket(ctx, &buyer, name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.AddLine(ctx, &buyer, b.ID, store.LineForm{Offering: slug, Quantity: strconv.Itoa(q), TermMonths: strconv.Itoa(term)}); err != nil {
		t.Fatal(err)
	}
	req := store.RequirementsForm{Need: "Phones", Budget: "100000", Sites: "1", RequiredBy: store.DateInput{ISO: env.db.Now().AddDate(0, 1, 0).Format(time.DateOnly)},
		WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}
	if err := env.db.SetRequirements(ctx, &buyer, b.ID, req); err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.db.Submit(ctx, &buyer, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.Decide(ctx, &reviewer, b.ID, store.DecisionForm{Decision: "approve", QuoteVersion: "1"}); err != nil {
		t.Fatal(err)
	}
}

// checkCharts checks every chart on the page: an image named by its title
// and described by its desc, which gives every value; as many bars as the
// table after it has rows. It returns the charts by id.
func checkCharts(t *testing.T, doc *goquery.Document) map[string]*goquery.Selection {
	t.Helper()
	charts := map[string]*goquery.Selection{}
	doc.Find("svg.chart__svg").Each(func(_ int, svg *goquery.Selection) {
		id, _ := svg.Attr("id")
		charts[id] = svg
		if role, _ := svg.Attr("role"); role != "img" {
			t.Errorf("chart %s: role %q, want img", id, role)
		}
		labelled, _ := svg.Attr("aria-labelledby")
		if labelled != id+"-title "+id+"-desc" {
			t.Errorf("chart %s: aria-labelledby %q, want its title and desc", id, labelled)
		}
		title, desc := svg.Find("title#"+id+"-title"), svg.Find("desc#"+id+"-desc")
		if text(title) == "" || text(desc) == "" {
			t.Errorf("chart %s: title %q, desc %q, want both", id, text(title), text(desc))
		}
		bars := svg.Find("rect.chart__bar")
		rows := svg.Closest("figure").NextFiltered("div.table-wrap").Find("tbody tr")
		if bars.Length() == 0 || bars.Length() != rows.Length() {
			t.Errorf("chart %s: %d bars, table after it has %d rows", id, bars.Length(), rows.Length())
		}
		// Each bar's value (bar charts) or label's row (columns) is in the
		// description.
		svg.Find("text.chart__value").Each(func(_ int, v *goquery.Selection) {
			if !strings.Contains(text(desc), text(v)) && !strings.HasPrefix(id, "all-months") && !strings.HasPrefix(id, "org-months") {
				t.Errorf("chart %s: value %q missing from its description %q", id, text(v), text(desc))
			}
		})
	})
	return charts
}

func TestSavingsDashboard(t *testing.T) {
	env := newAuthEnv(t)
	// Nothing approved yet: said so, and only the trials chart.
	empty := parseHTML(t, get(env.e, "/transparency/savings").Body.Bytes())
	if empty.Find("#all-none").Length() != 1 || empty.Find("#all-totals").Length() != 0 {
		t.Errorf("with nothing approved: want the 'none yet' line and no totals")
	}
	if charts := checkCharts(t, empty); len(charts) != 1 || charts["all-trials"] == nil {
		t.Errorf("with nothing approved: got %d charts, want the trials chart alone", len(charts))
	}
	// 10 SIMs × £25.00 × 24 months: list £6,000.00, MoU 15.75% £945.00,
	// paid £5,055.00 (PRODUCT.md §3; the buyer has no in-life tier yet).
	env.approvedQuote(t, "Mobiles", "business-unlimited-5g-sim", 10, 24)
	w := get(env.e, "/transparency/savings")
	if w.Code != http.StatusOK {
		t.Fatalf("got %d, want 200", w.Code)
	}
	doc := parseHTML(t, w.Body.Bytes())
	totals := texts(doc.Find("#all-totals dd"))
	want := []string{"1", "£6,000.00", "£5,055.00", "£945.00 (15.8% of list)"}
	if len(totals) < 4 || strings.Join(totals[:4], "|") != strings.Join(want, "|") {
		t.Errorf("totals: got %q, want %q first", totals, want)
	}
	charts := checkCharts(t, doc)
	for _, id := range []string{"all-list-paid", "all-agreements", "all-categories", "all-months", "all-trials"} {
		if charts[id] == nil {
			t.Errorf("chart %s missing (have %d charts)", id, len(charts))
		}
	}
	if c := charts["all-list-paid"]; c != nil {
		// Bars to scale: list is the longest (230 units), paid is
		// 505,500 / 600,000 of it.
		widths := attrs(c.Find("rect"), "width")
		if strings.Join(widths, " ") != "230 193 36" {
			t.Errorf("list, paid and saved bars: got widths %v, want 230 193 36", widths)
		}
	}
	if c := charts["all-months"]; c != nil {
		if n := c.Find("rect").Length(); n != store.SavingsMonths {
			t.Errorf("months chart: got %d columns, want %d", n, store.SavingsMonths)
		}
	}
	if got := text(doc.Find("#all-categories-desc")); !strings.Contains(got, "Mobile voice and data: £945.00 (15.8%)") {
		t.Errorf("categories chart description: got %q", got)
	}
}

func TestBuyersHomeShowsTheirSavingsAndTier(t *testing.T) {
	env := newAuthEnv(t)
	env.approvedQuote(t, "Mobiles", "business-unlimited-5g-sim", 10, 24)
	for _, tt := range []struct {
		user, wantTotal, wantNext string
	}{
		{"buyer", "£945.00 (15.8% of list)", "£94,945.00 more of approved purchases reaches the next tier (1.5%)"},
		{"buyer2", "", "£100,000.00 more of approved purchases reaches the next tier (1.5%)"},
	} {
		t.Run(tt.user, func(t *testing.T) {
			cl := env.client()
			cl.signIn(tt.user)
			w := cl.do("GET", "/", nil)
			doc := authDoc(t, w)
			if doc.Find("#your-savings").Length() != 1 || doc.Find("#your-tiers").Length() != 1 {
				t.Fatalf("home of %s: no savings or tier section", tt.user)
			}
			if tt.wantTotal == "" {
				if doc.Find("#org-none").Length() != 1 {
					t.Errorf("home of %s: want 'no quotes approved yet'", tt.user)
				}
			} else if got := texts(doc.Find("#org-totals dd")); len(got) < 4 || got[3] != tt.wantTotal {
				t.Errorf("home of %s: totals %q, want saved %q", tt.user, got, tt.wantTotal)
			}
			if body := text(doc.Find("main")); !strings.Contains(body, tt.wantNext) {
				t.Errorf("home of %s: want %q", tt.user, tt.wantNext)
			}
			checkCharts(t, doc)
		})
	}
}

func TestAboutTheData(t *testing.T) {
	env := newAuthEnv(t, func(c *Config) { c.PublicURL = "https://buy.example.gov.uk"; c.OCIDPrefix = "ocds-abc123" })
	req, _ := http.NewRequest("GET", "/transparency/about", nil)
	req.Host = "evil.example"
	w := serve(env.e, req)
	if w.Code != http.StatusOK {
		t.Fatalf("got %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		"https://buy.example.gov.uk/transparency/awards.csv", "https://buy.example.gov.uk/transparency/ocds.json",
		`href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"`, "Open Government Licence v3.0",
		"ocds-abc123-", "reference", "savings_gbp",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("about the data: want %q", want)
		}
	}
	if strings.Contains(body, "evil.example") {
		t.Errorf("about the data: uses the Host header")
	}
	// The footer links the data and the accessibility statement from
	// every page.
	for _, page := range []string{"/", "/offerings", "/transparency/savings"} {
		doc := parseHTML(t, get(env.e, page).Body.Bytes())
		links := attrs(doc.Find("footer a"), "href")
		if !strings.Contains(strings.Join(links, " "), "/transparency/about") || !strings.Contains(strings.Join(links, " "), "/help/accessibility") {
			t.Errorf("%s footer: got %v", page, links)
		}
	}
	doc := parseHTML(t, get(env.e, "/help/accessibility").Body.Bytes())
	for _, id := range []string{"how-accessible", "tested", "known-issues", "report", "enforcement"} {
		if doc.Find("h2#"+id).Length() != 1 {
			t.Errorf("accessibility statement: no section %s", id)
		}
	}
}

func TestAgreementPublishesCommitmentsAndEvaluation(t *testing.T) {
	env := newAuthEnv(t)
	ctx := context.Background()
	// An agreement without commitments says so rather than leaving a gap.
	err := env.db.LoadCatalogue(ctx, store.Catalogue{Agreements: []store.NewAgreement{{Slug: "bare", CCSRef: "BARE-1", Title: "Bare agreement",
		SupplierSlug: store.DemoSupplierFFC, StartsOn: "2026-01-01", EndsOn: "2027-01-01", Tiers: []store.Tier{{FromPence: 0, BP: 0}}}}})
	if err != nil {
		t.Fatal(err)
	}
	mou := store.DemoCatalogue().Agreements[0]
	for _, tt := range []struct {
		slug          string
		wantLD        []string
		wantOwnWords  []string
		wantNoneLines int
	}{
		{store.DemoAgreementMoU, mou.LearningDevelopment, mou.Evaluation, 0},
		{"bare", nil, nil, 2},
	} {
		doc := parseHTML(t, get(env.e, "/agreements/"+tt.slug).Body.Bytes())
		if got := texts(doc.Find("#learning-development ~ ul").First().Find("li")); strings.Join(got, "|") != strings.Join(tt.wantLD, "|") {
			t.Errorf("%s: learning and development %q, want %q", tt.slug, got, tt.wantLD)
		}
		none := 0
		doc.Find("main p").Each(func(_ int, p *goquery.Selection) {
			if strings.HasPrefix(text(p), "No ") && strings.HasSuffix(text(p), "are published for this agreement.") {
				none++
			}
		})
		if none != tt.wantNoneLines {
			t.Errorf("%s: %d 'none published' lines, want %d", tt.slug, none, tt.wantNoneLines)
		}
		rules := texts(doc.Find("#evaluation ~ ol").First().Find("li"))
		if len(rules) != len(store.EvaluationRules()) || !strings.Contains(rules[0], "social value at least 10%") ||
			!strings.Contains(strings.Join(rules, " "), "£100,000.00 or more including VAT needs two different reviewers") {
			t.Errorf("%s: evaluation rules %q", tt.slug, rules)
		}
		body := text(doc.Find("main"))
		for _, para := range tt.wantOwnWords {
			if !strings.Contains(body, para) {
				t.Errorf("%s: the agreement's own evaluation words %q missing", tt.slug, para)
			}
		}
	}
	// The rule published is the rule enforced: 9% social value is refused.
	buyer := env.users["buyer"]
	b, err := env.db.CreateBasket(ctx, &buyer, "Weights")
	if err != nil {
		t.Fatal(err)
	}
	err = env.db.SetRequirements(ctx, &buyer, b.ID, store.RequirementsForm{Need: "x", Budget: "1", Sites: "1",
		RequiredBy: store.DateInput{ISO: env.db.Now().AddDate(0, 1, 0).Format(time.DateOnly)}, WeightPrice: "61", WeightQuality: "30", WeightSocial: "9"})
	if store.ErrorCode(err) != store.EINVALID {
		t.Errorf("9%% social value: got %v, want refused", err)
	}
}
