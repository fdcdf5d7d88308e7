package store

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// supplierFixture is the basket fixture with a user for each demo supplier.
type supplierFixture struct {
	*basketFixture
	vmo2b, ffc *User
}

func openSupplierDB(t testing.TB) *supplierFixture {
	t.Helper()
	f := &supplierFixture{basketFixture: openBasketDB(t)}
	err := f.db.write(f.ctx, func(tx *sql.Tx) error {
		for _, s := range []struct {
			slug, org, email string
			into             **User
		}{{DemoSupplierVMO2B, "Virgin Media O2 Business", "catalogue@vmo2b.example", &f.vmo2b}, {DemoSupplierFFC, "Fictional Fibre Co", "catalogue@ffc.example", &f.ffc}} {
			org, err := createOrganisation(f.ctx, tx, NewOrganisation{Name: s.org, Type: OrgSupplier, Identifier: "GB-COH-" + s.slug}, *f.now)
			if err != nil {
				return err
			}
			id, err := createUser(f.ctx, tx, NewUser{Name: "Catalogue " + s.slug, Email: s.email, OrgID: org.ID, Role: RoleSupplier, SupplierSlug: s.slug}, "x", *f.now)
			if err != nil {
				return err
			}
			u, err := userByID(f.ctx, tx, id)
			if err != nil {
				return err
			}
			*s.into = &u
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

const priceHeader = "slug,name,supplier,agreement,category,unit,monthly_pence,one_off_pence,mou_discount_bp,term_options,pov_trial,sdwan_trial"

// exportCSV is the supplier's offerings as /offerings.csv writes them
// (formula-safe cells included), by slug.
func (f *supplierFixture) exportCSV(t testing.TB, supplier string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(strings.Split(priceHeader, ","))
	err := f.db.EachSearchOffering(f.ctx, SearchParams{Suppliers: []string{supplier}, MaxMonthly: -1, PerPage: -1}, func(o Offering) error {
		row := FormatPriceListRow(o)
		for _, i := range []int{1, 5} { // name, unit: as csvSafe writes them
			if row[i] != "" && strings.ContainsRune("=+-@\t\r", rune(row[i][0])) {
				row[i] = "'" + row[i]
			}
		}
		return w.Write(row)
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return buf.Bytes()
}

func (f *supplierFixture) catalogueVersion(t testing.TB) int64 {
	t.Helper()
	var v int64
	if err := f.db.r.QueryRow("SELECT value FROM meta WHERE key = 'catalogue_version'").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func (f *supplierFixture) changeLog(t testing.TB) []CatalogueChange {
	t.Helper()
	var out []CatalogueChange
	for _, a := range []int64{f.mouID, f.ffcAgreementID} {
		c, _, err := f.db.ChangeLog(f.ctx, f.reviewer, a, 0, 1, 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c...)
	}
	return out
}

func TestPriceListErrors(t *testing.T) {
	f := openSupplierDB(t)
	good := "business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,mobile-voice-data,SIM,1200,0,1000,1|12|24,false,false"
	cases := []struct {
		name string
		file string
		want string // the first error, as printed
	}{
		{"wrong header", "slug,nam,supplier\n" + good, `line 1, column name: Column 2 of the header must be name, not "nam" (expected ` + priceHeader + `[,effective_from][,status])`},
		{"unknown extra column", priceHeader + ",colour\n" + good + ",red", `line 1, column effective_from: Column 13 of the header must be effective_from, not "colour" (expected ` + priceHeader + `[,effective_from][,status])`},
		{"invalid UTF-8", priceHeader + "\n" + strings.Replace(good, "Business 4G", "Business \xff4G", 1), "line 2, column name: name is not valid UTF-8: save the file as CSV UTF-8"},
		{"negative price", priceHeader + "\n" + strings.Replace(good, ",1200,", ",-1200,", 1), "line 2, column monthly_pence: monthly_pence must not be negative"},
		{"negative price after the formula guard", priceHeader + "\n" + strings.Replace(good, ",1200,", ",'-1200,", 1), "line 2, column monthly_pence: monthly_pence must not be negative"},
		{"discount over 10000", priceHeader + "\n" + strings.Replace(good, ",1000,", ",10001,", 1), "line 2, column mou_discount_bp: mou_discount_bp must be from 0 to 10000 basis points (100%)"},
		{"empty term list", priceHeader + "\n" + strings.Replace(good, "1|12|24", "", 1), "line 2, column term_options: Enter at least one contract term in months, like 12|24|36"},
		{"non-numeric term list", priceHeader + "\n" + strings.Replace(good, "1|12|24", "12|two", 1), "line 2, column term_options: term_options must be whole numbers of months separated by |, like 12|24|36"},
		{"past effective date", priceHeader + ",effective_from\n" + good + ",2026-03-01", "line 2, column effective_from: The effective date must be today (2 March 2026) or later: a price cannot change in the past"},
		{"slug twice", priceHeader + "\n" + good + "\n" + good, "line 3, column slug: The slug business-4g-sim-10gb is also on line 2: each offering may appear once"},
		{"another supplier's slug", priceHeader + "\n" + strings.Replace(good, "business-4g-sim-10gb", "ffc-full-fibre-300", 1), "line 2, column slug: The slug ffc-full-fibre-300 belongs to another supplier's offering: choose another slug"},
		{"unknown category", priceHeader + "\n" + strings.Replace(good, "mobile-voice-data", "carrier-pigeons", 1), `line 2, column category: "carrier-pigeons" is not a category of the catalogue`},
		{"unknown agreement", priceHeader + "\n" + strings.Replace(good, "vmo2b-mou", "ffc-framework-demo", 1), `line 2, column agreement: "ffc-framework-demo" is not an agreement that Virgin Media O2 Business sells under`},
		{"another supplier in the supplier column", priceHeader + "\n" + strings.Replace(good, "virgin-media-o2-business", "fictional-fibre-co", 1), `line 2, column supplier: supplier must be virgin-media-o2-business (the supplier importing this price list), not "fictional-fibre-co"`},
		{"file over the limit", priceHeader + "\n" + good + "\n" + strings.Repeat("x", MaxPriceListBytes), "The file is larger than 5 MB: split it into smaller price lists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, []byte(c.file), false)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Valid() {
				t.Fatalf("the file was accepted")
			}
			if got := plan.ErrorLines()[0]; got != c.want {
				t.Errorf("first error:\n got %s\nwant %s", got, c.want)
			}
		})
	}
	// Moving an offering to another agreement needs a supplier with two.
	testExec(t, f.db, `INSERT INTO agreements (slug, ccs_ref, title, supplier_id, starts_on, ends_on)
		SELECT 'vmo2b-second', 'RM0000', 'A second agreement', id, '2026-01-01', '2028-01-01' FROM suppliers WHERE slug = ?`, DemoSupplierVMO2B)
	plan, _ := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, []byte(priceHeader+"\n"+strings.Replace(good, "vmo2b-mou", "vmo2b-second", 1)), false)
	if got, want := strings.Join(plan.ErrorLines(), "\n"), "line 2, column agreement: The offering is sold under vmo2b-mou and cannot move to another agreement (a basket is for one agreement): add it under a new slug instead"; got != want {
		t.Errorf("agreement move:\n got %s\nwant %s", got, want)
	}
}

func TestPriceListFailingRowChangesNothing(t *testing.T) {
	f := openSupplierDB(t)
	before, log := f.exportCSV(t, DemoSupplierVMO2B), f.changeLog(t)
	v := f.catalogueVersion(t)
	file := priceHeader + "\n" +
		"business-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,999,0,1500,12|24,false,false\n" +
		"brand-new-sim,Brand New SIM,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,500,0,0,12,false,false\n" +
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,1500,0,20000,12,false,false\n"
	plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, []byte(file), false)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Valid() || len(plan.Errors) != 1 || plan.Errors[0].Line != 4 {
		t.Fatalf("errors: %v", plan.ErrorLines())
	}
	if after := f.exportCSV(t, DemoSupplierVMO2B); !bytes.Equal(before, after) {
		t.Errorf("the catalogue export changed")
	}
	if got := f.changeLog(t); len(got) != len(log) {
		t.Errorf("the change log has %d entries, had %d", len(got), len(log))
	}
	if got := f.catalogueVersion(t); got != v {
		t.Errorf("catalogue version %d, was %d", got, v)
	}
}

func TestPriceListExportReimportsUnchanged(t *testing.T) {
	f := openSupplierDB(t)
	// Names a spreadsheet would take for formulas come back with the guard.
	testExec(t, f.db, `UPDATE offerings SET name = '=SUM(A1) SIM', unit = '-per SIM' WHERE slug = 'business-4g-sim-10gb'`)
	export := f.exportCSV(t, DemoSupplierVMO2B)
	if !bytes.Contains(export, []byte("'=SUM(A1) SIM")) {
		t.Fatalf("the export has no formula guard:\n%s", export)
	}
	v := f.catalogueVersion(t)
	plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, export, false)
	if err != nil || !plan.Valid() {
		t.Fatalf("import: %v %v", err, plan.ErrorLines())
	}
	if len(plan.Rows) != 0 || plan.Unchanged < 30 {
		t.Fatalf("the export would change %d offerings (%+v); %d unchanged", len(plan.Rows), plan.Rows, plan.Unchanged)
	}
	if got := f.catalogueVersion(t); got != v {
		t.Errorf("catalogue version %d, was %d", got, v)
	}
}

func TestPriceListCreatesChangesAndAudits(t *testing.T) {
	f := openSupplierDB(t)
	file := priceHeader + ",effective_from,status\n" +
		"business-4g-sim-10gb,Business 4G SIM 10GB (new name),virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,999,0,1500,12|24|36,true,false,,\n" +
		"brand-new-sim,Brand New SIM,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,500,100,250,12,false,false,,active\n" +
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,1500,0,0,12,false,false,,withdrawn\n"
	up, err := f.db.CheckUpload(f.ctx, f.vmo2b, "prices.csv", []byte(file))
	if err != nil || !up.Plan.Valid() || up.ID == "" {
		t.Fatalf("check: %v %v", err, up.Plan.ErrorLines())
	}
	if c, ch, w := up.Plan.Counts(); c != 1 || ch != 1 || w != 1 {
		t.Fatalf("counts: %d created, %d changed, %d withdrawn", c, ch, w)
	}
	// Another supplier's user cannot apply it.
	if _, err := f.db.ApplyUpload(f.ctx, f.ffc, up.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("another supplier applied: %v", err)
	}
	if _, err := f.db.ApplyUpload(f.ctx, f.vmo2b, up.ID); err != nil {
		t.Fatalf("apply: %v", err)
	}
	o, err := f.db.Offering(f.ctx, "business-4g-sim-10gb")
	if err != nil || o.Name != "Business 4G SIM 10GB (new name)" || o.MonthlyPence != 999 || o.TermsString() != "12|24|36" || !o.PovTrial {
		t.Fatalf("updated offering: %+v %v", o, err)
	}
	if n, err := f.db.Offering(f.ctx, "brand-new-sim"); err != nil || n.MonthlyPence != 500 || n.OneOffPence != 100 || n.MouBP != 250 || !n.Active {
		t.Fatalf("new offering: %+v %v", n, err)
	}
	if w, _ := f.db.Offering(f.ctx, "business-5g-sim-30gb"); w.Active {
		t.Fatalf("not withdrawn")
	}
	// Applying twice is refused.
	if _, err := f.db.ApplyUpload(f.ctx, f.vmo2b, up.ID); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second apply: %v", err)
	}
	var actor, details string
	if err := f.db.r.QueryRow(`SELECT actor_name, details FROM audit_events WHERE subject_kind = 'offering' AND subject_id = ? AND action = 'import_price_list'`, o.ID).Scan(&actor, &details); err != nil {
		t.Fatal(err)
	}
	if actor != f.vmo2b.Name || !strings.Contains(details, `"monthly_pence":{"old":"1200","new":"999"}`) && !strings.Contains(details, `"new":"999"`) {
		t.Errorf("audit: %s %s", actor, details)
	}
	log := f.changeLog(t)
	var sawPrice, sawWithdraw bool
	for _, c := range log {
		sawPrice = sawPrice || c.OfferingSlug == "business-4g-sim-10gb" && c.Field == "monthly_pence" && c.New == "999" && c.Actor == f.vmo2b.Name
		sawWithdraw = sawWithdraw || c.OfferingSlug == "business-5g-sim-30gb" && c.Field == ColStatus && c.New == StatusWithdrawn
	}
	if !sawPrice || !sawWithdraw {
		t.Errorf("change log: %+v", log)
	}
	// The public sees no names.
	pub, _, _ := f.db.ChangeLog(f.ctx, nil, f.mouID, 0, 1, 100)
	for _, c := range pub {
		if c.Actor != "" {
			t.Fatalf("the public log names %q", c.Actor)
		}
	}
}

func TestApplyUploadRechecksWhenTheCatalogueMoved(t *testing.T) {
	f := openSupplierDB(t)
	file := priceHeader + "\nbusiness-4g-sim-10gb,Business 4G SIM 10GB,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,999,0,1500,12|24,false,false\n"
	up, err := f.db.CheckUpload(f.ctx, f.vmo2b, "prices.csv", []byte(file))
	if err != nil || !up.Plan.Valid() {
		t.Fatal(err, up.Plan.ErrorLines())
	}
	// Someone changes the same offering's price: the plan differs (old price).
	testExec(t, f.db, `UPDATE offerings SET monthly_pence = 1100 WHERE slug = 'business-4g-sim-10gb'`)
	f.db.RefreshVersions(f.ctx)
	fresh, err := f.db.ApplyUpload(f.ctx, f.vmo2b, up.ID)
	if ErrorCode(err) != ECONFLICT {
		t.Fatalf("apply after a change: %v", err)
	}
	if c := fresh.Plan.Rows[0].Changes; !slices.ContainsFunc(c, func(c FieldChange) bool { return c.Field == "monthly_pence" && c.Old == "1100" }) {
		t.Fatalf("fresh report: %+v", fresh.Plan.Rows)
	}
	if o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb"); o.MonthlyPence != 1100 {
		t.Fatalf("applied anyway: %d", o.MonthlyPence)
	}
	// An unrelated change: the check gives the same changes, so it applies.
	testExec(t, f.db, `UPDATE offerings SET summary = 'x' WHERE slug = 'business-5g-sim-30gb'`)
	if _, err := f.db.ApplyUpload(f.ctx, f.vmo2b, up.ID); err != nil {
		t.Fatalf("apply after an unrelated change: %v", err)
	}
	if o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb"); o.MonthlyPence != 999 {
		t.Fatalf("not applied: %d", o.MonthlyPence)
	}
	// Checked uploads expire after 24 hours.
	up, _ = f.db.CheckUpload(f.ctx, f.vmo2b, "prices.csv", []byte(strings.Replace(file, "999", "998", 1)))
	*f.now = f.now.Add(UploadTTL + time.Minute)
	if _, err := f.db.ApplyUpload(f.ctx, f.vmo2b, up.ID); ErrorCode(err) != ENOTFOUND || !strings.Contains(ErrorMessage(err), "expired") {
		t.Fatalf("expired upload: %v", err)
	}
}

func TestEffectiveDatedPrice(t *testing.T) {
	f := openSupplierDB(t)
	b := f.basket(t, f.north, "Draft")
	f.add(t, f.north, b.ID, "business-4g-sim-10gb", 10, 12)
	before := f.get(t, f.north, b.ID)
	o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb")
	row := func(monthly, on string) string {
		return priceHeader + ",effective_from\nbusiness-4g-sim-10gb," + o.Name + ",virgin-media-o2-business,vmo2b-mou," + o.Category.Slug + "," + o.Unit + "," +
			monthly + ",0," + strconv.FormatInt(o.MouBP, 10) + "," + o.TermsString() + ",false,false," + on + "\n"
	}
	// Two schedules: the later one replaces the first.
	for _, p := range []struct{ monthly, on string }{{"1300", "2026-03-20"}, {"1400", "2026-03-16"}} {
		if plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, []byte(row(p.monthly, p.on)), false); err != nil || !plan.Valid() {
			t.Fatalf("schedule: %v %v", err, plan.ErrorLines())
		}
	}
	now, _ := f.db.Offering(f.ctx, o.Slug)
	if now.MonthlyPence != o.MonthlyPence {
		t.Fatalf("a future price changed today's price: %d → %d", o.MonthlyPence, now.MonthlyPence)
	}
	if got := f.get(t, f.north, b.ID); got.Totals != before.Totals {
		t.Fatalf("a future price changed today's basket: %+v → %+v", before.Totals, got.Totals)
	}
	pend, _ := f.db.PendingPrices(f.ctx, []int64{o.ID})
	if p := pend[o.ID]; p == nil || p.MonthlyPence != 1400 || p.EffectiveOn.Format(time.DateOnly) != "2026-03-16" {
		t.Fatalf("pending: %+v", p)
	}
	// The day before: the sweeper changes nothing.
	*f.now = time.Date(2026, 3, 15, 23, 30, 0, 0, London)
	f.db.Sweep(f.ctx)
	if got, _ := f.db.Offering(f.ctx, o.Slug); got.MonthlyPence != o.MonthlyPence {
		t.Fatalf("applied a day early")
	}
	*f.now = time.Date(2026, 3, 16, 0, 0, 1, 0, London)
	var applied int
	for _, r := range f.db.Sweep(f.ctx) {
		if r.Job == "effective-dated-prices" {
			applied = r.Changed
		}
	}
	if applied != 1 {
		t.Fatalf("sweeper applied %d prices", applied)
	}
	if got, _ := f.db.Offering(f.ctx, o.Slug); got.MonthlyPence != 1400 {
		t.Fatalf("price on its date: %d", got.MonthlyPence)
	}
	want := PriceLine(LineInput{MonthlyPence: 1400, MouBP: o.MouBP, InlifeBP: 0, Quantity: 10, TermMonths: 12})
	if got := f.get(t, f.north, b.ID); got.Lines[0].Price.ListPence != want.ListPence {
		t.Fatalf("basket line list %d, want %d", got.Lines[0].Price.ListPence, want.ListPence)
	}
	// Idempotent.
	for _, r := range f.db.Sweep(f.ctx) {
		if r.Job == "effective-dated-prices" && r.Changed != 0 {
			t.Fatalf("second sweep applied %d", r.Changed)
		}
	}
	// The replaced schedule stays in the log, marked.
	var replaced, live int
	for _, c := range f.changeLog(t) {
		if c.OfferingSlug == o.Slug && c.Field == "monthly_pence" {
			if c.Replaced {
				replaced++
			} else {
				live++
			}
		}
	}
	if replaced != 1 || live != 1 {
		t.Fatalf("log: %d replaced, %d live", replaced, live)
	}
}

func TestWithdrawKeepsIssuedQuote(t *testing.T) {
	f := openSupplierDB(t)
	b := f.ready(t, f.north, "To quote")
	ref, _, err := f.db.Submit(f.ctx, f.north, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 0)
	o, _ := f.db.Offering(f.ctx, "business-unlimited-5g-sim")
	form := OfferingFormOf(o, nil)
	form.Status, form.Monthly = StatusWithdrawn, "99.00"
	if err := f.db.EditOffering(f.ctx, f.vmo2b, o.Slug, form); err != nil {
		t.Fatal(err)
	}
	after, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 0)
	bj, _ := json.Marshal(before)
	aj, _ := json.Marshal(after)
	if !bytes.Equal(bj, aj) {
		t.Errorf("the issued quote changed:\n%s\n%s", bj, aj)
	}
	if got := search(t, f.db, SearchParams{Query: "Business Unlimited 5G SIM", MaxMonthly: -1, PerPage: -1}); strings.Contains(strings.Join(slugsOf(got.Offerings), " "), o.Slug+" ") {
		t.Errorf("a withdrawn offering is in search: %v", slugsOf(got.Offerings))
	}
	b2 := f.basket(t, f.north, "Another")
	if _, err := f.db.AddLine(f.ctx, f.north, b2.ID, LineForm{Offering: o.Slug, Quantity: "1", TermMonths: "24"}); ErrorCode(err) != EINVALID ||
		!strings.Contains(ErrorMessage(err), "has been withdrawn") {
		t.Errorf("adding a withdrawn offering: %v", err)
	}
}

func TestSupplierSeesOnlyItsOwn(t *testing.T) {
	f := openSupplierDB(t)
	if _, _, err := f.db.SupplierOffering(f.ctx, f.ffc, "business-4g-sim-10gb"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("another supplier's offering: %v", err)
	}
	o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb")
	if err := f.db.EditOffering(f.ctx, f.ffc, o.Slug, OfferingFormOf(o, nil)); ErrorCode(err) != ENOTFOUND {
		t.Errorf("editing another supplier's offering: %v", err)
	}
	if _, _, err := f.db.SupplierOfferings(f.ctx, f.north, "", 1); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a buyer listed supplier offerings: %v", err)
	}
	rows, total, err := f.db.SupplierOfferings(f.ctx, f.ffc, "", 1)
	if err != nil || total == 0 || len(rows) == 0 {
		t.Fatalf("own offerings: %d %v", total, err)
	}
	for _, r := range rows {
		if r.Supplier.Slug != DemoSupplierFFC {
			t.Errorf("listed %s of %s", r.Slug, r.Supplier.Slug)
		}
	}
}

func TestEditOfferingValidates(t *testing.T) {
	f := openSupplierDB(t)
	o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb")
	form := OfferingFormOf(o, nil)
	form.Name, form.Monthly, form.Terms = "", "-3", "12|x"
	form.EffectiveFrom = DateInput{Day: "1", Month: "1", Year: "2026", Parts: true}
	err := f.db.EditOffering(f.ctx, f.vmo2b, o.Slug, form)
	var fields []string
	for _, fe := range ErrorFields(err) {
		fields = append(fields, fe.Field)
	}
	if got := strings.Join(fields, ","); got != "name,term_options,monthly,effective_from" {
		t.Fatalf("fields %s (%v)", got, err)
	}
}

func TestDraftLineOnATermNoLongerOfferedBlocksSubmit(t *testing.T) {
	f := openSupplierDB(t)
	b := f.ready(t, f.north, "Terms") // business-unlimited-5g-sim on 24 months
	o, _ := f.db.Offering(f.ctx, "business-unlimited-5g-sim")
	form := OfferingFormOf(o, nil)
	form.Terms = "12|36"
	if err := f.db.EditOffering(f.ctx, f.vmo2b, o.Slug, form); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.db.Submit(f.ctx, f.north, b.ID)
	if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "Business Unlimited 5G SIM is no longer offered on a 24-month term") {
		t.Fatalf("submit: %v", err)
	}
}

// TestPriceListAppliesAcrossBatches imports more rows than one set-based
// statement writes (creates, then price changes, schedules, withdrawals and
// term changes) and checks every offering, its change log, its audit row
// and the sweeper's apply of the schedules, row by row.
func TestPriceListAppliesAcrossBatches(t *testing.T) {
	f := openSupplierDB(t)
	n := 2*maxBatchRows + 37
	if plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, priceList(n, 1000), false); err != nil || !plan.Valid() {
		t.Fatalf("create: %v %v", err, plan.ErrorLines())
	}
	count := func(query string) int {
		t.Helper()
		var c int
		if err := f.db.r.QueryRow(query).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, c := range []struct {
		what, query string
		want        int
	}{
		{"offerings", `SELECT count(*) FROM offerings WHERE slug LIKE 'bench-sim-%'`, n},
		{"prices", `SELECT count(*) FROM offerings WHERE slug LIKE 'bench-sim-%' AND monthly_pence = 1000 + CAST(substr(slug, 11) AS INTEGER) % 7
			AND name = 'Bench SIM ' || substr(slug, 11) AND active = 1`, n},
		{"terms", `SELECT count(*) FROM offering_terms t JOIN offerings o ON o.id = t.offering_id WHERE o.slug LIKE 'bench-sim-%' AND t.months IN (12, 24, 36)`, 3 * n},
		{"audit rows naming their offering", `SELECT count(*) FROM audit_events e JOIN offerings o ON o.id = e.subject_id
			WHERE e.subject_kind = 'offering' AND e.action = 'create_offering' AND e.details ->> '$.name.new' = o.name
			AND e.details ->> '$.monthly_pence.new' = CAST(o.monthly_pence AS TEXT) AND o.slug LIKE 'bench-sim-%'`, n},
		{"change log", `SELECT count(*) FROM catalogue_changes c JOIN offerings o ON o.id = c.offering_id WHERE o.slug LIKE 'bench-sim-%'`, 4 * n},
		{"change log prices", `SELECT count(*) FROM catalogue_changes c JOIN offerings o ON o.id = c.offering_id
			WHERE o.slug LIKE 'bench-sim-%' AND c.field = 'monthly_pence' AND c.old_value = '' AND c.new_value = CAST(o.monthly_pence AS TEXT)`, n},
	} {
		if got := count(c.query); got != c.want {
			t.Errorf("after creating: %s %d, want %d", c.what, got, c.want)
		}
	}

	// Row i: i%3 == 0 a new price today, 1 a price from 1 April, 2
	// withdrawn; every fifth row sold on 12 months only.
	var file strings.Builder
	file.WriteString(priceHeader + ",effective_from,status\n")
	scheduled := 0
	for i := range n {
		monthly, on, status, terms := 1000+i%7, "", "active", "12|24|36"
		switch i % 3 {
		case 0:
			monthly = 2000 + i
		case 1:
			monthly, on = 3000+i, "2026-04-01"
			scheduled++
		case 2:
			status = "withdrawn"
		}
		if i%5 == 0 {
			terms = "12"
		}
		fmt.Fprintf(&file, "bench-sim-%05d,Bench SIM %05d,%s,%s,data-only-sim,SIM,%d,0,1000,%s,false,false,%s,%s\n",
			i, i, DemoSupplierVMO2B, DemoAgreementMoU, monthly, terms, on, status)
	}
	if plan, err := f.db.ImportPriceList(f.ctx, DemoSupplierVMO2B, []byte(file.String()), false); err != nil || !plan.Valid() || len(plan.Rows) != n {
		t.Fatalf("change: %v %d rows %v", err, len(plan.Rows), plan.ErrorLines())
	}
	type state struct {
		monthly, pending int
		on, terms        string
		active           bool
		audits, changes  int
	}
	read := func() map[int]state {
		t.Helper()
		rows, err := f.db.r.Query(`SELECT CAST(substr(o.slug, 11) AS INTEGER), o.monthly_pence, o.active,
			coalesce(p.monthly_pence, 0), coalesce(p.effective_on, ''),
			(SELECT group_concat(months, '|') FROM (SELECT months FROM offering_terms WHERE offering_id = o.id ORDER BY months)),
			(SELECT count(*) FROM audit_events WHERE subject_kind = 'offering' AND subject_id = o.id AND action = 'import_price_list'),
			(SELECT count(*) FROM catalogue_changes WHERE offering_id = o.id)
			FROM offerings o LEFT JOIN offering_pending_prices p ON p.offering_id = o.id WHERE o.slug LIKE 'bench-sim-%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int]state{}
		for rows.Next() {
			var i int
			var s state
			if err := rows.Scan(&i, &s.monthly, &s.active, &s.pending, &s.on, &s.terms, &s.audits, &s.changes); err != nil {
				t.Fatal(err)
			}
			out[i] = s
		}
		return out
	}
	got := read()
	for i := range n {
		want := state{monthly: 1000 + i%7, terms: "12|24|36", active: true, audits: 1, changes: 5}
		switch i % 3 {
		case 0:
			want.monthly = 2000 + i
		case 1:
			want.pending, want.on = 3000+i, "2026-04-01"
		case 2:
			want.active = false
		}
		if i%5 == 0 {
			want.terms = "12"
		}
		if got[i] != want {
			t.Fatalf("bench-sim-%05d: %+v, want %+v", i, got[i], want)
		}
	}

	// On 1 April the sweeper applies every schedule at once.
	*f.now = time.Date(2026, 4, 1, 0, 0, 1, 0, London)
	for _, r := range f.db.Sweep(f.ctx) {
		if r.Job == "effective-dated-prices" && r.Changed != scheduled {
			t.Fatalf("the sweeper applied %d prices, want %d (%v)", r.Changed, scheduled, r.Err)
		}
	}
	got = read()
	for i := 1; i < n; i += 3 {
		if s := got[i]; s.monthly != 3000+i || s.pending != 0 {
			t.Fatalf("bench-sim-%05d on its date: %+v", i, s)
		}
	}
	if c := count(`SELECT count(*) FROM audit_events e JOIN offerings o ON o.id = e.subject_id WHERE e.subject_kind = 'offering'
		AND e.action = 'apply_scheduled_price' AND e.details ->> '$.monthly_pence.new' = CAST(o.monthly_pence AS TEXT)
		AND e.details ->> '$.effective_on' = '2026-04-01'`); c != scheduled {
		t.Errorf("%d audit rows of applied prices, want %d", c, scheduled)
	}
}

// TestApplyIsAllOrNothing fails the apply's last statement (the audit rows:
// an empty action breaks the table's check) and finds nothing of the
// statements before it.
func TestApplyIsAllOrNothing(t *testing.T) {
	f := openSupplierDB(t)
	before, log := f.exportCSV(t, DemoSupplierVMO2B), f.changeLog(t)
	v := f.catalogueVersion(t)
	file := priceHeader + ",effective_from\n" +
		"business-4g-sim-10gb,Business 4G SIM 10GB renamed,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,999,0,1500,12,true,false,\n" +
		"business-5g-sim-30gb,Business 5G SIM 30GB,virgin-media-o2-business,vmo2b-mou,data-only-sim,SIM,1500,0,0,12,false,false,2026-04-01\n"
	plan, err := f.db.PlanImport(f.ctx, f.vmo2b.SupplierID, []byte(file))
	if err != nil || !plan.Valid() || len(plan.Rows) != 2 {
		t.Fatalf("plan: %v %+v %v", err, plan.Rows, plan.ErrorLines())
	}
	if err := f.db.ApplyImport(f.ctx, Actor{Name: "test"}, plan, ""); err == nil || !strings.Contains(err.Error(), "audit trail") {
		t.Fatalf("apply with an empty action: %v", err)
	}
	if after := f.exportCSV(t, DemoSupplierVMO2B); !bytes.Equal(before, after) {
		t.Errorf("the catalogue export changed:\n%s", after)
	}
	if got := f.changeLog(t); len(got) != len(log) {
		t.Errorf("the change log has %d entries, had %d", len(got), len(log))
	}
	if got := f.catalogueVersion(t); got != v {
		t.Errorf("catalogue version %d, was %d", got, v)
	}
	o, _ := f.db.Offering(f.ctx, "business-5g-sim-30gb")
	if p, _ := f.db.PendingPrices(f.ctx, []int64{o.ID}); len(p) != 0 {
		t.Errorf("a price was scheduled: %+v", p[o.ID])
	}
	// The same plan applies.
	if err := f.db.ApplyImport(f.ctx, Actor{Name: "test"}, plan, ActionImportOffering); err != nil {
		t.Fatal(err)
	}
	if o, _ := f.db.Offering(f.ctx, "business-4g-sim-10gb"); o.Name != "Business 4G SIM 10GB renamed" || o.MonthlyPence != 999 || o.TermsString() != "12" {
		t.Errorf("applied: %+v", o)
	}
}
