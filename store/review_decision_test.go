package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// exactOffering adds an offering under the MoU with no discount, priced
// per site per month, so that one site for one month nets exactly net
// pence (Eastbridge has no approved history: no in-life discount).
func (f *basketFixture) exactOffering(t testing.TB, slug string, net int64) {
	t.Helper()
	err := f.db.LoadCatalogue(f.ctx, Catalogue{Offerings: []NewOffering{{Slug: slug, Name: "Exact " + slug, CategorySlug: "sd-wan",
		AgreementSlug: DemoAgreementMoU, Unit: "site", MonthlyPence: net, Terms: []int{1}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// newBuyer adds a council with no approved history and its buyer.
func (f *basketFixture) newBuyer(t testing.TB, name string) *User {
	t.Helper()
	var u User
	err := f.db.write(f.ctx, func(tx *sql.Tx) error {
		o, err := createOrganisation(f.ctx, tx, NewOrganisation{Name: name, Type: OrgDistrictCouncil, Identifier: testIdentifier(name)}, f.db.Now())
		if err != nil {
			return err
		}
		id, err := createUser(f.ctx, tx, NewUser{Name: "Buyer at " + name, Email: "buyer" + strconv.FormatInt(o.ID, 10) + "@council.example",
			OrgID: o.ID, Role: RoleBuyer}, "x", f.db.Now())
		if err != nil {
			return err
		}
		u, err = userByID(f.ctx, tx, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return &u
}

// submitted makes a basket of one line and submits it, returning the
// basket id and its version awaiting a decision.
func (f *basketFixture) submitted(t testing.TB, u *User, name, slug string, q, term int) (int64, QuoteRef) {
	t.Helper()
	b := f.basket(t, u, name)
	f.add(t, u, b.ID, slug, q, term)
	if err := f.db.SetRequirements(f.ctx, u, b.ID, f.requirements()); err != nil {
		t.Fatal(err)
	}
	ref, created, err := f.db.Submit(f.ctx, u, b.ID)
	if err != nil || !created {
		t.Fatalf("submit %s: %v (created %v)", name, err, created)
	}
	return b.ID, ref
}

func (f *basketFixture) decide(u *User, basketID int64, decision, comment string, version int) (DecisionResult, error) {
	return f.db.Decide(f.ctx, u, basketID, DecisionForm{Decision: decision, Comment: comment, QuoteVersion: strconv.Itoa(version)})
}

// counts is what a decision can leave behind for one basket.
type counts struct{ approvals, audit, messages int }

func (f *basketFixture) counts(t testing.TB, basketID int64) counts {
	t.Helper()
	var c counts
	err := f.db.r.QueryRowContext(f.ctx, `SELECT
		(SELECT count(*) FROM quote_approvals a JOIN quote_versions v ON v.id = a.quote_version_id JOIN quotes q ON q.id = v.quote_id WHERE q.basket_id = ?1),
		(SELECT count(*) FROM audit_events WHERE subject_kind = 'basket' AND subject_id = ?1),
		(SELECT count(*) FROM messages WHERE subject_kind = 'basket' AND subject_id = ?1)`, basketID).Scan(&c.approvals, &c.audit, &c.messages)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *basketFixture) quoteStatus(t testing.TB, ref string, version int) QuoteVersion {
	t.Helper()
	q, err := f.db.Quote(f.ctx, f.reviewer, ref, version)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func TestApprovalsNeededAtTheThreshold(t *testing.T) {
	for _, tt := range []struct {
		gross int64
		want  int
	}{{0, 1}, {9_999_998, 1}, {9_999_999, 1}, {10_000_000, 2}, {10_000_001, 2}} {
		if got := ApprovalsNeeded(tt.gross); got != tt.want {
			t.Errorf("ApprovalsNeeded(%s): got %d, want %d", FormatPence(tt.gross), got, tt.want)
		}
	}
}

func TestDecisionRules(t *testing.T) {
	f := openBasketDB(t)
	// £8,333,333 net + £1,666,666.60 VAT rounded to £1,666,667 = £100,000.00
	// gross exactly; a penny less net gives £99,999.98, the nearest gross
	// below £100,000 that 20% VAT on whole pence can make.
	f.exactOffering(t, "exact-100k", 8_333_333)
	f.exactOffering(t, "just-under-100k", 8_333_332)

	t.Run("£100,000.00 gross needs two different reviewers", func(t *testing.T) {
		buyer := f.newBuyer(t, "Threshold District Council")
		id, ref := f.submitted(t, buyer, "At the threshold", "exact-100k", 1, 1)
		q := f.quoteStatus(t, ref.Ref, 1)
		if q.Totals.GrossPence != 10_000_000 || q.ApprovalsNeeded != 2 {
			t.Fatalf("got gross %s needing %d, want £100,000.00 needing 2", FormatPence(q.Totals.GrossPence), q.ApprovalsNeeded)
		}
		res, err := f.decide(f.reviewer, id, DecisionApprove, "", 1)
		if err != nil || res.Status != QuoteSubmitted || res.Approvals != 1 {
			t.Fatalf("first approval: got %+v, %v; want 1 of 2, still submitted", res, err)
		}
		if got := f.get(t, buyer, id).Status; got != BasketSubmitted {
			t.Fatalf("after one approval the basket is %s, want submitted", got)
		}
		res, err = f.decide(f.reviewer2, id, DecisionApprove, "Checked the sites list.", 1)
		if err != nil || res.Status != QuoteApproved || res.Approvals != 2 {
			t.Fatalf("second approval: got %+v, %v; want approved with 2", res, err)
		}
		q = f.quoteStatus(t, ref.Ref, 1)
		if q.Status != QuoteApproved || len(q.Approvals) != 2 || q.Approvals[0].ReviewerEmail != f.reviewer.Email || q.Approvals[1].ReviewerEmail != f.reviewer2.Email {
			t.Fatalf("got %s with approvals %+v, want approved by both reviewers in order", q.Status, q.Approvals)
		}
		if got := f.get(t, buyer, id).Status; got != BasketApproved {
			t.Fatalf("basket %s, want approved", got)
		}
	})

	t.Run("£99,999.98 gross needs one", func(t *testing.T) {
		id, ref := f.submitted(t, f.east, "Under the threshold", "just-under-100k", 1, 1)
		q := f.quoteStatus(t, ref.Ref, 1)
		if q.Totals.GrossPence != 9_999_998 || q.ApprovalsNeeded != 1 {
			t.Fatalf("got gross %s needing %d, want £99,999.98 needing 1", FormatPence(q.Totals.GrossPence), q.ApprovalsNeeded)
		}
		if res, err := f.decide(f.reviewer, id, DecisionApprove, "", 1); err != nil || res.Status != QuoteApproved {
			t.Fatalf("got %+v, %v; want approved by one reviewer", res, err)
		}
	})

	t.Run("nobody approves the same version twice", func(t *testing.T) {
		id, ref := f.submitted(t, f.east, "Twice", "exact-100k", 1, 1)
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", 1); err != nil {
			t.Fatal(err)
		}
		before := f.counts(t, id)
		_, err := f.decide(f.reviewer, id, DecisionApprove, "", 1)
		wantCode(t, err, ECONFLICT)
		if !strings.Contains(ErrorMessage(err), "already approved") || !strings.Contains(ErrorMessage(err), "second, different reviewer") {
			t.Errorf("got %q, want it to say they already approved and a different reviewer must", ErrorMessage(err))
		}
		if after := f.counts(t, id); after != before {
			t.Fatalf("the refused approval left traces: %+v → %+v", before, after)
		}
		if q := f.quoteStatus(t, ref.Ref, 1); q.Status != QuoteSubmitted || len(q.Approvals) != 1 {
			t.Fatalf("got %s with %d approvals, want submitted with 1", q.Status, len(q.Approvals))
		}
	})

	t.Run("not from the basket's own organisation", func(t *testing.T) {
		id, _ := f.submitted(t, f.east, "Own organisation", "exact-100k", 1, 1)
		insider := *f.reviewer
		insider.OrgID = f.eastOrg // a reviewer who works for Eastbridge
		before := f.counts(t, id)
		for _, d := range []string{DecisionApprove, DecisionChanges, DecisionReject} {
			_, err := f.decide(&insider, id, d, "A comment", 1)
			wantCode(t, err, EFORBIDDEN)
			if !strings.Contains(ErrorMessage(err), "your own organisation") {
				t.Errorf("%s: got %q, want it to say why", d, ErrorMessage(err))
			}
		}
		if after := f.counts(t, id); after != before {
			t.Fatalf("refused decisions left traces: %+v → %+v", before, after)
		}
		if _, err := f.decide(f.north, id, DecisionApprove, "", 1); ErrorCode(err) != EFORBIDDEN {
			t.Fatalf("a buyer deciding: got %v, want EFORBIDDEN", err)
		}
	})

	t.Run("a stale version is a conflict", func(t *testing.T) {
		id, _ := f.submitted(t, f.east, "Stale", "exact-100k", 1, 1)
		if _, err := f.db.Withdraw(f.ctx, f.east, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.db.Submit(f.ctx, f.east, id); err != nil {
			t.Fatal(err)
		}
		before := f.counts(t, id)
		for _, d := range []string{DecisionApprove, DecisionChanges, DecisionReject} {
			_, err := f.decide(f.reviewer, id, d, "Looks fine", 1)
			wantCode(t, err, ECONFLICT)
			if !strings.Contains(ErrorMessage(err), "Version 2") {
				t.Errorf("%s on v1: got %q, want it to name version 2", d, ErrorMessage(err))
			}
		}
		_, err := f.db.Decide(f.ctx, f.reviewer, id, DecisionForm{Decision: DecisionApprove})
		wantCode(t, err, ECONFLICT) // no version at all
		if after := f.counts(t, id); after != before {
			t.Fatalf("refused decisions left traces: %+v → %+v", before, after)
		}
		if _, err := f.decide(f.reviewer, id, DecisionApprove, "", 2); err != nil {
			t.Fatalf("deciding on version 2: %v", err)
		}
	})

	t.Run("changes and reject need a comment", func(t *testing.T) {
		id, ref := f.submitted(t, f.east, "Comment", "just-under-100k", 1, 1)
		before := f.counts(t, id)
		for _, d := range []string{DecisionChanges, DecisionReject} {
			for _, comment := range []string{"", "   \n\t "} {
				_, err := f.decide(f.reviewer, id, d, comment, 1)
				wantCode(t, err, EINVALID)
				if fs := ErrorFields(err); len(fs) != 1 || fs[0].Field != "comment" {
					t.Errorf("%s with %q: got fields %+v, want the comment", d, comment, fs)
				}
			}
		}
		_, err := f.decide(f.reviewer, id, "maybe", "", 1)
		if fs := ErrorFields(err); ErrorCode(err) != EINVALID || len(fs) == 0 || fs[0].Field != "decision" {
			t.Errorf("an unknown decision: got %v, want the decision field", err)
		}
		_, err = f.decide(f.reviewer, id, DecisionReject, "bad\x1b[31m", 1)
		if fs := ErrorFields(err); len(fs) != 1 || fs[0].Field != "comment" {
			t.Errorf("a comment with an escape sequence: got %v, want it refused", err)
		}
		if after := f.counts(t, id); after != before {
			t.Fatalf("refused decisions left traces: %+v → %+v", before, after)
		}
		if q := f.quoteStatus(t, ref.Ref, 1); q.Status != QuoteSubmitted {
			t.Fatalf("got %s, want still submitted", q.Status)
		}
	})

	t.Run("an expired quote is never approvable, swept or not", func(t *testing.T) {
		id, ref := f.submitted(t, f.east, "Lapsing", "just-under-100k", 1, 1)
		defer func(now time.Time) { *f.now = now }(*f.now)
		*f.now = ref.ValidUntilDate().AddDate(0, 0, 1).Add(time.Minute) // just after UK midnight ending its last day
		_, err := f.decide(f.reviewer, id, DecisionApprove, "", 1)
		wantCode(t, err, ECONFLICT)
		if !strings.Contains(ErrorMessage(err), "expired") {
			t.Errorf("got %q, want it to say the quote expired", ErrorMessage(err))
		}
		if q := f.quoteStatus(t, ref.Ref, 1); q.Status != QuoteExpired || len(q.Approvals) != 0 {
			t.Fatalf("got %s with %d approvals, want expired with none", q.Status, len(q.Approvals))
		}
	})

	t.Run("changes or reject after one of two approvals ends that version", func(t *testing.T) {
		for _, d := range []string{DecisionChanges, DecisionReject} {
			t.Run(d, func(t *testing.T) {
				id, ref := f.submitted(t, f.east, "Half approved "+d, "exact-100k", 1, 1)
				if _, err := f.decide(f.reviewer, id, DecisionApprove, "", 1); err != nil {
					t.Fatal(err)
				}
				res, err := f.decide(f.reviewer2, id, d, "The budget line is wrong", 1)
				if err != nil {
					t.Fatal(err)
				}
				q := f.quoteStatus(t, ref.Ref, 1)
				if q.Status != res.Status || q.Status == QuoteApproved || q.Status == QuoteSubmitted {
					t.Fatalf("got %s, want the version ended (%s)", q.Status, res.Status)
				}
				// The first approval cannot complete it any more.
				_, err = f.decide(f.reviewer2, id, DecisionApprove, "", 1)
				wantCode(t, err, ECONFLICT)
				if d == DecisionReject {
					if got := f.get(t, f.east, id).Status; got != BasketRejected {
						t.Fatalf("got basket %s, want rejected", got)
					}
					return
				}
				// Approvals never carry over: v2 starts from none, and the
				// first approver may approve it again.
				f.add(t, f.east, id, "exact-100k", 1, 1)
				v2, _, err := f.db.Submit(f.ctx, f.east, id)
				if err != nil || v2.Version != 2 {
					t.Fatalf("resubmit: %+v %v", v2, err)
				}
				if q := f.quoteStatus(t, ref.Ref, 2); len(q.Approvals) != 0 || q.ApprovalsNeeded != 2 {
					t.Fatalf("v2: got %d approvals of %d, want 0 of 2", len(q.Approvals), q.ApprovalsNeeded)
				}
				if res, err := f.decide(f.reviewer, id, DecisionApprove, "", 2); err != nil || res.Approvals != 1 || res.Status != QuoteSubmitted {
					t.Fatalf("v2 first approval: %+v %v", res, err)
				}
			})
		}
	})
}

func TestDecisionsAreAuditedAndMessaged(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "exact-100k", 8_333_333)
	id, _ := f.submitted(t, f.east, "Heard about", "exact-100k", 1, 1)
	msgs := func(u *User) []Message {
		t.Helper()
		mp, err := f.db.Messages(f.ctx, u, 1)
		if err != nil {
			t.Fatal(err)
		}
		return mp.Messages
	}
	if m := msgs(f.reviewer); len(m) != 1 || m[0].Kind != MsgReviewRequested || m[0].Path != "/review/baskets/"+strconv.FormatInt(id, 10) ||
		!strings.Contains(m[0].Title, "Eastbridge Borough Council") || !strings.Contains(m[0].Body, "£100,000.00") || !strings.Contains(m[0].Body, "two different") {
		t.Fatalf("reviewer after submit: got %+v, want one request to review naming the council, value and two approvals", m)
	}
	if m := msgs(f.east); len(m) != 1 || m[0].Kind != MsgQuoteSubmitted || !strings.Contains(m[0].Body, "decide by") {
		t.Fatalf("buyer after submit: got %+v, want a confirmation with the due date", m)
	}
	if m := msgs(f.north); len(m) != 0 {
		t.Fatalf("another council's buyer got %+v, want nothing", m)
	}

	if _, err := f.decide(f.reviewer, id, DecisionApprove, "Sites checked", 1); err != nil {
		t.Fatal(err)
	}
	last := f.get(t, f.east, id).Events
	e := last[len(last)-1]
	if e.Action != ActionApprove || e.From != "submitted" || e.To != "submitted" || e.Comment != "Sites checked" || e.QuoteVersion != 1 ||
		e.Actor.UserID != f.reviewer.ID || e.Actor.Role != RoleReviewer {
		t.Fatalf("got audit %+v, want the first approval by the reviewer with their comment, still submitted", e)
	}
	if m := msgs(f.reviewer2); len(m) != 2 || m[0].Kind != MsgSecondApprovalNeeded {
		t.Fatalf("second reviewer: got %+v, want a second-approval request on top", m)
	}
	if m := msgs(f.reviewer); len(m) != 1 {
		t.Fatalf("the first approver got %d messages, want only the original request", len(m))
	}
	if m := msgs(f.east); len(m) != 2 || m[0].Kind != MsgFirstApproval || !strings.Contains(m[0].Body, "Sites checked") {
		t.Fatalf("buyer: got %+v, want the first approval with its comment", m)
	}

	if _, err := f.decide(f.reviewer2, id, DecisionChanges, "Split it by site, please.", 1); err != nil {
		t.Fatal(err)
	}
	last = f.get(t, f.east, id).Events
	e = last[len(last)-1]
	if e.Action != ActionRequestChanges || e.From != "submitted" || e.To != "changes_requested" || e.Comment != "Split it by site, please." ||
		e.Details["approvals_void"] != float64(1) {
		t.Fatalf("got audit %+v, want changes requested with the comment, voiding one approval", e)
	}
	if m := msgs(f.east); m[0].Kind != MsgChangesRequested || !strings.Contains(m[0].Body, "Split it by site, please.") {
		t.Fatalf("buyer: got %+v, want the request for changes with the comment", m[0])
	}
	if m := msgs(f.reviewer); m[0].Kind != MsgChangesRequested || !strings.Contains(m[0].Body, "no longer counts") {
		t.Fatalf("first approver: got %+v, want to hear their approval no longer counts", m[0])
	}
}

func TestApprovalRaisesTheNextBasketsTier(t *testing.T) {
	f := openBasketDB(t)
	// Eastbridge starts with no approved history: 0 bp. A quote of 120 ×
	// £30 × 36 months less 15.75% MoU nets £109,161.60, over the £100,000
	// tier threshold once approved.
	id, ref := f.submitted(t, f.east, "Big one", "business-unlimited-5g-sim-plus", 120, 36)
	if s, _ := f.db.Inlife(f.ctx, f.east, f.mouID); s.Tier.BP != 0 {
		t.Fatalf("before: got %d bp, want 0", s.Tier.BP)
	}
	next := f.ready(t, f.east, "Next one")
	if next.Inlife.Tier.BP != 0 {
		t.Fatalf("a basket priced before the approval: got %d bp, want 0", next.Inlife.Tier.BP)
	}
	for _, r := range []*User{f.reviewer, f.reviewer2} {
		if _, err := f.decide(r, id, DecisionApprove, "", ref.Version); err != nil {
			t.Fatal(err)
		}
	}
	q := f.quoteStatus(t, ref.Ref, 1)
	if q.Status != QuoteApproved || q.Totals.NetPence < 10_000_000 {
		t.Fatalf("got %s net %s, want approved over £100,000 net", q.Status, FormatPence(q.Totals.NetPence))
	}
	after := f.get(t, f.east, next.ID)
	if after.Inlife.Tier.BP != 150 || after.Inlife.CumulativePence != q.Totals.NetPence {
		t.Fatalf("after: got %d bp on %s, want 150 bp on the approved %s", after.Inlife.Tier.BP, FormatPence(after.Inlife.CumulativePence), FormatPence(q.Totals.NetPence))
	}
	l := after.Lines[0].Price
	if want := RoundDiv((l.ListPence-l.MouPence)*150, 10_000); l.InlifePence != want {
		t.Fatalf("the next basket's line: got in-life %d, want %d (150 bp after the MoU discount)", l.InlifePence, want)
	}
}

// Two reviewers deciding the same version at once end in one consistent
// state: every approval that was accepted is counted once, the version's
// status agrees with them, and each accepted decision has its one audit row.
func TestConcurrentDecisionsOnOneVersion(t *testing.T) {
	f := openBasketDB(t)
	f.exactOffering(t, "exact-100k", 8_333_333)
	type move struct {
		who      *User
		decision string
	}
	cases := []struct {
		name  string
		moves [2]move
		// check the end state given which moves were accepted
		check func(t *testing.T, q QuoteVersion, accepted [2]bool)
	}{
		{"two reviewers approve", [2]move{{f.reviewer, DecisionApprove}, {f.reviewer2, DecisionApprove}},
			func(t *testing.T, q QuoteVersion, ok [2]bool) {
				if !ok[0] || !ok[1] || q.Status != QuoteApproved || len(q.Approvals) != 2 {
					t.Fatalf("got %s with %d approvals (accepted %v), want approved by both", q.Status, len(q.Approvals), ok)
				}
			}},
		{"one approves as the other rejects", [2]move{{f.reviewer, DecisionApprove}, {f.reviewer2, DecisionReject}},
			func(t *testing.T, q QuoteVersion, ok [2]bool) {
				if !ok[1] || q.Status != QuoteRejected {
					t.Fatalf("got %s (accepted %v), want the rejection to stand", q.Status, ok)
				}
				if want := map[bool]int{true: 1, false: 0}[ok[0]]; len(q.Approvals) != want {
					t.Fatalf("got %d approvals, want %d (approval accepted: %v)", len(q.Approvals), want, ok[0])
				}
			}},
		{"the same reviewer approves twice", [2]move{{f.reviewer, DecisionApprove}, {f.reviewer, DecisionApprove}},
			func(t *testing.T, q QuoteVersion, ok [2]bool) {
				if ok[0] == ok[1] || q.Status != QuoteSubmitted || len(q.Approvals) != 1 {
					t.Fatalf("got %s with %d approvals (accepted %v), want exactly one approval counted", q.Status, len(q.Approvals), ok)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 8 {
				buyer := f.newBuyer(t, fmt.Sprintf("%s %d Council", tc.name, round))
				id, ref := f.submitted(t, buyer, "Concurrent", "exact-100k", 1, 1)
				before := f.counts(t, id)
				var wg sync.WaitGroup
				start := make(chan struct{})
				var accepted [2]bool
				var errs [2]error
				for i, m := range tc.moves {
					wg.Go(func() {
						<-start
						_, errs[i] = f.db.Decide(context.Background(), m.who, id, DecisionForm{Decision: m.decision, Comment: "Not value for money", QuoteVersion: "1"})
						accepted[i] = errs[i] == nil
					})
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil && ErrorCode(err) != ECONFLICT {
						t.Fatalf("move %d: got %v, want success or a conflict", i, err)
					}
				}
				q := f.quoteStatus(t, ref.Ref, 1)
				tc.check(t, q, accepted)
				after := f.counts(t, id)
				n := 0
				for _, ok := range accepted {
					if ok {
						n++
					}
				}
				if after.audit-before.audit != n {
					t.Fatalf("got %d audit rows for %d accepted decisions", after.audit-before.audit, n)
				}
				if after.approvals != len(q.Approvals) {
					t.Fatalf("approval rows %d, quote shows %d", after.approvals, len(q.Approvals))
				}
				b := f.get(t, buyer, id)
				wantBasket := map[QuoteStatus]BasketStatus{QuoteApproved: BasketApproved, QuoteRejected: BasketRejected, QuoteSubmitted: BasketSubmitted}[q.Status]
				if b.Status != wantBasket {
					t.Fatalf("basket %s with quote %s", b.Status, q.Status)
				}
			}
		})
	}
}
