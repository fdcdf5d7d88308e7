package main

// Issue 13's "Done when": a first-time council buyer, JavaScript off, goes
// from the home page to a submitted, priced quote in at most 8 page loads,
// at a desktop width and on a 390 × 844 phone, where no page scrolls
// sideways and every money amount is on screen; axe-core is clean on every
// page of the way.

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// maxJourneyLoads is the limit: home page to submitted quote.
const maxJourneyLoads = 8

// journey walks the site in one tab, counting page loads: a document the
// browser displays. A POST answered 303 and the page it leads to are one.
type journey struct {
	t      *testing.T
	ctx    context.Context
	width  int64
	loads  int
	pages  []string // where each load landed, for messages
	shots  string   // PORTAL_SCREENSHOTS: save each page here
	narrow bool
}

// arrived records one page load that answered want, then checks the page.
func (j *journey) arrived(status, want int64, what string) {
	j.t.Helper()
	loc, _ := chromedp.Run(j.ctx, chromedp.Location())
	j.loads++
	j.pages = append(j.pages, what+" "+loc)
	if status != want {
		j.t.Fatalf("load %d (%s): status %d, want %d", j.loads, what, status, want)
	}
	j.check(what)
}

// check scans the page with axe and, on every width, checks that the page
// does not scroll sideways and that every money amount is inside the
// viewport (scripts go on for the checks only; the page loaded without).
func (j *journey) check(what string) {
	j.t.Helper()
	do(j.t, j.ctx, scripts(true))
	defer do(j.t, j.ctx, scripts(false))
	axeScanCurrent(j.t, j.ctx)
	fit, err := chromedp.Run(j.ctx, chromedp.Evaluate[pageFit](pageFitJS))
	if err != nil {
		j.t.Fatalf("%s: measuring the page: %v", what, err)
	}
	if fit.ScrollWidth > fit.Viewport {
		j.t.Errorf("%s at %d px: the page scrolls sideways (%d px wide)", what, j.width, fit.ScrollWidth)
	}
	if j.width >= 1280 && fit.HeaderHeight > 80 {
		j.t.Errorf("%s at %d px: the header wraps (%d px tall, one row is about 64)", what, j.width, fit.HeaderHeight)
	}
	if len(fit.Off) > 0 {
		j.t.Errorf("%s at %d px: money off screen: %s", what, j.width, strings.Join(fit.Off, "; "))
	}
	if len(fit.WideTables) > 0 {
		j.t.Errorf("%s at %d px: tables scroll sideways: %s", what, j.width, strings.Join(fit.WideTables, "; "))
	}
	if fit.Amounts == 0 && what != "home" && what != "sign in" && !strings.Contains(what, "error") && !strings.Contains(what, "refused") && what != "basket history" {
		j.t.Errorf("%s: no money amount found to check", what)
	}
	if j.shots != "" {
		png, err := chromedp.Run(j.ctx, chromedp.FullScreenshot(100))
		if err == nil {
			name := fmt.Sprintf("journey-%d-%02d-%s.png", j.width, j.loads, strings.ReplaceAll(what, " ", "-"))
			_ = os.WriteFile(filepath.Join(j.shots, name), png, 0o644)
		}
	}
}

// pageFit is what pageFitJS measures.
type pageFit struct {
	Viewport    int      `json:"viewport"`
	ScrollWidth int      `json:"scrollWidth"`
	Amounts     int      `json:"amounts"`
	Off         []string `json:"off"`
	// HeaderHeight is the header's height: one row is about 64 px.
	HeaderHeight int `json:"headerHeight"`
	// WideTables names each table wrapper whose table is wider than it.
	WideTables []string `json:"wideTables"`
}

// pageFitJS measures the page's width against the viewport's and finds
// every rendered money amount ("£1,234.56") whose box is not wholly inside
// the viewport horizontally. Hidden text (display: none, a closed
// <details>) has no boxes and is not counted. It also names every table
// wrapper whose table is wider than the wrapper (one that scrolls).
const pageFitJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, amounts: 0, off: [],
    headerHeight: Math.round(document.querySelector(".header .width").getBoundingClientRect().height),
    wideTables: [...document.querySelectorAll(".table-wrap")].filter(w => w.scrollWidth > w.clientWidth + 1)
      .map(w => (w.getAttribute("aria-label") || "unnamed") + " (" + w.scrollWidth + " px in " + w.clientWidth + ")")};
  const re = /£[0-9,]+\.[0-9]{2}/g;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    re.lastIndex = 0;
    for (let m = re.exec(n.data); m; m = re.exec(n.data)) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      for (const b of r.getClientRects()) {
        if (b.width <= 1 && b.height <= 1) continue; // visually hidden
        out.amounts++;
        if (b.left < -0.5 || b.right > vw + 0.5) out.off.push(m[0] + " at " + Math.round(b.left) + "–" + Math.round(b.right) + " px");
      }
    }
  }
  return out;
})()`

func TestFirstQuoteInEightPageLoads(t *testing.T) {
	atEachWidth(t, walkFirstQuote)
}

// atEachWidth runs walk on a fresh demo portal in a new tab, JavaScript
// off, at a desktop width and on a 390 × 844 phone.
func atEachWidth(t *testing.T, walk func(*testing.T, *testPortal, *journey)) {
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			p := startPortal(t, withDemo())
			ctx := requireBrowser(t)
			j := &journey{t: t, ctx: ctx, width: size.width, narrow: size.width < 768, shots: os.Getenv("PORTAL_SCREENSHOTS")}
			do(t, ctx, chromedp.EmulateViewport(size.width, size.height), scripts(false))
			walk(t, p, j)
		})
	}
}

func walkFirstQuote(t *testing.T, p *testPortal, j *journey) {
	ctx := j.ctx
	const slug = "business-unlimited-5g-sim"
	offering := offeringsCSV(t, p)[slug]
	term, _ := strconv.ParseInt(offering.terms[0], 10, 64)

	// 1. Home.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.url+"/"))
	if err != nil {
		t.Fatal(err)
	}
	j.arrived(resp.Status, 200, "home")
	start := historyLength(t, ctx)

	// 2. Search from the home page.
	do(t, ctx, typeInto("#home-q", "unlimited 5G SIM"))
	j.arrived(press(t, ctx, "#home-q"), 200, "search")

	// 3. The offering.
	j.arrived(press(t, ctx, `a[href="/offerings/`+slug+`"]`), 200, "offering")
	offeringURL, _ := chromedp.Run(ctx, chromedp.Location())

	// 4. Sign in, from the add form's place.
	j.arrived(press(t, ctx, `section.add-to-basket a[href^="/login?next="]`), 200, "sign in")
	do(t, ctx, typeInto("#email", "buyer@eastbridge.example"), typeInto("#password", store.DemoPasswordDefault))

	// 5. Back on the offering, now with the add form.
	j.arrived(press(t, ctx, "#password"), 200, "offering signed in")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != offeringURL {
		t.Fatalf("after signing in: at %s, want back on %s", loc, offeringURL)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#new_basket"))); !strings.HasPrefix(v, "Connectivity – ") {
		t.Errorf("new basket name %q, want a default", v)
	}
	do(t, ctx, typeInto("#quantity", "25"))

	// 6. Add to a new basket: the basket, asking for the requirements.
	j.arrived(press(t, ctx, `form[action="/baskets/lines"] button[type=submit]`), 200, "basket")
	needBy := store.TodayLondon(time.Now()).AddDate(0, 2, 0)
	do(t, ctx,
		typeInto("#need", "Mobiles for the waste collection crews"),
		typeInto("#budget", "£12,500.50"),
		typeInto("#sites", "2"),
		typeInto("#required_by", strconv.Itoa(needBy.Day())),
		typeInto("#required_by-month", strconv.Itoa(int(needBy.Month()))),
		typeInto("#required_by-year", strconv.Itoa(needBy.Year())),
		typeInto("#weight_price", "60"),
		typeInto("#weight_quality", "30"),
		typeInto("#weight_social", "10"),
	)

	// 7. Save the requirements: the basket, ready to submit.
	j.arrived(press(t, ctx, "#weight_social"), 200, "basket with requirements")

	// 8. Submit: the quote, confirmed.
	j.arrived(press(t, ctx, `form[action$="/submit"] button[type=submit]`), 200, "quote")
	if j.loads > maxJourneyLoads {
		t.Errorf("%d page loads, want at most %d:\n%s", j.loads, maxJourneyLoads, strings.Join(j.pages, "\n"))
	}
	if got := historyLength(t, ctx) - start + 1; got != j.loads {
		t.Errorf("the browser's history has %d documents, the journey counted %d", got, j.loads)
	}

	// The quote's figures, from the formulas of PRODUCT.md §3 and the
	// catalogue's CSV (Eastbridge has no approved history: 0 bp in-life).
	panel := text(t, ctx, "#confirmation")
	ref := regexp.MustCompile(`Q-\d{4}-\d{6}`).FindString(panel)
	if ref == "" || !strings.Contains(panel, "Submitted for approval") {
		t.Fatalf("confirmation panel %q", panel)
	}
	list := 25 * (offering.monthly*term + offering.oneOff)
	mou := roundHalfUp(mul(list, offering.mouBP), 10_000)
	net := list - mou
	vat := roundHalfUp(mul(net, 2_000), 10_000)
	lines, totals := text(t, ctx, ".quote-lines"), text(t, ctx, ".quote-totals")
	for _, want := range []string{store.FormatPence(list), "−" + store.FormatPence(mou), store.FormatPence(net)} {
		if !strings.Contains(lines, want) {
			t.Errorf("quote lines lack %s:\n%s", want, lines)
		}
	}
	for _, want := range []string{store.FormatPence(net), store.FormatPence(vat), store.FormatPence(net + vat), store.FormatBP(0) + " in-life discount"} {
		if !strings.Contains(totals, want) {
			t.Errorf("quote totals lack %s:\n%s", want, totals)
		}
	}
	if h := text(t, ctx, "h1"); !strings.Contains(h, ref) {
		t.Errorf("quote h1 %q lacks %s", h, ref)
	}
}

// historyLength is the tab's session history length (scripts on to read it).
func historyLength(t *testing.T, ctx context.Context) int {
	t.Helper()
	do(t, ctx, scripts(true))
	defer do(t, ctx, scripts(false))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`history.length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSignInComesBack: every "Sign in" link carries the page as next, and
// signing in returns there (PRODUCT.md §8), over plain HTTP.
func TestSignInComesBack(t *testing.T) {
	p := startPortal(t, withDemo())
	for _, page := range []string{"/offerings/business-unlimited-5g-sim", "/compare?id=business-unlimited-5g-sim&id=iot-sim-1gb", "/offerings?q=fibre"} {
		resp, body := httpGet(t, p.url+page)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", page, resp.StatusCode)
		}
		want := "/login?next=" + url.QueryEscape(page)
		if !strings.Contains(string(body), `href="`+strings.ReplaceAll(want, "&", "&amp;")+`"`) {
			t.Errorf("%s: no sign-in link to %s", page, want)
			continue
		}
		jar, _ := cookiejar.New(nil)
		s := &buyerSession{t: t, p: p, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		_, form := s.get(want)
		next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(form)
		if next == nil {
			t.Fatalf("%s: the sign-in form carries no next", want)
		}
		code, loc, _ := s.post("/login", url.Values{"next": {html.UnescapeString(next[1])},
			"email": {"buyer@eastbridge.example"}, "password": {store.DemoPasswordDefault}})
		if code != http.StatusSeeOther || loc != page {
			t.Errorf("signing in from %s: %d to %q, want 303 back to the page", page, code, loc)
		}
	}
}

// TestJourneyErrorStatesOnAPhone: the journey's error pages at 390 px with
// JavaScript off pass axe, keep every amount on screen and do not scroll
// sideways: the add form refused, the requirements refused (29 February
// 2027), compare and catalogue with bad parameters.
func TestJourneyErrorStatesOnAPhone(t *testing.T) {
	p := startPortal(t, withDemo())
	ctx := requireBrowser(t)
	j := &journey{t: t, ctx: ctx, width: 390, narrow: true, shots: os.Getenv("PORTAL_SCREENSHOTS")}
	do(t, ctx, chromedp.EmulateViewport(390, 844), scripts(false))

	for _, path := range []string{"/compare?id=business-unlimited-5g-sim&id=iot-sim-1gb&qty=0", "/offerings?max_monthly=abc&term=x"} {
		resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.url+path))
		if err != nil {
			t.Fatal(err)
		}
		j.arrived(resp.Status, 400, "error "+strings.SplitN(path, "?", 2)[0][1:])
	}

	browserSignIn(t, ctx, p, "buyer@eastbridge.example")
	do(t, ctx, chromedp.Navigate(p.url+"/offerings/business-unlimited-5g-sim"), typeInto("#new_basket", ""), typeInto("#quantity", "0"))
	j.arrived(press(t, ctx, `form[action="/baskets/lines"] button[type=submit]`), http.StatusUnprocessableEntity, "add refused")
	if s := text(t, ctx, ".error-summary"); !strings.Contains(s, "Quantity must be") {
		t.Errorf("error summary %q", s)
	}
	do(t, ctx, typeInto("#new_basket", "Phone errors"), typeInto("#quantity", "3"))
	j.arrived(press(t, ctx, `form[action="/baskets/lines"] button[type=submit]`), 200, "basket")
	do(t, ctx,
		typeInto("#need", "Phones"), typeInto("#budget", "1000"), typeInto("#sites", "1"),
		typeInto("#required_by", "29"), typeInto("#required_by-month", "2"), typeInto("#required_by-year", "2027"),
		typeInto("#weight_price", "60"), typeInto("#weight_quality", "30"), typeInto("#weight_social", "10"))
	j.arrived(press(t, ctx, "#weight_social"), http.StatusUnprocessableEntity, "requirements refused")
	if s := text(t, ctx, ".error-summary"); !strings.Contains(s, "must be a real date") {
		t.Errorf("error summary %q", s)
	}
}

// TestMoneyTablesFitAPhone: the pages of each role that show money in
// tables, at 1280 px and on a 390 × 844 phone with JavaScript off: axe is
// clean, nothing scrolls sideways (neither the page nor any table), and
// every amount is on screen.
func TestMoneyTablesFitAPhone(t *testing.T) {
	atEachWidth(t, func(t *testing.T, p *testPortal, j *journey) {
		ctx := j.ctx
		visit := func(path, what string) {
			t.Helper()
			resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.url+path))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			j.arrived(resp.Status, 200, what)
		}
		follow := func(sel, what string) {
			t.Helper()
			j.arrived(press(t, ctx, sel), 200, what)
		}

		visit("/transparency", "transparency")
		visit("/transparency/savings", "savings")
		visit("/agreements/"+store.DemoAgreementMoU, "agreement")

		browserSignIn(t, ctx, p, "buyer@northshire.example")
		visit("/", "buyer home")
		visit("/baskets", "baskets")
		follow(`main table a[href^="/baskets/"]`, "basket")
		basketURL, _ := chromedp.Run(ctx, chromedp.Location())
		basketID := basketURL[strings.LastIndex(basketURL, "/")+1:]
		visit("/baskets", "baskets again")
		follow(`#recent-quotes ~ .table-wrap a[href^="/quotes/"]`, "quote")
		// A basket with a long history shows its latest entries and
		// links to the rest.
		r, err := p.db.SignIn(context.Background(), store.SignInAttempt{Email: "buyer@northshire.example", Password: store.DemoPasswordDefault})
		if err != nil {
			t.Fatal(err)
		}
		long, err := p.db.CreateBasket(context.Background(), &r.User, "Depot mobiles with a long history")
		if err != nil {
			t.Fatal(err)
		}
		for range store.BasketTimelineLimit {
			if _, err := p.db.AddLine(context.Background(), &r.User, long.ID, store.LineForm{Offering: "business-unlimited-5g-sim", Quantity: "1", TermMonths: "24"}); err != nil {
				t.Fatal(err)
			}
		}
		visit("/baskets/"+strconv.FormatInt(long.ID, 10), "long basket")
		follow("#all-history", "basket history")
		signOut(t, ctx)

		browserSignIn(t, ctx, p, "catalogue@vmo2b.example")
		visit("/supplier", "supplier offerings")
		visit("/supplier/offerings/business-4g-sim-10gb", "supplier offering")
		do(t, ctx, typeInto("#monthly", "10.50")) // from today: the change logs have a row
		follow(`main form button[type=submit]`, "supplier offering changed")
		visit("/agreements/"+store.DemoAgreementMoU+"/changes", "change log")
		if log := text(t, ctx, "main table tbody"); !strings.Contains(log, "£10.50") {
			t.Errorf("the change log lacks the new price:\n%s", log)
		}
		visit("/offerings/business-4g-sim-10gb", "offering with changes")
		signOut(t, ctx)

		browserSignIn(t, ctx, p, "reviewer@ccs.example")
		visit("/review", "review queue")
		visit("/review/baskets/"+basketID, "review basket")
		signOut(t, ctx)
	})
}
