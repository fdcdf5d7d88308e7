package store

// Reviewers' decisions on baskets (PRODUCT.md §5). A decision enters through
// the one basket door (basket_door.go), inside the write transaction, which
// refuses a basket from the reviewer's own organisation, a basket not
// waiting for a decision, a quote version other than the one awaiting a
// decision, and a quote past its validity (expiring it first). Then:
//
//   - approve: one approval per reviewer per version (a second one by the
//     same person is refused and not counted); the last approval needed —
//     two, from different reviewers, at £100,000.00 gross or more — approves
//     the quote and the basket, which then counts towards the organisation's
//     in-life tier;
//   - changes and reject need a comment and end the version, whatever
//     approvals it had: approvals belong to one version and never carry over.
//
// Every decision writes one audit row (the door) and its messages (notify),
// in the same transaction.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Decision values of the review form's "decision" field.
const (
	DecisionApprove = "approve"
	DecisionChanges = "changes"
	DecisionReject  = "reject"
)

// DecisionForm is a reviewer's decision as the form sent it.
type DecisionForm struct {
	Decision string // approve, changes or reject
	Comment  string // required for changes and reject
	// QuoteVersion is the version the reviewer had on screen.
	QuoteVersion string
}

// DecisionResult says what a decision did.
type DecisionResult struct {
	Action    Action
	Ref       string
	Version   int
	Approvals int // approvals of the version after this decision
	Needed    int
	Status    QuoteStatus // the version's status after it

	// What the messages about it need.
	op      *basketOp
	earlier []int64 // reviewers who approved the version before this decision
	comment string
}

// Message is the confirmation for the reviewer.
func (r DecisionResult) Message() string {
	q := r.Ref + " version " + strconv.Itoa(r.Version)
	switch {
	case r.Action == ActionApprove && r.Status == QuoteApproved:
		return "Quote " + q + " approved"
	case r.Action == ActionApprove:
		return fmt.Sprintf("Your approval of quote %s is recorded: %d of %d. It needs a second reviewer’s approval.", q, r.Approvals, r.Needed)
	case r.Action == ActionRequestChanges:
		return "Changes requested to quote " + q + ": the basket is back with the buyer"
	}
	return "Quote " + q + " rejected"
}

// decisionActions maps the form's values to basket actions.
var decisionActions = map[string]Action{DecisionApprove: ActionApprove, DecisionChanges: ActionRequestChanges, DecisionReject: ActionReject}

// Decide records reviewer's decision on basket basketID's quote version
// awaiting a decision, with its messages, in one transaction.
func (db *DB) Decide(ctx context.Context, reviewer *User, basketID int64, f DecisionForm) (DecisionResult, error) {
	if err := mayAttempt(reviewer, ActionApprove); err != nil {
		return DecisionResult{}, err
	}
	a, ok := decisionActions[strings.TrimSpace(f.Decision)]
	version, err := strconv.Atoi(strings.TrimSpace(f.QuoteVersion))
	if err != nil || version < 1 || !allDigits(strings.TrimSpace(f.QuoteVersion)) {
		return DecisionResult{}, Errorf(ECONFLICT, "The form did not say which version of the quote you decided on. Reload the page, check the quote and decide again.")
	}
	var res DecisionResult
	err = db.write(ctx, func(tx *sql.Tx) error {
		var err error
		if !ok {
			// Still through the door, so that a stale page or a basket
			// that is not the reviewer's to decide is said first.
			if _, err := db.openBasket(ctx, tx, reviewer, basketRequest{Action: ActionApprove, BasketID: basketID, QuoteVersion: version}); err != nil {
				return err
			}
			errs := []FieldError{{"decision", "Choose whether to approve the quote, ask for changes or reject it"}}
			if _, fe := CommentText.Check(f.Comment); fe != nil {
				errs = append(errs, *fe)
			}
			return Invalid(errs...)
		}
		if a == ActionApprove {
			res, err = approve(ctx, tx, db.stmts, reviewer, basketID, f.Comment, version, db.Now())
		} else {
			res, err = decide(ctx, tx, db.stmts, reviewer, basketID, a, f.Comment, version, db.Now())
		}
		if err != nil {
			return err
		}
		return notifyDecision(ctx, tx, res)
	})
	return res, err
}

// approve records reviewer's approval of a basket's awaiting quote version
// (quoteVersion, when not 0, must be that version), with an optional
// comment; the last approval needed approves the quote and the basket.
func approve(ctx context.Context, tx *sql.Tx, st *stmts, reviewer *User, basketID int64, comment string, quoteVersion int, now time.Time) (DecisionResult, error) {
	op, err := openBasket(ctx, tx, st, reviewer, basketRequest{Action: ActionApprove, BasketID: basketID, QuoteVersion: quoteVersion}, now)
	if err != nil {
		return DecisionResult{}, err
	}
	comment, fe := CommentText.Check(comment)
	if fe != nil {
		return DecisionResult{}, Invalid(*fe)
	}
	v := op.awaiting
	res := DecisionResult{Action: ActionApprove, Ref: v.ref, Version: v.version, Needed: v.needed, Status: QuoteSubmitted}
	earlier, err := approvers(ctx, tx, v.id) // reviewers who approved this version before
	if err != nil {
		return res, err
	}
	res.op, res.earlier, res.comment = op, earlier, comment
	for _, id := range earlier {
		if id == reviewer.ID {
			return res, Errorf(ECONFLICT, "You have already approved version %d of quote %s, so your approval is not counted twice. A second, different reviewer must approve it.", v.version, v.ref)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO quote_approvals (quote_version_id, reviewer_id, at) VALUES (?, ?, ?)`,
		v.id, reviewer.ID, timestamp(now)); err != nil {
		return res, err
	}
	res.Approvals = len(earlier) + 1
	details := Details{"quote": v.ref, "approvals": Change{res.Approvals - 1, res.Approvals}, "approvals_needed": v.needed}
	if res.Approvals < v.needed {
		op.to = op.from // still awaiting the second approval
	} else {
		if _, err := tx.ExecContext(ctx, `UPDATE quote_versions SET status = 'approved', decided_at = ? WHERE id = ?`, timestamp(now), v.id); err != nil {
			return res, err
		}
		details["quote_status"] = Change{string(QuoteSubmitted), string(QuoteApproved)}
		res.Status = QuoteApproved
	}
	return res, op.done(ctx, comment, details)
}

// decide records a reviewer's request for changes or rejection of a basket's
// awaiting quote version (quoteVersion, when not 0, must be that version),
// with the comment both need.
func decide(ctx context.Context, tx *sql.Tx, st *stmts, reviewer *User, basketID int64, a Action, comment string, quoteVersion int, now time.Time) (DecisionResult, error) {
	if a != ActionRequestChanges && a != ActionReject {
		return DecisionResult{}, fmt.Errorf("decide: unexpected action %q", a)
	}
	op, err := openBasket(ctx, tx, st, reviewer, basketRequest{Action: a, BasketID: basketID, QuoteVersion: quoteVersion}, now)
	if err != nil {
		return DecisionResult{}, err
	}
	comment, fe := CommentText.Check(comment)
	if fe == nil && comment == "" {
		what := "why you are rejecting it"
		if a == ActionRequestChanges {
			what = "what the buyer needs to change"
		}
		fe = &FieldError{"comment", "Explain the decision to the buyer: say " + what}
	}
	if fe != nil {
		return DecisionResult{}, Invalid(*fe)
	}
	v := op.awaiting
	res := DecisionResult{Action: a, Ref: v.ref, Version: v.version, Needed: v.needed, Status: QuoteChangesRequested}
	if a == ActionReject {
		res.Status = QuoteRejected
	}
	earlier, err := approvers(ctx, tx, v.id)
	if err != nil {
		return res, err
	}
	res.op, res.earlier, res.comment = op, earlier, comment
	res.Approvals = len(earlier)
	if _, err := tx.ExecContext(ctx, `UPDATE quote_versions SET status = ?, decided_at = ? WHERE id = ?`, string(res.Status), timestamp(now), v.id); err != nil {
		return res, err
	}
	details := Details{"quote": v.ref, "quote_status": Change{string(QuoteSubmitted), string(res.Status)}}
	if len(earlier) > 0 {
		// The version ends here: its approval so far no longer counts.
		details["approvals_void"] = len(earlier)
	}
	return res, op.done(ctx, comment, details)
}

// approvers are the reviewers who have approved a quote version, in order.
func approvers(ctx context.Context, tx *sql.Tx, versionID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT reviewer_id FROM quote_approvals WHERE quote_version_id = ? ORDER BY id`, versionID)
	if err != nil {
		return nil, err
	}
	return scanIDList(rows)
}
