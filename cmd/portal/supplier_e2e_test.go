package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// pageHTML is the tab's page as HTML, for the Nu checker.
func pageHTML(t *testing.T, ctx context.Context) string {
	t.Helper()
	h, err := chromedp.Run(ctx, chromedp.Evaluate[string](`"<!DOCTYPE html>" + document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// The supplier's import journey by keyboard with JavaScript off: the
// supplier area, the edit form and its error state, an upload whose
// dry-run report lists errors, the corrected upload and its apply, then the
// public change log; axe-core on every page, screenshots at 390 and 1280
// px (PORTAL_SCREENSHOTS), and the Nu checker on each.
func TestSupplierImportInTheBrowser(t *testing.T) {
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	p := startPortal(t, withDemo(), withClock(clock))
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))
	pages := htmlPages{}
	// look checks the page in the tab: axe-core, screenshots at 390 and
	// 1280 px, and its HTML kept for the Nu checker.
	look := func(name string) {
		t.Helper()
		axeHere(t, ctx)
		shoot(t, ctx, name)
		pages[name] = []byte(pageHTML(t, ctx))
	}

	browserSignIn(t, ctx, p, "catalogue@vmo2b.example")
	if st := press(t, ctx, `.header__nav a[href="/supplier"]`); st != 200 {
		t.Fatalf("supplier area: %d", st)
	}
	if n := text(t, ctx, ".count"); !strings.Contains(n, "offerings") {
		t.Fatalf("count %q", n)
	}
	look("supplier-offerings")

	// Edit one offering: an error, then a price from a later date.
	if st := press(t, ctx, `a[href="/supplier/offerings/business-4g-sim-10gb"]`); st != 200 {
		t.Fatalf("edit page: %d", st)
	}
	look("supplier-edit")
	do(t, ctx, typeInto("#monthly", "-1"))
	if st := press(t, ctx, `main form button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("bad edit: %d", st)
	}
	if e := text(t, ctx, ".error-summary"); !strings.Contains(e, "Monthly price") {
		t.Fatalf("error summary %q", e)
	}
	look("supplier-edit-error")
	do(t, ctx, typeInto("#monthly", "10.50"), typeInto("#effective_from", "20"), typeInto("#effective_from-month", "3"), typeInto("#effective_from-year", "2026"))
	if st := press(t, ctx, `main form button[type=submit]`); st != 200 {
		t.Fatalf("save: %d", st)
	}
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "saved") {
		t.Fatalf("flash %q", f)
	}

	// Upload a price list with errors, then the corrected one, and apply.
	do(t, ctx, chromedp.Navigate(p.url+"/supplier/import"))
	look("supplier-import")
	header := "slug,name,supplier,agreement,category,unit,monthly_pence,one_off_pence,mou_discount_bp,term_options,pov_trial,sdwan_trial,effective_from\n"
	bad := writeFile(t, "prices.csv", header+
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,-1500,0,1000,1|12|24,false,false,\n"+
		"new-5g-sim-100gb,Business 5G SIM 100GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,2400,0,1000,12|24,false,false,2026-02-01\n")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}))
	if st := press(t, ctx, `form[action="/supplier/import"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("upload with errors: %d", st)
	}
	errs := text(t, ctx, "#report ~ .table-wrap tbody")
	for _, want := range []string{"monthly_pence must not be negative", "The effective date must be today (2 March 2026) or later"} {
		if !strings.Contains(errs, want) {
			t.Errorf("report lacks %q:\n%s", want, errs)
		}
	}
	look("supplier-import-errors")
	good := writeFile(t, "prices-fixed.csv", header+
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,1500,0,1000,1|12|24,false,false,2026-04-01\n"+
		"new-5g-sim-100gb,Business 5G SIM 100GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,2400,0,1000,12|24,false,false,\n")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{good}))
	if st := press(t, ctx, `form[action="/supplier/import"] button[type=submit]`); st != 200 {
		t.Fatalf("corrected upload: %d", st)
	}
	if r := text(t, ctx, "#report + p"); !strings.Contains(r, "1 to create, 1 to change") {
		t.Fatalf("report %q", r)
	}
	look("supplier-import-report")
	if st := press(t, ctx, `form[action$="/apply"] button`); st != 200 {
		t.Fatalf("apply: %d", st)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/supplier") {
		t.Fatalf("after apply: %s", loc)
	}
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "1 created, 1 changed") {
		t.Fatalf("flash %q", f)
	}
	if o, err := p.db.Offering(ctx, "new-5g-sim-100gb"); err != nil || o.MonthlyPence != 2400 {
		t.Fatalf("new offering: %+v %v", o, err)
	}
	signOut(t, ctx)

	// The public change log and the offering page's scheduled price.
	do(t, ctx, chromedp.Navigate(p.url+"/agreements/"+store.DemoAgreementMoU+"/changes"))
	if log := text(t, ctx, "main table tbody"); !strings.Contains(log, "1 April 2026") || !strings.Contains(log, "20 March 2026") {
		t.Fatalf("change log:\n%s", log)
	}
	look("change-log")
	do(t, ctx, chromedp.Navigate(p.url+"/offerings/business-4g-sim-10gb"))
	if s := text(t, ctx, "#changes ~ .inset"); !strings.Contains(s, "From 20 March 2026 the price changes to £10.50") {
		t.Fatalf("offering page: %q", s)
	}
	look("offering-changes")
	validateHTMLBatch(t, pages)
}
