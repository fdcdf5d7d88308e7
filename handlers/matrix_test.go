package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"portal/store"
)

// Roles of the matrix: a visitor plus the four roles of PRODUCT.md §2.
const anonymous = "anonymous"

var matrixRoles = []string{anonymous, store.RoleBuyer, store.RoleReviewer, store.RoleSupplier, store.RoleAdmin}

// publicRoutes need no sign-in ("METHOD pattern"). Every other route must have
// a row in protectedRoutes: TestEveryRouteIsInTheMatrix fails otherwise.
var publicRoutes = map[string]bool{
	"GET /healthz":                  true,
	"GET /static/*":                 true,
	"GET /":                         true,
	"GET /offerings":                true,
	"GET /offerings.csv":            true,
	"GET /offerings/:slug":          true,
	"GET /compare":                  true,
	"GET /agreements/:slug":         true,
	"GET /help/:page":               true,
	"GET /agreements/:slug/changes": true,
	// Issue 11: the transparency register, its open data, the savings
	// dashboard and the page about the open data.
	"GET /transparency":            true,
	"GET /transparency/awards.csv": true,
	"GET /transparency/ocds.json":  true,
	"GET /transparency/savings":    true,
	"GET /transparency/about":      true,
	"GET /login":                   true,
	"POST /login":                  true,
}

// protectedRoute is one row of the role × route matrix. Later features add
// rows for their routes.
type protectedRoute struct {
	method string
	route  string // the Echo pattern, e.g. /admin/users/:id/disable
	// path is the request path; placeholders: {own_org}, {other_org} (an
	// organisation that is not the requester's), {victim} (a fresh user),
	// {victim_org} (a fresh organisation), {offering} (a catalogue slug),
	// {own_basket}, {own_line}, {own_quote} (of the "north" buyer) and
	// {other_basket}, {other_line}, {other_quote} (of the "east" buyer);
	// {submitted_basket}, a basket of the "north" buyer awaiting a decision.
	path string
	form url.Values // POST body; the CSRF token is added
	// want is the status for each of matrixRoles. Visitors must always be
	// sent to /login (303), whatever the route.
	want map[string]int
	// endsSessions marks a route that signs the user's other sessions out:
	// it runs before the parallel rows sign in, or it would sign them out.
	endsSessions bool
}

// adminOnly is the usual answer set for an admin page.
func adminOnly(ok int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: 403, store.RoleReviewer: 403, store.RoleSupplier: 403, store.RoleAdmin: ok}
}

var protectedRoutes = []protectedRoute{
	{method: "GET", route: "/admin", path: "/admin", want: adminOnly(200)},
	{method: "GET", route: "/admin/users", path: "/admin/users", want: adminOnly(200)},
	{method: "GET", route: "/admin/users/new", path: "/admin/users/new", want: adminOnly(200)},
	{method: "POST", route: "/admin/users", path: "/admin/users", form: url.Values{"name": {""}}, want: adminOnly(422)},
	{method: "POST", route: "/admin/users/:id/disable", path: "/admin/users/{victim}/disable", form: url.Values{}, want: adminOnly(303)},
	{method: "POST", route: "/admin/users/:id/enable", path: "/admin/users/{victim}/enable", form: url.Values{}, want: adminOnly(303)},
	{method: "GET", route: "/admin/organisations", path: "/admin/organisations", want: adminOnly(200)},
	{method: "GET", route: "/admin/organisations/new", path: "/admin/organisations/new", want: adminOnly(200)},
	{method: "POST", route: "/admin/organisations", path: "/admin/organisations", form: url.Values{"name": {""}}, want: adminOnly(422)},
	{method: "POST", route: "/admin/organisations/:id/disable", path: "/admin/organisations/{victim_org}/disable", form: url.Values{}, want: adminOnly(303)},
	{method: "POST", route: "/admin/organisations/:id/enable", path: "/admin/organisations/{victim_org}/enable", form: url.Values{}, want: adminOnly(303)},
	{method: "POST", route: "/logout", path: "/logout", form: url.Values{},
		want: map[string]int{anonymous: 303, store.RoleBuyer: 303, store.RoleReviewer: 303, store.RoleSupplier: 303, store.RoleAdmin: 303}},
	// Issue 14: the security log (admins) and one's own sign-ins (everyone
	// signed in; scoped to the person inside the store).
	{method: "GET", route: "/admin/security", path: "/admin/security", want: adminOnly(200)},
	{method: "GET", route: "/admin/security", path: "/admin/security?kind=nope&from=2026-02-30", want: adminOnly(400)},
	{method: "GET", route: "/account/sessions", path: "/account/sessions", want: signedIn(200)},
	{method: "POST", route: "/account/sessions/end-others", path: "/account/sessions/end-others", form: url.Values{}, want: signedIn(303), endsSessions: true},
	{method: "GET", route: "/organisations/:id", path: "/organisations/{own_org}",
		want: map[string]int{anonymous: 303, store.RoleBuyer: 200, store.RoleReviewer: 200, store.RoleSupplier: 200, store.RoleAdmin: 200}},
	// Another organisation's resource is 404 — not 403, and not the data.
	{method: "GET", route: "/organisations/:id", path: "/organisations/{other_org}",
		want: map[string]int{anonymous: 303, store.RoleBuyer: 404, store.RoleReviewer: 404, store.RoleSupplier: 404, store.RoleAdmin: 200}},

	// Issue 11: a local authority's spend lines, for its own buyers only.
	{method: "GET", route: "/organisations/:id/spend.csv", path: "/organisations/{own_org}/spend.csv", want: buyerOnly(200)},
	{method: "GET", route: "/organisations/:id/spend.csv", path: "/organisations/{other_org}/spend.csv", want: buyerOnly(404)},

	// Baskets (issue 4): buyers only; another organisation's basket is 404.
	{method: "GET", route: "/baskets", path: "/baskets", want: buyerOnly(200)},
	{method: "POST", route: "/baskets", path: "/baskets", form: url.Values{"name": {""}}, want: buyerOnly(422)},
	{method: "GET", route: "/baskets/add", path: "/baskets/add?offering={offering}", want: buyerOnly(200)},
	{method: "POST", route: "/baskets/lines", path: "/baskets/lines", form: url.Values{}, want: buyerOnly(422)},
	{method: "GET", route: "/baskets/:id", path: "/baskets/{own_basket}", want: buyerOnly(200)},
	{method: "GET", route: "/baskets/:id", path: "/baskets/{other_basket}", want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/lines", path: "/baskets/{own_basket}/lines", form: url.Values{"offering": {""}}, want: buyerOnly(422)},
	{method: "POST", route: "/baskets/:id/lines", path: "/baskets/{other_basket}/lines", form: url.Values{"offering": {""}}, want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/lines/:line", path: "/baskets/{other_basket}/lines/{other_line}", form: url.Values{"quantity": {"2"}}, want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/lines/:line/delete", path: "/baskets/{other_basket}/lines/{other_line}/delete", form: url.Values{}, want: buyerOnly(404)},
	{method: "GET", route: "/baskets/:id/requirements", path: "/baskets/{own_basket}/requirements", want: buyerOnly(200)},
	{method: "GET", route: "/baskets/:id/requirements", path: "/baskets/{other_basket}/requirements", want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/requirements", path: "/baskets/{other_basket}/requirements", form: url.Values{"need": {"x"}}, want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/submit", path: "/baskets/{other_basket}/submit", form: url.Values{}, want: buyerOnly(404)},
	{method: "POST", route: "/baskets/:id/withdraw", path: "/baskets/{other_basket}/withdraw", form: url.Values{}, want: buyerOnly(404)},
	{method: "GET", route: "/baskets/:id/preview", path: "/baskets/{own_basket}/preview", want: buyerOnly(200)},
	{method: "GET", route: "/baskets/:id/preview", path: "/baskets/{other_basket}/preview", want: buyerOnly(404)},
	{method: "GET", route: "/baskets/:id/history", path: "/baskets/{own_basket}/history", want: buyerOnly(200)},
	{method: "GET", route: "/baskets/:id/history", path: "/baskets/{other_basket}/history", want: buyerOnly(404)},

	// Quotes: buyers of the organisation and reviewers.
	{method: "GET", route: "/quotes/:ref", path: "/quotes/{own_quote}", want: buyerReviewer(303, 303)},
	{method: "GET", route: "/quotes/:ref", path: "/quotes/{other_quote}", want: buyerReviewer(404, 303)},
	{method: "GET", route: "/quotes/:ref/:version", path: "/quotes/{own_quote}/v1", want: buyerReviewer(200, 200)},
	{method: "GET", route: "/quotes/:ref/:version", path: "/quotes/{other_quote}/v1", want: buyerReviewer(404, 200)},
	{method: "GET", route: "/quotes/:ref/:version", path: "/quotes/{other_quote}/v1.json", want: buyerReviewer(404, 200)},
	{method: "GET", route: "/quotes/:ref/:version/print.css", path: "/quotes/{own_quote}/v1/print.css", want: buyerReviewer(200, 200)},

	// Review (issue 8): reviewers only; a basket never submitted is 404.
	{method: "GET", route: "/review", path: "/review", want: reviewerOnly(200)},
	{method: "GET", route: "/review", path: "/review?band=1m", want: reviewerOnly(400)},
	{method: "GET", route: "/review/baskets/:id", path: "/review/baskets/{submitted_basket}", want: reviewerOnly(200)},
	{method: "GET", route: "/review/baskets/:id", path: "/review/baskets/{own_basket}", want: reviewerOnly(404)},
	{method: "POST", route: "/review/baskets/:id/decision", path: "/review/baskets/{submitted_basket}/decision",
		form: url.Values{"decision": {""}, "quote_version": {"1"}}, want: reviewerOnly(422)},
	{method: "POST", route: "/review/baskets/:id/decision", path: "/review/baskets/{submitted_basket}/decision",
		form: url.Values{"decision": {"approve"}, "quote_version": {"2"}}, want: reviewerOnly(409)},
	{method: "GET", route: "/review/audit", path: "/review/audit", want: reviewerOnly(200)},
	{method: "GET", route: "/review/audit.csv", path: "/review/audit.csv", want: reviewerOnly(200)},
	// Trials (issue 9): buyers manage their organisation's; CCS reviewers
	// and the offering's supplier decide; another organisation's trial, or
	// another supplier's, is 404.
	{method: "GET", route: "/trials", path: "/trials", want: buyerOnly(200)},
	{method: "GET", route: "/trials/new", path: "/trials/new?offering=business-unlimited-5g-sim", want: buyerOnly(200)},
	{method: "GET", route: "/trials/new", path: "/trials/new?offering=no-such-offering", want: buyerOnly(404)},
	{method: "POST", route: "/trials", path: "/trials", form: url.Values{"offering": {""}}, want: buyerOnly(422)},
	{method: "GET", route: "/trials/:id", path: "/trials/{own_trial}", want: buyerOnly(200)},
	{method: "GET", route: "/trials/:id", path: "/trials/{other_trial}", want: buyerOnly(404)},
	{method: "POST", route: "/trials/:id/withdraw", path: "/trials/{withdrawable_trial}/withdraw", form: url.Values{}, want: buyerOnly(303)},
	{method: "POST", route: "/trials/:id/withdraw", path: "/trials/{other_trial}/withdraw", form: url.Values{}, want: buyerOnly(404)},
	{method: "GET", route: "/trials/:id/complete", path: "/trials/{own_trial}/complete", want: buyerOnly(303)}, // not started: back to the trial
	{method: "GET", route: "/trials/:id/complete", path: "/trials/{other_trial}/complete", want: buyerOnly(404)},
	{method: "POST", route: "/trials/:id/complete", path: "/trials/{own_trial}/complete", form: url.Values{"met_1": {"yes"}}, want: buyerOnly(409)},
	{method: "POST", route: "/trials/:id/complete", path: "/trials/{other_trial}/complete", form: url.Values{"met_1": {"yes"}}, want: buyerOnly(404)},
	{method: "POST", route: "/trials/:id/basket", path: "/trials/{own_trial}/basket", form: url.Values{}, want: buyerOnly(409)},
	{method: "POST", route: "/trials/:id/basket", path: "/trials/{other_trial}/basket", form: url.Values{}, want: buyerOnly(404)},
	{method: "GET", route: "/review/trials/:id", path: "/review/trials/{own_trial}", want: deciders(200, 200)},
	{method: "GET", route: "/review/trials/:id", path: "/review/trials/{other_supplier_trial}", want: deciders(200, 404)},
	{method: "POST", route: "/review/trials/:id/decision", path: "/review/trials/{own_trial}/decision", form: url.Values{"decision": {""}}, want: deciders(422, 422)},
	{method: "POST", route: "/review/trials/:id/decision", path: "/review/trials/{other_supplier_trial}/decision", form: url.Values{"decision": {""}}, want: deciders(422, 404)},
	{method: "GET", route: "/supplier/trials", path: "/supplier/trials",
		want: map[string]int{anonymous: 303, store.RoleBuyer: 403, store.RoleReviewer: 403, store.RoleSupplier: 200, store.RoleAdmin: 403}},
	// The supplier area (issue 10): supplier users only; another supplier's
	// offering, and an upload that is not theirs, are 404.
	{method: "GET", route: "/supplier", path: "/supplier", want: supplierOnly(200)},
	{method: "GET", route: "/supplier", path: "/supplier?q=sim&page=2", want: supplierOnly(200)},
	{method: "GET", route: "/supplier/offerings/:slug", path: "/supplier/offerings/business-unlimited-5g-sim", want: supplierOnly(200)},
	{method: "GET", route: "/supplier/offerings/:slug", path: "/supplier/offerings/ffc-ethernet-1gbps-leased-line", want: supplierOnly(404)},
	{method: "POST", route: "/supplier/offerings/:slug", path: "/supplier/offerings/business-unlimited-5g-sim", form: url.Values{"name": {""}}, want: supplierOnly(422)},
	{method: "POST", route: "/supplier/offerings/:slug", path: "/supplier/offerings/ffc-ethernet-1gbps-leased-line", form: url.Values{"name": {"Taken over"}}, want: supplierOnly(404)},
	{method: "GET", route: "/supplier/import", path: "/supplier/import", want: supplierOnly(200)},
	{method: "POST", route: "/supplier/import", path: "/supplier/import", form: url.Values{}, want: supplierOnly(422)},
	{method: "POST", route: "/supplier/import/:id/apply", path: "/supplier/import/0123456789abcdef0123456789abcdef/apply", form: url.Values{}, want: supplierOnly(404)},
	// Messages: everyone signed in, their own only.
	{method: "GET", route: "/messages", path: "/messages",
		want: map[string]int{anonymous: 303, store.RoleBuyer: 200, store.RoleReviewer: 200, store.RoleSupplier: 200, store.RoleAdmin: 200}},
}

// reviewerOnly is the usual answer set for a reviewer's page.
func reviewerOnly(ok int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: 403, store.RoleReviewer: ok, store.RoleSupplier: 403, store.RoleAdmin: 403}
}

// deciders is the answer set for a trial application's decision page:
// reviewers, and the offering's supplier.
func deciders(reviewer, supplier int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: 403, store.RoleReviewer: reviewer, store.RoleSupplier: supplier, store.RoleAdmin: 403}
}

// signedIn is the answer set for a page every signed-in person may use.
func signedIn(ok int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: ok, store.RoleReviewer: ok, store.RoleSupplier: ok, store.RoleAdmin: ok}
}

// supplierOnly is the answer set for the supplier area.
func supplierOnly(ok int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: 403, store.RoleReviewer: 403, store.RoleSupplier: ok, store.RoleAdmin: 403}
}

// buyerOnly is the usual answer set for a buyer's page.
func buyerOnly(ok int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: ok, store.RoleReviewer: 403, store.RoleSupplier: 403, store.RoleAdmin: 403}
}

// buyerReviewer is the answer set for pages that buyers and reviewers read.
func buyerReviewer(buyer, reviewer int) map[string]int {
	return map[string]int{anonymous: 303, store.RoleBuyer: buyer, store.RoleReviewer: reviewer, store.RoleSupplier: 403, store.RoleAdmin: 403}
}

// basketFixture makes a basket with one line for the env user key, submitted
// as a quote when quote is set, and returns its ids and quote reference.
func basketFixture(t *testing.T, env *authEnv, key string, quote bool) (basket, line int64, ref string) {
	t.Helper()
	ctx := context.Background()
	u := env.users[key]
	b, err := env.db.CreateBasket(ctx, &u, "Matrix basket")
	if err != nil {
		env.t.Fatal(err)
	}
	o := matrixOffering(t, env)
	if _, err := env.db.AddLine(ctx, &u, b.ID, store.LineForm{Offering: o.Slug, Quantity: "1", TermMonths: strconv.Itoa(o.Terms[0])}); err != nil {
		env.t.Fatal(err)
	}
	full, err := env.db.Basket(ctx, &u, b.ID)
	if err != nil || len(full.Lines) == 0 {
		env.t.Fatalf("basket fixture: %v", err)
	}
	if quote {
		req := store.RequirementsForm{Need: "Mobiles for social workers", Budget: "50000", Sites: "3",
			RequiredBy: store.DateInput{ISO: env.db.Now().AddDate(0, 2, 0).Format(time.DateOnly)}, WeightPrice: "60", WeightQuality: "30", WeightSocial: "10",
			Version: strconv.FormatInt(full.Version, 10)}
		if err := env.db.SetRequirements(ctx, &u, b.ID, req); err != nil {
			t.Fatalf("requirements fixture: %v", err)
		}
		q, _, err := env.db.Submit(ctx, &u, b.ID)
		if err != nil {
			env.t.Fatalf("submit fixture: %v", err)
		}
		ref = q.Ref
	}
	return b.ID, full.Lines[0].ID, ref
}

func matrixOffering(t *testing.T, env *authEnv) store.Offering {
	t.Helper()
	a, err := env.db.Agreement(context.Background(), store.DemoAgreementMoU)
	if err != nil {
		env.t.Fatal(err)
	}
	offs, err := env.db.AgreementOfferings(context.Background(), a.ID)
	if err != nil || len(offs) == 0 {
		env.t.Fatalf("offerings: %v", err)
	}
	return offs[0]
}

var victimSeq atomic.Int64

// matrixTrialSpec is a trial application the matrix's paths name.
type matrixTrialSpec struct {
	key      string // its placeholder, without braces
	buyer    string // the env user who applied
	offering string
}

// matrixTrials are made once per env: each buyer may have one open trial
// of an offering, and parallel rows share them. Only the withdraw row
// changes its own trial.
var matrixTrials = []matrixTrialSpec{
	{"own_trial", "buyer", "business-unlimited-5g-sim"},                 // the supplier user's (Virgin Media O2 Business)
	{"withdrawable_trial", "buyer", "business-5g-broadband"},            // for the withdraw row alone
	{"other_trial", "buyer2", "business-unlimited-5g-sim"},              // another organisation's
	{"other_supplier_trial", "buyer", "ffc-ethernet-1gbps-leased-line"}, // another supplier's
}

var matrixTrialIDs sync.Map // env pointer and key → *matrixTrialOnce

type matrixTrialOnce struct {
	once sync.Once
	id   int64
	err  error
}

// matrixTrial applies for tr once per env, a week from today, and returns
// its id.
func matrixTrial(t *testing.T, env *authEnv, tr matrixTrialSpec) int64 {
	t.Helper()
	v, _ := matrixTrialIDs.LoadOrStore(fmt.Sprintf("%p/%s", env, tr.key), &matrixTrialOnce{})
	m := v.(*matrixTrialOnce)
	m.once.Do(func() {
		u := env.users[tr.buyer]
		m.id, m.err = env.db.ApplyForTrial(context.Background(), &u, store.TrialForm{Offering: tr.offering, Kind: store.TrialPOV, Sites: "2",
			StartDate: store.DateInput{ISO: env.db.Now().AddDate(0, 0, 7).Format(time.DateOnly)}, Duration: "30",
			Objectives: "Matrix trial", Criteria: "It works"})
	})
	if m.err != nil {
		t.Fatalf("trial fixture %s: %v", tr.key, m.err)
	}
	return m.id
}

// expand fills the placeholders of r.path for user u (zero for a visitor).
func (r protectedRoute) expand(t *testing.T, env *authEnv, u store.User) string {
	t.Helper()
	ctx := context.Background()
	p := r.path
	own := u.OrgID
	if own == 0 {
		own = env.orgs["north"].ID
	}
	other := env.orgs["north"].ID
	if other == own {
		other = env.orgs["east"].ID
	}
	p = strings.ReplaceAll(p, "{own_org}", strconv.FormatInt(own, 10))
	p = strings.ReplaceAll(p, "{other_org}", strconv.FormatInt(other, 10))
	p = strings.ReplaceAll(p, "{offering}", matrixOffering(t, env).Slug)
	// Baskets and quotes belong to the buyer of "north"; "other" ones to the
	// buyer of "east".
	for _, ph := range []struct {
		prefix, key string
	}{{"{own_", "buyer"}, {"{other_", "buyer2"}} {
		if !strings.Contains(p, ph.prefix+"basket}") && !strings.Contains(p, ph.prefix+"quote}") && !strings.Contains(p, ph.prefix+"line}") {
			continue
		}
		b, l, ref := basketFixture(t, env, ph.key, strings.Contains(p, ph.prefix+"quote}"))
		p = strings.ReplaceAll(p, ph.prefix+"basket}", strconv.FormatInt(b, 10))
		p = strings.ReplaceAll(p, ph.prefix+"line}", strconv.FormatInt(l, 10))
		p = strings.ReplaceAll(p, ph.prefix+"quote}", ref)
	}
	if strings.Contains(p, "{submitted_basket}") {
		b, _, _ := basketFixture(t, env, "buyer", true)
		p = strings.ReplaceAll(p, "{submitted_basket}", strconv.FormatInt(b, 10))
	}
	for _, tr := range matrixTrials {
		if ph := "{" + tr.key + "}"; strings.Contains(p, ph) {
			p = strings.ReplaceAll(p, ph, strconv.FormatInt(matrixTrial(t, env, tr), 10))
		}
	}
	if strings.Contains(p, "{victim}") {
		n := victimSeq.Add(1)
		v, err := env.db.CreateUser(ctx, store.Operator(), store.NewUser{Name: "Victim", Email: fmt.Sprintf("victim%d@testshire.example", n),
			OrgID: env.orgs["north"].ID, Role: store.RoleBuyer, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		p = strings.ReplaceAll(p, "{victim}", strconv.FormatInt(v.ID, 10))
	}
	if strings.Contains(p, "{victim_org}") {
		n := victimSeq.Add(1)
		o, err := env.db.CreateOrganisation(ctx, store.Operator(), store.NewOrganisation{Name: fmt.Sprintf("Victim Council %d", n), Type: store.OrgOther, Identifier: fmt.Sprintf("GB-TEST-VICTIM%d", n)})
		if err != nil {
			t.Fatal(err)
		}
		p = strings.ReplaceAll(p, "{victim_org}", strconv.FormatInt(o.ID, 10))
	}
	return p
}

func TestRoleRouteMatrix(t *testing.T) {
	env := newAuthEnv(t)
	userFor := map[string]string{store.RoleBuyer: "buyer", store.RoleReviewer: "reviewer", store.RoleSupplier: "supplier", store.RoleAdmin: "admin"}
	for _, r := range protectedRoutes {
		for _, role := range matrixRoles {
			want, ok := r.want[role]
			if !ok {
				t.Errorf("%s %s: no expected status for %s", r.method, r.path, role)
				continue
			}
			t.Run(role+" "+r.method+" "+r.path, func(t *testing.T) {
				if !r.endsSessions {
					t.Parallel() // parallel rows wait until every serial one has run
				}
				cl := env.client()
				cl.t = t
				var u store.User
				if role == anonymous {
					cl.do("GET", "/login", nil) // a CSRF token, so POSTs reach the role check
				} else {
					cl.signIn(userFor[role])
					u = env.users[userFor[role]]
				}
				path := r.expand(t, env, u)
				w := cl.do(r.method, path, r.form)
				if w.Code != want {
					t.Fatalf("status %d, want %d\n%.300s", w.Code, want, w.Body)
				}
				if role == anonymous {
					wantLoc := "/login"
					if r.method == "GET" {
						wantLoc += "?next=" + url.QueryEscape(path)
					}
					if got := w.Header().Get("Location"); got != wantLoc {
						t.Fatalf("visitor sent to %q, want %q", got, wantLoc)
					}
				}
				if want == http.StatusNotFound && strings.Contains(w.Body.String(), env.orgs["north"].Name) && u.OrgID != env.orgs["north"].ID {
					t.Fatal("the 404 page shows the other organisation's name")
				}
			})
		}
	}
}

func TestEveryRouteIsInTheMatrix(t *testing.T) {
	env := newAuthEnv(t)
	inMatrix := map[string]bool{}
	for _, r := range protectedRoutes {
		inMatrix[r.method+" "+r.route] = true
	}
	var missing []string
	for _, r := range env.e.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		key := r.Method + " " + r.Path
		if !publicRoutes[key] && !inMatrix[key] {
			missing = append(missing, key)
		}
	}
	// Visitors' POSTs are checked for a CSRF token only on /login (csrf.go):
	// every other route that changes something must need a signed-in user.
	for key := range publicRoutes {
		if method := strings.Fields(key)[0]; !safeMethod(method) && key != "POST /login" {
			t.Errorf("public route %s changes state: visitors' POSTs other than sign-in carry no CSRF token; make it need a signed-in user", key)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes with no row in protectedRoutes (add one per route, or list public ones in publicRoutes):\n%s", strings.Join(missing, "\n"))
	}
}
