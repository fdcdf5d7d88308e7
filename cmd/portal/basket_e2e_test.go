package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portal/store"
)

// buyerSession is an HTTP client signed in as a demo buyer.
type buyerSession struct {
	t    *testing.T
	p    *testPortal
	c    *http.Client
	csrf string
}

func (p *testPortal) signIn(t *testing.T, email string) *buyerSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &buyerSession{t: t, p: p, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.get("/login")
	if code, _, _ := s.post("/login", url.Values{"email": {email}, "password": {store.DemoPasswordDefault}}); code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", email, code)
	}
	s.get("/baskets") // a fresh CSRF token for the signed-in session
	return s
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (s *buyerSession) get(path string) (int, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.p.url + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(b); m != nil {
		s.csrf = string(m[1])
	}
	return resp.StatusCode, string(b)
}

func (s *buyerSession) post(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	form.Set("_csrf", s.csrf)
	resp, err := s.c.PostForm(s.p.url+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// csvOffering is one row of /offerings.csv.
type csvOffering struct {
	monthly, oneOff, mouBP int64
	terms                  []string
}

func offeringsCSV(t *testing.T, p *testPortal) map[string]csvOffering {
	t.Helper()
	resp, err := http.Get(p.url + "/offerings.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string]csvOffering{}
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("offerings.csv: %q is not a number", s)
		}
		return n
	}
	for _, r := range rows[1:] {
		out[r[col["slug"]]] = csvOffering{monthly: num(r[col["monthly_pence"]]), oneOff: num(r[col["one_off_pence"]]),
			mouBP: num(r[col["mou_discount_bp"]]), terms: strings.Split(r[col["term_options"]], "|")}
	}
	return out
}

// roundHalfUp is round(n / d) half up for n >= 0, in big integers so the
// test shares no arithmetic with the pricing engine.
func roundHalfUp(n *big.Int, d int64) int64 {
	q, r := new(big.Int).QuoRem(n, big.NewInt(d), new(big.Int))
	if r.Mul(r, big.NewInt(2)).Cmp(big.NewInt(d)) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

func mul(a, b int64) *big.Int { return new(big.Int).Mul(big.NewInt(a), big.NewInt(b)) }

type quoteJSONLine struct {
	Offering    struct{ Slug, Name string } `json:"offering"`
	Quantity    int64                       `json:"quantity"`
	TermMonths  int64                       `json:"term_months"`
	ListPence   int64                       `json:"list_pence"`
	MouPence    int64                       `json:"mou_pence"`
	InlifePence int64                       `json:"inlife_pence"`
	NetPence    int64                       `json:"net_pence"`
}

type quoteJSONDoc struct {
	Ref        string          `json:"ref"`
	Version    int             `json:"version"`
	Status     string          `json:"status"`
	IssuedAt   string          `json:"issued_at"`
	ValidUntil string          `json:"valid_until"`
	InlifeBP   int64           `json:"inlife_bp"`
	Lines      []quoteJSONLine `json:"lines"`
	Net        int64           `json:"net_total_pence"`
	VAT        int64           `json:"vat_pence"`
	Gross      int64           `json:"gross_total_pence"`
	Savings    int64           `json:"savings_pence"`
	Org        struct {
		Name, Identifier string
	} `json:"organisation"`
	Agreement struct{ Slug, Title, Supplier string } `json:"agreement"`
}

// TestQuoteJSONMatchesTheFormulas prices baskets through the web interface
// and recomputes every figure of the quote JSON from /offerings.csv with the
// formulas of PRODUCT.md §3, for a buyer in the 150 bp tier (Northshire,
// from its demo history) and one with no history (Eastbridge).
func TestQuoteJSONMatchesTheFormulas(t *testing.T) {
	p := startPortal(t, withDemo())
	offerings := offeringsCSV(t, p)
	type line struct {
		slug      string
		qty, term int64
	}
	baskets := [][]line{
		{{"business-unlimited-5g-sim", 37, 24}, {"private-5g-network-starter", 1, 60}, {"ethernet-1gbps-leased-line", 3, 36}},
		{{"iot-sim-10mb", 99_999, 12}, {"business-full-fibre-150", 7, 36}, {"cloud-phone-system-user", 1, 1}, {"lte-m-nb-iot-sim-5mb", 13, 36}},
	}
	for _, buyer := range []struct {
		email    string
		inlifeBP int64 // PRODUCT.md §9: Northshire has about £180,000 approved, so 150 bp
	}{{"buyer@northshire.example", 150}, {"buyer@eastbridge.example", 0}} {
		s := p.signIn(t, buyer.email)
		for i, lines := range baskets {
			t.Run(fmt.Sprintf("%s/basket %d", buyer.email, i+1), func(t *testing.T) {
				_, loc, _ := s.post("/baskets", url.Values{"name": {fmt.Sprintf("Formula check %d", i)}})
				for _, l := range lines {
					if code, _, body := s.post(loc+"/lines", url.Values{"offering": {l.slug}, "quantity": {strconv.FormatInt(l.qty, 10)},
						"term_months": {strconv.FormatInt(l.term, 10)}}); code != http.StatusSeeOther {
						t.Fatalf("add %s: %d\n%.500s", l.slug, code, body)
					}
				}
				if code, _, _ := s.post(loc+"/requirements", url.Values{"need": {"Formula check"}, "budget": {"1000000"}, "sites": {"3"},
					"required_by": {time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, "weight_price": {"40"}, "weight_quality": {"40"}, "weight_social": {"20"}}); code != http.StatusSeeOther {
					t.Fatalf("requirements: %d", code)
				}
				code, quoteURL, _ := s.post(loc+"/submit", url.Values{})
				if code != http.StatusSeeOther {
					t.Fatalf("submit: %d", code)
				}
				code, body := s.get(quoteURL + ".json")
				if code != 200 {
					t.Fatalf("quote JSON: %d", code)
				}
				var q quoteJSONDoc
				if err := json.Unmarshal([]byte(body), &q); err != nil {
					t.Fatal(err)
				}
				if q.InlifeBP != buyer.inlifeBP {
					t.Fatalf("inlife_bp %d, want %d", q.InlifeBP, buyer.inlifeBP)
				}
				if len(q.Lines) != len(lines) {
					t.Fatalf("%d lines, want %d", len(q.Lines), len(lines))
				}
				var netTotal, savings int64
				for j, l := range lines {
					o := offerings[l.slug]
					list := mul(l.qty, o.monthly*l.term+o.oneOff).Int64()
					mou := roundHalfUp(mul(list, o.mouBP), 10_000)
					inlife := roundHalfUp(mul(list-mou, buyer.inlifeBP), 10_000)
					want := quoteJSONLine{Quantity: l.qty, TermMonths: l.term, ListPence: list, MouPence: mou, InlifePence: inlife, NetPence: list - mou - inlife}
					got := q.Lines[j]
					if got.Offering.Slug != l.slug || got.Quantity != want.Quantity || got.TermMonths != want.TermMonths || got.ListPence != want.ListPence ||
						got.MouPence != want.MouPence || got.InlifePence != want.InlifePence || got.NetPence != want.NetPence {
						t.Errorf("line %s: got %+v, want %+v", l.slug, got, want)
					}
					netTotal += want.NetPence
					savings += mou + inlife
				}
				vat := roundHalfUp(mul(netTotal, 2000), 10_000)
				if q.Net != netTotal || q.VAT != vat || q.Gross != netTotal+vat || q.Savings != savings {
					t.Errorf("totals: got net %d vat %d gross %d savings %d, want %d %d %d %d", q.Net, q.VAT, q.Gross, q.Savings, netTotal, vat, netTotal+vat, savings)
				}
				if !regexp.MustCompile(`^Q-\d{4}-\d{6}$`).MatchString(q.Ref) || q.Version != 1 || q.Status != "submitted" ||
					q.Agreement.Slug != store.DemoAgreementMoU || q.Agreement.Supplier != "Virgin Media O2 Business" {
					t.Errorf("header: got %+v", q)
				}
				if _, err := time.Parse(time.RFC3339, q.IssuedAt); err != nil {
					t.Errorf("issued_at %q is not RFC 3339", q.IssuedAt)
				}
				issued, _ := time.Parse(time.RFC3339, q.IssuedAt)
				if want := store.TodayLondon(issued).AddDate(0, 0, 30).Format("2006-01-02"); q.ValidUntil != want {
					t.Errorf("valid_until %s, want %s", q.ValidUntil, want)
				}
			})
		}
	}
}

// ---------------------------------------------------------------------------
// Browser: the keyboard-only journey with JavaScript off, axe and printing.

// scripts turns the page's JavaScript on or off in the tab.
func scripts(on bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return chromedp.Void{}, err
	}
}

// press focuses an element and presses Enter, the way a keyboard user
// follows a link, presses a button or submits a form, and waits for the
// next page; it returns that page's HTTP status.
func press(t *testing.T, ctx context.Context, sel string) int64 {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(kb.Enter))
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("pressing Enter on %s (at %s): %v", sel, loc, err)
	}
	return resp.Status
}

// typeInto focuses a field, empties it with the keyboard and types text.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Focus(chromedp.CSS(sel)),
		chromedp.KeyEvent(kb.End),
		chromedp.KeyEvent(strings.Repeat(kb.Backspace, 40)),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// axeHere scans the page in the tab; axe needs scripts, so they are on for
// the scan only (the page itself was loaded without them).
func axeHere(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, scripts(true))
	axeScanCurrent(t, ctx)
	do(t, ctx, scripts(false))
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func browserSignIn(t *testing.T, ctx context.Context, p *testPortal, email string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(p.url+"/login"), typeInto("#email", email), typeInto("#password", store.DemoPasswordDefault))
	if st := press(t, ctx, "#password"); st >= 400 {
		t.Fatalf("sign in: status %d", st)
	}
}

func TestBasketJourneyKeyboardWithoutJavaScript(t *testing.T) {
	p := startPortal(t, withDemo())
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))
	browserSignIn(t, ctx, p, "buyer@eastbridge.example")

	// Catalogue → offering → add to a new basket.
	do(t, ctx, chromedp.Navigate(p.url+"/offerings"))
	if st := press(t, ctx, `a[href="/offerings/business-unlimited-5g-sim"]`); st != 200 {
		t.Fatalf("offering page: %d", st)
	}
	do(t, ctx, typeInto("#new_basket", "Keyboard journey"), typeInto("#quantity", "25"))
	if st := press(t, ctx, `form[action="/baskets/lines"] button[type=submit]`); st != 200 {
		t.Fatalf("add to basket: landed with %d", st)
	}
	if h := text(t, ctx, "h1"); !strings.Contains(h, "Keyboard journey") {
		t.Fatalf("after adding: h1 %q, want the basket", h)
	}
	basketURL, _ := chromedp.Run(ctx, chromedp.Location())
	axeHere(t, ctx) // the basket, normal state

	// Error state: the add-a-line form with no offering and quantity 0.
	do(t, ctx, typeInto("#quantity", "0"))
	if st := press(t, ctx, "#quantity"); st != http.StatusUnprocessableEntity {
		t.Fatalf("invalid add: %d, want 422", st)
	}
	if s := text(t, ctx, ".error-summary"); !strings.Contains(s, "Quantity must be") {
		t.Fatalf("error summary %q", s)
	}
	axeHere(t, ctx)

	// Conflict state: the basket changes under the open page, then the
	// page's stale line form is sent.
	r, err := p.db.SignIn(context.Background(), store.SignInAttempt{Email: "buyer@eastbridge.example", Password: store.DemoPasswordDefault})
	u := r.User
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(basketURL[strings.LastIndex(basketURL, "/")+1:], 10, 64)
	if _, err := p.db.AddLine(context.Background(), &u, id, store.LineForm{Offering: "iot-sim-1gb", Quantity: "5", TermMonths: "12"}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, typeInto(`input[name="quantity"][form]`, "30"))
	if st := press(t, ctx, `form.line-form button[type=submit]`); st != http.StatusConflict {
		t.Fatalf("stale update: %d, want 409", st)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="quantity"][form]`))); v != "30" {
		t.Fatalf("the conflict page lost what was typed: %q", v)
	}
	axeHere(t, ctx)

	// Requirements, asked in place on the basket page, then submit.
	do(t, ctx,
		typeInto("#need", "Mobiles for the waste collection crews"),
		typeInto("#budget", "12,500.50"),
		typeInto("#sites", "2"),
		// The GOV.UK date input: day, month and year boxes.
		typeInto("#required_by", strconv.Itoa(time.Now().AddDate(0, 2, 0).Day())),
		typeInto("#required_by-month", strconv.Itoa(int(time.Now().AddDate(0, 2, 0).Month()))),
		typeInto("#required_by-year", strconv.Itoa(time.Now().AddDate(0, 2, 0).Year())),
		typeInto("#weight_price", "60"),
		typeInto("#weight_quality", "30"),
		typeInto("#weight_social", "10"),
	)
	if st := press(t, ctx, "#weight_social"); st != 200 {
		t.Fatalf("saving requirements: %d", st)
	}
	if st := press(t, ctx, `form[action$="/submit"] button[type=submit]`); st != 200 {
		t.Fatalf("submit: %d", st)
	}
	h := text(t, ctx, "h1")
	ref := regexp.MustCompile(`Q-\d{4}-\d{6}`).FindString(h)
	if ref == "" {
		t.Fatalf("after submit: h1 %q, want the quote", h)
	}
	axeHere(t, ctx)

	// Print it.
	pdf := printPDF(t, ctx)
	pages, content := pdfText(t, pdf)
	if pages < 1 || pages > 2 {
		t.Errorf("the quote prints on %d pages, want 1 or 2", pages)
	}
	q, err := p.db.Quote(context.Background(), &u, ref, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{ref, store.FormatPence(q.Totals.NetPence), store.FormatPence(q.Totals.VATPence), store.FormatPence(q.Totals.GrossPence), "Page 1 of"} {
		if !strings.Contains(content, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	if strings.Contains(content, "Print or save as PDF") || strings.Contains(content, "Sign out") {
		t.Error("the PDF shows buttons or navigation")
	}
}

func TestTenLineQuotePrintsOnTwoA4Pages(t *testing.T) {
	p := startPortal(t, withDemo())
	ctx := context.Background()
	r, err := p.db.SignIn(ctx, store.SignInAttempt{Email: "buyer@northshire.example", Password: store.DemoPasswordDefault})
	u := r.User
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.db.CreateBasket(ctx, &u, "Ten lines for the county depots and libraries")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range [][3]string{
		{"business-unlimited-5g-sim", "120", "24"}, {"business-unlimited-5g-sim-plus", "15", "36"}, {"business-5g-sim-30gb", "40", "24"},
		{"data-only-5g-sim-50gb", "25", "12"}, {"iot-sim-1gb", "300", "36"}, {"business-full-fibre-500", "12", "36"},
		{"ethernet-1gbps-leased-line", "2", "60"}, {"managed-sd-wan-branch", "12", "36"}, {"cloud-phone-system-user", "220", "36"},
		{"contact-centre-agent", "18", "24"},
	} {
		if _, err := p.db.AddLine(ctx, &u, b.ID, store.LineForm{Offering: l[0], Quantity: l[1], TermMonths: l[2]}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.db.SetRequirements(ctx, &u, b.ID, store.RequirementsForm{Need: "Connectivity for 12 depots and 20 libraries, with phones for the contact centre.",
		Budget: "900000", Sites: "32", RequiredBy: store.DateInput{ISO: time.Now().AddDate(0, 3, 0).Format("2006-01-02")}, WeightPrice: "50", WeightQuality: "35", WeightSocial: "15"}); err != nil {
		t.Fatal(err)
	}
	ref, _, err := p.db.Submit(ctx, &u, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	q, err := p.db.Quote(ctx, &u, ref.Ref, ref.Version)
	if err != nil {
		t.Fatal(err)
	}

	tab := requireBrowser(t)
	browserSignIn(t, tab, p, "buyer@northshire.example")
	do(t, tab, chromedp.Navigate(p.url+ref.URL()))
	axeHere(t, tab)
	pdf := printPDF(t, tab)
	pages, content := pdfText(t, pdf)
	if os.Getenv("QUOTE_PDF_DEBUG") != "" {
		t.Logf("PDF text:\n%s", content)
	}
	if pages < 1 || pages > 2 {
		t.Fatalf("a 10-line quote prints on %d A4 pages, want at most 2", pages)
	}
	for _, want := range []string{store.FormatPence(q.Totals.GrossPence), store.FormatPence(q.Totals.NetPence), "1.5% in-life discount"} {
		if !strings.Contains(content, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	for i := 1; i <= pages; i++ {
		pageText := pdfPageText(t, pdf, i)
		if !strings.Contains(pageText, ref.Ref) || !strings.Contains(pageText, fmt.Sprintf("Page %d of %d", i, pages)) {
			t.Errorf("page %d lacks the reference or its number in the footer:\n%s", i, pageText)
		}
	}
}

func printPDF(t *testing.T, ctx context.Context) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := chromedp.Run(sctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("print to PDF: %v", err)
	}
	dir := t.TempDir()
	if d := os.Getenv("PORTAL_SCREENSHOTS"); d != "" {
		dir = d // keep it to look at (pdftoppm)
	}
	path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-")+".pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText returns the page count (checking A4 portrait) and the text.
func pdfText(t *testing.T, path string) (int, string) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "PDF checks", tool+" (poppler-utils)")
		}
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo gave no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	size := regexp.MustCompile(`(?m)^Page size:\s+([\d.]+) x ([\d.]+) pts`).FindSubmatch(info)
	if size == nil {
		t.Fatalf("pdfinfo gave no page size:\n%s", info)
	}
	w, _ := strconv.ParseFloat(string(size[1]), 64)
	h, _ := strconv.ParseFloat(string(size[2]), 64)
	if w < 593 || w > 597 || h < 840 || h > 844 { // A4 is 595.28 × 841.89 pt
		t.Errorf("page size %.1f × %.1f pt, want A4 portrait", w, h)
	}
	return pages, pdfPageText(t, path, 0)
}

// pdfPageText is the text of one page (0: all pages).
func pdfPageText(t *testing.T, path string, page int) string {
	t.Helper()
	args := []string{"-layout"}
	if page > 0 {
		args = append(args, "-f", strconv.Itoa(page), "-l", strconv.Itoa(page))
	}
	out, err := exec.Command("pdftotext", append(args, path, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestBasketPagesAreValidHTML checks the basket, requirements, add-to-basket,
// list and quote pages (normal, error and conflict states) with the Nu checker.
func TestBasketPagesAreValidHTML(t *testing.T) {
	p := startPortal(t, withDemo())
	s := p.signIn(t, "buyer@northshire.example")
	pages := htmlPages{}
	keep := pages.keeper(t)
	_, loc, _ := s.post("/baskets", url.Values{"name": {"Valid HTML"}})
	code, body := s.get(loc)
	keep("empty basket", 200, code, body)
	s.post(loc+"/lines", url.Values{"offering": {"business-unlimited-5g-sim"}, "quantity": {"4"}, "term_months": {"24"}})
	code, body = s.get(loc)
	keep("basket", 200, code, body)
	code, _, body = s.post(loc+"/lines", url.Values{"offering": {"ffc-full-fibre-300"}, "quantity": {"0"}, "term_months": {"12"}})
	keep("basket with errors", 422, code, body)
	code, _, body = s.post(loc+"/lines/999999", url.Values{"quantity": {"3"}, "term_months": {"24"}, "version": {"1"}})
	keep("basket conflict", 409, code, body)
	code, body = s.get(loc + "/requirements")
	keep("requirements", 200, code, body)
	code, _, body = s.post(loc+"/requirements", url.Values{"need": {""}})
	keep("requirements with errors", 422, code, body)
	code, body = s.get("/baskets/add?offering=ffc-full-fibre-300")
	keep("add page", 200, code, body)
	code, body = s.get("/offerings/business-unlimited-5g-sim")
	keep("offering with add form", 200, code, body)
	s.post(loc+"/requirements", url.Values{"need": {"n"}, "budget": {"100"}, "sites": {"1"}, "required_by": {time.Now().AddDate(0, 1, 0).Format("2006-01-02")},
		"weight_price": {"50"}, "weight_quality": {"40"}, "weight_social": {"10"}})
	code, body = s.get(loc + "/preview")
	keep("preview", 200, code, body)
	_, quote, _ := s.post(loc+"/submit", url.Values{})
	code, body = s.get(quote)
	keep("quote", 200, code, body)
	code, body = s.get("/baskets")
	keep("baskets home", 200, code, body)
	validateHTMLBatch(t, pages)
}
