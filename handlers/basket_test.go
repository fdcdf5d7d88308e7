package handlers

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"portal/store"
)

// basketClient is a signed-in buyer with helpers for the basket pages.
type basketClient struct {
	*authClient
	t *testing.T
}

func newBasketClient(t *testing.T, env *authEnv, who string) *basketClient {
	cl := env.client()
	cl.signIn(who)
	return &basketClient{authClient: cl, t: t}
}

// newBasket creates a basket through POST /baskets and returns its id.
func (cl *basketClient) newBasket(name string) int64 {
	cl.t.Helper()
	w := cl.do("POST", "/baskets", url.Values{"name": {name}})
	if w.Code != http.StatusSeeOther {
		cl.t.Fatalf("create basket: status %d, want 303\n%.500s", w.Code, w.Body)
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(w.Header().Get("Location"), "/baskets/"), 10, 64)
	if err != nil {
		cl.t.Fatalf("create basket: Location %q", w.Header().Get("Location"))
	}
	return id
}

func (cl *basketClient) path(id int64, suffix string) string {
	return "/baskets/" + strconv.FormatInt(id, 10) + suffix
}

func (cl *basketClient) addLine(id int64, slug string, q, term int) {
	cl.t.Helper()
	w := cl.do("POST", cl.path(id, "/lines"), url.Values{"offering": {slug}, "quantity": {strconv.Itoa(q)}, "term_months": {strconv.Itoa(term)}})
	if w.Code != http.StatusSeeOther {
		cl.t.Fatalf("add %s: status %d, want 303\n%.800s", slug, w.Code, w.Body)
	}
}

func (cl *basketClient) requirements(id int64, extra url.Values) *httpResult {
	form := url.Values{"need": {"Mobiles for carers"}, "budget": {"25000"}, "sites": {"2"}, "required_by": {nextMonth()},
		"weight_price": {"50"}, "weight_quality": {"40"}, "weight_social": {"10"}}
	for k, v := range extra {
		form[k] = v
	}
	w := cl.do("POST", cl.path(id, "/requirements"), form)
	return &httpResult{code: w.Code, loc: w.Header().Get("Location"), body: w.Body.String()}
}

// nextMonth is a required-by date a month from today, as YYYY-MM-DD.
func nextMonth() string { return time.Now().AddDate(0, 1, 0).Format(time.DateOnly) }

type httpResult struct {
	code int
	loc  string
	body string
}

func summaryLinks(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	re := regexp.MustCompile(`<div class="error-summary"[\s\S]*?</div>`)
	for _, m := range regexp.MustCompile(`href="(#[^"]+)"`).FindAllStringSubmatch(re.FindString(body), -1) {
		out = append(out, m[1])
	}
	return out
}

func TestBasketPages(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Carers’ mobiles")

	tests := []struct {
		name         string
		method, path string
		form         url.Values
		wantStatus   int
		wantLocation string
		wantSummary  []string // error summary links, in order
		wantBody     []string
	}{
		{name: "empty basket page", method: "GET", path: cl.path(id, ""), wantStatus: 200,
			wantBody: []string{"<h1>Carers’ mobiles", "The basket is empty", `name="_csrf"`}},
		{name: "add a line", method: "POST", path: cl.path(id, "/lines"),
			form: url.Values{"offering": {"business-unlimited-5g-sim"}, "quantity": {"10"}, "term_months": {"24"}}, wantStatus: 303, wantLocation: cl.path(id, "")},
		{name: "bad quantity and term: 422 with summary in form order", method: "POST", path: cl.path(id, "/lines"),
			form:       url.Values{"offering": {"business-unlimited-5g-sim"}, "quantity": {"0"}, "term_months": {"7"}},
			wantStatus: 422, wantSummary: []string{"#quantity", "#term_months"},
			wantBody: []string{"<title>Error: ", `aria-invalid="true"`, "Quantity must be a whole number from 1 to 100,000"}},
		{name: "another agreement's offering offers a new basket", method: "POST", path: cl.path(id, "/lines"),
			form:       url.Values{"offering": {"ffc-full-fibre-300"}, "quantity": {"2"}, "term_months": {"12"}},
			wantStatus: 422, wantSummary: []string{"#mismatch"},
			wantBody: []string{`id="mismatch"`, "Start a new basket for Full Fibre 300", `name="new_basket"`}},
		{name: "the basket shows the waterfall and totals", method: "GET", path: cl.path(id, ""), wantStatus: 200,
			wantBody: []string{"How this price is worked out", "£5,055.00", "VAT at 20%", "£1,011.00", "£6,066.00",
				"£945.00 (15.8% of the list price)", "0% in-life discount", "£100,000.00 more of approved purchases reaches the next tier (1.5%)"}},
		{name: "submit without requirements is refused", method: "POST", path: cl.path(id, "/submit"), form: url.Values{},
			wantStatus: 422, wantSummary: []string{"#requirements"}},
		{name: "requirements form", method: "GET", path: cl.path(id, "/requirements"), wantStatus: 200,
			wantBody: []string{`name="version"`, `id="weight_social"`}},
		{name: "invalid requirements: 422, every field in order", method: "POST", path: cl.path(id, "/requirements"),
			form:       url.Values{"need": {""}, "budget": {"12.345"}, "sites": {"0"}, "required_by": {"2001-01-01"}, "weight_price": {"50"}, "weight_quality": {"45"}, "weight_social": {"5"}},
			wantStatus: 422, wantSummary: []string{"#need", "#budget", "#sites", "#required_by", "#weight_social"},
			wantBody: []string{`value="12.345"`}},
		{name: "weights not adding up", method: "POST", path: cl.path(id, "/requirements"),
			form:       url.Values{"need": {"n"}, "budget": {"1"}, "sites": {"1"}, "required_by": {nextMonth()}, "weight_price": {"50"}, "weight_quality": {"45"}, "weight_social": {"10"}},
			wantStatus: 422, wantSummary: []string{"#weight_price"}, wantBody: []string{"they add up to 105%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := cl.do(tt.method, tt.path, tt.form)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%.1500s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantLocation != "" && w.Header().Get("Location") != tt.wantLocation {
				t.Fatalf("Location %q, want %q", w.Header().Get("Location"), tt.wantLocation)
			}
			body := w.Body.String()
			if tt.wantSummary != nil {
				if got := summaryLinks(t, body); !slices.Equal(got, tt.wantSummary) {
					t.Fatalf("error summary links %v, want %v", got, tt.wantSummary)
				}
				for _, l := range tt.wantSummary {
					if !strings.Contains(body, `id="`+l[1:]+`"`) {
						t.Errorf("the summary links to %s but nothing has that id", l)
					}
				}
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q", want)
				}
			}
		})
	}
	if b, _ := env.db.Basket(t.Context(), ptr(env.users["buyer"]), id); b.HasRequirements || len(b.Lines) != 1 {
		t.Fatalf("a refused form saved something: requirements %v, %d lines", b.HasRequirements, len(b.Lines))
	}
}

func ptr[T any](v T) *T { return &v }

func TestBasketStaleEditShowsConflict(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Contested")
	cl.addLine(id, "business-unlimited-5g-sim", 5, 24)
	b, err := env.db.Basket(t.Context(), ptr(env.users["buyer"]), id)
	if err != nil {
		t.Fatal(err)
	}
	stale := strconv.FormatInt(b.Version, 10)
	cl.addLine(id, "iot-sim-1gb", 1, 12) // someone else's add: bumps the version

	linePath := cl.path(id, "/lines/"+strconv.FormatInt(b.Lines[0].ID, 10))
	w := cl.do("POST", linePath, url.Values{"quantity": {"777"}, "term_months": {"36"}, "version": {stale}})
	if w.Code != http.StatusConflict {
		t.Fatalf("stale line edit: status %d, want 409", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{`id="conflict"`, "Your change was not saved", `value="777"`} {
		if !strings.Contains(body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	r := cl.requirements(id, url.Values{"version": {stale}, "need": {"typed by hand"}})
	if r.code != http.StatusConflict || !strings.Contains(r.body, "typed by hand") || !strings.Contains(r.body, "Your change was not saved") {
		t.Fatalf("stale requirements: status %d, want 409 keeping what was typed\n%.800s", r.code, r.body)
	}
	after, _ := env.db.Basket(t.Context(), ptr(env.users["buyer"]), id)
	if after.Lines[0].Quantity != 5 || after.HasRequirements {
		t.Fatalf("a stale edit was saved: %+v", after.Lines[0])
	}
}

func TestSubmitAndQuote(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket(`<script>alert("name")</script>`)
	cl.addLine(id, "business-unlimited-5g-sim", 10, 24)
	cl.addLine(id, "cloud-phone-system-user", 3, 36)
	if r := cl.requirements(id, url.Values{"need": {`<script>alert("need")</script>`}}); r.code != http.StatusSeeOther {
		t.Fatalf("requirements: %d\n%.800s", r.code, r.body)
	}

	t.Run("free text is escaped on the basket page", func(t *testing.T) {
		body := cl.do("GET", cl.path(id, ""), nil).Body.String()
		if strings.Contains(body, `<script>alert(`) || !strings.Contains(body, `&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;`) ||
			!strings.Contains(body, `&lt;script&gt;alert(&#34;need&#34;)`) {
			t.Fatal("the basket name or need is not escaped")
		}
	})

	w := cl.do("POST", cl.path(id, "/submit"), url.Values{})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !regexp.MustCompile(`^/quotes/Q-\d{4}-\d{6}/v1$`).MatchString(loc) {
		t.Fatalf("submit: status %d Location %q, want 303 to /quotes/Q-YYYY-NNNNNN/v1", w.Code, loc)
	}

	t.Run("a second submit shows the same version", func(t *testing.T) {
		w := cl.do("POST", cl.path(id, "/submit"), url.Values{})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != loc {
			t.Fatalf("got %d → %q, want 303 → %q", w.Code, w.Header().Get("Location"), loc)
		}
	})

	t.Run("quote page", func(t *testing.T) {
		w := cl.do("GET", loc, nil)
		body := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		for _, want := range []string{"Version 1", "Awaiting approval", "Testshire County Council", "Virgin Media O2 Business",
			"data-print", "Print or save as PDF", "Publication duties", "Local Government Transparency Code", "Valid until",
			"&lt;script&gt;alert(&#34;need&#34;)", loc + "/print.css"} {
			if !strings.Contains(body, want) {
				t.Errorf("quote page lacks %q", want)
			}
		}
		if strings.Contains(body, "<script>alert(") {
			t.Error("the quote page does not escape the need")
		}
	})

	t.Run("print stylesheet puts the reference in the footer", func(t *testing.T) {
		w := cl.do("GET", loc+"/print.css", nil)
		ref := strings.Split(loc, "/")[2]
		if w.Code != 200 || !strings.Contains(w.Body.String(), ref) || !strings.Contains(w.Body.String(), "counter(page)") {
			t.Fatalf("status %d body %q", w.Code, w.Body)
		}
	})

	t.Run("quote JSON has exactly the contract's fields in pence", func(t *testing.T) {
		w := cl.do("GET", loc+".json", nil)
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status %d type %q", w.Code, w.Header().Get("Content-Type"))
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := []string{"agreement", "approvals", "gross_total_pence", "inlife_bp", "issued_at", "lines", "net_total_pence",
			"organisation", "ref", "savings_pence", "status", "valid_until", "vat_pence", "version"}
		if !slices.Equal(keys, want) {
			t.Fatalf("keys %v, want %v", keys, want)
		}
		var q struct {
			Lines []struct {
				List int64 `json:"list_pence"`
				Net  int64 `json:"net_pence"`
			}
			NetTotal int64 `json:"net_total_pence"`
			VAT      int64 `json:"vat_pence"`
			Gross    int64 `json:"gross_total_pence"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		// 10 × £25 × 24 = £6,000, 15.75 % off = £5,055; 3 × £11 × 36 = £1,188, 12.5 % off = £1,039.50.
		if len(q.Lines) != 2 || q.Lines[0].List != 600_000 || q.Lines[0].Net != 505_500 || q.Lines[1].Net != 103_950 ||
			q.NetTotal != 609_450 || q.VAT != 121_890 || q.Gross != 731_340 {
			t.Fatalf("got %+v", q)
		}
	})

	t.Run("the submitted basket shows the quote and no edit controls", func(t *testing.T) {
		body := cl.do("GET", cl.path(id, ""), nil).Body.String()
		if strings.Contains(body, "/submit") || strings.Contains(body, `name="quantity"`) || !strings.Contains(body, "Withdraw from approval") {
			t.Fatal("the submitted basket still shows edit controls, or no withdraw button")
		}
	})

	t.Run("another organisation's buyer gets 404; a reviewer can read it", func(t *testing.T) {
		other := newBasketClient(t, env, "buyer2")
		for _, p := range []string{loc, loc + ".json", cl.path(id, "")} {
			if w := other.do("GET", p, nil); w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "Testshire") {
				t.Errorf("%s: status %d, want 404 without the other organisation's name", p, w.Code)
			}
		}
		rev := newBasketClient(t, env, "reviewer")
		if w := rev.do("GET", loc, nil); w.Code != 200 {
			t.Errorf("reviewer: status %d, want 200", w.Code)
		}
	})

	t.Run("withdraw returns to draft and the version says withdrawn", func(t *testing.T) {
		w := cl.do("POST", cl.path(id, "/withdraw"), url.Values{})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", w.Code)
		}
		if body := cl.do("GET", loc, nil).Body.String(); !strings.Contains(body, "Withdrawn") {
			t.Fatal("the quote does not say withdrawn")
		}
		w = cl.do("POST", cl.path(id, "/submit"), url.Values{})
		if got := w.Header().Get("Location"); !strings.HasSuffix(got, "/v2") {
			t.Fatalf("resubmit went to %q, want v2", got)
		}
	})
}

func TestAddToBasketFromOfferingPage(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	page := cl.do("GET", "/offerings/business-unlimited-5g-sim", nil).Body.String()
	for _, want := range []string{`action="/baskets/lines"`, `name="new_basket"`, `name="term_months"`, "Your in-life discount"} {
		if !strings.Contains(page, want) {
			t.Fatalf("offering page lacks %q", want)
		}
	}
	w := cl.do("POST", "/baskets/lines", url.Values{"offering": {"business-unlimited-5g-sim"}, "basket": {"new"}, "new_basket": {"From the offering"},
		"quantity": {"3"}, "term_months": {"12"}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/baskets/") {
		t.Fatalf("status %d Location %q", w.Code, w.Header().Get("Location"))
	}
	next := cl.do("GET", w.Header().Get("Location"), nil).Body.String()
	if !strings.Contains(next, "3 × Business Unlimited 5G SIM added to From the offering") {
		t.Fatal("no flash message naming the line and basket")
	}
	w = cl.do("POST", "/baskets/lines", url.Values{"offering": {"business-unlimited-5g-sim"}, "quantity": {"abc"}, "term_months": {"12"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid add: %d, want 422", w.Code)
	}
	if got := summaryLinks(t, w.Body.String()); !slices.Equal(got, []string{"#basket", "#quantity"}) {
		t.Fatalf("summary %v", got)
	}
	// Visitors see no form.
	if strings.Contains(env.client().do("GET", "/offerings/business-unlimited-5g-sim", nil).Body.String(), `action="/baskets/lines"`) {
		t.Fatal("a visitor sees the add-to-basket form")
	}
}

func TestConcurrentAddsOverHTTP(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Busy")
	const n = 20
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine has its own recorder; the jar is only read.
			codes <- cl.doShared("POST", cl.path(id, "/lines"), url.Values{"offering": {"iot-sim-1gb"}, "quantity": {"1"}, "term_months": {"12"}})
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusSeeOther {
			t.Fatalf("an add answered %d, want 303", c)
		}
	}
	b, _ := env.db.Basket(t.Context(), ptr(env.users["buyer"]), id)
	if len(b.Lines) != 1 || b.Lines[0].Quantity != n {
		t.Fatalf("got %d lines, quantity %v; want one line of %d", len(b.Lines), b.Lines, n)
	}
}

// doShared sends a POST with the jar's cookies without updating the jar, so
// goroutines can share a signed-in client.
func (cl *basketClient) doShared(method, path string, form url.Values) int {
	form = authCloneValues(form)
	form.Set("_csrf", cl.csrf)
	r, _ := http.NewRequest(method, path, strings.NewReader(form.Encode()))
	r.RemoteAddr = cl.peer + ":40000"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cl.cookiesFor(path) {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	cl.env.e.ServeHTTP(w, r)
	return w.Code
}

func TestCompareOffersAddToBasket(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	body := cl.do("GET", "/compare?id=business-unlimited-5g-sim&id=ffc-full-fibre-300&qty=5&term=12", nil).Body.String()
	for _, want := range []string{`/baskets/add?offering=business-unlimited-5g-sim&amp;quantity=5&amp;term_months=12`, `/baskets/add?offering=ffc-full-fibre-300&amp;quantity=5&amp;term_months=12`} {
		if !strings.Contains(body, want) {
			t.Errorf("compare lacks the link %s", want)
		}
	}
	w := cl.do("GET", "/baskets/add?offering=ffc-full-fibre-300&quantity=5&term_months=12", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `value="5"`) {
		t.Fatalf("add page: %d", w.Code)
	}
	if strings.Contains(env.client().do("GET", "/compare?id=business-unlimited-5g-sim&id=ffc-full-fibre-300", nil).Body.String(), "/baskets/add") {
		t.Error("a visitor sees add-to-basket links")
	}
}

func TestBuyerHomeShowsBasketsAndQuotes(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	draft := cl.newBasket("Home draft")
	cl.addLine(draft, "business-unlimited-5g-sim", 2, 24)
	sent := cl.newBasket("Home submitted")
	cl.addLine(sent, "business-unlimited-5g-sim", 5, 24)
	if r := cl.requirements(sent, nil); r.code != http.StatusSeeOther {
		t.Fatalf("requirements: %d", r.code)
	}
	w := cl.do("POST", cl.path(sent, "/submit"), url.Values{})
	ref := strings.TrimPrefix(w.Header().Get("Location"), "/quotes/")

	body := cl.do("GET", "/", nil).Body.String()
	for _, want := range []string{"Your baskets", "Drafts: 1", "Waiting for approval: 1", "Recent quotes", strings.Replace(ref, "/", " ", 1)} {
		if !strings.Contains(body, want) {
			t.Errorf("buyer home lacks %q", want)
		}
	}
	if anon := env.client().do("GET", "/", nil).Body.String(); strings.Contains(anon, "Your baskets") {
		t.Errorf("a visitor's home shows a buyer's baskets")
	}
}

// TestAddToBasketFormChoosesTheBasket pins the offering page's add form
// (issue 13 point 2): no basket → a new one with a default name from the
// clock; exactly one that can take the offering → chosen, and the button
// names it; several → a choice; other agreements' baskets shown as
// unavailable with the reason; a visitor gets a sign-in link back here.
func TestAddToBasketFormChoosesTheBasket(t *testing.T) {
	env := newAuthEnv(t)
	env.db.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	cl := newBasketClient(t, env, "buyer")
	const mouPage, ffcPage = "/offerings/business-unlimited-5g-sim", "/offerings/ffc-full-fibre-300"
	form := func(path string) *goquery.Selection {
		t.Helper()
		w := cl.do("GET", path, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		doc, err := goquery.NewDocumentFromReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		return doc.Find("section.add-to-basket")
	}
	attr := func(s *goquery.Selection, sel, name string) string {
		v, _ := s.Find(sel).Attr(name)
		return v
	}

	t.Run("no basket: a new one, named for the month", func(t *testing.T) {
		f := form(mouPage)
		if got := attr(f, `input[name="basket"]`, "value"); got != "new" {
			t.Errorf("basket: got %q, want new", got)
		}
		if got := attr(f, "#new_basket", "value"); got != "Connectivity – December 2026" {
			t.Errorf("default name: got %q", got)
		}
		if got := strings.TrimSpace(f.Find("button[type=submit]").Text()); got != "Add to a new basket" {
			t.Errorf("button: got %q", got)
		}
		if f.Find(`input[type="radio"][name="basket"]`).Length() != 0 {
			t.Error("a lone radio for the new basket")
		}
		if got := f.Find(`input[type="radio"][name="term_months"]`).Length(); got < 2 {
			t.Errorf("term radios: %d, want one per term", got)
		}
	})

	draft := cl.newBasket("Town hall connectivity 2027")
	t.Run("one draft: chosen, and the button names it", func(t *testing.T) {
		f := form(mouPage)
		if got := attr(f, `input[name="basket"]`, "value"); got != strconv.FormatInt(draft, 10) {
			t.Errorf("basket: got %q, want %d", got, draft)
		}
		if got := strings.TrimSpace(f.Find("button[type=submit]").Text()); got != "Add to Town hall connectivity 2027" {
			t.Errorf("button: got %q", got)
		}
		if got := attr(f, `a[href^="/baskets/add"]`, "href"); got != "/baskets/add?basket=new&offering=business-unlimited-5g-sim" {
			t.Errorf("new basket link: %q", got)
		}
		w := cl.do("POST", "/baskets/lines", url.Values{"offering": {"business-unlimited-5g-sim"}, "basket": {attr(f, `input[name="basket"]`, "value")},
			"quantity": {"2"}, "term_months": {"12"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != cl.path(draft, "") {
			t.Fatalf("add: %d to %q", w.Code, w.Header().Get("Location"))
		}
	})

	t.Run("another agreement's basket is unavailable, with the reason", func(t *testing.T) {
		f := form(ffcPage)
		if got := attr(f, `input[name="basket"]`, "value"); got != "new" {
			t.Errorf("basket: got %q, want new", got)
		}
		u := f.Find("#unavailable").Text()
		for _, want := range []string{"Town hall connectivity 2027", "is for offerings under the CCS Memorandum of Understanding", "needs a basket of its own"} {
			if !strings.Contains(u, want) {
				t.Errorf("unavailable note %q lacks %q", u, want)
			}
		}
	})

	cl.newBasket("Second draft")
	t.Run("two that can take it: a choice, none assumed", func(t *testing.T) {
		f := form(mouPage)
		if got := f.Find(`input[type="radio"][name="basket"]`).Length(); got != 3 {
			t.Errorf("radios: %d, want both drafts and a new basket", got)
		}
		if f.Find(`input[name="basket"][checked]`).Length() != 0 {
			t.Error("a basket is assumed")
		}
	})

	t.Run("a visitor signs in and comes back", func(t *testing.T) {
		w := env.client().do("GET", mouPage, nil)
		doc, _ := goquery.NewDocumentFromReader(w.Body)
		link := doc.Find(`section.add-to-basket a.button`)
		if got, _ := link.Attr("href"); got != "/login?next=%2Fofferings%2Fbusiness-unlimited-5g-sim" || strings.TrimSpace(link.Text()) != "Sign in to add this to a basket" {
			t.Errorf("visitor link: %q %q", got, link.Text())
		}
	})
}

// TestPreviewSubmitsAndTheQuoteConfirms: a draft without requirements asks
// for them in place; the preview carries "Submit for approval" with what
// happens next (the two-approver rule only from £100,000 gross); the quote
// it lands on shows a confirmation panel with the reference, once.
func TestPreviewSubmitsAndTheQuoteConfirms(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Depot links")
	cl.addLine(id, "business-unlimited-5g-sim", 10, 24)
	doc := func(path string) *goquery.Document {
		t.Helper()
		w := cl.do("GET", path, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, w.Code)
		}
		d, err := goquery.NewDocumentFromReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	basket := doc(cl.path(id, ""))
	if basket.Find(`#requirements ~ form[action$="/requirements"] #need`).Length() != 1 || basket.Find("#required_by-year").Length() != 1 {
		t.Error("the basket without requirements does not ask for them in place")
	}
	if basket.Find(`form[action$="/submit"]`).Length() != 0 {
		t.Error("Submit is offered before the requirements are saved")
	}
	cl.requirements(id, nil)
	prev := doc(cl.path(id, "/preview"))
	if prev.Find(`form[action="`+cl.path(id, "/submit")+`"] button`).Text() != "Submit for approval" {
		t.Fatal("the preview has no Submit for approval")
	}
	next := prev.Find("#next-title").Parent().Text()
	for _, want := range []string{"CCS commercial reviewer", "valid for 30 days", "A decision is due by"} {
		if !strings.Contains(next, want) {
			t.Errorf("what happens next lacks %q: %s", want, next)
		}
	}
	if strings.Contains(next, "two different CCS reviewers") {
		t.Error("the two-approver rule is stated under £100,000")
	}
	w := cl.do("POST", cl.path(id, "/submit"), url.Values{})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/quotes/Q-") {
		t.Fatalf("submit: %d to %q", w.Code, loc)
	}
	q := doc(loc)
	ref := loc[len("/quotes/") : len("/quotes/")+len("Q-2026-000000")]
	if p := q.Find("#confirmation").Text(); !strings.Contains(p, "Submitted for approval") || !strings.Contains(p, ref) {
		t.Errorf("confirmation panel %q lacks the reference %s", p, ref)
	}
	if got, _ := q.Find("a.quote-json").Attr("href"); got != loc+".json" {
		t.Errorf("JSON link %q, want %s.json", got, loc)
	}
	if doc(loc).Find("#confirmation").Length() != 0 {
		t.Error("the confirmation panel shows again on a later visit")
	}

	big := cl.newBasket("County-wide fibre")
	cl.addLine(big, "business-unlimited-5g-sim", 2000, 24)
	cl.requirements(big, url.Values{"budget": {"1000000"}})
	if next := doc(cl.path(big, "/preview")).Find("#next-title").Parent().Text(); !strings.Contains(next, "two different CCS reviewers must approve it") {
		t.Errorf("over £100,000 the preview does not state the two-approver rule: %s", next)
	}
}

// TestDiscountNamedAfterItsAgreement: the MoU's discount is the "MoU
// discount"; another agreement's is not called one.
func TestDiscountNamedAfterItsAgreement(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	if body := cl.do("GET", "/offerings/ffc-full-fibre-300", nil).Body.String(); strings.Contains(body, "MoU discount") || !strings.Contains(body, "Agreement discount") {
		t.Error("the Fictional Fibre offering's discount is called an MoU discount")
	}
	id := cl.newBasket("Mixed names")
	cl.addLine(id, "business-unlimited-5g-sim", 1, 12)
	doc, _ := goquery.NewDocumentFromReader(cl.do("GET", cl.path(id, ""), nil).Body)
	if got := doc.Find(".basket-lines details dt").Eq(2).Text(); got != "MoU discount" {
		t.Errorf("the MoU line's waterfall step is %q, want MoU discount", got)
	}
}

// TestRequiredByDateInput: the GOV.UK date input's three boxes, from the
// basket page's in-place form: 29 February in a leap year is saved, in a
// common year it is refused at the first box with what was typed kept.
func TestRequiredByDateInput(t *testing.T) {
	env := newAuthEnv(t)
	env.db.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Dates")
	parts := func(d, m, y string) url.Values {
		return url.Values{"required_by": nil, "required_by-day": {d}, "required_by-month": {m}, "required_by-year": {y}}
	}
	post := func(v url.Values) *httpResult {
		t.Helper()
		form := url.Values{}
		for k, x := range v {
			if x != nil {
				form[k] = x
			}
		}
		w := cl.do("POST", cl.path(id, "/requirements"), mergeValues(url.Values{"need": {"Mobiles"}, "budget": {"£12,500.50"}, "sites": {"2"},
			"weight_price": {"50"}, "weight_quality": {"40"}, "weight_social": {"10"}}, form))
		return &httpResult{code: w.Code, loc: w.Header().Get("Location"), body: w.Body.String()}
	}
	bad := post(parts("29", "2", "2027"))
	if bad.code != http.StatusUnprocessableEntity {
		t.Fatalf("29 February 2027: %d, want 422", bad.code)
	}
	if got := summaryLinks(t, bad.body); !slices.Equal(got, []string{"#required_by"}) {
		t.Errorf("summary links %v, want the day box", got)
	}
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(bad.body))
	for sel, want := range map[string]string{"#required_by": "29", "#required_by-month": "2", "#required_by-year": "2027"} {
		if v, _ := doc.Find(sel).Attr("value"); v != want {
			t.Errorf("%s kept %q, want %q", sel, v, want)
		}
	}
	if !strings.Contains(doc.Find("#required_by-error").Text(), "must be a real date") {
		t.Errorf("message %q", doc.Find("#required_by-error").Text())
	}
	if doc.Find(".form-group--error #required_by-year.input--error").Length() != 1 {
		t.Error("the date boxes are not marked in error")
	}
	if ok := post(parts("29", "2", "2028")); ok.code != http.StatusSeeOther {
		t.Fatalf("29 February 2028: %d, want 303\n%.400s", ok.code, ok.body)
	}
	if body := cl.do("GET", cl.path(id, ""), nil).Body.String(); !strings.Contains(body, "29 February 2028") {
		t.Error("the basket does not show the date saved")
	}
}

func mergeValues(a, b url.Values) url.Values {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// TestBasketHistoryLink: the basket page shows the latest entries of its
// history and links to every one; the history page lists them all.
func TestBasketHistoryLink(t *testing.T) {
	env := newAuthEnv(t)
	cl := newBasketClient(t, env, "buyer")
	id := cl.newBasket("Long history")
	cl.addLine(id, "business-unlimited-5g-sim", 1, 24)
	if w := cl.do("GET", cl.path(id, ""), nil); strings.Contains(w.Body.String(), `id="all-history"`) {
		t.Fatalf("2 entries: the page links to all of them, want none")
	}
	const adds = store.BasketTimelineLimit // each add of the same line and term is one entry
	for range adds {
		cl.addLine(id, "business-unlimited-5g-sim", 1, 24)
	}
	total := 2 + adds
	doc := parseHTML(t, cl.do("GET", cl.path(id, ""), nil).Body.Bytes())
	if n := doc.Find("#history ~ .timeline > li").Length(); n != store.BasketTimelineLimit {
		t.Errorf("the basket page shows %d entries, want %d", n, store.BasketTimelineLimit)
	}
	link := doc.Find("a#all-history")
	if href, _ := link.Attr("href"); href != cl.path(id, "/history") || !strings.Contains(text(link), "See all "+strconv.Itoa(total)+" entries") {
		t.Errorf("link %q to %q, want “See all %d entries” to the history", text(link), href, total)
	}
	w := cl.do("GET", cl.path(id, "/history"), nil)
	if w.Code != http.StatusOK {
		t.Fatalf("history: %d", w.Code)
	}
	hist := parseHTML(t, w.Body.Bytes())
	if n := hist.Find(".timeline > li").Length(); n != total {
		t.Errorf("the history page shows %d entries, want %d", n, total)
	}
	if h := text(hist.Find("h1")); !strings.Contains(h, "History of Long history") {
		t.Errorf("h1 %q", h)
	}
}
