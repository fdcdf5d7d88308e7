package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// publicSample is a URL of a public page, by the route that serves it.
type publicSample struct {
	route, path string
}

// publicSamples has at least one URL for every public route: a page that
// opts into the response cache adds its own here (TestEveryPublicRouteIsTested).
var publicSamples = []publicSample{
	{"/", "/"},
	{"/offerings", "/offerings"},
	{"/offerings", "/offerings?q=sim&category=sd-wan"},
	{"/offerings/:slug", "/offerings/ethernet-1gbps-leased-line"},
	{"/compare", "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line"},
	{"/agreements/:slug", "/agreements/" + store.DemoAgreementMoU},
	{"/agreements/:slug/changes", "/agreements/" + store.DemoAgreementMoU + "/changes"},
	{"/help/:page", "/help/cookies"},
	{"/transparency", "/transparency"},
	{"/transparency", "/transparency?band=30k-100k&organisation=GB-LAC-E10000099&sort=value"},
	{"/transparency/savings", "/transparency/savings"},
	{"/transparency/about", "/transparency/about"},
}

// varies reports whether a response's Vary names the header.
func varies(h http.Header, name string) bool {
	for _, line := range h.Values("Vary") {
		for _, v := range strings.Split(line, ",") {
			if strings.EqualFold(strings.TrimSpace(v), name) {
				return true
			}
		}
	}
	return false
}

var strongETag = regexp.MustCompile(`^"[0-9a-f]{16}(-gz)?"$`)

// checkCachedHeaders checks what every answer from the response cache says.
func checkCachedHeaders(t *testing.T, w *httptest.ResponseRecorder, gz bool) {
	t.Helper()
	h := w.Header()
	if got := h.Get("Cache-Control"); got != "public, no-cache" {
		t.Errorf("Cache-Control: got %q, want public, no-cache", got)
	}
	if !varies(h, "Accept-Encoding") || !varies(h, "Cookie") {
		t.Errorf("Vary: got %q, want Accept-Encoding and Cookie", h.Values("Vary"))
	}
	tag := h.Get("ETag")
	if !strongETag.MatchString(tag) || strings.HasSuffix(tag, `-gz"`) != gz {
		t.Errorf("ETag: got %q, want a strong tag, ending -gz only for gzip (gzip %v)", tag, gz)
	}
	if sc := h.Values("Set-Cookie"); len(sc) > 0 {
		t.Errorf("Set-Cookie: got %q, want none on a public page", sc)
	}
	if w.Code == http.StatusOK {
		if got, want := h.Get("Content-Length"), fmt.Sprint(w.Body.Len()); got != want {
			t.Errorf("Content-Length: got %q, want %s", got, want)
		}
		if got := h.Get("Content-Encoding") == "gzip"; got != gz {
			t.Errorf("Content-Encoding gzip: got %v, want %v", got, gz)
		}
	}
}

func TestEveryPublicRouteIsTested(t *testing.T) {
	s, _, _, _ := newTestServerFull(t)
	for route, p := range s.public {
		if !slices.ContainsFunc(publicSamples, func(ps publicSample) bool { return ps.route == route }) {
			t.Errorf("public route %s has no URL in publicSamples", route)
		}
		if p.query != nil {
			if q, ok := p.query(url.Values{}); q != "" || !ok {
				t.Errorf("%s: no parameters canonicalise to %q (ok %v), want \"\" (responseCache relies on it)", route, q, ok)
			}
		}
	}
}

func TestPublicPagesRevalidate(t *testing.T) {
	pc := NewPageCache(DefaultPageCacheBytes)
	_, e, _, _ := newTestServerFull(t, func(c *Config) { c.PageCache = pc })
	for _, ps := range publicSamples {
		for _, gz := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s gzip %v", ps.path, gz), func(t *testing.T) {
				var enc []string
				if gz {
					enc = []string{"Accept-Encoding", "gzip, deflate, br"}
				}
				first := get(e, ps.path, enc...)
				if first.Code != http.StatusOK {
					t.Fatalf("got %d, want 200", first.Code)
				}
				checkCachedHeaders(t, first, gz)
				tag := first.Header().Get("ETag")
				second := get(e, ps.path, enc...)
				if second.Header().Get("ETag") != tag || !bytes.Equal(second.Body.Bytes(), first.Body.Bytes()) {
					t.Errorf("again: got ETag %q and %d bytes, want %q and the same %d bytes", second.Header().Get("ETag"), second.Body.Len(), tag, first.Body.Len())
				}
				for _, inm := range []string{tag, `"other", ` + tag, "W/" + tag, "*"} {
					misses := pc.Stats().Misses
					w := get(e, ps.path, append(enc, "If-None-Match", inm)...)
					if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
						t.Errorf("If-None-Match %s: got %d with %d bytes, want 304 and no body", inm, w.Code, w.Body.Len())
					}
					checkCachedHeaders(t, w, gz)
					if w.Header().Get("ETag") != tag {
						t.Errorf("304: got ETag %q, want %q", w.Header().Get("ETag"), tag)
					}
					if pc.Stats().Misses != misses {
						t.Errorf("If-None-Match %s: the page was rendered again", inm)
					}
				}
				for _, inm := range []string{`"other"`, `"` + strings.Trim(tag, `"`) + `x"`, strings.Trim(tag, `"`)} {
					if w := get(e, ps.path, append(enc, "If-None-Match", inm)...); w.Code != http.StatusOK || w.Body.Len() == 0 {
						t.Errorf("If-None-Match %s: got %d with %d bytes, want 200 and the page", inm, w.Code, w.Body.Len())
					}
				}
			})
		}
	}
	t.Run("the two encodings are the same page", func(t *testing.T) {
		for _, ps := range publicSamples {
			plain := get(e, ps.path)
			zw := get(e, ps.path, "Accept-Encoding", "gzip")
			zr, err := gzip.NewReader(zw.Body)
			if err != nil {
				t.Fatalf("%s: %v", ps.path, err)
			}
			if !bytes.Equal(readAll(t, zr), plain.Body.Bytes()) || plain.Header().Get("ETag") == zw.Header().Get("ETag") {
				t.Errorf("%s: the gzipped page differs from the plain one, or shares its ETag", ps.path)
			}
		}
	})
	t.Run("gzip;q=0 is not gzip", func(t *testing.T) {
		w := get(e, "/", "Accept-Encoding", "gzip;q=0, identity")
		if w.Header().Get("Content-Encoding") != "" {
			t.Errorf("got Content-Encoding %q, want none", w.Header().Get("Content-Encoding"))
		}
	})
}

func TestRevalidationWithoutRendering(t *testing.T) {
	// A cache too small to hold any page: every 304 must come from the
	// ETag's inputs alone.
	pc := NewPageCache(1)
	_, e, _, _ := newTestServerFull(t, func(c *Config) { c.PageCache = pc })
	for _, ps := range publicSamples {
		first := get(e, ps.path, "Accept-Encoding", "gzip")
		tag := first.Header().Get("ETag")
		misses := pc.Stats().Misses
		w := get(e, ps.path, "Accept-Encoding", "gzip", "If-None-Match", tag)
		if w.Code != http.StatusNotModified || w.Header().Get("ETag") != tag || pc.Stats().Misses != misses {
			t.Errorf("%s: got %d, ETag %q, %d renders; want 304, %q, none", ps.path, w.Code, w.Header().Get("ETag"), pc.Stats().Misses-misses, tag)
		}
		checkCachedHeaders(t, w, true)
		if pc.Stats().Entries != 0 {
			t.Errorf("%s: got %d pages held in a 1-byte cache", ps.path, pc.Stats().Entries)
		}
	}
}

// otherProcess opens the database as another process would (portal import
// from the command line): the server learns of its writes only when it
// next reads the data versions.
func otherProcess(t *testing.T, path string) *sql.DB {
	t.Helper()
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestETagFollowsThePagesData(t *testing.T) {
	s, e, db, _ := newTestServerFull(t)
	ctx := context.Background()
	path := db.Path()
	const page = "/offerings/ethernet-1gbps-leased-line"
	tagOf := func(p string) string { return get(e, p).Header().Get("ETag") }

	t.Run("a price edit by another process, once the versions are read", func(t *testing.T) {
		before := get(e, page)
		other := otherProcess(t, path)
		if _, err := other.ExecContext(ctx, "UPDATE offerings SET monthly_pence = 123456 WHERE slug = 'ethernet-1gbps-leased-line'"); err != nil {
			t.Fatal(err)
		}
		if got := tagOf(page); got != before.Header().Get("ETag") {
			t.Fatalf("before the versions are read: got ETag %q, want %q still (no query per request)", got, before.Header().Get("ETag"))
		}
		if err := db.RefreshVersions(ctx); err != nil {
			t.Fatal(err)
		}
		after := get(e, page, "If-None-Match", before.Header().Get("ETag"))
		if after.Code != http.StatusOK || after.Header().Get("ETag") == before.Header().Get("ETag") {
			t.Errorf("after the edit: got %d with ETag %q, want 200 with a new ETag", after.Code, after.Header().Get("ETag"))
		}
		if !strings.Contains(after.Body.String(), "£1,234.56") {
			t.Errorf("after the edit: the page does not show the new price £1,234.56")
		}
	})

	t.Run("a catalogue write by the server itself, at once", func(t *testing.T) {
		before := tagOf("/")
		err := db.LoadCatalogue(ctx, store.Catalogue{Categories: []store.Category{{Slug: "satellite", Name: "Satellite"}}})
		if err != nil {
			t.Fatal(err)
		}
		if tagOf("/") == before {
			t.Errorf("home after a new category: ETag unchanged at %q", before)
		}
		if !strings.Contains(get(e, "/").Body.String(), "Satellite") {
			t.Errorf("home after a new category: does not list it")
		}
	})

	t.Run("an approval, for a page that shows approvals", func(t *testing.T) {
		// No public page shows approvals yet (the transparency pages will):
		// a page declared as they will be.
		s.publicGET(e, "/test/approvals", func(c echo.Context) error {
			return writeHTML(c, http.StatusOK, []byte(strings.Repeat("approved awards ", 100)))
		}, publicPage{deps: []store.DataSet{store.DataApprovals}})
		s.publicGET(e, "/test/catalogue-only", func(c echo.Context) error {
			return writeHTML(c, http.StatusOK, []byte(strings.Repeat("catalogue ", 200)))
		}, publicPage{deps: onCatalogue})
		// A quote awaiting a decision…
		in, err := db.SignIn(ctx, store.SignInAttempt{Email: "buyer@eastbridge.example", Password: "portal-demo-pass"})
		if err != nil {
			t.Fatal(err)
		}
		buyer := in.User
		b, err := db.CreateBasket(ctx, &buyer, "Approval probe")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddLine(ctx, &buyer, b.ID, store.LineForm{Offering: "ethernet-1gbps-leased-line", Quantity: "1", TermMonths: "36"}); err != nil {
			t.Fatal(err)
		}
		req := store.RequirementsForm{Need: "Fibre", Budget: "100000", Sites: "1", RequiredBy: store.DateInput{ISO: db.Now().AddDate(0, 1, 0).Format("2006-01-02")},
			WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}
		if err := db.SetRequirements(ctx, &buyer, b.ID, req); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Submit(ctx, &buyer, b.ID); err != nil {
			t.Fatal(err)
		}
		before, catalogue := tagOf("/test/approvals"), tagOf("/test/catalogue-only")
		savings := get(e, "/transparency/savings")
		if !strings.Contains(savings.Body.String(), "<dt>Approved quotes</dt><dd>3</dd>") {
			t.Fatalf("savings before the approval: want the demo's 3 approved quotes")
		}
		// …is approved (by another process here: the review decision has
		// no store method yet).
		other := otherProcess(t, path)
		if _, err := other.ExecContext(ctx, `UPDATE quote_versions SET status = 'approved', decided_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
			WHERE status = 'submitted'`); err != nil {
			t.Fatal(err)
		}
		if err := db.RefreshVersions(ctx); err != nil {
			t.Fatal(err)
		}
		if tagOf("/test/approvals") == before {
			t.Errorf("after an approval changed: ETag unchanged at %q", before)
		}
		if tagOf("/test/catalogue-only") != catalogue {
			t.Errorf("a catalogue-only page: ETag changed after an approval, want it kept")
		}
		after := get(e, "/transparency/savings", "If-None-Match", savings.Header().Get("ETag"))
		if after.Code != http.StatusOK || !strings.Contains(after.Body.String(), "<dt>Approved quotes</dt><dd>4</dd>") {
			t.Errorf("savings after the approval: got %d, want 200 counting 4 approved quotes", after.Code)
		}
	})
}

func TestJunkParametersDoNotGrowTheCache(t *testing.T) {
	pc := NewPageCache(DefaultPageCacheBytes)
	_, e, _, _ := newTestServerFull(t, func(c *Config) { c.PageCache = pc })
	for i := range 20 {
		for _, p := range []string{
			"/offerings?utm_source=zzjunk%d",
			"/offerings?q=%%20sim%%20&x=zzjunk%d",
			"/offerings?q=sim&sort=relevance&page=1&junk=zzjunk%d",
			"/offerings?category=sd-wan&category=mobile-voice-data&category=sd-wan&n=zzjunk%d",
			"/offerings?category=mobile-voice-data&category=sd-wan&max_monthly=£1,000&n=zzjunk%d",
			"/offerings/ethernet-1gbps-leased-line?ref=zzjunk%d",
			"/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line&qty=01&fbclid=zzjunk%d",
			"/?n=zzjunk%d",
			"/help/cookies?n=zzjunk%d",
		} {
			u := fmt.Sprintf(p, i)
			w := get(e, u)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: got %d", u, w.Code)
			}
			if bytes.Contains(w.Body.Bytes(), []byte("zzjunk")) {
				t.Errorf("GET %s: the page carries the junk parameter", u)
			}
		}
	}
	// The distinct pages: /offerings, ?q=sim, the two category sets (the
	// second with a price cap), the offering, the comparison, home, help.
	if got := pc.Stats().Entries; got != 8 {
		t.Errorf("pages held: got %d, want 8 (one per canonical URL)", got)
	}
	t.Run("links are built from the canonical URL", func(t *testing.T) {
		doc := parseHTML(t, get(e, "/offerings?max_monthly=£1,000&category=sd-wan&category=mobile-voice-data&evil=%22x").Body.Bytes())
		want := "/login?next=" + url.QueryEscape("/offerings?category=mobile-voice-data&category=sd-wan&max_monthly=1000")
		if got, _ := doc.Find(`header a[href^="/login"]`).Attr("href"); got != want {
			t.Errorf("Sign in link: got %q, want %q", got, want)
		}
		if doc.Find(`a[href*="evil"]`).Length() != 0 {
			t.Errorf("a link carries the junk parameter")
		}
	})
	t.Run("compare keeps the order of its columns", func(t *testing.T) {
		a := "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line"
		b := "/compare?id=ffc-ethernet-1gbps-leased-line&id=ethernet-1gbps-leased-line"
		first := func(p string) string {
			s, _ := parseHTML(t, get(e, p).Body.Bytes()).Find(`table thead a[href^="/offerings/"]`).First().Attr("href")
			return s
		}
		if fa, fb := first(a), first(b); fa != "/offerings/ethernet-1gbps-leased-line" || fb != "/offerings/ffc-ethernet-1gbps-leased-line" {
			t.Errorf("first columns: got %q and %q, want each URL's first id", fa, fb)
		}
	})
	t.Run("bad parameters are answered, not cached", func(t *testing.T) {
		n := pc.Stats().Entries
		for _, p := range []string{"/offerings?page=-3", "/offerings?max_monthly=lots", "/compare?id=ethernet-1gbps-leased-line&id=ffc-ethernet-1gbps-leased-line&qty=0"} {
			w := get(e, p)
			if w.Code != http.StatusBadRequest || w.Header().Get("Cache-Control") != "no-store" || w.Header().Get("ETag") != "" {
				t.Errorf("GET %s: got %d, Cache-Control %q, ETag %q; want 400, no-store, none", p, w.Code, w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
			}
		}
		if got := get(e, "/offerings/no-such-offering"); got.Code != http.StatusNotFound || got.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("unknown offering: got %d, Cache-Control %q; want 404, no-store", got.Code, got.Header().Get("Cache-Control"))
		}
		if got := pc.Stats().Entries; got != n {
			t.Errorf("pages held: got %d after error pages, want %d", got, n)
		}
	})
}

func TestSignedInRequestsNeverUseTheResponseCache(t *testing.T) {
	pc := NewPageCache(DefaultPageCacheBytes)
	env := newAuthEnv(t, func(c *Config) { c.PageCache = pc })
	buyer := env.client()
	buyer.signIn("buyer")
	name := env.users["buyer"].Name
	anon := env.client()
	for _, ps := range publicSamples {
		t.Run(ps.path, func(t *testing.T) {
			// A page the cache holds is not given to a signed-in person.
			if w := anon.do("GET", ps.path, nil); w.Code != http.StatusOK || w.Header().Get("ETag") == "" {
				t.Fatalf("anonymous: got %d, ETag %q", w.Code, w.Header().Get("ETag"))
			}
			before := pc.Stats()
			w := buyer.do("GET", ps.path, nil)
			if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), name) {
				t.Errorf("signed in: got %d without the person's name, want their own page", w.Code)
			}
			if cc, tag := w.Header().Get("Cache-Control"), w.Header().Get("ETag"); cc != "private, no-store" || tag != "" {
				t.Errorf("signed in: got Cache-Control %q, ETag %q; want private, no-store and none", cc, tag)
			}
			if after := pc.Stats(); after.Hits != before.Hits || after.Entries != before.Entries || after.Misses != before.Misses {
				t.Errorf("signed in: the cache was used (%+v, then %+v)", before, after)
			}
			// A signed-in request's ETag-like header is of no use.
			if w := buyer.do("GET", ps.path, nil); w.Code != http.StatusOK {
				t.Errorf("signed in again: got %d, want 200", w.Code)
			}
		})
	}
	t.Run("a page first asked for signed in is not stored for visitors", func(t *testing.T) {
		const p = "/offerings?q=fibre"
		buyer.do("GET", p, nil)
		if got := pc.Stats().Entries; slices.ContainsFunc(publicSamples, func(ps publicSample) bool { return ps.path == p }) || got != len(publicSamples) {
			t.Fatalf("pages held: got %d, want %d (the anonymous samples only)", got, len(publicSamples))
		}
		w := anon.do("GET", p, nil)
		if strings.Contains(w.Body.String(), name) || strings.Contains(w.Body.String(), `name="_csrf"`) {
			t.Errorf("the visitor got the signed-in person's page")
		}
	})
	t.Run("a request with If-None-Match gets no 304 when signed in", func(t *testing.T) {
		tag := anon.do("GET", "/", nil).Header().Get("ETag")
		buyer.header.Set("If-None-Match", tag)
		defer buyer.header.Del("If-None-Match")
		if w := buyer.do("GET", "/", nil); w.Code != http.StatusOK {
			t.Errorf("got %d, want the signed-in page (200)", w.Code)
		}
	})
}

func TestCookiesAndCaching(t *testing.T) {
	env := newAuthEnv(t)
	t.Run("a visitor who never signs in is never given a cookie", func(t *testing.T) {
		cl := env.client()
		for _, ps := range publicSamples {
			cl.do("GET", ps.path, nil)
			cl.do("GET", ps.path, nil)
		}
		if len(cl.jar) != 0 {
			t.Errorf("cookies after browsing: %v, want none", cl.jar)
		}
	})
	t.Run("an answer that sets or expires a cookie is private", func(t *testing.T) {
		stale := env.client()
		stale.jar[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "stale"}
		w := stale.do("GET", "/offerings", nil)
		if authSetCookie(w, sessionCookie) == nil || w.Header().Get("Cache-Control") != "private, no-store" || w.Header().Get("ETag") != "" {
			t.Errorf("stale session cookie: Set-Cookie %v, Cache-Control %q, ETag %q; want the cookie expired, private, no-store, no ETag",
				w.Header().Values("Set-Cookie"), w.Header().Get("Cache-Control"), w.Header().Get("ETag"))
		}
		login := env.client().do("GET", "/login", nil)
		if len(login.Header().Values("Set-Cookie")) > 0 && login.Header().Get("Cache-Control") != "private, no-store" {
			t.Errorf("GET /login sets a cookie with Cache-Control %q, want private, no-store", login.Header().Get("Cache-Control"))
		}
		cl := env.client()
		cl.do("GET", "/login", nil)
		in := cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}})
		if in.Code != http.StatusSeeOther || in.Header().Get("Cache-Control") != "private, no-store" {
			t.Errorf("sign-in redirect: got %d, Cache-Control %q; want 303, private, no-store", in.Code, in.Header().Get("Cache-Control"))
		}
	})
}

func TestSingleFlight(t *testing.T) {
	pc := NewPageCache(DefaultPageCacheBytes)
	s, e, _, _ := newTestServerFull(t, func(c *Config) { c.PageCache = pc })
	release := make(chan struct{})
	entered := make(chan struct{}, 100)
	var renders atomic.Int32
	s.publicGET(e, "/test/slow", func(c echo.Context) error {
		renders.Add(1)
		entered <- struct{}{}
		<-release
		return writeHTML(c, http.StatusOK, []byte(strings.Repeat("slow page ", 200)))
	}, publicPage{deps: onCatalogue})
	const n = 8
	var wg sync.WaitGroup
	codes := make([]int, n)
	bodies := make([][]byte, n)
	for i := range n {
		wg.Go(func() {
			w := get(e, "/test/slow")
			codes[i], bodies[i] = w.Code, w.Body.Bytes()
		})
	}
	<-entered
	// Release the render once every other request waits for it (or, were
	// there no single flight, as soon as a second render starts).
	for renders.Load() == 1 {
		pc.mu.Lock()
		fl := pc.flights["/test/slow"]
		pc.mu.Unlock()
		if fl != nil && fl.waiters.Load() == n-1 {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if got := renders.Load(); got != 1 {
		t.Errorf("renders: got %d for %d concurrent misses, want 1", got, n)
	}
	for i := range n {
		if codes[i] != http.StatusOK || !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("request %d: got %d and %d bytes, want 200 and the one page", i, codes[i], len(bodies[i]))
		}
	}
}

func TestPageCacheEvictsLeastRecentlyUsed(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 600) // not compressed: one body each
	probe := NewPageCache(1 << 20)
	size := probe.newEntry("/a", onCatalogue, store.Versions{}, body, false).size
	pc := NewPageCache(3 * size) // room for three
	var v store.Versions
	put := func(key string) {
		fl, leader := pc.join(key)
		if !leader {
			t.Fatalf("%s: already in flight", key)
		}
		pc.finish(key, fl, pc.newEntry(key, onCatalogue, v, body, false))
	}
	put("/a")
	put("/b")
	put("/c")
	if pc.get("/a", v) == nil { // /a is now the most recently used
		t.Fatal("/a: not held")
	}
	put("/d") // evicts /b, the least recently used
	for key, want := range map[string]bool{"/a": true, "/b": false, "/c": true, "/d": true} {
		if got := pc.get(key, v) != nil; got != want {
			t.Errorf("%s held: got %v, want %v", key, got, want)
		}
	}
	if st := pc.Stats(); st.Entries != 3 || st.Evictions != 1 || st.Bytes != 3*size {
		t.Errorf("stats: got %+v, want 3 entries, 1 eviction, %d bytes", st, 3*size)
	}
	t.Run("an out-of-date page is dropped when asked for", func(t *testing.T) {
		newer := v
		newer[store.DataCatalogue]++
		if pc.get("/a", newer) != nil {
			t.Errorf("/a: served for newer catalogue")
		}
		if st := pc.Stats(); st.Entries != 2 || st.Bytes != 2*size {
			t.Errorf("stats: got %+v, want 2 entries, %d bytes", st, 2*size)
		}
	})
	t.Run("a page bigger than the cache is not held", func(t *testing.T) {
		huge := make([]byte, 4*size)
		rand.Read(huge) // incompressible
		fl, _ := pc.join("/huge")
		pc.finish("/huge", fl, pc.newEntry("/huge", onCatalogue, v, huge, false))
		if pc.get("/huge", v) != nil || pc.Stats().Entries != 2 {
			t.Errorf("a page over the bound: held, want not")
		}
	})
}

func TestPanickingRenderReleasesWaiters(t *testing.T) {
	s, e, _, _ := newTestServerFull(t)
	e.Logger.SetOutput(io.Discard) // the recovered panic's stack
	var calls atomic.Int32
	s.publicGET(e, "/test/panics-once", func(c echo.Context) error {
		if calls.Add(1) == 1 {
			panic("render failed")
		}
		return writeHTML(c, http.StatusOK, []byte(strings.Repeat("fine ", 300)))
	}, publicPage{deps: onCatalogue})
	if w := get(e, "/test/panics-once"); w.Code != http.StatusInternalServerError {
		t.Fatalf("first request: got %d, want 500 from the recovered panic", w.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w := serve(e, httptest.NewRequestWithContext(ctx, http.MethodGet, "/test/panics-once", nil))
	if w.Code != http.StatusOK {
		t.Errorf("second request: got %d, want 200 (not left waiting for the failed render)", w.Code)
	}
}

func TestPageHeldForIdentityClientsOnlyOnceAskedFor(t *testing.T) {
	pc := NewPageCache(DefaultPageCacheBytes)
	_, e, _, _ := newTestServerFull(t, func(c *Config) { c.PageCache = pc })
	const page = "/offerings"
	zw := get(e, page, "Accept-Encoding", "gzip")
	gzOnly := pc.Stats().Bytes
	if zw.Code != http.StatusOK || int64(zw.Body.Len()) >= gzOnly || gzOnly > int64(zw.Body.Len())+2000 {
		t.Fatalf("after a gzip client: %d bytes held for a %d-byte gzipped page, want about that page only", gzOnly, zw.Body.Len())
	}
	plain := get(e, page)
	withIdentity := pc.Stats().Bytes
	if withIdentity-gzOnly < int64(plain.Body.Len()) {
		t.Errorf("after an identity client: %d more bytes held, want the %d-byte page", withIdentity-gzOnly, plain.Body.Len())
	}
	zr, err := gzip.NewReader(zw.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, zr), plain.Body.Bytes()) {
		t.Errorf("the identity page differs from the gzipped one")
	}
	checkCachedHeaders(t, plain, false)
	if again := get(e, page); !bytes.Equal(again.Body.Bytes(), plain.Body.Bytes()) || pc.Stats().Bytes != withIdentity || pc.Stats().Misses != 1 {
		t.Errorf("a second identity client: got %d bytes held (want %d), %d renders (want 1)", pc.Stats().Bytes, withIdentity, pc.Stats().Misses)
	}
}
