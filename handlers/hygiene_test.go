package handlers

// Input hygiene over HTTP (PRODUCT.md §8; issue 7's defects 1–5): every
// text and number field of every form, fed hostile values, answers 422 with
// the field's message in the error summary and beside the field, shows no
// control bytes back, and saves nothing.

import (
	"bytes"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/store"
)

// hostile is a value with what makes it wrong.
type hostile struct {
	name, value string
}

// Hostile values for each kind of field. A text field's message is its
// label followed by the problem (expect gives it).
var (
	hostileText = []hostile{
		{"NUL alone", "\x00"},
		{"NUL first", "\x00Library"},
		{"NUL inside", "Lib\x00rary"},
		{"invalid UTF-8", "Lib\xffrary"},
		{"an ESC sequence", "\x1b[31mred\x1b[0m"},
		{"a right-to-left override", "abc\u202edef"},
		{"a bidi isolate", "\u2066abc\u2069"},
	}
	hostileOneLine = []hostile{
		{"CR LF", "Library\r\nbroadband"},
		{"a tab", "Library\tbroadband"},
	}
	hostileCount = []hostile{
		{"a thousands separator", "1,000"},
		{"misplaced separators", "1,0,0,0"},
		{"an exponent", "1e3"},
		{"hex", "0x10"},
		{"a plus sign", "+5"},
		{"a minus sign", "-5"},
		{"Arabic-Indic digits", "١٢"},
		{"full-width digits", "１２"},
		{"a percent sign", "50%"},
		{"a NUL", "5\x00"},
		{"a decimal", "5.0"},
	}
	hostileMoney = []hostile{
		{"misplaced separators", "12,50.00"},
		{"an exponent", "1e5"},
		{"hex", "0x10"},
		{"a plus sign", "+5"},
		{"a minus sign", "-5"},
		{"Arabic-Indic digits", "١٢"},
		{"three decimals", "1.234"},
		{"a NUL", "\x0012"},
	}
	hostileDate = []hostile{
		{"the year 9999", "9999-12-31"},
		{"30 February", "2027-02-30"},
		{"day first", "31/12/2027"},
		{"a NUL", "\x002027-01-01"},
		{"unicode digits", "٢٠٢٧-٠١-٠١"},
	}
	hostileChoice = []hostile{
		{"NUL", "\x00"},
		{"invalid UTF-8", "\xff"},
		{"an exponent", "1e3"},
	}
)

// hygieneField is one field of one form, with the kind of checks it gets.
type hygieneField struct {
	field string // form field name
	id    string // the input's id, where the error summary links ("" = field)
	kind  string // text, multiline, count, money, date, datepart, choice
	label string // text: the label messages start with; others: a word the message has
	max   int    // text: the most characters
}

// hygieneForm is a form: where it posts and a valid body to start from.
type hygieneForm struct {
	name   string
	who    string // env user key
	path   func(t *testing.T) string
	valid  url.Values
	fields []hygieneField
	// saved counts the rows a successful post would add or change.
	saved func(t *testing.T) string
}

func TestHostileValuesInEveryForm(t *testing.T) {
	env := newAuthEnv(t)
	buyer := env.users["buyer"]
	ctx := t.Context()
	b, err := env.db.CreateBasket(ctx, &buyer, "Hygiene")
	if err != nil {
		t.Fatal(err)
	}
	o := matrixOffering(t, env)
	term := strconv.Itoa(o.Terms[0])
	if _, err := env.db.AddLine(ctx, &buyer, b.ID, store.LineForm{Offering: o.Slug, Quantity: "1", TermMonths: term}); err != nil {
		t.Fatal(err)
	}
	full, err := env.db.Basket(ctx, &buyer, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	line := full.Lines[0].ID
	basketPath := "/baskets/" + strconv.FormatInt(b.ID, 10)
	lineID := func(name string) string { return store.LineField(line, name) }
	north := strconv.FormatInt(env.orgs["north"].ID, 10)
	count := queryText(rawDB(t, env))
	nextMonth := store.TodayLondon(env.db.Now()).AddDate(0, 1, 0)

	forms := []hygieneForm{
		{name: "new basket", who: "buyer", path: fixed("/baskets"), valid: url.Values{"name": {"Library broadband"}},
			fields: []hygieneField{{field: "name", kind: "text", label: "Basket name", max: 120}},
			saved:  count(`SELECT count(*) || '/' || coalesce(max(id), 0) FROM baskets`)},
		{name: "add a line", who: "buyer", path: fixed(basketPath + "/lines"),
			valid: url.Values{"offering": {o.Slug}, "quantity": {"2"}, "term_months": {term}},
			fields: []hygieneField{{field: "offering", kind: "text", label: "Offering", max: 120}, {field: "quantity", kind: "count", label: "Quantity"},
				{field: "term_months", kind: "choice"}},
			saved: count(`SELECT group_concat(quantity) || '/' || (SELECT version FROM baskets WHERE id = ` + strconv.FormatInt(b.ID, 10) + `) FROM basket_lines`)},
		{name: "add to a new basket", who: "buyer", path: fixed("/baskets/lines"),
			valid: url.Values{"offering": {o.Slug}, "quantity": {"2"}, "term_months": {term}, "basket": {"new"}, "new_basket": {"From the offering page"}},
			fields: []hygieneField{{field: "new_basket", kind: "text", label: "Basket name", max: 120}, {field: "offering", kind: "text", label: "Offering", max: 120},
				{field: "quantity", kind: "count", label: "Quantity"}, {field: "term_months", kind: "choice"}, {field: "basket", kind: "choice"}},
			saved: count(`SELECT count(*) || '/' || (SELECT count(*) FROM basket_lines) FROM baskets`)},
		{name: "change a line", who: "buyer", path: fixed(basketPath + "/lines/" + strconv.FormatInt(line, 10)),
			valid: url.Values{"quantity": {"3"}, "term_months": {term}},
			fields: []hygieneField{{field: "quantity", id: lineID("quantity"), kind: "count", label: "Quantity"},
				{field: "term_months", id: lineID("term_months"), kind: "choice"}},
			saved: count(`SELECT group_concat(quantity) FROM basket_lines`)},
		{name: "requirements", who: "buyer", path: fixed(basketPath + "/requirements"),
			valid: url.Values{"need": {"Broadband for\r\n20 libraries"}, "budget": {"£12,500.50"}, "sites": {"20"},
				"required_by-day": {strconv.Itoa(nextMonth.Day())}, "required_by-month": {strconv.Itoa(int(nextMonth.Month()))}, "required_by-year": {strconv.Itoa(nextMonth.Year())},
				"weight_price": {"60"}, "weight_quality": {"30"}, "weight_social": {"10"}},
			fields: []hygieneField{{field: "need", kind: "multiline", label: "Business need", max: 5000}, {field: "budget", kind: "money", label: "Budget"},
				{field: "sites", kind: "count", label: "Number of sites"}, {field: "required_by-day", id: "required_by", kind: "datepart", label: "The date you need it by"},
				{field: "required_by-month", id: "required_by", kind: "datepart", label: "The date you need it by"},
				{field: "required_by-year", id: "required_by", kind: "datepart", label: "The date you need it by"},
				{field: "weight_price", kind: "count", label: "Price weight"}, {field: "weight_quality", kind: "count", label: "Quality weight"},
				{field: "weight_social", kind: "count", label: "Social value weight"}},
			saved: count(`SELECT has_requirements || '/' || version FROM baskets WHERE id = ` + strconv.FormatInt(b.ID, 10))},
		{name: "requirements, date as one field", who: "buyer", path: fixed(basketPath + "/requirements"),
			valid: url.Values{"need": {"Broadband"}, "budget": {"12500"}, "sites": {"20"}, "required_by": {nextMonth.Format("2006-01-02")},
				"weight_price": {"60"}, "weight_quality": {"30"}, "weight_social": {"10"}},
			fields: []hygieneField{{field: "required_by", kind: "date", label: "The date you need it by"}},
			saved:  count(`SELECT has_requirements || '/' || version FROM baskets WHERE id = ` + strconv.FormatInt(b.ID, 10))},
		{name: "new organisation", who: "admin", path: fixed("/admin/organisations"),
			valid: url.Values{"name": {"Hygiene Council"}, "type": {store.OrgOther}, "identifier": {"GB-TEST-1"}},
			fields: []hygieneField{{field: "name", kind: "text", label: "Organisation name", max: 120}, {field: "identifier", kind: "text", label: "Identifier", max: 100},
				{field: "type", kind: "choice"}},
			saved: count(`SELECT count(*) FROM organisations`)},
		{name: "new user", who: "admin", path: fixed("/admin/users"),
			valid: url.Values{"name": {"Hy Giene"}, "email": {"hy@testshire.example"}, "org": {north}, "role": {store.RoleBuyer}, "password": {"a long enough password"}},
			fields: []hygieneField{{field: "name", kind: "text", label: "Full name", max: 120}, {field: "email", kind: "text", label: "Email address", max: 254},
				{field: "org", kind: "choice"}, {field: "role", kind: "choice"}},
			saved: count(`SELECT count(*) FROM users`)},
		{name: "sign in", who: "", path: fixed("/login"), valid: url.Values{"email": {"buyer@testshire.example"}, "password": {testPassword}},
			fields: []hygieneField{{field: "email", kind: "text", label: "Email address", max: 254}},
			saved:  count(`SELECT count(*) FROM sessions`)},
	}

	checkHostileForms(t, env, forms)
}

// checkHostileForms posts every hostile value to every field of forms: each
// answers 422 with the field's message in the error summary and beside the
// field, shows no control bytes back, and saves nothing.
func checkHostileForms(t *testing.T, env *authEnv, forms []hygieneForm) {
	t.Helper()
	for _, form := range forms {
		cl := env.client()
		if form.who == "" {
			cl.do("GET", "/login", nil)
		} else {
			cl.signIn(form.who)
		}
		for _, f := range form.fields {
			for _, h := range hostileFor(f) {
				t.Run(form.name+"/"+f.field+"/"+h.name, func(t *testing.T) {
					cl.t = t
					body := authCloneValues(form.valid)
					body.Set(f.field, h.value)
					before := form.saved(t)
					w := cl.do("POST", form.path(t), body)
					if w.Code != http.StatusUnprocessableEntity {
						t.Fatalf("got status %d, want 422\n%.600s", w.Code, w.Body)
					}
					id := firstNonEmpty(f.id, f.field)
					doc := parseHTML(t, w.Body.Bytes())
					checkErrorSummary(t, doc, id, expect(f, h))
					if msg := text(doc.Find("#" + id + "-error")); !strings.Contains(msg, expect(f, h)) {
						t.Errorf("message beside the field: got %q, want %q", msg, expect(f, h))
					}
					checkNoControlBytes(t, w.Body.Bytes())
					if after := form.saved(t); after != before {
						t.Errorf("the refused form changed data: %s → %s", before, after)
					}
				})
			}
		}
	}
}

// queryText returns a function that makes a hygieneForm's saved: the
// text of the one value a query on raw returns.
func queryText(raw *sql.DB) func(q string) func(t *testing.T) string {
	return func(q string) func(t *testing.T) string {
		return func(t *testing.T) string {
			var s string
			if err := raw.QueryRow(q).Scan(&s); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
}

// fixed is a hygieneForm's path that never changes.
func fixed(p string) func(*testing.T) string { return func(*testing.T) string { return p } }

// hostileFor is the hostile values a field gets.
func hostileFor(f hygieneField) []hostile {
	switch f.kind {
	case "text":
		return append(append(append([]hostile{}, hostileText...), hostileOneLine...), hostile{"one character too many", strings.Repeat("é", f.max+1)})
	case "multiline":
		return append(append([]hostile{}, hostileText...), hostile{"one character too many", strings.Repeat("é", f.max+1)})
	case "count":
		return hostileCount
	case "money":
		return hostileMoney
	case "date":
		return hostileDate
	case "datepart":
		return []hostile{{"a letter", "x"}, {"a sign", "+1"}, {"unicode digits", "١"}, {"a NUL", "1\x00"}}
	}
	return hostileChoice
}

// expect is (part of) the message PRODUCT.md §8 gives for value h in field f.
func expect(f hygieneField, h hostile) string {
	switch f.kind {
	case "text", "multiline":
		switch {
		case strings.HasPrefix(h.name, "one character"):
			return f.label + " must be " + groupDigits(f.max) + " characters or fewer"
		case h.name == "invalid UTF-8":
			return f.label + " contains characters that could not be read"
		case strings.Contains(h.name, "bidi") || strings.Contains(h.name, "override"):
			return f.label + " must not contain characters that change the direction of text"
		case h.name == "CR LF" || h.name == "a tab":
			return f.label + " must be on one line, without line breaks or tabs"
		}
		return f.label + " must not contain control characters"
	case "count":
		return f.label + " must be a whole number in digits only"
	case "money":
		return f.label + ":"
	case "date", "datepart":
		return f.label + " must be"
	}
	return "" // a choice: any message at the field
}

func groupDigits(n int) string {
	s := strconv.Itoa(n)
	if len(s) > 3 {
		s = s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// checkNoControlBytes fails when a page has bytes that are not UTF-8 or
// control characters other than white space: a refused value must never come
// back raw.
func checkNoControlBytes(t *testing.T, body []byte) {
	t.Helper()
	if !utf8.Valid(body) {
		t.Fatalf("the page is not valid UTF-8")
	}
	for _, r := range string(body) {
		if (r < 0x20 && r != '\n' && r != '\t' && r != '\r') || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("the page has the control character %U", r)
		}
	}
}

// rawDB opens the env's database file directly, for checks the store does
// not offer and for breaking it on purpose.
func rawDB(t *testing.T, env *authEnv) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+env.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Defect 3: a POST's fields and CSRF token come from the body only.
func TestFormFieldsComeFromTheBodyOnly(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("buyer")
	token := cl.csrf
	count := func() int {
		list, err := env.db.Baskets(t.Context(), ptr(env.users["buyer"]))
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	post := func(target, body string) *httptest.ResponseRecorder {
		return cl.raw(httptest.NewRequest("POST", target, strings.NewReader(body)))
	}
	t.Run("a token and fields in the query string are ignored", func(t *testing.T) {
		w := post("/baskets?_csrf="+url.QueryEscape(token)+"&name=From+the+URL", "")
		if w.Code != http.StatusForbidden || count() != 0 {
			t.Fatalf("got %d and %d baskets, want 403 and none", w.Code, count())
		}
	})
	t.Run("a field in the query string is not read", func(t *testing.T) {
		w := post("/baskets?name=From+the+URL", "_csrf="+url.QueryEscape(token))
		if w.Code != http.StatusUnprocessableEntity || count() != 0 {
			t.Fatalf("got %d and %d baskets, want 422 (no name in the body) and none", w.Code, count())
		}
	})
	t.Run("the body alone works", func(t *testing.T) {
		w := post("/baskets?name=From+the+URL", "_csrf="+url.QueryEscape(token)+"&name=From+the+body")
		if w.Code != http.StatusSeeOther {
			t.Fatalf("got %d, want 303", w.Code)
		}
		list, _ := env.db.Baskets(t.Context(), ptr(env.users["buyer"]))
		if len(list) != 1 || list[0].Name != "From the body" {
			t.Fatalf("got %+v, want one basket named from the body", list)
		}
	})
}

// Defect 4: oversized bodies and absurd field counts are 413 before the CSRF
// check (not its "form expired" 403), chunked bodies included.
func TestBodyLimitsComeBeforeCSRF(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("buyer")
	send := func(t *testing.T, body string, chunked bool) *httptest.ResponseRecorder {
		t.Helper()
		var rd interface{ Read([]byte) (int, error) } = strings.NewReader(body)
		if chunked {
			rd = onlyReader{strings.NewReader(body)} // hides the length: sent chunked
		}
		r := httptest.NewRequest("POST", "/baskets", rd)
		if chunked {
			r.ContentLength = -1
			r.TransferEncoding = []string{"chunked"}
		}
		return cl.raw(r)
	}
	token := "_csrf=" + url.QueryEscape(cl.csrf) + "&"
	big := token + "name=" + strings.Repeat("a", 1<<20)
	many := token + strings.Repeat("a=1&", 50_000) + "name=x"
	for _, tt := range []struct {
		name    string
		body    string
		chunked bool
		want    string
	}{
		{"over 1 MB", big, false, "too large"},
		{"over 1 MB, chunked", big, true, "too large"},
		{"50,000 fields", many, false, "too many fields"},
		{"50,000 fields, chunked", many, true, "too many fields"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := send(t, tt.body, tt.chunked)
			if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), tt.want) {
				t.Fatalf("got %d, want 413 saying %q\n%.400s", w.Code, tt.want, w.Body)
			}
		})
	}
	t.Run("a form just under the limits is read", func(t *testing.T) {
		w := send(t, token+strings.Repeat("a=1&", 900)+"name=Fine", true)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("got %d, want 303\n%.400s", w.Code, w.Body)
		}
	})
}

// raw sends a hand-made form POST with the client's cookies, exactly as
// made: no CSRF token is added.
func (cl *authClient) raw(r *http.Request) *httptest.ResponseRecorder {
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cl.cookiesFor(r.URL.Path) {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	cl.env.e.ServeHTTP(w, r)
	return w
}

type onlyReader struct{ r *strings.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Handlers read forms with formValue and friends (body only), never Echo's
// FormValue or FormParams, which also read the query string.
func TestHandlersReadTheBodyOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\.(FormValue|FormParams|Request\(\)\.FormValue)\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range bytes.Split(src, []byte("\n")) {
			if re.Match(l) {
				t.Errorf("%s:%d reads a form through Echo (query string too): %s", f, i+1, bytes.TrimSpace(l))
			}
		}
	}
}

// Defect 5: POST /baskets/lines with an unknown offering shows the form with
// an error summary, not a bare error page.
func TestAddToBasketUnknownOfferingShowsTheForm(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("buyer")
	w := cl.do("POST", "/baskets/lines", url.Values{"offering": {"no-such-offering"}, "quantity": {"2"}, "term_months": {"12"}, "basket": {"new"}, "new_basket": {"Mine"}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("got %d, want 422", w.Code)
	}
	doc := parseHTML(t, w.Body.Bytes())
	checkErrorSummary(t, doc, "offering", "Choose an offering from the catalogue")
	if v, _ := doc.Find(`input#offering`).Attr("value"); v != "no-such-offering" {
		t.Errorf("got the offering box showing %q, want what was typed", v)
	}
	if v, _ := doc.Find(`input#quantity`).Attr("value"); v != "2" {
		t.Errorf("got quantity %q, want what was typed", v)
	}
	list, _ := env.db.Baskets(t.Context(), ptr(env.users["buyer"]))
	if len(list) != 0 {
		t.Fatalf("got %d baskets, want none made", len(list))
	}
}

// Defect 6: a failed in-life lookup fails the page rather than showing a
// 0 bp "Your price".
func TestInlifeLookupFailureIsAnError(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("buyer")
	a, err := env.db.Agreement(t.Context(), store.DemoAgreementMoU)
	if err != nil {
		t.Fatal(err)
	}
	offs, err := env.db.AgreementOfferings(t.Context(), a.ID)
	if err != nil || len(offs) < 2 {
		t.Fatalf("offerings: %v", err)
	}
	pages := []string{"/compare?id=" + offs[0].Slug + "&id=" + offs[1].Slug, "/offerings", "/offerings/" + offs[0].Slug}
	for _, p := range pages {
		if w := cl.do("GET", p, nil); w.Code != http.StatusOK {
			t.Fatalf("%s before: got %d, want 200", p, w.Code)
		}
	}
	// Break only the in-life lookup: approved quotes can no longer be read.
	raw := rawDB(t, env)
	if _, err := raw.Exec(`ALTER TABLE quote_versions RENAME TO quote_versions_gone`); err != nil {
		t.Fatal(err)
	}
	for _, p := range pages[:2] {
		w := cl.do("GET", p, nil)
		if w.Code != http.StatusInternalServerError {
			t.Errorf("%s with the in-life lookup failing: got %d, want 500 (never a 0%% in-life discount)", p, w.Code)
		}
		if strings.Contains(w.Body.String(), "in-life discount") {
			t.Errorf("%s: the error page shows prices", p)
		}
	}
	if !strings.Contains(env.logs.String(), "quote_versions") {
		t.Errorf("the failure is not in the log:\n%s", env.logs)
	}
}

// Defect 6: a CSV export that fails after its header aborts the connection
// instead of ending a 200 with a short file that looks whole.
func TestBrokenCSVStreamAborts(t *testing.T) {
	env := newAuthEnv(t)
	srv := httptest.NewServer(env.e)
	defer srv.Close()
	get := func() (int, []byte, error) {
		resp, err := http.Get(srv.URL + "/offerings.csv")
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		return resp.StatusCode, buf.Bytes(), err
	}
	if code, body, err := get(); code != 200 || err != nil || bytes.Count(body, []byte("\n")) < 10 {
		t.Fatalf("before: got %d, %v, %d lines", code, err, bytes.Count(body, []byte("\n")))
	}
	// The search index is cached; the rows it points at now fail to load.
	if _, err := rawDB(t, env).Exec(`ALTER TABLE offering_terms RENAME TO offering_terms_gone`); err != nil {
		t.Fatal(err)
	}
	code, body, err := get()
	if err == nil {
		t.Fatalf("got a complete %d answer of %d bytes:\n%s\nwant the connection aborted", code, len(body), body)
	}
	if !bytes.HasPrefix(body, []byte("slug,name")) {
		t.Errorf("got %d %q, want the header to have been sent before the failure (the case this guards)", code, body)
	}
}
