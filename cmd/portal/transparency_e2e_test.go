package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// The transparency register in the browser with JavaScript off: a visitor
// filters it with the form by keyboard, sorts it, meets an error, and a
// local authority's buyer finds their spend lines; axe-core checks each
// state, and every state is valid HTML.
func TestTransparencyRegisterInTheBrowser(t *testing.T) {
	p := startPortal(t, withDemo())
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))

	do(t, ctx, chromedp.Navigate(p.url+"/transparency"))
	if got := text(t, ctx, "#results"); !strings.Contains(got, "3 approved awards") {
		t.Fatalf("register: %q, want the demo's 3 approved awards", got)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "transparency-register")

	// Filter by value band with the keyboard, then sort by value.
	do(t, ctx, choose("#band-30k-100k"))
	if st := press(t, ctx, ".filters button[type=submit]"); st != http.StatusOK {
		t.Fatalf("apply filters: %d", st)
	}
	if got := text(t, ctx, "#results"); !strings.Contains(got, "2 approved awards") {
		t.Fatalf("filtered: %q, want the 2 awards between £30,000 and £100,000", got)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#sort"), "value"))
	if st := press(t, ctx, ".sort-form button"); st != http.StatusOK {
		t.Fatalf("sort: %d", st)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "band=30k-100k") || !strings.Contains(loc, "sort=value") {
		t.Fatalf("after sorting the address is %s, want the band kept and sort=value", loc)
	}
	if first := text(t, ctx, "#awards tbody tr:first-child"); !strings.Contains(first, "£46,417.14") {
		t.Fatalf("highest value first: %q, want the £46,417.14 award", first)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "transparency-register-filtered")

	// An impossible date is an error with a summary.
	do(t, ctx, chromedp.Navigate(p.url+"/transparency?from=2026-02-30"))
	if got := text(t, ctx, ".error-summary"); !strings.Contains(got, "real date") {
		t.Fatalf("error summary %q", got)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "transparency-register-error")

	// Northshire is a county council: its buyer can download spend lines.
	browserSignIn(t, ctx, p, "buyer@northshire.example")
	do(t, ctx, chromedp.Navigate(p.url+"/transparency"))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href$="/spend.csv"]').length`)); err != nil || n != 1 {
		t.Fatalf("spend lines links: %d (%v), want 1 for a county council's buyer", n, err)
	}
	axeHere(t, ctx)
	signOut(t, ctx)

	pages := map[string][]byte{}
	for name, path := range map[string]string{"register": "/transparency", "register filtered": "/transparency?organisation=GB-LAC-E10000099&band=30k-100k&sort=value&from=2026-01-01",
		"register empty": "/transparency?agreement=" + store.DemoAgreementFFC + "&band=100k-plus", "register error": "/transparency?to=2026-13-01&band=x"} {
		resp, err := http.Get(p.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pages[name] = body
	}
	validateHTMLBatch(t, pages)
}
