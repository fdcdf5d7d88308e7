package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// The trial's whole life in the browser, by keyboard with JavaScript off, on
// an in-process portal whose business clock the test moves: a buyer applies
// from the offering page (after the form's error state), the supplier sees
// it, a reviewer approves it, the sweeper makes it active on its start date,
// the buyer records the outcome once it has ended and starts a basket from
// it; axe-core checks every page on the way, and every error state.
func TestTrialJourneyInTheBrowser(t *testing.T) {
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // Monday
	p := startPortal(t, withDemo(), withClock(clock))
	idle := sweeperIdle(t, p, clock)
	idle() // the start-up run
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))

	// A visitor is offered a sign-in that comes back to the form.
	do(t, ctx, chromedp.Navigate(p.url+"/offerings/managed-sd-wan-branch"))
	if st := press(t, ctx, "#apply-for-trial"); st != 200 {
		t.Fatalf("sign in to apply: %d", st)
	}
	do(t, ctx, typeInto("#email", "buyer@eastbridge.example"), typeInto("#password", store.DemoPasswordDefault))
	if st := press(t, ctx, "#password"); st != 200 {
		t.Fatalf("sign in: %d", st)
	}
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/trials/new?offering=managed-sd-wan-branch") {
		t.Fatalf("after signing in: %s, want the application form", loc)
	}
	if terms := text(t, ctx, ".trial-terms"); !strings.Contains(terms, "SD-WAN: 1 to 5 sites, 30 to 60 days") {
		t.Fatalf("terms beside the form: %q", terms)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-apply")

	// The error state: too many sites, a start date today, no criteria.
	do(t, ctx, choose("#kind-sdwan"), typeInto("#sites", "6"), typeInto("#start_date", "2"), typeInto("#start_date-month", "3"),
		typeInto("#start_date-year", "2026"), typeInto("#duration_days", "45"), typeInto("#objectives", "Resilient links for three libraries"))
	if st := press(t, ctx, `form[action="/trials"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("a bad application: %d, want 422", st)
	}
	summary := text(t, ctx, ".error-summary")
	for _, want := range []string{"Number of sites for an SD-WAN trial must be from 1 to 5", "The start date must be tomorrow, 3 March 2026, or later",
		"Enter at least one success criterion, one per line"} {
		if !strings.Contains(summary, want) {
			t.Errorf("error summary lacks %q:\n%s", want, summary)
		}
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-apply-error")

	// Put it right and send it.
	do(t, ctx, typeInto("#sites", "3"), typeInto("#start_date", "9"), typeInto("#success_criteria", "Failover under 5 seconds\nOne dashboard for every site"))
	if st := press(t, ctx, `form[action="/trials"] button[type=submit]`); st != 200 {
		t.Fatalf("apply: %d", st)
	}
	trialURL := location(t, ctx)
	if !regexp.MustCompile(`/trials/\d+$`).MatchString(trialURL) {
		t.Fatalf("after applying: %s", trialURL)
	}
	trialPath := strings.TrimPrefix(trialURL, p.url)
	reviewPath := "/review" + trialPath
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "Application sent for a free SD-WAN trial of Managed SD-WAN Branch") {
		t.Fatalf("flash %q", f)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-submitted")
	signOut(t, ctx)

	// The supplier sees the application among its offerings'.
	browserSignIn(t, ctx, p, "catalogue@vmo2b.example")
	if st := press(t, ctx, `.header__nav a[href="/supplier/trials"]`); st != 200 {
		t.Fatalf("supplier trials: %d", st)
	}
	if row := text(t, ctx, ".trial-list tbody"); !strings.Contains(row, "Eastbridge Borough Council") || !strings.Contains(row, "Awaiting a decision") {
		t.Fatalf("supplier list: %q", row)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "supplier-trials")
	if st := press(t, ctx, `.trial-list a[href="`+reviewPath+`"]`); st != 200 {
		t.Fatalf("the supplier's decision page: %d", st)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-review-supplier")
	signOut(t, ctx)

	// A reviewer finds it in the queue: the error state, then approves.
	browserSignIn(t, ctx, p, "reviewer@ccs.example")
	do(t, ctx, chromedp.Navigate(p.url+"/review?kind=trial"))
	axeHere(t, ctx)
	if st := press(t, ctx, `.review-items a[href="`+reviewPath+`"]`); st != 200 {
		t.Fatalf("review page: %d", st)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-review")
	do(t, ctx, choose("#decision-decline"))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("decline without a comment: %d, want 422", st)
	}
	if e := text(t, ctx, ".error-summary"); !strings.Contains(e, "say why you are declining") {
		t.Fatalf("error summary %q", e)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-review-error")
	do(t, ctx, choose("#decision"), typeInto("#comment", "Engineers booked for 9 March."))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "Trial application approved") {
		t.Fatalf("flash %q", f)
	}
	signOut(t, ctx)

	// Its start date: the sweeper makes it active, with no page visited.
	clock.Set(time.Date(2026, 3, 9, 0, 5, 0, 0, time.UTC))
	idle()
	if !strings.Contains(p.stderr.String(), `"job":"start-trials","changed":1`) {
		t.Fatalf("the sweeper did not start the trial:\n%s", p.stderr)
	}
	browserSignIn(t, ctx, p, "buyer@eastbridge.example")
	if st := press(t, ctx, `.header__nav a[href="/trials"]`); st != 200 {
		t.Fatalf("trials: %d", st)
	}
	if st := press(t, ctx, `.trial-list a[href="`+trialPath+`"]`); st != 200 {
		t.Fatalf("trial page: %d", st)
	}
	if w := text(t, ctx, "#trial-when"); !strings.Contains(w, "45 days left, today included") {
		t.Fatalf("an active trial says %q", w)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-active")

	// After its end date, 22 April: record the outcome (its error state first).
	clock.Set(time.Date(2026, 4, 24, 9, 0, 0, 0, time.UTC))
	idle()
	browserSignIn(t, ctx, p, "buyer@eastbridge.example") // sessions last 12 hours of the portal's time
	do(t, ctx, chromedp.Navigate(trialURL))
	if tag := text(t, ctx, "h1 .tag"); tag != "Ended: record the outcome" {
		t.Fatalf("an ended trial's tag: %q", tag)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-ended")
	if st := press(t, ctx, `.notification a[href="`+trialPath+`/complete"]`); st != 200 {
		t.Fatalf("outcome form: %d", st)
	}
	axeHere(t, ctx)
	do(t, ctx, choose("#met_1"))
	if st := press(t, ctx, `form[action="`+trialPath+`/complete"] button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("an incomplete outcome: %d, want 422", st)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-complete-error")
	do(t, ctx, choose("#met_2-no"), typeInto("#notes", "Failover was instant; the dashboard missed two sites."))
	if st := press(t, ctx, `form[action="`+trialPath+`/complete"] button[type=submit]`); st != 200 {
		t.Fatalf("complete: %d", st)
	}
	if tag := text(t, ctx, "h1 .tag"); tag != "Completed" {
		t.Fatalf("after the outcome: %q", tag)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-completed")
	// The record prints on A4 with its outcome, without the buttons.
	pdf := printPDF(t, ctx)
	if pages, content := pdfText(t, pdf); pages > 2 || !strings.Contains(content, "SD-WAN trial of Managed SD-WAN Branch") ||
		!strings.Contains(content, "1 of 2 success criteria met") || strings.Contains(content, "Start a basket from this trial") || strings.Contains(content, "Back to your trials") {
		t.Errorf("the printed trial (%d pages):\n%s", pages, content)
	}
	if dir := os.Getenv("PORTAL_SCREENSHOTS"); dir != "" {
		if b, err := os.ReadFile(pdf); err == nil {
			os.WriteFile(filepath.Join(dir, "trial-completed.pdf"), b, 0o644)
		}
	}

	// Start a basket from it: the offering, 3 sites, the shortest term.
	if st := press(t, ctx, `form[action="`+trialPath+`/basket"] button`); st != 200 {
		t.Fatalf("start a basket: %d", st)
	}
	if lines := text(t, ctx, ".basket-lines tbody"); !strings.Contains(lines, "Managed SD-WAN Branch") {
		t.Fatalf("basket lines: %q", lines)
	}
	if q, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`.basket-lines input[name="quantity"]`))); err != nil || q != "3" {
		t.Fatalf("quantity %q (%v), want the trial's 3 sites", q, err)
	}
	if link := text(t, ctx, "#basket-trials"); !strings.Contains(link, "Started from the SD-WAN trial of Managed SD-WAN Branch") {
		t.Fatalf("the basket's trial: %q", link)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "trial-basket")

	// The agreement page counts it.
	do(t, ctx, chromedp.Navigate(p.url+"/agreements/"+store.DemoAgreementMoU))
	if n := text(t, ctx, "#trials-started") + "/" + text(t, ctx, "#trials-completed") + "/" + text(t, ctx, "#trials-criteria"); n != "1/1/1 of 2" {
		t.Fatalf("agreement numbers %q", n)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "agreement-trials")
	do(t, ctx, chromedp.Navigate(p.url+"/trials"))
	axeHere(t, ctx)
	shoot(t, ctx, "trials")
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestTrialPagesAreValidHTML checks every trial page with the Nu checker,
// in its normal and error states.
func TestTrialPagesAreValidHTML(t *testing.T) {
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	p := startPortal(t, withDemo(), withClock(clock))
	pages := htmlPages{}
	keep := pages.keeper(t)
	buyer := p.signIn(t, "buyer@northshire.example")
	code, body := buyer.get("/trials/new?offering=managed-sd-wan-branch")
	keep("application form", 200, code, body)
	code, _, body = buyer.post("/trials", url.Values{"offering": {"managed-sd-wan-branch"}, "kind": {"x"}, "sites": {"a"}, "start_date-day": {"40"}})
	keep("application form with errors", 422, code, body)
	code, _, body = buyer.post("/trials", url.Values{"offering": {"nope"}})
	keep("application without an offering", 422, code, body)
	code, loc, _ := buyer.post("/trials", url.Values{"offering": {"managed-sd-wan-branch"}, "kind": {"pov"}, "sites": {"4"}, "start_date": {"2026-03-09"},
		"duration_days": {"14"}, "objectives": {"Prove it"}, "success_criteria": {"Works\nFast"}})
	if code != http.StatusSeeOther {
		t.Fatalf("apply: %d", code)
	}
	code, body = buyer.get(loc)
	keep("trial submitted", 200, code, body)
	code, body = buyer.get("/offerings/managed-sd-wan-branch")
	keep("offering page, buyer", 200, code, body)
	reviewer := p.signIn(t, "reviewer@ccs.example")
	code, body = reviewer.get("/review" + loc)
	keep("decision page", 200, code, body)
	code, _, body = reviewer.post("/review"+loc+"/decision", url.Values{"decision": {"decline"}})
	keep("decision page with errors", 422, code, body)
	if code, _, _ = reviewer.post("/review"+loc+"/decision", url.Values{"decision": {"approve"}}); code != http.StatusSeeOther {
		t.Fatalf("approve: %d", code)
	}
	code, _, body = reviewer.post("/review"+loc+"/decision", url.Values{"decision": {"approve"}})
	keep("decision conflict", 409, code, body)
	supplier := p.signIn(t, "catalogue@vmo2b.example")
	code, body = supplier.get("/supplier/trials")
	keep("supplier trials", 200, code, body)
	code, body = buyer.get(loc)
	keep("trial approved", 200, code, body)
	clock.Set(time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	buyer = p.signIn(t, "buyer@northshire.example")
	code, body = buyer.get(loc)
	keep("trial active", 200, code, body)
	clock.Set(time.Date(2026, 3, 24, 9, 0, 0, 0, time.UTC))
	buyer = p.signIn(t, "buyer@northshire.example")
	code, body = buyer.get(loc)
	keep("trial ended", 200, code, body)
	code, body = buyer.get(loc + "/complete")
	keep("outcome form", 200, code, body)
	code, _, body = buyer.post(loc+"/complete", url.Values{"met_1": {"maybe"}})
	keep("outcome form with errors", 422, code, body)
	if code, _, _ = buyer.post(loc+"/complete", url.Values{"met_1": {"yes"}, "met_2": {"no"}, "notes": {"Mostly"}}); code != http.StatusSeeOther {
		t.Fatalf("complete: %d", code)
	}
	code, body = buyer.get(loc)
	keep("trial completed", 200, code, body)
	code, basket, _ := buyer.post(loc+"/basket", url.Values{})
	if code != http.StatusSeeOther {
		t.Fatalf("basket: %d", code)
	}
	code, body = buyer.get(basket)
	keep("basket from a trial", 200, code, body)
	code, _, body = buyer.post(loc+"/withdraw", url.Values{})
	keep("trial conflict", 409, code, body)
	code, body = buyer.get("/trials")
	keep("trials", 200, code, body)
	code, body = buyer.get("/agreements/" + store.DemoAgreementMoU)
	keep("agreement with trial numbers", 200, code, body)
	resp, b := httpGet(t, p.url+"/offerings/managed-sd-wan-branch")
	keep("offering page, visitor", 200, resp.StatusCode, string(b))
	validateHTMLBatch(t, pages)
}
