package handlers

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
)

func TestCSRF(t *testing.T) {
	env := newAuthEnv(t)
	tests := []struct {
		name     string
		form     url.Values
		fetch    string // Sec-Fetch-Site
		wantCode int
	}{
		{"missing token", url.Values{"_csrf": nil}, "", http.StatusForbidden},
		{"empty token", url.Values{"_csrf": {""}}, "", http.StatusForbidden},
		{"wrong token", url.Values{"_csrf": {"not-the-token"}}, "", http.StatusForbidden},
		{"missing token even when the browser says same-origin", url.Values{"_csrf": nil}, "same-origin", http.StatusForbidden},
		{"cross-site POST with a valid token", url.Values{}, "cross-site", http.StatusForbidden},
		{"same-site (sibling subdomain) POST with a valid token", url.Values{}, "same-site", http.StatusForbidden},
		{"valid token", url.Values{}, "", http.StatusSeeOther},
		{"valid token, same-origin", url.Values{}, "same-origin", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := env.client()
			cl.signIn("buyer")
			if tt.fetch != "" {
				cl.header.Set("Sec-Fetch-Site", tt.fetch)
			}
			form := tt.form
			if v, ok := form["_csrf"]; ok && v == nil {
				// no _csrf key: do() would add the right token, so send the
				// request by hand without it
				r := httptest.NewRequest("POST", "/logout", strings.NewReader(""))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if tt.fetch != "" {
					r.Header.Set("Sec-Fetch-Site", tt.fetch)
				}
				for _, c := range cl.jar {
					r.AddCookie(c)
				}
				w := httptest.NewRecorder()
				env.e.ServeHTTP(w, r)
				checkCSRFAnswer(t, w, tt.wantCode)
				return
			}
			w := cl.do("POST", "/logout", form)
			checkCSRFAnswer(t, w, tt.wantCode)
		})
	}
	t.Run("a planted CSRF cookie does not stand in for the session's token", func(t *testing.T) {
		cl := env.client()
		cl.signIn("buyer")
		r := httptest.NewRequest("POST", "/baskets", strings.NewReader("_csrf=planted&name=Forged"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cl.jar {
			r.AddCookie(c)
		}
		for _, name := range []string{"_csrf", signinCSRFCookie} {
			r.AddCookie(&http.Cookie{Name: name, Value: "planted"})
		}
		w := httptest.NewRecorder()
		env.e.ServeHTTP(w, r)
		checkCSRFAnswer(t, w, http.StatusForbidden)
	})
	// Issue 14, defect 3: Echo's double-submit cookie accepted any value.
	t.Run("a visitor's sign-in needs a token the server made", func(t *testing.T) {
		signed := env.client()
		signed.do("GET", "/login", nil)
		genuine := signed.jar[signinCSRFCookie].Value
		for _, tt := range []struct {
			name, cookie, field string
		}{
			{"cookie and field the same made-up value", "attacker", "attacker"},
			{"a made-up cookie with the form's token", "attacker", signed.csrf},
			{"the server's cookie with a made-up token", genuine, "attacker"},
			{"the server's cookie with its signed value as the token", genuine, genuine},
		} {
			r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"_csrf": {tt.field}, "email": {env.users["buyer"].Email}, "password": {testPassword}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// Both names: the cookie the portal signs now, and Echo's
			// double-submit cookie of before, the exact attack in the issue.
			r.AddCookie(&http.Cookie{Name: signinCSRFCookie, Value: tt.cookie})
			r.AddCookie(&http.Cookie{Name: "_csrf", Value: tt.cookie})
			w := httptest.NewRecorder()
			env.e.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden || authSetCookie(w, sessionCookie) != nil {
				t.Errorf("%s: status %d, want 403 and no session", tt.name, w.Code)
			}
		}
		if w := signed.do("POST", "/login?_csrf="+url.QueryEscape(signed.csrf), url.Values{"_csrf": {""}, "email": {env.users["buyer"].Email}, "password": {testPassword}}); w.Code != http.StatusForbidden {
			t.Errorf("token in the query string: status %d, want 403 (the body only counts)", w.Code)
		}
		if w := signed.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}}); w.Code != http.StatusSeeOther {
			t.Errorf("the server's cookie and token: status %d, want 303", w.Code)
		}
	})
	t.Run("sign-in form needs the token too", func(t *testing.T) {
		cl := env.client()
		w := cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}})
		checkCSRFAnswer(t, w, http.StatusForbidden)
	})
	t.Run("admin forms need the token", func(t *testing.T) {
		cl := env.client()
		cl.signIn("admin")
		w := cl.do("POST", "/admin/organisations", url.Values{"_csrf": {"forged"}, "name": {"Evil Council"}, "type": {store.OrgOther}})
		checkCSRFAnswer(t, w, http.StatusForbidden)
		if _, err := env.db.OrganisationByName(t.Context(), "Evil Council"); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("the forged POST created an organisation (err %v)", err)
		}
	})
}

func checkCSRFAnswer(t *testing.T, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("status %d, want %d\n%s", w.Code, want, w.Body)
	}
	if want == http.StatusForbidden {
		d := authDoc(t, w)
		if d.Find("h1").Text() != "You cannot do that" || !strings.Contains(d.Find("main").Text(), "reload the page") {
			t.Fatalf("403 page is not the friendly one: %q", d.Find("main").Text())
		}
	}
}

// catalogueRequests are the anonymous pages the lead caches whole.
func catalogueRequests() []string {
	return []string{
		"/", "/offerings", "/offerings?q=sim", "/offerings.csv", "/compare",
		"/compare?id=" + "x&id=y", "/agreements/" + store.DemoAgreementMoU, "/healthz", "/help/cookies",
	}
}

func TestAnonymousPagesSetNoCookie(t *testing.T) {
	env := newAuthEnv(t)
	offs, err := env.db.AgreementOfferings(t.Context(), mustAgreementID(t, env))
	if err != nil || len(offs) == 0 {
		t.Fatalf("offerings: %v", err)
	}
	paths := append(catalogueRequests(), "/offerings/"+offs[0].Slug, "/static/app.css", "/no-such-page")
	for _, p := range paths {
		cl := env.client()
		w := cl.do("GET", p, nil)
		if w.Code >= 500 {
			t.Errorf("GET %s: %d", p, w.Code)
		}
		if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("GET %s set cookies %v; anonymous catalogue pages must not", p, sc)
		}
		if strings.Contains(w.Body.String(), `name="_csrf"`) {
			t.Errorf("GET %s carries a CSRF token for a visitor", p)
		}
	}
	t.Run("GET /login sets the CSRF cookie for /login only, so catalogue pages stay cookie-free", func(t *testing.T) {
		cl := env.client()
		w := cl.do("GET", "/login", nil)
		if c := authSetCookie(w, signinCSRFCookie); c == nil || c.Path != "/login" {
			t.Fatalf("CSRF cookie on /login: %+v, want one with Path=/login", c)
		}
		for _, p := range catalogueRequests() {
			if got := cl.cookiesFor(strings.SplitN(p, "?", 2)[0]); len(got) != 0 {
				t.Errorf("GET %s after /login would carry cookies %v", p, got)
			}
			if sc := cl.do("GET", p, nil).Header().Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("GET %s after /login set cookies %v", p, sc)
			}
		}
	})
	t.Run("signed-in pages carry the session's token, and no CSRF cookie", func(t *testing.T) {
		cl := env.client()
		cl.signIn("buyer")
		w := cl.do("GET", "/offerings", nil)
		tok, _ := authDoc(t, w).Find(`form[action="/logout"] input[name="_csrf"]`).Attr("value")
		if tok == "" {
			t.Fatal("sign-out form has no token")
		}
		for _, c := range cl.cookiesFor("/offerings") {
			if c.Name != sessionCookie {
				t.Errorf("signed-in pages carry cookie %s, want the session cookie only", c.Name)
			}
		}
		if w := cl.do("POST", "/logout", url.Values{"_csrf": {tok}}); w.Code != http.StatusSeeOther {
			t.Fatalf("sign out with the page's token: status %d, want 303", w.Code)
		}
	})
	t.Run("a stale session cookie is dropped and the page is anonymous", func(t *testing.T) {
		cl := env.client()
		cl.jar[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "stale"}
		w := cl.do("GET", "/offerings", nil)
		if c := authSetCookie(w, sessionCookie); c == nil || c.MaxAge >= 0 {
			t.Fatalf("stale cookie not expired: %+v", c)
		}
		if strings.Contains(w.Body.String(), `name="_csrf"`) {
			t.Fatal("stale cookie made the page carry a token")
		}
	})
}

func mustAgreementID(t *testing.T, env *authEnv) int64 {
	t.Helper()
	a, err := env.db.Agreement(t.Context(), store.DemoAgreementMoU)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	env := newAuthEnv(t)
	anon := env.client()
	admin := env.client()
	admin.signIn("admin")
	type req struct {
		cl     *authClient
		method string
		path   string
		form   url.Values
	}
	var reqs []req
	for _, p := range append(catalogueRequests(), "/static/app.css", "/no-such-page", "/login", "/admin") {
		reqs = append(reqs, req{anon, "GET", p, nil})
	}
	for _, r := range protectedRoutes {
		reqs = append(reqs, req{admin, r.method, r.expand(t, env, env.users["admin"]), r.form})
	}
	reqs = append(reqs,
		req{anon, "POST", "/login", url.Values{"email": {"x@y.example"}, "password": {"wrong"}}},
		req{anon, "POST", "/logout", url.Values{"_csrf": {"bad"}}},
	)
	for _, r := range reqs {
		if r.path == "/logout" && r.cl == admin {
			continue // would sign the admin out for the rest of the list
		}
		w := r.cl.do(r.method, r.path, r.form)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s %s (%d): CSP %q lacks %q", r.method, r.path, w.Code, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "nonce-") {
			t.Errorf("%s %s: CSP allows inline script: %q", r.method, r.path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s %s: nosniff %q, referrer %q", r.method, r.path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s %s: HSTS over plain HTTP", r.method, r.path)
		}
		if strings.Contains(w.Body.String(), "<script>") {
			t.Errorf("%s %s: inline script in the page", r.method, r.path)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.do("GET", "/login", nil)
	w := cl.do("POST", "/login", url.Values{"email": {strings.Repeat("a", 2<<20)}, "password": {"x"}})
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB sign-in form: status %d, want 413", w.Code)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("413 page: CSP %q, want the portal's policy", csp)
	}
}

func TestSignedInPagesAreNotStored(t *testing.T) {
	env := newAuthEnv(t)
	anon := env.client()
	if got := anon.do("GET", "/offerings", nil).Header().Get("Cache-Control"); got == "no-store" {
		t.Errorf("anonymous catalogue: Cache-Control %q, want it cacheable", got)
	}
	buyer := env.client()
	buyer.signIn("buyer")
	for _, path := range []string{"/baskets", "/offerings", "/"} {
		if got := buyer.do("GET", path, nil).Header().Get("Cache-Control"); got != "private, no-store" {
			t.Errorf("signed-in %s: Cache-Control %q, want private, no-store", path, got)
		}
	}
}

func TestLoginThrottle(t *testing.T) {
	env := newAuthEnv(t, func(c *Config) { c.LoginBurst = 3; c.LoginEvery = time.Hour })
	attempt := func(cl *authClient) int {
		return cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {"wrong password!"}}).Code
	}
	cl := env.client()
	cl.do("GET", "/login", nil)
	for i := range 3 {
		if got := attempt(cl); got != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d, want 422", i+1, got)
		}
	}
	if got := attempt(cl); got != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d, want 429", got)
	}
	t.Run("the throttle holds even for the right password", func(t *testing.T) {
		w := cl.do("POST", "/login", url.Values{"email": {env.users["buyer2"].Email}, "password": {testPassword}})
		if w.Code != http.StatusTooManyRequests || authSetCookie(w, sessionCookie) != nil {
			t.Fatalf("status %d, want 429 and no session", w.Code)
		}
	})
	t.Run("the security log has one row per burst of refusals, not one per refusal", func(t *testing.T) {
		p, err := env.db.SecurityEvents(t.Context(), store.Operator(), store.SecurityFilter{Kind: store.SecThrottled})
		if err != nil || p.Total != 1 || p.Events[0].IP != cl.peer {
			t.Fatalf("throttle rows %+v, %v; want one for %s", p.Events, err, cl.peer)
		}
	})
	t.Run("a changing X-Forwarded-For from an untrusted peer does not reset it", func(t *testing.T) {
		for i := range 5 {
			cl.header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
			cl.header.Set("X-Real-IP", "203.0.113."+strconv.Itoa(i+1))
			if got := attempt(cl); got != http.StatusTooManyRequests {
				t.Fatalf("with X-Forwarded-For 203.0.113.%d: %d, want 429", i+1, got)
			}
		}
	})
	t.Run("another address has its own allowance", func(t *testing.T) {
		other := env.client()
		other.peer = "198.51.100.7"
		other.do("GET", "/login", nil)
		if got := attempt(other); got != http.StatusUnprocessableEntity {
			t.Fatalf("other address: %d, want 422", got)
		}
	})
	t.Run("IPv6 addresses in one /64 share a bucket", func(t *testing.T) {
		v6 := env.client()
		v6.do("GET", "/login", nil)
		for i := range 4 {
			v6.peer = "[2001:db8:1:2::" + strconv.Itoa(i+1) + "]"
			got := attempt(v6)
			want := http.StatusUnprocessableEntity
			if i == 3 {
				want = http.StatusTooManyRequests
			}
			if got != want {
				t.Fatalf("IPv6 attempt %d: %d, want %d", i+1, got, want)
			}
		}
	})
}

func TestLoginThrottleBehindTrustedProxy(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.1.0.0/16")
	env := newAuthEnv(t, func(c *Config) {
		c.LoginBurst = 2
		c.LoginEvery = time.Hour
		c.TrustedProxies = []*net.IPNet{proxies}
	})
	attempt := func(cl *authClient) int {
		return cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {"wrong password!"}}).Code
	}
	viaProxy := func(client string) *authClient {
		cl := env.client()
		cl.peer = "10.1.2.3"
		cl.header.Set("X-Forwarded-For", client)
		cl.do("GET", "/login", nil)
		return cl
	}
	a := viaProxy("203.0.113.1")
	attempt(a)
	attempt(a)
	if got := attempt(a); got != http.StatusTooManyRequests {
		t.Fatalf("client A's 3rd attempt via the proxy: %d, want 429", got)
	}
	if got := attempt(viaProxy("203.0.113.2")); got != http.StatusUnprocessableEntity {
		t.Fatalf("client B via the proxy: %d, want 422 (its own bucket)", got)
	}
	t.Run("a peer outside the trusted range cannot choose its address", func(t *testing.T) {
		cl := env.client()
		cl.peer = "192.0.2.99"
		cl.do("GET", "/login", nil)
		for i := range 3 {
			cl.header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(50+i))
			got := attempt(cl)
			if i == 2 && got != http.StatusTooManyRequests {
				t.Fatalf("3rd attempt with a new X-Forwarded-For: %d, want 429", got)
			}
		}
	})
}

func TestIPExtractor(t *testing.T) {
	_, proxies, _ := net.ParseCIDR("10.1.0.0/16")
	tests := []struct {
		name    string
		trusted []*net.IPNet
		remote  string
		xff     string
		want    string
	}{
		{"direct ignores X-Forwarded-For", nil, "192.0.2.1:1234", "203.0.113.9", "192.0.2.1"},
		{"direct ignores it from loopback too", nil, "127.0.0.1:1234", "203.0.113.9", "127.0.0.1"},
		{"trusted proxy passes the client on", []*net.IPNet{proxies}, "10.1.0.5:1234", "203.0.113.9", "203.0.113.9"},
		{"untrusted peer is itself", []*net.IPNet{proxies}, "192.0.2.1:1234", "203.0.113.9", "192.0.2.1"},
		{"loopback is not trusted by default", []*net.IPNet{proxies}, "127.0.0.1:1234", "203.0.113.9", "127.0.0.1"},
		{"private ranges are not trusted by default", []*net.IPNet{proxies}, "192.168.1.1:1234", "203.0.113.9", "192.168.1.1"},
		{"a spoofed hop before the proxy is skipped", []*net.IPNet{proxies}, "10.1.0.5:1234", "1.2.3.4, 203.0.113.9", "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set(echo.HeaderXForwardedFor, tt.xff)
			r.Header.Set(echo.HeaderXRealIP, "198.51.100.1")
			if got := ipExtractor(tt.trusted)(r); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPasswordsNeverLogged(t *testing.T) {
	env := newAuthEnv(t)
	const secret = "a-very-secret-passphrase-42"
	admin := env.client()
	admin.signIn("admin")
	// Create an account with the secret through the admin form...
	w := admin.do("POST", "/admin/users", url.Values{"name": {"Log Test"}, "email": {"log@testshire.example"},
		"org": {strconv.FormatInt(env.orgs["north"].ID, 10)}, "role": {store.RoleBuyer}, "password": {secret}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create user: %d", w.Code)
	}
	// ...sign in with it, fail with it on another account, and fail the form.
	cl := env.client()
	cl.do("GET", "/login", nil)
	if w := cl.do("POST", "/login", url.Values{"email": {"log@testshire.example"}, "password": {secret}}); w.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", w.Code)
	}
	other := env.client()
	other.do("GET", "/login", nil)
	other.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {secret}})
	other.do("POST", "/login", url.Values{"email": {"nobody@example.com"}, "password": {secret}})
	admin.do("POST", "/admin/users", url.Values{"name": {""}, "password": {secret}})

	logs := env.logs.String()
	for _, want := range []string{`"msg":"signed in"`, `"msg":"sign-in failed"`, `"msg":"user created"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("log lacks %s, so this test would prove nothing:\n%s", want, logs)
		}
	}
	for _, bad := range []string{secret, testPassword, "$argon2id", "argon2id$"} {
		if strings.Contains(logs, bad) {
			t.Fatalf("log contains %q:\n%s", bad, logs)
		}
	}
}
