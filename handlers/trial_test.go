package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/store"
)

// trialEnv is an authEnv on a manual clock, so trials can start and end.
type trialEnv struct {
	*authEnv
	clock *store.ManualClock
}

func newTrialEnv(t *testing.T) *trialEnv {
	t.Helper()
	env := newAuthEnv(t)
	clock := store.NewManualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	env.db.Now = clock.Now // before any request
	return &trialEnv{authEnv: env, clock: clock}
}

// apply makes env user key apply for a trial of offering, starting in
// days, and returns its id.
func (env *trialEnv) apply(t *testing.T, key, offering, kind string, days int, edit ...func(*store.TrialForm)) int64 {
	t.Helper()
	u := env.users[key]
	f := store.TrialForm{Offering: offering, Kind: kind, Sites: "3", StartDate: store.DateInput{ISO: env.clock.Now().AddDate(0, 0, days).Format(time.DateOnly)},
		Duration: "30", Objectives: "Prove the service at three libraries", Criteria: "Calls stay up\nStaff sign in first time"}
	for _, e := range edit {
		e(&f)
	}
	id, err := env.db.ApplyForTrial(context.Background(), &u, f)
	if err != nil {
		t.Fatalf("apply for %s: %v", offering, err)
	}
	return id
}

func (env *trialEnv) decide(t *testing.T, key string, id int64, decision, comment string) {
	t.Helper()
	u := env.users[key]
	if _, err := env.db.DecideTrial(context.Background(), &u, id, store.TrialDecisionForm{Decision: decision, Comment: comment}); err != nil {
		t.Fatal(err)
	}
}

func trialPath(id int64) string { return "/trials/" + strconv.FormatInt(id, 10) }

func TestHostileValuesInTrialForms(t *testing.T) {
	env := newTrialEnv(t)
	waiting := env.apply(t, "buyer", "business-unlimited-5g-sim", store.TrialPOV, 20)
	active := env.apply(t, "buyer", "business-5g-broadband", store.TrialPOV, 7)
	env.decide(t, "reviewer", active, store.DecisionApprove, "")
	env.clock.Set(env.clock.Now().AddDate(0, 0, 8))
	start := env.clock.Now().AddDate(0, 0, 14)
	count := queryText(rawDB(t, env.authEnv))
	statusOf := func(id int64) func(*testing.T) string {
		return count(`SELECT status || '/' || decision_comment || '/' || outcome_notes FROM trials WHERE id = ` + strconv.FormatInt(id, 10))
	}
	checkHostileForms(t, env.authEnv, []hygieneForm{
		{name: "apply for a trial", who: "buyer", path: fixed("/trials"),
			valid: url.Values{"offering": {"cloud-phone-system-user"}, "kind": {store.TrialPOV}, "sites": {"3"},
				"start_date-day": {strconv.Itoa(start.Day())}, "start_date-month": {strconv.Itoa(int(start.Month()))}, "start_date-year": {strconv.Itoa(start.Year())},
				"duration_days": {"30"}, "objectives": {"Prove it\r\nat three sites"}, "success_criteria": {"Calls stay up\r\nNo dropped calls"}, "basket": {""}},
			fields: []hygieneField{{field: "offering", kind: "text", label: "Offering", max: 120}, {field: "kind", kind: "choice"},
				{field: "sites", kind: "count", label: "Number of sites"},
				{field: "start_date-day", id: "start_date", kind: "datepart", label: "The start date"},
				{field: "start_date-month", id: "start_date", kind: "datepart", label: "The start date"},
				{field: "start_date-year", id: "start_date", kind: "datepart", label: "The start date"},
				{field: "duration_days", kind: "count", label: "Duration"},
				{field: "objectives", kind: "multiline", label: "Objectives", max: 2000},
				{field: "success_criteria", kind: "multiline", label: "Success criteria", max: 50_000},
				{field: "basket", kind: "choice"}},
			saved: count(`SELECT count(*) FROM trials`)},
		{name: "apply for a trial, date as one field", who: "buyer", path: fixed("/trials"),
			valid: url.Values{"offering": {"cloud-phone-system-user"}, "kind": {store.TrialPOV}, "sites": {"3"}, "start_date": {start.Format(time.DateOnly)},
				"duration_days": {"30"}, "objectives": {"Prove it"}, "success_criteria": {"Calls stay up"}},
			fields: []hygieneField{{field: "start_date", kind: "date", label: "The start date"}},
			saved:  count(`SELECT count(*) FROM trials`)},
		{name: "decide on a trial", who: "reviewer", path: fixed(store.TrialReviewPath(waiting) + "/decision"),
			valid:  url.Values{"decision": {store.DecisionDecline}, "comment": {"Not this quarter"}},
			fields: []hygieneField{{field: "decision", kind: "choice"}, {field: "comment", kind: "multiline", label: "Comment", max: 2000}},
			saved:  statusOf(waiting)},
		{name: "record a trial's outcome", who: "buyer", path: fixed(trialPath(active) + "/complete"),
			valid:  url.Values{"met_1": {"yes"}, "met_2": {"no"}, "notes": {"Calls fine;\r\nsign-in needs work"}},
			fields: []hygieneField{{field: "met_1", kind: "choice"}, {field: "notes", kind: "multiline", label: "Notes", max: 2000}},
			saved:  statusOf(active)},
	})
}

// The application form: the kinds the offering allows, the agreement's
// terms beside it, errors in the summary and by each field, and a
// confirmed application on its own page.
func TestApplyingForATrialOverHTTP(t *testing.T) {
	env := newTrialEnv(t)
	cl := env.client()
	cl.signIn("buyer")

	doc := authDoc(t, cl.do("GET", "/trials/new?offering=managed-sd-wan-branch", nil))
	if got := attrs(doc.Find(`input[name="kind"]`), "value"); strings.Join(got, ",") != "pov,sdwan" {
		t.Fatalf("kinds %v", got)
	}
	if doc.Find(`input[name="kind"][checked]`).Length() != 0 {
		t.Error("a kind is chosen for an offering that allows two")
	}
	if terms := text(doc.Find(".trial-terms")); !strings.Contains(terms, "Proof of value: 1 to 20 sites, 14 to 90 days") || !strings.Contains(terms, "SD-WAN: 1 to 5 sites, 30 to 60 days") {
		t.Errorf("terms: %q", terms)
	}
	if hint := text(doc.Find("#start_date-hint")); !strings.Contains(hint, "3 March 2026 to 2 September 2026") {
		t.Errorf("start date hint: %q", hint)
	}
	doc = authDoc(t, cl.do("GET", "/trials/new?offering=managed-sd-wan-hub", nil))
	if got := attrs(doc.Find(`input[name="kind"][checked]`), "value"); strings.Join(got, ",") != "sdwan" {
		t.Errorf("the only kind is not chosen: %v", got)
	}
	doc = authDoc(t, cl.do("GET", "/trials/new?offering=iot-sim-1gb", nil))
	if doc.Find(`form[action="/trials"]`).Length() != 0 || !strings.Contains(text(doc.Find("#offering")), "IoT SIM 1GB is not eligible for a free trial") {
		t.Errorf("an offering without trials offers the form")
	}
	doc = authDoc(t, cl.do("GET", "/trials/new", nil))
	if doc.Find(`#offering a[href="/offerings?trial=pov"]`).Length() != 1 {
		t.Errorf("without an offering, the page does not say how to choose one")
	}

	// Errors: 422, the summary in form order, messages by the fields, what
	// was typed kept.
	w := cl.do("POST", "/trials", url.Values{"offering": {"managed-sd-wan-branch"}, "kind": {store.TrialSDWAN}, "sites": {"6"},
		"start_date-day": {"2"}, "start_date-month": {"3"}, "start_date-year": {"2026"}, "duration_days": {"61"},
		"objectives": {"<script>alert(1)</script>"}, "success_criteria": {""}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", w.Code)
	}
	doc = authDoc(t, w)
	if title := doc.Find("title").Text(); !strings.HasPrefix(title, "Error: Apply for a free trial") {
		t.Errorf("title %q", title)
	}
	if got := attrs(doc.Find(".error-summary a"), "href"); strings.Join(got, " ") != "#sites #start_date #duration_days #success_criteria" {
		t.Errorf("summary links %v", got)
	}
	for id, want := range map[string]string{
		"sites":            "Number of sites for an SD-WAN trial must be from 1 to 5",
		"start_date":       "The start date must be tomorrow, 3 March 2026, or later",
		"duration_days":    "An SD-WAN trial must last from 30 to 60 days",
		"success_criteria": "Enter at least one success criterion, one per line",
	} {
		if got := text(doc.Find("#" + id + "-error")); !strings.Contains(got, want) {
			t.Errorf("%s: got %q, want %q", id, got, want)
		}
	}
	if v, _ := doc.Find("#sites").Attr("value"); v != "6" || doc.Find(`#sites[aria-invalid="true"]`).Length() != 1 {
		t.Errorf("sites kept as %q", v)
	}
	if strings.Contains(w.Body.String(), "<script>alert(1)") || doc.Find("#objectives").Text() != "<script>alert(1)</script>" {
		t.Errorf("objectives not escaped back into the form")
	}
	if doc.Find(`input[name="kind"][value="sdwan"][checked]`).Length() != 1 {
		t.Error("the chosen kind is not kept")
	}

	// A good application: 303 to its page, with a confirmation.
	w = cl.do("POST", "/trials", url.Values{"offering": {"managed-sd-wan-branch"}, "kind": {store.TrialSDWAN}, "sites": {"5"},
		"start_date": {"2026-03-09"}, "duration_days": {"60"}, "objectives": {"<b>Resilience</b>"}, "success_criteria": {"Failover under 5 s\n<i>One</i> dashboard"}})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !regexp.MustCompile(`^/trials/\d+$`).MatchString(loc) {
		t.Fatalf("got %d to %q", w.Code, loc)
	}
	doc = authDoc(t, cl.do("GET", loc, nil))
	if f := text(doc.Find(".notification--success")); !strings.Contains(f, "Application sent for a free SD-WAN trial of Managed SD-WAN Branch") {
		t.Errorf("flash %q", f)
	}
	if h := text(doc.Find("h1")); h != "SD-WAN trial of Managed SD-WAN Branch Awaiting a decision" {
		t.Errorf("h1 %q", h)
	}
	if d := text(doc.Find("#trial-facts")); !strings.Contains(d, "9 March 2026 to 7 May 2026 (60 days)") || !strings.Contains(d, "Waiting for a decision by CCS or Virgin Media O2 Business, before 9 March 2026") {
		t.Errorf("facts %q", d)
	}
	if strings.Contains(cl.do("GET", loc, nil).Body.String(), "<i>One</i>") || text(doc.Find(".criteria li")) != "Failover under 5 s <i>One</i> dashboard" {
		t.Error("a criterion is not escaped")
	}
	if doc.Find(`form[action="`+loc+`/withdraw"] button`).Length() != 1 {
		t.Error("no way to withdraw the application")
	}
	// The list groups it as waiting.
	doc = authDoc(t, cl.do("GET", "/trials", nil))
	if g := text(doc.Find("#trials-submitted")); g != "Waiting for a decision (1)" {
		t.Errorf("list: %q", g)
	}
	// Withdraw: 303 back to it, withdrawn; a second time is a conflict.
	if w := cl.do("POST", loc+"/withdraw", url.Values{}); w.Code != http.StatusSeeOther || w.Header().Get("Location") != loc {
		t.Fatalf("withdraw: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = cl.do("POST", loc+"/withdraw", url.Values{})
	if w.Code != http.StatusConflict || !strings.Contains(text(authDoc(t, w).Find("#conflict")), "Only an application still waiting for a decision can be withdrawn") {
		t.Fatalf("withdraw again: %d", w.Code)
	}
}

// The offering page offers the application to buyers, and to visitors
// through a sign-in that comes back to the form.
func TestOfferingPageOffersATrial(t *testing.T) {
	env := newTrialEnv(t)
	visitor := env.client()
	doc := authDoc(t, visitor.do("GET", "/offerings/managed-sd-wan-branch", nil))
	a := doc.Find("#apply-for-trial")
	want := "/login?next=" + url.QueryEscape("/trials/new?offering=managed-sd-wan-branch")
	if href, _ := a.Attr("href"); href != want || text(a) != "Sign in to apply for a free trial" {
		t.Fatalf("visitor's link %q %q, want %q", href, text(a), want)
	}
	visitor.do("GET", want, nil)
	w := visitor.do("POST", "/login", url.Values{"email": {env.users["buyer"].Email}, "password": {testPassword}, "next": {"/trials/new?offering=managed-sd-wan-branch"}})
	if loc := w.Header().Get("Location"); w.Code != http.StatusSeeOther || loc != "/trials/new?offering=managed-sd-wan-branch" {
		t.Fatalf("after signing in: %d to %q", w.Code, loc)
	}
	if w := visitor.do("GET", "/trials/new?offering=managed-sd-wan-branch", nil); w.Code != 200 || authDoc(t, w).Find(`form[action="/trials"]`).Length() != 1 {
		t.Fatalf("the form after signing in: %d", w.Code)
	}
	doc = authDoc(t, visitor.do("GET", "/offerings/managed-sd-wan-branch", nil))
	if href, _ := doc.Find("a#apply-for-trial.button").Attr("href"); href != "/trials/new?offering=managed-sd-wan-branch" {
		t.Errorf("buyer's link %q", href)
	}
	if doc.Find(`.header__nav a[href="/trials"]`).Length() != 1 {
		t.Error("no Trials in a buyer's header")
	}
	if doc := authDoc(t, visitor.do("GET", "/offerings/iot-sim-1gb", nil)); doc.Find("#apply-for-trial").Length() != 0 {
		t.Error("an offering without trials offers one")
	}
	for _, key := range []string{"reviewer", "supplier"} {
		cl := env.client()
		cl.signIn(key)
		doc := authDoc(t, cl.do("GET", "/offerings/managed-sd-wan-branch", nil))
		if doc.Find("#apply-for-trial").Length() != 0 {
			t.Errorf("%s is offered a trial", key)
		}
		if key == "supplier" && text(doc.Find(`.header__nav a[href="/supplier/trials"]`)) != "Supplier" {
			t.Error("no Supplier in a supplier's header")
		}
	}
}

// Reviewers and the offering's supplier decide; the supplier never sees
// the linked basket or its budget.
func TestDecidingOnATrialOverHTTP(t *testing.T) {
	env := newTrialEnv(t)
	buyer := env.users["buyer"]
	b, err := env.db.CreateBasket(context.Background(), &buyer, "Library network refresh")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.db.SetRequirements(context.Background(), &buyer, b.ID, store.RequirementsForm{Need: "Network", Budget: "48,000", Sites: "3",
		RequiredBy: store.DateInput{ISO: "2026-06-01"}, WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}); err != nil {
		t.Fatal(err)
	}
	id := env.apply(t, "buyer", "managed-sd-wan-branch", store.TrialPOV, 7, func(f *store.TrialForm) { f.Basket = strconv.FormatInt(b.ID, 10) })
	page := store.TrialReviewPath(id)

	rev := env.client()
	rev.signIn("reviewer")
	doc := authDoc(t, rev.do("GET", "/review?kind=trial", nil))
	if link := doc.Find(`.review-items a[href="` + page + `"]`); text(link) != "Proof-of-value trial of Managed SD-WAN Branch" {
		t.Fatalf("queue: %q", text(doc.Find(".review-items")))
	}
	doc = authDoc(t, rev.do("GET", page, nil))
	if lb := text(doc.Find("#linked-basket")); !strings.Contains(lb, "Library network refresh") || !strings.Contains(lb, "£48,000.00") {
		t.Errorf("the reviewer's linked basket: %q", lb)
	}

	sup := env.client()
	sup.signIn("supplier")
	w := sup.do("GET", page, nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), "Library network refresh") || strings.Contains(w.Body.String(), "48,000") {
		t.Fatalf("the supplier sees the basket (%d)", w.Code)
	}
	doc = authDoc(t, sup.do("GET", "/supplier/trials", nil))
	if link := doc.Find(`a[href="` + page + `"]`); text(link) != "Proof-of-value trial of Managed SD-WAN Branch" || text(doc.Find("#trials-waiting")) != "Waiting for a decision (1)" {
		t.Fatalf("supplier list: %q", text(doc.Find("main")))
	}
	w = sup.do("POST", page+"/decision", url.Values{"decision": {store.DecisionDecline}, "comment": {" "}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("decline without a comment: %d", w.Code)
	}
	checkErrorSummary(t, authDoc(t, w), "comment", "Explain the decision to the buyer: say why you are declining the application")
	w = sup.do("POST", page+"/decision", url.Values{"decision": {store.DecisionApprove}, "comment": {"<script>x</script>"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/supplier/trials" {
		t.Fatalf("approve: %d %q", w.Code, w.Header().Get("Location"))
	}
	// The reviewer, too late: a conflict, the page as it is now.
	w = rev.do("POST", page+"/decision", url.Values{"decision": {store.DecisionDecline}, "comment": {"No"}})
	if w.Code != http.StatusConflict || !strings.Contains(text(authDoc(t, w).Find("#conflict")), "not waiting for a decision: it is approved") {
		t.Fatalf("decision after approval: %d", w.Code)
	}
	// The buyer reads the decision, escaped.
	cl := env.client()
	cl.signIn("buyer")
	w = cl.do("GET", trialPath(id), nil)
	if strings.Contains(w.Body.String(), "<script>x") || text(authDoc(t, w).Find("#decision-comment")) != "<script>x</script>" {
		t.Errorf("decision comment: %q", text(authDoc(t, w).Find("#decision-comment")))
	}
}

// Active → ended → outcome → a basket from the trial, over HTTP; the
// agreement page counts it.
func TestTrialOutcomeAndBasketOverHTTP(t *testing.T) {
	env := newTrialEnv(t)
	id := env.apply(t, "buyer", "ethernet-1gbps-leased-line", store.TrialPOV, 7, func(f *store.TrialForm) { f.Sites = "4"; f.Duration = "14" })
	env.decide(t, "reviewer", id, store.DecisionApprove, "")
	env.clock.Set(time.Date(2026, 3, 25, 9, 0, 0, 0, time.UTC)) // 2 days after it ended on 22 March
	cl := env.client()
	cl.signIn("buyer")
	doc := authDoc(t, cl.do("GET", trialPath(id), nil))
	if h := text(doc.Find("h1 .tag")); h != "Ended: record the outcome" {
		t.Fatalf("tag %q", h)
	}
	if doc.Find(`a[href="`+trialPath(id)+`/complete"]`).Length() == 0 {
		t.Fatal("no way to record the outcome")
	}
	w := cl.do("POST", trialPath(id)+"/complete", url.Values{"met_2": {"no"}, "notes": {""}})
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete outcome: %d", w.Code)
	}
	doc = authDoc(t, w)
	if got := attrs(doc.Find(".error-summary a"), "href"); strings.Join(got, " ") != "#met_1 #notes" {
		t.Errorf("summary %v", got)
	}
	if doc.Find(`#met_2-no[checked]`).Length() != 1 {
		t.Error("the answer given is not kept")
	}
	w = cl.do("POST", trialPath(id)+"/complete", url.Values{"met_1": {"yes"}, "met_2": {"no"}, "notes": {"<script>n</script> Fast; sign-in slow."}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("complete: %d", w.Code)
	}
	w = cl.do("GET", trialPath(id), nil)
	doc = authDoc(t, w)
	if strings.Contains(w.Body.String(), "<script>n") || !strings.Contains(text(doc.Find("#outcome + p + p")), "<script>n</script> Fast") {
		t.Errorf("notes: %q", text(doc.Find("#outcome ~ p")))
	}
	if got := texts(doc.Find(".criteria .tag")); strings.Join(got, ",") != "Met,Not met" {
		t.Errorf("criteria outcomes %v", got)
	}
	w = cl.do("POST", trialPath(id)+"/basket", url.Values{})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/baskets/") {
		t.Fatalf("start basket: %d %q", w.Code, loc)
	}
	doc = authDoc(t, cl.do("GET", loc, nil))
	if link := doc.Find(`#basket-trials a[href="` + trialPath(id) + `"]`); text(link) != "proof-of-value trial of Ethernet 1Gbps Leased Line" {
		t.Errorf("the basket does not link the trial: %q", text(doc.Find("#basket-trials")))
	}
	if f := text(doc.Find(".notification--success")); !strings.Contains(f, "started from the trial") {
		t.Errorf("flash %q", f)
	}
	if again := cl.do("POST", trialPath(id)+"/basket", url.Values{}); again.Header().Get("Location") != loc {
		t.Errorf("a second press went to %q, want %q", again.Header().Get("Location"), loc)
	}
	doc = authDoc(t, cl.do("GET", trialPath(id), nil))
	if doc.Find(`#started-baskets a[href="`+loc+`"]`).Length() != 1 {
		t.Error("the trial does not link the basket")
	}
	doc = authDoc(t, env.client().do("GET", "/agreements/"+store.DemoAgreementMoU, nil))
	for id, want := range map[string]string{"trials-started": "1", "trials-completed": "1", "trials-criteria": "1 of 2"} {
		if got := text(doc.Find("#" + id)); got != want {
			t.Errorf("agreement page %s: got %q, want %q", id, got, want)
		}
	}
	if got := text(doc.Find("#trials-converted")); !strings.HasPrefix(got, "0 of 1 started (0.0%)") {
		t.Errorf("converted: %q", got)
	}
}
