package store

import (
	"database/sql"
	"strings"
	"testing"
)

func TestDoorScopesEachActionToWhoMayTakeIt(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "North's")
	line := b.Lines[0].ID
	supplier := &User{ID: 999, Role: RoleSupplier, OrgID: f.eastOrg, Active: true}
	ownReviewer := &User{ID: f.reviewer.ID, Role: RoleReviewer, OrgID: f.northOrg, Active: true} // a reviewer inside Northshire
	edits := map[string]func(u *User) error{
		"add a line": func(u *User) error {
			_, err := f.db.AddLine(f.ctx, u, b.ID, LineForm{"iot-sim-1gb", "1", "12"})
			return err
		},
		"update a line": func(u *User) error {
			return f.db.UpdateLine(f.ctx, u, b.ID, line, LineChange{Quantity: "2", TermMonths: "24"})
		},
		"remove a line":    func(u *User) error { return f.db.DeleteLine(f.ctx, u, b.ID, line, "") },
		"set requirements": func(u *User) error { return f.db.SetRequirements(f.ctx, u, b.ID, f.requirements()) },
		"submit":           func(u *User) error { _, _, err := f.db.Submit(f.ctx, u, b.ID); return err },
		"withdraw":         func(u *User) error { _, err := f.db.Withdraw(f.ctx, u, b.ID); return err },
	}
	for name, do := range edits {
		t.Run(name, func(t *testing.T) {
			wantCode(t, do(f.east), ENOTFOUND)       // another organisation's basket does not exist for them
			wantCode(t, do(f.reviewer), EFORBIDDEN)  // reviewers decide; they do not edit
			wantCode(t, do(supplier), EFORBIDDEN)    // nor do suppliers
			wantCode(t, do(nil), EUNAUTHORIZED)      // nor visitors
			wantCode(t, do(ownReviewer), EFORBIDDEN) // a reviewer is no buyer, even of their own organisation
		})
	}
	if got := f.get(t, f.north, b.ID); got.Version != b.Version || len(got.Lines) != 1 {
		t.Fatalf("refused actions changed the basket: version %d → %d, %d lines", b.Version, got.Version, len(got.Lines))
	}
	if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
		t.Fatal(err)
	}
	decisions := map[string]func(u *User) error{
		"approve": func(u *User) error {
			return f.db.write(f.ctx, func(tx *sql.Tx) error { return errOf(approve(f.ctx, tx, f.db.stmts, u, b.ID, "", 0, f.db.Now())) })
		},
		"request changes": func(u *User) error {
			return f.db.write(f.ctx, func(tx *sql.Tx) error {
				return errOf(decide(f.ctx, tx, f.db.stmts, u, b.ID, ActionRequestChanges, "Why?", 0, f.db.Now()))
			})
		},
	}
	for name, do := range decisions {
		t.Run(name, func(t *testing.T) {
			wantCode(t, do(f.north), EFORBIDDEN)
			wantCode(t, do(ownReviewer), EFORBIDDEN)
			if err := do(ownReviewer); !strings.Contains(ErrorMessage(err), "your own organisation") {
				t.Errorf("got %q, want it to say why", ErrorMessage(err))
			}
		})
	}
}

func TestDecisionOnAnotherQuoteVersionIsAConflict(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Versions")
	if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Withdraw(f.ctx, f.north, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
		t.Fatal(err)
	}
	approveV := func(v int) error {
		return f.db.write(f.ctx, func(tx *sql.Tx) error {
			return errOf(approve(f.ctx, tx, f.db.stmts, f.reviewer, b.ID, "", v, f.db.Now()))
		})
	}
	err := approveV(1)
	wantCode(t, err, ECONFLICT)
	if !strings.Contains(ErrorMessage(err), "Version 2") {
		t.Errorf("got %q, want it to name the version awaiting a decision", ErrorMessage(err))
	}
	if err := approveV(2); err != nil {
		t.Fatalf("approving the version awaiting a decision: %v", err)
	}
}

func TestBasketReadAuthorisesBeforePricing(t *testing.T) {
	f := openBasketDB(t)
	b := f.ready(t, f.north, "Unpriceable")
	// Make the basket impossible to price (a price beyond int64 sums, past
	// the guards): anyone who may not see it must get ENOTFOUND, which only
	// happens if the read stops before pricing.
	for _, q := range []string{`DROP TRIGGER offerings_price_bounds_update`, `PRAGMA ignore_check_constraints = 1`,
		`UPDATE offerings SET monthly_pence = 9000000000000000000 WHERE slug = 'business-unlimited-5g-sim'`, `PRAGMA ignore_check_constraints = 0`} {
		if _, err := f.db.w.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, err := f.db.Basket(f.ctx, f.east, b.ID)
	wantCode(t, err, ENOTFOUND)
	_, err = f.db.PreviewQuote(f.ctx, f.east, b.ID)
	wantCode(t, err, ENOTFOUND)
	defer func() {
		if recover() == nil {
			t.Error("pricing the basket for its own buyer: got no overflow, want the guard to panic (the test's premise)")
		}
	}()
	f.db.Basket(f.ctx, f.north, b.ID)
}

func TestBasketHoldsAtMost200Lines(t *testing.T) {
	f := openBasketDB(t)
	b := f.basket(t, f.north, "Full")
	f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 1, 24)
	// Fill it to 200 lines directly: terms 1–100 of two offerings (the
	// one line already there is one of them).
	if _, err := f.db.w.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
		INSERT OR IGNORE INTO basket_lines (basket_id, offering_id, quantity, term_months)
		SELECT ?, o.id, 1, n.i FROM n, offerings o WHERE o.slug IN ('business-unlimited-5g-sim', 'business-unlimited-5g-sim-plus')`, b.ID); err != nil {
		t.Fatal(err)
	}
	if got := len(f.get(t, f.north, b.ID).Lines); got != MaxBasketLines {
		t.Fatalf("got %d lines, want the basket full", got)
	}
	_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{"iot-sim-1gb", "1", "12"})
	wantCode(t, err, EINVALID)
	if !strings.Contains(ErrorMessage(err), "at most 200 lines") {
		t.Errorf("got %q, want the 200-line limit explained", ErrorMessage(err))
	}
	t.Run("adding to an existing line is still fine", func(t *testing.T) {
		f.add(t, f.north, b.ID, "business-unlimited-5g-sim", 1, 24)
	})
	t.Run("the database refuses a 201st line too", func(t *testing.T) {
		_, err := f.db.w.Exec(`INSERT INTO basket_lines (basket_id, offering_id, quantity, term_months)
			SELECT ?, id, 1, 120 FROM offerings WHERE slug = 'iot-sim-1gb'`, b.ID)
		if err == nil || !strings.Contains(err.Error(), "at most 200 lines") {
			t.Fatalf("got %v, want the trigger to refuse", err)
		}
	})
	t.Run("a full basket still prices inside int64", func(t *testing.T) {
		if got := f.get(t, f.north, b.ID); got.Totals.GrossPence <= 0 {
			t.Fatalf("got gross %d", got.Totals.GrossPence)
		}
	})
}

func TestOfferingPriceBounds(t *testing.T) {
	f := openBasketDB(t)
	for _, q := range []string{
		`UPDATE offerings SET monthly_pence = 100000001 WHERE slug = 'iot-sim-1gb'`,
		`UPDATE offerings SET one_off_pence = 10000000001 WHERE slug = 'iot-sim-1gb'`,
		`INSERT INTO offering_terms (offering_id, months) SELECT id, 121 FROM offerings WHERE slug = 'iot-sim-1gb'`,
	} {
		if _, err := f.db.w.Exec(q); err == nil {
			t.Errorf("%s: got it applied, want the database to refuse", q)
		}
	}
	if _, err := f.db.w.Exec(`UPDATE offerings SET monthly_pence = 100000000, one_off_pence = 10000000000 WHERE slug = 'iot-sim-1gb'`); err != nil {
		t.Errorf("prices at the bounds: %v", err)
	}
	for _, o := range []NewOffering{
		{Slug: "too-dear", Name: "Too dear", CategorySlug: "iot", AgreementSlug: DemoAgreementMoU, Unit: "SIM", MonthlyPence: MaxMonthlyPence + 1, Terms: []int{12}},
		{Slug: "too-long", Name: "Too long", CategorySlug: "iot", AgreementSlug: DemoAgreementMoU, Unit: "SIM", MonthlyPence: 1, Terms: []int{121}},
	} {
		err := f.db.LoadCatalogue(f.ctx, Catalogue{Offerings: []NewOffering{o}})
		wantCode(t, err, EINVALID)
	}
}

// Defects 1, 2 and 5 of issue 7, at the store: hostile names and loose
// numbers are refused as invalid input, never stored or a 500.
func TestHostileInputIsInvalidNotStored(t *testing.T) {
	f := openBasketDB(t)
	for _, name := range []string{"\x00", "\x00Library", "Lib\x00rary", "a\r\nb", "Lib\xffrary", "\x1b[2J", "abc\u202edef"} {
		_, err := f.db.CreateBasket(f.ctx, f.north, name)
		wantCode(t, err, EINVALID)
	}
	b := f.ready(t, f.north, "Numbers")
	for _, q := range []string{"1,0,0,0", "1,000", "1e3", "+5", "0x10", "١٠"} {
		_, err := f.db.AddLine(f.ctx, f.north, b.ID, LineForm{"iot-sim-1gb", q, "12"})
		wantCode(t, err, EINVALID)
	}
	req := f.requirements()
	req.WeightPrice = "60%"
	wantCode(t, f.db.SetRequirements(f.ctx, f.north, b.ID, req), EINVALID)
	req = f.requirements()
	req.RequiredBy = DateInput{ISO: "9999-12-31"}
	wantCode(t, f.db.SetRequirements(f.ctx, f.north, b.ID, req), EINVALID)
	req = f.requirements()
	req.Need = "Need\x00with NUL"
	wantCode(t, f.db.SetRequirements(f.ctx, f.north, b.ID, req), EINVALID)
	var n int
	if err := f.db.r.QueryRow(`SELECT count(*) FROM baskets WHERE name <> 'Numbers' OR need LIKE '%NUL%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("got %d hostile rows stored (%v), want none", n, err)
	}
	for _, n := range []NewUser{
		{Name: "\x00", Email: "x@x.example", OrgID: f.northOrg, Role: RoleBuyer, Password: "long enough password"},
		{Name: "Ok", Email: "x\x00@x.example", OrgID: f.northOrg, Role: RoleBuyer, Password: "long enough password"},
	} {
		_, err := f.db.CreateUser(f.ctx, Operator(), n)
		wantCode(t, err, EINVALID)
	}
}
