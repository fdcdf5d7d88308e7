package store

// A reviewer's view of a basket (issue 8 point 3): the quote version under
// review, what changed since the version before, the automatic checks, the
// organisation's earlier quotes under the agreement and the basket's trail.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Check verdicts.
const (
	CheckPass    = "pass"
	CheckWarning = "warning"
	CheckInfo    = "info"
)

// Check is one automatic check of a quote, with a plain verdict.
type Check struct {
	Name    string
	Verdict string // CheckPass, CheckWarning or CheckInfo
	Summary string
	Details []string
}

// BasketReview is a basket as a reviewer decides on it.
type BasketReview struct {
	BasketID     int64
	BasketName   string
	BasketStatus BasketStatus
	OrgID        int64
	OrgName      string
	// Quote is the version awaiting a decision or, when none does, the latest.
	Quote    QuoteVersion
	Awaiting bool
	// Diff is what changed since the version before (nil for version 1).
	Diff   *VersionDiff
	Checks []Check
	// History is the organisation's other quotes under the agreement
	// (their latest versions, newest first; at most historyLimit), of
	// HistoryTotal.
	History      []QuoteSummary
	HistoryTotal int
	// ApprovedNet is the organisation's approved net total under the
	// agreement now.
	ApprovedNet int64
	Due         DueStatus
	// WorkingDays is the service level the due date comes from.
	WorkingDays int
	// CannotDecide says why the reviewer cannot decide ("" when they can).
	CannotDecide string
	Events       []AuditEvent // the basket's trail, oldest first
	Now          time.Time
}

const historyLimit = 20

// BasketReview returns basket basketID as reviewer u reviews it. A basket
// never submitted is ENOTFOUND.
func (db *DB) BasketReview(ctx context.Context, u *User, basketID int64) (BasketReview, error) {
	if !u.Is(RoleReviewer) {
		return BasketReview{}, Errorf(EFORBIDDEN, "Only CCS reviewers review baskets.")
	}
	if err := db.expireDue(ctx); err != nil {
		return BasketReview{}, err
	}
	now := db.Now()
	r := BasketReview{BasketID: basketID, Now: now}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var ref string
		var agreementID int64
		err := tx.QueryRowContext(ctx, `SELECT b.name, b.status, b.org_id, o.name, q.ref, q.agreement_id
			FROM baskets b JOIN organisations o ON o.id = b.org_id JOIN quotes q ON q.basket_id = b.id WHERE b.id = ?`, basketID).
			Scan(&r.BasketName, &r.BasketStatus, &r.OrgID, &r.OrgName, &ref, &agreementID)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no such basket, or it has not been submitted for review.")
		} else if err != nil {
			return err
		}
		if r.Quote, err = loadQuote(ctx, tx, u, ref, 0); err != nil {
			return err
		}
		r.Awaiting = r.Quote.Status == QuoteSubmitted
		if r.Quote.Version > 1 {
			prev, err := loadQuote(ctx, tx, u, ref, r.Quote.Version-1)
			if err != nil {
				return err
			}
			d := DiffQuotes(prev.Version, prev.QuoteSnapshot, r.Quote.Version, r.Quote.QuoteSnapshot)
			r.Diff = &d
		}
		if r.History, r.HistoryTotal, err = orgQuotes(ctx, tx, r.OrgID, agreementID, basketID); err != nil {
			return err
		}
		if r.ApprovedNet, err = approvedNet(ctx, tx, r.OrgID, agreementID, 0); err != nil {
			return err
		}
		if r.Checks, err = quoteChecks(ctx, tx, r.Quote, r.OrgID, agreementID, now); err != nil {
			return err
		}
		var approvedByMe bool
		for _, a := range r.Quote.Approvals {
			approvedByMe = approvedByMe || a.ReviewerEmail == u.Email
		}
		r.CannotDecide = cannotDecide(u, r.OrgID, approvedByMe && r.Awaiting)
		r.Events, err = auditTrail(ctx, tx, Subject{SubjectBasket, basketID}, "")
		return err
	})
	r.Due, r.WorkingDays = db.ReviewSLA.Status(r.Quote.IssuedAt, now), db.ReviewSLA.WorkingDays
	return r, err
}

// orgQuotes lists an organisation's quotes under an agreement other than
// one basket's: their latest versions, newest first, and how many there are.
func orgQuotes(ctx context.Context, tx *sql.Tx, orgID, agreementID, exceptBasket int64) ([]QuoteSummary, int, error) {
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM quotes WHERE org_id = ? AND agreement_id = ? AND basket_id <> ?`,
		orgID, agreementID, exceptBasket).Scan(&total); err != nil {
		return nil, 0, err
	}
	out, err := collect(ctx, tx, func(r scanner) (s QuoteSummary, err error) {
		var issued string
		err = r.Scan(&s.Ref, &s.Version, &s.Status, &issued, &s.ValidUntil, &s.BasketID, &s.BasketName, &s.NetPence, &s.GrossPence)
		s.IssuedAt = parseTimestamp(issued)
		return s, err
	}, `SELECT q.ref, v.version, v.status, v.issued_at, v.valid_until, b.id, b.name, v.net_total_pence, v.gross_total_pence
		FROM quotes q JOIN quote_versions v ON v.quote_id = q.id JOIN baskets b ON b.id = q.basket_id
		WHERE q.org_id = ? AND q.agreement_id = ? AND q.basket_id <> ? AND v.version = (SELECT max(version) FROM quote_versions WHERE quote_id = q.id)
		ORDER BY v.issued_at DESC, q.id DESC LIMIT ?`, orgID, agreementID, exceptBasket, historyLimit)
	return out, total, err
}

// quoteChecks are the automatic checks of a quote version (issue 8 point 3).
func quoteChecks(ctx context.Context, tx *sql.Tx, q QuoteVersion, orgID, agreementID int64, now time.Time) ([]Check, error) {
	t, req := q.Totals, q.Requirements
	var checks []Check

	budget := Check{Name: "Budget", Verdict: CheckPass,
		Summary: "Within budget: " + FormatPence(t.GrossPence) + " including VAT against a budget of " + FormatPence(req.BudgetPence) + "."}
	if q.OverBudget() {
		budget.Verdict = CheckWarning
		budget.Summary = "Over budget by " + FormatPence(t.GrossPence-req.BudgetPence) + ": " + FormatPence(t.GrossPence) +
			" including VAT against a budget of " + FormatPence(req.BudgetPence) + "."
	}
	checks = append(checks, budget)

	approvals := Check{Name: "Approvals", Verdict: CheckPass,
		Summary: "Under " + FormatPence(TwoApproverGrossPence) + " gross: one reviewer’s approval is enough."}
	if q.ApprovalsNeeded >= 2 {
		approvals.Verdict = CheckInfo
		approvals.Summary = "At or over " + FormatPence(TwoApproverGrossPence) + " gross: two different reviewers must approve it (" +
			strconv.Itoa(len(q.Approvals)) + " of 2 so far)."
	}
	for _, a := range q.Approvals {
		approvals.Details = append(approvals.Details, "Approved by "+a.Reviewer+" on "+FormatDate(a.At)+" at "+a.At.In(London).Format("15:04"))
	}
	checks = append(checks, approvals)

	prices, err := priceChangesSinceIssue(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	checks = append(checks, prices)

	duties := PublicationDuties(q.Organisation.Type, t)
	pub := Check{Name: "Publication duties", Verdict: CheckPass, Summary: "At this value no publication duty applies to " + q.Organisation.Name + "."}
	if len(duties) > 0 {
		pub.Verdict, pub.Summary, pub.Details = CheckInfo, "The value triggers publication duties for "+q.Organisation.Name+":", duties
	}
	checks = append(checks, pub)

	tier, err := tierAtIssue(ctx, tx, q, orgID, agreementID)
	if err != nil {
		return nil, err
	}
	checks = append(checks, tier)

	validity := Check{Name: "Validity", Verdict: CheckPass, Summary: "Valid until " + FormatDate(q.ValidUntilDate()) + "."}
	if q.Status == QuoteSubmitted {
		if left := int(q.ValidUntilDate().Sub(TodayLondon(now)).Hours()/24 + 0.5); left <= 7 {
			validity.Verdict = CheckWarning
			validity.Summary = fmt.Sprintf("Valid until %s: it expires in %d days unless it is approved.", FormatDate(q.ValidUntilDate()), left)
			if left == 0 {
				validity.Summary = "Valid until today, " + FormatDate(q.ValidUntilDate()) + ": it expires tonight unless it is approved."
			}
		}
	}
	checks = append(checks, validity)
	return checks, nil
}

// priceChangesSinceIssue compares each line's prices at issue with the
// catalogue's now.
func priceChangesSinceIssue(ctx context.Context, tx *sql.Tx, q QuoteVersion) (Check, error) {
	c := Check{Name: "Catalogue prices since issue", Verdict: CheckPass, Summary: "No line’s catalogue price has changed since the quote was issued."}
	for _, l := range q.Lines {
		var monthly, oneOff, mou int64
		var active bool
		err := tx.QueryRowContext(ctx, `SELECT monthly_pence, one_off_pence, mou_discount_bp, active FROM offerings WHERE slug = ?`, l.OfferingSlug).
			Scan(&monthly, &oneOff, &mou, &active)
		if errors.Is(err, sql.ErrNoRows) {
			c.Details = append(c.Details, l.OfferingName+": no longer in the catalogue")
			continue
		} else if err != nil {
			return c, err
		}
		now := l
		now.MonthlyPence, now.OneOffPence, now.MouBP = monthly, oneOff, mou
		now.Price = l.Price // prices only: the net would differ for every line
		if ch := lineChanges(l, now); len(ch) > 0 {
			c.Details = append(c.Details, l.OfferingName+": "+strings.Join(ch, ", "))
		}
		if !active {
			c.Details = append(c.Details, l.OfferingName+": withdrawn from the catalogue since issue")
		}
	}
	if len(c.Details) > 0 {
		c.Verdict = CheckWarning
		c.Summary = "Catalogue prices have changed since issue. The quote stands at the prices it was issued at:"
	}
	return c, nil
}

// tierAtIssue checks the in-life tier fixed into the quote against the
// organisation's approved purchases under the agreement when it was issued.
func tierAtIssue(ctx context.Context, tx *sql.Tx, q QuoteVersion, orgID, agreementID int64) (Check, error) {
	var before int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(v.net_total_pence), 0) FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE q.org_id = ? AND q.agreement_id = ? AND q.basket_id <> ? AND v.status = 'approved' AND v.decided_at <= ?`,
		orgID, agreementID, q.BasketID, timestamp(q.IssuedAt)).Scan(&before); err != nil {
		return Check{}, err
	}
	want, _, _ := TierFor(q.Agreement.Tiers, before)
	c := Check{Name: "In-life tier", Verdict: CheckPass,
		Summary: FormatBP(q.InlifeBP) + " in-life discount is right: " + FormatPence(before) + " of approved purchases under the agreement before issue puts the organisation in the tier " +
			TierLabel(want) + "."}
	if want.BP != q.InlifeBP {
		c.Verdict = CheckWarning
		c.Summary = "The quote has a " + FormatBP(q.InlifeBP) + " in-life discount, but " + FormatPence(before) +
			" of approved purchases before issue puts the organisation at " + FormatBP(want.BP) + " (" + TierLabel(want) + ")."
	}
	return c, nil
}
