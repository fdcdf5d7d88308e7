package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// basketFixture is a fresh database with the demo catalogue, two councils,
// their buyers and two CCS reviewers, on a settable clock.
type basketFixture struct {
	db                    *DB
	now                   *time.Time
	north, north2, east   *User
	reviewer, reviewer2   *User
	northOrg, eastOrg     int64
	ctx                   context.Context
	mouID, ffcAgreementID int64
}

func openBasketDB(t testing.TB) *basketFixture {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	if err := db.LoadCatalogue(ctx, DemoCatalogue()); err != nil {
		t.Fatal(err)
	}
	f := &basketFixture{db: db, now: &now, ctx: ctx}
	err = db.write(ctx, func(tx *sql.Tx) error {
		orgs := map[string]int64{}
		for _, o := range []NewOrganisation{
			{Name: "Northshire County Council", Type: OrgCountyCouncil, Identifier: "GB-LAC-E10000099"},
			{Name: "Eastbridge Borough Council", Type: OrgDistrictCouncil, Identifier: "GB-LAC-E07000999"},
			{Name: "Crown Commercial Service", Type: OrgCCS, Identifier: "GB-GOR-PB1126"},
		} {
			org, err := createOrganisation(ctx, tx, o, now)
			if err != nil {
				return err
			}
			orgs[o.Name] = org.ID
		}
		mk := func(email, role, org string) (*User, error) {
			id, err := createUser(ctx, tx, NewUser{Name: "Test " + email, Email: email, OrgID: orgs[org], Role: role}, "x", now)
			if err != nil {
				return nil, err
			}
			u, err := userByID(ctx, tx, id)
			return &u, err
		}
		var err error
		if f.north, err = mk("buyer@northshire.example", RoleBuyer, "Northshire County Council"); err != nil {
			return err
		}
		if f.north2, err = mk("buyer2@northshire.example", RoleBuyer, "Northshire County Council"); err != nil {
			return err
		}
		if f.east, err = mk("buyer@eastbridge.example", RoleBuyer, "Eastbridge Borough Council"); err != nil {
			return err
		}
		if f.reviewer, err = mk("reviewer@ccs.example", RoleReviewer, "Crown Commercial Service"); err != nil {
			return err
		}
		if f.reviewer2, err = mk("reviewer2@ccs.example", RoleReviewer, "Crown Commercial Service"); err != nil {
			return err
		}
		f.northOrg, f.eastOrg = orgs["Northshire County Council"], orgs["Eastbridge Borough Council"]
		if err := tx.QueryRowContext(ctx, `SELECT id FROM agreements WHERE slug = ?`, DemoAgreementMoU).Scan(&f.mouID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT id FROM agreements WHERE slug = ?`, DemoAgreementFFC).Scan(&f.ffcAgreementID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *basketFixture) basket(t testing.TB, u *User, name string) Basket {
	t.Helper()
	b, err := f.db.CreateBasket(f.ctx, u, name)
	if err != nil {
		t.Fatalf("create basket: %v", err)
	}
	return b
}

func (f *basketFixture) add(t testing.TB, u *User, id int64, slug string, q, term int) {
	t.Helper()
	if _, err := f.db.AddLine(f.ctx, u, id, LineForm{Offering: slug, Quantity: strconv.Itoa(q), TermMonths: strconv.Itoa(term)}); err != nil {
		t.Fatalf("add %d × %s on %d months: %v", q, slug, term, err)
	}
}

func (f *basketFixture) get(t testing.TB, u *User, id int64) Basket {
	t.Helper()
	b, err := f.db.Basket(f.ctx, u, id)
	if err != nil {
		t.Fatalf("basket %d: %v", id, err)
	}
	return b
}

func (f *basketFixture) requirements() RequirementsForm {
	return RequirementsForm{Need: "Mobiles for social workers", Budget: "50,000.50", Sites: "3",
		RequiredBy: DateInput{ISO: f.now.AddDate(0, 1, 0).Format(time.DateOnly)}, WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}
}

// ready makes a basket with one line and requirements, ready to submit.
func (f *basketFixture) ready(t testing.TB, u *User, name string) Basket {
	t.Helper()
	b := f.basket(t, u, name)
	f.add(t, u, b.ID, "business-unlimited-5g-sim", 10, 24)
	if err := f.db.SetRequirements(f.ctx, u, b.ID, f.requirements()); err != nil {
		t.Fatalf("set requirements: %v", err)
	}
	return f.get(t, u, b.ID)
}

func (f *basketFixture) approveAll(t testing.TB, basketID int64) {
	t.Helper()
	for _, r := range []*User{f.reviewer, f.reviewer2} {
		err := f.db.write(f.ctx, func(tx *sql.Tx) error { return errOf(approve(f.ctx, tx, f.db.stmts, r, basketID, "", 0, f.db.Now())) })
		if err != nil && ErrorCode(err) != ECONFLICT {
			t.Fatalf("approve: %v", err)
		}
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ErrorCode(err); err == nil || got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
}

func TestBasketStatusNext(t *testing.T) {
	all := []BasketStatus{BasketDraft, BasketSubmitted, BasketApproved, BasketChangesRequested, BasketRejected}
	actions := []Action{ActionEdit, ActionSubmit, ActionWithdraw, ActionApprove, ActionRequestChanges, ActionReject, ActionExpire}
	allowed := map[BasketStatus]map[Action]BasketStatus{
		BasketDraft:            {ActionEdit: BasketDraft, ActionSubmit: BasketSubmitted},
		BasketChangesRequested: {ActionEdit: BasketDraft, ActionSubmit: BasketSubmitted},
		BasketSubmitted: {ActionWithdraw: BasketDraft, ActionExpire: BasketDraft, ActionApprove: BasketApproved,
			ActionRequestChanges: BasketChangesRequested, ActionReject: BasketRejected},
		BasketApproved: {},
		BasketRejected: {},
	}
	for _, s := range all {
		for _, a := range actions {
			t.Run(string(s)+"/"+string(a), func(t *testing.T) {
				got, err := s.Next(a)
				want, ok := allowed[s][a]
				if ok {
					if err != nil || got != want {
						t.Fatalf("got %q, %v; want %q", got, err, want)
					}
					return
				}
				if ErrorCode(err) != ECONFLICT || got != s {
					t.Fatalf("got %q, %v; want refusal (ECONFLICT) staying %q", got, err, s)
				}
				if ErrorMessage(err) == "" {
					t.Fatal("refusal has no message")
				}
			})
		}
	}
}

func TestAuthorize(t *testing.T) {
	buyer := &User{ID: 1, Role: RoleBuyer, OrgID: 10}
	reviewer := &User{ID: 2, Role: RoleReviewer, OrgID: 20}
	tests := []struct {
		name string
		u    *User
		org  int64
		a    Action
		want string
	}{
		{"buyer edits own basket", buyer, 10, ActionEdit, ""},
		{"buyer edits another org's basket", buyer, 11, ActionEdit, ENOTFOUND},
		{"reviewer edits", reviewer, 10, ActionEdit, EFORBIDDEN},
		{"reviewer approves", reviewer, 10, ActionApprove, ""},
		{"reviewer approves own org", reviewer, 20, ActionApprove, EFORBIDDEN},
		{"buyer approves", buyer, 10, ActionApprove, EFORBIDDEN},
		{"visitor submits", nil, 10, ActionSubmit, EUNAUTHORIZED},
		{"nobody expires by hand", reviewer, 10, ActionExpire, EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authorize(tt.u, tt.org, tt.a)
			if got := ErrorCode(err); (err == nil && tt.want != "") || (err != nil && got != tt.want) {
				t.Fatalf("got %v, want code %q", err, tt.want)
			}
		})
	}
}

func TestAddLine(t *testing.T) {
	f := openBasketDB(t)
	b := f.basket(t, f.north, "Mobiles")

	t.Run("merges the same offering on the same term", func(t *testing.T) {
		f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 5, 24)
		f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 7, 24)
		f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 1, 12)
		got := f.get(t, f.north, b.ID)
		if len(got.Lines) != 2 || got.Lines[0].Quantity != 12 || got.Lines[0].TermMonths != 24 || got.Lines[1].Quantity != 1 {
			t.Fatalf("got lines %+v, want 12 on 24 months and 1 on 12 months", got.Lines)
		}
		if got.Agreement == nil || got.Agreement.Slug != DemoAgreementMoU {
			t.Fatalf("got agreement %+v, want the MoU", got.Agreement)
		}
	})

	before := f.get(t, f.north, b.ID)
	tests := []struct {
		name       string
		form       LineForm
		wantFields []string
	}{
		{"zero quantity", LineForm{"business-unlimited-5g-sim", "0", "24"}, []string{"quantity"}},
		{"quantity over 100,000", LineForm{"business-unlimited-5g-sim", "100001", "24"}, []string{"quantity"}},
		{"fractional quantity", LineForm{"business-unlimited-5g-sim", "1.5", "24"}, []string{"quantity"}},
		{"term not offered", LineForm{"business-unlimited-5g-sim", "1", "60"}, []string{"term_months"}},
		{"both wrong, in form order", LineForm{"business-unlimited-5g-sim", "x", ""}, []string{"quantity", "term_months"}},
		{"unknown offering", LineForm{"no-such-thing", "1", "12"}, []string{"offering"}},
		{"merge beyond 100,000", LineForm{"business-unlimited-5g-sim", "99990", "24"}, []string{"quantity"}},
		{"another agreement", LineForm{"ffc-full-fibre-300", "1", "12"}, []string{"offering"}},
	}
	for _, tt := range tests {
		t.Run("refuses "+tt.name, func(t *testing.T) {
			_, err := f.db.AddLine(f.ctx, f.north, b.ID, tt.form)
			wantCode(t, err, EINVALID)
			var got []string
			for _, fe := range ErrorFields(err) {
				got = append(got, fe.Field)
			}
			if !reflect.DeepEqual(got, tt.wantFields) {
				t.Fatalf("got fields %v, want %v", got, tt.wantFields)
			}
			after := f.get(t, f.north, b.ID)
			if after.Version != before.Version || !reflect.DeepEqual(lineQuantities(after), lineQuantities(before)) {
				t.Fatalf("something was saved: version %d → %d, lines %v → %v", before.Version, after.Version, lineQuantities(before), lineQuantities(after))
			}
		})
	}

	t.Run("another agreement names the offering for a new basket", func(t *testing.T) {
		_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{"ffc-full-fibre-300", "1", "12"})
		me, ok := err.(*AgreementMismatchError)
		if !ok || me.Offering.Slug != "ffc-full-fibre-300" {
			t.Fatalf("got %#v, want an AgreementMismatchError for ffc-full-fibre-300", err)
		}
	})

	t.Run("refuses a withdrawn offering", func(t *testing.T) {
		if _, err := f.db.w.Exec(`UPDATE offerings SET active = 0 WHERE slug = 'business-5g-sim-30gb'`); err != nil {
			t.Fatal(err)
		}
		_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{"business-5g-sim-30gb", "1", "12"})
		wantCode(t, err, EINVALID)
		if !strings.Contains(ErrorMessage(err), "withdrawn") {
			t.Fatalf("got message %q, want it to say withdrawn", ErrorMessage(err))
		}
	})

	t.Run("another organisation's basket is not found", func(t *testing.T) {
		_, err := f.db.AddLine(f.ctx, f.east, b.ID, LineForm{"business-unlimited-5g-sim", "1", "24"})
		wantCode(t, err, ENOTFOUND)
		if _, err := f.db.Basket(f.ctx, f.east, b.ID); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("got %v, want ENOTFOUND when Eastbridge reads Northshire's basket", err)
		}
	})

	t.Run("a colleague in the same organisation can add", func(t *testing.T) {
		f.add(t, f.north2, b.ID, "business-unlimited-5g-sim", 1, 36)
	})

	t.Run("removing the last line frees the agreement", func(t *testing.T) {
		e := f.basket(t, f.north, "Empty again")
		f.add(t, f.north, e.ID, "business-unlimited-5g-sim", 1, 24)
		got := f.get(t, f.north, e.ID)
		if err := f.db.DeleteLine(f.ctx, f.north, e.ID, got.Lines[0].ID, strconv.FormatInt(got.Version, 10)); err != nil {
			t.Fatal(err)
		}
		f.add(t, f.north, e.ID, "ffc-full-fibre-300", 1, 12)
		if got := f.get(t, f.north, e.ID); got.Agreement.Slug != DemoAgreementFFC {
			t.Fatalf("got agreement %s, want %s", got.Agreement.Slug, DemoAgreementFFC)
		}
	})
}

func lineQuantities(b Basket) []int64 {
	var out []int64
	for _, l := range b.Lines {
		out = append(out, l.Quantity)
	}
	return out
}

func TestAddToBasketNewBasket(t *testing.T) {
	f := openBasketDB(t)
	t.Run("creates the named basket with the line", func(t *testing.T) {
		res, err := f.db.AddToBasket(f.ctx, f.north, AddToBasketForm{LineForm: LineForm{"iot-sim-1gb", "5", "36"}, NewBasket: "Sensors"})
		if err != nil {
			t.Fatal(err)
		}
		b := f.get(t, f.north, res.BasketID)
		if b.Name != "Sensors" || len(b.Lines) != 1 || b.Lines[0].Quantity != 5 {
			t.Fatalf("got %q with %v, want Sensors with 5", b.Name, lineQuantities(b))
		}
	})
	t.Run("a bad line creates no basket", func(t *testing.T) {
		_, err := f.db.AddToBasket(f.ctx, f.north, AddToBasketForm{LineForm: LineForm{"iot-sim-1gb", "0", "36"}, NewBasket: "Ghost"})
		wantCode(t, err, EINVALID)
		list, _ := f.db.Baskets(f.ctx, f.north)
		for _, s := range list {
			if s.Name == "Ghost" {
				t.Fatal("got a basket called Ghost, want none")
			}
		}
	})
	t.Run("no basket chosen", func(t *testing.T) {
		_, err := f.db.AddToBasket(f.ctx, f.north, AddToBasketForm{LineForm: LineForm{"iot-sim-1gb", "", "36"}})
		var got []string
		for _, fe := range ErrorFields(err) {
			got = append(got, fe.Field)
		}
		if want := []string{"basket", "quantity"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got fields %v, want %v", got, want)
		}
	})
}

func TestConcurrentAddsLoseNone(t *testing.T) {
	f := openBasketDB(t)
	b := f.basket(t, f.north, "Busy")
	slugs := []string{"business-unlimited-5g-sim", "iot-sim-1gb", "cloud-phone-system-user", "business-fibre-80"}
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	want := map[string]int64{}
	for i := range n {
		slug := slugs[i%len(slugs)]
		want[slug] += int64(i + 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{slug, strconv.Itoa(i + 1), "12"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent add: %v", err)
		}
	}
	got := map[string]int64{}
	final := f.get(t, f.north, b.ID)
	for _, l := range final.Lines {
		got[l.Offering.Slug] = l.Quantity
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got quantities %v, want %v", got, want)
	}
	if final.Version != b.Version+n {
		t.Fatalf("got version %d, want %d (one bump per add)", final.Version, b.Version+n)
	}
}

func TestStaleVersionIsRefused(t *testing.T) {
	f := openBasketDB(t)
	b := f.basket(t, f.north, "Contested")
	f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 5, 24)
	seen := f.get(t, f.north, b.ID)
	old := strconv.FormatInt(seen.Version, 10)
	lineID := seen.Lines[0].ID

	// Someone else changes the basket (an add never conflicts).
	f.add(t, f.north2, b.ID, "iot-sim-1gb", 1, 12)

	wantCode(t, f.db.UpdateLine(f.ctx, f.north, b.ID, lineID, LineChange{Quantity: "50", TermMonths: "24", Version: old}), ECONFLICT)
	wantCode(t, f.db.DeleteLine(f.ctx, f.north, b.ID, lineID, old), ECONFLICT)
	req := f.requirements()
	req.Version = old
	wantCode(t, f.db.SetRequirements(f.ctx, f.north, b.ID, req), ECONFLICT)

	now := f.get(t, f.north, b.ID)
	if now.Lines[0].Quantity != 5 || now.HasRequirements {
		t.Fatalf("a stale edit was saved: %v, requirements %v", lineQuantities(now), now.HasRequirements)
	}
	cur := strconv.FormatInt(now.Version, 10)
	if err := f.db.UpdateLine(f.ctx, f.north, b.ID, lineID, LineChange{Quantity: "50", TermMonths: "36", Version: cur}); err != nil {
		t.Fatalf("update with the current version: %v", err)
	}
	if got := f.get(t, f.north, b.ID); got.Lines[0].Quantity != 50 || got.Lines[0].TermMonths != 36 {
		t.Fatalf("got %+v, want 50 on 36 months", got.Lines[0])
	}
}

func TestUpdateLineMergesOntoExistingTerm(t *testing.T) {
	f := openBasketDB(t)
	b := f.basket(t, f.north, "Merge")
	f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 5, 24)
	f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 3, 12)
	got := f.get(t, f.north, b.ID)
	if err := f.db.UpdateLine(f.ctx, f.north, b.ID, got.Lines[1].ID, LineChange{Quantity: "4", TermMonths: "24", Version: strconv.FormatInt(got.Version, 10)}); err != nil {
		t.Fatal(err)
	}
	after := f.get(t, f.north, b.ID)
	if len(after.Lines) != 1 || after.Lines[0].Quantity != 9 {
		t.Fatalf("got %v, want one line of 9", lineQuantities(after))
	}
}

func TestRequirementsValidation(t *testing.T) {
	now := time.Date(2026, 3, 29, 23, 30, 0, 0, time.UTC) // 30 March in London (BST)
	ok := RequirementsForm{Need: "Need", Budget: "£1,234.56", Sites: "2", RequiredBy: DateInput{ISO: "2026-03-30"}, WeightPrice: "60", WeightQuality: "30", WeightSocial: "10"}
	r, errs := ok.Parse(now)
	if errs != nil {
		t.Fatalf("valid form: got %v", errs)
	}
	if want := (Requirements{Need: "Need", BudgetPence: 123456, Sites: 2, RequiredBy: "2026-03-30", WeightPrice: 60, WeightQuality: 30, WeightSocial: 10}); r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	tests := []struct {
		name string
		edit func(*RequirementsForm)
		want []string
	}{
		{"everything empty", func(f *RequirementsForm) { *f = RequirementsForm{} },
			[]string{"need", "budget", "sites", "required_by", "weight_price", "weight_quality", "weight_social"}},
		{"budget with three decimals", func(f *RequirementsForm) { f.Budget = "10.001" }, []string{"budget"}},
		{"budget zero", func(f *RequirementsForm) { f.Budget = "0" }, []string{"budget"}},
		{"no sites", func(f *RequirementsForm) { f.Sites = "0" }, []string{"sites"}},
		{"yesterday in London", func(f *RequirementsForm) { f.RequiredBy = DateInput{ISO: "2026-03-29"} }, []string{"required_by"}},
		{"not a date", func(f *RequirementsForm) { f.RequiredBy = DateInput{ISO: "30/03/2026"} }, []string{"required_by"}},
		{"weights not 100", func(f *RequirementsForm) { f.WeightQuality = "31" }, []string{"weight_price"}},
		{"social under 10", func(f *RequirementsForm) { f.WeightPrice, f.WeightSocial = "61", "9" }, []string{"weight_social"}},
		{"fractional weight", func(f *RequirementsForm) { f.WeightPrice = "59.5" }, []string{"weight_price"}},
		{"need too long", func(f *RequirementsForm) { f.Need = strings.Repeat("x", MaxNeed+1) }, []string{"need"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := ok
			tt.edit(&form)
			_, errs := form.Parse(now)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got fields %v, want %v (%v)", got, tt.want, errs)
			}
		})
	}
}

func TestSubmit(t *testing.T) {
	f := openBasketDB(t)

	t.Run("refuses an empty basket without requirements", func(t *testing.T) {
		b := f.basket(t, f.north, "Empty")
		_, _, err := f.db.Submit(f.ctx, f.north, b.ID)
		wantCode(t, err, EINVALID)
		var got []string
		for _, fe := range ErrorFields(err) {
			got = append(got, fe.Field)
		}
		if want := []string{"lines", "requirements"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})

	b := f.ready(t, f.north, "Ready")
	ref, created, err := f.db.Submit(f.ctx, f.north, b.ID)
	if err != nil || !created {
		t.Fatalf("submit: %v, created %v", err, created)
	}
	if ref.Version != 1 || !strings.HasPrefix(ref.Ref, "Q-2026-") || len(ref.Ref) != len("Q-2026-000001") {
		t.Fatalf("got %+v, want v1 of Q-2026-NNNNNN", ref)
	}
	if ref.ValidUntil != "2026-04-01" {
		t.Fatalf("got valid until %s, want 2026-04-01 (2 March + 30 days)", ref.ValidUntil)
	}

	t.Run("again while awaiting a decision changes nothing", func(t *testing.T) {
		again, created, err := f.db.Submit(f.ctx, f.north, b.ID)
		if err != nil || created || again.Ref != ref.Ref || again.Version != 1 {
			t.Fatalf("got %+v created=%v err=%v, want v1 unchanged", again, created, err)
		}
	})

	t.Run("the submitted basket cannot be edited", func(t *testing.T) {
		_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{"iot-sim-1gb", "1", "12"})
		wantCode(t, err, ECONFLICT)
	})

	t.Run("withdraw returns it to draft and resubmitting makes v2", func(t *testing.T) {
		w, err := f.db.Withdraw(f.ctx, f.north, b.ID)
		if err != nil || w.Status != QuoteWithdrawn {
			t.Fatalf("withdraw: %+v %v", w, err)
		}
		if got := f.get(t, f.north, b.ID); got.Status != BasketDraft {
			t.Fatalf("got status %s, want draft", got.Status)
		}
		f.add(t, f.north, b.ID, "iot-sim-1gb", 1, 12)
		v2, created, err := f.db.Submit(f.ctx, f.north, b.ID)
		if err != nil || !created || v2.Version != 2 || v2.Ref != ref.Ref {
			t.Fatalf("got %+v created=%v err=%v, want v2 of %s", v2, created, err, ref.Ref)
		}
		v1, err := f.db.Quote(f.ctx, f.north, ref.Ref, 1)
		if err != nil || v1.Status != QuoteWithdrawn || len(v1.Lines) != 1 {
			t.Fatalf("got v1 %s with %d lines (%v), want withdrawn with 1", v1.Status, len(v1.Lines), err)
		}
		latest, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 0)
		if latest.Version != 2 || latest.Latest != 2 || len(latest.Lines) != 2 {
			t.Fatalf("got latest v%d with %d lines, want v2 with 2", latest.Version, len(latest.Lines))
		}
	})

	t.Run("changes requested: the first edit makes a draft, and v3 supersedes v2", func(t *testing.T) {
		err := f.db.write(f.ctx, func(tx *sql.Tx) error {
			return errOf(decide(f.ctx, tx, f.db.stmts, f.reviewer, b.ID, ActionRequestChanges, "Fewer SIMs please", 0, f.db.Now()))
		})
		if err != nil {
			t.Fatal(err)
		}
		got := f.get(t, f.north, b.ID)
		if got.Status != BasketChangesRequested {
			t.Fatalf("got %s, want changes_requested", got.Status)
		}
		if err := f.db.UpdateLine(f.ctx, f.north, b.ID, got.Lines[0].ID, LineChange{"5", "24", strconv.FormatInt(got.Version, 10)}); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, f.north, b.ID); got.Status != BasketDraft {
			t.Fatalf("got %s after an edit, want draft", got.Status)
		}
		if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
			t.Fatal(err)
		}
		v2, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 2)
		if v2.Status != QuoteSuperseded {
			t.Fatalf("got v2 %s, want superseded", v2.Status)
		}
	})

	t.Run("every action is in the trail, with its state change", func(t *testing.T) {
		got := f.get(t, f.north, b.ID)
		var trail []string
		versions := map[int]int{}
		for i, e := range got.Events {
			trail = append(trail, string(e.Action)+":"+e.From+">"+e.To)
			versions[i] = e.QuoteVersion
		}
		want := []string{"create:>draft", "add_line:draft>draft", "set_requirements:draft>draft", "submit:draft>submitted",
			"withdraw:submitted>draft", "add_line:draft>draft", "submit:draft>submitted",
			"request_changes:submitted>changes_requested", "update_line:changes_requested>draft", "submit:draft>submitted"}
		if !reflect.DeepEqual(trail, want) {
			t.Fatalf("got trail\n%v\nwant\n%v", trail, want)
		}
		if versions[3] != 1 || versions[4] != 1 || versions[6] != 2 || versions[7] != 2 || versions[9] != 3 || versions[8] != 0 {
			t.Fatalf("got quote versions %v, want 1 on the first submit and withdrawal, 2 on the second submit and the request, 3 on the last submit, none on edits", versions)
		}
		if got.Events[9].Details["superseded_versions"] == nil {
			t.Errorf("the third submit: got details %v, want the superseded v2 named in the same row", got.Events[9].Details)
		}
	})

	t.Run("the trail is append-only", func(t *testing.T) {
		if _, err := f.db.w.Exec(`UPDATE audit_events SET comment = 'x'`); err == nil {
			t.Fatal("got an updated event, want the trigger to refuse")
		}
		if _, err := f.db.w.Exec(`DELETE FROM audit_events`); err == nil {
			t.Fatal("got deleted events, want the trigger to refuse")
		}
		if _, err := f.db.w.Exec(`UPDATE quote_versions SET net_total_pence = 1`); err == nil {
			t.Fatal("got a changed quote figure, want the trigger to refuse")
		}
	})

	t.Run("other organisations cannot see the quote; reviewers can", func(t *testing.T) {
		if _, err := f.db.Quote(f.ctx, f.east, ref.Ref, 1); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("got %v, want ENOTFOUND", err)
		}
		if _, err := f.db.Quote(f.ctx, f.reviewer, ref.Ref, 1); err != nil {
			t.Fatalf("reviewer: %v", err)
		}
	})
}

func TestConcurrentSubmitsMakeOneVersion(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Double click")
	var wg sync.WaitGroup
	refs := make([]QuoteRef, 2)
	created := make([]bool, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refs[i], created[i], errs[i] = f.db.Submit(f.ctx, f.north, b.ID)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if created[0] == created[1] || refs[0] != refs[1] {
		t.Fatalf("got %+v created %v, want one creation and the same version twice", refs, created)
	}
	var n int
	if err := f.db.r.QueryRow(`SELECT count(*) FROM quote_versions`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("got %d versions (%v), want 1", n, err)
	}
}

func TestIssuedQuoteIgnoresLaterPriceChanges(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Fixed prices")
	ref, _, err := f.db.Submit(f.ctx, f.north, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	before, err := f.db.Quote(f.ctx, f.north, ref.Ref, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.w.Exec(`UPDATE offerings SET monthly_pence = monthly_pence * 2, mou_discount_bp = 0 WHERE slug = 'business-unlimited-5g-sim'`); err != nil {
		t.Fatal(err)
	}
	after, err := f.db.Quote(f.ctx, f.north, ref.Ref, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after.QuoteSnapshot, before.QuoteSnapshot) || after.Totals.NetPence != 505_500 {
		t.Fatalf("the issued quote changed: net %d → %d", before.Totals.NetPence, after.Totals.NetPence)
	}
	// 10 × £25 × 24 = £6,000 list; 15.75 % MoU = £945; net £5,055.
	if l := after.Lines[0]; l.Price != (LinePrice{ListPence: 600_000, MouPence: 94_500, InlifePence: 0, NetPence: 505_500}) || l.MonthlyPence != 2500 {
		t.Fatalf("got line %+v, want the prices at issue", l)
	}
	if now := f.get(t, f.north, b.ID); now.Totals.NetPence != 1_200_000 {
		t.Fatalf("the basket itself prices at today's prices: got net %d, want 1200000", now.Totals.NetPence)
	}
}

func TestQuoteExpiry(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Slow decision")
	ref, _, err := f.db.Submit(f.ctx, f.north, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Valid through valid_until (2026-04-01 in London).
	*f.now = time.Date(2026, 4, 1, 22, 59, 0, 0, time.UTC) // 23:59 BST on 1 April
	if q, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 1); q.Status != QuoteSubmitted {
		t.Fatalf("on its last day: got %s, want submitted", q.Status)
	}
	*f.now = time.Date(2026, 4, 1, 23, 0, 0, 0, time.UTC) // midnight BST, 2 April
	q, err := f.db.Quote(f.ctx, f.north, ref.Ref, 1)
	if err != nil || q.Status != QuoteExpired {
		t.Fatalf("the day after: got %s (%v), want expired", q.Status, err)
	}
	got := f.get(t, f.north, b.ID)
	if got.Status != BasketDraft {
		t.Fatalf("got basket %s, want draft", got.Status)
	}
	last := got.Events[len(got.Events)-1]
	if last.Action != ActionExpire || !last.Actor.System() || last.QuoteVersion != 1 {
		t.Fatalf("got last event %+v, want an expiry by the portal", last)
	}
	t.Run("an expired quote cannot be approved", func(t *testing.T) {
		err := f.db.write(f.ctx, func(tx *sql.Tx) error {
			return errOf(approve(f.ctx, tx, f.db.stmts, f.reviewer, b.ID, "", 0, f.db.Now()))
		})
		wantCode(t, err, ECONFLICT)
	})
	t.Run("resubmitting issues v2 at current prices", func(t *testing.T) {
		if err := f.db.SetRequirements(f.ctx, f.north, b.ID, RequirementsForm{Need: "n", Budget: "1", Sites: "1",
			RequiredBy: DateInput{ISO: "2026-05-01"}, WeightPrice: "50", WeightQuality: "40", WeightSocial: "10"}); err != nil {
			t.Fatal(err)
		}
		v2, _, err := f.db.Submit(f.ctx, f.north, b.ID)
		if err != nil || v2.Version != 2 {
			t.Fatalf("got %+v %v, want v2", v2, err)
		}
		v1, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 1)
		if v1.Status != QuoteExpired {
			t.Fatalf("got v1 %s, want it to stay expired", v1.Status)
		}
	})
}

func TestOverdueQuoteCannotBeApprovedUnread(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Nobody looked")
	if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
		t.Fatal(err)
	}
	// Nothing reads the quote after its last valid day; the approval itself must expire it.
	*f.now = time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	err := f.db.write(f.ctx, func(tx *sql.Tx) error {
		return errOf(approve(f.ctx, tx, f.db.stmts, f.reviewer, b.ID, "", 0, f.db.Now()))
	})
	wantCode(t, err, ECONFLICT)
}

func TestInlifeTierFromApprovedQuotes(t *testing.T) {
	f := openBasketDB(t)
	// A first quote worth over £100,000 net: 200 × £30 × 36 months less 15.75 %.
	big := f.basket(t, f.north, "Big")
	f.add(t, f.north, big.ID, "business-unlimited-5g-sim-plus", 200, 36)
	if err := f.db.SetRequirements(f.ctx, f.north, big.ID, f.requirements()); err != nil {
		t.Fatal(err)
	}
	// A second basket issued before the first is approved keeps tier 0.
	early := f.ready(t, f.north, "Early")
	earlyRef, _, err := f.db.Submit(f.ctx, f.north, early.ID)
	if err != nil {
		t.Fatal(err)
	}
	bigRef, _, err := f.db.Submit(f.ctx, f.north, big.ID)
	if err != nil {
		t.Fatal(err)
	}
	bq, _ := f.db.Quote(f.ctx, f.north, bigRef.Ref, 1)
	if bq.ApprovalsNeeded != 2 {
		t.Fatalf("got %d approvals needed for gross %d, want 2", bq.ApprovalsNeeded, bq.Totals.GrossPence)
	}
	t.Run("the same reviewer cannot approve twice", func(t *testing.T) {
		one := func() error {
			return f.db.write(f.ctx, func(tx *sql.Tx) error {
				return errOf(approve(f.ctx, tx, f.db.stmts, f.reviewer, big.ID, "", 0, f.db.Now()))
			})
		}
		if err := one(); err != nil {
			t.Fatal(err)
		}
		wantCode(t, one(), ECONFLICT)
		if q, _ := f.db.Quote(f.ctx, f.north, bigRef.Ref, 1); q.Status != QuoteSubmitted || len(q.Approvals) != 1 {
			t.Fatalf("got %s with %d approvals, want submitted with 1", q.Status, len(q.Approvals))
		}
	})
	f.approveAll(t, big.ID)
	if q, _ := f.db.Quote(f.ctx, f.north, bigRef.Ref, 1); q.Status != QuoteApproved || len(q.Approvals) != 2 {
		t.Fatalf("got %s with %d approvals, want approved with 2", q.Status, len(q.Approvals))
	}

	s, err := f.db.Inlife(f.ctx, f.north, f.mouID)
	if err != nil || s.Tier.BP != 150 || s.CumulativePence != 18_198_000 || s.ToNextPence() != 25_000_000-18_198_000 {
		t.Fatalf("got %+v (%v), want 150 bp on £181,980", s, err)
	}
	if bp, _ := f.db.InlifeBP(f.ctx, f.east, f.mouID); bp != 0 {
		t.Fatalf("Eastbridge: got %d bp, want 0", bp)
	}
	if bp, _ := f.db.InlifeBP(f.ctx, f.north, f.ffcAgreementID); bp != 0 {
		t.Fatalf("Northshire under another agreement: got %d bp, want 0", bp)
	}
	if q, _ := f.db.Quote(f.ctx, f.north, earlyRef.Ref, 1); q.InlifeBP != 0 || q.Lines[0].Price.InlifePence != 0 {
		t.Fatalf("the tier fixed at issue changed: got %d bp", q.InlifeBP)
	}
	// The approved basket does not count towards its own tier.
	if b := f.get(t, f.north, big.ID); b.Inlife.Tier.BP != 0 {
		t.Fatalf("the approved basket: got %d bp, want 0 (counted before itself)", b.Inlife.Tier.BP)
	}
	next := f.ready(t, f.north, "Next")
	if next.Inlife.Tier.BP != 150 || next.Lines[0].Price.InlifePence != RoundDiv((600_000-94_500)*150, 10000) {
		t.Fatalf("got %d bp and in-life %d, want 150 bp", next.Inlife.Tier.BP, next.Lines[0].Price.InlifePence)
	}
	ref, _, err := f.db.Submit(f.ctx, f.north, next.ID)
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := f.db.Quote(f.ctx, f.north, ref.Ref, 1); q.InlifeBP != 150 || q.Inlife.Tier.BP != 150 {
		t.Fatalf("got %d bp in the quote, want 150", q.InlifeBP)
	}
}

func TestBasketsAndRecentQuotes(t *testing.T) {
	f := openBasketDB(t)
	a := f.ready(t, f.north, "A")
	f.basket(t, f.north, "B")
	f.basket(t, f.east, "Eastbridge's")
	*f.now = f.now.Add(time.Minute)
	if _, _, err := f.db.Submit(f.ctx, f.north, a.ID); err != nil {
		t.Fatal(err)
	}
	list, err := f.db.Baskets(f.ctx, f.north)
	if err != nil || len(list) != 2 {
		t.Fatalf("got %d baskets (%v), want Northshire's 2", len(list), err)
	}
	if list[0].Name != "A" || list[0].Quote == nil || list[0].Lines != 1 || list[0].Status != BasketSubmitted {
		t.Fatalf("got first %+v, want A, submitted, with its quote", list[0])
	}
	qs, err := f.db.RecentQuotes(f.ctx, f.north, 10)
	if err != nil || len(qs) != 1 || qs[0].BasketName != "A" || qs[0].NetPence != 505_500 {
		t.Fatalf("got %+v (%v), want A's quote", qs, err)
	}
	if _, err := f.db.Baskets(f.ctx, f.reviewer); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("reviewer: got %v, want EFORBIDDEN", err)
	}
}

// errOf drops a decision's result, for tests that only look at the error.
func errOf(_ DecisionResult, err error) error { return err }
