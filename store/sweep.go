package store

// The sweeper (PRODUCT.md §5 "time-based changes"): what happens without
// anyone visiting a page. One goroutine in the server (RunSweeper) runs every
// job at start-up, at each UK midnight and every few minutes; each change a
// job makes is audited with the portal as the actor. Rules never wait for
// it: reads and writes apply what is due themselves (a quote past its
// validity is never approvable, swept or not), so the sweeper only makes
// sure that time-based changes happen — and are recorded — on time.
//
// To add a job (expiry reminders, effective-dated prices, trials starting
// or declined on their start date, security-log retention), write
//
//	func applyDuePrices(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error)
//
// that makes the changes due at now (UK dates: TodayLondon(now)) inside tx,
// audits each one with Actor PortalActor, and returns how many it made; then
// add it to sweepJobs below. A job must be idempotent — it may run twice for
// the same moment, and runs at start-up after any outage — and must read the
// time only from now (the injectable clock), never time.Now.

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// SweepJob is one named job of the sweeper.
type SweepJob struct {
	Name string
	// Run makes the changes due at now inside tx and reports how many.
	Run func(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error)
}

// sweepJobs are the sweeper's jobs, in the order they run.
var sweepJobs = []SweepJob{
	{Name: "expire-quotes", Run: func(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
		return expireQuotes(ctx, tx, db.stmts, now)
	}},
	{Name: "quote-expiry-reminders", Run: remindExpiringQuotes},
	{Name: "review-overdue", Run: messageOverdueReviews},
	// Trials on their start date (PRODUCT.md §6): approved ones start,
	// undecided applications are declined.
	{Name: "start-trials", Run: startDueTrials},
	{Name: "decline-undecided-trials", Run: declineUndecidedTrials},
	// The security log keeps a year (PRODUCT.md §5). Its rows are not
	// organisation records, so the deletions are counted in the sweeper's
	// log line and metrics rather than audited row by row.
	{Name: "purge-security-log", Run: func(ctx context.Context, db *DB, tx *sql.Tx, now time.Time) (int, error) {
		n, err := purgeSecurityEvents(ctx, tx, now)
		return int(n), err
	}},
}

// SweepResult is what one job did in one run.
type SweepResult struct {
	Job     string
	Changed int
	Err     error
}

// Sweep runs every job once, at DB.Now, each in its own write transaction
// (a job that fails holds up no other, and is retried at the next run).
func (db *DB) Sweep(ctx context.Context) []SweepResult {
	out := make([]SweepResult, 0, len(sweepJobs))
	for _, j := range sweepJobs {
		r := SweepResult{Job: j.Name}
		r.Err = db.write(ctx, func(tx *sql.Tx) error {
			var err error
			r.Changed, err = j.Run(ctx, db, tx, db.Now())
			return err
		})
		if r.Err != nil {
			r.Changed = 0 // rolled back
		}
		out = append(out, r)
	}
	return out
}

// DefaultSweepInterval is how often the sweeper runs besides UK midnight.
const DefaultSweepInterval = 5 * time.Minute

// SweeperConfig configures RunSweeper.
type SweeperConfig struct {
	// Interval is the time between runs (besides each UK midnight);
	// DefaultSweepInterval when 0.
	Interval time.Duration
	// Clock wakes the sweeper; SystemClock when nil. Jobs read DB.Now, so a
	// test sets both from one ManualClock.
	Clock Clock
	// Log receives what each run changed and any job's failure.
	Log *slog.Logger
	// OnRun, when set, is called after every run (metrics).
	OnRun func([]SweepResult)
}

// RunSweeper runs the sweeper until ctx is done: every job at once, then at
// each UK midnight and every Interval. Start it in its own goroutine from
// the server's shutdown context, and wait for it to return before closing
// the database.
func (db *DB) RunSweeper(ctx context.Context, cfg SweeperConfig) {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultSweepInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	for {
		results := db.Sweep(ctx)
		if ctx.Err() != nil {
			return
		}
		for _, r := range results {
			switch {
			case r.Err != nil:
				cfg.Log.Error("sweeper job failed", "job", r.Job, "err", r.Err)
			case r.Changed > 0:
				cfg.Log.Info("sweeper job made changes", "job", r.Job, "changed", r.Changed)
			}
		}
		if cfg.OnRun != nil {
			cfg.OnRun(results)
		}
		wake, stop := cfg.Clock.At(NextSweep(cfg.Clock.Now(), cfg.Interval))
		select {
		case <-ctx.Done():
			stop()
			return
		case <-wake:
		}
	}
}

// NextSweep is when the sweeper runs after a run at now: after interval, or
// at the next UK midnight if that comes sooner. Midnight is found on the
// London calendar, so a day of 23 or 25 hours (the clocks changing) ends at
// its real midnight.
func NextSweep(now time.Time, interval time.Duration) time.Time {
	midnight := TodayLondon(now).AddDate(0, 0, 1)
	if next := now.Add(interval); next.Before(midnight) {
		return next
	}
	return midnight
}
