package store

// The messages about trials: who is told what, for each action. Each
// function runs inside the transaction of the change it reports and writes
// through notify.
//
//	action                   the buyer's organisation     reviewers                 the offering's supplier
//	apply                    application sent, due date   to review (all who may)   to review
//	approve / decline        the decision, the comment    —                         the decision (others than the decider)
//	declined, not in time    declined, apply again        not decided in time       not decided in time
//	withdraw                 withdrawn                    —                         withdrawn
//	start (sweeper)          starts today, ends on …      —                         starts today
//	complete                 outcome recorded             —                         the outcome

import (
	"context"
	"database/sql"
	"strconv"
	"time"
)

// Message kinds about trials.
const (
	MsgTrialApplied   = "trial_applied"
	MsgTrialToReview  = "trial_to_review"
	MsgTrialApproved  = "trial_approved"
	MsgTrialDeclined  = "trial_declined"
	MsgTrialWithdrawn = "trial_withdrawn"
	MsgTrialStarted   = "trial_started"
	MsgTrialCompleted = "trial_completed"
)

// trialFacts is what messages about a trial say.
type trialFacts struct {
	id, orgID, supplierID int64
	org, supplier, title  string
	sites, days           int
	start, end            time.Time
}

func loadTrialFacts(ctx context.Context, tx *sql.Tx, id int64) (trialFacts, error) {
	f := trialFacts{id: id}
	var kind, offering, start, end string
	err := tx.QueryRowContext(ctx, `SELECT t.org_id, org.name, o.supplier_id, s.name, t.kind, o.name, t.sites, t.duration_days, t.start_date, t.end_date
		FROM trials t JOIN organisations org ON org.id = t.org_id JOIN offerings o ON o.id = t.offering_id JOIN suppliers s ON s.id = o.supplier_id
		WHERE t.id = ?`, id).Scan(&f.orgID, &f.org, &f.supplierID, &f.supplier, &kind, &offering, &f.sites, &f.days, &start, &end)
	f.title = TrialSummary{Kind: kind, OfferingName: offering}.Title()
	f.start, f.end = ukDate(start), ukDate(end)
	return f, err
}

func (f trialFacts) subject() Subject { return Subject{SubjectTrial, f.id} }

// buyers is a notice to the trial's organisation's buyers, about its page.
func (f trialFacts) buyers(now time.Time, kind, title string, body ...string) Notice {
	return Notice{At: now, To: OrgBuyers(f.orgID), Kind: kind, Subject: f.subject(), Path: TrialPath(f.id), Title: title + ": " + f.title,
		Body: paragraphs(body...)}
}

// deciders is a notice to an audience of deciders (reviewers, the
// supplier's users), about the application's review page.
func (f trialFacts) deciders(now time.Time, to Audience, kind, title string, body ...string) Notice {
	return Notice{At: now, To: to, Kind: kind, Subject: f.subject(), Path: TrialReviewPath(f.id), Title: title + ": " + f.org + ", " + f.title,
		Body: paragraphs(body...)}
}

// plan says what the trial is: "3 sites for 30 days, from 1 April 2026 to 30 April 2026".
func (f trialFacts) plan() string {
	return plural(f.sites, "site", "sites") + " for " + plural(f.days, "day", "days") + ", from " + FormatDate(f.start) + " to " + FormatDate(f.end)
}

// plural is "1 site", "3 sites".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// actorName names who acted: a person, or the portal.
func actorName(u *User) string { return ActorOf(u).Name }

// actorID is the acting person's id (0 for the portal).
func actorID(u *User) int64 {
	if u == nil {
		return 0
	}
	return u.ID
}

// notifyTrialApplied tells the buyer's organisation that the application
// is sent, and everyone who may decide on it that it waits for them.
func notifyTrialApplied(ctx context.Context, tx *sql.Tx, u *User, id int64, due, now time.Time) error {
	f, err := loadTrialFacts(ctx, tx, id)
	if err != nil {
		return err
	}
	deadline := "It must be decided before it starts; CCS aims to decide by " + FormatDate(due) + "."
	return notifyAll(ctx, tx,
		f.buyers(now, MsgTrialApplied, "Trial application sent",
			u.Name+" applied for a free "+f.title+": "+f.plan()+".", deadline),
		f.deciders(now, Reviewers(f.orgID), MsgTrialToReview, "Trial application to review",
			f.org+" applied for a free "+f.title+": "+f.plan()+".", deadline),
		f.deciders(now, SupplierUsers(f.supplierID), MsgTrialToReview, "Trial application",
			f.org+" applied for a free "+f.title+": "+f.plan()+".", "You can approve or decline it, as CCS reviewers can, before it starts."),
	)
}

// notifyTrialDecided tells the buyer's organisation about a decision, and
// the supplier's other users; when the portal declined an application not
// decided in time, the reviewers too.
func notifyTrialDecided(ctx context.Context, tx *sql.Tx, op *trialOp, comment string) error {
	f, err := loadTrialFacts(ctx, tx, op.t.id)
	if err != nil {
		return err
	}
	supplier := SupplierUsers(f.supplierID).Except(actorID(op.user))
	if op.to == TrialApproved {
		return notifyAll(ctx, tx,
			f.buyers(op.now, MsgTrialApproved, "Trial approved",
				actorName(op.user)+" approved your application: "+f.plan()+".", quoted(comment),
				"It becomes active on its start date. Record the outcome once it ends, from the trial’s page."),
			f.deciders(op.now, supplier, MsgTrialApproved, "Trial approved", actorName(op.user)+" approved the application: "+f.plan()+"."),
		)
	}
	if op.user == nil {
		key := "trial-declined:" + strconv.FormatInt(f.id, 10)
		body := "The application was not decided before its start date, " + FormatDate(f.start) + ", so the portal declined it."
		b := f.buyers(op.now, MsgTrialDeclined, "Trial declined", body, "You can apply again with a later start date.")
		r := f.deciders(op.now, Reviewers(f.orgID), MsgTrialDeclined, "Not decided in time", body)
		s := f.deciders(op.now, supplier, MsgTrialDeclined, "Not decided in time", body)
		b.Key, r.Key, s.Key = key+":buyers", key+":reviewers", key+":supplier"
		return notifyAll(ctx, tx, b, r, s)
	}
	return notifyAll(ctx, tx,
		f.buyers(op.now, MsgTrialDeclined, "Trial declined", actorName(op.user)+" declined your application.", quoted(comment)),
		f.deciders(op.now, supplier, MsgTrialDeclined, "Trial declined", actorName(op.user)+" declined the application.", quoted(comment)),
	)
}

// notifyTrialWithdrawn tells the buyer's organisation and the supplier
// that an application was withdrawn.
func notifyTrialWithdrawn(ctx context.Context, tx *sql.Tx, op *trialOp) error {
	f, err := loadTrialFacts(ctx, tx, op.t.id)
	if err != nil {
		return err
	}
	return notifyAll(ctx, tx,
		f.buyers(op.now, MsgTrialWithdrawn, "Trial application withdrawn", actorName(op.user)+" withdrew the application."),
		f.deciders(op.now, SupplierUsers(f.supplierID), MsgTrialWithdrawn, "Trial application withdrawn",
			f.org+" withdrew its application: there is nothing to decide."),
	)
}

// notifyTrialStarted tells the buyer's organisation and the supplier that a
// trial starts today (once).
func notifyTrialStarted(ctx context.Context, tx *sql.Tx, op *trialOp) error {
	f, err := loadTrialFacts(ctx, tx, op.t.id)
	if err != nil {
		return err
	}
	key := "trial-started:" + strconv.FormatInt(f.id, 10)
	b := f.buyers(op.now, MsgTrialStarted, "Trial starts today", "Your trial is active: "+f.plan()+".",
		"Once it ends, record whether each success criterion was met, from the trial’s page.")
	s := f.deciders(op.now, SupplierUsers(f.supplierID), MsgTrialStarted, "Trial starts today", "The trial is active: "+f.plan()+".")
	b.Key, s.Key = key+":buyers", key+":supplier"
	return notifyAll(ctx, tx, b, s)
}

// notifyTrialCompleted tells the buyer's organisation and the supplier the
// outcome.
func notifyTrialCompleted(ctx context.Context, tx *sql.Tx, op *trialOp, met, criteria int) error {
	f, err := loadTrialFacts(ctx, tx, op.t.id)
	if err != nil {
		return err
	}
	outcome := strconv.Itoa(met) + " of " + plural(criteria, "success criterion", "success criteria") + " met."
	return notifyAll(ctx, tx,
		f.buyers(op.now, MsgTrialCompleted, "Trial outcome recorded", actorName(op.user)+" recorded the outcome: "+outcome,
			"You can start a basket with the offering from the trial’s page."),
		f.deciders(op.now, SupplierUsers(f.supplierID), MsgTrialCompleted, "Trial outcome", f.org+" recorded the outcome: "+outcome),
	)
}
