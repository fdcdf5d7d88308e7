package store

// Baskets (PRODUCT.md §4): a named procurement for one organisation with its
// lines and requirements. Every public method is one transaction; each write
// checks permission and the workflow inside it.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Requirements are what the organisation needs from a basket's purchase.
type Requirements struct {
	Need          string `json:"need"`
	BudgetPence   int64  `json:"budget_pence"` // including VAT
	Sites         int64  `json:"sites"`
	RequiredBy    string `json:"required_by"` // YYYY-MM-DD
	WeightPrice   int64  `json:"weight_price"`
	WeightQuality int64  `json:"weight_quality"`
	WeightSocial  int64  `json:"weight_social"`
}

// RequiredByDate returns the required-by date as a UK date, or the zero time.
func (r Requirements) RequiredByDate() time.Time {
	t, err := time.ParseInLocation(time.DateOnly, r.RequiredBy, London)
	if err != nil {
		return time.Time{}
	}
	return t
}

// BasketLine is one offering on one term in a basket, priced.
type BasketLine struct {
	ID         int64
	Offering   Offering
	Quantity   int64
	TermMonths int64
	Price      LinePrice
}

// QuoteRef points at a basket's latest quote version.
type QuoteRef struct {
	Ref        string
	Version    int
	Status     QuoteStatus
	IssuedAt   time.Time
	ValidUntil string // YYYY-MM-DD
	// Approvals and ApprovalsNeeded count the version's approvals.
	Approvals, ApprovalsNeeded int

	versionID int64
}

// ValidUntilDate is the last day the quote is valid, as a UK date.
func (q QuoteRef) ValidUntilDate() time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, q.ValidUntil, London)
	return t
}

// URL is the quote version's page.
func (q QuoteRef) URL() string { return QuoteURL(q.Ref, q.Version) }

// QuoteURL is the address of a quote version's page.
func QuoteURL(ref string, version int) string {
	return "/quotes/" + ref + "/v" + strconv.Itoa(version)
}

// Basket is a basket with its priced lines.
type Basket struct {
	ID              int64
	OrgID           int64
	OrgName         string
	OwnerID         int64
	OwnerName       string
	Name            string
	Status          BasketStatus
	Version         int64
	Agreement       *Agreement // nil while the basket is empty
	HasRequirements bool
	Requirements    Requirements
	Lines           []BasketLine
	Inlife          InlifeStatus // the tier the lines are priced at
	Totals          Totals
	Quote           *QuoteRef // the latest version; nil until first submitted
	// Events is the latest BasketTimelineLimit entries of its audit trail,
	// oldest first, of EventsTotal in all (BasketHistory has every one).
	Events      []AuditEvent
	EventsTotal int
	// Decision is the reviewer's decision that put the basket in its state
	// (changes requested or rejected), or nil.
	Decision *AuditEvent
	// FromTrial is the trial the basket was started from, and LinkedTrials
	// those linked to it when applying (PRODUCT.md §6).
	FromTrial    *TrialRef
	LinkedTrials []TrialRef
	// DecisionDue is the UK date by the end of which CCS aims to decide on
	// the version awaiting a decision (zero when none awaits), DecisionDays
	// the service level it comes from, in UK working days.
	DecisionDue  time.Time
	DecisionDays int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// OverBudget reports whether the gross total is more than the budget.
func (b Basket) OverBudget() bool {
	return b.HasRequirements && len(b.Lines) > 0 && b.Totals.GrossPence > b.Requirements.BudgetPence
}

// BasketSummary is a basket in a list.
type BasketSummary struct {
	ID          int64
	Name        string
	Status      BasketStatus
	Lines       int
	AgreementID int64  // 0 while empty
	Agreement   string // title, "" while empty
	Quote       *QuoteRef
	UpdatedAt   time.Time
}

// Takes reports whether the basket can take an offering sold under
// agreement agreementID now: it is editable (a draft, or changes requested)
// and either has no lines yet or is under the same agreement (PRODUCT.md §4).
func (s BasketSummary) Takes(agreementID int64) bool {
	return s.Status.Editable() && (s.AgreementID == 0 || s.AgreementID == agreementID)
}

// DefaultBasketName is the name a new basket is offered on the add form,
// from today's UK month: "Connectivity – December 2026".
func DefaultBasketName(now time.Time) string {
	return "Connectivity – " + now.In(London).Format("January 2006")
}

// Queries of the basket write path, prepared once on the writer
// (basket_stmt.go).
const (
	qLineOffering = `SELECT o.id, o.slug, o.name, o.active, a.id, a.slug, a.title,
		(SELECT group_concat(months, '|') FROM (SELECT months FROM offering_terms t WHERE t.offering_id = o.id ORDER BY months))
		FROM offerings o JOIN agreements a ON a.id = o.agreement_id WHERE o.slug = ?`
	qFindLine   = `SELECT id, quantity FROM basket_lines WHERE basket_id = ? AND offering_id = ? AND term_months = ?`
	qCountLines = `SELECT count(*) FROM basket_lines WHERE basket_id = ?`
	qInsertLine = `INSERT INTO basket_lines (basket_id, offering_id, quantity, term_months) VALUES (?, ?, ?, ?)`
	qAddToLine  = `UPDATE basket_lines SET quantity = quantity + ? WHERE id = ?`
	qTouch      = `UPDATE baskets SET status = ?, agreement_id = ?, version = version + 1, updated_at = ? WHERE id = ?`
	qDueQuotes  = `SELECT v.id, v.version, v.valid_until, q.basket_id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE v.status = 'submitted' AND v.valid_until < ?`
)

// MaxBasketLines is the most lines a basket holds (PRODUCT.md §3, §4): with
// the price bounds it keeps every total inside int64.
const MaxBasketLines = 200

// lineOffering finds an offering by slug with just what adding a line needs.
func lineOffering(ctx context.Context, tx *sql.Tx, st *stmts, slug string) (Offering, error) {
	var o Offering
	var terms sql.NullString
	err := st.lineOffering.row(ctx, tx, slug).Scan(&o.ID, &o.Slug, &o.Name, &o.Active, &o.Agreement.ID, &o.Agreement.Slug, &o.Agreement.Title, &terms)
	if errors.Is(err, sql.ErrNoRows) {
		return o, Errorf(ENOTFOUND, "There is no such offering")
	} else if err != nil {
		return o, err
	}
	if terms.Valid {
		for _, t := range strings.Split(terms.String, "|") {
			n, _ := strconv.Atoi(t)
			o.Terms = append(o.Terms, n)
		}
	}
	return o, nil
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseTimestamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// CreateBasket creates an empty draft basket for the buyer's organisation.
func (db *DB) CreateBasket(ctx context.Context, u *User, name string) (Basket, error) {
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = createBasket(ctx, tx, u, BasketNameText, name, db.Now())
		return err
	})
	if err != nil {
		return Basket{}, err
	}
	return db.Basket(ctx, u, id)
}

// createBasket creates a draft basket named by field (checked here with the
// buyer's role) for u's organisation.
func createBasket(ctx context.Context, tx *sql.Tx, u *User, field Text, name string, now time.Time) (int64, error) {
	return createBasketFrom(ctx, tx, u, field, name, 0, now)
}

// createBasketFrom is createBasket for a basket started from trial trialID
// (0: none), which the basket then names.
func createBasketFrom(ctx context.Context, tx *sql.Tx, u *User, field Text, name string, trialID int64, now time.Time) (int64, error) {
	if err := mayAttempt(u, ActionCreate); err != nil {
		return 0, err
	}
	name, fe := field.Check(name)
	if fe != nil {
		return 0, Invalid(*fe)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO baskets (org_id, owner_id, name, trial_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		u.OrgID, u.ID, name, nullID(trialID), timestamp(now), timestamp(now)).Scan(&id)
	if err != nil {
		return 0, err
	}
	details := Details{"name": name}
	if trialID != 0 {
		details["trial"] = trialID
	}
	return id, audit(ctx, tx, AuditEvent{At: now, Actor: ActorOf(u), Subject: Subject{SubjectBasket, id}, OrgID: u.OrgID,
		Action: ActionCreate, To: string(BasketDraft), Details: details})
}

// LineForm is a line as entered in a form: the offering's slug, a quantity
// and a contract term in months.
type LineForm struct {
	Offering   string
	Quantity   string
	TermMonths string
}

// AddToBasketForm is the "add to basket" form of the offering and compare
// pages: a line plus the basket to put it in, or the name of a new one.
type AddToBasketForm struct {
	LineForm
	Basket    string // an id
	NewBasket string // a name for a new basket, used when Basket is empty or "new"
}

// AgreementMismatchError refuses an offering from another agreement than the
// basket's, naming the offering so a new basket can be offered for it.
type AgreementMismatchError struct {
	Err      *Error
	Offering Offering
	Line     LineForm
}

// Error implements error.
func (e *AgreementMismatchError) Error() string { return e.Err.Error() }

// Unwrap returns the domain error, so ErrorCode and ErrorFields see it.
func (e *AgreementMismatchError) Unwrap() error { return e.Err }

// checkTerm parses a term, which must be one of the offering's options.
func checkTerm(field string, o Offering, s string) (int64, *FieldError) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	if !allDigits(s) || err != nil || !o.HasTerm(n) {
		return 0, &FieldError{field, "Choose a contract term for " + o.Name + ": " + FormatTerms(o.Terms)}
	}
	return int64(n), nil
}

// LineAdded says what an add did, for the confirmation message.
type LineAdded struct {
	BasketID     int64
	BasketName   string
	OfferingName string
	Quantity     int64
	Merged       bool // added to an existing line
}

// AddLine adds an offering to a basket (POST /baskets/{id}/lines). The same
// offering on the same term merges into the existing line. Adds carry no
// version and never conflict: the single writer applies them in turn.
func (db *DB) AddLine(ctx context.Context, u *User, basketID int64, f LineForm) (LineAdded, error) {
	var res LineAdded
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = addLine(ctx, tx, db.stmts, u, basketID, f, db.Now())
		return err
	})
	return res, err
}

func addLine(ctx context.Context, tx *sql.Tx, st *stmts, u *User, basketID int64, f LineForm, now time.Time) (LineAdded, error) {
	op, err := openBasket(ctx, tx, st, u, basketRequest{Action: ActionAddLine, BasketID: basketID}, now)
	if err != nil {
		return LineAdded{}, err
	}
	res, details, err := op.addLine(ctx, f)
	if err != nil {
		return res, err
	}
	return res, op.done(ctx, "", details)
}

// AddToBasket adds a line to the chosen basket, or to a new basket named in
// the form, in one transaction, and returns the basket's id.
func (db *DB) AddToBasket(ctx context.Context, u *User, f AddToBasketForm) (LineAdded, error) {
	var res LineAdded
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if err := mayAttempt(u, ActionCreate); err != nil {
			return err
		}
		var id int64
		choice := strings.TrimSpace(f.Basket)
		if choice == "" || choice == "new" {
			newName := BasketNameText.For("new_basket")
			if choice == "" {
				newName.Empty = "Choose a basket, or name a new one"
			}
			if _, fe := newName.Check(f.NewBasket); fe != nil {
				if choice == "" && fe.Message == newName.Empty {
					fe.Field = "basket"
				}
				// Report the line's problems too, in form order.
				_, _, _, lineErrs, err := checkLine(ctx, tx, db.stmts, f.LineForm)
				if err != nil {
					return err
				}
				return Invalid(append([]FieldError{*fe}, lineErrs...)...)
			}
			var err error
			if id, err = createBasket(ctx, tx, u, newName, f.NewBasket, now); err != nil {
				return err
			}
		} else {
			n, err := strconv.ParseInt(choice, 10, 64)
			if err != nil || !allDigits(choice) {
				return Invalid(FieldError{"basket", "Choose a basket, or name a new one"})
			}
			id = n
		}
		var err error
		res, err = addLine(ctx, tx, db.stmts, u, id, f.LineForm, now)
		return err
	})
	return res, err
}

// checkLine validates a line form: the offering exists and is active, the
// quantity is 1–100,000 and the term one of the offering's options.
func checkLine(ctx context.Context, tx *sql.Tx, st *stmts, f LineForm) (o Offering, q, t int64, errs []FieldError, err error) {
	slug, fe := OfferingRef.Check(f.Offering)
	if fe == nil {
		o, err = lineOffering(ctx, tx, st, slug)
		if ErrorCode(err) == ENOTFOUND {
			fe, err = &FieldError{"offering", "Choose an offering from the catalogue"}, nil
		} else if err != nil {
			return o, 0, 0, nil, err
		}
	}
	if fe != nil {
		errs = []FieldError{*fe}
		if _, fe := QuantityCount.Check(f.Quantity); fe != nil {
			errs = append(errs, *fe)
		}
		return o, 0, 0, errs, nil
	}
	if !o.Active {
		return o, 0, 0, []FieldError{{"offering", o.Name + " has been withdrawn and cannot be added to a basket"}}, nil
	}
	q, fe = QuantityCount.Check(f.Quantity)
	if fe != nil {
		errs = append(errs, *fe)
	}
	t, fe = checkTerm("term_months", o, f.TermMonths)
	if fe != nil {
		errs = append(errs, *fe)
	}
	return o, q, t, errs, nil
}

// addLine adds the form's line to the opened basket, merging it into a line
// of the same offering on the same term, and fixes the basket's agreement.
func (op *basketOp) addLine(ctx context.Context, f LineForm) (LineAdded, Details, error) {
	b := &op.b
	res := LineAdded{BasketID: b.id, BasketName: b.name}
	o, q, t, errs, err := checkLine(ctx, op.tx, op.st, f)
	if err != nil {
		return res, nil, err
	}
	if errs != nil {
		return res, nil, Invalid(errs...)
	}
	res.OfferingName, res.Quantity = o.Name, q
	if b.agreementID.Valid && b.agreementID.Int64 != o.Agreement.ID {
		var title string
		if err := op.tx.QueryRowContext(ctx, `SELECT title FROM agreements WHERE id = ?`, b.agreementID.Int64).Scan(&title); err != nil {
			return res, nil, err
		}
		return res, nil, &AgreementMismatchError{
			Err: Invalid(FieldError{"offering", "“" + b.name + "” is for offerings under the " + title + ". " +
				o.Name + " is sold under the " + o.Agreement.Title + ", so it needs a basket of its own: a quote becomes one contract with one supplier."}),
			Offering: o, Line: f,
		}
	}
	var lineID, have int64
	err = op.st.findLine.row(ctx, op.tx, b.id, o.ID, t).Scan(&lineID, &have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var lines int
		if err := op.st.countLines.row(ctx, op.tx, b.id).Scan(&lines); err != nil {
			return res, nil, err
		}
		if lines >= MaxBasketLines {
			return res, nil, Invalid(FieldError{"offering", "A basket can hold at most 200 lines. Start a new basket for " + o.Name + ", or change a line already in this one"})
		}
		if _, err := op.st.insertLine.exec(ctx, op.tx, b.id, o.ID, q, t); err != nil {
			return res, nil, err
		}
	case err != nil:
		return res, nil, err
	default:
		res.Merged = true
		if have+q > MaxQuantity {
			return res, nil, Invalid(FieldError{"quantity", "The basket already has " + groupThousands(uint64(have)) + " of " + o.Name +
				" on " + FormatMonths(int(t)) + ". Adding " + groupThousands(uint64(q)) + " more would make more than 100,000 on one line"})
		}
		if _, err := op.st.addToLine.exec(ctx, op.tx, q, lineID); err != nil {
			return res, nil, err
		}
	}
	b.agreementID = sql.NullInt64{Int64: o.Agreement.ID, Valid: true}
	return res, Details{"offering": o.Slug, "offering_name": o.Name, "term_months": t, "quantity": Change{have, have + q}}, nil
}

// LineChange is an edit of an existing line's quantity and term, with the
// basket version the page was showing.
type LineChange struct {
	Quantity   string
	TermMonths string
	Version    string
}

// UpdateLine changes a line's quantity and term. Moving a line onto a term
// that the offering already has a line for merges the two.
func (db *DB) UpdateLine(ctx context.Context, u *User, basketID, lineID int64, ch LineChange) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		op, err := db.openBasket(ctx, tx, u, basketRequest{Action: ActionUpdateLine, BasketID: basketID, Version: ch.Version})
		if err != nil {
			return err
		}
		var offeringID, oldQ, oldTerm int64
		err = tx.QueryRowContext(ctx, `SELECT offering_id, quantity, term_months FROM basket_lines WHERE id = ? AND basket_id = ?`, lineID, op.b.id).
			Scan(&offeringID, &oldQ, &oldTerm)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "That line is no longer in the basket.")
		} else if err != nil {
			return err
		}
		o, err := findOffering(ctx, tx, "o.id = ?", offeringID)
		if err != nil {
			return err
		}
		var errs []FieldError
		q, fe := QuantityCount.For(lineField(lineID, "quantity")).Check(ch.Quantity)
		if fe != nil {
			errs = append(errs, *fe)
		}
		t, fe := checkTerm(lineField(lineID, "term_months"), o, ch.TermMonths)
		if fe != nil {
			errs = append(errs, *fe)
		}
		if errs != nil {
			return Invalid(errs...)
		}
		details := Details{"line": lineID, "offering": o.Slug, "offering_name": o.Name, "quantity": Change{oldQ, q}, "term_months": Change{oldTerm, t}}
		var otherID, otherQ int64
		err = tx.QueryRowContext(ctx, `SELECT id, quantity FROM basket_lines WHERE basket_id = ? AND offering_id = ? AND term_months = ? AND id <> ?`,
			op.b.id, offeringID, t, lineID).Scan(&otherID, &otherQ)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `UPDATE basket_lines SET quantity = ?, term_months = ? WHERE id = ?`, q, t, lineID); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if otherQ+q > MaxQuantity {
				return Invalid(FieldError{lineField(lineID, "quantity"), "The basket already has " + groupThousands(uint64(otherQ)) + " of " + o.Name +
					" on " + FormatMonths(int(t)) + "; together they would be more than 100,000 on one line"})
			}
			if _, err := tx.ExecContext(ctx, `UPDATE basket_lines SET quantity = quantity + ? WHERE id = ?`, q, otherID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM basket_lines WHERE id = ?`, lineID); err != nil {
				return err
			}
			details["merged_into"] = otherID
		}
		return op.done(ctx, "", details)
	})
}

// lineField is the form field name of a line's input, unique on the page.
func lineField(lineID int64, name string) string {
	return "line-" + strconv.FormatInt(lineID, 10) + "-" + name
}

// LineField is the id of a line's quantity or term input on the basket page.
func LineField(lineID int64, name string) string { return lineField(lineID, name) }

// DeleteLine removes a line. Removing the last line frees the basket from
// its agreement.
func (db *DB) DeleteLine(ctx context.Context, u *User, basketID, lineID int64, version string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		op, err := db.openBasket(ctx, tx, u, basketRequest{Action: ActionDeleteLine, BasketID: basketID, Version: version})
		if err != nil {
			return err
		}
		var slug, name string
		var q, t int64
		err = tx.QueryRowContext(ctx, `DELETE FROM basket_lines WHERE id = ? AND basket_id = ?
			RETURNING (SELECT slug FROM offerings WHERE id = offering_id), (SELECT name FROM offerings WHERE id = offering_id), quantity, term_months`,
			lineID, op.b.id).Scan(&slug, &name, &q, &t)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "That line is no longer in the basket.")
		} else if err != nil {
			return err
		}
		var left int
		if err := op.st.countLines.row(ctx, tx, op.b.id).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			op.b.agreementID = sql.NullInt64{}
		}
		return op.done(ctx, "", Details{"line": lineID, "offering": slug, "offering_name": name, "quantity": q, "term_months": t})
	})
}

// RequirementsForm is the requirements form as entered.
type RequirementsForm struct {
	Need          string
	Budget        string // pounds, pence allowed, including VAT
	Sites         string
	RequiredBy    DateInput
	WeightPrice   string
	WeightQuality string
	WeightSocial  string
	Version       string
}

// FormFromRequirements fills a form from saved requirements.
func FormFromRequirements(r Requirements, version int64) RequirementsForm {
	return RequirementsForm{
		Need: r.Need, Budget: FormatPounds(r.BudgetPence), Sites: strconv.FormatInt(r.Sites, 10), RequiredBy: DateInputOf(r.RequiredByDate()),
		WeightPrice: strconv.FormatInt(r.WeightPrice, 10), WeightQuality: strconv.FormatInt(r.WeightQuality, 10),
		WeightSocial: strconv.FormatInt(r.WeightSocial, 10), Version: strconv.FormatInt(version, 10),
	}
}

// The requirements form's fields other than text (validate.go).
var (
	budgetMoney = Money{Field: "budget", Label: "Budget", Empty: "Enter the budget in pounds, including VAT", Zero: "Budget must be more than £0"}
	weightCount = func(field, label string) Count {
		return Count{Field: field, Label: label + " weight", Min: 0, Max: 100, Example: "50", Empty: "Enter the " + strings.ToLower(label) + " weight",
			Range: label + " weight must be a whole percentage from 0 to 100"}
	}
)

// RequiredByField is the required-by date: today or later, at most 5 years
// ahead (PRODUCT.md §4, §8), as UK dates.
func RequiredByField(now time.Time) DateField {
	today := TodayLondon(now)
	last := today.AddDate(5, 0, 0)
	return DateField{Field: "required_by", Label: "The date you need it by", Empty: "Enter the date you need it by",
		Min: today, Max: last, TooEarly: "The date you need it by must be today or in the future",
		TooLate: "The date you need it by must be within 5 years, by " + FormatDate(last)}
}

// Parse validates the form against today's UK date and returns the
// requirements, or the invalid fields in form order.
func (f RequirementsForm) Parse(now time.Time) (Requirements, []FieldError) {
	var r Requirements
	var errs fieldErrors
	check := errs.add
	var fe *FieldError
	r.Need, fe = NeedText.Check(f.Need)
	check(fe)
	r.BudgetPence, fe = budgetMoney.Check(f.Budget)
	check(fe)
	r.Sites, fe = SitesCount.Check(f.Sites)
	check(fe)
	d, fe := RequiredByField(now).Check(f.RequiredBy)
	if check(fe) {
		r.RequiredBy = d.Format(time.DateOnly)
	}
	var ok1, ok2, ok3 bool
	r.WeightPrice, fe = weightCount("weight_price", "Price").Check(f.WeightPrice)
	ok1 = check(fe)
	r.WeightQuality, fe = weightCount("weight_quality", "Quality").Check(f.WeightQuality)
	ok2 = check(fe)
	r.WeightSocial, fe = weightCount("weight_social", "Social value").Check(f.WeightSocial)
	ok3 = check(fe)
	if ok1 && ok2 && ok3 {
		if sum := r.WeightPrice + r.WeightQuality + r.WeightSocial; sum != 100 {
			errs = append(errs, FieldError{"weight_price", "The weights must add up to 100%; they add up to " + strconv.FormatInt(sum, 10) + "%"})
		}
		if r.WeightSocial < MinSocialValueWeight {
			errs = append(errs, FieldError{"weight_social", "Social value weight must be at least " + strconv.Itoa(MinSocialValueWeight) + "%"})
		}
	}
	return r, errs
}

// SetRequirements saves the basket's requirements.
func (db *DB) SetRequirements(ctx context.Context, u *User, basketID int64, f RequirementsForm) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return setRequirements(ctx, tx, db.stmts, u, basketID, f, db.Now())
	})
}

func setRequirements(ctx context.Context, tx *sql.Tx, st *stmts, u *User, basketID int64, f RequirementsForm, now time.Time) error {
	op, err := openBasket(ctx, tx, st, u, basketRequest{Action: ActionSetRequirements, BasketID: basketID, Version: f.Version}, now)
	if err != nil {
		return err
	}
	r, errs := f.Parse(now)
	if errs != nil {
		return Invalid(errs...)
	}
	var had bool
	var old Requirements
	if err := tx.QueryRowContext(ctx, `SELECT has_requirements, need, budget_pence, sites, required_by, weight_price, weight_quality, weight_social
		FROM baskets WHERE id = ?`, op.b.id).Scan(&had, &old.Need, &old.BudgetPence, &old.Sites, &old.RequiredBy,
		&old.WeightPrice, &old.WeightQuality, &old.WeightSocial); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE baskets SET has_requirements = 1, need = ?, budget_pence = ?, sites = ?, required_by = ?,
		weight_price = ?, weight_quality = ?, weight_social = ? WHERE id = ?`,
		r.Need, r.BudgetPence, r.Sites, r.RequiredBy, r.WeightPrice, r.WeightQuality, r.WeightSocial, op.b.id); err != nil {
		return err
	}
	details := Details{}
	for _, c := range []struct {
		field    string
		old, new any
	}{{"need", old.Need, r.Need}, {"budget_pence", old.BudgetPence, r.BudgetPence}, {"sites", old.Sites, r.Sites},
		{"required_by", old.RequiredBy, r.RequiredBy}, {"weight_price", old.WeightPrice, r.WeightPrice},
		{"weight_quality", old.WeightQuality, r.WeightQuality}, {"weight_social", old.WeightSocial, r.WeightSocial}} {
		if !had {
			details[c.field] = Change{nil, c.new}
		} else if c.old != c.new {
			details[c.field] = Change{c.old, c.new}
		}
	}
	return op.done(ctx, "", details)
}

// Basket returns a basket with its lines priced at today's catalogue prices
// and the organisation's current in-life tier, its latest quote and its
// audit trail. Buyers see their own organisation's baskets; reviewers all.
func (db *DB) Basket(ctx context.Context, u *User, id int64) (Basket, error) {
	if u == nil {
		return Basket{}, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	if err := db.expireDue(ctx); err != nil {
		return Basket{}, err
	}
	var b Basket
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = loadBasket(ctx, tx, u, id)
		return err
	})
	if b.Quote != nil && b.Quote.Status == QuoteSubmitted {
		b.DecisionDue, b.DecisionDays = db.ReviewSLA.Due(b.Quote.IssuedAt), db.ReviewSLA.WorkingDays
	}
	return b, err
}

// loadBasket loads and prices a basket that u may see: the scope is in the
// query, so nothing is priced for anyone else.
func loadBasket(ctx context.Context, tx *sql.Tx, u *User, id int64) (Basket, error) {
	var b Basket
	var agreementID sql.NullInt64
	var created, updated string
	r := &b.Requirements
	scope, args := viewScope(u, "b.org_id")
	err := tx.QueryRowContext(ctx, `SELECT b.id, b.org_id, o.name, b.owner_id, u.name, b.name, b.status, b.version, b.agreement_id,
		b.has_requirements, b.need, b.budget_pence, b.sites, b.required_by, b.weight_price, b.weight_quality, b.weight_social,
		b.created_at, b.updated_at
		FROM baskets b JOIN organisations o ON o.id = b.org_id JOIN users u ON u.id = b.owner_id WHERE b.id = ? AND `+scope, append([]any{id}, args...)...).
		Scan(&b.ID, &b.OrgID, &b.OrgName, &b.OwnerID, &b.OwnerName, &b.Name, &b.Status, &b.Version, &agreementID,
			&b.HasRequirements, &r.Need, &r.BudgetPence, &r.Sites, &r.RequiredBy, &r.WeightPrice, &r.WeightQuality, &r.WeightSocial,
			&created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return b, Errorf(ENOTFOUND, "There is no such basket.")
	} else if err != nil {
		return b, err
	}
	b.CreatedAt, b.UpdatedAt = parseTimestamp(created), parseTimestamp(updated)
	if agreementID.Valid {
		a, err := scanAgreement(tx.QueryRowContext(ctx, "SELECT "+agreementColumns+" WHERE a.id = ?", agreementID.Int64))
		if err != nil {
			return b, err
		}
		if err := loadTiers(ctx, tx, &a); err != nil {
			return b, err
		}
		b.Agreement = &a
		if b.Inlife, err = inlifeStatus(ctx, tx, b.OrgID, a.ID, b.ID); err != nil {
			return b, err
		}
	}
	if b.Lines, err = loadLines(ctx, tx, b.ID, b.Inlife.Tier.BP); err != nil {
		return b, err
	}
	prices := make([]LinePrice, len(b.Lines))
	for i, l := range b.Lines {
		prices[i] = l.Price
	}
	b.Totals = PriceTotals(prices)
	if b.Quote, err = latestQuote(ctx, tx, b.ID); err != nil {
		return b, err
	}
	if err := loadBasketTrials(ctx, tx, &b); err != nil {
		return b, err
	}
	return b, loadBasketEvents(ctx, tx, &b)
}

// BasketTimelineLimit is how many of its latest audit entries the basket
// page shows; the rest are one link away (PRODUCT.md §8: /baskets/{id}/history).
const BasketTimelineLimit = 20

// loadBasketEvents loads the basket's latest BasketTimelineLimit audit
// entries, how many there are in all, and the decision behind its state:
// the latest submit, withdrawal or decision, if it is a decision.
func loadBasketEvents(ctx context.Context, tx *sql.Tx, b *Basket) error {
	subject := Subject{SubjectBasket, b.ID}
	cond := `e.subject_kind = ? AND e.subject_id = ?`
	args := []any{subject.Kind, subject.ID}
	var latest []AuditEvent
	err := queryAudit(ctx, tx, cond, `ORDER BY e.id DESC LIMIT ?`, append(args, BasketTimelineLimit), func(e AuditEvent) error {
		latest = append(latest, e)
		return nil
	})
	if err != nil {
		return err
	}
	slices.Reverse(latest)
	b.Events = latest
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_events e WHERE `+cond, args...).Scan(&b.EventsTotal); err != nil {
		return err
	}
	return queryAudit(ctx, tx, cond+` AND e.action IN (?, ?, ?, ?)`, `ORDER BY e.id DESC LIMIT 1`,
		append(args, ActionSubmit, ActionWithdraw, ActionRequestChanges, ActionReject), func(e AuditEvent) error {
			if e.Action == ActionRequestChanges || e.Action == ActionReject {
				b.Decision = &e
			}
			return nil
		})
}

// BasketHistory is a basket's whole audit trail, oldest first, for those
// who may see the basket (the scope is in the query).
func (db *DB) BasketHistory(ctx context.Context, u *User, id int64) (BasketSummary, []AuditEvent, error) {
	var b BasketSummary
	var events []AuditEvent
	if u == nil {
		return b, nil, Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	err := db.read(ctx, func(tx *sql.Tx) error {
		scope, args := viewScope(u, "b.org_id")
		err := tx.QueryRowContext(ctx, `SELECT b.id, b.name, b.status FROM baskets b WHERE b.id = ? AND `+scope, append([]any{id}, args...)...).
			Scan(&b.ID, &b.Name, &b.Status)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENOTFOUND, "There is no such basket.")
		} else if err != nil {
			return err
		}
		events, err = auditTrail(ctx, tx, Subject{SubjectBasket, b.ID}, "")
		return err
	})
	return b, events, err
}

// TrialRef names a trial linked to a basket.
type TrialRef struct {
	ID     int64
	Name   string // in a sentence: "proof-of-value trial of Managed SD-WAN Branch"
	Status TrialStatus
}

// loadBasketTrials loads the trials linked to basket b, either way.
func loadBasketTrials(ctx context.Context, tx *sql.Tx, b *Basket) error {
	type linked struct {
		ref  TrialRef
		from bool
	}
	ts, err := collect(ctx, tx, func(r scanner) (l linked, err error) {
		var kind, offering string
		err = r.Scan(&l.ref.ID, &kind, &offering, &l.ref.Status, &l.from)
		l.ref.Name = TrialSummary{Kind: kind, OfferingName: offering}.Name()
		return l, err
	}, `SELECT t.id, t.kind, o.name, t.status, coalesce(t.id = (SELECT trial_id FROM baskets WHERE id = ?), 0)
		FROM trials t JOIN offerings o ON o.id = t.offering_id
		WHERE t.org_id = ? AND (t.basket_id = ? OR t.id = (SELECT trial_id FROM baskets WHERE id = ?)) ORDER BY t.id`, b.ID, b.OrgID, b.ID, b.ID)
	for _, t := range ts {
		if t.from {
			b.FromTrial = &t.ref
		} else {
			b.LinkedTrials = append(b.LinkedTrials, t.ref)
		}
	}
	return err
}

// lineScanner scans an offering followed by a line's own columns.
type lineScanner struct {
	row   scanner
	extra []any
}

func (s lineScanner) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

func loadLines(ctx context.Context, tx *sql.Tx, basketID, inlifeBP int64) ([]BasketLine, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+offeringColumns+", l.id, l.quantity, l.term_months"+offeringFrom+
		" JOIN basket_lines l ON l.offering_id = o.id WHERE l.basket_id = ? ORDER BY l.id", basketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BasketLine
	for rows.Next() {
		var l BasketLine
		o, err := scanOffering(lineScanner{rows, []any{&l.ID, &l.Quantity, &l.TermMonths}})
		if err != nil {
			return nil, err
		}
		l.Offering = o
		l.Price = PriceLine(LineInput{MonthlyPence: o.MonthlyPence, OneOffPence: o.OneOffPence, MouBP: o.MouBP,
			InlifeBP: inlifeBP, Quantity: l.Quantity, TermMonths: l.TermMonths})
		out = append(out, l)
	}
	return out, rows.Err()
}

func latestQuote(ctx context.Context, tx *sql.Tx, basketID int64) (*QuoteRef, error) {
	var q QuoteRef
	var issued string
	err := tx.QueryRowContext(ctx, `SELECT v.id, q.ref, v.version, v.status, v.issued_at, v.valid_until, v.approvals_needed,
		(SELECT count(*) FROM quote_approvals a WHERE a.quote_version_id = v.id)
		FROM quotes q JOIN quote_versions v ON v.quote_id = q.id WHERE q.basket_id = ? ORDER BY v.version DESC LIMIT 1`, basketID).
		Scan(&q.versionID, &q.Ref, &q.Version, &q.Status, &issued, &q.ValidUntil, &q.ApprovalsNeeded, &q.Approvals)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	q.IssuedAt = parseTimestamp(issued)
	return &q, nil
}

// Baskets lists the buyer's organisation's baskets, most recently changed first.
func (db *DB) Baskets(ctx context.Context, u *User) ([]BasketSummary, error) {
	if !u.Is(RoleBuyer) {
		return nil, Errorf(EFORBIDDEN, "Only buyers have baskets.")
	}
	if err := db.expireDue(ctx); err != nil {
		return nil, err
	}
	var out []BasketSummary
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT b.id, b.name, b.status, b.updated_at, coalesce(a.id, 0), coalesce(a.title, ''),
			(SELECT count(*) FROM basket_lines l WHERE l.basket_id = b.id),
			coalesce(q.ref, ''), coalesce(v.version, 0), coalesce(v.status, ''), coalesce(v.issued_at, ''), coalesce(v.valid_until, '')
			FROM baskets b
			LEFT JOIN agreements a ON a.id = b.agreement_id
			LEFT JOIN quotes q ON q.basket_id = b.id
			LEFT JOIN quote_versions v ON v.quote_id = q.id AND v.version = (SELECT max(version) FROM quote_versions WHERE quote_id = q.id)
			WHERE b.org_id = ? ORDER BY b.updated_at DESC, b.id DESC`, u.OrgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s BasketSummary
			var updated, issued string
			var q QuoteRef
			if err := rows.Scan(&s.ID, &s.Name, &s.Status, &updated, &s.AgreementID, &s.Agreement, &s.Lines, &q.Ref, &q.Version, &q.Status, &issued, &q.ValidUntil); err != nil {
				return err
			}
			s.UpdatedAt = parseTimestamp(updated)
			if q.Ref != "" {
				q.IssuedAt = parseTimestamp(issued)
				s.Quote = &q
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	return out, err
}
