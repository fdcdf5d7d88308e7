package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"portal/store"
)

func TestLoginPage(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	w := cl.do("GET", "/login?next=/admin/users", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /login: status %d, want 200", w.Code)
	}
	d := authDoc(t, w)
	csrf := authSetCookie(w, signinCSRFCookie)
	if csrf == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Path != "/login" {
		t.Fatalf("GET /login: CSRF cookie %+v, want HttpOnly SameSite=Strict Path=/login", csrf)
	}
	if got, _ := d.Find(`form[action="/login"] input[name="_csrf"]`).Attr("value"); got == "" || got == csrf.Value {
		t.Fatalf("form _csrf = %q, want a token, and the cookie %q to hold it signed", got, csrf.Value)
	}
	if got := w.Header().Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("GET /login: Cache-Control %q, want private, no-store (the page is per browser, and sets a cookie)", got)
	}
	if got, _ := d.Find(`form[action="/login"] input[name="next"]`).Attr("value"); got != "/admin/users" {
		t.Fatalf("form next = %q, want /admin/users", got)
	}
	if authSetCookie(w, sessionCookie) != nil {
		t.Fatal("GET /login set a session cookie; visitors get no session")
	}
	for _, sel := range []string{`input#email[type="email"][name="email"][autocomplete="username"]`, `input#password[type="password"][name="password"][autocomplete="current-password"]`, `label[for="email"]`, `label[for="password"]`} {
		if d.Find(sel).Length() != 1 {
			t.Errorf("missing %s", sel)
		}
	}
	if title := d.Find("title").Text(); !strings.HasPrefix(title, "Sign in – ") {
		t.Errorf("title %q", title)
	}
	t.Run("unsafe next is dropped", func(t *testing.T) {
		w := cl.do("GET", "/login?next="+url.QueryEscape("//evil.example"), nil)
		if authDoc(t, w).Find(`input[name="next"]`).Length() != 0 {
			t.Fatal("the form carries an unsafe next")
		}
	})
}

func TestLoginSucceeds(t *testing.T) {
	env := newAuthEnv(t)
	tests := []struct {
		name, next, wantLocation string
	}{
		{"home by default", "", "/"},
		{"back to the page asked for", "/admin/users", "/admin/users"},
		{"with its query", "/offerings?q=sim&page=2", "/offerings?q=sim&page=2"},
		{"not to another host", "//evil.example", "/"},
		{"not to an absolute URL", "https://evil.example/", "/"},
		{"not through a backslash", `/\evil.example`, "/"},
		{"not to a scheme", "javascript:alert(1)", "/"},
		{"not through a tab", "/\t/evil.example", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := env.client()
			cl.do("GET", "/login", nil)
			w := cl.do("POST", "/login", url.Values{"email": {"ADMIN@test-portal.example "}, "password": {testPassword}, "next": {tt.next}})
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tt.wantLocation {
				t.Fatalf("got %d Location %q, want 303 %q", w.Code, w.Header().Get("Location"), tt.wantLocation)
			}
			c := authSetCookie(w, sessionCookie)
			if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
			}
			page := cl.do("GET", "/admin", nil)
			if page.Code != http.StatusOK || !strings.Contains(authDoc(t, page).Find(".header__who").Text(), "Ada Admin") {
				t.Fatalf("signed-in page: status %d, header %q", page.Code, authDoc(t, page).Find(".header__who").Text())
			}
		})
	}
	t.Run("a signed-in visit to /login goes on to next", func(t *testing.T) {
		cl := env.client()
		cl.signIn("buyer")
		w := cl.do("GET", "/login?next=/offerings", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/offerings" {
			t.Fatalf("got %d %q, want 303 /offerings", w.Code, w.Header().Get("Location"))
		}
	})
}

func TestLoginFails(t *testing.T) {
	env := newAuthEnv(t)
	ctx := context.Background()
	if _, err := env.db.SetUserActive(ctx, store.Operator(), env.users["reviewer"].ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.SetOrganisationActive(ctx, store.Operator(), env.orgs["east"].ID, false); err != nil {
		t.Fatal(err)
	}
	// Lock the supplier account.
	lock := env.client()
	lock.do("GET", "/login", nil)
	for range store.LockThreshold {
		lock.do("POST", "/login", url.Values{"email": {env.users["supplier"].Email}, "password": {"wrong password!"}})
	}
	generic := []string{"email"}
	tests := []struct {
		name, email, password string
		wantFields            []string
		wantMessage           string
	}{
		{"wrong password", env.users["buyer"].Email, "wrong password!", generic, store.SignInFailed},
		{"unknown email", "nobody@testshire.example", testPassword, generic, store.SignInFailed},
		{"locked account, right password", env.users["supplier"].Email, testPassword, generic, store.SignInFailed},
		{"disabled account", env.users["reviewer"].Email, testPassword, generic, store.SignInFailed},
		{"disabled organisation", env.users["buyer2"].Email, testPassword, generic, store.SignInFailed},
		{"nothing entered", "", "", []string{"email", "password"}, "Enter your email address"},
		{"no password", env.users["buyer"].Email, "", []string{"password"}, "Enter your password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := env.client()
			cl.do("GET", "/login", nil)
			w := cl.do("POST", "/login", url.Values{"email": {tt.email}, "password": {tt.password}, "next": {"/admin"}})
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", w.Code)
			}
			if authSetCookie(w, sessionCookie) != nil {
				t.Fatal("a failed sign-in set a session cookie")
			}
			d := authDoc(t, w)
			if title := d.Find("title").Text(); !strings.HasPrefix(title, "Error: Sign in") {
				t.Errorf("title %q, want it to start with Error:", title)
			}
			var links []string
			d.Find(".error-summary a").Each(func(_ int, s *goquery.Selection) {
				href, _ := s.Attr("href")
				links = append(links, strings.TrimPrefix(href, "#"))
			})
			if strings.Join(links, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("error summary links to %v, want %v", links, tt.wantFields)
			}
			if got := d.Find(".error-summary a").First().Text(); got != tt.wantMessage {
				t.Fatalf("message %q, want %q", got, tt.wantMessage)
			}
			if f := tt.wantFields[0]; d.Find("#"+f+`[aria-invalid="true"][aria-describedby="`+f+`-error"]`).Length() != 1 {
				t.Errorf("field %s is not marked invalid and described by its error", f)
			}
			if got, _ := d.Find("#email").Attr("value"); got != strings.TrimSpace(tt.email) {
				t.Errorf("email kept as %q, want %q", got, tt.email)
			}
			if got, ok := d.Find("#password").Attr("value"); ok && got != "" {
				t.Errorf("the password was echoed back: %q", got)
			}
			if got, _ := d.Find(`input[name="next"]`).Attr("value"); got != "/admin" {
				t.Errorf("next kept as %q, want /admin", got)
			}
		})
	}
	t.Run("an entered email is escaped", func(t *testing.T) {
		cl := env.client()
		cl.do("GET", "/login", nil)
		w := cl.do("POST", "/login", url.Values{"email": {`"><script>alert(1)</script>`}, "password": {"x"}})
		if strings.Contains(w.Body.String(), "<script>alert(1)") {
			t.Fatal("the email came back unescaped")
		}
	})
}

func TestLockoutOverHTTP(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.do("GET", "/login", nil)
	email := env.users["buyer"].Email
	var bodies []string
	for range store.LockThreshold {
		w := cl.do("POST", "/login", url.Values{"email": {email}, "password": {"wrong password!"}})
		if w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("failure: status %d, want 422", w.Code)
		}
		bodies = append(bodies, authDoc(t, w).Find(".error-summary").Text())
	}
	w := cl.do("POST", "/login", url.Values{"email": {email}, "password": {testPassword}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("right password while locked: status %d, want 422 (only the address throttle answers 429)", w.Code)
	}
	if got := authDoc(t, w).Find(".error-summary").Text(); got != bodies[0] {
		t.Fatalf("locked message %q differs from the wrong-password one %q", got, bodies[0])
	}
}

// TestStrangersCannotLockTheHolderOut is issue 14's defect 1: after seven
// wrong guesses from other addresses, the account holder signs in from the
// browser they used before, while a new browser is refused.
func TestStrangersCannotLockTheHolderOut(t *testing.T) {
	env := newAuthEnv(t)
	email := env.users["reviewer"].Email
	holder := env.client()
	holder.signIn("reviewer")
	if dc := holder.jar[deviceCookie]; dc == nil || dc.Path != "/login" || !dc.HttpOnly || dc.SameSite != http.SameSiteStrictMode || dc.MaxAge < 300*24*3600 {
		t.Fatalf("device cookie %+v, want HttpOnly SameSite=Strict Path=/login kept for most of a year", dc)
	}
	if w := holder.do("POST", "/logout", url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", w.Code)
	}
	if holder.jar[deviceCookie] == nil {
		t.Fatal("signing out dropped the device cookie")
	}
	for i := range 7 {
		stranger := env.client()
		stranger.peer = "203.0.113." + strconv.Itoa(10+i)
		stranger.do("GET", "/login", nil)
		if w := stranger.do("POST", "/login", url.Values{"email": {email}, "password": {"guess number " + strconv.Itoa(i)}}); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: status %d, want 422", i+1, w.Code)
		}
	}
	newBrowser := env.client()
	newBrowser.do("GET", "/login", nil)
	if w := newBrowser.do("POST", "/login", url.Values{"email": {email}, "password": {testPassword}}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("the right password from a new browser while locked: %d, want 422", w.Code)
	}
	holder.do("GET", "/login", nil)
	w := holder.do("POST", "/login", url.Values{"email": {email}, "password": {testPassword}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("the holder's own browser: status %d, want 303\n%s", w.Code, w.Body)
	}
	if c := authSetCookie(w, deviceCookie); c == nil {
		t.Fatal("a successful sign-in did not renew the device cookie")
	}
	t.Run("a device cookie the server did not sign is no exemption", func(t *testing.T) {
		forged := env.client()
		forged.do("GET", "/login", nil)
		forged.jar[deviceCookie] = &http.Cookie{Name: deviceCookie, Value: "made-up", Path: "/login"}
		if w := forged.do("POST", "/login", url.Values{"email": {email}, "password": {testPassword}}); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("forged device cookie: %d, want 422", w.Code)
		}
	})
	t.Run("the failures are logged by HMAC, never by the address typed", func(t *testing.T) {
		logs := env.logs.String()
		if !strings.Contains(logs, `"account":"`+env.db.AccountTag(email)+`"`) {
			t.Fatalf("no sign-in failure names the account by its tag:\n%s", logs)
		}
		if strings.Contains(logs, email) {
			t.Fatalf("the log holds the email address:\n%s", logs)
		}
	})
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	env := newAuthEnv(t)
	t.Run("a planted cookie is replaced", func(t *testing.T) {
		cl := env.client()
		cl.jar[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "planted-by-attacker"}
		cl.signIn("buyer")
		if cl.jar[sessionCookie].Value == "planted-by-attacker" {
			t.Fatal("session id not replaced at sign-in")
		}
	})
	t.Run("signing in again gives a new id and ends the old session", func(t *testing.T) {
		cl := env.client()
		cl.signIn("buyer")
		old := *cl.jar[sessionCookie]
		oldCSRF := cl.csrf
		cl.signIn("admin")
		if cl.jar[sessionCookie].Value == old.Value {
			t.Fatal("session id unchanged at a second sign-in")
		}
		cl.do("GET", "/admin", nil)
		if cl.csrf == oldCSRF || cl.csrf == "" {
			t.Fatal("CSRF token unchanged at sign-in")
		}
		if w := cl.do("POST", "/logout", url.Values{"_csrf": {oldCSRF}}); w.Code != http.StatusForbidden {
			t.Fatalf("the previous session's token: status %d, want 403", w.Code)
		}
		replay := env.client()
		replay.jar[sessionCookie] = &old
		w := replay.do("GET", "/organisations/"+strconv.FormatInt(env.orgs["north"].ID, 10), nil)
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
			t.Fatalf("old session id still works: status %d", w.Code)
		}
	})
}

func TestSignOutEndsSessionOnServer(t *testing.T) {
	env := newAuthEnv(t)
	cl := env.client()
	cl.signIn("admin")
	old := *cl.jar[sessionCookie]
	w := cl.do("POST", "/logout", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("POST /logout: %d %q, want 303 /", w.Code, w.Header().Get("Location"))
	}
	if c := authSetCookie(w, sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Fatalf("POST /logout did not expire the cookie: %+v", c)
	}
	replay := env.client()
	replay.jar[sessionCookie] = &old
	if w := replay.do("GET", "/admin", nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fadmin" {
		t.Fatalf("old cookie after sign-out: %d %q, want 303 /login?next=%%2Fadmin", w.Code, w.Header().Get("Location"))
	}
}

func TestDisablingEndsSessions(t *testing.T) {
	env := newAuthEnv(t)
	buyer := env.client()
	buyer.signIn("buyer")
	own := "/organisations/" + strconv.FormatInt(env.orgs["north"].ID, 10)
	if w := buyer.do("GET", own, nil); w.Code != http.StatusOK {
		t.Fatalf("before: %d", w.Code)
	}
	admin := env.client()
	admin.signIn("admin")
	w := admin.do("POST", "/admin/users/"+strconv.FormatInt(env.users["buyer"].ID, 10)+"/disable", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/admin/users" {
		t.Fatalf("disable: %d %q, want 303 /admin/users", w.Code, w.Header().Get("Location"))
	}
	list := authDoc(t, admin.do("GET", "/admin/users", nil))
	if got := list.Find(".notification--success").Text(); !strings.Contains(got, "Bea Buyer’s account is disabled") {
		t.Fatalf("flash %q", got)
	}
	if again := authDoc(t, admin.do("GET", "/admin/users", nil)); again.Find(".notification--success").Length() != 0 {
		t.Fatal("the flash showed twice")
	}
	if w := buyer.do("GET", own, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("disabled user's old cookie: status %d, want 303 to /login", w.Code)
	}
	t.Run("disabling an organisation ends its users' sessions", func(t *testing.T) {
		sup := env.client()
		sup.signIn("supplier")
		w := admin.do("POST", "/admin/organisations/"+strconv.FormatInt(env.orgs["supplier"].ID, 10)+"/disable", url.Values{})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("disable organisation: %d", w.Code)
		}
		if w := sup.do("GET", "/organisations/"+strconv.FormatInt(env.orgs["supplier"].ID, 10), nil); w.Code != http.StatusSeeOther {
			t.Fatalf("supplier after organisation disabled: %d, want 303", w.Code)
		}
	})
}

func TestCookiesSecureOnlyOverHTTPS(t *testing.T) {
	tests := []struct {
		name       string
		secureFlag bool
		https      bool
		xfp        bool
		want       bool
	}{
		{"plain HTTP", false, false, false, false},
		{"plain HTTP claiming X-Forwarded-Proto https", false, false, true, false},
		{"TLS request", false, true, false, true},
		{"-secure-cookies", true, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newAuthEnv(t, func(c *Config) { c.SecureCookies = tt.secureFlag })
			cl := env.client()
			cl.https = tt.https
			cl.proxyTLS = tt.secureFlag
			if tt.xfp {
				cl.header.Set("X-Forwarded-Proto", "https")
			}
			w := cl.do("GET", "/login", nil)
			name := signinCSRFCookie
			if tt.want {
				name = "__Secure-" + name
			}
			if c := authSetCookie(w, name); c == nil || c.Secure != tt.want {
				t.Fatalf("CSRF cookie %s: %+v, want Secure=%v", name, c, tt.want)
			}
			if hsts := w.Header().Get("Strict-Transport-Security"); (hsts != "") != tt.want {
				t.Fatalf("HSTS %q, want present=%v", hsts, tt.want)
			}
			w = cl.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}})
			c := authSetCookie(w, sessionCookie)
			if c == nil || c.Secure != tt.want || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie %+v, want Secure=%v HttpOnly SameSite=Lax", c, tt.want)
			}
			dname := deviceCookie
			if tt.want {
				dname = "__Secure-" + dname
			}
			if d := authSetCookie(w, dname); d == nil || d.Secure != tt.want || d.Path != "/login" {
				t.Fatalf("device cookie %s: %+v, want Secure=%v Path=/login", dname, d, tt.want)
			}
			if gone := authSetCookie(w, name); gone == nil || gone.MaxAge >= 0 {
				t.Fatalf("sign-in form cookie %s not dropped at sign-in: %+v", name, gone)
			}
		})
	}
}
