package store

// Applying for a free trial (PRODUCT.md §6). Every rule is checked inside
// the write transaction that saves the application, so two applications
// sent at the same moment are checked one after the other by the single
// writer and cannot both slip past a limit:
//
//   - the offering exists, is not withdrawn, and offers that kind of trial;
//   - sites and duration lie in the agreement's range for the kind;
//   - the start date is from tomorrow up to six calendar months ahead (UK
//     dates; the same day number six months on, or that month's last day);
//   - objectives, and 1–10 success criteria of up to 200 characters each;
//   - an optional link to one of the organisation's draft baskets under
//     the same agreement (or one with no lines yet);
//   - one open trial per offering per organisation (open: submitted,
//     approved, or active and not past its end date), whatever the kind;
//   - one SD-WAN trial per organisation in any rolling 365 days, counted by
//     application date (today − application date ≤ 364), declined and
//     withdrawn ones not counting.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
)

// TrialForm is a trial application as entered (POST /trials).
type TrialForm struct {
	Offering   string // the offering's slug
	Kind       string // TrialPOV or TrialSDWAN
	Sites      string
	StartDate  DateInput
	Duration   string // days
	Objectives string
	Criteria   string // one per line
	Basket     string // a basket's id; "" for none
}

// trialFormFields are the application form's fields, in form order.
var trialFormFields = []string{"offering", "kind", "sites", "start_date", "duration_days", "objectives", "success_criteria", "basket"}

// The application's text fields.
var (
	ObjectivesText = Text{Field: "objectives", Label: "Objectives", Max: MaxComment, Multiline: true,
		Empty: "Describe what you want the trial to show"}
	criteriaText = Text{Field: "success_criteria", Label: "Success criteria", Max: 50_000, Multiline: true,
		Empty: "Enter at least one success criterion, one per line"}
)

// TrialKinds are the kinds of trial, as the form offers them.
var TrialKinds = []Choice{{TrialPOV, "Proof of value"}, {TrialSDWAN, "SD-WAN"}}

// TrialKindName names a kind in a sentence: "proof-of-value trial".
func TrialKindName(kind string) string {
	if kind == TrialSDWAN {
		return "SD-WAN trial"
	}
	return "proof-of-value trial"
}

// article is "a" or "an" for a kind's name.
func article(kind string) string {
	if kind == TrialSDWAN {
		return "an"
	}
	return "a"
}

// Allows reports whether the offering may be trialled as kind.
func (o Offering) Allows(kind string) bool {
	return kind == TrialPOV && o.PovTrial || kind == TrialSDWAN && o.SdwanTrial
}

// Kinds are the kinds of trial the offering allows, as the form offers them.
func (o Offering) Kinds() []Choice {
	var out []Choice
	for _, k := range TrialKinds {
		if o.Allows(k.Value) {
			out = append(out, k)
		}
	}
	return out
}

// Sites are the agreement's least and most sites for a kind of trial.
func (t TrialTerms) Sites(kind string) (lo, hi int) {
	if kind == TrialSDWAN {
		return t.SdwanMinSites, t.SdwanMaxSites
	}
	return t.PovMinSites, t.PovMaxSites
}

// Days are the agreement's shortest and longest duration for a kind of
// trial, in days.
func (t TrialTerms) Days(kind string) (lo, hi int) {
	if kind == TrialSDWAN {
		return t.SdwanMinDays, t.SdwanMaxDays
	}
	return t.PovMinDays, t.PovMaxDays
}

// sitesCount is the sites field for a kind of trial under terms; kind ""
// (not chosen yet) checks only that it is a number.
func sitesCount(terms TrialTerms, kind string) Count {
	c := Count{Field: "sites", Label: "Number of sites", Min: 1, Max: 1000, Example: "3", Empty: "Enter the number of sites"}
	if kind != "" {
		lo, hi := terms.Sites(kind)
		c.Min, c.Max = int64(lo), int64(hi)
		c.Range = "Number of sites for " + article(kind) + " " + TrialKindName(kind) + " must be from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
	}
	return c
}

// durationCount is the duration field for a kind of trial under terms.
func durationCount(terms TrialTerms, kind string) Count {
	c := Count{Field: "duration_days", Label: "Duration", Min: 1, Max: 366, Example: "30", Empty: "Enter how many days the trial should last"}
	if kind != "" {
		lo, hi := terms.Days(kind)
		c.Min, c.Max = int64(lo), int64(hi)
		c.Range = strings.ToUpper(article(kind)[:1]) + article(kind)[1:] + " " + TrialKindName(kind) + " must last from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " days"
	}
	return c
}

// SixMonthsAhead is the same day number six calendar months after day, or
// that month's last day when it has fewer days (31 August → 28 or 29
// February), as a UK date.
func SixMonthsAhead(day time.Time) time.Time {
	y, m, d := day.In(London).Date()
	first := time.Date(y, m+6, 1, 0, 0, 0, 0, London)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), 0, 0, 0, 0, London)
}

// TrialStartField is the start date of a trial applied for at now: from
// tomorrow up to six calendar months ahead, as UK dates.
func TrialStartField(now time.Time) DateField {
	today := TodayLondon(now)
	first, last := today.AddDate(0, 0, 1), SixMonthsAhead(today)
	return DateField{Field: "start_date", Label: "The start date", Empty: "Enter the date the trial should start",
		Min: first, Max: last,
		TooEarly: "The start date must be tomorrow, " + FormatDate(first) + ", or later",
		TooLate:  "The start date must be no later than " + FormatDate(last) + ", six months from today"}
}

// parseCriteria splits the success criteria into one per line, leaving out
// blank lines and a leading list mark ("- ", "* ", "• ").
func parseCriteria(s string) ([]string, *FieldError) {
	s, fe := criteriaText.Check(s)
	if fe != nil {
		return nil, fe
	}
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		for _, mark := range []string{"-", "*", "•"} {
			if rest, ok := strings.CutPrefix(line, mark); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
				line = strings.TrimSpace(rest)
			}
		}
		if line != "" {
			out = append(out, line)
		}
	}
	switch {
	case len(out) == 0:
		return nil, &FieldError{"success_criteria", criteriaText.Empty}
	case len(out) > MaxCriteria:
		return nil, &FieldError{"success_criteria", "Enter at most " + strconv.Itoa(MaxCriteria) + " success criteria, one per line: there are " + strconv.Itoa(len(out))}
	}
	for i, c := range out {
		if n := len([]rune(c)); n > MaxCriterion {
			return nil, &FieldError{"success_criteria", "Success criterion " + strconv.Itoa(i+1) + " must be " + strconv.Itoa(MaxCriterion) +
				" characters or fewer: it has " + strconv.Itoa(n)}
		}
	}
	return out, nil
}

// trialApplication is a checked application, ready to save.
type trialApplication struct {
	offering   Offering
	agreement  Agreement
	kind       string
	sites      int64
	days       int64
	start      time.Time
	objectives string
	criteria   []string
	basket     *basketRow // nil: none linked
}

// checkApplication checks every rule of an application by u at now inside
// tx, returning the invalid fields in form order.
func checkApplication(ctx context.Context, tx *sql.Tx, u *User, f TrialForm, now time.Time) (trialApplication, error) {
	var app trialApplication
	var errs fieldErrors
	add := errs.add

	// The offering, and the kind of trial it allows.
	haveOffering := false
	if slug, fe := OfferingRef.Check(f.Offering); add(fe) {
		o, err := findOffering(ctx, tx, "o.slug = ?", slug)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			add(&FieldError{"offering", "Choose an offering from the catalogue"})
		case err != nil:
			return app, err
		case !o.Active:
			add(&FieldError{"offering", o.Name + " has been withdrawn, so it cannot be trialled"})
		case !o.PovTrial && !o.SdwanTrial:
			add(&FieldError{"offering", o.Name + " is not eligible for a free trial"})
		default:
			app.offering, haveOffering = o, true
			if app.agreement, err = scanAgreement(tx.QueryRowContext(ctx, "SELECT "+agreementColumns+" WHERE a.id = ?", o.Agreement.ID)); err != nil {
				return app, err
			}
		}
	}
	switch kind := strings.TrimSpace(f.Kind); {
	case kind == "":
		add(&FieldError{"kind", "Choose the kind of trial"})
	case !validChoice(TrialKinds, kind):
		add(&FieldError{"kind", "Choose a proof-of-value or an SD-WAN trial"})
	case haveOffering && !app.offering.Allows(kind):
		add(&FieldError{"kind", app.offering.Name + " is not eligible for a free " + TrialKindName(kind)})
	default:
		app.kind = kind
	}
	// Sites and days have the kind's ranges once the offering (whose
	// agreement sets them) and the kind are known.
	terms, rangeKind := app.agreement.Trials, ""
	if haveOffering {
		rangeKind = app.kind
	}
	var fe *FieldError
	app.sites, fe = sitesCount(terms, rangeKind).Check(f.Sites)
	add(fe)
	app.start, fe = TrialStartField(now).Check(f.StartDate)
	add(fe)
	app.days, fe = durationCount(terms, rangeKind).Check(f.Duration)
	add(fe)
	app.objectives, fe = ObjectivesText.Check(f.Objectives)
	add(fe)
	app.criteria, fe = parseCriteria(f.Criteria)
	add(fe)
	if haveOffering {
		b, fe, err := checkTrialBasket(ctx, tx, u, f.Basket, app.offering)
		if err != nil {
			return app, err
		}
		if add(fe) {
			app.basket = b
		}
	}

	// The limits, once the offering and kind are known.
	if haveOffering && app.kind != "" {
		open, err := openTrialOf(ctx, tx, u.OrgID, app.offering.ID, now)
		if err != nil {
			return app, err
		}
		if open != nil {
			add(&FieldError{"offering", open.OpenTrialMessage(app.offering.Name)})
		}
		if app.kind == TrialSDWAN {
			recent, err := recentSDWANTrial(ctx, tx, u.OrgID, now)
			if err != nil {
				return app, err
			}
			if recent != nil {
				add(&FieldError{"kind", recent.SDWANLimitMessage()})
			}
		}
	}
	if errs != nil {
		sortFields(errs, trialFormFields...)
		return app, Invalid(errs...)
	}
	return app, nil
}

// checkTrialBasket checks the basket chosen to link to a trial of o: one
// of u's organisation's draft baskets, under o's agreement or with no lines
// yet. An empty choice (or "none") links none.
func checkTrialBasket(ctx context.Context, tx *sql.Tx, u *User, choice string, o Offering) (*basketRow, *FieldError, error) {
	choice = strings.TrimSpace(choice)
	if choice == "" || choice == "none" {
		return nil, nil, nil
	}
	bad := &FieldError{"basket", "Choose one of your organisation’s draft baskets, or no basket"}
	id, err := strconv.ParseInt(choice, 10, 64)
	if err != nil || !allDigits(choice) {
		return nil, bad, nil
	}
	b, err := scanBasketRow(tx.QueryRowContext(ctx, qBasketRow+` AND org_id = ?`, id, u.OrgID))
	if ErrorCode(err) == ENOTFOUND {
		return nil, bad, nil
	} else if err != nil {
		return nil, nil, err
	}
	if b.status != BasketDraft {
		return nil, &FieldError{"basket", "“" + b.name + "” is " + strings.ToLower(b.status.Label()) +
			", so it cannot be linked to a trial: choose a draft basket, or no basket"}, nil
	}
	if b.agreementID.Valid && b.agreementID.Int64 != o.Agreement.ID {
		var title string
		if err := tx.QueryRowContext(ctx, `SELECT title FROM agreements WHERE id = ?`, b.agreementID.Int64).Scan(&title); err != nil {
			return nil, nil, err
		}
		return nil, &FieldError{"basket", "“" + b.name + "” is for offerings under the " + title + ", but " + o.Name +
			" is sold under the " + o.Agreement.Title + ": choose a basket under that agreement, or no basket"}, nil
	}
	return &b, nil, nil
}

// openTrialOf returns the organisation's open trial of an offering at now
// (submitted, approved, or active and not past its end date), or nil.
func openTrialOf(ctx context.Context, q querier, orgID, offeringID int64, now time.Time) (*TrialSummary, error) {
	return firstTrial(ctx, q, now, `t.org_id = ? AND t.offering_id = ?
		AND (t.status IN ('submitted', 'approved') OR (t.status = 'active' AND t.end_date >= ?))
		ORDER BY t.id DESC LIMIT 1`, orgID, offeringID, TodayLondon(now).Format(time.DateOnly))
}

// recentSDWANTrial returns the organisation's latest SD-WAN trial applied
// for in the 365 days up to and including today's date at now (today minus
// its application date at most 364 days), declined and withdrawn ones left
// out; nil when there is none, and another may be applied for.
func recentSDWANTrial(ctx context.Context, q querier, orgID int64, now time.Time) (*TrialSummary, error) {
	from := TodayLondon(now).AddDate(0, 0, -(SDWANWindowDays - 1))
	return firstTrial(ctx, q, now, `t.org_id = ? AND t.kind = 'sdwan' AND t.status NOT IN ('declined', 'withdrawn')
		AND t.applied_on >= ? ORDER BY t.applied_on DESC, t.id DESC LIMIT 1`, orgID, from.Format(time.DateOnly))
}

// SDWANWindowDays is the rolling window of the SD-WAN limit: one SD-WAN
// trial per organisation in any 365 days.
const SDWANWindowDays = 365

// firstTrial is the first trial summary matching where, or nil.
func firstTrial(ctx context.Context, q querier, now time.Time, where string, args ...any) (*TrialSummary, error) {
	ts, err := trialSummaries(ctx, q, now, where, args...)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	return &ts[0], nil
}

// OpenTrialMessage explains that this open trial of the offering named
// stops another application.
func (t TrialSummary) OpenTrialMessage(offering string) string {
	var state string
	switch t.Status {
	case TrialSubmitted:
		state = "applied for on " + FormatDate(t.AppliedOn) + " and waiting for a decision"
	case TrialApproved:
		state = "approved to start on " + FormatDate(t.StartDate)
	default:
		state = "active until " + FormatDate(t.EndDate)
	}
	return "Your organisation already has an open trial of " + offering + ", " + state +
		". Only one open trial of an offering is allowed at a time"
}

// SDWANLimitMessage explains that this SD-WAN trial stops another for now,
// and from when one may be applied for.
func (t TrialSummary) SDWANLimitMessage() string {
	return "Your organisation applied for an SD-WAN trial on " + FormatDate(t.AppliedOn) +
		", and only one SD-WAN trial is allowed in any 365 days. You can apply for another from " +
		FormatDate(t.AppliedOn.AddDate(0, 0, SDWANWindowDays))
}

// ApplyForTrial saves buyer u's application for a trial and returns its
// id, with its audit row and messages, in one transaction.
func (db *DB) ApplyForTrial(ctx context.Context, u *User, f TrialForm) (int64, error) {
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if err := mayAttemptTrial(u, ActionApply); err != nil {
			return err
		}
		// The limits count trials as they stand today.
		if _, err := applyDueTrials(ctx, tx, now); err != nil {
			return err
		}
		app, err := checkApplication(ctx, tx, u, f, now)
		if err != nil {
			return err
		}
		var basketID sql.NullInt64
		if app.basket != nil {
			basketID = sql.NullInt64{Int64: app.basket.id, Valid: true}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO trials (org_id, applicant_id, offering_id, agreement_id, kind, sites, start_date,
			duration_days, objectives, applied_on, applied_at, basket_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.OrgID, u.ID, app.offering.ID, app.offering.Agreement.ID, app.kind, app.sites, app.start.Format(time.DateOnly),
			app.days, app.objectives, TodayLondon(now).Format(time.DateOnly), timestamp(now), basketID, timestamp(now)).Scan(&id)
		if err != nil {
			return err
		}
		for i, c := range app.criteria {
			if _, err := tx.ExecContext(ctx, `INSERT INTO trial_criteria (trial_id, n, text) VALUES (?, ?, ?)`, id, i+1, c); err != nil {
				return err
			}
		}
		details := Details{"offering": app.offering.Slug, "offering_name": app.offering.Name, "kind": app.kind,
			"sites": app.sites, "start_date": app.start.Format(time.DateOnly), "duration_days": app.days, "criteria": len(app.criteria)}
		if app.basket != nil {
			details["basket"] = app.basket.id
		}
		if err := audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(u), Subject: Subject{SubjectTrial, id}, OrgID: u.OrgID,
			Action: ActionApply, To: string(TrialSubmitted), Details: details}); err != nil {
			return err
		}
		return notifyTrialApplied(ctx, tx, u, id, db.ReviewSLA.Due(now), now)
	})
	return id, err
}

// errNoTrial is the answer for a trial that does not exist or that the
// person may not see.
var errNoTrial = Errorf(ENOTFOUND, "There is no such trial.")

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
