package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// chartDrawn is what the browser drew of one SVG chart.
type chartDrawn struct {
	ID    string  `json:"id"`
	W     float64 `json:"w"`
	H     float64 `json:"h"`
	Bars  int     `json:"bars"`  // bars with a length
	Drawn int     `json:"drawn"` // of those, drawn with a size on screen
	Fill  string  `json:"fill"`  // the first bar's computed fill
	Name  string  `json:"name"`  // the accessible name's source: the title's text
}

const chartsJS = `(() => [...document.querySelectorAll("svg.chart__svg")].map(svg => {
	const r = svg.getBoundingClientRect();
	const bars = [...svg.querySelectorAll("rect.chart__bar")].filter(b => +b.getAttribute("width") > 0 && +b.getAttribute("height") > 0);
	const drawn = bars.filter(b => { const bb = b.getBoundingClientRect(); return bb.width > 0 && bb.height > 0; });
	const title = svg.querySelector("title");
	return {id: svg.id, w: r.width, h: r.height, bars: bars.length, drawn: drawn.length,
		fill: bars.length ? getComputedStyle(bars[0]).fill : "", name: title ? title.textContent : ""};
}))()`

// checkChartsDrawn checks that the page's charts are drawn by the browser:
// at least min charts, each with a size, every bar with a length drawn,
// in the stylesheet's colour (so the CSP let the CSS apply).
func checkChartsDrawn(t *testing.T, ctx context.Context, page string, min int) {
	t.Helper()
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartDrawn](chartsJS))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) < min {
		t.Fatalf("%s: %d charts drawn, want at least %d", page, len(charts), min)
	}
	for _, c := range charts {
		if c.W <= 0 || c.H <= 0 || c.Drawn != c.Bars || c.Name == "" {
			t.Errorf("%s chart %s: drawn %.0f×%.0f, %d of %d bars, title %q", page, c.ID, c.W, c.H, c.Drawn, c.Bars, c.Name)
		}
		if c.Bars > 0 && c.Fill != "rgb(29, 79, 140)" {
			t.Errorf("%s chart %s: bars filled %q, want the brand colour from the stylesheet", page, c.ID, c.Fill)
		}
	}
}

// TestSavingsAndDataPagesInTheBrowser: the savings dashboard, the buyer's
// home with their savings, the data and accessibility pages and the
// agreement page, with JavaScript off: axe-clean, charts drawn, fitting a
// phone; and valid HTML.
func TestSavingsAndDataPagesInTheBrowser(t *testing.T) {
	p := startPortal(t, withDemo())
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))
	for _, pg := range []struct {
		path, name string
		charts     int
	}{
		{"/transparency/savings", "savings", 5},
		{"/transparency/about", "about-data", 0},
		{"/help/accessibility", "accessibility", 0},
		{agreementPath, "agreement", 0},
	} {
		do(t, ctx, chromedp.Navigate(p.url+pg.path))
		checkChartsDrawn(t, ctx, pg.path, pg.charts)
		axeHere(t, ctx)
		shoot(t, ctx, pg.name)
	}
	if got := text(t, ctx, "h1"); got == "" {
		t.Fatal("no h1")
	}

	browserSignIn(t, ctx, p, "buyer@northshire.example")
	do(t, ctx, chromedp.Navigate(p.url+"/"))
	// Northshire's demo history: two tier charts and its own five.
	checkChartsDrawn(t, ctx, "buyer home", 7)
	if s := text(t, ctx, "#your-tiers ~ dl"); !strings.Contains(s, "1.5%") {
		t.Errorf("Northshire's tier: %q, want 1.5%%", s)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "buyer-home-savings")
}

func TestSavingsAndDataPagesAreValidHTML(t *testing.T) {
	p := startPortal(t, withDemo())
	pages := htmlPages{}
	keep := pages.keeper(t)
	for _, path := range []string{"/transparency/savings", "/transparency/about", "/help/accessibility", agreementPath} {
		resp, err := http.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		keep(path, 200, resp.StatusCode, string(b))
	}
	for _, email := range []string{"buyer@northshire.example", "buyer@eastbridge.example"} {
		code, body := p.signIn(t, email).get("/")
		keep("home of "+email, 200, code, body)
	}
	validateHTMLBatch(t, pages)
}
