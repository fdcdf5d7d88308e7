package store

// The numbers that show the value of free trials (issue 9 point 5), defined
// once here and computed from the trials themselves (nothing is stored
// twice): the agreement page shows them, and the transparency pages reuse
// TrialStats.

import (
	"context"
	"database/sql"
	"time"
)

// TrialStats are the trial numbers of an agreement (or of all of them).
type TrialStats struct {
	// Started counts trials that reached active: active or completed ones,
	// and approved ones whose start date has come (the sweeper makes them
	// active that day).
	Started int
	// Completed counts trials whose outcome is recorded.
	Completed int
	// CriteriaMet counts the success criteria of completed trials that
	// were met, of Criteria in all.
	CriteriaMet, Criteria int
	// Converted counts started trials that led to a purchase: a basket
	// linked to the trial either way — linked when applying, or started
	// from it — has an approved quote.
	Converted int
}

// ConversionRate is Converted as a share of Started, with one decimal
// place rounded half-up ("0.0%" when none started).
func (s TrialStats) ConversionRate() string { return Percent(int64(s.Converted), int64(s.Started)) }

// TrialStatsFilter narrows TrialStats; a zero field means all.
type TrialStatsFilter struct {
	AgreementID int64
	OrgID       int64
}

// TrialStats returns the trial numbers of the trials matching f, as they
// stand on today's UK date.
func (db *DB) TrialStats(ctx context.Context, f TrialStatsFilter) (TrialStats, error) {
	var s TrialStats
	err := db.r.QueryRowContext(ctx, `WITH started AS (
			SELECT t.id, t.status, t.basket_id FROM trials t
			WHERE (t.status IN ('active', 'completed') OR (t.status = 'approved' AND t.start_date <= :today))
			AND (:agreement = 0 OR t.agreement_id = :agreement) AND (:org = 0 OR t.org_id = :org)
		),
		approved AS (
			SELECT q.basket_id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id WHERE v.status = 'approved'
		)
		SELECT count(*),
			coalesce(sum(s.status = 'completed'), 0),
			coalesce(sum(CASE WHEN s.status = 'completed' THEN (SELECT count(*) FROM trial_criteria c WHERE c.trial_id = s.id AND c.met = 1) END), 0),
			coalesce(sum(CASE WHEN s.status = 'completed' THEN (SELECT count(*) FROM trial_criteria c WHERE c.trial_id = s.id) END), 0),
			coalesce(sum(s.basket_id IN (SELECT basket_id FROM approved)
				OR EXISTS (SELECT 1 FROM baskets b WHERE b.trial_id = s.id AND b.id IN (SELECT basket_id FROM approved))), 0)
		FROM started s`,
		sql.Named("today", TodayLondon(db.Now()).Format(time.DateOnly)), sql.Named("agreement", f.AgreementID), sql.Named("org", f.OrgID)).
		Scan(&s.Started, &s.Completed, &s.CriteriaMet, &s.Criteria, &s.Converted)
	return s, err
}
