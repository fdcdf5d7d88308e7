package handlers

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"portal/store"
)

// testPassword is every test account's password.
const testPassword = "correct horse battery"

// authEnv is a server over a fresh database holding the demo catalogue and
// one account per role, in organisations that do not clash with demo data.
type authEnv struct {
	t      *testing.T
	e      *echo.Echo
	db     *store.DB
	dbPath string
	logs   *testLog
	orgs   map[string]store.Organisation // north, east, ccs, supplier
	users  map[string]store.User         // buyer, buyer2, reviewer, supplier, admin
}

func newAuthEnv(t *testing.T, configure ...func(*Config)) *authEnv {
	t.Helper()
	store.UseTestPasswordParams()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portal.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.LoadCatalogue(ctx, store.DemoCatalogue()); err != nil {
		t.Fatal(err)
	}
	logs := &testLog{}
	cfg := Config{DB: db, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), LoginBurst: 1000}
	for _, f := range configure {
		f(&cfg)
	}
	// Background work stops, and is waited for, before the database closes
	// (cleanups run last registered first).
	var background sync.WaitGroup
	cfg.Background = &background
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() { cancel(); background.Wait() })
	e, err := New(sctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := &authEnv{t: t, e: e, db: db, dbPath: path, logs: logs, orgs: map[string]store.Organisation{}, users: map[string]store.User{}}
	op := store.Operator()
	for key, n := range map[string]store.NewOrganisation{
		"north":    {Name: "Testshire County Council", Type: store.OrgCountyCouncil, Identifier: "GB-LAC-E10000001"},
		"east":     {Name: "Testbridge Borough Council", Type: store.OrgDistrictCouncil, Identifier: "GB-LAC-E07000001"},
		"ccs":      {Name: "Test Commercial Service", Type: store.OrgCCS, Identifier: "GB-GOR-TEST1"},
		"supplier": {Name: "Test Supplier Ltd", Type: store.OrgSupplier, Identifier: "GB-COH-10000001"},
	} {
		o, err := db.CreateOrganisation(ctx, op, n)
		if err != nil {
			t.Fatal(err)
		}
		env.orgs[key] = o
	}
	for key, n := range map[string]store.NewUser{
		"buyer":    {Name: "Bea Buyer", Email: "buyer@testshire.example", OrgID: env.orgs["north"].ID, Role: store.RoleBuyer},
		"buyer2":   {Name: "Ben Buyer", Email: "buyer@testbridge.example", OrgID: env.orgs["east"].ID, Role: store.RoleBuyer},
		"reviewer": {Name: "Rae Reviewer", Email: "reviewer@test-ccs.example", OrgID: env.orgs["ccs"].ID, Role: store.RoleReviewer},
		"supplier": {Name: "Sam Supplier", Email: "catalogue@test-supplier.example", OrgID: env.orgs["supplier"].ID, Role: store.RoleSupplier, SupplierSlug: store.DemoSupplierVMO2B},
		"admin":    {Name: "Ada Admin", Email: "admin@test-portal.example", OrgID: env.orgs["ccs"].ID, Role: store.RoleAdmin},
	} {
		n.Password = testPassword
		u, err := db.CreateUser(ctx, op, n)
		if err != nil {
			t.Fatal(err)
		}
		env.users[key] = u
	}
	return env
}

// authClient is a browser stand-in: a cookie jar that sends a cookie only
// to its path (and a Secure one only over HTTPS), a peer address, headers,
// and the CSRF token of the last page that had a form.
type authClient struct {
	t      *testing.T // the test it reports to; set it in parallel subtests
	env    *authEnv
	jar    map[string]*http.Cookie
	peer   string // RemoteAddr host
	header http.Header
	https  bool
	// proxyTLS: the browser speaks HTTPS to a proxy that forwards plain
	// HTTP (-secure-cookies), so it sends Secure cookies.
	proxyTLS bool
	csrf     string // the _csrf value of the last page with a form
}

func (env *authEnv) client() *authClient {
	return &authClient{t: env.t, env: env, jar: map[string]*http.Cookie{}, peer: "192.0.2.10", header: http.Header{}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// pathMatch is RFC 6265's path-match: does a cookie for cookiePath go with a
// request for path?
func pathMatch(cookiePath, path string) bool {
	if cookiePath == "" || cookiePath == "/" || path == cookiePath {
		return true
	}
	return strings.HasPrefix(path, cookiePath) && (strings.HasSuffix(cookiePath, "/") || path[len(cookiePath)] == '/')
}

// do sends a request; a non-nil form is POSTed url-encoded, and gets the
// CSRF token of the last page unless it already has a _csrf field.
func (cl *authClient) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	cl.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["_csrf"]; !ok {
			form = authCloneValues(form)
			form.Set("_csrf", cl.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	target := path
	if cl.https {
		target = "https://portal.example" + path
	}
	r := httptest.NewRequest(method, target, body)
	r.RemoteAddr = cl.peer + ":40000"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range cl.header {
		r.Header[k] = v
	}
	for _, c := range cl.cookiesFor(r.URL.Path) {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	cl.env.e.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(cl.jar, c.Name)
		} else {
			cl.jar[c.Name] = c
		}
	}
	if m := csrfField.FindSubmatch(w.Body.Bytes()); m != nil {
		cl.csrf = html.UnescapeString(string(m[1]))
	}
	return w
}

// cookiesFor returns the jar's cookies that a browser sends with a request
// for path.
func (cl *authClient) cookiesFor(path string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range cl.jar {
		if pathMatch(c.Path, path) && (!c.Secure || cl.https || cl.proxyTLS) {
			out = append(out, c)
		}
	}
	return out
}

func authCloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// signIn signs the client in as the env user key and fails the test otherwise.
func (cl *authClient) signIn(key string) {
	cl.t.Helper()
	cl.do("GET", "/login", nil)
	w := cl.do("POST", "/login", url.Values{"email": {cl.env.users[key].Email}, "password": {testPassword}})
	if w.Code != http.StatusSeeOther {
		cl.t.Fatalf("sign in as %s: status %d, want 303\n%s", key, w.Code, w.Body)
	}
	if cl.jar[sessionCookie] == nil {
		cl.t.Fatalf("sign in as %s: no session cookie", key)
	}
	cl.do("GET", w.Header().Get("Location"), nil) // as a browser follows the 303
}

func authDoc(t *testing.T, w *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func authSetCookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
