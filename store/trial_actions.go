package store

// What people do to a trial once applied for (PRODUCT.md §6), each one
// transaction through the trial door (trial_door.go) with its audit row and
// messages:
//
//   - a CCS reviewer, or a user of the offering's supplier, approves or
//     declines the application (declining needs a comment);
//   - the buyer withdraws it while it waits for a decision;
//   - the buyer records the outcome of an active trial: met or not met for
//     each success criterion, and notes;
//   - the buyer starts a draft basket from a completed trial, with the
//     trialled offering (quantity = sites, the shortest term), linked to it.

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Decision values of the trial decision form's "decision" field
// (DecisionApprove is "approve", as for baskets).
const DecisionDecline = "decline"

// TrialDecisionForm is a decision on a trial application as the form sent it.
type TrialDecisionForm struct {
	Decision string // approve or decline
	Comment  string // required to decline
}

// DecideTrial records u's decision on trial application id and returns
// the confirmation to show.
func (db *DB) DecideTrial(ctx context.Context, u *User, id int64, f TrialDecisionForm) (string, error) {
	var msg string
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		a := map[string]Action{DecisionApprove: ActionApprove, DecisionDecline: ActionDecline}[strings.TrimSpace(f.Decision)]
		// Through the door first, even for a form without a decision, so
		// that a trial not theirs to decide, or no longer waiting, is said
		// before the form's mistakes.
		op, err := openTrial(ctx, tx, u, cmpOr(a, ActionApprove), id, now)
		if err != nil {
			return err
		}
		comment, fe := CommentText.Check(f.Comment)
		var errs []FieldError
		if a == "" {
			errs = append(errs, FieldError{"decision", "Choose whether to approve or decline the application"})
		}
		if fe == nil && a == ActionDecline && comment == "" {
			fe = &FieldError{"comment", "Explain the decision to the buyer: say why you are declining the application"}
		}
		if fe != nil {
			errs = append(errs, *fe)
		}
		if errs != nil {
			return Invalid(errs...)
		}
		if err := op.done(ctx, comment, Details{"offering_name": op.t.offering, "kind": op.t.kind},
			", decided_at = ?, decided_by = ?, decision_comment = ?", timestamp(now), u.ID, comment); err != nil {
			return err
		}
		msg = "Trial application " + string(op.to) + ": " + TrialSummary{Kind: op.t.kind, OfferingName: op.t.offering}.Name()
		return notifyTrialDecided(ctx, tx, op, comment)
	})
	return msg, err
}

func cmpOr(a, b Action) Action {
	if a != "" {
		return a
	}
	return b
}

// WithdrawTrial withdraws buyer u's application id while it waits for a
// decision.
func (db *DB) WithdrawTrial(ctx context.Context, u *User, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		op, err := openTrial(ctx, tx, u, ActionWithdraw, id, db.Now())
		if err != nil {
			return err
		}
		if err := op.done(ctx, "", nil, ""); err != nil {
			return err
		}
		return notifyTrialWithdrawn(ctx, tx, op)
	})
}

// OutcomeForm is a trial's outcome as the form sent it.
type OutcomeForm struct {
	// Met is each success criterion's answer by its number (1-based):
	// "yes" (met) or "no" (not met); the form's fields met_1, met_2, ….
	Met   map[int]string
	Notes string
}

// NotesText is the outcome's notes.
var NotesText = Text{Field: "notes", Label: "Notes", Max: MaxComment, Multiline: true,
	Empty: "Describe how the trial went: what it showed, and what happens next"}

// MetField is the form field of success criterion n's answer.
func MetField(n int) string { return "met_" + strconv.Itoa(n) }

// CompleteTrial records the outcome of buyer u's active trial id: met or
// not met for every success criterion, and notes. The trial is completed.
func (db *DB) CompleteTrial(ctx context.Context, u *User, id int64, f OutcomeForm) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		op, err := openTrial(ctx, tx, u, ActionComplete, id, db.Now())
		if err != nil {
			return err
		}
		criteria, err := collect(ctx, tx, func(r scanner) (n int, err error) { return n, r.Scan(&n) },
			`SELECT n FROM trial_criteria WHERE trial_id = ? ORDER BY n`, id)
		if err != nil {
			return err
		}
		var errs []FieldError
		met := make(map[int]bool, len(criteria))
		for _, n := range criteria {
			switch strings.TrimSpace(f.Met[n]) {
			case "yes":
				met[n] = true
			case "no":
				met[n] = false
			default:
				errs = append(errs, FieldError{MetField(n), "Say whether success criterion " + strconv.Itoa(n) + " was met"})
			}
		}
		notes, fe := NotesText.Check(f.Notes)
		if fe != nil {
			errs = append(errs, *fe)
		}
		if errs != nil {
			return Invalid(errs...)
		}
		count := 0
		for _, n := range criteria {
			if met[n] {
				count++
			}
			if _, err := tx.ExecContext(ctx, `UPDATE trial_criteria SET met = ? WHERE trial_id = ? AND n = ?`, met[n], id, n); err != nil {
				return err
			}
		}
		if err := op.done(ctx, notes, Details{"criteria_met": count, "criteria": len(criteria)},
			", completed_at = ?, outcome_notes = ?", timestamp(op.now), notes); err != nil {
			return err
		}
		return notifyTrialCompleted(ctx, tx, op, count, len(criteria))
	})
}

// BasketFromTrial says what starting a basket from a trial did.
type BasketFromTrial struct {
	BasketID   int64
	BasketName string
	// Created is false when an editable basket started from the trial
	// already existed: that one is returned, and nothing changes.
	Created bool
}

// StartBasketFromTrial starts a draft basket from buyer u's completed trial
// id, holding the trialled offering for as many units as the trial had
// sites on its shortest term, and links the two. While a basket started
// from the trial is still a draft (or has changes requested), it is
// returned instead, so a second click makes no second basket.
func (db *DB) StartBasketFromTrial(ctx context.Context, u *User, id int64) (BasketFromTrial, error) {
	var res BasketFromTrial
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		op, err := openTrial(ctx, tx, u, ActionStartBasket, id, now)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id, name FROM baskets WHERE trial_id = ? AND org_id = ? AND status IN ('draft', 'changes_requested')
			ORDER BY id DESC LIMIT 1`, id, u.OrgID).Scan(&res.BasketID, &res.BasketName)
		if err == nil || !isNoRows(err) {
			return err
		}
		o, err := findOffering(ctx, tx, "o.id = ?", op.t.offeringID)
		if err != nil {
			return err
		}
		if !o.Active || len(o.Terms) == 0 {
			return Errorf(ECONFLICT, "%s has been withdrawn from the catalogue, so a basket cannot be started with it.", o.Name)
		}
		res.BasketName = truncateRunes(o.Name+" after the trial", MaxName)
		if res.BasketID, err = createBasketFrom(ctx, tx, u, BasketNameText, res.BasketName, id, now); err != nil {
			return err
		}
		line := LineForm{Offering: o.Slug, Quantity: strconv.FormatInt(op.t.sites, 10), TermMonths: strconv.Itoa(o.Terms[0])}
		if _, err := addLine(ctx, tx, db.stmts, u, res.BasketID, line, now); err != nil {
			return err
		}
		res.Created = true
		return op.done(ctx, "", Details{"basket": res.BasketID, "basket_name": res.BasketName}, "")
	})
	return res, err
}

// truncateRunes cuts s to at most n characters.
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}
