package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/store"
)

const (
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	safariIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
	edgeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)

// browser returns a client with a User-Agent and an address.
func (env *authEnv) browser(ua, peer string) *authClient {
	cl := env.client()
	cl.header.Set("User-Agent", ua)
	cl.peer = peer
	return cl
}

func TestAccountSessions(t *testing.T) {
	env := newAuthEnv(t)
	laptop := env.browser(firefoxLinux, "198.51.100.20")
	laptop.signIn("buyer")
	phone := env.browser(safariIPhone, "203.0.113.45")
	phone.signIn("buyer")
	someoneElse := env.browser(edgeOnWindows, "192.0.2.200")
	someoneElse.signIn("reviewer")

	w := laptop.do("GET", "/account/sessions", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /account/sessions: %d", w.Code)
	}
	d := authDoc(t, w)
	got := texts(d.Find(".session__device"))
	if strings.Join(got, "|") != "Firefox on Linux This browser|Safari on iPhone" {
		t.Fatalf("sessions %q, want this browser first, then the phone; never another person's", got)
	}
	if page := text(d.Find("main")); !strings.Contains(page, "198.51.100.20") || !strings.Contains(page, "203.0.113.45") || strings.Contains(page, "192.0.2.200") {
		t.Fatalf("addresses on the page: %s", page)
	}
	if d.Find(`form[action="/account/sessions/end-others"] button`).Length() != 1 {
		t.Fatal("no 'Sign out everywhere else' button")
	}

	w = laptop.do("POST", "/account/sessions/end-others", url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account/sessions" {
		t.Fatalf("end others: %d %q, want 303 /account/sessions", w.Code, w.Header().Get("Location"))
	}
	d = authDoc(t, laptop.do("GET", "/account/sessions", nil))
	if flash := text(d.Find(".notification--success")); !strings.Contains(flash, "signed out of 1 other sign-in") {
		t.Fatalf("flash %q", flash)
	}
	if n := d.Find(".session").Length(); n != 1 || !strings.Contains(text(d.Find("main")), "not signed in anywhere else") {
		t.Fatalf("%d sessions left, want this one only", n)
	}
	if w := phone.do("GET", "/baskets", nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("the phone after 'sign out everywhere else': %d, want 303 to sign in", w.Code)
	}
	if w := someoneElse.do("GET", "/account/sessions", nil); w.Code != http.StatusOK {
		t.Fatalf("another person's session was ended: %d", w.Code)
	}
	p, err := env.db.SecurityEvents(context.Background(), store.Operator(), store.SecurityFilter{Kind: store.SecSessionsEnded})
	if err != nil || p.Total != 1 || p.Events[0].UserID != env.users["buyer"].ID || p.Events[0].Device != "Firefox on Linux" {
		t.Fatalf("security log: %+v, %v; want one sessions_ended row for the buyer from Firefox", p.Events, err)
	}
}

func TestAdminSecurityLog(t *testing.T) {
	env := newAuthEnv(t)
	ctx := context.Background()
	// An account whose name is markup, signing in; a failure for an address
	// with no account; a locked account.
	if _, err := env.db.CreateUser(ctx, store.Operator(), store.NewUser{Name: `<script>alert("x")</script>`, Email: "markup@testshire.example",
		OrgID: env.orgs["north"].ID, Role: store.RoleBuyer, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	marked := env.browser(firefoxLinux, "198.51.100.31")
	marked.do("GET", "/login", nil)
	if w := marked.do("POST", "/login", url.Values{"email": {"markup@testshire.example"}, "password": {testPassword}}); w.Code != http.StatusSeeOther {
		t.Fatalf("sign in: %d", w.Code)
	}
	stranger := env.browser(edgeOnWindows, "203.0.113.66")
	stranger.do("GET", "/login", nil)
	stranger.do("POST", "/login", url.Values{"email": {"ghost@nowhere.example"}, "password": {"anything at all"}})
	for range store.LockThreshold {
		stranger.do("POST", "/login", url.Values{"email": {env.users["supplier"].Email}, "password": {"wrong password!"}})
	}

	admin := env.client()
	admin.signIn("admin")
	rows := func(t *testing.T, query string) []string {
		t.Helper()
		w := admin.do("GET", "/admin/security"+query, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET /admin/security%s: %d", query, w.Code)
		}
		d := authDoc(t, w)
		if strings.Contains(w.Body.String(), `<script>alert("x")`) {
			t.Fatal("an account name came back unescaped")
		}
		return texts(d.Find(".log-table tbody tr td:nth-child(2)"))
	}
	t.Run("newest first, every kind", func(t *testing.T) {
		got := rows(t, "")
		want := []string{"Signed in" /* the admin */, "Holder told of guessing", "Account locked", "Sign-in failed"}
		if len(got) < len(want) || strings.Join(got[:4], "|") != strings.Join(want, "|") {
			t.Fatalf("events %q, want them to start %q", got, want)
		}
	})
	t.Run("by kind", func(t *testing.T) {
		if got := rows(t, "?kind="+store.SecAccountLocked); strings.Join(got, "|") != "Account locked" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("by an address with no account", func(t *testing.T) {
		w := admin.do("GET", "/admin/security?email="+url.QueryEscape("Ghost@Nowhere.example"), nil)
		d := authDoc(t, w)
		if got := texts(d.Find(".log-table tbody tr")); len(got) != 1 || !strings.Contains(got[0], "No account has this address") || !strings.Contains(got[0], "Edge on Windows") || !strings.Contains(got[0], "203.0.113.66") {
			t.Fatalf("rows %q", got)
		}
		if strings.Contains(text(d.Find(".log-table")), "ghost") {
			t.Fatal("the log shows the address typed")
		}
	})
	t.Run("by network address", func(t *testing.T) {
		got := rows(t, "?ip=198.51.100.31")
		if strings.Join(got, "|") != "Signed in" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("bad filters: 400 with the errors linked to their fields", func(t *testing.T) {
		w := admin.do("GET", "/admin/security?from=2026-02-30&kind=nope", nil)
		if w.Code != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", w.Code)
		}
		checkErrorSummary(t, authDoc(t, w), "kind", "Choose an event")
	})
	t.Run("a page past the end is 404", func(t *testing.T) {
		if w := admin.do("GET", "/admin/security?page=99", nil); w.Code != http.StatusNotFound {
			t.Fatalf("status %d, want 404", w.Code)
		}
	})
}
