package store

// The one door into a trial. Every action on an existing trial — a buyer's
// withdrawal, outcome or basket, a reviewer's or the supplier's decision —
// opens the trial with openTrial inside its write transaction and finishes
// with trialOp.done, which saves the new state and writes the action's one
// audit row. The door, in order:
//
//  1. refuses anyone whose role cannot take the action at all;
//  2. applies what time has made due (approved trials start, undecided
//     applications are declined on their start date), so no action ever
//     acts on a state the sweeper has not caught up with;
//  3. loads the trial within the reader's scope (trialScope): a buyer's
//     organisation's, a supplier's own offerings', any for a reviewer —
//     anything else is ENOTFOUND;
//  4. refuses a reviewer's decision on their own organisation's trial;
//  5. checks the state transition with TrialStatus.Next.

import (
	"context"
	"database/sql"
	"time"
)

// trialRow is a stored trial as the door needs it.
type trialRow struct {
	id, orgID, offeringID int64
	offering              string // the offering's name
	kind                  string
	status                TrialStatus
	start                 time.Time
	sites                 int64
	// declinedByPortal: the portal declined it, undecided on its start date.
	declinedByPortal bool
}

// trialOp is a trial opened by the door for one action.
type trialOp struct {
	tx       *sql.Tx
	user     *User
	now      time.Time
	action   Action
	t        trialRow
	from, to TrialStatus
}

// trialRows reads the trials t (with their offerings o) matching where.
func trialRows(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]trialRow, error) {
	return collect(ctx, tx, func(r scanner) (t trialRow, err error) {
		var start string
		err = r.Scan(&t.id, &t.orgID, &t.offeringID, &t.offering, &t.kind, &t.status, &start, &t.sites, &t.declinedByPortal)
		t.start = ukDate(start)
		return t, err
	}, `SELECT t.id, t.org_id, t.offering_id, o.name, t.kind, t.status, t.start_date, t.sites,
		t.status = 'declined' AND t.decided_by IS NULL
		FROM trials t JOIN offerings o ON o.id = t.offering_id WHERE `+where, args...)
}

// isTrialDecision reports whether a decides on an application.
func isTrialDecision(a Action) bool { return a == ActionApprove || a == ActionDecline }

// openTrial opens trial id for u's action a inside the write transaction tx
// (see the top of this file).
func openTrial(ctx context.Context, tx *sql.Tx, u *User, a Action, id int64, now time.Time) (*trialOp, error) {
	if err := mayAttemptTrial(u, a); err != nil {
		return nil, err
	}
	if _, err := applyDueTrials(ctx, tx, now); err != nil {
		return nil, err
	}
	scope, args := trialScope(u)
	rows, err := trialRows(ctx, tx, "t.id = ? AND "+scope, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errNoTrial
	}
	t := rows[0]
	if isTrialDecision(a) && u.Is(RoleReviewer) && u.OrgID == t.orgID {
		return nil, Errorf(EFORBIDDEN, "You cannot decide on a trial application from your own organisation.")
	}
	op := &trialOp{tx: tx, user: u, now: now, action: a, t: t, from: t.status}
	if op.to, err = t.status.Next(a); err != nil {
		if t.declinedByPortal && (isTrialDecision(a) || a == ActionWithdraw) {
			return nil, Errorf(ECONFLICT, "This application was not decided before its start date, %s, so the portal declined it. The buyer can apply again with a later start date.",
				FormatDate(t.start))
		}
		return nil, err
	}
	return op, nil
}

// done finishes the action: the trial takes state op.to, with the other
// columns set (a list like ", decided_at = ?" and its arguments), and the
// action's one audit row is written.
func (op *trialOp) done(ctx context.Context, comment string, details Details, set string, args ...any) error {
	args = append(append([]any{string(op.to), timestamp(op.now)}, args...), op.t.id)
	if _, err := op.tx.ExecContext(ctx, `UPDATE trials SET status = ?, updated_at = ?`+set+` WHERE id = ?`, args...); err != nil {
		return err
	}
	op.t.status = op.to
	return audit(ctx, op.tx, AuditEvent{At: op.now, Actor: ActorOf(op.user), Subject: Subject{SubjectTrial, op.t.id}, OrgID: op.t.orgID,
		Action: op.action, From: string(op.from), To: string(op.to), Comment: comment, Details: details})
}
