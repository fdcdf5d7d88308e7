package store

// Baskets (PRODUCT.md §4): a named procurement for one organisation with its
// lines and requirements. Every public method is one transaction; each write
// checks permission and the workflow inside it.

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on free text.
const (
	MaxBasketName = 100
	MaxNeed       = 5000
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

// BasketEvent is one entry of a basket's audit trail.
type BasketEvent struct {
	At           time.Time
	Actor        string // "" for the portal itself
	Action       Action
	From, To     BasketStatus
	QuoteVersion int // 0 when none
	Comment      string
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
	Events          []BasketEvent
	CreatedAt       time.Time
	UpdatedAt       time.Time
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

// Queries of the add-a-line path, prepared once on the writer (basket_stmt.go).
const (
	qBasketRow    = `SELECT id, org_id, owner_id, version, agreement_id, status, name FROM baskets WHERE id = ?`
	qLineOffering = `SELECT o.id, o.slug, o.name, o.active, a.id, a.slug, a.title,
		(SELECT group_concat(months, '|') FROM (SELECT months FROM offering_terms t WHERE t.offering_id = o.id ORDER BY months))
		FROM offerings o JOIN agreements a ON a.id = o.agreement_id WHERE o.slug = ?`
	qFindLine   = `SELECT id, quantity FROM basket_lines WHERE basket_id = ? AND offering_id = ? AND term_months = ?`
	qInsertLine = `INSERT INTO basket_lines (basket_id, offering_id, quantity, term_months) VALUES (?, ?, ?, ?)`
	qAddToLine  = `UPDATE basket_lines SET quantity = quantity + ? WHERE id = ?`
	qTouch      = `UPDATE baskets SET status = ?, agreement_id = ?, version = version + 1, updated_at = ? WHERE id = ?`
	qDueQuotes  = `SELECT v.id, v.version, q.basket_id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id
		WHERE v.status = 'submitted' AND v.valid_until < ?`
)

// hotQueries are prepared once on the writer connection when the database
// opens: the basket write path runs them on every add.
var hotQueries = []string{qBasketRow, qLineOffering, qFindLine, qInsertLine, qAddToLine, qTouch, qDueQuotes}

// lineOffering finds an offering by slug with just what adding a line needs.
func lineOffering(ctx context.Context, tx *sql.Tx, slug string) (Offering, error) {
	var o Offering
	var terms sql.NullString
	err := qrow(ctx, tx, qLineOffering, slug).Scan(&o.ID, &o.Slug, &o.Name, &o.Active, &o.Agreement.ID, &o.Agreement.Slug, &o.Agreement.Title, &terms)
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

// basketRow is the stored basket without its lines.
type basketRow struct {
	id, orgID, ownerID, version int64
	agreementID                 sql.NullInt64
	status                      BasketStatus
	name                        string
}

func loadBasketRow(ctx context.Context, tx *sql.Tx, id int64) (basketRow, error) {
	var b basketRow
	err := qrow(ctx, tx, qBasketRow, id).
		Scan(&b.id, &b.orgID, &b.ownerID, &b.version, &b.agreementID, &b.status, &b.name)
	if errors.Is(err, sql.ErrNoRows) {
		return b, Errorf(ENOTFOUND, "There is no such basket.")
	}
	return b, err
}

// canView reports whether u may read baskets and quotes of organisation orgID:
// its own buyers and CCS reviewers.
func canView(u *User, orgID int64) error {
	if u.Is(RoleReviewer) || (u.Is(RoleBuyer) && u.OrgID == orgID) {
		return nil
	}
	if u == nil {
		return Errorf(EUNAUTHORIZED, "Sign in to continue.")
	}
	return Errorf(ENOTFOUND, "There is no such basket.")
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func parseTimestamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// recordEvent appends to a basket's audit trail; actor nil is the portal.
func recordEvent(ctx context.Context, tx *sql.Tx, basketID int64, actor *User, a Action, from, to BasketStatus, quoteVersion int, comment string, now time.Time) error {
	var actorID sql.NullInt64
	if actor != nil && actor.ID != 0 {
		actorID = sql.NullInt64{Int64: actor.ID, Valid: true}
	}
	var qv sql.NullInt64
	if quoteVersion > 0 {
		qv = sql.NullInt64{Int64: int64(quoteVersion), Valid: true}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO basket_events (basket_id, actor_id, at, action, from_status, to_status, quote_version, comment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, basketID, actorID, timestamp(now), string(a), string(from), string(to), qv, comment)
	return err
}

// checkName validates a basket name.
func checkName(field, name string) (string, *FieldError) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return name, &FieldError{field, "Enter a name for the basket"}
	case utf8.RuneCountInString(name) > MaxBasketName:
		return name, &FieldError{field, "Basket name must be 100 characters or fewer"}
	}
	return name, nil
}

// CreateBasket creates an empty draft basket for the buyer's organisation.
func (db *DB) CreateBasket(ctx context.Context, u *User, name string) (Basket, error) {
	name, fe := checkName("name", name)
	if fe != nil {
		return Basket{}, Invalid(*fe)
	}
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = createBasket(ctx, tx, u, name, db.Now())
		return err
	})
	if err != nil {
		return Basket{}, err
	}
	return db.Basket(ctx, u, id)
}

func createBasket(ctx context.Context, tx *sql.Tx, u *User, name string, now time.Time) (int64, error) {
	if err := authorize(u, u.OrgID, ActionCreate); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO baskets (org_id, owner_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		u.OrgID, u.ID, name, timestamp(now), timestamp(now)).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, recordEvent(ctx, tx, id, u, ActionCreate, "", BasketDraft, 0, "", now)
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

// checkQuantity parses a quantity: a whole number from 1 to 100,000.
func checkQuantity(field, s string) (int64, *FieldError) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, &FieldError{field, "Enter a quantity"}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < MinQuantity || n > MaxQuantity {
		return 0, &FieldError{field, "Quantity must be a whole number from 1 to 100,000"}
	}
	return n, nil
}

// checkTerm parses a term, which must be one of the offering's options.
func checkTerm(field string, o Offering, s string) (int64, *FieldError) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if strings.TrimSpace(s) == "" || err != nil || !o.HasTerm(n) {
		return 0, &FieldError{field, "Choose a contract term for " + o.Name + ": " + termsList(o.Terms)}
	}
	return int64(n), nil
}

// termsList lists term options as "12, 24 or 36 months".
func termsList(terms []int) string {
	var b strings.Builder
	for i, t := range terms {
		switch {
		case i == 0:
		case i == len(terms)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(t))
	}
	b.WriteString(" months")
	return b.String()
}

// checkVersion refuses an edit made from an out-of-date page. An empty
// version skips the check (adds never carry one).
func checkVersion(b basketRow, version string) error {
	if version == "" {
		return nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(version), 10, 64)
	if err != nil || v != b.version {
		return Errorf(ECONFLICT, "This basket was changed by someone else, or in another tab, after you opened it. Your change has not been saved: check the basket as it is now and make your change again.")
	}
	return nil
}

// editableBasket loads a basket for an edit inside tx: quotes past their
// validity expire first, then u's permission and the form's version are
// checked, and a basket with changes requested becomes a draft again.
func editableBasket(ctx context.Context, tx *sql.Tx, u *User, id int64, version string, now time.Time) (basketRow, error) {
	if err := expireQuotes(ctx, tx, now); err != nil {
		return basketRow{}, err
	}
	b, err := loadBasketRow(ctx, tx, id)
	if err != nil {
		return b, err
	}
	if err := authorize(u, b.orgID, ActionEdit); err != nil {
		return b, err
	}
	if err := checkVersion(b, version); err != nil {
		return b, err
	}
	return b, beginEdit(ctx, tx, u, &b, now)
}

// beginEdit checks that u may edit the basket now and moves a basket with
// changes requested back to draft (recording the event).
func beginEdit(ctx context.Context, tx *sql.Tx, u *User, b *basketRow, now time.Time) error {
	if err := authorize(u, b.orgID, ActionEdit); err != nil {
		return err
	}
	to, err := b.status.Next(ActionEdit)
	if err != nil {
		return err
	}
	if to != b.status {
		if err := recordEvent(ctx, tx, b.id, u, ActionEdit, b.status, to, 0, "", now); err != nil {
			return err
		}
		b.status = to
	}
	return nil
}

// touch saves the basket's status and agreement and bumps its version.
func touch(ctx context.Context, tx *sql.Tx, b basketRow, now time.Time) error {
	_, err := qexec(ctx, tx, qTouch, string(b.status), b.agreementID, timestamp(now), b.id)
	return err
}

// AddLine adds an offering to a basket (POST /baskets/{id}/lines). The same
// offering on the same term merges into the existing line. Adds carry no
// version and never conflict: the single writer applies them in turn.
func (db *DB) AddLine(ctx context.Context, u *User, basketID int64, f LineForm) (LineAdded, error) {
	ctx = db.withStmts(ctx)
	var res LineAdded
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if err := expireQuotes(ctx, tx, now); err != nil {
			return err
		}
		b, err := loadBasketRow(ctx, tx, basketID)
		if err != nil {
			return err
		}
		res, err = addLine(ctx, tx, u, b, f, now)
		return err
	})
	return res, err
}

// LineAdded says what an add did, for the confirmation message.
type LineAdded struct {
	BasketID     int64
	BasketName   string
	OfferingName string
	Quantity     int64
	Merged       bool // added to an existing line
}

// AddToBasket adds a line to the chosen basket, or to a new basket named in
// the form, in one transaction, and returns the basket's id.
func (db *DB) AddToBasket(ctx context.Context, u *User, f AddToBasketForm) (LineAdded, error) {
	ctx = db.withStmts(ctx)
	var id int64
	var res LineAdded
	err := db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if err := expireQuotes(ctx, tx, now); err != nil {
			return err
		}
		choice := strings.TrimSpace(f.Basket)
		if choice == "" || choice == "new" {
			name, fe := checkName("new_basket", f.NewBasket)
			if fe != nil {
				if choice == "" && strings.TrimSpace(f.NewBasket) == "" {
					fe = &FieldError{"basket", "Choose a basket, or name a new one"}
				}
				// Report the line's problems too, in form order.
				_, _, _, lineErrs, err := checkLine(ctx, tx, f.LineForm)
				if err != nil {
					return err
				}
				return Invalid(append([]FieldError{*fe}, lineErrs...)...)
			}
			var err error
			if id, err = createBasket(ctx, tx, u, name, now); err != nil {
				return err
			}
		} else {
			n, err := strconv.ParseInt(choice, 10, 64)
			if err != nil {
				return Invalid(FieldError{"basket", "Choose a basket, or name a new one"})
			}
			id = n
		}
		b, err := loadBasketRow(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err = addLine(ctx, tx, u, b, f.LineForm, now)
		return err
	})
	return res, err
}

// checkLine validates a line form: the offering exists and is active, the
// quantity is 1–100,000 and the term one of the offering's options.
func checkLine(ctx context.Context, tx *sql.Tx, f LineForm) (o Offering, q, t int64, errs []FieldError, err error) {
	o, err = lineOffering(ctx, tx, strings.TrimSpace(f.Offering))
	if ErrorCode(err) == ENOTFOUND {
		errs = []FieldError{{"offering", "Choose an offering from the catalogue"}}
		if _, fe := checkQuantity("quantity", f.Quantity); fe != nil {
			errs = append(errs, *fe)
		}
		return o, 0, 0, errs, nil
	} else if err != nil {
		return o, 0, 0, nil, err
	}
	if !o.Active {
		return o, 0, 0, []FieldError{{"offering", o.Name + " has been withdrawn and cannot be added to a basket"}}, nil
	}
	q, fe := checkQuantity("quantity", f.Quantity)
	if fe != nil {
		errs = append(errs, *fe)
	}
	t, fe = checkTerm("term_months", o, f.TermMonths)
	if fe != nil {
		errs = append(errs, *fe)
	}
	return o, q, t, errs, nil
}

func addLine(ctx context.Context, tx *sql.Tx, u *User, b basketRow, f LineForm, now time.Time) (LineAdded, error) {
	res, err := addLineTx(ctx, tx, u, &b, f, now)
	if err != nil {
		return res, err
	}
	return res, touch(ctx, tx, b, now)
}

func addLineTx(ctx context.Context, tx *sql.Tx, u *User, b *basketRow, f LineForm, now time.Time) (LineAdded, error) {
	res := LineAdded{BasketID: b.id, BasketName: b.name}
	if err := authorize(u, b.orgID, ActionEdit); err != nil {
		return res, err
	}
	if _, err := b.status.Next(ActionEdit); err != nil {
		return res, err
	}
	o, q, t, errs, err := checkLine(ctx, tx, f)
	if err != nil {
		return res, err
	}
	if errs != nil {
		return res, Invalid(errs...)
	}
	res.OfferingName, res.Quantity = o.Name, q
	if b.agreementID.Valid && b.agreementID.Int64 != o.Agreement.ID {
		var title string
		if err := tx.QueryRowContext(ctx, `SELECT title FROM agreements WHERE id = ?`, b.agreementID.Int64).Scan(&title); err != nil {
			return res, err
		}
		return res, &AgreementMismatchError{
			Err: Invalid(FieldError{"offering", "“" + b.name + "” is for offerings under the " + title + ". " +
				o.Name + " is sold under the " + o.Agreement.Title + ", so it needs a basket of its own: a quote becomes one contract with one supplier."}),
			Offering: o, Line: f,
		}
	}
	var lineID, have int64
	err = qrow(ctx, tx, qFindLine, b.id, o.ID, t).Scan(&lineID, &have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := qexec(ctx, tx, qInsertLine, b.id, o.ID, q, t); err != nil {
			return res, err
		}
	case err != nil:
		return res, err
	default:
		res.Merged = true
		if have+q > MaxQuantity {
			return res, Invalid(FieldError{"quantity", "The basket already has " + groupThousands(uint64(have)) + " of " + o.Name +
				" on " + strconv.FormatInt(t, 10) + " months. Adding " + groupThousands(uint64(q)) + " more would make more than 100,000 on one line"})
		}
		if _, err := qexec(ctx, tx, qAddToLine, q, lineID); err != nil {
			return res, err
		}
	}
	if err := beginEdit(ctx, tx, u, b, now); err != nil {
		return res, err
	}
	b.agreementID = sql.NullInt64{Int64: o.Agreement.ID, Valid: true}
	return res, nil
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
		now := db.Now()
		b, err := editableBasket(ctx, tx, u, basketID, ch.Version, now)
		if err != nil {
			return err
		}
		var offeringID, oldTerm int64
		err = tx.QueryRowContext(ctx, `SELECT offering_id, term_months FROM basket_lines WHERE id = ? AND basket_id = ?`, lineID, b.id).Scan(&offeringID, &oldTerm)
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
		q, fe := checkQuantity(lineField(lineID, "quantity"), ch.Quantity)
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
		var otherID, otherQ int64
		err = tx.QueryRowContext(ctx, `SELECT id, quantity FROM basket_lines WHERE basket_id = ? AND offering_id = ? AND term_months = ? AND id <> ?`,
			b.id, offeringID, t, lineID).Scan(&otherID, &otherQ)
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
					" on " + strconv.FormatInt(t, 10) + " months; together they would be more than 100,000 on one line"})
			}
			if _, err := tx.ExecContext(ctx, `UPDATE basket_lines SET quantity = quantity + ? WHERE id = ?`, q, otherID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM basket_lines WHERE id = ?`, lineID); err != nil {
				return err
			}
		}
		return touch(ctx, tx, b, now)
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
		now := db.Now()
		b, err := editableBasket(ctx, tx, u, basketID, version, now)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM basket_lines WHERE id = ? AND basket_id = ?`, lineID, b.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENOTFOUND, "That line is no longer in the basket.")
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM basket_lines WHERE basket_id = ?`, b.id).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			b.agreementID = sql.NullInt64{}
		}
		return touch(ctx, tx, b, now)
	})
}

// RequirementsForm is the requirements form as entered.
type RequirementsForm struct {
	Need          string
	Budget        string // pounds, pence allowed, including VAT
	Sites         string
	RequiredBy    string // YYYY-MM-DD
	WeightPrice   string
	WeightQuality string
	WeightSocial  string
	Version       string
}

// FormFromRequirements fills a form from saved requirements.
func FormFromRequirements(r Requirements, version int64) RequirementsForm {
	return RequirementsForm{
		Need: r.Need, Budget: FormatPounds(r.BudgetPence), Sites: strconv.FormatInt(r.Sites, 10), RequiredBy: r.RequiredBy,
		WeightPrice: strconv.FormatInt(r.WeightPrice, 10), WeightQuality: strconv.FormatInt(r.WeightQuality, 10),
		WeightSocial: strconv.FormatInt(r.WeightSocial, 10), Version: strconv.FormatInt(version, 10),
	}
}

// Parse validates the form against today's UK date and returns the
// requirements, or the invalid fields in form order.
func (f RequirementsForm) Parse(now time.Time) (Requirements, []FieldError) {
	var r Requirements
	var errs []FieldError
	r.Need = strings.TrimSpace(strings.ReplaceAll(f.Need, "\r\n", "\n"))
	switch {
	case r.Need == "":
		errs = append(errs, FieldError{"need", "Describe what your organisation needs"})
	case utf8.RuneCountInString(r.Need) > MaxNeed:
		errs = append(errs, FieldError{"need", "Business need must be 5,000 characters or fewer"})
	}
	if strings.TrimSpace(f.Budget) == "" {
		errs = append(errs, FieldError{"budget", "Enter the budget in pounds, including VAT"})
	} else if p, err := ParsePounds(f.Budget); err != nil {
		errs = append(errs, FieldError{"budget", "Budget: " + lowerFirst(ErrorMessage(err))})
	} else if p == 0 {
		errs = append(errs, FieldError{"budget", "Budget must be more than £0"})
	} else {
		r.BudgetPence = p
	}
	if n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(f.Sites), ",", ""), 10, 64); err != nil || n < 1 || n > 100000 {
		errs = append(errs, FieldError{"sites", "Number of sites must be a whole number from 1 to 100,000"})
	} else {
		r.Sites = n
	}
	today := TodayLondon(now)
	if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(f.RequiredBy), London); err != nil {
		errs = append(errs, FieldError{"required_by", "Enter the date you need it by as year-month-day, like " + today.AddDate(0, 2, 0).Format(time.DateOnly)})
	} else if d.Before(today) {
		errs = append(errs, FieldError{"required_by", "The date you need it by must be today or in the future"})
	} else {
		r.RequiredBy = d.Format(time.DateOnly)
	}
	weight := func(field, label, s string) (int64, bool) {
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(s), "%"), 10, 64)
		if err != nil || n < 0 || n > 100 {
			errs = append(errs, FieldError{field, label + " weight must be a whole percentage from 0 to 100"})
			return 0, false
		}
		return n, true
	}
	var ok1, ok2, ok3 bool
	r.WeightPrice, ok1 = weight("weight_price", "Price", f.WeightPrice)
	r.WeightQuality, ok2 = weight("weight_quality", "Quality", f.WeightQuality)
	r.WeightSocial, ok3 = weight("weight_social", "Social value", f.WeightSocial)
	if ok1 && ok2 && ok3 {
		if sum := r.WeightPrice + r.WeightQuality + r.WeightSocial; sum != 100 {
			errs = append(errs, FieldError{"weight_price", "The weights must add up to 100%; they add up to " + strconv.FormatInt(sum, 10) + "%"})
		}
		if r.WeightSocial < 10 {
			errs = append(errs, FieldError{"weight_social", "Social value weight must be at least 10%"})
		}
	}
	return r, errs
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// SetRequirements saves the basket's requirements.
func (db *DB) SetRequirements(ctx context.Context, u *User, basketID int64, f RequirementsForm) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if err := expireQuotes(ctx, tx, now); err != nil {
			return err
		}
		b, err := loadBasketRow(ctx, tx, basketID)
		if err != nil {
			return err
		}
		return setRequirements(ctx, tx, u, b, f, now)
	})
}

func setRequirements(ctx context.Context, tx *sql.Tx, u *User, b basketRow, f RequirementsForm, now time.Time) error {
	if err := authorize(u, b.orgID, ActionEdit); err != nil {
		return err
	}
	if err := checkVersion(b, f.Version); err != nil {
		return err
	}
	if _, err := b.status.Next(ActionEdit); err != nil {
		return err
	}
	r, errs := f.Parse(now)
	if errs != nil {
		return Invalid(errs...)
	}
	if err := beginEdit(ctx, tx, u, &b, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE baskets SET has_requirements = 1, need = ?, budget_pence = ?, sites = ?, required_by = ?,
		weight_price = ?, weight_quality = ?, weight_social = ? WHERE id = ?`,
		r.Need, r.BudgetPence, r.Sites, r.RequiredBy, r.WeightPrice, r.WeightQuality, r.WeightSocial, b.id); err != nil {
		return err
	}
	return touch(ctx, tx, b, now)
}

// Basket returns a basket with its lines priced at today's catalogue prices
// and the organisation's current in-life tier, its latest quote and its
// audit trail. Buyers see their own organisation's baskets; reviewers all.
func (db *DB) Basket(ctx context.Context, u *User, id int64) (Basket, error) {
	if err := db.expireDue(ctx); err != nil {
		return Basket{}, err
	}
	var b Basket
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = loadBasket(ctx, tx, id)
		if err != nil {
			return err
		}
		return canView(u, b.OrgID)
	})
	return b, err
}

func loadBasket(ctx context.Context, tx *sql.Tx, id int64) (Basket, error) {
	var b Basket
	var agreementID sql.NullInt64
	var created, updated string
	r := &b.Requirements
	err := tx.QueryRowContext(ctx, `SELECT b.id, b.org_id, o.name, b.owner_id, u.name, b.name, b.status, b.version, b.agreement_id,
		b.has_requirements, b.need, b.budget_pence, b.sites, b.required_by, b.weight_price, b.weight_quality, b.weight_social,
		b.created_at, b.updated_at
		FROM baskets b JOIN organisations o ON o.id = b.org_id JOIN users u ON u.id = b.owner_id WHERE b.id = ?`, id).
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
	b.Events, err = basketEvents(ctx, tx, b.ID)
	return b, err
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
	err := tx.QueryRowContext(ctx, `SELECT q.ref, v.version, v.status, v.issued_at, v.valid_until
		FROM quotes q JOIN quote_versions v ON v.quote_id = q.id WHERE q.basket_id = ? ORDER BY v.version DESC LIMIT 1`, basketID).
		Scan(&q.Ref, &q.Version, &q.Status, &issued, &q.ValidUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	q.IssuedAt = parseTimestamp(issued)
	return &q, nil
}

func basketEvents(ctx context.Context, tx *sql.Tx, basketID int64) ([]BasketEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.at, coalesce(u.name, ''), e.action, e.from_status, e.to_status, coalesce(e.quote_version, 0), e.comment
		FROM basket_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.basket_id = ? ORDER BY e.id`, basketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BasketEvent
	for rows.Next() {
		var e BasketEvent
		var at string
		if err := rows.Scan(&at, &e.Actor, &e.Action, &e.From, &e.To, &e.QuoteVersion, &e.Comment); err != nil {
			return nil, err
		}
		e.At = parseTimestamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
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
