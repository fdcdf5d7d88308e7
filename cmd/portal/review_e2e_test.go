package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/store"
)

// reviewScene is the data the review tests work on, made through the
// store as buyers would through the pages:
//
//   - big: Eastbridge's basket over £100,000 gross (two approvals needed),
//     submitted, withdrawn, changed and submitted again, so its review page
//     has a version diff;
//   - small: Northshire's basket under £100,000.
type reviewScene struct {
	big, small       int64
	bigRef, smallRef string
}

func makeReviewScene(t *testing.T, db *store.DB) reviewScene {
	t.Helper()
	ctx := context.Background()
	user := func(email string) *store.User {
		u, err := db.UserByEmail(ctx, store.Operator(), email)
		if err != nil {
			t.Fatal(err)
		}
		return &u
	}
	east, north := user("buyer@eastbridge.example"), user("buyer@northshire.example")
	basket := func(u *store.User, name string, lines [][3]string, budget string) (int64, string) {
		b, err := db.CreateBasket(ctx, u, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if _, err := db.AddLine(ctx, u, b.ID, store.LineForm{Offering: l[0], Quantity: l[1], TermMonths: l[2]}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.SetRequirements(ctx, u, b.ID, store.RequirementsForm{Need: "Phones and data for " + name, Budget: budget, Sites: "4",
			RequiredBy: store.DateInput{ISO: db.Now().AddDate(0, 2, 0).Format(time.DateOnly)}, WeightPrice: "50", WeightQuality: "35", WeightSocial: "15"}); err != nil {
			t.Fatal(err)
		}
		ref, _, err := db.Submit(ctx, u, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b.ID, ref.Ref
	}
	var s reviewScene
	s.big, s.bigRef = basket(east, "Borough-wide mobiles", [][3]string{{"business-unlimited-5g-sim-plus", "120", "36"}}, "150000")
	if _, err := db.Withdraw(ctx, east, s.big); err != nil {
		t.Fatal(err)
	}
	b, err := db.Basket(ctx, east, s.big)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateLine(ctx, east, s.big, b.Lines[0].ID, store.LineChange{Quantity: "130", TermMonths: "36"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddLine(ctx, east, s.big, store.LineForm{Offering: "iot-sim-1gb", Quantity: "40", TermMonths: "24"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Submit(ctx, east, s.big); err != nil {
		t.Fatal(err)
	}
	s.small, s.smallRef = basket(north, "Library tablets", [][3]string{{"data-only-5g-sim-50gb", "12", "24"}}, "9000")
	return s
}

// overflowJS lists the elements that stick out past the right edge of a
// narrow screen (innermost first), or "" when the page fits.
const overflowJS = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w) return "";
	const out = [];
	for (const el of document.querySelectorAll("body *")) {
		const r = el.getBoundingClientRect();
		if (r.right > w + 1 && !el.closest(".table-wrap") && getComputedStyle(el).position !== "absolute") {
			out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " (" + Math.round(r.right) + "px)");
		}
	}
	return out.slice(-8).join(", ");
})()`

// shoot checks that the page in the tab fits a 390 px phone without
// scrolling sideways, and saves it at 1280 and 390 px wide when
// PORTAL_SCREENSHOTS names a directory, for a person to look at.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	for _, width := range []int64{390, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		if width == 390 {
			if wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowJS)); err != nil || wide != "" {
				t.Errorf("%s does not fit a 390 px screen (%v): %s", name, err, wide)
			}
		}
		if dir == "" {
			continue
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 1024)); err != nil {
		t.Fatal(err)
	}
}

// choose selects a radio button with the keyboard.
func choose(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(" "))
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	if st := press(t, ctx, `form[action="/logout"] button`); st >= 400 {
		t.Fatalf("sign out: %d", st)
	}
}

// The reviewer's side end to end, by keyboard with JavaScript off: a
// reviewer finds the basket in the queue, sees the checks and the diff, and
// approves; a second reviewer completes the four-eyes approval; another
// basket is sent back with a comment, which its buyer reads with the
// timeline; axe-core checks every page and its error states.
func TestReviewJourneyInTheBrowser(t *testing.T) {
	p := startPortal(t, withDemo())
	s := makeReviewScene(t, p.db)
	ctx := requireBrowser(t)
	do(t, ctx, scripts(false))
	reviewPage := "/review/baskets/" + strconv.FormatInt(s.big, 10)

	// The buyer's basket says when a decision is due.
	browserSignIn(t, ctx, p, "buyer@northshire.example")
	do(t, ctx, chromedp.Navigate(p.url+"/baskets/"+strconv.FormatInt(s.small, 10)))
	if d := text(t, ctx, "#decision-due"); !strings.Contains(d, "A decision is due by") {
		t.Fatalf("the submitted basket says %q", d)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "buyer-basket-submitted")
	signOut(t, ctx)

	// The first reviewer's home is their work.
	browserSignIn(t, ctx, p, "reviewer@ccs.example")
	if h := text(t, ctx, "main"); !strings.Contains(h, "Waiting for you") || !strings.Contains(h, "Borough-wide mobiles") {
		t.Fatalf("reviewer home: %q", h)
	}
	if badge := strings.Join(strings.Fields(text(t, ctx, `.header__nav a[href="/messages"] .badge`)), " "); badge != "3 unread" {
		t.Fatalf("header: %q, want 3 unread messages (versions 1 and 2 of one basket, and another, to review)", badge)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "reviewer-home")

	// The queue, then the basket.
	if st := press(t, ctx, `.header__nav a[href="/review"]`); st != 200 {
		t.Fatalf("queue: %d", st)
	}
	if row := text(t, ctx, `.review-items tbody tr:first-child`); !strings.Contains(row, "Borough-wide mobiles") || !strings.Contains(row, "Needs 2 approvals") {
		t.Fatalf("oldest first: %q", row)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "review-queue")
	if st := press(t, ctx, `.review-items a[href="`+reviewPage+`"]`); st != 200 {
		t.Fatalf("review page: %d", st)
	}
	checks := text(t, ctx, ".checks")
	for _, want := range []string{"Budget", "Approvals", "two different reviewers", "Catalogue prices since issue", "Publication duties", "In-life tier"} {
		if !strings.Contains(checks, want) {
			t.Errorf("checks lack %q:\n%s", want, checks)
		}
	}
	if diff := text(t, ctx, "table.diff"); !strings.Contains(diff, "quantity 120 → 130") || !strings.Contains(diff, "Added") {
		t.Fatalf("diff: %q", diff)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "review-basket")

	// Error state: asking for changes without a comment.
	do(t, ctx, choose("#decision-changes"))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != http.StatusUnprocessableEntity {
		t.Fatalf("changes without a comment: %d, want 422", st)
	}
	if e := text(t, ctx, ".error-summary"); !strings.Contains(e, "Explain the decision") {
		t.Fatalf("error summary %q", e)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "review-basket-error")

	// Approve: the first of two.
	do(t, ctx, choose("#decision"), typeInto("#comment", "Sites and quantities checked against the need."))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "1 of 2") {
		t.Fatalf("flash %q", f)
	}
	if row := text(t, ctx, `.review-items tbody tr:first-child`); !strings.Contains(row, "Needs a second approval") || !strings.Contains(row, "approved it") {
		t.Fatalf("after the first approval: %q", row)
	}

	// Send the small basket back with a comment.
	do(t, ctx, chromedp.Navigate(p.url+"/review/baskets/"+strconv.FormatInt(s.small, 10)))
	do(t, ctx, choose("#decision-changes"), typeInto("#comment", "Please say which libraries get the tablets."))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != 200 {
		t.Fatalf("changes: %d", st)
	}

	// The audit trail, and its error state.
	do(t, ctx, chromedp.Navigate(p.url+"/review/audit?reference="+s.bigRef))
	if rows := text(t, ctx, ".audit tbody"); !strings.Contains(rows, "First of two approvals") {
		t.Fatalf("audit: %q", rows)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "review-audit")
	do(t, ctx, chromedp.Navigate(p.url+"/review/audit?from=2026-02-30&reference=Q-1"))
	if e := text(t, ctx, ".error-summary"); !strings.Contains(e, "real date") || !strings.Contains(e, "quote reference") {
		t.Fatalf("audit error summary %q", e)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "review-audit-error")
	// And the queue's error state.
	do(t, ctx, chromedp.Navigate(p.url+"/review?band=1m"))
	axeHere(t, ctx)
	shoot(t, ctx, "review-queue-error")

	// Messages: the two requests to review.
	if st := press(t, ctx, `.header__nav a[href="/messages"]`); st != 200 {
		t.Fatalf("messages: %d", st)
	}
	if m := text(t, ctx, ".messages"); !strings.Contains(m, "To review: Eastbridge Borough Council, Borough-wide mobiles") {
		t.Fatalf("messages: %q", m)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "messages")
	signOut(t, ctx)

	// The second reviewer completes the four-eyes approval.
	browserSignIn(t, ctx, p, "reviewer2@ccs.example")
	do(t, ctx, chromedp.Navigate(p.url+"/review?awaiting=second"))
	if st := press(t, ctx, `.review-items a[href="`+reviewPage+`"]`); st != 200 {
		t.Fatalf("review page: %d", st)
	}
	do(t, ctx, choose("#decision"))
	if st := press(t, ctx, `form.decision button[type=submit]`); st != 200 {
		t.Fatalf("second approval: %d", st)
	}
	if f := text(t, ctx, ".notification--success"); !strings.Contains(f, "Quote "+s.bigRef+" version 2 approved") {
		t.Fatalf("flash %q", f)
	}
	signOut(t, ctx)

	// The buyers see the decisions, the comment and the timeline.
	browserSignIn(t, ctx, p, "buyer@northshire.example")
	do(t, ctx, chromedp.Navigate(p.url+"/baskets/"+strconv.FormatInt(s.small, 10)))
	if d := text(t, ctx, "#decision"); !strings.Contains(d, "Please say which libraries get the tablets.") || !strings.Contains(d, "Crown Commercial Service") {
		t.Fatalf("the buyer's basket shows %q, want the reviewer's comment", d)
	}
	if tl := text(t, ctx, ".timeline"); !strings.Contains(tl, "Changes requested (version 1)") {
		t.Fatalf("timeline %q", tl)
	}
	axeHere(t, ctx)
	shoot(t, ctx, "buyer-basket-changes")
	signOut(t, ctx)
	browserSignIn(t, ctx, p, "buyer@eastbridge.example")
	do(t, ctx, chromedp.Navigate(p.url+"/baskets/"+strconv.FormatInt(s.big, 10)))
	if tl := text(t, ctx, ".timeline"); !strings.Contains(tl, "First of two approvals (version 2)") || !strings.Contains(tl, "Second approval (version 2): approved") {
		t.Fatalf("timeline %q", tl)
	}
	do(t, ctx, chromedp.Navigate(p.url+"/quotes/"+s.bigRef+"/v2"))
	if a := text(t, ctx, "#q-approvals + ul"); !strings.Contains(a, "Rhiannon Evans") || !strings.Contains(a, "Ravi Patel") {
		t.Fatalf("the quote's approvals: %q", a)
	}
	// And in print.
	if _, content := pdfText(t, printPDF(t, ctx)); !strings.Contains(content, "Approved by Rhiannon Evans") || !strings.Contains(content, "Approved by Ravi Patel") {
		t.Fatalf("the printed quote lacks its approvals:\n%s", content)
	}
	do(t, ctx, chromedp.Navigate(p.url+"/messages"))
	if m := text(t, ctx, ".messages"); !strings.Contains(m, "Approved: Borough-wide mobiles") {
		t.Fatalf("buyer's messages %q", m)
	}
	axeHere(t, ctx)
}

// A submitted basket's page tells the buyer when a decision is due.
func TestBasketPageSaysWhenADecisionIsDue(t *testing.T) {
	clock := store.NewManualClock(time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)) // Thursday before Easter
	p := startPortal(t, withDemo(), withClock(clock))
	s := makeReviewScene(t, p.db)
	sess := p.signIn(t, "buyer@northshire.example")
	_, body := sess.get("/baskets/" + strconv.FormatInt(s.small, 10))
	// Good Friday and Easter Monday do not count: Tuesday 7, Wednesday 8 April.
	if !strings.Contains(body, "A decision is due by 8 April 2026") {
		t.Fatalf("the basket page lacks the due date:\n%s", body)
	}
}

// htmlPages are pages collected for one run of the Nu checker.
type htmlPages map[string][]byte

// keeper returns a function that keeps a page under a name, failing the
// test when it came with another status than expected.
func (ps htmlPages) keeper(t *testing.T) func(name string, wantCode, code int, body string) {
	return func(name string, wantCode, code int, body string) {
		t.Helper()
		if code != wantCode {
			t.Fatalf("%s: status %d, want %d", name, code, wantCode)
		}
		ps[name] = []byte(body)
	}
}

// TestReviewPagesAreValidHTML checks every page of the review with the Nu
// checker, in its normal and error states.
func TestReviewPagesAreValidHTML(t *testing.T) {
	p := startPortal(t, withDemo())
	s := makeReviewScene(t, p.db)
	pages := htmlPages{}
	keep := pages.keeper(t)
	rev := p.signIn(t, "reviewer@ccs.example")
	code, body := rev.get("/")
	keep("reviewer home", 200, code, body)
	code, body = rev.get("/review")
	keep("queue", 200, code, body)
	code, body = rev.get("/review?band=1m&sort=x")
	keep("queue with errors", 400, code, body)
	big := "/review/baskets/" + strconv.FormatInt(s.big, 10)
	code, body = rev.get(big)
	keep("review with diff", 200, code, body)
	code, _, body = rev.post(big+"/decision", url.Values{"decision": {"reject"}, "comment": {""}, "quote_version": {"2"}})
	keep("review with errors", 422, code, body)
	code, _, body = rev.post(big+"/decision", url.Values{"decision": {"approve"}, "quote_version": {"1"}})
	keep("review conflict", 409, code, body)
	code, _, _ = rev.post(big+"/decision", url.Values{"decision": {"approve"}, "quote_version": {"2"}})
	if code != http.StatusSeeOther {
		t.Fatalf("approve: %d", code)
	}
	code, body = rev.get(big)
	keep("review approved once", 200, code, body)
	code, body = rev.get("/review/audit")
	keep("audit", 200, code, body)
	code, body = rev.get("/review/audit?from=x")
	keep("audit with errors", 400, code, body)
	code, body = rev.get("/messages")
	keep("messages", 200, code, body)
	small := "/review/baskets/" + strconv.FormatInt(s.small, 10)
	code, _, _ = rev.post(small+"/decision", url.Values{"decision": {"changes"}, "comment": {"Which libraries?"}, "quote_version": {"1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("changes: %d", code)
	}
	buyer := p.signIn(t, "buyer@northshire.example")
	code, body = buyer.get("/baskets/" + strconv.FormatInt(s.small, 10))
	keep("basket with changes requested", 200, code, body)
	code, body = buyer.get("/messages?page=1")
	keep("buyer messages", 200, code, body)
	validateHTMLBatch(t, pages)
}
