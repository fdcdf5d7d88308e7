package store

// Trials (PRODUCT.md §6) as people read them: a buyer their organisation's,
// a CCS reviewer any, a supplier's catalogue team those of its own
// offerings (never the linked basket). The scope is in every query's WHERE
// clause (trialScope), so nothing is loaded for anyone else. Reads first
// apply what time has made due (applyDueTrialsNow), so a trial reads
// correctly between sweeps.

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// TrialSummary is a trial in a list, and the core of a Trial.
type TrialSummary struct {
	ID             int64
	OrgID          int64
	OrgName        string
	OfferingID     int64
	OfferingSlug   string
	OfferingName   string
	SupplierName   string
	AgreementSlug  string
	AgreementTitle string
	Kind           string // TrialPOV or TrialSDWAN
	Status         TrialStatus
	Sites          int
	DurationDays   int
	// StartDate and EndDate are the first and last days (UK dates): the
	// end is start + duration − 1.
	StartDate, EndDate time.Time
	AppliedOn          time.Time // the UK date of the application
	AppliedAt          time.Time
	CriteriaMet        int // success criteria met (once completed)
	CriteriaCount      int
	// Today is the UK date the trial was read on.
	Today time.Time
}

// KindName names the kind: "Proof-of-value trial".
func (t TrialSummary) KindName() string {
	n := TrialKindName(t.Kind)
	return strings.ToUpper(n[:1]) + n[1:]
}

// Title names the trial: "Proof-of-value trial of Managed SD-WAN Branch".
func (t TrialSummary) Title() string { return t.KindName() + " of " + t.OfferingName }

// Name names the trial in a sentence: "proof-of-value trial of Managed
// SD-WAN Branch".
func (t TrialSummary) Name() string { return TrialKindName(t.Kind) + " of " + t.OfferingName }

// Path is the buyer's page of the trial.
func (t TrialSummary) Path() string { return TrialPath(t.ID) }

// TrialPath is the buyer's page of trial id.
func TrialPath(id int64) string { return "/trials/" + strconv.FormatInt(id, 10) }

// TrialReviewPath is the page on which reviewers and the supplier decide
// on trial id.
func TrialReviewPath(id int64) string { return "/review/trials/" + strconv.FormatInt(id, 10) }

// Ended reports whether an active trial is past its end date: its outcome
// is waiting to be recorded.
func (t TrialSummary) Ended() bool { return t.Status == TrialActive && t.Today.After(t.EndDate) }

// DaysLeft is how many days an active trial has left, today included.
func (t TrialSummary) DaysLeft() int { return daysBetween(t.Today, t.EndDate) + 1 }

// DaysToStart is how many days until an approved trial starts.
func (t TrialSummary) DaysToStart() int { return daysBetween(t.Today, t.StartDate) }

// Open reports whether the trial is open: submitted, approved, or active
// and not past its end date (PRODUCT.md §6).
func (t TrialSummary) Open() bool {
	return t.Status == TrialSubmitted || t.Status == TrialApproved || t.Status == TrialActive && !t.Ended()
}

// daysBetween counts calendar days from a to b (UK dates), whatever the
// clocks did in between.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.In(London).Date()
	by, bm, bd := b.In(London).Date()
	return int(time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC).Sub(time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
}

// TrialCriterion is one success criterion and, once the outcome is
// recorded, whether it was met.
type TrialCriterion struct {
	N    int
	Text string
	Met  *bool // nil until the outcome is recorded
}

// TrialBasket is a basket linked to a trial.
type TrialBasket struct {
	ID              int64
	Name            string
	Status          BasketStatus
	HasRequirements bool
	BudgetPence     int64
	Need            string
}

// Trial is a trial with everything its pages show.
type Trial struct {
	TrialSummary
	ApplicantName string
	Objectives    string
	Criteria      []TrialCriterion
	// DecidedAt, DecidedBy and DecisionComment record the decision;
	// DecidedBy is "" when the portal declined it (not decided in time).
	DecidedAt       time.Time
	DecidedBy       string
	DecisionComment string
	CompletedAt     time.Time
	OutcomeNotes    string
	// LinkedBasket is the draft basket linked when applying, and
	// StartedBaskets those started from the trial once completed. A
	// supplier never sees either (both stay empty).
	LinkedBasket   *TrialBasket
	StartedBaskets []TrialBasket
	Events         []AuditEvent
	// CannotDecide says why the reader cannot decide on the application
	// ("" when they can, or when it is not theirs to decide at all).
	CannotDecide string
	// Due is the review service level's due date for an application
	// waiting for a decision.
	Due DueStatus
	Now time.Time
}

// trialSummarySelect reads TrialSummary rows of trials t with their
// offering o.
const trialSummarySelect = `SELECT t.id, t.org_id, org.name, t.offering_id, o.slug, o.name, s.name, a.slug, a.title,
	t.kind, t.status, t.sites, t.duration_days, t.start_date, t.end_date, t.applied_on, t.applied_at,
	(SELECT count(*) FROM trial_criteria c WHERE c.trial_id = t.id AND c.met = 1),
	(SELECT count(*) FROM trial_criteria c WHERE c.trial_id = t.id)
	FROM trials t JOIN organisations org ON org.id = t.org_id JOIN offerings o ON o.id = t.offering_id
	JOIN suppliers s ON s.id = o.supplier_id JOIN agreements a ON a.id = t.agreement_id
	WHERE `

// trialSummaries returns the trials matching where (on t and o, with
// ORDER BY and LIMIT as needed), read on the UK date of now.
func trialSummaries(ctx context.Context, q querier, now time.Time, where string, args ...any) ([]TrialSummary, error) {
	today := TodayLondon(now)
	return collect(ctx, q, func(r scanner) (t TrialSummary, err error) {
		var start, end, applied, at string
		err = r.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OfferingID, &t.OfferingSlug, &t.OfferingName, &t.SupplierName, &t.AgreementSlug, &t.AgreementTitle,
			&t.Kind, &t.Status, &t.Sites, &t.DurationDays, &start, &end, &applied, &at, &t.CriteriaMet, &t.CriteriaCount)
		t.StartDate, t.EndDate, t.AppliedOn, t.AppliedAt = ukDate(start), ukDate(end), ukDate(applied), parseTimestamp(at)
		t.Today = today
		return t, err
	}, trialSummarySelect+where, args...)
}

// trialScope is the WHERE condition (on trials t and offerings o) that
// limits a read to the trials u may see, with its arguments: a buyer their
// organisation's; a reviewer any; a supplier's user those of the supplier's
// offerings.
func trialScope(u *User) (string, []any) {
	switch {
	case u.Is(RoleBuyer):
		return "t.org_id = ?", []any{u.OrgID}
	case u.Is(RoleReviewer):
		return "1 = 1", nil
	case u.Is(RoleSupplier):
		return "o.supplier_id = ?", []any{u.SupplierID}
	}
	return "0 = 1", nil
}

// Trial returns trial id as u may see it; another organisation's trial (or,
// for a supplier, a trial of another supplier's offering) is ENOTFOUND.
func (db *DB) Trial(ctx context.Context, u *User, id int64) (Trial, error) {
	if u == nil {
		return Trial{}, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := db.applyDueTrialsNow(ctx); err != nil {
		return Trial{}, err
	}
	var t Trial
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = loadTrial(ctx, tx, u, id, db.Now())
		return err
	})
	if err == nil && t.Status == TrialSubmitted {
		t.Due = db.ReviewSLA.Status(t.AppliedAt, t.Now)
	}
	return t, err
}

// loadTrial loads trial id for u within the read scope.
func loadTrial(ctx context.Context, tx *sql.Tx, u *User, id int64, now time.Time) (Trial, error) {
	scope, args := trialScope(u)
	s, err := firstTrial(ctx, tx, now, "t.id = ? AND "+scope, append([]any{id}, args...)...)
	if err != nil {
		return Trial{}, err
	}
	if s == nil {
		return Trial{}, errNoTrial
	}
	t := Trial{TrialSummary: *s, Now: now}
	var decided, completed sql.NullString
	var basketID sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT u.name, t.objectives, t.decided_at, coalesce(d.name, ''), t.decision_comment,
		t.completed_at, t.outcome_notes, t.basket_id
		FROM trials t JOIN users u ON u.id = t.applicant_id LEFT JOIN users d ON d.id = t.decided_by WHERE t.id = ?`, id).
		Scan(&t.ApplicantName, &t.Objectives, &decided, &t.DecidedBy, &t.DecisionComment, &completed, &t.OutcomeNotes, &basketID)
	if err != nil {
		return t, err
	}
	t.DecidedAt, t.CompletedAt = parseTimestamp(decided.String), parseTimestamp(completed.String)
	if t.Criteria, err = collect(ctx, tx, func(r scanner) (c TrialCriterion, err error) {
		var met sql.NullBool
		err = r.Scan(&c.N, &c.Text, &met)
		if met.Valid {
			c.Met = &met.Bool
		}
		return c, err
	}, `SELECT n, text, met FROM trial_criteria WHERE trial_id = ? ORDER BY n`, id); err != nil {
		return t, err
	}
	if !u.Is(RoleSupplier) { // PRODUCT.md §6: a supplier never sees the linked basket
		baskets, err := collect(ctx, tx, scanTrialBasket, `SELECT id, name, status, has_requirements, budget_pence, need
			FROM baskets WHERE (id = ? OR trial_id = ?) AND org_id = ? ORDER BY id`, basketID, id, t.OrgID)
		if err != nil {
			return t, err
		}
		for _, b := range baskets {
			if basketID.Valid && b.ID == basketID.Int64 {
				t.LinkedBasket = &b
			} else {
				t.StartedBaskets = append(t.StartedBaskets, b)
			}
		}
	}
	if t.Events, err = auditTrail(ctx, tx, Subject{SubjectTrial, id}, ""); err != nil {
		return t, err
	}
	if u.Is(RoleSupplier) {
		for _, e := range t.Events {
			delete(e.Details, "basket")
			delete(e.Details, "basket_name")
		}
	}
	if t.Status == TrialSubmitted {
		t.CannotDecide = cannotDecideTrial(u, t.OrgID)
	}
	return t, nil
}

func scanTrialBasket(r scanner) (b TrialBasket, err error) {
	return b, r.Scan(&b.ID, &b.Name, &b.Status, &b.HasRequirements, &b.BudgetPence, &b.Need)
}

// cannotDecideTrial says why u cannot decide on an application from
// organisation orgID ("" when they can, or when they are not a decider).
func cannotDecideTrial(u *User, orgID int64) string {
	if u.Is(RoleReviewer) && u.OrgID == orgID {
		return "From your own organisation: another reviewer must decide"
	}
	return ""
}

// Trials lists buyer u's organisation's trials, newest first.
func (db *DB) Trials(ctx context.Context, u *User) ([]TrialSummary, error) {
	if !u.Is(RoleBuyer) {
		return nil, Errorf(EFORBIDDEN, "Only buyers apply for trials.")
	}
	if err := db.applyDueTrialsNow(ctx); err != nil {
		return nil, err
	}
	return trialSummaries(ctx, db.r, db.Now(), `t.org_id = ? ORDER BY t.id DESC`, u.OrgID)
}

// SupplierTrials lists the applications for supplier user u's offerings:
// those waiting for a decision first (oldest first), then the rest, newest
// first. It never includes another supplier's.
func (db *DB) SupplierTrials(ctx context.Context, u *User) ([]TrialSummary, error) {
	if !u.Is(RoleSupplier) || u.SupplierID == 0 {
		return nil, Errorf(EFORBIDDEN, "Only a supplier’s catalogue team sees the trial applications for its offerings.")
	}
	if err := db.applyDueTrialsNow(ctx); err != nil {
		return nil, err
	}
	return trialSummaries(ctx, db.r, db.Now(), `o.supplier_id = ?
		ORDER BY t.status <> 'submitted', CASE WHEN t.status = 'submitted' THEN t.id ELSE -t.id END`, u.SupplierID)
}

// TrialApplyInfo is what the application form for an offering shows.
type TrialApplyInfo struct {
	Offering  Offering
	Agreement Agreement
	// Baskets are the organisation's draft baskets that may be linked:
	// under the offering's agreement, or with no lines yet.
	Baskets []BasketSummary
	// OpenTrial is the organisation's open trial of the offering, which
	// stops another application; RecentSDWAN its SD-WAN trial within the
	// last 365 days, which stops an SD-WAN application. Nil when none.
	OpenTrial, RecentSDWAN *TrialSummary
	// FirstStart and LastStart bound the start date.
	FirstStart, LastStart time.Time
}

// TrialApplyInfo returns what buyer u's application form for the offering
// slug shows. An unknown offering is ENOTFOUND.
func (db *DB) TrialApplyInfo(ctx context.Context, u *User, slug string) (TrialApplyInfo, error) {
	if err := mayAttemptTrial(u, ActionApply); err != nil {
		return TrialApplyInfo{}, err
	}
	if err := db.applyDueTrialsNow(ctx); err != nil {
		return TrialApplyInfo{}, err
	}
	now := db.Now()
	f := TrialStartField(now)
	info := TrialApplyInfo{FirstStart: f.Min, LastStart: f.Max}
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if info.Offering, err = findOffering(ctx, tx, "o.slug = ?", slug); err != nil {
			return err
		}
		if info.Agreement, err = scanAgreement(tx.QueryRowContext(ctx, "SELECT "+agreementColumns+" WHERE a.id = ?", info.Offering.Agreement.ID)); err != nil {
			return err
		}
		if info.OpenTrial, err = openTrialOf(ctx, tx, u.OrgID, info.Offering.ID, now); err != nil {
			return err
		}
		if info.Offering.SdwanTrial {
			if info.RecentSDWAN, err = recentSDWANTrial(ctx, tx, u.OrgID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return info, err
	}
	all, err := db.Baskets(ctx, u)
	for _, b := range all {
		if b.Status == BasketDraft && (b.AgreementID == 0 || b.AgreementID == info.Offering.Agreement.ID) {
			info.Baskets = append(info.Baskets, b)
		}
	}
	return info, err
}
