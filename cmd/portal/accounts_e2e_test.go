package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"portal/store"
)

const e2ePassword = "e2e password long enough"

// addE2EAccounts adds an admin and a buyer, in organisations of their own,
// to a portal's database (withPrepare).
func addE2EAccounts(ctx context.Context, db *store.DB) error {
	op := store.Operator()
	council, err := db.CreateOrganisation(ctx, op, store.NewOrganisation{Name: e2eCouncil, Type: store.OrgCountyCouncil, Identifier: "GB-LAC-E10000002"})
	if err != nil {
		return err
	}
	ccs, err := db.CreateOrganisation(ctx, op, store.NewOrganisation{Name: "E2E Commercial Service", Type: store.OrgCCS, Identifier: "GB-GOR-E2E"})
	if err != nil {
		return err
	}
	for _, u := range []store.NewUser{
		{Name: "Eve Admin", Email: "admin@e2e.example", OrgID: ccs.ID, Role: store.RoleAdmin, Password: e2ePassword},
		{Name: "Ed Buyer", Email: "buyer@e2e.example", OrgID: council.ID, Role: store.RoleBuyer, Password: e2ePassword},
	} {
		if _, err := db.CreateUser(ctx, op, u); err != nil {
			return err
		}
	}
	return nil
}

// e2eCouncil is the organisation of addE2EAccounts' buyer.
const e2eCouncil = "E2E County Council"

// e2eOrg is the buyer's organisation of addE2EAccounts.
func e2eOrg(t *testing.T, p *testPortal) store.Organisation {
	t.Helper()
	o, err := p.db.OrganisationByName(context.Background(), e2eCouncil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// browserSignInOnPage signs in with the sign-in form already shown in the
// tab, by keyboard and click as a person would, and waits for the header
// to name them.
func browserSignInOnPage(t *testing.T, ctx context.Context, email, password string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx,
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.header__who`)),
	); err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
}

// e2eClient keeps cookies and does not follow redirects.
func e2eClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func e2eGet(t *testing.T, c *http.Client, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func e2ePost(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, []byte) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// formToken reads the _csrf value of the form posting to action.
func formToken(t *testing.T, body []byte, action string) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := d.Find(`form[action="` + action + `"] input[name="_csrf"]`).Attr("value")
	if tok == "" {
		t.Fatalf("no _csrf in the form to %s", action)
	}
	return tok
}

func TestAccountsOverHTTP(t *testing.T) {
	s := startPortal(t, withDemo(), withPrepare(addE2EAccounts))
	c := e2eClient(t)
	resp, _ := e2eGet(t, c, s.url+"/admin/users")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fadmin%2Fusers" {
		t.Fatalf("visitor at /admin/users: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := e2eGet(t, c, s.url+"/login?next=%2Fadmin%2Fusers")
	tok := formToken(t, body, "/login")
	resp, _ = e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"admin@e2e.example"}, "password": {"wrong password"}, "next": {"/admin/users"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: %d, want 422", resp.StatusCode)
	}
	resp, _ = e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"admin@e2e.example"}, "password": {e2ePassword}, "next": {"/admin/users"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("sign in: %d %q, want 303 /admin/users", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = e2eGet(t, c, s.url+"/admin/users")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("buyer@e2e.example")) {
		t.Fatalf("admin users: %d", resp.StatusCode)
	}
	resp, _ = e2ePost(t, c, s.url+"/logout", url.Values{"_csrf": {formToken(t, body, "/logout")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := e2eGet(t, c, s.url+"/admin/users"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want 303", resp.StatusCode)
	}
}

func TestDemoAccountsSignIn(t *testing.T) {
	s := startPortal(t, withDemo(), withPrepare(addE2EAccounts))
	for _, a := range store.DemoAccounts {
		c := e2eClient(t)
		_, body := e2eGet(t, c, s.url+"/login")
		resp, _ := e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {formToken(t, body, "/login")}, "email": {a.Email}, "password": {store.DemoPasswordDefault}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d, want 303", a.Email, resp.StatusCode)
			continue
		}
		_, home := e2eGet(t, c, s.url+"/")
		if !bytes.Contains(home, []byte(a.Org)) {
			t.Errorf("%s: header does not name %s", a.Email, a.Org)
		}
	}
}

func TestUserCommand(t *testing.T) {
	store.UseTestPasswordParams()
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "portal.db")
	run := func(stdin string, args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := runUser(ctx, append(args, "-db", dbPath), strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), err
	}
	signIn := func(email, pw string) error {
		db, err := store.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, err = db.SignIn(ctx, store.SignInAttempt{Email: email, Password: pw})
		return err
	}

	t.Run("add needs an existing organisation or -org-type", func(t *testing.T) {
		_, _, err := run("first password ok\n", "add", "-email", "Ops@Example.gov.uk", "-name", "Ops", "-org", "Ops Council", "-role", "admin")
		if err == nil || !strings.Contains(err.Error(), "-org-type") {
			t.Fatalf("err = %v, want a hint about -org-type", err)
		}
	})
	t.Run("add reads the password from stdin", func(t *testing.T) {
		out, _, err := run("first password ok\n", "add", "-email", "Ops@Example.gov.uk", "-name", "Ops", "-org", "Ops Council", "-org-type", "other", "-org-identifier", "GB-TEST-OPS", "-role", "admin")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "added Admin ops@example.gov.uk (Ops) to Ops Council") {
			t.Fatalf("output %q", out)
		}
		if err := signIn("ops@example.gov.uk", "first password ok"); err != nil {
			t.Fatalf("sign in with the piped password: %v", err)
		}
	})
	t.Run("add refuses a short password and a duplicate", func(t *testing.T) {
		_, _, err := run("short\n", "add", "-email", "x@example.gov.uk", "-name", "X", "-org", "Ops Council", "-role", "admin")
		if err == nil || !strings.Contains(err.Error(), "password: Password must be 12 characters or more") {
			t.Fatalf("err = %v", err)
		}
		_, _, err = run("first password ok\n", "add", "-email", "OPS@example.gov.uk", "-name", "Ops", "-org", "Ops Council", "-role", "admin")
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("duplicate: err = %v", err)
		}
	})
	t.Run("add and passwd refuse the passwords the security review found (issue 14)", func(t *testing.T) {
		for _, tt := range []struct{ name, pw, want string }{
			{"a common password", "password1234", "harder to guess"},
			{"twelve spaces", strings.Repeat(" ", 12), "characters other than spaces"},
			{"twelve NULs", strings.Repeat("\x00", 12), "control characters"},
		} {
			_, _, err := run(tt.pw+"\n", "add", "-email", "weak@example.gov.uk", "-name", "Weak", "-org", "Ops Council", "-role", "admin")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("add with %s: err = %v, want %q", tt.name, err, tt.want)
			}
			_, _, err = run(tt.pw+"\n", "passwd", "-email", "ops@example.gov.uk")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("passwd with %s: err = %v, want %q", tt.name, err, tt.want)
			}
		}
		if _, _, err := run("ops@example.gov.uk\n", "passwd", "-email", "ops@example.gov.uk"); err == nil || !strings.Contains(err.Error(), "harder to guess") {
			t.Errorf("passwd with the account's own address: err = %v, want \"harder to guess\"", err)
		}
		if signIn("ops@example.gov.uk", "first password ok") != nil {
			t.Fatal("a refused passwd changed the password")
		}
	})
	t.Run("the password is never an argument", func(t *testing.T) {
		_, stderr, err := run("", "add", "-email", "y@example.gov.uk", "-name", "Y", "-org", "Ops Council", "-role", "admin", "-password", "in argv!")
		if err == nil || !strings.Contains(stderr, "flag provided but not defined: -password") || !strings.Contains(stderr, "Usage of portal user add") {
			t.Fatalf("err = %v, stderr %q", err, stderr)
		}
		if _, _, err := run("", "add", "-email", "y@example.gov.uk", "-name", "Y", "-org", "Ops Council", "-role", "admin"); err == nil {
			t.Fatal("empty stdin accepted as a password")
		}
	})
	t.Run("passwd changes it", func(t *testing.T) {
		if _, _, err := run("second password ok\r\n", "passwd", "-email", "ops@example.gov.uk"); err != nil {
			t.Fatal(err)
		}
		if signIn("ops@example.gov.uk", "first password ok") == nil {
			t.Fatal("old password still works")
		}
		if err := signIn("ops@example.gov.uk", "second password ok"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, _, err := run("second password ok\n", "passwd", "-email", "nobody@example.gov.uk"); err == nil {
			t.Fatal("passwd for an unknown account succeeded")
		}
	})
	t.Run("disable stops sign-in", func(t *testing.T) {
		out, _, err := run("", "disable", "-email", "ops@example.gov.uk")
		if err != nil || !strings.Contains(out, "disabled ops@example.gov.uk") {
			t.Fatalf("out %q err %v", out, err)
		}
		if signIn("ops@example.gov.uk", "second password ok") == nil {
			t.Fatal("disabled account signs in")
		}
	})
	t.Run("bad flags print usage", func(t *testing.T) {
		for _, args := range [][]string{{"add"}, {"passwd"}, {"disable", "-bogus"}, {"frobnicate"}} {
			_, stderr, err := run("", args...)
			if !errors.Is(err, flag.ErrHelp) && !strings.Contains(stderr, "Usage") {
				t.Errorf("%v: err %v, stderr %q; want usage", args, err, stderr)
			}
			if !strings.Contains(stderr, "portal user add -email") {
				t.Errorf("%v: usage missing from stderr %q", args, stderr)
			}
		}
	})
}

func TestKeysRotateCommand(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "portal.db")
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.NewSessionStore(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	sess := st.Fresh("portal_session")
	sess.Values["note"] = "a visitor's session"
	w := httptest.NewRecorder()
	if err := st.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]
	works := func() bool {
		if err := st.ReloadKeys(ctx); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookie)
		_, err := st.New(r, "portal_session")
		return err == nil
	}
	rotate := func() {
		var out, errb bytes.Buffer
		if err := runKeys(ctx, []string{"rotate", "-db", dbPath}, &out, &errb); err != nil {
			t.Fatalf("keys rotate: %v %s", err, errb.String())
		}
		if !strings.Contains(out.String(), "rotated") {
			t.Fatalf("output %q", out.String())
		}
	}
	rotate()
	if !works() {
		t.Fatal("after one rotation the previous key no longer verifies")
	}
	rotate()
	if works() {
		t.Fatal("after two rotations the old key still verifies")
	}
	var errb bytes.Buffer
	if err := runKeys(ctx, []string{"spin"}, io.Discard, &errb); err == nil || !strings.Contains(errb.String(), "portal keys rotate") {
		t.Fatalf("bad subcommand: err %v, stderr %q", err, errb.String())
	}
}

// TestAccountPagesAccessible scans the sign-in and admin pages, in normal and
// error states, with axe-core, and validates their HTML.
func TestAccountPagesAccessible(t *testing.T) {
	s := startPortal(t, withDemo(), withPrepare(addE2EAccounts))

	// HTML validation over plain HTTP.
	pages := map[string][]byte{}
	c := e2eClient(t)
	_, body := e2eGet(t, c, s.url+"/login")
	pages["login"] = body
	tok := formToken(t, body, "/login")
	_, pages["login-error"] = e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {""}, "password": {""}})
	_, pages["login-failed"] = e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"admin@e2e.example"}, "password": {"nope"}})
	e2ePost(t, c, s.url+"/login", url.Values{"_csrf": {tok}, "email": {"admin@e2e.example"}, "password": {e2ePassword}})
	adminPaths := []string{"/admin", "/admin/users", "/admin/users/new", "/admin/organisations", "/admin/organisations/new", "/organisations/" + strconv.FormatInt(e2eOrg(t, s).ID, 10),
		"/admin/security", "/account/sessions"}
	for _, p := range adminPaths {
		resp, b := e2eGet(t, c, s.url+p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		pages[p] = b
	}
	_, pages["security-filter-error"] = e2eGet(t, c, s.url+"/admin/security?from=2026-02-30&kind=nope")
	tok = formToken(t, pages["/admin/users/new"], "/admin/users")
	_, pages["user-form-error"] = e2ePost(t, c, s.url+"/admin/users", url.Values{"_csrf": {tok}, "name": {""}, "email": {"bad"}, "password": {"x"}})
	_, pages["org-form-error"] = e2ePost(t, c, s.url+"/admin/organisations", url.Values{"_csrf": {tok}, "name": {""}})
	validateHTMLBatch(t, pages)

	// axe-core in Chromium.
	ctx := requireBrowser(t)
	axeScan(t, ctx, s.url+"/login")
	submit := func(form string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx,
			chromedp.Click(chromedp.CSS(`main form[action="`+form+`"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
		); err != nil {
			t.Fatalf("submit %s: %v", form, err)
		}
	}
	submit("/login")
	axeScanCurrent(t, ctx)

	browserSignInOnPage(t, ctx, "admin@e2e.example", e2ePassword)
	for _, p := range adminPaths {
		axeScan(t, ctx, s.url+p)
	}
	axeScan(t, ctx, s.url+"/admin/users/new")
	submit("/admin/users")
	axeScanCurrent(t, ctx)
	axeScan(t, ctx, s.url+"/admin/organisations/new")
	submit("/admin/organisations")
	axeScanCurrent(t, ctx)
	// Error pages: navigate, then scan what is shown (axeScan refuses
	// error statuses).
	for _, p := range []string{"/admin/security?from=2026-02-30&kind=nope", "/no-such-page"} {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(sctx, chromedp.Navigate(s.url+p), chromedp.WaitReady(chromedp.CSS("main h1")))
		cancel()
		if err != nil {
			t.Fatalf("navigating to %s: %v", p, err)
		}
		axeScanCurrent(t, ctx)
	}
}
