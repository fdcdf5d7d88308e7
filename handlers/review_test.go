package handlers

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// submittedBasket makes a basket for the env buyer key through the web
// pages, submits it and returns its id and quote reference.
func submittedBasket(t *testing.T, env *authEnv, who, name string, q int) (int64, string) {
	t.Helper()
	cl := newBasketClient(t, env, who)
	id := cl.newBasket(name)
	cl.addLine(id, "business-unlimited-5g-sim", q, 24)
	if r := cl.requirements(id, nil); r.code != http.StatusSeeOther {
		t.Fatalf("requirements: %d", r.code)
	}
	w := cl.do("POST", cl.path(id, "/submit"), url.Values{})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%.500s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	return id, strings.Split(strings.TrimPrefix(loc, "/quotes/"), "/")[0]
}

func reviewPath(id int64) string { return "/review/baskets/" + strconv.FormatInt(id, 10) }

func TestReviewQueueAndDecisionOverHTTP(t *testing.T) {
	env := newAuthEnv(t)
	id, ref := submittedBasket(t, env, "buyer", `Mobiles <script>alert(1)</script>`, 10)
	rev := env.client()
	rev.signIn("reviewer")

	w := rev.do("GET", "/review", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("queue: %d", w.Code)
	}
	doc := authDoc(t, w)
	link := doc.Find(`.review-items a[href="` + reviewPath(id) + `"]`)
	if link.Length() != 1 || !strings.Contains(text(link), "<script>alert(1)</script>") {
		t.Fatalf("queue: got link %q, want the basket's name as text", text(link))
	}
	if strings.Contains(w.Body.String(), "<script>alert(1)") {
		t.Fatal("queue: the basket's name is not escaped")
	}
	if got := text(doc.Find(".review-items td[data-label=From]")); got != env.orgs["north"].Name+" CCS Memorandum of Understanding with Virgin Media O2 Business, MOU-VMO2B-2025" {
		t.Fatalf("organisation %q", got)
	}

	t.Run("bad filters answer 400 with the error summary", func(t *testing.T) {
		w := rev.do("GET", "/review?band=1m&sort=name&agreement=nope", nil)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("status %d", w.Code)
		}
		checkErrorSummary(t, authDoc(t, w), "band", "value band")
	})

	w = rev.do("GET", reviewPath(id), nil)
	doc = authDoc(t, w)
	if w.Code != http.StatusOK || doc.Find(".checks dt").Length() < 5 || doc.Find(`input[name=quote_version][value="1"]`).Length() != 1 {
		t.Fatalf("review page: %d, %d checks", w.Code, doc.Find(".checks dt").Length())
	}

	t.Run("changes without a comment is 422, nothing saved", func(t *testing.T) {
		w := rev.do("POST", reviewPath(id)+"/decision", url.Values{"decision": {"changes"}, "comment": {"  "}, "quote_version": {"1"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", w.Code)
		}
		doc := authDoc(t, w)
		checkErrorSummary(t, doc, "comment", "Explain the decision")
		if v, _ := doc.Find(`#decision-changes`).Attr("checked"); v != "checked" && doc.Find(`#decision-changes[checked]`).Length() != 1 {
			t.Error("the chosen decision was not kept")
		}
		if doc.Find(`#comment[aria-invalid=true]`).Length() != 1 {
			t.Error("the comment is not marked invalid")
		}
	})
	t.Run("no decision chosen is 422", func(t *testing.T) {
		w := rev.do("POST", reviewPath(id)+"/decision", url.Values{"comment": {"Fine"}, "quote_version": {"1"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", w.Code)
		}
		checkErrorSummary(t, authDoc(t, w), "decision", "Choose whether")
	})
	t.Run("a decision on another version is 409, with the comment kept", func(t *testing.T) {
		w := rev.do("POST", reviewPath(id)+"/decision", url.Values{"decision": {"reject"}, "comment": {"Too dear"}, "quote_version": {"2"}})
		if w.Code != http.StatusConflict {
			t.Fatalf("status %d", w.Code)
		}
		doc := authDoc(t, w)
		if !strings.Contains(text(doc.Find("#conflict")), "Version 1") || text(doc.Find("#comment")) != "Too dear" {
			t.Fatalf("conflict %q, comment %q", text(doc.Find("#conflict")), text(doc.Find("#comment")))
		}
	})
	t.Run("changes with a comment: 303 to the queue; the buyer sees the comment", func(t *testing.T) {
		w := rev.do("POST", reviewPath(id)+"/decision", url.Values{"decision": {"changes"}, "comment": {"Split by <b>site</b>"}, "quote_version": {"1"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/review" {
			t.Fatalf("status %d to %q", w.Code, w.Header().Get("Location"))
		}
		doc := authDoc(t, rev.do("GET", "/review", nil))
		if !strings.Contains(text(doc.Find(".notification--success")), "Changes requested to quote "+ref) {
			t.Fatalf("flash %q", text(doc.Find(".notification--success")))
		}
		buyer := newBasketClient(t, env, "buyer")
		w = buyer.do("GET", buyer.path(id, ""), nil)
		bd := authDoc(t, w)
		if got := text(bd.Find("#decision blockquote")); got != "Split by <b>site</b>" {
			t.Fatalf("the buyer's basket shows %q, want the comment as text", got)
		}
		if tl := text(bd.Find(".timeline")); !strings.Contains(tl, "Changes requested (version 1) ") || !strings.Contains(tl, "by Rae Reviewer, "+env.orgs["ccs"].Name) {
			t.Fatalf("timeline: %q", text(bd.Find(".timeline")))
		}
	})
}

func TestMessagesPage(t *testing.T) {
	env := newAuthEnv(t, func(c *Config) { c.PublicURL = "https://buy.example.gov.uk" })
	id, _ := submittedBasket(t, env, "buyer", `Phones "for" <crews>`, 3)
	rev := env.client()
	rev.signIn("reviewer")
	rev.header.Set("Host", "evil.example")
	w := rev.do("GET", "/", nil)
	if got := text(authDoc(t, w).Find(`.header__nav a[href="/messages"] .badge`)); got != "1 unread" {
		t.Fatalf("header badge %q, want 1 unread", got)
	}
	w = rev.do("GET", "/messages", nil)
	doc := authDoc(t, w)
	a := doc.Find(".message__title a")
	if href, _ := a.Attr("href"); a.Length() != 1 || href != "https://buy.example.gov.uk"+reviewPath(id) {
		t.Fatalf("message link %q, want the public URL (never the Host header)", href)
	}
	if !strings.Contains(text(a), `Phones "for" <crews>`) || doc.Find(".message .tag").Length() != 1 {
		t.Fatalf("message %q, want the name as text, marked new", text(a))
	}
	if doc.Find(`.header__nav a[href="/messages"] .badge`).Length() != 0 {
		t.Fatal("the header still counts the messages just shown as unread")
	}
	doc = authDoc(t, rev.do("GET", "/messages", nil))
	if doc.Find(".message .tag").Length() != 0 {
		t.Fatal("shown twice as new")
	}
	if w := rev.do("GET", "/messages?page=9", nil); w.Code != http.StatusNotFound {
		t.Fatalf("a page past the end: %d", w.Code)
	}
}

func TestAuditSearchAndCSV(t *testing.T) {
	env := newAuthEnv(t)
	id, ref := submittedBasket(t, env, "buyer", "=HYPERLINK(\"http://evil.example\")", 3)
	rev := env.client()
	rev.signIn("reviewer")
	if w := rev.do("POST", reviewPath(id)+"/decision", url.Values{"decision": {"reject"}, "comment": {"@SUM(A1:A9)"}, "quote_version": {"1"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("reject: %d", w.Code)
	}
	w := rev.do("GET", "/review/audit?reference="+ref, nil)
	doc := authDoc(t, w)
	if w.Code != http.StatusOK || doc.Find(".audit tbody tr").Length() < 4 {
		t.Fatalf("search: %d with %d rows", w.Code, doc.Find(".audit tbody tr").Length())
	}
	if href, _ := doc.Find(`a[download]`).Attr("href"); href != "/review/audit.csv?reference="+ref {
		t.Fatalf("CSV link %q", href)
	}
	w = rev.do("GET", "/review/audit?from=2026-02-30&to=x", nil)
	if w.Code != http.StatusBadRequest {
		t.Fatalf("bad dates: %d", w.Code)
	}
	checkErrorSummary(t, authDoc(t, w), "from", "real date")

	w = rev.do("GET", "/review/audit.csv?reference="+ref, nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "at,actor,actor_role,actor_organisation,organisation,subject,subject_id,reference,quote_version,action,from,to,comment,details" {
		t.Fatalf("header %v", rows[0])
	}
	reject := rows[1]
	if reject[9] != "reject" || reject[12] != "'@SUM(A1:A9)" || reject[7] != ref || reject[8] != "1" || reject[3] != env.orgs["ccs"].Name {
		t.Fatalf("newest row %v, want the rejection with its comment made formula-safe", reject)
	}
	for _, r := range rows[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Fatalf("a cell starts a formula: %q", cell)
			}
		}
	}
}

// A reviewer's home is their work: never an anonymous home page from a
// cache (the response cache serves visitors only), not even when the
// browser offers the anonymous page's validator.
func TestReviewerHomeIsNeverACachedAnonymousPage(t *testing.T) {
	env := newAuthEnv(t)
	submittedBasket(t, env, "buyer", "Waiting", 3)
	visitor := env.client()
	first := visitor.do("GET", "/", nil)
	again := visitor.do("GET", "/", nil)
	if first.Code != http.StatusOK || again.Code != http.StatusOK {
		t.Fatalf("anonymous home: %d, %d", first.Code, again.Code)
	}
	rev := env.client()
	rev.signIn("reviewer")
	if etag := again.Header().Get("ETag"); etag != "" {
		rev.header.Set("If-None-Match", etag)
	}
	if lm := again.Header().Get("Last-Modified"); lm != "" {
		rev.header.Set("If-Modified-Since", lm)
	}
	w := rev.do("GET", "/", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Waiting for you") {
		t.Fatalf("reviewer's home: %d without the reviewer's work:\n%.400s", w.Code, w.Body)
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("reviewer's home: Cache-Control %q, want no-store", cc)
	}
	if strings.Contains(again.Body.String(), "Waiting for you") {
		t.Fatal("the anonymous home shows a reviewer's work")
	}
}
