package store

// What time does to trials (PRODUCT.md §5, §6), as sweeper jobs: on its
// start date an approved trial becomes active, and an application still
// undecided is declined ("not decided before its start date"). Rules never
// wait for the sweeper: every trial action runs the same jobs first, inside
// its own transaction (trial_door.go), and every read runs them when
// something is due (applyDueTrialsNow). Each change is audited with the
// portal as the actor and messaged once (keyed notices).

import (
	"context"
	"database/sql"
	"time"
)

// startDueTrials makes every approved trial whose start date has come
// active, and reports how many.
func startDueTrials(ctx context.Context, _ *DB, tx *sql.Tx, now time.Time) (int, error) {
	return sweepTrials(ctx, tx, now, TrialApproved, ActionStart)
}

// declineUndecidedTrials declines every application still waiting for a
// decision on its start date, and reports how many.
func declineUndecidedTrials(ctx context.Context, _ *DB, tx *sql.Tx, now time.Time) (int, error) {
	return sweepTrials(ctx, tx, now, TrialSubmitted, ActionDecline)
}

// applyDueTrials runs both trial jobs inside tx.
func applyDueTrials(ctx context.Context, tx *sql.Tx, now time.Time) (int, error) {
	started, err := startDueTrials(ctx, nil, tx, now)
	if err != nil {
		return 0, err
	}
	declined, err := declineUndecidedTrials(ctx, nil, tx, now)
	return started + declined, err
}

// sweepTrials takes action a, as the portal, on every trial in state from
// whose start date has come.
func sweepTrials(ctx context.Context, tx *sql.Tx, now time.Time, from TrialStatus, a Action) (int, error) {
	due, err := trialRows(ctx, tx, `t.status = ? AND t.start_date <= ? ORDER BY t.id`, string(from), TodayLondon(now).Format(time.DateOnly))
	if err != nil {
		return 0, err
	}
	for _, t := range due {
		op := &trialOp{tx: tx, now: now, action: a, t: t, from: t.status}
		if op.to, err = t.status.Next(a); err != nil {
			return 0, err
		}
		if a == ActionStart {
			err = op.done(ctx, "", nil, "")
			if err == nil {
				err = notifyTrialStarted(ctx, tx, op)
			}
		} else {
			comment := "The application was not decided before its start date, " + FormatDate(t.start) + "."
			err = op.done(ctx, comment, Details{"offering_name": t.offering, "kind": t.kind},
				", decided_at = ?, decided_by = NULL, decision_comment = ?", timestamp(now), comment)
			if err == nil {
				err = notifyTrialDecided(ctx, tx, op, comment)
			}
		}
		if err != nil {
			return 0, err
		}
	}
	return len(due), nil
}

// applyDueTrialsNow applies what time has made due to trials, if anything
// is, so that a read shows every trial as it stands today.
func (db *DB) applyDueTrialsNow(ctx context.Context) error {
	now := db.Now()
	var due bool
	if err := db.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM trials WHERE status IN ('approved', 'submitted') AND start_date <= ?)`,
		TodayLondon(now).Format(time.DateOnly)).Scan(&due); err != nil || !due {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := applyDueTrials(ctx, tx, db.Now())
		return err
	})
}
