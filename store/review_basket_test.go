package store

import (
	"strings"
	"testing"
	"time"
)

func checkNamed(t *testing.T, r BasketReview, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return Check{}
}

func TestBasketReview(t *testing.T) {
	f := openBasketDB(t)
	// An earlier approved quote of Eastbridge's under the MoU, for the
	// history and the tier: 120 × £30 × 36 months less 15.75% ≈ £109,162 net.
	earlier, _ := f.submitted(t, f.east, "Earlier", "business-unlimited-5g-sim-plus", 120, 36)
	for _, r := range []*User{f.reviewer, f.reviewer2} {
		if _, err := f.decide(r, earlier, DecisionApprove, "", 1); err != nil {
			t.Fatal(err)
		}
	}
	*f.now = f.now.Add(24 * time.Hour)
	id, ref := f.submitted(t, f.east, "Under review", "business-unlimited-5g-sim", 10, 24)

	r, err := f.db.BasketReview(f.ctx, f.reviewer, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.BasketName != "Under review" || r.OrgName != "Eastbridge Borough Council" || !r.Awaiting || r.Quote.Ref != ref.Ref || r.Diff != nil || r.CannotDecide != "" {
		t.Fatalf("got %+v", r)
	}
	if len(r.History) != 1 || r.History[0].BasketName != "Earlier" || r.History[0].Status != QuoteApproved || r.HistoryTotal != 1 || r.ApprovedNet != r.History[0].NetPence {
		t.Fatalf("history: got %+v (total %d, approved %d)", r.History, r.HistoryTotal, r.ApprovedNet)
	}
	// 10 SIMs for 24 months at the 150 bp tier is well within £50,000.50.
	if c := checkNamed(t, r, "Budget"); c.Verdict != CheckPass || !strings.Contains(c.Summary, "Within budget") {
		t.Fatalf("budget: got %+v", c)
	}
	if c := checkNamed(t, r, "Approvals"); c.Verdict != CheckPass {
		t.Fatalf("approvals: got %+v, want one approval enough", c)
	}
	if c := checkNamed(t, r, "In-life tier"); c.Verdict != CheckPass || !strings.Contains(c.Summary, "1.5%") {
		t.Fatalf("tier: got %+v, want 1.5%% confirmed from the earlier approval", c)
	}
	if c := checkNamed(t, r, "Catalogue prices since issue"); c.Verdict != CheckPass {
		t.Fatalf("prices: got %+v", c)
	}
	if c := checkNamed(t, r, "Publication duties"); c.Verdict != CheckInfo || len(c.Details) != 1 || !strings.Contains(c.Details[0], "over £500") {
		t.Fatalf("duties: got %+v, want only the transparency code's spend over £500 for a district council at this value", c)
	}
	if c := checkNamed(t, r, "Validity"); c.Verdict != CheckPass {
		t.Fatalf("validity: got %+v", c)
	}

	t.Run("a price changed since issue", func(t *testing.T) {
		if _, err := f.db.w.Exec(`UPDATE offerings SET monthly_pence = monthly_pence + 150 WHERE slug = 'business-unlimited-5g-sim'`); err != nil {
			t.Fatal(err)
		}
		defer f.db.w.Exec(`UPDATE offerings SET monthly_pence = monthly_pence - 150 WHERE slug = 'business-unlimited-5g-sim'`)
		r, err := f.db.BasketReview(f.ctx, f.reviewer, id)
		if err != nil {
			t.Fatal(err)
		}
		c := checkNamed(t, r, "Catalogue prices since issue")
		if c.Verdict != CheckWarning || len(c.Details) != 1 || !strings.Contains(c.Details[0], "monthly price £") {
			t.Fatalf("got %+v, want the old and new monthly price", c)
		}
		old, now := r.Quote.Lines[0].MonthlyPence, r.Quote.Lines[0].MonthlyPence+150
		if !strings.Contains(c.Details[0], FormatPence(old)+" → "+FormatPence(now)) {
			t.Fatalf("got %q, want %s → %s", c.Details[0], FormatPence(old), FormatPence(now))
		}
	})

	t.Run("a tier that the history does not support", func(t *testing.T) {
		// Pretend the earlier quote was approved only after this one was
		// issued: the 1.5% fixed into this quote is then not earned.
		if _, err := f.db.w.Exec(`UPDATE quote_versions SET decided_at = ? WHERE status = 'approved'`, timestamp(f.db.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		r, err := f.db.BasketReview(f.ctx, f.reviewer, id)
		if err != nil {
			t.Fatal(err)
		}
		if c := checkNamed(t, r, "In-life tier"); c.Verdict != CheckWarning || !strings.Contains(c.Summary, "puts the organisation at 0%") {
			t.Fatalf("got %+v, want a warning", c)
		}
	})

	t.Run("version 2 shows what changed", func(t *testing.T) {
		if _, err := f.db.Withdraw(f.ctx, f.east, id); err != nil {
			t.Fatal(err)
		}
		b := f.get(t, f.east, id)
		if err := f.db.UpdateLine(f.ctx, f.east, id, b.Lines[0].ID, LineChange{Quantity: "12", TermMonths: "24"}); err != nil {
			t.Fatal(err)
		}
		f.add(t, f.east, id, "iot-sim-1gb", 50, 12)
		if _, _, err := f.db.Submit(f.ctx, f.east, id); err != nil {
			t.Fatal(err)
		}
		r, err := f.db.BasketReview(f.ctx, f.reviewer, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Quote.Version != 2 || r.Diff == nil || r.Diff.From != 1 || len(r.Diff.Lines) != 2 ||
			r.Diff.Lines[0].Change != LineWasChanged || !strings.Contains(strings.Join(r.Diff.Lines[0].Changes, ";"), "quantity 10 → 12") ||
			r.Diff.Lines[1].Change != LineWasAdded {
			t.Fatalf("got version %d with diff %+v", r.Quote.Version, r.Diff)
		}
	})

	t.Run("over budget and two approvals", func(t *testing.T) {
		f.exactOffering(t, "exact-100k", 8_333_333)
		b := f.basket(t, f.north, "Costly")
		f.add(t, f.north, b.ID, "exact-100k", 1, 1)
		if err := f.db.SetRequirements(f.ctx, f.north, b.ID, f.requirements()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.db.Submit(f.ctx, f.north, b.ID); err != nil {
			t.Fatal(err)
		}
		r, err := f.db.BasketReview(f.ctx, f.reviewer, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c := checkNamed(t, r, "Budget"); c.Verdict != CheckWarning || !strings.Contains(c.Summary, "Over budget by £49,999.50") {
			t.Fatalf("budget: got %+v, want over by £100,000.00 − £50,000.50", c)
		}
		if c := checkNamed(t, r, "Approvals"); c.Verdict != CheckInfo || !strings.Contains(c.Summary, "two different reviewers") {
			t.Fatalf("approvals: got %+v", c)
		}
	})

	t.Run("who may see it", func(t *testing.T) {
		insider := *f.reviewer
		insider.OrgID = f.eastOrg
		r, err := f.db.BasketReview(f.ctx, &insider, id)
		if err != nil || !strings.Contains(r.CannotDecide, "own organisation") {
			t.Fatalf("a reviewer from the basket's organisation: got %q, %v", r.CannotDecide, err)
		}
		if _, err := f.db.BasketReview(f.ctx, f.east, id); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("a buyer: got %v, want EFORBIDDEN", err)
		}
		draft := f.basket(t, f.east, "Never submitted")
		if _, err := f.db.BasketReview(f.ctx, f.reviewer, draft.ID); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("a draft: got %v, want ENOTFOUND", err)
		}
	})
}
