package handlers

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portal/store"
)

// upload POSTs a multipart form with one file (and the CSRF token).
func (cl *authClient) upload(path, filename string, content []byte) *httptest.ResponseRecorder {
	cl.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", cl.csrf)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(content)
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, path, &body)
	r.RemoteAddr = cl.peer + ":40000"
	r.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range cl.cookiesFor(r.URL.Path) {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	w := httptest.NewRecorder()
	cl.env.e.ServeHTTP(w, r)
	if m := csrfField.FindSubmatch(w.Body.Bytes()); m != nil {
		cl.csrf = string(m[1])
	}
	return w
}

const csvHeader = "slug,name,supplier,agreement,category,unit,monthly_pence,one_off_pence,mou_discount_bp,term_options,pov_trial,sdwan_trial"

func TestSupplierImportFlow(t *testing.T) {
	env := newAuthEnv(t)
	sup := env.client()
	sup.signIn("supplier")
	sup.do("GET", "/supplier/import", nil)

	// The supplier's own export re-imports with no changes.
	export := get(env.e, "/offerings.csv?supplier="+store.DemoSupplierVMO2B)
	if export.Code != 200 {
		t.Fatalf("export: %d", export.Code)
	}
	before := export.Body.Bytes()
	w := sup.upload("/supplier/import", "offerings.csv", before)
	if w.Code != http.StatusOK {
		t.Fatalf("re-import of the export: %d\n%s", w.Code, w.Body)
	}
	doc := authDoc(t, w)
	if got := text(doc.Find("#report + p")); !strings.Contains(got, "0 to create, 0 to change, 0 to withdraw") {
		t.Errorf("re-import report: %q", got)
	}
	if doc.Find(`form[action$="/apply"]`).Length() != 0 {
		t.Errorf("a report with nothing to change offers to apply it")
	}

	// A file with errors: 422, every error with its line and column.
	bad := csvHeader + "\n" +
		"business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,875,0,1000,1|12|24,false,false\n" +
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,1500,0,10001,12,false,false\n"
	logBefore := get(env.e, "/agreements/"+store.DemoAgreementMoU+"/changes").Body.Bytes()
	w = sup.upload("/supplier/import", "prices.csv", []byte(bad))
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d", w.Code)
	}
	rows := texts(authDoc(t, w).Find("table tbody tr"))
	if len(rows) != 1 || !strings.Contains(rows[0], "3") || !strings.Contains(rows[0], "mou_discount_bp must be from 0 to 10000 basis points (100%)") {
		t.Errorf("error rows: %q", rows)
	}
	if !bytes.Equal(get(env.e, "/offerings.csv?supplier="+store.DemoSupplierVMO2B).Body.Bytes(), before) {
		t.Errorf("a failing upload changed the catalogue")
	}
	if !bytes.Equal(get(env.e, "/agreements/"+store.DemoAgreementMoU+"/changes").Body.Bytes(), logBefore) {
		t.Errorf("a failing upload changed the change log")
	}

	// The corrected file: 200 with an apply form; applying → 303.
	good := strings.Replace(bad, ",10001,", ",1000,", 1)
	w = sup.upload("/supplier/import", "prices.csv", []byte(good))
	if w.Code != http.StatusOK {
		t.Fatalf("good file: %d\n%s", w.Code, w.Body)
	}
	action, _ := authDoc(t, w).Find(`form[action$="/apply"]`).Attr("action")
	if action == "" {
		t.Fatal("no apply form")
	}
	w = sup.do("POST", action, url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/supplier" {
		t.Fatalf("apply: %d %s", w.Code, w.Header().Get("Location"))
	}
	o, _ := env.db.Offering(context.Background(), "business-4g-sim-10gb")
	if o.MonthlyPence != 875 {
		t.Fatalf("price after apply: %d", o.MonthlyPence)
	}
	// The public log shows it without names; reviewers see who.
	pub := get(env.e, "/agreements/"+store.DemoAgreementMoU+"/changes")
	if pub.Code != 200 || !strings.Contains(pub.Body.String(), "£9.50") || !strings.Contains(pub.Body.String(), "£8.75") {
		t.Fatalf("public change log: %d", pub.Code)
	}
	if strings.Contains(pub.Body.String(), "Sam Supplier") {
		t.Errorf("the public change log names the supplier's user")
	}
	rev := env.client()
	rev.signIn("reviewer")
	if w := rev.do("GET", "/agreements/"+store.DemoAgreementMoU+"/changes", nil); !strings.Contains(w.Body.String(), "Sam Supplier") {
		t.Errorf("reviewers do not see who made the change")
	}

	// The catalogue moves under a checked upload: 409 with the fresh report.
	w = sup.upload("/supplier/import", "prices.csv", []byte(strings.Replace(good, ",875,", ",800,", 1)))
	action, _ = authDoc(t, w).Find(`form[action$="/apply"]`).Attr("action")
	other := strings.Replace(good, ",875,", ",850,", 1)
	if plan, err := env.db.ImportPriceList(context.Background(), store.DemoSupplierVMO2B, []byte(other), false); err != nil || !plan.Valid() {
		t.Fatal(err, plan.ErrorLines())
	}
	env.db.RefreshVersions(context.Background())
	w = sup.do("POST", action, url.Values{})
	if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), "£8.50") {
		t.Fatalf("apply after the catalogue moved: %d", w.Code)
	}
	if o, _ := env.db.Offering(context.Background(), "business-4g-sim-10gb"); o.MonthlyPence != 850 {
		t.Fatalf("applied through a conflict: %d", o.MonthlyPence)
	}
	// The fresh report can be applied.
	action, _ = authDoc(t, w).Find(`form[action$="/apply"]`).Attr("action")
	if w := sup.do("POST", action, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("apply the fresh report: %d", w.Code)
	}
	if o, _ := env.db.Offering(context.Background(), "business-4g-sim-10gb"); o.MonthlyPence != 800 {
		t.Fatalf("after the fresh report: %d", o.MonthlyPence)
	}
}

func TestSupplierImportSizeLimits(t *testing.T) {
	env := newAuthEnv(t)
	sup := env.client()
	sup.signIn("supplier")
	sup.do("GET", "/supplier/import", nil)
	big := []byte(csvHeader + "\n" + strings.Repeat("x", store.MaxPriceListBytes))
	if w := sup.upload("/supplier/import", "big.csv", big); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over 5 MB: %d", w.Code)
	}
	huge := make([]byte, maxImportBody+1)
	if w := sup.upload("/supplier/import", "huge.csv", huge); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 6 MB: %d", w.Code)
	}
	// Other forms keep their 1 MB limit.
	if w := sup.upload("/supplier/offerings/business-4g-sim-10gb", "x.csv", make([]byte, maxBodyBytes+1)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MB+ body elsewhere: %d", w.Code)
	}
}

func TestSupplierEditWithdrawsAndSchedules(t *testing.T) {
	env := newAuthEnv(t)
	ctx := context.Background()
	buyer := env.client()
	buyer.signIn("buyer")
	u := env.users["buyer"]
	b, err := env.db.CreateBasket(ctx, &u, "Draft")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.AddLine(ctx, &u, b.ID, store.LineForm{Offering: "business-4g-sim-10gb", Quantity: "2", TermMonths: "12"}); err != nil {
		t.Fatal(err)
	}

	sup := env.client()
	sup.signIn("supplier")
	w := sup.do("GET", "/supplier/offerings/business-4g-sim-10gb", nil)
	if w.Code != 200 {
		t.Fatalf("edit page: %d", w.Code)
	}
	o, _ := env.db.Offering(ctx, "business-4g-sim-10gb")
	f := store.OfferingFormOf(o, nil)
	values := func(f store.OfferingForm) url.Values {
		v := url.Values{"name": {f.Name}, "summary": {f.Summary}, "description": {f.Description}, "category": {f.Category}, "unit": {f.Unit},
			"attributes": {f.Attributes}, "social_value": {f.SocialValue}, "term_options": {f.Terms}, "monthly": {f.Monthly},
			"one_off": {f.OneOff}, "mou_discount_bp": {f.MouBP}, "status": {f.Status},
			"effective_from-day": {f.EffectiveFrom.Day}, "effective_from-month": {f.EffectiveFrom.Month}, "effective_from-year": {f.EffectiveFrom.Year}}
		if f.PovTrial {
			v.Set("pov_trial", "true")
		}
		return v
	}
	// A bad form: 422 with the error summary, nothing saved.
	bad := f
	bad.Monthly = "-1"
	if w := sup.do("POST", "/supplier/offerings/business-4g-sim-10gb", values(bad)); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", w.Code)
	} else {
		checkErrorSummary(t, authDoc(t, w), "monthly", "Monthly price: ")
	}
	// A price from a later date: today's basket is unchanged, with a notice.
	later := f
	later.Monthly = "12.00"
	day := store.TodayLondon(env.db.Now()).AddDate(0, 0, 10)
	later.EffectiveFrom = store.DateInputOf(day)
	if w := sup.do("POST", "/supplier/offerings/business-4g-sim-10gb", values(later)); w.Code != http.StatusSeeOther {
		t.Fatalf("schedule: %d\n%s", w.Code, w.Body)
	}
	if o2, _ := env.db.Offering(ctx, o.Slug); o2.MonthlyPence != o.MonthlyPence {
		t.Fatalf("a later price applied today")
	}
	w = buyer.do("GET", "/baskets/"+strconv.FormatInt(b.ID, 10), nil)
	notice := text(authDoc(t, w).Find("#price-notices-title").Parent())
	if want := "from " + store.FormatDate(day) + ", monthly price £9.50 → £12.00"; !strings.Contains(notice, want) {
		t.Errorf("basket notice %q lacks %q", notice, want)
	}
	if page := get(env.e, "/offerings/"+o.Slug).Body.String(); !strings.Contains(page, "From "+store.FormatDate(day)+" the price changes to £12.00") {
		t.Errorf("the offering page does not show the scheduled price")
	}

	// Withdraw it: out of the CSV, adding is 422, the page says so.
	out := f
	out.Status = store.StatusWithdrawn
	out.Monthly, out.EffectiveFrom = later.Monthly, later.EffectiveFrom
	if w := sup.do("POST", "/supplier/offerings/business-4g-sim-10gb", values(out)); w.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", w.Code, w.Body)
	}
	if strings.Contains(get(env.e, "/offerings.csv").Body.String(), "business-4g-sim-10gb,") {
		t.Errorf("a withdrawn offering is in the CSV")
	}
	if page := get(env.e, "/offerings/"+o.Slug); page.Code != 200 || !strings.Contains(page.Body.String(), "has been withdrawn") {
		t.Errorf("offering page: %d", page.Code)
	}
	buyer.do("GET", "/baskets/add?offering="+o.Slug, nil)
	w = buyer.do("POST", "/baskets/lines", url.Values{"offering": {o.Slug}, "quantity": {"1"}, "term_months": {"12"}, "basket": {strconv.FormatInt(b.ID, 10)}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "has been withdrawn and cannot be added to a basket") {
		t.Errorf("adding a withdrawn offering: %d", w.Code)
	}
}
